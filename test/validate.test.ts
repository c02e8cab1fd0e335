// Every argument check of the Ring against the node:fs call it stands for, over inputs
// wrong in every way a caller can get them wrong, on whatever Node runs the suite: the
// ring must refuse exactly what node:fs refuses, with node's error (class, code,
// message, fields), and take what node:fs takes. Node calls use targets that cannot be
// changed (fd 2^31-1, paths under /nonexistent or /dev/null), so nothing on disk moves.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

import { opFixture } from './support/op-fixture';
import { expectSameError, show } from './support/parity';
import type { Failure } from './support/parity';

const fx = opFixture('validate');
const { ring } = fx;

const NEVER = 0x7fffffff; // a valid fd number that is never open: EBADF at the syscall
const GONE = '/nonexistent/uring-fs/x'; // under a directory that does not exist
const major = Number(process.versions.node.split('.')[0]);

type Outcome = { threw: true; err: Failure } | { threw: false; value: unknown };

/** A ring call's outcome: it must return a promise (never throw). */
async function ringOutcome(call: () => unknown): Promise<Outcome> {
  const p = call();
  expect(p).toBeInstanceOf(Promise);
  try {
    return { threw: false, value: await p };
  } catch (err) {
    return { threw: true, err: err as Failure };
  }
}

/** A node:fs callback call's outcome: a synchronous throw, or what the callback got. */
function nodeCb(call: (cb: (err: Error | null, value?: unknown) => void) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    try {
      call((err, value) => resolve(err ? { threw: true, err: err as Failure } : { threw: false, value }));
    } catch (err) {
      resolve({ threw: true, err: err as Failure });
    }
  });
}

/** A node:fs promise call's outcome (its validation errors are rejections). */
async function nodeAsync(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { threw: false, value: await call() };
  } catch (err) {
    return { threw: true, err: err as Failure };
  }
}

const isArgError = (o: Outcome): boolean => o.threw && /^ERR_/.test(String(o.err.code));

/**
 * Where node refuses the argument, the ring refuses it with the same error; where node
 * takes it (and then fails at the syscall, or succeeds), so does the ring.
 */
async function expectParity(ours: Promise<Outcome>, theirs: Promise<Outcome>): Promise<void> {
  const [a, b] = await Promise.all([ours, theirs]);
  if (isArgError(b)) {
    expect(a.threw, `node refused it (${b.threw && b.err.message}); the ring must too`).toBe(true);
    if (a.threw && b.threw) expectSameError(a.err, b.err);
    return;
  }
  expect(isArgError(a) ? (a as { err: Error }).err.message : 'taken', 'node took it; the ring must too').toBe('taken');
  expect(a.threw ? { code: a.err.code } : { value: a.value }).toEqual(b.threw ? { code: b.err.code } : { value: b.value });
}

class Foo {}
// Inputs that are wrong in every way a caller can get them wrong, and a few right ones.
const junk: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ["'1'", '1'],
  ["''", ''],
  ['long string', 'z'.repeat(40)],
  ["quote'", "it's"],
  ['5n', 5n],
  ['-1n', -1n],
  ['2n**64n', 2n ** 64n],
  ['Symbol', Symbol('s')],
  ['{}', {}],
  ['[]', []],
  ['[1]', [1]],
  ['arrow', () => 1],
  ['class', Foo],
  ['instance', new Foo()],
  ['Object.create(null)', Object.create(null)],
  ['Date', new Date(0)],
  ['Buffer', Buffer.from('x')],
  ['Promise', Promise.resolve(1)],
  ['Proxy', new Proxy({}, {})],
];
const numbers: [string, number][] = [
  ['-0', -0],
  ['-1', -1],
  ['-2', -2],
  ['1.5', 1.5],
  ['-0.5', -0.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['2**31', 2 ** 31],
  ['-(2**31) - 1', -(2 ** 31) - 1],
  ['2**32', 2 ** 32],
  ['2**32 + 1', 2 ** 32 + 1],
  ['2**53', 2 ** 53],
  ['-(2**53)', -(2 ** 53)],
  ['1e21', 1e21],
  ['Number.MAX_VALUE', Number.MAX_VALUE],
  ['Number.EPSILON', Number.EPSILON],
];
const everything = [...junk, ...numbers];
const isFd = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1;
const BUF = Buffer.alloc(4);

describe('fd of read, write, readv, writev: as fs.read/write/readv/writev check it', () => {
  // Valid fds are left out: node would use them.
  const bad = everything.filter(([, v]) => !isFd(v));
  it.each(bad)('%s', async (_l, fd) => {
    await expectParity(ringOutcome(() => ring.read(fd as number, BUF, 0)), nodeCb((cb) => fs.read(fd as number, BUF, 0, 4, 0, cb)));
    await expectParity(ringOutcome(() => ring.write(fd as number, BUF, 0)), nodeCb((cb) => fs.write(fd as number, BUF, 0, 4, 0, cb)));
    await expectParity(ringOutcome(() => ring.readv(fd as number, [BUF], 0)), nodeCb((cb) => fs.readv(fd as number, [BUF], 0, cb)));
    await expectParity(ringOutcome(() => ring.writev(fd as number, [BUF], 0)), nodeCb((cb) => fs.writev(fd as number, [BUF], 0, cb)));
  });
});

describe('fd of close, fsync, fdatasync, fstat, ftruncate: as node:fs checks it in C++', () => {
  // Node 20's C++ check aborts the process on a Symbol: there the ring gives fs.read's
  // error instead (tested below), so node is not handed one.
  const bad = everything.filter(([, v]) => !isFd(v) && (major >= 22 || typeof v !== 'symbol'));
  it.each(bad)('%s', async (_l, fd) => {
    const f = fd as number;
    await expectParity(ringOutcome(() => ring.close(f)), nodeCb((cb) => fs.close(f, cb)));
    await expectParity(ringOutcome(() => ring.fsync(f)), nodeCb((cb) => fs.fsync(f, cb)));
    await expectParity(ringOutcome(() => ring.fdatasync(f)), nodeCb((cb) => fs.fdatasync(f, cb)));
    await expectParity(ringOutcome(() => ring.fstat(f)), nodeCb((cb) => fs.fstat(f, cb)));
    await expectParity(ringOutcome(() => ring.ftruncate(f, 0)), nodeCb((cb) => fs.ftruncate(f, 0, cb)));
  });

  it('a bigint shows without its n, unlike fs.read’s check', async () => {
    const close = await ringOutcome(() => ring.close(3n as unknown as number));
    const read = await ringOutcome(() => ring.read(3n as unknown as number, BUF));
    expect(close.threw && close.err.message).toBe('The "fd" argument must be of type number. Received type bigint (3)');
    expect(read.threw && read.err.message).toBe('The "fd" argument must be of type number. Received type bigint (3n)');
  });

  it.runIf(major < 22)('a Symbol (which aborts Node 20 in fs.close) gets fs.read’s error', async () => {
    const s = Symbol('s');
    await expectParity(ringOutcome(() => ring.close(s as never)), nodeCb((cb) => fs.read(s as never, BUF, 0, 4, 0, cb)));
    await expectParity(ringOutcome(() => ring.fstat(s as never)), nodeCb((cb) => fs.read(s as never, BUF, 0, 4, 0, cb)));
  });
});

describe('buffer and buffers', () => {
  const views: [string, unknown][] = [
    ...junk.filter(([, v]) => !ArrayBuffer.isView(v)),
    ['ArrayBuffer', new ArrayBuffer(4)],
    ['SharedArrayBuffer', new SharedArrayBuffer(4)],
    ['array-like', { length: 4, byteLength: 4 }],
    ['5', 5],
  ];
  it.each(views)('read %s as fs.read checks it', async (_l, v) => {
    await expectParity(ringOutcome(() => ring.read(NEVER, v as Buffer, 0)), nodeCb((cb) => fs.read(NEVER, v as Buffer, 0, 4, 0, cb)));
  });
  it.each(views.filter(([, v]) => typeof v !== 'string'))('write %s as fs.write checks it', async (_l, v) => {
    await expectParity(ringOutcome(() => ring.write(NEVER, v as Buffer, 0)), nodeCb((cb) => fs.write(NEVER, v as Buffer, 0, 4, 0, cb)));
  });
  it.each([...views, ['[Buffer, 1]', [BUF, 1]], ['[Buffer, hole]', [BUF, , BUF]], ['[ArrayBuffer]', [new ArrayBuffer(1)]]] as [string, unknown][])(
    'readv and writev %s as fs.readv/writev check it',
    async (_l, v) => {
      await expectParity(ringOutcome(() => ring.readv(NEVER, v as Buffer[], 0)), nodeCb((cb) => fs.readv(NEVER, v as Buffer[], 0, cb)));
      await expectParity(ringOutcome(() => ring.writev(NEVER, v as Buffer[], 0)), nodeCb((cb) => fs.writev(NEVER, v as Buffer[], 0, cb)));
    },
  );
});

describe('position: as fs.read checks it for a read of the same length', () => {
  const positions: [string, unknown][] = [
    ...everything,
    ['0', 0],
    ['2**53 - 1', 2 ** 53 - 1],
    ['-2n', -2n],
    ['0n', 0n],
    ['2n**53n', 2n ** 53n],
    ['2n**63n - 5n', 2n ** 63n - 5n],
    ['2n**63n - 4n', 2n ** 63n - 4n],
    ['2n**63n - 1n', 2n ** 63n - 1n],
    ['2n**63n', 2n ** 63n],
    ['-(2n**63n)', -(2n ** 63n)],
    ['-(2n**63n) - 1n', -(2n ** 63n) - 1n],
  ];
  // A read of 4 bytes, and of none: Node 20 and 22 check no position for an empty read
  // (and resolve 0), Node 24 and later check it first; the ring does what this Node does.
  it.each(positions)('%s', async (_l, pos) => {
    const p = pos as number;
    await expectParity(ringOutcome(() => ring.read(NEVER, BUF, p)), nodeCb((cb) => fs.read(NEVER, BUF, 0, 4, p, cb)));
    const empty = Buffer.alloc(0);
    await expectParity(ringOutcome(() => ring.read(NEVER, empty, p)), nodeCb((cb) => fs.read(NEVER, empty, 0, 0, p, cb)));
    // write, readv and writev: node:fs reads a non-number as "the file position"; the
    // ring checks theirs as fs.read would for the same number of bytes.
    await expectParity(ringOutcome(() => ring.write(NEVER, BUF, p)), nodeCb((cb) => fs.read(NEVER, BUF, 0, 4, p, cb)));
    const two = [Buffer.alloc(1), Buffer.alloc(3)];
    await expectParity(ringOutcome(() => ring.readv(NEVER, two, p)), nodeCb((cb) => fs.read(NEVER, BUF, 0, 4, p, cb)));
    await expectParity(ringOutcome(() => ring.writev(NEVER, two, p)), nodeCb((cb) => fs.read(NEVER, BUF, 0, 4, p, cb)));
  });

  it('a negative bigint reads at the current position exactly where node:fs does', async () => {
    const file = fx.path();
    fs.writeFileSync(file, 'abcdef');
    const fd = fx.openSync(file, 'r');
    fs.readSync(fd, Buffer.alloc(2), 0, 2, null); // the file position is now 2
    const theirs = Buffer.alloc(1);
    const b = await nodeCb((cb) => fs.read(fd, theirs, 0, 1, -5n as never, cb));
    const ours = Buffer.alloc(1);
    const a = await ringOutcome(() => ring.read(fd, ours, -5n));
    if (b.threw) {
      expect(a.threw).toBe(true); // Node 22 and later: out of range
      if (a.threw) expectSameError(a.err, b.err);
    } else {
      // Node 20: libuv reads at the current position for any negative offset.
      expect(theirs.toString()).toBe('c');
      expect(a).toEqual({ threw: false, value: 1 });
      expect(ours.toString()).toBe('d');
    }
  });
});

describe('paths: as node:fs/promises checks them', () => {
  const urlLike = { href: 'file:///nonexistent/a', protocol: 'file:', hostname: '', pathname: '/nonexistent/a' };
  // No ordinary string or Buffer: node would use them as paths.
  const paths: [string, unknown][] = [
    ...everything.filter(([, v]) => typeof v !== 'string' && !Buffer.isBuffer(v)),
    ['NUL in string', '/nonexistent/a\0b'],
    ['NUL in Buffer', Buffer.from('/nonexistent/a\0b')],
    ['NUL in Uint8Array', new Uint8Array([0x2f, 0, 0x61])],
    ['long NUL string', `/nonexistent/${'x'.repeat(200)}\0`],
    ['Uint16Array', new Uint16Array([0x2f])],
    ['DataView', new DataView(new ArrayBuffer(1))],
    ['http: URL', new URL('http://example.com/x')],
    ['file: URL with host', new URL('file://host/x')],
    ['file: URL with %2F', new URL('file:///a%2Fb')],
    ['file: URL with %00', new URL('file:///a%00b')],
    ['file: URL', new URL('file:///nonexistent/%C3%A9')],
    ['URL-like object', urlLike],
    ['URL-like object, http', { ...urlLike, href: 'http://x/', protocol: 'http:' }],
    ['URL-like object with auth', { ...urlLike, auth: 'u' }],
    ['Uint8Array path', new Uint8Array(Buffer.from(GONE))],
  ];
  it.each(paths)('%s', async (_l, p) => {
    const q = p as string;
    await expectParity(ringOutcome(() => ring.open(q)), nodeAsync(() => fsp.open(q)));
    await expectParity(ringOutcome(() => ring.stat(q)), nodeAsync(() => fsp.stat(q)));
    await expectParity(ringOutcome(() => ring.lstat(q)), nodeAsync(() => fsp.lstat(q)));
    await expectParity(ringOutcome(() => ring.unlink(q)), nodeAsync(() => fsp.unlink(q)));
    await expectParity(ringOutcome(() => ring.rmdir(q)), nodeAsync(() => fsp.rmdir(q)));
    await expectParity(ringOutcome(() => ring.mkdir(q)), nodeAsync(() => fsp.mkdir(q)));
    await expectParity(ringOutcome(() => ring.rename(q, GONE)), nodeAsync(() => fsp.rename(q, GONE)));
    await expectParity(ringOutcome(() => ring.rename(GONE, q)), nodeAsync(() => fsp.rename(GONE, q)));
  });
});

describe('open flags and mode, mkdir options: as node:fs/promises checks them', () => {
  const flags: [string, unknown][] = [
    ...everything,
    ['R', 'R'],
    ['rw', 'rw'],
    [' r', ' r'],
    ['String object', new String('r')],
    ['O_RDWR', fs.constants.O_RDWR],
    ["'ax+'", 'ax+'],
  ];
  // -0 and modes >= 2^31 pass node's JavaScript check and then abort Node 20 and 22 in
  // C++ (CHECK(IsInt32())): never handed to node.
  const survives = ([, v]: [string, unknown]): boolean => !Object.is(v, -0) && !(typeof v === 'number' && v >= 2 ** 31 && v <= 2 ** 32 - 1);
  it.each(flags.filter(survives))('flags %s', async (_l, f) => {
    await expectParity(ringOutcome(() => ring.open(GONE, f as string)), nodeAsync(() => fsp.open(GONE, f as string)));
  });

  const modes: [string, unknown][] = [
    ...everything,
    ["'777'", '777'],
    ["'0o777'", '0o777'],
    ["'8'", '8'],
    ["'-1'", '-1'],
    ["' 7'", ' 7'],
    ["'77777777777' (> uint32)", '77777777777'],
  ];
  it.each(modes.filter(survives))('mode %s', async (_l, m) => {
    await expectParity(ringOutcome(() => ring.open(GONE, 'r', m as number)), nodeAsync(() => fsp.open(GONE, 'r', m as number)));
    await expectParity(ringOutcome(() => ring.mkdir(GONE, { mode: m as number })), nodeAsync(() => fsp.mkdir(GONE, { mode: m as number })));
    if (typeof m === 'number' || typeof m === 'string') {
      await expectParity(ringOutcome(() => ring.mkdir(GONE, m)), nodeAsync(() => fsp.mkdir(GONE, m)));
    }
  });

  // Under /dev/null (a file) even a recursive mkdir fails (ENOTDIR): nothing is made.
  it.each(everything.filter(([, v]) => v !== undefined))('mkdir options.recursive %s', async (_l, r) => {
    const p = '/dev/null/uring-fs/x';
    await expectParity(ringOutcome(() => ring.mkdir(p, { recursive: r as boolean })), nodeAsync(() => fsp.mkdir(p, { recursive: r as boolean })));
  });

  it('mkdir reads its options before it checks the path, as node:fs does', async () => {
    const order: string[] = [];
    const opts = {
      get recursive(): boolean {
        order.push('recursive');
        return false;
      },
      get mode(): number {
        order.push('mode');
        return 0o777;
      },
    };
    await expectParity(ringOutcome(() => ring.mkdir(5 as never, opts)), nodeAsync(() => fsp.mkdir(5 as never, opts)));
    expect(order).toEqual(['recursive', 'mode', 'recursive', 'mode']);
  });
});

describe('ftruncate len: as fs.ftruncate checks it, before the fd', () => {
  it.each(everything.filter(([, v]) => typeof v !== 'function' && v !== undefined))('%s', async (_l, len) => {
    await expectParity(ringOutcome(() => ring.ftruncate(NEVER, len as number)), nodeCb((cb) => fs.ftruncate(NEVER, len as number, cb)));
    // Both wrong: node names len.
    await expectParity(ringOutcome(() => ring.ftruncate('x' as never, len as number)), nodeCb((cb) => fs.ftruncate('x' as never, len as number, cb)));
  });
});

describe('stat options: as node:fs/promises takes them', () => {
  it.each([...everything, ['{bigint: 1}', { bigint: 1 }]] as [string, unknown][])('%s', async (_l, o) => {
    await expectParity(ringOutcome(() => ring.stat('/', o as never)), nodeAsync(() => fsp.stat('/', o as never)));
  });
});

describe('fstat options: as fs.fstat takes them', () => {
  // (A function is fs.fstat's callback.)
  it.each([...everything, ['{bigint: 1}', { bigint: 1 }]].filter(([, v]) => typeof v !== 'function') as [string, unknown][])('%s', async (_l, o) => {
    const fd = fx.openSync('/dev/null');
    await expectParity(ringOutcome(() => ring.fstat(fd, o as never)), nodeCb((cb) => fs.fstat(fd, o as never, cb)));
  });
});

describe('arguments node:fs has no counterpart for: node’s check with the same rule, under their name', () => {
  // (undefined is the default mode, 0.)
  it.each(everything.filter(([, v]) => !isFd(v) && v !== undefined))('fallocate mode %s, as fs.read checks an fd', async (_l, m) => {
    const ours = await ringOutcome(() => ring.fallocate(NEVER, 0, 1, m as number));
    const theirs = await nodeCb((cb) => fs.read(m as number, BUF, 0, 4, 0, cb));
    expect(ours.threw && theirs.threw).toBe(true);
    if (ours.threw && theirs.threw) {
      expect(ours.err.constructor).toBe(theirs.err.constructor);
      expect(ours.err.code).toBe(theirs.err.code);
      expect(ours.err.message).toBe(theirs.err.message.replace('"fd"', '"mode"'));
    }
  });

  it.each(everything.filter(([, v]) => !(Number.isSafeInteger(v) && (v as number) >= 0)))('fallocate offset and len %s', async (_l, v) => {
    for (const [name, call] of [
      ['offset', () => ring.fallocate(NEVER, v as number, 1)],
      ['len', () => ring.fallocate(NEVER, 0, v as number)],
    ] as const) {
      const o = await ringOutcome(call);
      expect(o.threw, `${name} ${show(v)}`).toBe(true);
      if (!o.threw) continue;
      if (typeof v === 'number') {
        expect(o.err).toBeInstanceOf(RangeError);
        expect(o.err.code).toBe('ERR_OUT_OF_RANGE');
        expect(o.err.message).toMatch(new RegExp(`^The value of "${name}" is out of range\\. It must be (an integer|>= 0 && <= 9007199254740991)\\. Received `));
      } else {
        expect(o.err).toBeInstanceOf(TypeError);
        expect(o.err.code).toBe('ERR_INVALID_ARG_TYPE');
        expect(o.err.message).toMatch(new RegExp(`^The "${name}" argument must be of type number\\. Received `));
      }
    }
  });

  it('batch entries: the error names the entry, and carries its index', async () => {
    const o = await ringOutcome(() => ring.batch([{ op: 'nop' }, { op: 'read', fd: 'x', buffer: BUF } as never]));
    expect(o.threw).toBe(true);
    if (!o.threw) return;
    expect(o.err.message).toBe(`The "ops[1].fd" property must be of type number. Received type string ('x')`);
    expect((o.err as Failure & { index?: number }).index).toBe(1);
  });
});
