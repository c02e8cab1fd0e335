// readFile() reads a file in one submission where it fits the first read: open
// into a registered file slot, read, read again to see EOF (a hard-linked
// chain), and goes on reading the same open file when it does not fit. Same
// bytes and errors as fs.promises.readFile around every boundary, for regular
// files, procfs, a FIFO fed by another process, more calls than slots, and the
// slots always come back.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

import { readFile } from '../src/index';
import { getRing } from '../src/ring';
import { mkfifo, withTimeout } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';
import { expectSameFailure } from './support/parity';

const fx = opFixture('readfile');

function bytes(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed + (i >> 10)) & 0xff;
  return b;
}

const KiB = 1024;

describe('readFile: bytes', () => {
  const sizes = [0, 1, 4 * KiB, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 80 * KiB - 1, 80 * KiB, 80 * KiB + 1, 200_000, 3 << 20];
  for (const size of sizes) {
    it(`${size} bytes: the same as fs.promises.readFile, as a Buffer and as text`, async () => {
      const p = fx.path();
      const data = bytes(size, size);
      fs.writeFileSync(p, data);
      const got = (await readFile(p)) as Buffer;
      expect(got.length).toBe(size);
      expect(got.equals(data)).toBe(true);
      expect(await readFile(p, 'latin1')).toBe(await fsp.readFile(p, 'latin1'));
    });
  }

  it('procfs files (size 0, content generated in pieces)', async () => {
    for (const p of ['/proc/self/status', '/proc/self/maps', '/proc/cpuinfo']) {
      const got = (await readFile(p, 'utf8')) as string;
      expect(got.length, p).toBeGreaterThan(0);
      expect(got.endsWith('\n'), p).toBe(true);
    }
  });

  it('a FIFO fed by another process with more than the first submission reads (200 KB): every byte, in order', async () => {
    const fifo = fx.path();
    mkfifo(fifo);
    const data = bytes(200_000, 7);
    const src = fx.path();
    fs.writeFileSync(src, data);
    const writer = spawn('sh', ['-c', `cat '${src}' > '${fifo}'`], { stdio: 'ignore' });
    const writerDone = new Promise((r) => writer.on('close', r));
    const got = (await withTimeout(readFile(fifo), 10_000, 'readFile of a FIFO')) as Buffer;
    expect(got.length).toBe(data.length);
    expect(got.equals(data)).toBe(true);
    await writerDone;
  });

  it('flags: a+ creates the file, wx+ refuses an existing one, w+ truncates', async () => {
    const p = fx.path();
    expect(((await readFile(p, { flag: 'a+' })) as Buffer).length).toBe(0);
    expect(fs.existsSync(p)).toBe(true);
    fs.writeFileSync(p, 'data');
    await expectSameFailure(() => readFile(p, { flag: 'wx+' }), () => fsp.readFile(p, { flag: 'wx+' }));
    expect(((await readFile(p, { flag: 'w+' })) as Buffer).length).toBe(0);
    expect(fs.statSync(p).size).toBe(0);
  });
});

describe('readFile: errors', () => {
  it('ENOENT, EISDIR, ENOTDIR, EACCES-free errors as fs.promises.readFile gives them', async () => {
    const file = fx.path();
    fs.writeFileSync(file, 'x');
    for (const p of [fx.path(), fx.dir, `${file}/x`, '']) {
      await expectSameFailure(() => readFile(p), () => fsp.readFile(p));
    }
  });
});

describe('readFile: registered file slots', () => {
  it('more calls at once than the ring has slots: all complete, the extra ones on ordinary fds', async () => {
    const ring = getRing();
    const slots = ring.backend === 'io_uring' ? 1024 : 0;
    const p = fx.path();
    const data = bytes(3000, 3);
    fs.writeFileSync(p, data);
    const n = slots + 200;
    const all = await withTimeout(Promise.all(Array.from({ length: n }, () => readFile(p))), 30_000, 'many readFiles');
    expect(all.every((b) => (b as Buffer).equals(data))).toBe(true);
  });

  it('slots come back after failures: 3,000 failed and 3,000 good reads, then as many as there are slots at once', async () => {
    const good = fx.path();
    fs.writeFileSync(good, 'ok');
    for (let i = 0; i < 3000; i++) {
      await readFile(fx.dir).catch(() => undefined); // EISDIR after the open filled a slot
      await readFile(`${good}-missing`).catch(() => undefined); // ENOENT: the open fails
      await readFile(good);
    }
    const all = await Promise.all(Array.from({ length: 1024 }, () => readFile(good, 'utf8')));
    expect(all.every((s) => s === 'ok')).toBe(true);
  });
});

describe('readFile(path, { signal })', () => {
  it('an aborted signal rejects as fs.promises.readFile does; a live one reads the file', async () => {
    const reason = new Error('stop');
    const node = await fsp.readFile(__filename, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e as Error & { code?: string });
    const ours = await readFile(__filename, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e as Error & { code?: string });
    expect(ours).toBeInstanceOf((node as Error).constructor);
    expect({ name: (ours as Error).name, code: (ours as { code?: string }).code, message: (ours as Error).message, cause: (ours as Error).cause }).toEqual({
      name: (node as Error).name,
      code: (node as { code?: string }).code,
      message: (node as Error).message,
      cause: reason,
    });
    expect(await readFile(__filename, { encoding: 'utf8', signal: new AbortController().signal })).toBe(fs.readFileSync(__filename, 'utf8'));
  });

  it('a signal that is not one gets node\'s error', async () => {
    const node = await fsp.readFile(__filename, { signal: 1 as never }).catch((e: unknown) => e as Error);
    const ours = await readFile(__filename, { signal: 1 as never }).catch((e: unknown) => e as Error);
    expect((ours as Error).message).toBe((node as Error).message);
    expect((ours as { code?: string }).code).toBe((node as { code?: string }).code);
  });
});
