// Lifecycle in one process: far more ops than the ring has entries, destroy()
// in every state, Symbol.asyncDispose, and the per-thread shared ring.
// Worker threads, GC and process exit have their own files (workers, gc, exit).

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Ring, allocAligned, getRing } from '../src/index';
import { Op } from '../src/ops/op';
import {
  STRICT,
  WANT_FS,
  allSettledWithin,
  mkfifo,
  patternMismatch,
  tmpDir,
  withTimeout,
  writePatternFile,
} from './fixtures/helpers';

const FILE_SIZE = 1 << 20;
let dir: string;
let file: string;
let fd: number;

// A completion the slot table does not expect is reported as a warning: it
// would mean some op settled twice or somebody else's op was settled.
const warnings: Error[] = [];
const onWarning = (w: Error): void => {
  warnings.push(w);
};

beforeAll(() => {
  dir = tmpDir('lifecycle');
  file = path.join(dir, 'pattern.bin');
  writePatternFile(file, FILE_SIZE);
  fd = fs.openSync(file, 'r');
  process.on('warning', onWarning);
});

afterAll(() => {
  process.off('warning', onWarning);
  if (fd !== undefined) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  warnings.length = 0;
});

afterEach(() => {
  expect(warnings.map((w) => `${(w as NodeJS.ErrnoException).code}: ${w.message}`)).toEqual([]);
});

function isCancelled(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECANCELED') return e.errno === -125 && e instanceof Error && /^ECANCELED: operation canceled, /.test(e.message);
  return e?.code === 'ERR_URING_DESTROYED' && e instanceof Error;
}

/** Position and length of read `i`: every alignment, lengths 1..257, all inside the file. */
function readAt(i: number): { position: number; length: number } {
  const length = 1 + (i % 257);
  const position = (i * 4099) % (FILE_SIZE - length);
  return { position, length };
}

describe('backend', () => {
  it('is the one the environment asks for', () => {
    const ring = new Ring();
    try {
      if (WANT_FS) expect(ring.backend).toBe('fs');
      else if (STRICT) expect(ring.backend).toBe('io_uring');
      expect(ring.features.backend).toBe(ring.backend);
      if (ring.backend === 'fs') expect(typeof ring.fallbackReason).toBe('string');
      else expect(ring.fallbackReason).toBeNull();
    } finally {
      void ring.destroy();
    }
  });
});

describe('more ops than the ring has entries', () => {
  it('settles 20,000 reads in flight at once on an 8-entry ring, each with its own bytes', async () => {
    const ring = new Ring({ entries: 8 });
    if (ring.backend === 'io_uring') {
      expect(ring.features.sqEntries).toBe(8);
      expect(ring.features.cqEntries).toBeLessThanOrEqual(16);
    }
    const N = 20_000;
    const views: Uint8Array[] = [];
    const promises: Promise<number>[] = [];
    for (let i = 0; i < N; i++) {
      const { position, length } = readAt(i);
      // Each read gets a window in the middle of a larger buffer, so a read
      // landing at the wrong byteOffset shows up too.
      const backing = new Uint8Array(length + 16).fill(0xee);
      const view = backing.subarray(8, 8 + length);
      views.push(view);
      promises.push(ring.read(fd, view, position));
    }
    const results = await allSettledWithin(promises, 30_000, '20,000 reads');
    const bad: string[] = [];
    results.forEach((r, i) => {
      const { position, length } = readAt(i);
      if (r.status === 'rejected') bad.push(`read ${i} rejected: ${String(r.reason)}`);
      else if (r.value !== length) bad.push(`read ${i} returned ${r.value}, want ${length}`);
      else {
        const mismatch = patternMismatch(views[i], position, length);
        if (mismatch) bad.push(`read ${i} at ${position}: ${mismatch}`);
        const backing = new Uint8Array(views[i].buffer);
        if (backing[7] !== 0xee || backing[8 + length] !== 0xee) bad.push(`read ${i} wrote outside its view`);
      }
    });
    expect(bad.slice(0, 10)).toEqual([]);

    // The ring is still usable afterwards.
    const again = Buffer.alloc(4096);
    await expect(ring.read(fd, again, 8192)).resolves.toBe(4096);
    expect(patternMismatch(again, 8192, 4096)).toBeNull();
    await expect(ring.nop()).resolves.toBeUndefined();
    await ring.destroy();
  });

  // Found by measuring deep O_DIRECT queues for issue 14's kernel guards: with
  // more ops in flight than the SQ holds, each completion's new read was
  // submitted from inside the reap (a full SQ is flushed) and completed at
  // once, so the reap always had another CQE and never returned to the loop: a
  // 2 s timer had not fired after 100 s. Bounded by the number of reads, not by
  // time: the timer must fire long before a million more reads complete.
  it('a deep queue of reads that complete at once (1,024 on a 256-entry ring) leaves the loop its turns', async () => {
    const ring = new Ring({ entries: 256 });
    const LIMIT = 1_000_000;
    let reads = 0;
    let readsWhenFired = -1;
    const timer = setTimeout(() => {
      readsWhenFired = reads;
    }, 20);
    await new Promise<void>((resolve, reject) => {
      let live = 1024;
      const one = (i: number): void => {
        ring.read(fd, Buffer.alloc(512), (i * 4096) % (FILE_SIZE - 512)).then(() => {
          reads++;
          if (readsWhenFired >= 0 || reads >= LIMIT) {
            if (--live === 0) resolve();
          } else one(i + 1024);
        }, reject);
      };
      for (let i = 0; i < 1024; i++) one(i);
    });
    clearTimeout(timer);
    await ring.destroy();
    expect(readsWhenFired, `the timer fired after ${readsWhenFired} reads (-1: not before ${LIMIT})`).toBeGreaterThanOrEqual(0);
    expect(readsWhenFired).toBeLessThan(LIMIT);
  });

  it('settles 20,000 mixed reads, stats, fstats and nops on an 8-entry ring', async () => {
    const ring = new Ring({ entries: 8 });
    const N = 20_000;
    const expectedIno = fs.statSync(file).ino;
    const views = new Map<number, Uint8Array>();
    const promises: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      switch (i % 4) {
        case 0: {
          const { position, length } = readAt(i);
          const view = new Uint8Array(length);
          views.set(i, view);
          promises.push(ring.read(fd, view, position));
          break;
        }
        case 1:
          promises.push(ring.stat(file));
          break;
        case 2:
          promises.push(i % 8 === 2 ? ring.fstat(fd, { bigint: true }) : ring.stat(path.join(dir, `missing-${i}`)));
          break;
        default:
          promises.push(ring.nop());
      }
    }
    const results = await allSettledWithin(promises, 30_000, '20,000 mixed ops');
    const bad: string[] = [];
    results.forEach((r, i) => {
      const kind = i % 4;
      if (kind === 2 && i % 8 !== 2) {
        // stat of a missing file: node:fs's ENOENT, naming the path.
        const e = r.status === 'rejected' ? (r.reason as NodeJS.ErrnoException) : undefined;
        const want = path.join(dir, `missing-${i}`);
        if (!e || e.code !== 'ENOENT' || e.errno !== -2 || e.syscall !== 'stat' || e.path !== want) {
          bad.push(`op ${i}: want ENOENT for ${want}, got ${r.status === 'rejected' ? String(r.reason) : 'fulfilled'}`);
        }
        return;
      }
      if (r.status === 'rejected') {
        bad.push(`op ${i} rejected: ${String(r.reason)}`);
        return;
      }
      if (kind === 0) {
        const { position, length } = readAt(i);
        if (r.value !== length) bad.push(`read ${i} returned ${String(r.value)}`);
        const mismatch = patternMismatch(views.get(i) as Uint8Array, position, length);
        if (mismatch) bad.push(`read ${i}: ${mismatch}`);
      } else if (kind === 1) {
        const st = r.value as fs.Stats;
        if (!(st instanceof fs.Stats) || st.size !== FILE_SIZE || st.ino !== expectedIno || !st.isFile()) {
          bad.push(`stat ${i}: ${JSON.stringify(st)}`);
        }
      } else if (kind === 2) {
        const st = r.value as fs.BigIntStats;
        if (st.size !== BigInt(FILE_SIZE) || st.ino !== BigInt(expectedIno)) bad.push(`fstat ${i}: ${String(st.size)}`);
      } else if (r.value !== undefined) {
        bad.push(`nop ${i} resolved with ${String(r.value)}`);
      }
    });
    expect(bad.slice(0, 10)).toEqual([]);

    const again = new Uint8Array(100);
    await expect(ring.read(fd, again, 4000)).resolves.toBe(100);
    expect(patternMismatch(again, 4000, 100)).toBeNull();
    await ring.destroy();
  });

  it('keeps working across rounds that each fill and drain the ring', async () => {
    const ring = new Ring({ entries: 8 });
    for (let round = 0; round < 20; round++) {
      const bufs = Array.from({ length: 100 }, () => Buffer.alloc(64));
      const got = await Promise.all(bufs.map((b, i) => ring.read(fd, b, round * 6400 + i * 64)));
      expect(got).toEqual(bufs.map(() => 64));
      bufs.forEach((b, i) => expect(patternMismatch(b, round * 6400 + i * 64, 64)).toBeNull());
    }
    await ring.destroy();
  });
});

/**
 * Counts, per op, the calls the engine makes to the resolve and reject it gave the op:
 * where an op settles, not where its promise is observed (a promise's then-handlers run
 * at most once, so they cannot show a second settle). A reject that settles through the
 * op's resolve (to re-capture the stack) counts once.
 */
function countSettlements(): { counts: Map<object, number>; restore(): void } {
  const counts = new Map<object, number>();
  let inReject = 0;
  const proto = Op.prototype as unknown as Record<string, unknown>;
  const wrap = (kind: 'resolve' | 'reject'): PropertyDescriptor => ({
    configurable: true,
    set(this: object, fn: (this: object, value: unknown) => void) {
      Object.defineProperty(this, kind, {
        configurable: true,
        writable: true,
        value(this: object, value: unknown): void {
          if (kind === 'resolve' && inReject > 0) return fn.call(this, value);
          counts.set(this, (counts.get(this) ?? 0) + 1);
          if (kind === 'resolve') return fn.call(this, value);
          inReject++;
          try {
            fn.call(this, value);
          } finally {
            inReject--;
          }
        },
      });
    },
  });
  Object.defineProperty(proto, 'resolve', wrap('resolve'));
  Object.defineProperty(proto, 'reject', wrap('reject'));
  return {
    counts,
    restore() {
      delete proto.resolve;
      delete proto.reject;
    },
  };
}

describe('destroy()', () => {
  it('can be called twice; both calls resolve and the ring says it is destroyed', async () => {
    const ring = new Ring({ entries: 8 });
    await ring.nop();
    expect(ring.destroyed).toBe(false);
    const first = ring.destroy();
    const second = ring.destroy();
    expect(ring.destroyed).toBe(true);
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise);
    await withTimeout(Promise.all([first, second]), 5000, 'destroy() twice');
    // And once more after it has finished.
    await withTimeout(ring.destroy(), 5000, 'destroy() after destroy()');
    expect(ring.destroyed).toBe(true);
  });

  it('destroys a ring that never ran an op', async () => {
    const ring = new Ring();
    await withTimeout(ring.destroy(), 5000, 'destroy() of an unused ring');
    await expect(ring.nop()).rejects.toMatchObject({ code: 'ERR_URING_DESTROYED' });
  });

  it.each([
    ['right after they were queued', -1],
    ['from the completion of op 200', 200],
  ])('settles each of 1,000 ops in flight exactly once when called %s', async (_when, trigger) => {
    const ring = new Ring({ entries: 64 });
    const N = 1000;
    const views: Uint8Array[] = [];
    const promises: Promise<unknown>[] = [];
    const settlements = countSettlements();
    try {
      for (let i = 0; i < N; i++) {
        let p: Promise<unknown>;
        if (i % 3 === 2) {
          p = i % 2 ? ring.nop() : ring.stat(file);
          views.push(new Uint8Array(0));
        } else {
          const { position, length } = readAt(i);
          const view = new Uint8Array(length);
          views.push(view);
          p = ring.read(fd, view, position);
        }
        promises.push(p);
      }
      let destroyed: Promise<void>;
      if (trigger < 0) {
        destroyed = ring.destroy();
      } else {
        destroyed = new Promise((resolve, reject) => {
          const go = (): void => {
            ring.destroy().then(resolve, reject);
          };
          promises[trigger].then(go, go);
        });
        await promises[trigger].catch(() => {});
      }
      // Ops issued after destroy() was called are refused at once.
      await expect(ring.nop()).rejects.toMatchObject({ code: 'ERR_URING_DESTROYED' });
      const results = await allSettledWithin(promises, 10_000, 'ops in flight at destroy()');
      await withTimeout(destroyed, 10_000, 'destroy() with 1,000 ops in flight');
      let fulfilled = 0;
      const bad: string[] = [];
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          if (!isCancelled(r.reason)) bad.push(`op ${i}: unexpected rejection ${String(r.reason)}`);
          return;
        }
        fulfilled++;
        if (i % 3 !== 2) {
          const { position, length } = readAt(i);
          if (r.value !== length) bad.push(`read ${i} returned ${String(r.value)}`);
          const mismatch = patternMismatch(views[i], position, length);
          if (mismatch) bad.push(`read ${i}: ${mismatch}`);
        }
      });
      expect(bad.slice(0, 10)).toEqual([]);
      // A few more turns for any late second settlement to happen.
      await new Promise((r) => setTimeout(r, 50));
      const counts = [...settlements.counts.values()];
      expect(counts.length, 'ops the engine settled').toBe(N);
      expect(counts.filter((c) => c !== 1), 'ops settled other than once').toEqual([]);
      expect(fulfilled + results.filter((r) => r.status === 'rejected').length).toBe(N);
    } finally {
      settlements.restore();
    }
  });

  it('cancels reads blocked on an empty FIFO with ECANCELED', async (ctx) => {
    const ring = new Ring();
    if (ring.backend === 'fs') {
      await ring.destroy();
      ctx.skip('node:fs runs reads on the libuv threadpool; a read blocked on a FIFO cannot be cancelled there');
      return;
    }
    const fifo = path.join(dir, `fifo-destroy-${process.pid}`);
    mkfifo(fifo);
    // O_RDWR on a FIFO never blocks in open(2) on Linux, and the reads block until data comes.
    const ffd = fs.openSync(fifo, 'r+');
    try {
      const reads = Array.from({ length: 16 }, () => ring.read(ffd, Buffer.alloc(128), -1));
      await new Promise((r) => setTimeout(r, 50));
      const destroyed = ring.destroy();
      const results = await allSettledWithin(reads, 5000, 'blocked FIFO reads at destroy()');
      await withTimeout(destroyed, 5000, 'destroy() with blocked reads');
      for (const r of results) {
        expect(r.status).toBe('rejected');
        const err = (r as PromiseRejectedResult).reason as NodeJS.ErrnoException;
        expect(err).toBeInstanceOf(Error);
        expect({ code: err.code, errno: err.errno, syscall: err.syscall }).toEqual({
          code: 'ECANCELED',
          errno: -125,
          syscall: 'read',
        });
        expect(err.message).toBe('ECANCELED: operation canceled, read');
      }
      // Nothing is left reading the FIFO: what we write now stays there.
      fs.writeSync(ffd, Buffer.from('still here'));
      const back = Buffer.alloc(10);
      expect(fs.readSync(ffd, back)).toBe(10);
      expect(back.toString()).toBe('still here');
    } finally {
      fs.closeSync(ffd);
    }
  });

  it('cancels a FIFO read that a linked chain starts after destroy() was called', async (ctx) => {
    const ring = new Ring();
    if (ring.backend === 'fs') {
      await ring.destroy();
      ctx.skip('node:fs runs reads on the libuv threadpool; a read blocked on a FIFO cannot be cancelled there');
      return;
    }
    const fifo = path.join(dir, `fifo-chain-${process.pid}`);
    mkfifo(fifo);
    const ffd = fs.openSync(fifo, 'r+');
    const big = path.join(dir, `big-${process.pid}`);
    // An uncached read is already running in the kernel when destroy() cancels; the
    // FIFO read linked after it only starts once that read completes.
    fs.writeFileSync(big, Buffer.alloc(64 << 20, 7));
    let bfd: number;
    try {
      bfd = fs.openSync(big, fs.constants.O_RDONLY | fs.constants.O_DIRECT);
    } catch (err) {
      fs.closeSync(ffd);
      await ring.destroy();
      ctx.skip(`this filesystem refuses O_DIRECT (${(err as NodeJS.ErrnoException).code})`);
      return;
    }
    try {
      const chain = ring.batch(
        [
          { op: 'read', fd: bfd, buffer: allocAligned(64 << 20), position: 0 },
          { op: 'read', fd: ffd, buffer: Buffer.alloc(16), position: -1 },
        ],
        { link: true },
      );
      // Let the chain be submitted and its head start before destroy() cancels.
      await new Promise((r) => setTimeout(r, 2));
      const destroyed = ring.destroy();
      const results = await withTimeout(chain, 5000, 'a linked chain at destroy()');
      await withTimeout(destroyed, 5000, 'destroy() with a chain that starts a FIFO read');
      expect(results[1].status).toBe('rejected');
      expect(((results[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException).code).toBe('ECANCELED');
    } finally {
      fs.closeSync(ffd);
      fs.closeSync(bfd);
    }
  });

  it('can be called from inside a completion while other ops are in flight', async () => {
    const ring = new Ring({ entries: 16 });
    const promises: Promise<number>[] = [];
    for (let i = 0; i < 500; i++) promises.push(ring.read(fd, Buffer.alloc(256), i * 256));
    let destroying: Promise<void> | undefined;
    void promises[3].then(() => {
      destroying = ring.destroy();
    });
    const results = await allSettledWithin(promises, 10_000, 'ops around a destroy() from a completion');
    expect(destroying).toBeInstanceOf(Promise);
    await withTimeout(destroying as Promise<void>, 5000, 'destroy() from a completion');
    expect(results[3].status).toBe('fulfilled');
    for (const r of results) if (r.status === 'rejected') expect(isCancelled(r.reason)).toBe(true);
  });

  it('refuses every op afterwards with ERR_URING_DESTROYED', async () => {
    const ring = new Ring();
    await ring.destroy();
    const attempts: [string, () => Promise<unknown>][] = [
      ['read', () => ring.read(fd, Buffer.alloc(8), 0)],
      ['read', () => ring.read(fd, Buffer.alloc(0), 0)],
      ['write', () => ring.write(fd, Buffer.alloc(8), 0)],
      ['readv', () => ring.readv(fd, [Buffer.alloc(8)], 0)],
      ['open', () => ring.open(file)],
      ['close', () => ring.close(fd)],
      ['stat', () => ring.stat(file)],
      ['fstat', () => ring.fstat(fd)],
      ['fsync', () => ring.fsync(fd)],
      ['nop', () => ring.nop()],
      ['batch', () => ring.batch([{ op: 'nop' }])],
    ];
    for (const [name, attempt] of attempts) {
      const err = await attempt().then(
        () => new Error(`${name} resolved on a destroyed ring`),
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(Error);
      expect((err as NodeJS.ErrnoException).code, `${name}: ${String(err)}`).toBe('ERR_URING_DESTROYED');
    }
    // The fd was not closed by the refused close().
    expect(fs.fstatSync(fd).size).toBe(FILE_SIZE);
  });

  it('still validates arguments first on a destroyed ring', async () => {
    const ring = new Ring();
    await ring.destroy();
    await expect(ring.read('x' as unknown as number, Buffer.alloc(1), 0)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});

describe('Symbol.asyncDispose', () => {
  it('destroys the ring', async () => {
    const ring = new Ring();
    expect(typeof ring[Symbol.asyncDispose]).toBe('function');
    const pending = ring.read(fd, Buffer.alloc(16), 0);
    const disposed = ring[Symbol.asyncDispose]();
    expect(disposed).toBeInstanceOf(Promise);
    expect(ring.destroyed).toBe(true);
    await withTimeout(disposed, 5000, 'asyncDispose');
    const r = (await Promise.allSettled([pending]))[0];
    if (r.status === 'fulfilled') expect(r.value).toBe(16);
    else expect(isCancelled(r.reason)).toBe(true);
    await expect(ring.nop()).rejects.toMatchObject({ code: 'ERR_URING_DESTROYED' });
    // Disposing twice is fine, as `await using` in nested scopes may do.
    await withTimeout(ring[Symbol.asyncDispose](), 5000, 'asyncDispose twice');
  });
});

describe('getRing()', () => {
  it('returns the same ring until it is destroyed, then a new one', async () => {
    const a = getRing();
    expect(a).toBeInstanceOf(Ring);
    expect(getRing()).toBe(a);
    expect(getRing()).toBe(a);
    const buf = Buffer.alloc(32);
    await expect(a.read(fd, buf, 64)).resolves.toBe(32);
    expect(patternMismatch(buf, 64, 32)).toBeNull();
    await a.destroy();
    const b = getRing();
    expect(b).not.toBe(a);
    expect(b.destroyed).toBe(false);
    expect(getRing()).toBe(b);
    await expect(b.read(fd, buf, 128)).resolves.toBe(32);
    expect(patternMismatch(buf, 128, 32)).toBeNull();
    // destroy() just called (not yet finished) also counts as destroyed.
    const closing = b.destroy();
    const c = getRing();
    expect(c).not.toBe(b);
    await closing;
    await expect(c.nop()).resolves.toBeUndefined();
  });
});
