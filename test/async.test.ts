// What async code around a ring call sees: a rejection's stack lists the async
// functions that awaited the call (as node:fs/promises' rejections do), a successful
// call costs one promise and nothing more, and completions run in the caller's
// AsyncLocalStorage context, for single ops and batches, on either backend.

import { describe, it, expect } from 'vitest';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { Ring } from '../src/index';
import type { BatchOp } from '../src/index';
import { ensureDist } from './fixtures/helpers';
import { opFixture, NEVER_OPEN_FD } from './support/op-fixture';

ensureDist(); // the promise count runs the built package in a child
const fx = opFixture('async');
const { ring } = fx;

/**
 * The functions a stack names: `at async outerCaller (...)` → 'outerCaller'. (Under
 * vitest, whose formatter maps frames to the sources, the `async` is left out.)
 */
function asyncFrames(err: unknown): string[] {
  return String((err as Error).stack)
    .split('\n')
    .map((l) => /^\s+at (?:async )?(\S+) \(/.exec(l)?.[1] ?? '')
    .filter(Boolean);
}

async function innerCaller<T>(call: () => Promise<T>): Promise<T> {
  return await call();
}

async function outerCaller<T>(call: () => Promise<T>): Promise<T> {
  return await innerCaller(call);
}

async function failure(call: () => Promise<unknown>): Promise<Error> {
  try {
    await outerCaller(call);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('a rejection’s stack reaches the code that awaited it', () => {
  const file = fx.path('file');
  fs.writeFileSync(file, 'abc');

  it('node:fs/promises’ do (the reference)', async () => {
    expect(asyncFrames(await failure(() => fsp.open('/nonexistent/x')))).toEqual(expect.arrayContaining(['innerCaller', 'outerCaller']));
  });

  it.each([
    ['open ENOENT', () => ring.open('/nonexistent/x')],
    ['read EBADF', () => ring.read(NEVER_OPEN_FD, Buffer.alloc(1), 0)],
    ['write EBADF', () => ring.write(NEVER_OPEN_FD, Buffer.alloc(1), 0)],
    ['readv EBADF', () => ring.readv(NEVER_OPEN_FD, [Buffer.alloc(1)], 0)],
    ['readv EINVAL (node:fs answers)', () => ring.readv(fx.openSync(file), [], 0)],
    ['close EBADF', () => ring.close(NEVER_OPEN_FD)],
    ['fsync EBADF', () => ring.fsync(NEVER_OPEN_FD)],
    ['stat ENOENT', () => ring.stat('/nonexistent/x')],
    ['fstat EBADF', () => ring.fstat(NEVER_OPEN_FD)],
    ['ftruncate EBADF', () => ring.ftruncate(NEVER_OPEN_FD, 0)],
    ['unlink ENOENT', () => ring.unlink('/nonexistent/x')],
    ['mkdir ENOENT', () => ring.mkdir('/nonexistent/x/y')],
    ['rename ENOENT', () => ring.rename('/nonexistent/x', '/nonexistent/y')],
  ] as [string, () => Promise<unknown>][])('%s', async (_l, call) => {
    const err = await failure(call);
    expect(err).toBeInstanceOf(Error);
    expect(asyncFrames(err)).toEqual(expect.arrayContaining(['innerCaller', 'outerCaller']));
    // Nothing of the engine's completion path is left in it.
    expect(String(err.stack)).not.toMatch(/onComplete|settle \(|Op\.error|uvError/);
  });

  it('a validation error’s stack holds the caller’s frames', async () => {
    const err = await failure(() => ring.read('x' as never, Buffer.alloc(1)));
    expect(String(err.stack)).toMatch(/innerCaller/);
    expect(String(err.stack)).not.toMatch(/src[\\/]validate\.ts/);
  });

  it.each([false, true])('batch results: each failure’s stack too (link: %s)', async (link) => {
    const ops: BatchOp[] = [{ op: 'nop' }, { op: 'stat', path: '/nonexistent/x' }, { op: 'nop' }];
    const results = await outerCaller(() => ring.batch(ops, { link }));
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(failed.length).toBe(link ? 2 : 1); // linked: the nop after it is cancelled
    for (const r of failed) expect(asyncFrames(r.reason)).toEqual(expect.arrayContaining(['innerCaller', 'outerCaller']));
  });

  it('an op failed by destroy() too', async (ctx) => {
    const r = new Ring();
    if (r.backend === 'fs') {
      await r.destroy();
      ctx.skip('node:fs runs reads on the libuv threadpool; a read blocked on a FIFO cannot be cancelled there');
      return;
    }
    const fifo = fx.path(`fifo-${process.pid}`);
    execFileSync('mkfifo', [fifo]);
    const fd = fs.openSync(fifo, 'r+'); // never blocks in open(2); its reads wait for data
    try {
      const pending = failure(() => r.read(fd, Buffer.alloc(1), -1));
      await new Promise((res) => setTimeout(res, 20));
      await r.destroy();
      const err = await pending;
      expect((err as NodeJS.ErrnoException).code).toBe('ECANCELED');
      expect(asyncFrames(err)).toEqual(expect.arrayContaining(['innerCaller', 'outerCaller']));
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('the success path costs one promise per op, as it did', () => {
  // Counted, not timed (async_hooks sees every promise), in a child process: the test
  // runner's own work would add to the count here.
  it('nop, read, stat: as many promises as awaiting one bare promise; only a failure costs more', async (ctx) => {
    if (ring.backend === 'fs') {
      ctx.skip('the node:fs backend goes through node:fs callbacks, which cost promises of their own');
      return;
    }
    const child = path.join(__dirname, 'fixtures', 'promise-count-child.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [child], { env: { ...process.env, URING_FS_STRICT: '1' } });
    const n = JSON.parse(stdout) as Record<string, number | string>;
    expect(n.backend).toBe('io_uring');
    expect({ nop: n.nop, read: n.read, stat: n.stat }).toEqual({ nop: n.bare, read: n.bare, stat: n.bare });
    expect(n.failedOpen).toBeGreaterThan(n.bareCaught as number);
  });
});

describe('completions run in the caller’s AsyncLocalStorage context', () => {
  const als = new AsyncLocalStorage<{ id: number }>();

  // Three callers at once, each in its own store, each checking it sees its own after
  // every kind of wait on the ring.
  async function caller(r: Ring, id: number, file: string): Promise<string[]> {
    const wrong: string[] = [];
    const check = (what: string): void => {
      if (als.getStore()?.id !== id) wrong.push(`${what}: store ${JSON.stringify(als.getStore())} in caller ${id}`);
    };
    await r.nop();
    check('nop');
    const fd = await r.open(file, 'r');
    check('open');
    await r.read(fd, Buffer.alloc(3), 0);
    check('read');
    await r.open('/nonexistent/x').catch(() => check('open failure'));
    await r.batch([{ op: 'nop' }, { op: 'stat', path: file }, { op: 'stat', path: '/nonexistent/x' }]);
    check('batch');
    await r.batch([{ op: 'nop' }, { op: 'read', fd, buffer: Buffer.alloc(3), position: 0 }], { link: true });
    check('linked batch');
    await r.batch([{ op: 'stat', path: '/nonexistent/x' }, { op: 'nop' }], { link: true });
    check('broken linked batch');
    // More than the ring takes at once: most of these start from later completions.
    await Promise.all(Array.from({ length: 40 }, () => r.nop()));
    check('backlog');
    await new Promise<void>((resolve) => {
      r.stat(file).then(() => {
        check('then callback');
        resolve();
      });
    });
    await r.close(fd);
    check('close');
    return wrong;
  }

  it('for single ops, failures, batches and a backlog, with three callers at once', async () => {
    const r = new Ring({ entries: 4 });
    const file = fx.path('als');
    fs.writeFileSync(file, 'abc');
    try {
      const wrong = await Promise.all([1, 2, 3].map((id) => als.run({ id }, () => caller(r, id, file))));
      expect(wrong.flat()).toEqual([]);
    } finally {
      await r.destroy();
    }
  });
});
