// ring.batch(): the same results and errors as the single-op methods, in order;
// validation of the whole list before anything is submitted; linked chains
// (success, failure mid-chain, chains longer than the ring); batches of 1 and
// 10,000; and a batch caught by destroy().

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Ring } from '../src/index';
import type { BatchOp, BatchResult } from '../src/index';
import { allSettledWithin, patternBuffer, patternMismatch, tmpDir, withTimeout, writePatternFile } from './fixtures/helpers';

const SIZE = 1 << 20;
let dir: string;
let pattern: string;
let pfd: number;
let ring: Ring;
let n = 0;

/** A fresh path in the test directory. */
const fresh = (name = 'f'): string => path.join(dir, `${name}-${n++}`);

beforeAll(() => {
  dir = tmpDir('batch');
  pattern = path.join(dir, 'pattern.bin');
  writePatternFile(pattern, SIZE);
  pfd = fs.openSync(pattern, 'r');
  ring = new Ring();
});

afterAll(async () => {
  try {
    await ring?.destroy();
    if (pfd !== undefined) fs.closeSync(pfd);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** What a caller can see of an error. */
function shape(err: unknown): Record<string, unknown> {
  const e = err as NodeJS.ErrnoException & { dest?: string; index?: number };
  return {
    ctor: e?.constructor?.name,
    name: e?.name,
    message: e?.message,
    code: e?.code,
    errno: e?.errno,
    syscall: e?.syscall,
    path: e?.path,
    dest: e?.dest,
  };
}

function settledShape(r: PromiseSettledResult<unknown>): unknown {
  return r.status === 'fulfilled' ? { status: 'fulfilled', value: r.value } : { status: 'rejected', reason: shape(r.reason) };
}

async function single<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return (await Promise.allSettled([p]))[0];
}

function expectCancelled(r: BatchResult, syscall: string, at: string): void {
  expect(r.status, at).toBe('rejected');
  const e = (r as PromiseRejectedResult).reason as NodeJS.ErrnoException;
  expect(e, at).toBeInstanceOf(Error);
  expect({ code: e.code, errno: e.errno, syscall: e.syscall }, at).toEqual({ code: 'ECANCELED', errno: -125, syscall });
  expect(e.message, at).toMatch(new RegExp(`^ECANCELED: operation canceled, ${syscall}`));
}

describe('results', () => {
  it('resolves an empty batch with an empty list, linked or not', async () => {
    await expect(ring.batch([])).resolves.toEqual([]);
    await expect(ring.batch([], { link: true })).resolves.toEqual([]);
  });

  it.each([false, true])('gives each op the value its single-op method gives (link: %s)', async (link) => {
    // Files prepared twice over: one set for the batch, one for the single calls.
    const statFile = fresh('stat');
    fs.writeFileSync(statFile, 'stat me');
    fs.symlinkSync(statFile, `${statFile}.lnk`);
    const setups = [0, 1].map(() => {
      const w = fresh('w');
      const v = fresh('v');
      const t = fresh('t');
      const a = fresh('a');
      const c = fresh('c');
      fs.writeFileSync(t, Buffer.alloc(5000, 1));
      fs.writeFileSync(c, 'to close');
      const u = fresh('u');
      fs.writeFileSync(u, 'unlink me');
      const rd = fresh('rd');
      fs.mkdirSync(rd);
      const from = fresh('from');
      fs.writeFileSync(from, 'moved');
      return {
        w, wfd: fs.openSync(w, 'w+'),
        v, vfd: fs.openSync(v, 'w+'),
        t, tfd: fs.openSync(t, 'r+'),
        a, afd: fs.openSync(a, 'w+'),
        cfd: fs.openSync(c, 'r'),
        u, rd, md: fresh('md'), from, to: fresh('to'),
        rbuf: Buffer.alloc(300),
        rvbufs: [Buffer.alloc(7), Buffer.alloc(100), Buffer.alloc(33)],
      };
    });
    const data = Buffer.from('hello, batch');
    const batchOps = (s: (typeof setups)[number]): BatchOp[] => [
      { op: 'read', fd: pfd, buffer: s.rbuf, position: 4097 },
      { op: 'write', fd: s.wfd, buffer: data, position: 3 },
      { op: 'readv', fd: pfd, buffers: s.rvbufs, position: 999 },
      { op: 'writev', fd: s.vfd, buffers: [data, data], position: 0 },
      { op: 'fsync', fd: s.wfd },
      { op: 'fdatasync', fd: s.vfd },
      { op: 'stat', path: statFile },
      { op: 'lstat', path: `${statFile}.lnk` },
      { op: 'stat', path: statFile, bigint: true },
      { op: 'fstat', fd: pfd },
      { op: 'ftruncate', fd: s.tfd, len: 100 },
      { op: 'fallocate', fd: s.afd, offset: 0, len: 8192 },
      { op: 'unlink', path: s.u },
      { op: 'rmdir', path: s.rd },
      { op: 'mkdir', path: s.md, mode: 0o750 },
      { op: 'rename', from: s.from, to: s.to },
      { op: 'close', fd: s.cfd },
      { op: 'nop' },
      { op: 'read', fd: pfd, buffer: Buffer.alloc(0), position: 0 },
    ];
    const singles = (s: (typeof setups)[number]): Promise<unknown>[] => [
      ring.read(pfd, s.rbuf, 4097),
      ring.write(s.wfd, data, 3),
      ring.readv(pfd, s.rvbufs, 999),
      ring.writev(s.vfd, [data, data], 0),
      ring.fsync(s.wfd),
      ring.fdatasync(s.vfd),
      ring.stat(statFile),
      ring.lstat(`${statFile}.lnk`),
      ring.stat(statFile, { bigint: true }),
      ring.fstat(pfd),
      ring.ftruncate(s.tfd, 100),
      ring.fallocate(s.afd, 0, 8192),
      ring.unlink(s.u),
      ring.rmdir(s.rd),
      ring.mkdir(s.md, 0o750),
      ring.rename(s.from, s.to),
      ring.close(s.cfd),
      ring.nop(),
      ring.read(pfd, Buffer.alloc(0), 0),
    ];
    const [b, sgl] = setups;
    const got = await ring.batch(batchOps(b), { link });
    const want = await Promise.allSettled(singles(sgl));
    expect(got.map(settledShape)).toEqual(want.map(settledShape));
    expect(got.every((r) => r.status === 'fulfilled')).toBe(true);

    // The same effects on the files.
    expect(b.rbuf).toEqual(sgl.rbuf);
    expect(patternMismatch(b.rbuf, 4097, 300)).toBeNull();
    expect(Buffer.concat(b.rvbufs)).toEqual(Buffer.concat(sgl.rvbufs));
    expect(patternMismatch(Buffer.concat(b.rvbufs), 999, 140)).toBeNull();
    for (const s of setups) {
      expect(fs.readFileSync(s.w)).toEqual(Buffer.concat([Buffer.alloc(3), data]));
      expect(fs.readFileSync(s.v).toString()).toBe('hello, batchhello, batch');
      expect(fs.statSync(s.t).size).toBe(100);
      expect(fs.statSync(s.a).size).toBe(8192);
      expect(fs.existsSync(s.u)).toBe(false);
      expect(fs.existsSync(s.rd)).toBe(false);
      expect(fs.statSync(s.md).mode & 0o777).toBe(0o750 & ~process.umask());
      expect(fs.readFileSync(s.to, 'utf8')).toBe('moved');
      expect(fs.existsSync(s.from)).toBe(false);
      expect(() => fs.fstatSync(s.cfd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
      for (const f of [s.wfd, s.vfd, s.tfd, s.afd]) fs.closeSync(f);
    }
    // Stats are real Stats / BigIntStats, as the single-op methods give.
    expect((got[6] as PromiseFulfilledResult<fs.Stats>).value).toBeInstanceOf(fs.Stats);
    expect((got[7] as PromiseFulfilledResult<fs.Stats>).value.isSymbolicLink()).toBe(true);
    expect(typeof (got[8] as PromiseFulfilledResult<fs.BigIntStats>).value.size).toBe('bigint');
    expect((got[9] as PromiseFulfilledResult<fs.Stats>).value.size).toBe(SIZE);
  });

  it('gives open the fd of the file it opened, with flags and mode', async () => {
    const created = fresh('created');
    const [r, w] = await ring.batch([
      { op: 'open', path: pattern },
      { op: 'open', path: created, flags: 'wx', mode: 0o640 },
    ]);
    expect(r.status).toBe('fulfilled');
    expect(w.status).toBe('fulfilled');
    const rfd = (r as PromiseFulfilledResult<number>).value;
    const wfd = (w as PromiseFulfilledResult<number>).value;
    try {
      expect(fs.fstatSync(rfd).ino).toBe(fs.statSync(pattern).ino);
      expect(fs.fstatSync(wfd).ino).toBe(fs.statSync(created).ino);
      expect(fs.statSync(created).mode & 0o777).toBe(0o640 & ~process.umask());
      fs.writeSync(wfd, 'x');
      expect(() => fs.writeSync(rfd, 'x')).toThrow(expect.objectContaining({ code: 'EBADF' }));
    } finally {
      fs.closeSync(rfd);
      fs.closeSync(wfd);
    }
  });

  it("gives each failing op the error its single-op method gives (code, errno, syscall, path, dest, message)", async () => {
    const full = fresh('full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'x'), '');
    const exists = fresh('exists');
    fs.mkdirSync(exists);
    const missing = fresh('missing');
    const rofd = fs.openSync(pattern, 'r');
    const dirfd = fs.openSync(dir, 'r');
    const BAD = 1_000_000; // a valid fd number nothing has open
    try {
      const ops: BatchOp[] = [
        { op: 'open', path: missing },
        { op: 'open', path: path.join(pattern, 'sub') },
        { op: 'stat', path: missing },
        { op: 'lstat', path: missing, bigint: true },
        { op: 'fstat', fd: BAD },
        { op: 'read', fd: BAD, buffer: Buffer.alloc(4) },
        { op: 'read', fd: dirfd, buffer: Buffer.alloc(4), position: 0 },
        { op: 'write', fd: rofd, buffer: Buffer.from('no'), position: 0 },
        { op: 'readv', fd: BAD, buffers: [Buffer.alloc(4)] },
        { op: 'writev', fd: rofd, buffers: [Buffer.from('no')], position: 0 },
        { op: 'fsync', fd: BAD },
        { op: 'fdatasync', fd: BAD },
        { op: 'close', fd: BAD },
        { op: 'ftruncate', fd: rofd, len: 1 },
        { op: 'fallocate', fd: BAD, offset: 0, len: 10 },
        { op: 'unlink', path: missing },
        { op: 'unlink', path: full },
        { op: 'rmdir', path: full },
        { op: 'rmdir', path: missing },
        { op: 'mkdir', path: exists },
        { op: 'mkdir', path: path.join(missing, 'child') },
        { op: 'rename', from: missing, to: fresh('dest') },
      ];
      const singles: (() => Promise<unknown>)[] = [
        () => ring.open(missing),
        () => ring.open(path.join(pattern, 'sub')),
        () => ring.stat(missing),
        () => ring.lstat(missing, { bigint: true }),
        () => ring.fstat(BAD),
        () => ring.read(BAD, Buffer.alloc(4)),
        () => ring.read(dirfd, Buffer.alloc(4), 0),
        () => ring.write(rofd, Buffer.from('no'), 0),
        () => ring.readv(BAD, [Buffer.alloc(4)]),
        () => ring.writev(rofd, [Buffer.from('no')], 0),
        () => ring.fsync(BAD),
        () => ring.fdatasync(BAD),
        () => ring.close(BAD),
        () => ring.ftruncate(rofd, 1),
        () => ring.fallocate(BAD, 0, 10),
        () => ring.unlink(missing),
        () => ring.unlink(full),
        () => ring.rmdir(full),
        () => ring.rmdir(missing),
        () => ring.mkdir(exists),
        () => ring.mkdir(path.join(missing, 'child')),
        () => ring.rename(missing, (ops[21] as { to: string }).to),
      ];
      const got = await ring.batch(ops);
      expect(got).toHaveLength(ops.length);
      for (let i = 0; i < ops.length; i++) {
        const want = await single(singles[i]());
        expect(want.status, `ops[${i}] (${ops[i].op}) single`).toBe('rejected');
        expect(settledShape(got[i]), `ops[${i}] (${ops[i].op})`).toEqual(settledShape(want));
        // Each is a failure of its own, not a cancellation.
        expect(((got[i] as PromiseRejectedResult).reason as NodeJS.ErrnoException).code).not.toBe('ECANCELED');
      }
      // Spot checks that the comparison compared something.
      expect(shape((got[0] as PromiseRejectedResult).reason)).toMatchObject({
        code: 'ENOENT',
        errno: -2,
        syscall: 'open',
        path: missing,
        message: `ENOENT: no such file or directory, open '${missing}'`,
      });
      expect(shape((got[21] as PromiseRejectedResult).reason)).toMatchObject({ code: 'ENOENT', syscall: 'rename', path: missing });
    } finally {
      fs.closeSync(rofd);
      fs.closeSync(dirfd);
    }
    // The same failures through a linked batch of one each.
    const one = await ring.batch([{ op: 'stat', path: missing }], { link: true });
    expect(settledShape(one[0])).toEqual(settledShape(await single(ring.stat(missing))));
  });

  it('mixes successes and failures in one batch, each result in its place', async () => {
    const out = fresh('mixed');
    const wfd = fs.openSync(out, 'w+');
    const missing = fresh('missing');
    const buf = Buffer.alloc(64);
    try {
      const got = await ring.batch([
        { op: 'read', fd: pfd, buffer: buf, position: 640 },
        { op: 'stat', path: missing },
        { op: 'nop' },
        { op: 'open', path: missing },
        { op: 'write', fd: wfd, buffer: Buffer.from('ok'), position: 0 },
        { op: 'unlink', path: missing },
        { op: 'fstat', fd: wfd },
      ]);
      expect(got.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      expect((got[0] as PromiseFulfilledResult<number>).value).toBe(64);
      expect(patternMismatch(buf, 640, 64)).toBeNull();
      expect(shape((got[1] as PromiseRejectedResult).reason)).toMatchObject({ code: 'ENOENT', syscall: 'stat', path: missing });
      expect((got[2] as PromiseFulfilledResult<unknown>).value).toBeUndefined();
      expect(shape((got[3] as PromiseRejectedResult).reason)).toMatchObject({ code: 'ENOENT', syscall: 'open', path: missing });
      expect((got[4] as PromiseFulfilledResult<number>).value).toBe(2);
      expect(shape((got[5] as PromiseRejectedResult).reason)).toMatchObject({ code: 'ENOENT', syscall: 'unlink', path: missing });
      expect((got[6] as PromiseFulfilledResult<fs.Stats>).value).toBeInstanceOf(fs.Stats);
      expect(fs.readFileSync(out, 'utf8')).toBe('ok');
    } finally {
      fs.closeSync(wfd);
    }
  });
});

describe('validation', () => {
  let target: string;
  let tfd: number;
  let victim: string;

  beforeEach(() => {
    target = fresh('untouched');
    fs.writeFileSync(target, 'original');
    tfd = fs.openSync(target, 'r+');
    victim = fresh('victim');
    fs.writeFileSync(victim, 'keep me');
  });

  /** Entries that would each change something if they ran. */
  const effects = (): BatchOp[] => [
    { op: 'write', fd: tfd, buffer: Buffer.from('CHANGED!'), position: 0 },
    { op: 'unlink', path: victim },
    { op: 'mkdir', path: `${victim}.dir` },
  ];

  async function expectNothingRan(): Promise<void> {
    // Give anything that did get submitted every chance to land.
    await ring.nop();
    await new Promise((r) => setTimeout(r, 20));
    expect(fs.readFileSync(target, 'utf8')).toBe('original');
    expect(fs.existsSync(victim)).toBe(true);
    expect(fs.existsSync(`${victim}.dir`)).toBe(false);
    fs.closeSync(tfd);
  }

  it.each([false, true])('rejects the whole call for an invalid entry, naming its index, before running anything (link: %s)', async (link) => {
    const ops = [...effects(), { op: 'read', fd: 'x', buffer: Buffer.alloc(1) }] as unknown as BatchOp[];
    const err = await ring.batch(ops, { link }).then(
      () => null,
      (e: unknown) => e as NodeJS.ErrnoException & { index?: number },
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(err?.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(err?.message).toContain('ops[3]');
    expect(err?.message).toContain('fd');
    expect(err?.index).toBe(3);
    await expectNothingRan();
  });

  it.each<[string, unknown, string, string | RegExp]>([
    ['null', null, 'ERR_INVALID_ARG_TYPE', 'ops[3]'],
    ['a number', 42, 'ERR_INVALID_ARG_TYPE', 'ops[3]'],
    ['an unknown op', { op: 'frobnicate' }, 'ERR_INVALID_ARG_VALUE', 'ops[3]'],
    ['no op at all', { fd: 1 }, 'ERR_INVALID_ARG_VALUE', 'ops[3]'],
    ['an inherited op name', { op: 'toString' }, 'ERR_INVALID_ARG_VALUE', 'ops[3]'],
    ['a read without a buffer', { op: 'read', fd: 0 }, 'ERR_INVALID_ARG_TYPE', 'ops[3]'],
    ['a negative fd', { op: 'fstat', fd: -1 }, 'ERR_OUT_OF_RANGE', 'ops[3]'],
    ['a write position out of range', { op: 'write', fd: 0, buffer: Buffer.alloc(1), position: -5 }, 'ERR_OUT_OF_RANGE', 'ops[3]'],
    ['readv with a non-array', { op: 'readv', fd: 0, buffers: Buffer.alloc(1) }, 'ERR_INVALID_ARG_TYPE', 'ops[3]'],
    ['open with bad flags', { op: 'open', path: '/x', flags: 'nope' }, 'ERR_INVALID_ARG_VALUE', 'ops[3]'],
    ['stat without a path', { op: 'stat' }, 'ERR_INVALID_ARG_TYPE', 'ops[3]'],
    ['a path with a NUL byte', { op: 'unlink', path: '/tmp/a\0b' }, 'ERR_INVALID_ARG_VALUE', 'ops[3]'],
    ['rename without `to`', { op: 'rename', from: '/tmp/a' }, 'ERR_INVALID_ARG_TYPE', 'ops[3]'],
  ])('rejects %s with its code and index, running nothing', async (_what, entry, code, where) => {
    const ops = [...effects(), entry, { op: 'nop' }] as unknown as BatchOp[];
    const err = await ring.batch(ops).then(
      () => null,
      (e: unknown) => e as NodeJS.ErrnoException & { index?: number },
    );
    expect(err, 'the batch resolved').toBeInstanceOf(Error);
    expect(err?.code).toBe(code);
    expect(err?.message).toContain(where);
    expect(err?.index).toBe(3);
    await expectNothingRan();
  });

  it.each([false, true])('passes an error thrown by a getter of an entry through untouched (link: %s)', async (link) => {
    const boom = new Error('boom from a getter');
    const frozen = Object.freeze(new TypeError('frozen, from a getter'));
    for (const thrown of [boom, frozen]) {
      const entry = {
        op: 'read',
        get fd(): number {
          throw thrown;
        },
        buffer: Buffer.alloc(1),
      };
      const err = await ring.batch([{ op: 'nop' }, entry as unknown as BatchOp], { link }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBe(thrown);
      expect((err as Error).message).toBe(thrown === boom ? 'boom from a getter' : 'frozen, from a getter');
      expect(Object.keys(err as object)).toEqual([]);
    }
    await expectNothingRan();
  });

  it.each<[string, unknown]>([
    ['a string', 'nope'],
    ['undefined', undefined],
    ['an object', { 0: { op: 'nop' }, length: 1 }],
    ['a single entry', { op: 'nop' }],
  ])('rejects %s instead of an array with ERR_INVALID_ARG_TYPE', async (_what, list) => {
    const err = await ring.batch(list as BatchOp[]).then(
      () => null,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(err?.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(err?.message).toMatch(/^The "ops" argument must be/);
    fs.closeSync(tfd);
  });

  it('rejects bad options with ERR_INVALID_ARG_TYPE, running nothing', async () => {
    for (const options of ['link', { link: 1 }, { link: 'yes' }, null]) {
      const err = await ring.batch(effects(), options as unknown as { link?: boolean }).then(
        () => null,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
      expect(err, JSON.stringify(options)).toBeInstanceOf(TypeError);
      expect(err?.code).toBe('ERR_INVALID_ARG_TYPE');
    }
    await expectNothingRan();
  });
});

describe('linked chains', () => {
  it('does the durable replace: write a temp file, fdatasync it, rename it over the target', async () => {
    const target = fresh('config');
    fs.writeFileSync(target, 'old contents');
    const tmp = `${target}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    const body = patternBuffer(100_000);
    try {
      const got = await ring.batch(
        [
          { op: 'write', fd, buffer: body, position: 0 },
          { op: 'fdatasync', fd },
          { op: 'rename', from: tmp, to: target },
        ],
        { link: true },
      );
      expect(got.map(settledShape)).toEqual([
        { status: 'fulfilled', value: body.length },
        { status: 'fulfilled', value: undefined },
        { status: 'fulfilled', value: undefined },
      ]);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.existsSync(tmp)).toBe(false);
    expect(fs.readFileSync(target).equals(body)).toBe(true);
    // And read back through the ring, linked: open → fstat is a chain too.
    const rfd = await ring.open(target);
    const back = Buffer.alloc(body.length);
    const [rd, st] = await ring.batch(
      [
        { op: 'read', fd: rfd, buffer: back, position: 0 },
        { op: 'fstat', fd: rfd },
      ],
      { link: true },
    );
    await ring.close(rfd);
    expect(rd).toEqual({ status: 'fulfilled', value: body.length });
    expect((st as PromiseFulfilledResult<fs.Stats>).value.size).toBe(body.length);
    expect(back.equals(body)).toBe(true);
  });

  it('runs each op after the previous one: a read sees the write before it', async () => {
    const f = fresh('order');
    const fd = fs.openSync(f, 'w+');
    try {
      const ops: BatchOp[] = [];
      const bufs: Buffer[] = [];
      for (let i = 0; i < 40; i++) {
        const b = Buffer.alloc(4);
        bufs.push(b);
        ops.push({ op: 'write', fd, buffer: Buffer.from([i, i, i, i]), position: 0 });
        ops.push({ op: 'read', fd, buffer: b, position: 0 });
      }
      ops.push({ op: 'ftruncate', fd, len: 2 }, { op: 'fstat', fd });
      const got = await ring.batch(ops, { link: true });
      expect(got.every((r) => r.status === 'fulfilled')).toBe(true);
      bufs.forEach((b, i) => expect([...b], `read ${i}`).toEqual([i, i, i, i]));
      expect((got[81] as PromiseFulfilledResult<fs.Stats>).value.size).toBe(2);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('stops at a failure: earlier ops fulfilled, the failing one with its error, the rest ECANCELED', async () => {
    const f = fresh('chain');
    const fd = fs.openSync(f, 'w+');
    const missing = fresh('missing');
    try {
      const got = await ring.batch(
        [
          { op: 'write', fd, buffer: Buffer.from('abc'), position: 0 },
          { op: 'nop' },
          { op: 'open', path: missing },
          { op: 'write', fd, buffer: Buffer.from('def'), position: 3 },
          { op: 'nop' },
          { op: 'fstat', fd },
        ],
        { link: true },
      );
      expect(got.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'rejected']);
      expect((got[0] as PromiseFulfilledResult<number>).value).toBe(3);
      expect(shape((got[2] as PromiseRejectedResult).reason)).toMatchObject({
        code: 'ENOENT',
        errno: -2,
        syscall: 'open',
        path: missing,
        message: `ENOENT: no such file or directory, open '${missing}'`,
      });
      expectCancelled(got[3], 'write', 'ops[3]');
      expectCancelled(got[4], 'nop', 'ops[4]');
      expectCancelled(got[5], 'fstat', 'ops[5]');
    } finally {
      fs.closeSync(fd);
    }
    // The write after the failure never happened.
    expect(fs.readFileSync(f, 'utf8')).toBe('abc');
  });

  it('cancels an op that cannot reach the kernel once the chain broke before it: readv([]) gets ECANCELED, not EINVAL', async () => {
    const f = fresh('chain-empty-readv');
    fs.writeFileSync(f, 'abc');
    const fd = fs.openSync(f, 'r');
    try {
      const got = await ring.batch(
        [
          { op: 'open', path: fresh('missing') },
          { op: 'readv', fd, buffers: [] },
          { op: 'writev', fd, buffers: [] },
        ],
        { link: true },
      );
      expect(got.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expectCancelled(got[1], 'read', 'ops[1]');
      expectCancelled(got[2], 'write', 'ops[2]');
      // Reached, they answer as fs.writev and fs.readv do: 0 (even on this read-only fd), and EINVAL.
      const reached = await ring.batch([{ op: 'writev', fd, buffers: [] }, { op: 'readv', fd, buffers: [] }], { link: true });
      expect(reached[0]).toEqual({ status: 'fulfilled', value: 0 });
      expect(reached[1].status).toBe('rejected');
      expect(shape((reached[1] as PromiseRejectedResult).reason)).toMatchObject({ code: 'EINVAL', syscall: 'read' });
    } finally {
      fs.closeSync(fd);
    }
  });

  it('runs a 100-op chain on an 8-entry ring: all fulfilled, in order, the file right', async () => {
    const small = new Ring({ entries: 8 });
    const f = fresh('long');
    const fd = fs.openSync(f, 'w+');
    const want = patternBuffer(1600);
    try {
      const ops: BatchOp[] = [];
      for (let i = 0; i < 100; i++) ops.push({ op: 'write', fd, buffer: want.subarray(i * 16, i * 16 + 16), position: i * 16 });
      const got = await ring.batch.call(small, ops, { link: true });
      expect(got.map(settledShape)).toEqual(ops.map(() => ({ status: 'fulfilled', value: 16 })));
    } finally {
      fs.closeSync(fd);
      await small.destroy();
    }
    expect(fs.readFileSync(f).equals(want)).toBe(true);
  });

  it('stops a 100-op chain on an 8-entry ring at a failure at op 50', async () => {
    const small = new Ring({ entries: 8 });
    const f = fresh('long-fail');
    const fd = fs.openSync(f, 'w+');
    const rofd = fs.openSync(pattern, 'r');
    const want = patternBuffer(1600);
    try {
      const ops: BatchOp[] = [];
      for (let i = 0; i < 100; i++) {
        ops.push({ op: 'write', fd: i === 50 ? rofd : fd, buffer: want.subarray(i * 16, i * 16 + 16), position: i * 16 });
      }
      const got = await small.batch(ops, { link: true });
      for (let i = 0; i < 50; i++) expect(settledShape(got[i]), `ops[${i}]`).toEqual({ status: 'fulfilled', value: 16 });
      expect(shape((got[50] as PromiseRejectedResult).reason)).toMatchObject({
        code: 'EBADF',
        errno: -9,
        syscall: 'write',
        message: 'EBADF: bad file descriptor, write',
      });
      for (let i = 51; i < 100; i++) expectCancelled(got[i], 'write', `ops[${i}]`);
    } finally {
      fs.closeSync(fd);
      fs.closeSync(rofd);
      await small.destroy();
    }
    // Exactly the first 50 writes landed.
    expect(fs.readFileSync(f).equals(want.subarray(0, 800))).toBe(true);
  });

  it('gives every cancelled op the error shape its own failure would have (path ops name their path)', async () => {
    // Long enough that some ops are cancelled by the kernel (inside the failing
    // op's linked group) and some by the library (later groups, or the fs backend).
    const small = new Ring({ entries: 8 });
    const missing = fresh('missing');
    const ops: BatchOp[] = [{ op: 'open', path: missing }];
    const paths: string[] = [];
    for (let i = 1; i < 30; i++) {
      const p = fresh(`p${i}`);
      paths.push(p);
      ops.push(i % 2 ? { op: 'stat', path: p } : { op: 'unlink', path: p });
    }
    try {
      const got = await small.batch(ops, { link: true });
      expect(shape((got[0] as PromiseRejectedResult).reason)).toMatchObject({ code: 'ENOENT', path: missing });
      const shapes = got.slice(1).map((r, k) => {
        expectCancelled(r, k % 2 === 0 ? 'stat' : 'unlink', `ops[${k + 1}]`);
        return shape((r as PromiseRejectedResult).reason);
      });
      shapes.forEach((s, k) => {
        const syscall = k % 2 === 0 ? 'stat' : 'unlink';
        expect(s, `ops[${k + 1}]`).toEqual({
          ctor: 'Error',
          name: 'Error',
          message: `ECANCELED: operation canceled, ${syscall} '${paths[k]}'`,
          code: 'ECANCELED',
          errno: -125,
          syscall,
          path: paths[k],
          dest: undefined,
        });
      });
    } finally {
      await small.destroy();
    }
  });

  // docs/api.md, "Linked chains": a short read is fulfilled with its count and
  // breaks the chain, as the kernel does; between groups and on the fs backend
  // the library applies the same rule.
  it.each([
    ['inside a group', 2],
    ['at the end of a group', 7],
    ['at the start of a group', 8],
  ])('ends the chain after a short read %s (op %i), the read itself fulfilled', async (_where, at) => {
    const small = new Ring({ entries: 8 });
    const f = fresh('short');
    fs.writeFileSync(f, '0123456789');
    const fd = fs.openSync(f, 'r');
    try {
      const big = Buffer.alloc(100);
      const ops: BatchOp[] = [];
      for (let i = 0; i < 12; i++) {
        if (i === at) ops.push({ op: 'read', fd, buffer: big, position: 0 });
        else if (i % 2) ops.push({ op: 'nop' });
        else ops.push({ op: 'read', fd, buffer: Buffer.alloc(2), position: 0 });
      }
      const got = await small.batch(ops, { link: true });
      for (let i = 0; i < at; i++) expect(got[i].status, `ops[${i}]`).toBe('fulfilled');
      expect(settledShape(got[at])).toEqual({ status: 'fulfilled', value: 10 });
      expect(big.subarray(0, 10).toString()).toBe('0123456789');
      for (let i = at + 1; i < 12; i++) expectCancelled(got[i], i % 2 ? 'nop' : 'read', `ops[${i}]`);
    } finally {
      fs.closeSync(fd);
      await small.destroy();
    }
  });

  it('goes on after a read that fills its buffer exactly', async () => {
    const f = fresh('exact');
    fs.writeFileSync(f, '0123456789');
    const fd = fs.openSync(f, 'r');
    try {
      const got = await ring.batch(
        [
          { op: 'read', fd, buffer: Buffer.alloc(10), position: 0 },
          { op: 'readv', fd, buffers: [Buffer.alloc(4), Buffer.alloc(6)], position: 0 },
          { op: 'fstat', fd },
        ],
        { link: true },
      );
      expect(got.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect((got[2] as PromiseFulfilledResult<fs.Stats>).value.size).toBe(10);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('never fulfils an op after one was rejected, wherever the failure falls in the linked groups', async () => {
    const small = new Ring({ entries: 8 });
    const f = fresh('prefix');
    const fd = fs.openSync(f, 'w+');
    try {
      for (const failAt of [0, 1, 7, 8, 9, 15, 16, 63]) {
        fs.ftruncateSync(fd, 0);
        const ops: BatchOp[] = [];
        for (let i = 0; i < 64; i++) {
          ops.push(i === failAt ? { op: 'open', path: fresh('nope') } : { op: 'write', fd, buffer: Buffer.from([i]), position: i });
        }
        const got = await small.batch(ops, { link: true });
        const statuses = got.map((r) => (r.status === 'fulfilled' ? 'F' : 'R')).join('');
        expect(statuses, `fail at ${failAt}`).toBe('F'.repeat(failAt) + 'R'.repeat(64 - failAt));
        expect(shape((got[failAt] as PromiseRejectedResult).reason).code).toBe('ENOENT');
        expect(fs.fstatSync(fd).size, `fail at ${failAt}`).toBe(failAt);
      }
    } finally {
      fs.closeSync(fd);
      await small.destroy();
    }
  });

  // Every kind of op, failing in the middle of a chain, must stop it: the write
  // after it must not happen. (The kernel only breaks a link for ops whose
  // handler marks the request failed; a chain must not depend on which.)
  const failing: [string, (ctx: { ro: number; full: string; missing: string }) => BatchOp][] = [
    ['open', (c) => ({ op: 'open', path: c.missing })],
    ['stat', (c) => ({ op: 'stat', path: c.missing })],
    ['lstat', (c) => ({ op: 'lstat', path: c.missing })],
    ['fstat', () => ({ op: 'fstat', fd: 1_000_000 })],
    ['read', () => ({ op: 'read', fd: 1_000_000, buffer: Buffer.alloc(4), position: 0 })],
    ['write', (c) => ({ op: 'write', fd: c.ro, buffer: Buffer.alloc(4), position: 0 })],
    ['readv', () => ({ op: 'readv', fd: 1_000_000, buffers: [Buffer.alloc(4)], position: 0 })],
    ['writev', (c) => ({ op: 'writev', fd: c.ro, buffers: [Buffer.alloc(4)], position: 0 })],
    ['fsync', () => ({ op: 'fsync', fd: 1_000_000 })],
    ['fdatasync', () => ({ op: 'fdatasync', fd: 1_000_000 })],
    ['close', () => ({ op: 'close', fd: 1_000_000 })],
    ['ftruncate', (c) => ({ op: 'ftruncate', fd: c.ro, len: 1 })],
    ['fallocate', () => ({ op: 'fallocate', fd: 1_000_000, offset: 0, len: 10 })],
    ['unlink', (c) => ({ op: 'unlink', path: c.missing })],
    ['rmdir', (c) => ({ op: 'rmdir', path: c.full })],
    ['mkdir', (c) => ({ op: 'mkdir', path: c.full })],
    ['rename', (c) => ({ op: 'rename', from: c.missing, to: `${c.missing}.to` })],
  ];
  it.each(failing)('stops the chain when %s fails in the middle of it', async (_kind, make) => {
    const full = fresh('full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'x'), '');
    const f = fresh('after');
    const fd = fs.openSync(f, 'w+');
    const ro = fs.openSync(pattern, 'r');
    try {
      const got = await ring.batch(
        [
          { op: 'write', fd, buffer: Buffer.from('A'), position: 0 },
          make({ ro, full, missing: fresh('missing') }),
          { op: 'write', fd, buffer: Buffer.from('B'), position: 1 },
          { op: 'nop' },
        ],
        { link: true },
      );
      expect(got[0]).toEqual({ status: 'fulfilled', value: 1 });
      expect(got[1].status).toBe('rejected');
      expect(shape((got[1] as PromiseRejectedResult).reason).code).not.toBe('ECANCELED');
      expectCancelled(got[2], 'write', 'ops[2]');
      expectCancelled(got[3], 'nop', 'ops[3]');
      expect(fs.readFileSync(f, 'utf8')).toBe('A');
    } finally {
      fs.closeSync(fd);
      fs.closeSync(ro);
    }
  });
});

// Found by the differential fuzzer (scripts/fuzz.mjs).
describe('linked chains: members node:fs answers without the kernel, or the kernel refuses at submission', () => {
  it('a zero-length read resolves 0 without a syscall, as fs.read does, even on an fd it could not read', async () => {
    const wo = fs.openSync(fresh('wo'), 'w');
    try {
      const got = await ring.batch(
        [
          { op: 'read', fd: 0x7fffffff, buffer: Buffer.alloc(0), position: 5 },
          { op: 'read', fd: wo, buffer: new Uint8Array(0) },
          { op: 'read', fd: pfd, buffer: Buffer.alloc(4), position: 4 },
        ],
        { link: true },
      );
      expect(got).toEqual([
        { status: 'fulfilled', value: 0 },
        { status: 'fulfilled', value: 0 },
        { status: 'fulfilled', value: 4 },
      ]);
    } finally {
      fs.closeSync(wo);
    }
  });

  // io_uring prepares a path op's path when the SQE is submitted: an empty path
  // fails there (ENOENT), and the kernel then fails the members linked before it
  // with ECANCELED although they never ran. Each member must still run after the
  // previous one succeeded, and only the ones after a failure be cancelled.
  for (const [kind, entry] of [
    ['stat', (p: string) => ({ op: 'stat' as const, path: p })],
    ['open', (p: string) => ({ op: 'open' as const, path: p })],
    ['unlink', (p: string) => ({ op: 'unlink' as const, path: p })],
    ['mkdir', (p: string) => ({ op: 'mkdir' as const, path: p })],
    ['symlink', (p: string) => ({ op: 'symlink' as const, target: 'x', path: p })],
  ] as const) {
    it(`write, then ${kind}(''): the write lands, ${kind} fails with ENOENT as node:fs's does`, async () => {
      const f = fresh('before-empty');
      const fd = fs.openSync(f, 'w+');
      try {
        const got = await ring.batch([{ op: 'write', fd, buffer: Buffer.from('A'), position: 0 }, entry('')], { link: true });
        expect(got[0]).toEqual({ status: 'fulfilled', value: 1 });
        const viaFs = await single(kind === 'symlink' ? fs.promises.symlink('x', '') : (fs.promises as any)[kind](''));
        expect(settledShape(got[1])).toEqual(settledShape(viaFs));
        expect(fs.readFileSync(f, 'utf8')).toBe('A');
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  it('write, then stat of a path of PATH_MAX bytes, then open with O_CREAT|O_DIRECTORY: the write lands, the others fail as on node:fs', async () => {
    const f = fresh('before-long');
    const fd = fs.openSync(f, 'w+');
    const long = `${dir}/${'x'.repeat(4096)}`;
    const flags = fs.constants.O_CREAT | fs.constants.O_DIRECTORY | fs.constants.O_RDONLY;
    const target = fresh('dir-create');
    try {
      const got = await ring.batch([{ op: 'write', fd, buffer: Buffer.from('A'), position: 0 }, { op: 'stat', path: long }], { link: true });
      expect(got[0]).toEqual({ status: 'fulfilled', value: 1 });
      expect(settledShape(got[1])).toEqual(settledShape(await single(fs.promises.stat(long))));
      const got2 = await ring.batch([{ op: 'write', fd, buffer: Buffer.from('B'), position: 1 }, { op: 'open', path: target, flags }], { link: true });
      expect(got2[0]).toEqual({ status: 'fulfilled', value: 1 });
      const viaFs = await single(fs.promises.open(target, flags).then(async (h) => {
        await h.close();
        return 'opened';
      }));
      expect(got2[1].status).toBe(viaFs.status);
      if (got2[1].status === 'rejected') expect(settledShape(got2[1])).toEqual(settledShape(viaFs));
      else fs.closeSync(got2[1].value as number);
      expect(fs.readFileSync(f, 'utf8')).toBe('AB');
    } finally {
      fs.closeSync(fd);
    }
  });

  it("stat(''), then a write: stat fails with ENOENT, the write is cancelled and never lands", async () => {
    const f = fresh('after-empty');
    const fd = fs.openSync(f, 'w+');
    try {
      const got = await ring.batch([{ op: 'stat', path: '' }, { op: 'write', fd, buffer: Buffer.from('A'), position: 0 }], { link: true });
      expect(settledShape(got[0])).toEqual(settledShape(await single(fs.promises.stat(''))));
      expectCancelled(got[1], 'write', 'ops[1]');
      expect(fs.readFileSync(f, 'utf8')).toBe('');
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('linked chains and writes too big for one SQE', () => {
  it('the op after a writev of more than 1024 views starts only when all of it is written', async () => {
    const f = fresh('wv');
    const fd = fs.openSync(f, 'w+');
    try {
      const views = Array.from({ length: 2000 }, (_, i) => Buffer.from([i & 0xff]));
      const back = Buffer.alloc(2000);
      const got = await ring.batch(
        [
          { op: 'writev', fd, buffers: views, position: 0 },
          { op: 'read', fd, buffer: back, position: 0 },
          { op: 'fstat', fd },
        ],
        { link: true },
      );
      expect(got.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect((got[0] as PromiseFulfilledResult<number>).value).toBe(2000);
      // The linked read saw every byte: it did not start after the first 1024-view SQE.
      expect((got[1] as PromiseFulfilledResult<number>).value).toBe(2000);
      expect(back.equals(Buffer.concat(views))).toBe(true);
      expect((got[2] as PromiseFulfilledResult<fs.Stats>).value.size).toBe(2000);
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('sizes', () => {
  it('runs batches of one', async () => {
    const buf = Buffer.alloc(10);
    expect(await ring.batch([{ op: 'read', fd: pfd, buffer: buf, position: 20 }])).toEqual([{ status: 'fulfilled', value: 10 }]);
    expect(patternMismatch(buf, 20, 10)).toBeNull();
    expect(await ring.batch([{ op: 'nop' }], { link: true })).toEqual([{ status: 'fulfilled', value: undefined }]);
    const [r] = await ring.batch([{ op: 'stat', path: fresh('none') }], { link: true });
    expect(shape((r as PromiseRejectedResult).reason).code).toBe('ENOENT');
  });

  it.each([256, 8])('runs a batch of 10,000 reads on a %i-entry ring, each with its own bytes', async (entries) => {
    const r = new Ring({ entries });
    try {
      const N = 10_000;
      const ops: BatchOp[] = [];
      const where: [number, number][] = [];
      for (let i = 0; i < N; i++) {
        const length = 1 + ((i * 13) % 200);
        const position = (i * 4093) % (SIZE - length);
        where.push([position, length]);
        ops.push({ op: 'read', fd: pfd, buffer: Buffer.alloc(length), position });
      }
      const got = await withTimeout(r.batch(ops), 30_000, '10,000-entry batch');
      expect(got).toHaveLength(N);
      const bad: string[] = [];
      got.forEach((res, i) => {
        const [position, length] = where[i];
        if (res.status !== 'fulfilled' || res.value !== length) bad.push(`ops[${i}]: ${JSON.stringify(settledShape(res))}`);
        else {
          const m = patternMismatch((ops[i] as unknown as { buffer: Buffer }).buffer, position, length);
          if (m) bad.push(`ops[${i}]: ${m}`);
        }
      });
      expect(bad.slice(0, 10)).toEqual([]);
    } finally {
      await r.destroy();
    }
  });

  it('runs a linked batch of 2,000 ops on an 8-entry ring', async () => {
    const small = new Ring({ entries: 8 });
    try {
      const ops: BatchOp[] = Array.from({ length: 2000 }, (_, i) =>
        i % 2 ? { op: 'nop' } : { op: 'read', fd: pfd, buffer: Buffer.alloc(8), position: i * 8 },
      );
      const got = await withTimeout(small.batch(ops, { link: true }), 30_000, 'linked 2,000');
      expect(got.every((r) => r.status === 'fulfilled')).toBe(true);
      for (let i = 0; i < 2000; i += 2) expect(patternMismatch((ops[i] as unknown as { buffer: Buffer }).buffer, i * 8, 8)).toBeNull();
    } finally {
      await small.destroy();
    }
  });
});

describe('a batch caught by destroy()', () => {
  function checkSettled(got: BatchResult[], check: (i: number, value: unknown) => string | null): string[] {
    const bad: string[] = [];
    got.forEach((r, i) => {
      if (r.status === 'rejected') {
        const code = (r.reason as NodeJS.ErrnoException).code;
        if (code !== 'ECANCELED' && code !== 'ERR_URING_DESTROYED') bad.push(`ops[${i}]: ${String(r.reason)}`);
      } else {
        const m = check(i, r.value);
        if (m) bad.push(`ops[${i}]: ${m}`);
      }
    });
    return bad;
  }

  it.each([0, 1, 3])('settles every entry of a 1,000-op batch (destroy after %i loop turns)', async (turns) => {
    const r = new Ring({ entries: 32 });
    const ops: BatchOp[] = Array.from({ length: 1000 }, (_, i) =>
      i % 5 === 4 ? { op: 'nop' } : { op: 'read', fd: pfd, buffer: Buffer.alloc(128), position: i * 128 },
    );
    const batch = r.batch(ops);
    for (let t = 0; t < turns; t++) await new Promise((res) => setImmediate(res));
    const destroyed = r.destroy();
    const got = await withTimeout(batch, 10_000, 'batch during destroy()');
    await withTimeout(destroyed, 10_000, 'destroy() during a batch');
    expect(got).toHaveLength(1000);
    const bad = checkSettled(got, (i, value) => {
      if (i % 5 === 4) return value === undefined ? null : `nop gave ${String(value)}`;
      if (value !== 128) return `read gave ${String(value)}`;
      return patternMismatch((ops[i] as unknown as { buffer: Buffer }).buffer, i * 128, 128);
    });
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('settles every entry of a long linked batch, fulfilled ones first', async () => {
    const r = new Ring({ entries: 8 });
    const f = fresh('destroy-chain');
    const fd = fs.openSync(f, 'w+');
    try {
      const ops: BatchOp[] = Array.from({ length: 300 }, (_, i) => ({
        op: 'write',
        fd,
        buffer: Buffer.from([i & 0xff]),
        position: i,
      }));
      const batch = r.batch(ops, { link: true });
      await new Promise((res) => setImmediate(res));
      await new Promise((res) => setImmediate(res));
      const destroyed = r.destroy();
      const got = await withTimeout(batch, 10_000, 'linked batch during destroy()');
      await withTimeout(destroyed, 10_000, 'destroy() during a linked batch');
      const bad = checkSettled(got, (_i, value) => (value === 1 ? null : `write gave ${String(value)}`));
      expect(bad.slice(0, 10)).toEqual([]);
      const done = got.findIndex((x) => x.status === 'rejected');
      const k = done === -1 ? 300 : done;
      expect(got.slice(k).every((x) => x.status === 'rejected')).toBe(true);
      // The file holds exactly the writes that were fulfilled.
      const content = fs.readFileSync(f);
      expect(content.length).toBe(k);
      for (let i = 0; i < k; i++) expect(content[i]).toBe(i & 0xff);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('settles the entries of batches started from completions while destroy() is pending', async () => {
    const r = new Ring({ entries: 16 });
    const all: Promise<BatchResult[]>[] = [];
    const first = r.batch(Array.from({ length: 200 }, () => ({ op: 'nop' as const })));
    all.push(first);
    const destroyed = r.destroy();
    all.push(r.batch([{ op: 'nop' }]));
    const results = await allSettledWithin(all, 10_000, 'batches around destroy()');
    await withTimeout(destroyed, 10_000, 'destroy()');
    expect(results[0].status).toBe('fulfilled');
    expect(results[1].status).toBe('rejected');
    expect(((results[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException).code).toBe('ERR_URING_DESTROYED');
  });
});
