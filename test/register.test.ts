// ring.registerFile(fd) / unregisterFile(fd): ops on a registered fd name its
// slot in the ring's registered file table. Shown by what only a registered
// file does: the slot keeps the file after the fd itself is closed behind the
// ring's back. Closing through the ring (a call, a batch entry, a chain member)
// ends the registration, after everything called before it.

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';

import { patternBuffer, patternMismatch } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';

const fx = opFixture('register');
const { ring } = fx;
const onRing = ring.backend === 'io_uring' && ring.features.fixedFiles > 0;

function file(size = 4096): string {
  const p = fx.path();
  fs.writeFileSync(p, patternBuffer(size));
  return p;
}

describe('registerFile', () => {
  it('reports the table: fixedFiles slots, or false where there is none', () => {
    const fd = fs.openSync(file(), 'r');
    try {
      expect(ring.registerFile(fd)).toBe(onRing);
      expect(ring.unregisterFile(fd)).toBe(onRing);
      expect(ring.unregisterFile(fd)).toBe(false);
    } finally {
      fs.closeSync(fd);
    }
    if (ring.backend === 'io_uring') expect(ring.features.fixedFiles).toBe(1024);
    else expect(ring.features.fixedFiles).toBe(0);
  });

  it.skipIf(!onRing)('reads, writes, readv, writev, fsync and ftruncate on a registered fd go to its file', async () => {
    const p = file(8192);
    const fd = fs.openSync(p, 'r+');
    expect(ring.registerFile(fd)).toBe(true);
    const buf = Buffer.alloc(100);
    expect(await ring.read(fd, buf, 1000)).toBe(100);
    expect(patternMismatch(buf, 1000, 100)).toBeNull();
    expect(await ring.readv(fd, [Buffer.alloc(4), Buffer.alloc(4)], 0)).toBe(8);
    expect(await ring.write(fd, Buffer.from('abc'), 0)).toBe(3);
    expect(await ring.writev(fd, [Buffer.from('d'), Buffer.from('e')], 3)).toBe(2);
    await ring.fsync(fd);
    await ring.ftruncate(fd, 10);
    expect(fs.readFileSync(p).subarray(0, 5).toString()).toBe('abcde');
    expect(fs.statSync(p).size).toBe(10);
    // fstat (statx takes no registered file) still answers for the fd.
    expect((await ring.fstat(fd)).size).toBe(10);
    await ring.close(fd);
    expect(ring.unregisterFile(fd)).toBe(false); // the close ended it
  });

  it.skipIf(!onRing)('the slot holds the file: with the fd closed behind the ring, reads still reach it, until unregistered', async () => {
    const p = file();
    const fd = fs.openSync(p, 'r');
    expect(ring.registerFile(fd)).toBe(true);
    fs.closeSync(fd);
    const buf = Buffer.alloc(16);
    expect(await ring.read(fd, buf, 64)).toBe(16);
    expect(patternMismatch(buf, 64, 16)).toBeNull();
    ring.unregisterFile(fd);
    await expect(ring.read(fd, buf, 0)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it.skipIf(!onRing)('ops called before a close through the ring complete on the file; the slot is free after', async () => {
    const p = file(64 * 1024);
    const fd = fs.openSync(p, 'r');
    ring.registerFile(fd);
    const bufs = Array.from({ length: 50 }, () => Buffer.alloc(1024));
    const reads = bufs.map((b, i) => ring.read(fd, b, i * 1024));
    const closed = ring.close(fd);
    expect(await Promise.all(reads)).toEqual(bufs.map(() => 1024));
    await closed;
    bufs.forEach((b, i) => expect(patternMismatch(b, i * 1024, 1024)).toBeNull());
    expect(ring.unregisterFile(fd)).toBe(false);
  });

  it.skipIf(!onRing)('a close in a batch, and in a linked chain after a read of the fd', async () => {
    const fd1 = fs.openSync(file(), 'r');
    ring.registerFile(fd1);
    const [r1] = await ring.batch([{ op: 'close', fd: fd1 }]);
    expect(r1.status).toBe('fulfilled');
    expect(ring.unregisterFile(fd1)).toBe(false);
    const fd2 = fs.openSync(file(), 'r');
    ring.registerFile(fd2);
    const buf = Buffer.alloc(32);
    const chain = await ring.batch([{ op: 'read', fd: fd2, buffer: buf, position: 32 }, { op: 'close', fd: fd2 }], { link: true });
    expect(chain.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(patternMismatch(buf, 32, 32)).toBeNull();
    expect(ring.unregisterFile(fd2)).toBe(false);
  });

  it.skipIf(!onRing)('1,500 registrations: 1,024 fit, the rest return false; slots come back when fds close', async () => {
    const p = file();
    const fds = Array.from({ length: 1500 }, () => fs.openSync(p, 'r'));
    try {
      const results = fds.map((fd) => ring.registerFile(fd));
      expect(results.filter(Boolean).length).toBeLessThanOrEqual(1024);
      expect(results.filter(Boolean).length).toBeGreaterThan(900); // readFile may hold a few
      await Promise.all(fds.filter((_, i) => results[i]).map((fd) => ring.close(fd)));
      const again = fs.openSync(p, 'r');
      expect(ring.registerFile(again)).toBe(true);
      await ring.close(again);
    } finally {
      for (const fd of fds) {
        try {
          fs.closeSync(fd);
        } catch {
          // closed through the ring
        }
      }
    }
  });

  it('a bad fd: node:fs validation errors, and EBADF for one that is not open', async () => {
    expect(() => ring.registerFile(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => ring.registerFile('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    if (onRing) expect(() => ring.registerFile(0x7ffffff0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});
