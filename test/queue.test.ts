// The promise-free path: ring.completionQueue(handler) and readMany/writeMany.
// Same bytes and the same (raw) results node:fs's calls give, on both backends;
// results in bulk, tags back intact, every op reported exactly once, the
// handler in the async context the queue was made in.

import { afterAll, describe, expect, it } from 'vitest';
import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';

import { Ring } from '../src/index';
import { patternBuffer, patternMismatch, withTimeout } from './fixtures/helpers';
import { NEVER_OPEN_FD, opFixture } from './support/op-fixture';
import { rejectionOf } from './support/parity';

const fx = opFixture('queue');
const { ring } = fx;
const SIZE = 1 << 20;
const source = fx.path('source');
fs.writeFileSync(source, patternBuffer(SIZE));
const fd = fx.openSync(source);

function collect(r: Ring, expected: number): { q: ReturnType<Ring['completionQueue']>; done: Promise<Map<number, number[]>>; batches: number[] } {
  const seen = new Map<number, number[]>();
  const batches: number[] = [];
  let total = 0;
  let finish!: (m: Map<number, number[]>) => void;
  const done = new Promise<Map<number, number[]>>((resolve) => {
    finish = resolve;
  });
  const q = r.completionQueue((tags, results, n) => {
    batches.push(n);
    for (let i = 0; i < n; i++) {
      const list = seen.get(tags[i]) ?? [];
      list.push(results[i]);
      seen.set(tags[i], list);
    }
    total += n;
    if (total >= expected) finish(seen);
  });
  return { q, done, batches };
}

describe('completionQueue', () => {
  it('2,000 reads: each tag reported once with its bytes, in bulk', async () => {
    const bufs = Array.from({ length: 2000 }, () => Buffer.alloc(512));
    const at = (i: number): number => ((i * 7919) % (SIZE / 512)) * 512;
    const { q, done, batches } = collect(ring, bufs.length);
    bufs.forEach((b, i) => q.read(fd, b, at(i), i));
    expect(q.pending).toBe(2000);
    const seen = await withTimeout(done, 10_000, 'queue reads');
    expect(seen.size).toBe(2000);
    for (const [tag, results] of seen) {
      expect(results, `tag ${tag}`).toEqual([512]);
      expect(patternMismatch(bufs[tag], at(tag), 512), `tag ${tag}`).toBeNull();
    }
    expect(q.pending).toBe(0);
    if (ring.backend === 'io_uring') expect(Math.max(...batches)).toBeGreaterThan(1);
  });

  it('a steady stream from inside the handler, 20,000 ops at queue depth 32', async () => {
    const N = 20_000;
    const bufs = Array.from({ length: 32 }, () => Buffer.alloc(256));
    let issued = 0;
    let completed = 0;
    let wrong = 0;
    const posOf = new Int32Array(32);
    const done = new Promise<void>((resolve) => {
      const q = ring.completionQueue((tags, results, n) => {
        for (let i = 0; i < n; i++) {
          const t = tags[i];
          if (results[i] !== 256 || patternMismatch(bufs[t], posOf[t], 256) !== null) wrong++;
          completed++;
          if (issued < N) {
            posOf[t] = ((issued * 31) % (SIZE / 256)) * 256;
            issued++;
            q.read(fd, bufs[t], posOf[t], t);
          }
        }
        if (completed === N) resolve();
      });
      for (let t = 0; t < 32; t++) {
        posOf[t] = t * 256;
        issued++;
        q.read(fd, bufs[t], posOf[t], t);
      }
    });
    await withTimeout(done, 20_000, 'stream');
    expect(wrong).toBe(0);
  });

  it('writes: one SQE each, the bytes land; results are what write(2) returns', async () => {
    const out = fx.path();
    const wfd = fx.openSync(out, 'w+');
    const { q, done } = collect(ring, 64);
    const data = patternBuffer(64 * 100);
    for (let i = 0; i < 64; i++) q.write(wfd, data.subarray(i * 100, (i + 1) * 100), i * 100, i);
    const seen = await withTimeout(done, 10_000, 'queue writes');
    for (let i = 0; i < 64; i++) expect(seen.get(i)).toEqual([100]);
    expect(fs.readFileSync(out).equals(data)).toBe(true);
  });

  it('failures are -errno, the same errno node:fs reports; error() builds its Error', async () => {
    const { q, done } = collect(ring, 3);
    const dir = fx.openSync(fx.dir);
    q.read(NEVER_OPEN_FD, Buffer.alloc(4), 0, 1);
    q.read(dir, Buffer.alloc(4), 0, 2);
    q.write(fd, Buffer.alloc(4), 0, 3); // opened read-only
    const seen = await withTimeout(done, 10_000, 'queue failures');
    const viaFs = (f: () => void): NodeJS.ErrnoException => {
      try {
        f();
      } catch (err) {
        return err as NodeJS.ErrnoException;
      }
      throw new Error('no error');
    };
    const ebadf = viaFs(() => fs.readSync(NEVER_OPEN_FD, Buffer.alloc(4), 0, 4, 0));
    const eisdir = viaFs(() => fs.readSync(dir, Buffer.alloc(4), 0, 4, 0));
    const ebadfW = viaFs(() => fs.writeSync(fd, Buffer.alloc(4), 0, 4, 0));
    expect(seen.get(1)).toEqual([ebadf.errno]);
    expect(seen.get(2)).toEqual([eisdir.errno]);
    expect(seen.get(3)).toEqual([ebadfW.errno]);
    const err = q.error(seen.get(2)![0], 'read') as NodeJS.ErrnoException;
    expect({ message: err.message, code: err.code, errno: err.errno, syscall: err.syscall }).toEqual({
      message: eisdir.message,
      code: eisdir.code,
      errno: eisdir.errno,
      syscall: eisdir.syscall,
    });
  });

  it('bad arguments throw node:fs errors at once and submit nothing', () => {
    const q = ring.completionQueue(() => {});
    expect(() => q.read(-1, Buffer.alloc(4), 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => q.read(fd, 'x' as never, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => q.read(fd, Buffer.alloc(4), 1.5, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => q.read(fd, Buffer.alloc(4), 0, 1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => q.read(fd, Buffer.alloc(4), 0, 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(q.pending).toBe(0);
    expect(() => ring.completionQueue('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('the handler runs in the async context the queue was made in', async () => {
    const als = new AsyncLocalStorage<string>();
    const stores: (string | undefined)[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const q = als.run('maker', () =>
      ring.completionQueue((_t, _r, n) => {
        for (let i = 0; i < n; i++) stores.push(als.getStore());
        if (stores.length === 4) resolve();
      }),
    );
    als.run('caller', () => {
      for (let i = 0; i < 4; i++) q.read(fd, Buffer.alloc(8), i * 8, i);
    });
    await withTimeout(done, 5000, 'handler');
    expect(stores).toEqual(['maker', 'maker', 'maker', 'maker']);
  });

  it('a handler that throws: the error is uncaught, later ops still complete', async () => {
    const r = new Ring();
    try {
      const errors: unknown[] = [];
      const listener = (err: unknown): void => {
        errors.push(err);
      };
      process.prependListener('uncaughtException', listener);
      let calls = 0;
      let resolve!: () => void;
      const done = new Promise<void>((res) => {
        resolve = res;
      });
      const q = r.completionQueue(() => {
        calls++;
        if (calls === 1) throw new Error('boom');
        resolve();
      });
      q.read(fd, Buffer.alloc(4), 0, 1);
      await new Promise((res) => setTimeout(res, 50));
      q.read(fd, Buffer.alloc(4), 4, 2);
      await withTimeout(done, 5000, 'second delivery');
      process.removeListener('uncaughtException', listener);
      expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
    } finally {
      await r.destroy();
    }
  });

  it('destroy() with ops in flight: each is reported once (its result or -ECANCELED); later calls throw', async () => {
    const r = new Ring({ entries: 4 });
    const { q, done } = collect(r, 100);
    for (let i = 0; i < 100; i++) q.read(fd, Buffer.alloc(64), i * 64, i);
    await r.destroy();
    const seen = await withTimeout(done, 5000, 'after destroy');
    expect(seen.size).toBe(100);
    for (const [, results] of seen) {
      expect(results.length).toBe(1);
      expect(results[0] === 64 || results[0] === -125).toBe(true);
    }
    expect(() => q.read(fd, Buffer.alloc(4), 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_URING_DESTROYED' }));
  });
});

describe('readMany / writeMany', () => {
  it('readMany: one Int32Array with each view\'s bytes, errors as -errno', async () => {
    const views = Array.from({ length: 100 }, (_, i) => Buffer.alloc(1 + i));
    const positions = views.map((_, i) => i * 1000);
    positions[99] = SIZE + 10; // past EOF: 0
    const results = await ring.readMany(fd, views, positions);
    expect(results).toBeInstanceOf(Int32Array);
    for (let i = 0; i < 99; i++) {
      expect(results[i]).toBe(1 + i);
      expect(patternMismatch(views[i], positions[i], 1 + i)).toBeNull();
    }
    expect(results[99]).toBe(0);
    const bad = await ring.readMany(NEVER_OPEN_FD, [Buffer.alloc(4)], [0]);
    expect(bad[0]).toBe(-9);
    expect(await ring.readMany(fd, [], [])).toEqual(new Int32Array(0));
  });

  it('readMany takes Float64Array and BigInt64Array positions, and -1 for the current position', async () => {
    const a = await ring.readMany(fd, [Buffer.alloc(4), Buffer.alloc(4)], new Float64Array([8, 16]));
    expect(Array.from(a)).toEqual([4, 4]);
    const b = await ring.readMany(fd, [Buffer.alloc(4)], new BigInt64Array([12n]));
    expect(Array.from(b)).toEqual([4]);
  });

  it('writeMany: the bytes land at their positions', async () => {
    const out = fx.path();
    const wfd = fx.openSync(out, 'w+');
    const data = patternBuffer(4096);
    const views = Array.from({ length: 16 }, (_, i) => data.subarray(i * 256, (i + 1) * 256));
    const results = await ring.writeMany(wfd, views, views.map((_, i) => i * 256));
    expect(Array.from(results)).toEqual(views.map(() => 256));
    expect(fs.readFileSync(out).equals(data)).toBe(true);
  });

  it('invalid arguments reject before anything is submitted', async () => {
    expect((await rejectionOf(() => ring.readMany(fd, [Buffer.alloc(4)], [0, 1]))).code).toBe('ERR_INVALID_ARG_VALUE');
    expect((await rejectionOf(() => ring.readMany(fd, 'x' as never, []))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejectionOf(() => ring.readMany(fd, [Buffer.alloc(4)], 'x' as never))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejectionOf(() => ring.readMany(fd, [Buffer.alloc(4), 'y' as never], [0, 0]))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejectionOf(() => ring.readMany(fd, [Buffer.alloc(4)], [-2]))).code).toBe('ERR_OUT_OF_RANGE');
  });
});

afterAll(() => undefined);
