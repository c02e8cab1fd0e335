// An opcode the running kernel lacks (IORING_OP_FTRUNCATE before Linux 6.9, say)
// runs that one call on node:fs, with node:fs's results and errors, and is listed
// in ring.features.fsFallbackOps. URING_FS_DISABLE_OPS makes a ring treat opcodes
// as missing, as such a kernel's probe would report them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { Ring } from '../src/index';
import { expectSameFailure } from './support/parity';

let ring: Ring;
let dir: string;

beforeAll(() => {
  const saved = process.env.URING_FS_DISABLE_OPS;
  process.env.URING_FS_DISABLE_OPS = 'ftruncate,statx,readv';
  try {
    ring = new Ring();
  } finally {
    if (saved === undefined) delete process.env.URING_FS_DISABLE_OPS;
    else process.env.URING_FS_DISABLE_OPS = saved;
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-opfallback-'));
});

afterAll(async () => {
  await ring.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('opcodes the kernel lacks run on node:fs, per call', () => {
  it('are reported in features (io_uring backend only; on the fs backend every call is node:fs)', (ctx) => {
    if (ring.backend === 'fs') ctx.skip();
    expect(ring.features.ops.ftruncate).toBe(false);
    expect(ring.features.ops.statx).toBe(false);
    expect(ring.features.ops.readv).toBe(false);
    expect(ring.features.ops.read).toBe(true);
    expect([...ring.features.fsFallbackOps].sort()).toEqual(['fstat', 'ftruncate', 'lstat', 'readv', 'stat']);
  });

  it('give the same results as node:fs, next to ops that stay on the ring', async () => {
    const p = path.join(dir, 'f');
    fs.writeFileSync(p, Buffer.from('0123456789'));
    const fd = await ring.open(p, 'r+');
    try {
      await ring.ftruncate(fd, 4);
      expect(fs.readFileSync(p, 'utf8')).toBe('0123');
      const [ours, theirs] = [await ring.fstat(fd), await fsp.stat(p)];
      expect(ours).toEqual(theirs);
      expect(await ring.stat(p, { bigint: true })).toEqual(await fsp.stat(p, { bigint: true }));
      const a = Buffer.alloc(2);
      const b = Buffer.alloc(2);
      expect(await ring.readv(fd, [a, b], 0)).toBe(4);
      expect(Buffer.concat([a, b]).toString()).toBe('0123');
      const c = Buffer.alloc(4);
      expect(await ring.read(fd, c, 0)).toBe(4);
      expect(c.toString()).toBe('0123');
    } finally {
      await ring.close(fd);
    }
  });

  it('fail exactly as node:fs does', async () => {
    const missing = path.join(dir, 'missing');
    await expectSameFailure(() => ring.stat(missing), () => fsp.stat(missing));
    await expectSameFailure(() => ring.lstat(missing), () => fsp.lstat(missing));
    const fd = fs.openSync(path.join(dir, 'closed'), 'w');
    fs.closeSync(fd);
    await expectSameFailure(
      () => ring.ftruncate(fd, 1),
      () => new Promise((_, reject) => fs.ftruncate(fd, 1, reject)),
    );
  });

  it('work inside a linked batch, chained from JavaScript', async () => {
    const p = path.join(dir, 'chain');
    fs.writeFileSync(p, 'abcdef');
    const fd = await ring.open(p, 'r+');
    try {
      const results = await ring.batch(
        [
          { op: 'write', fd, buffer: Buffer.from('XY'), position: 0 },
          { op: 'ftruncate', fd, len: 3 },
          { op: 'stat', path: path.join(dir, 'nope') },
          { op: 'write', fd, buffer: Buffer.from('Z'), position: 0 },
        ],
        { link: true },
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
      expect((results[2] as PromiseRejectedResult).reason.code).toBe('ENOENT');
      expect((results[3] as PromiseRejectedResult).reason.code).toBe('ECANCELED');
      expect(fs.readFileSync(p, 'utf8')).toBe('XYc');
    } finally {
      await ring.close(fd);
    }
  });
});
