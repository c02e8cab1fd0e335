// ring.dioAlignment(pathOrFd): what O_DIRECT needs, from statx STATX_DIOALIGN
// (Linux 6.1); null where the kernel or filesystem does not say (tmpfs here,
// /proc, and a kernel before 6.1, simulated with URING_FS_DISABLE_FEATURES=dioAlign).
// A misaligned O_DIRECT read or write fails with node:fs's EINVAL (same code,
// errno, syscall, message start) with the alignment appended to the message.

import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';

import { allocAligned } from '../src/index';
import { patternMismatch, writePatternFile } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';
import { failureOf, rejectionOf } from './support/parity';

const fx = opFixture('dio');
const { ring } = fx;
let file: string;
let directOk = true;

beforeAll(() => {
  file = fx.path('pattern.bin');
  writePatternFile(file, 1 << 16);
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_DIRECT));
  } catch {
    directOk = false; // a temporary directory on a filesystem without O_DIRECT
  }
});

const pow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

describe('dioAlignment', () => {
  it('answers { memory, offset } for a file on a filesystem that reports it (ext4 here), by path, Buffer, URL and fd', async () => {
    const a = await ring.dioAlignment(file);
    // ext4 reports it from Linux 6.1 on; elsewhere null is a possible answer.
    const [major, minor] = ring.features.kernel.split('.').map(Number);
    const ext4 = fs.statfsSync(file).type === 0xef53;
    if (ext4 && (major > 6 || (major === 6 && minor >= 1))) expect(a).not.toBeNull();
    if (a === null) return;
    expect(pow2(a.memory) && pow2(a.offset)).toBe(true);
    expect(await ring.dioAlignment(Buffer.from(file))).toEqual(a);
    expect(await ring.dioAlignment(new URL(`file://${file}`))).toEqual(a);
    const fd = fx.openSync(file, 'r');
    expect(await ring.dioAlignment(fd)).toEqual(a);
  });

  it('is null where statx does not report it: tmpfs and procfs on this kernel, and a kernel before 6.1 (simulated)', async () => {
    const shm = fs.mkdtempSync('/dev/shm/uring-fs-dio-');
    try {
      fs.writeFileSync(`${shm}/f`, 'x');
      expect(await ring.dioAlignment(`${shm}/f`)).toBeNull();
    } finally {
      fs.rmSync(shm, { recursive: true, force: true });
    }
    expect(await ring.dioAlignment('/proc/self/status')).toBeNull();
    process.env.URING_FS_DISABLE_FEATURES = 'dioAlign';
    try {
      expect(await ring.dioAlignment(file)).toBeNull();
    } finally {
      delete process.env.URING_FS_DISABLE_FEATURES;
    }
  });

  it('rejects as node:fs does for a missing path or a closed fd (syscall statx), and validates its argument', async () => {
    const missing = fx.path('missing');
    const ours = await rejectionOf(() => ring.dioAlignment(missing));
    const theirs = await failureOf(() => fs.promises.stat(missing));
    expect({ code: ours.code, errno: ours.errno, path: ours.path }).toEqual({ code: theirs.code, errno: theirs.errno, path: theirs.path });
    expect(ours.syscall).toBe('statx');
    expect(ours.message).toBe(`ENOENT: no such file or directory, statx '${missing}'`);
    const bad = await rejectionOf(() => ring.dioAlignment(0x7ffffff0));
    expect({ code: bad.code, syscall: bad.syscall }).toEqual({ code: 'EBADF', syscall: 'statx' });
    for (const v of [{}, true, -1, 1.5, null]) {
      const err = await rejectionOf(() => ring.dioAlignment(v as never));
      expect(err.code).toMatch(/^ERR_(INVALID_ARG_TYPE|OUT_OF_RANGE)$/);
    }
  });
});

describe('O_DIRECT errors', () => {
  it('a misaligned O_DIRECT read or write: node:fs\'s EINVAL, with the alignment the file needs appended', async (ctx) => {
    if (!directOk) ctx.skip();
    const align = await ring.dioAlignment(file);
    const fd = fx.openSync(file, fs.constants.O_RDWR | fs.constants.O_DIRECT);
    const mem = allocAligned(8192, 4096);
    const misaligned = mem.subarray(1, 4097); // one byte past a page
    const theirs = await failureOf(() => new Promise((res, rej) => fs.read(fd, misaligned, 0, 4096, 0, (e, n) => (e ? rej(e) : res(n)))));
    expect(theirs.code).toBe('EINVAL');
    const ours = await rejectionOf(() => ring.read(fd, misaligned, 0));
    expect({ code: ours.code, errno: ours.errno, syscall: ours.syscall }).toEqual({ code: theirs.code, errno: theirs.errno, syscall: theirs.syscall });
    expect(ours.message.startsWith(`${theirs.message}; the file is open with O_DIRECT`)).toBe(true);
    if (align) expect(ours.message).toContain(`memory aligned to ${align.memory} bytes`);
    expect(String(ours.stack)).toContain(ours.message);
    const w = await rejectionOf(() => ring.write(fd, misaligned, 0));
    expect({ code: w.code, syscall: w.syscall }).toEqual({ code: 'EINVAL', syscall: 'write' });
    expect(w.message).toContain('O_DIRECT');
    // Aligned: works, and the data is right.
    expect(await ring.read(fd, mem.subarray(0, 4096), 4096)).toBe(4096);
    expect(patternMismatch(mem.subarray(0, 4096), 4096, 4096)).toBeNull();
  });

  it('other errors and non-O_DIRECT files get no hint', async () => {
    const fd = fx.openSync(file, 'r');
    const ours = await rejectionOf(() => ring.write(fd, Buffer.from('x'), 0));
    expect(ours.code).toBe('EBADF');
    expect(ours.message).toBe('EBADF: bad file descriptor, write');
  });
});
