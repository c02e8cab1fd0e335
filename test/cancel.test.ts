// { signal, timeout } on every op and on batch(): Node's AbortError, a
// TimeoutError cause as AbortSignal.timeout gives, ops that have not started
// never start, ops in flight cancelled by the kernel and settled once, after it
// let go of their buffers; on node:fs a started op settles with its own result.

import { describe, expect, it } from 'vitest';
import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

import { Ring } from '../src/index';
import { mkfifo, withTimeout } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';

const fx = opFixture('cancel');
const { ring } = fx;
const onRing = ring.backend === 'io_uring';

/** A FIFO with nothing in it: a read from it waits for data (in the kernel, or in a pool thread on node:fs). */
function emptyFifo(): { rfd: number; wfd: number } {
  const fifo = fx.path();
  mkfifo(fifo);
  const rfd = fx.openSync(fifo, fs.constants.O_RDWR);
  const wfd = fx.openSync(fifo, 'w');
  return { rfd, wfd };
}

/** The reason AbortSignal.timeout aborts with on this Node. */
async function nodeTimeoutReason(): Promise<DOMException> {
  const s = AbortSignal.timeout(0);
  await new Promise((r) => s.addEventListener('abort', r, { once: true }));
  return s.reason as DOMException;
}

/** node:fs/promises' own AbortError for an aborted signal (readFile checks it first). */
async function nodeAbortError(reason?: unknown): Promise<Error> {
  const c = new AbortController();
  c.abort(reason);
  const err = await fsp.readFile(__filename, { signal: c.signal }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error('node:fs/promises did not reject');
  return err;
}

function expectAbortError(err: unknown, like: Error): void {
  expect(err).toBeInstanceOf(Error);
  const e = err as Error & { code?: string };
  expect(e.constructor).toBe(like.constructor);
  expect(e.name).toBe(like.name);
  expect(e.code).toBe((like as Error & { code?: string }).code);
  expect(e.message).toBe(like.message);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    (v) => {
      throw new Error(`resolved with ${String(v)}`);
    },
    (e: unknown) => e as Error,
  );
}

describe('options validation (before anything reaches the kernel)', () => {
  it('refuses a signal that is not one, with node\'s error for options.signal', async () => {
    for (const bad of [null, 1, 'x', {}]) {
      const ours = await rejection(ring.nop({ signal: bad as never }));
      const node = await rejection(fsp.readFile(__filename, { signal: bad as never }));
      expect(ours.constructor).toBe(node.constructor);
      expect((ours as Error & { code?: string }).code).toBe((node as Error & { code?: string }).code);
      expect(ours.message).toBe(node.message);
    }
  });

  it('refuses a timeout that is not an integer 0..2^32-1 (as AbortSignal.timeout) under the name options.timeout', async () => {
    for (const bad of [-1, 1.5, 2 ** 32, Infinity, NaN, '10', 10n]) {
      let node: Error | undefined;
      try {
        AbortSignal.timeout(bad as number);
      } catch (e) {
        node = e as Error;
      }
      expect(node).toBeDefined();
      const ours = await rejection(ring.nop({ timeout: bad as number }));
      expect(ours.constructor).toBe((node as Error).constructor);
      expect((ours as Error & { code?: string }).code).toBe((node as Error & { code?: string }).code);
      expect(ours.message).toBe((node as Error).message.replace('"delay" argument', '"options.timeout" property').replace('"delay"', '"options.timeout"'));
    }
  });

  it('checks the op\'s own arguments first, and refuses options that are not an object', async () => {
    const err = await rejection(ring.read(-1, Buffer.alloc(1), 0, { timeout: -1 }));
    expect((err as Error & { code?: string }).code).toBe('ERR_OUT_OF_RANGE');
    expect(err.message).toMatch(/"fd"/);
    for (const bad of [null, 5, 'x']) {
      const e = await rejection(ring.fsync(0, bad as never));
      expect((e as Error & { code?: string }).code).toBe('ERR_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/"options"/);
    }
    // batch(): the same names
    const b = await rejection(ring.batch([{ op: 'nop' }], { timeout: -5 }));
    expect(b.message).toMatch(/"options.timeout"/);
  });
});

describe('a signal aborted before the call', () => {
  it('rejects with node\'s AbortError (cause: the reason), and the op never runs', async () => {
    const p = fx.path();
    fs.writeFileSync(p, '');
    const fd = fx.openSync(p, 'r+');
    const reason = new Error('not now');
    const err = await rejection(ring.write(fd, Buffer.from('data'), 0, { signal: AbortSignal.abort(reason) }));
    expectAbortError(err, await nodeAbortError(reason));
    expect((err as Error & { cause?: unknown }).cause).toBe(reason);
    expect(fs.readFileSync(p, 'latin1')).toBe('');
    // The stack reaches the caller.
    expect(err.stack).toMatch(/cancel\.test\.ts/);
  });

  it('for a batch, the batch rejects and none of its ops runs', async () => {
    const p = fx.path();
    fs.writeFileSync(p, '');
    const fd = fx.openSync(p, 'r+');
    const err = await rejection(
      ring.batch([{ op: 'write', fd, buffer: Buffer.from('x'), position: 0 }], { signal: AbortSignal.abort() }),
    );
    expectAbortError(err, await nodeAbortError());
    expect(fs.readFileSync(p, 'latin1')).toBe('');
  });
});

describe('a signal that aborts while the op waits in the kernel', () => {
  it.runIf(onRing)('cancels a read: AbortError once the kernel lets go, the buffer untouched, the data left for the next read', async () => {
    const { rfd, wfd } = emptyFifo();
    const c = new AbortController();
    const buf = Buffer.from('....');
    const p = ring.read(rfd, buf, -1, { signal: c.signal });
    await new Promise((r) => setTimeout(r, 20));
    const reason = new Error('enough');
    c.abort(reason);
    const err = await withTimeout(rejection(p), 5000, 'cancelled read');
    expectAbortError(err, await nodeAbortError(reason));
    expect((err as Error & { cause?: unknown }).cause).toBe(reason);
    expect(buf.toString()).toBe('....');
    fs.writeSync(wfd, 'abcd');
    const again = Buffer.alloc(4);
    expect(await withTimeout(ring.read(rfd, again, -1), 5000, 'next read')).toBe(4);
    expect(again.toString()).toBe('abcd');
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
  });

  it.runIf(!onRing)('on node:fs, a started op cannot be cancelled: it settles with its own result', async () => {
    const { rfd, wfd } = emptyFifo();
    const c = new AbortController();
    const buf = Buffer.alloc(4);
    const p = ring.read(rfd, buf, -1, { signal: c.signal });
    await new Promise((r) => setTimeout(r, 20));
    c.abort();
    fs.writeSync(wfd, 'wxyz');
    expect(await withTimeout(p, 5000, 'read')).toBe(4);
    expect(buf.toString()).toBe('wxyz');
  });

  it('many ops on one signal add one listener (no MaxListenersExceededWarning), removed when the last settles', async () => {
    const p = fx.path();
    fs.writeFileSync(p, Buffer.alloc(4096));
    const fd = fx.openSync(p, 'r');
    const c = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const ps = Array.from({ length: 50 }, (_, i) => ring.read(fd, Buffer.alloc(8), i * 8, { signal: c.signal }));
      expect(getEventListeners(c.signal, 'abort').length).toBeLessThanOrEqual(1);
      await Promise.all(ps);
      await new Promise((r) => setImmediate(r));
      expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('an abort after the op settled changes nothing, and the listener is gone', async () => {
    const p = fx.path();
    fs.writeFileSync(p, 'hello');
    const fd = fx.openSync(p, 'r');
    const c = new AbortController();
    const buf = Buffer.alloc(5);
    expect(await ring.read(fd, buf, 0, { signal: c.signal })).toBe(5);
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
    c.abort();
    expect(buf.toString()).toBe('hello');
  });

  it('one signal for many ops: all are cancelled, each settles once', async () => {
    const c = new AbortController();
    const fifos = Array.from({ length: 8 }, () => emptyFifo());
    const settled: number[] = fifos.map(() => 0);
    const ps = fifos.map((f, i) =>
      ring.read(f.rfd, Buffer.alloc(1), -1, { signal: c.signal }).then(
        (v) => {
          settled[i]++;
          return v;
        },
        (e: unknown) => {
          settled[i]++;
          throw e;
        },
      ),
    );
    await new Promise((r) => setTimeout(r, 20));
    c.abort();
    if (!onRing) for (const f of fifos) fs.writeSync(f.wfd, 'x');
    const results = await withTimeout(Promise.allSettled(ps), 5000, 'reads');
    if (onRing) expect(results.map((r) => r.status)).toEqual(fifos.map(() => 'rejected'));
    else expect(results.map((r) => r.status)).toEqual(fifos.map(() => 'fulfilled'));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toEqual(fifos.map(() => 1));
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
  });
});

describe('an op that has not reached the kernel yet', () => {
  it('behind the in-flight limit: rejects at once, never runs, and what follows it still runs in order', async () => {
    const small = new Ring({ entries: 1 }); // two ops in flight at most
    try {
      const fifos = [emptyFifo(), emptyFifo()];
      const out = fx.path();
      const fd = fx.openSync(out, 'w+');
      const c = new AbortController();
      const reads = fifos.map((f) => small.read(f.rfd, Buffer.alloc(1), -1));
      const w1 = small.write(fd, Buffer.from('1'));
      const w2 = small.write(fd, Buffer.from('2'), undefined, { signal: c.signal });
      const w3 = small.write(fd, Buffer.from('3'));
      c.abort();
      expectAbortError(await withTimeout(rejection(w2), 5000, 'aborted write'), await nodeAbortError());
      for (const f of fifos) fs.writeSync(f.wfd, 'x');
      await withTimeout(Promise.all([...reads, w1, w3]), 5000, 'the rest');
      expect(fs.readFileSync(out, 'latin1')).toBe('13');
    } finally {
      await small.destroy();
    }
  });

  it('behind a current-position op on its fd: rejects at once, the fd\'s order kept', async () => {
    const { rfd, wfd } = emptyFifo();
    const c = new AbortController();
    const a = Buffer.alloc(2);
    const b = Buffer.alloc(2);
    const first = ring.read(rfd, a, -1);
    const second = ring.read(rfd, Buffer.alloc(2), -1, { signal: c.signal });
    const third = ring.read(rfd, b, -1);
    c.abort();
    expectAbortError(await withTimeout(rejection(second), 5000, 'aborted read'), await nodeAbortError());
    fs.writeSync(wfd, 'abcd');
    await withTimeout(Promise.all([first, third]), 5000, 'reads');
    expect(a.toString() + b.toString()).toBe('abcd');
  });
});

describe('timeout', () => {
  it.runIf(onRing)('a read that outlasts it rejects with an AbortError whose cause is a TimeoutError', async () => {
    const { rfd, wfd } = emptyFifo();
    const buf = Buffer.from('....');
    const err = await withTimeout(rejection(ring.read(rfd, buf, -1, { timeout: 30 })), 5000, 'timed read');
    expectAbortError(err, await nodeAbortError());
    const like = await nodeTimeoutReason();
    const cause = (err as Error & { cause?: DOMException }).cause as DOMException;
    expect(cause).toBeInstanceOf(DOMException);
    expect(cause.name).toBe(like.name);
    expect(cause.message).toBe(like.message);
    expect(cause.code).toBe(like.code);
    expect(buf.toString()).toBe('....');
    // Nothing was consumed by the timed-out read.
    fs.writeSync(wfd, 'wxyz');
    const again = Buffer.alloc(4);
    expect(await ring.read(rfd, again, -1, { timeout: 5000 })).toBe(4);
    expect(again.toString()).toBe('wxyz');
  });

  it('ops that finish in time resolve as without it: 2,000 timed reads, each with its own bytes, also on a 2-entry ring', async () => {
    const p = fx.path();
    const data = Buffer.alloc(2000 * 8);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
    fs.writeFileSync(p, data);
    const fd = fx.openSync(p, 'r');
    for (const r of [ring, new Ring({ entries: 2 })]) {
      const bufs = Array.from({ length: 2000 }, () => Buffer.alloc(8));
      const n = await withTimeout(Promise.all(bufs.map((b, i) => r.read(fd, b, i * 8, { timeout: 10_000 }))), 20_000, 'timed reads');
      expect(n.every((x) => x === 8)).toBe(true);
      expect(Buffer.concat(bufs).equals(data)).toBe(true);
      if (r !== ring) await r.destroy();
    }
  });

  it('writes, stats, opens and closes with a timeout work as without', async () => {
    const p = fx.path();
    const io = { timeout: 10_000 };
    const fd = await ring.open(p, 'w+', 0o644, io);
    fx.track(fd);
    expect(await ring.write(fd, Buffer.from('hello'), 0, io)).toBe(5);
    expect(await ring.writev(fd, [Buffer.from(' '), Buffer.from('world')], 5, io)).toBe(6);
    await ring.fsync(fd, io);
    expect((await ring.fstat(fd, { ...io, bigint: false })).size).toBe(11);
    expect((await ring.stat(p, io)).size).toBe(11);
    await ring.ftruncate(fd, 5, io);
    await ring.close(fd, io);
    expect(fs.readFileSync(p, 'latin1')).toBe('hello');
  });

  it.runIf(onRing)('a timed member of a linked batch keeps the chain; a member that times out cuts it', async () => {
    const ok = await ring.batch([{ op: 'nop' }, { op: 'nop' }, { op: 'nop' }], { link: true, timeout: 5000 });
    expect(ok.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const { rfd } = emptyFifo();
    const cut = await withTimeout(
      ring.batch([{ op: 'read', fd: rfd, buffer: Buffer.alloc(1) }, { op: 'nop' }], { link: true, timeout: 30 }),
      5000,
      'timed chain',
    );
    expect(cut[0].status).toBe('rejected');
    const first = (cut[0] as PromiseRejectedResult).reason as Error & { cause?: DOMException };
    expectAbortError(first, await nodeAbortError());
    expect(first.cause?.name).toBe('TimeoutError');
    expect(cut[1].status).toBe('rejected');
    expect(((cut[1] as PromiseRejectedResult).reason as Error & { code?: string }).code).toBe('ECANCELED');
  });

  it('a timed linked batch longer than half the SQ: each op takes two SQEs, the groups fit', async () => {
    const small = new Ring({ entries: 4 });
    try {
      const res = await small.batch(
        Array.from({ length: 10 }, () => ({ op: 'nop' as const })),
        { link: true, timeout: 10_000 },
      );
      expect(res.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 'fulfilled'));
    } finally {
      await small.destroy();
    }
  });

  it.runIf(onRing)('destroy with timed ops in flight: each settles once, with the destroyed ring\'s error', async () => {
    const r = new Ring();
    const { rfd } = emptyFifo();
    const ps = [r.read(rfd, Buffer.alloc(1), -1, { timeout: 60_000 }), r.nop({ timeout: 60_000 })];
    await new Promise((res) => setTimeout(res, 10));
    await withTimeout(r.destroy(), 5000, 'destroy');
    const results = await Promise.allSettled(ps);
    expect(results[1].status).toBe('fulfilled');
    expect(results[0].status).toBe('rejected');
  });
});

describe('batch({ signal })', () => {
  it('an unlinked batch: the ops in flight are cancelled, those done keep their results', async () => {
    const { rfd, wfd } = emptyFifo();
    const c = new AbortController();
    const p = ring.batch([{ op: 'read', fd: rfd, buffer: Buffer.alloc(1) }, { op: 'nop' }], { signal: c.signal });
    await new Promise((r) => setTimeout(r, 20));
    c.abort();
    // On node:fs the read had started: it settles when data comes.
    if (!onRing) fs.writeSync(wfd, 'x');
    const results = await withTimeout(p, 5000, 'batch');
    expect(results[1].status).toBe('fulfilled');
    if (onRing) {
      expect(results[0].status).toBe('rejected');
      expectAbortError((results[0] as PromiseRejectedResult).reason, await nodeAbortError());
    } else {
      expect(results[0]).toEqual({ status: 'fulfilled', value: 1 });
    }
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
  });

  it('a linked batch aborted midway: the rest reject with the AbortError, nothing after the abort runs', async () => {
    const { rfd, wfd } = emptyFifo();
    const out = fx.path();
    fs.writeFileSync(out, '');
    const fd = fx.openSync(out, 'r+');
    const c = new AbortController();
    const p = ring.batch(
      [
        { op: 'read', fd: rfd, buffer: Buffer.alloc(1) },
        { op: 'write', fd, buffer: Buffer.from('late'), position: 0 },
      ],
      { link: true, signal: c.signal },
    );
    await new Promise((r) => setTimeout(r, 20));
    c.abort();
    if (!onRing) fs.writeSync(wfd, 'x');
    const results = await withTimeout(p, 5000, 'linked batch');
    if (onRing) {
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expectAbortError((results[0] as PromiseRejectedResult).reason, await nodeAbortError());
      expect(fs.readFileSync(out, 'latin1')).toBe('');
    } else {
      // The read had started on node:fs: it completes; the write, not started, is aborted.
      expect(results[0].status).toBe('fulfilled');
      expect(results[1].status).toBe('rejected');
      expectAbortError((results[1] as PromiseRejectedResult).reason, await nodeAbortError());
      expect(fs.readFileSync(out, 'latin1')).toBe('');
    }
  });
});
