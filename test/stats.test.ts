// Parity of src/stats.ts with node:fs. Real files: their struct statx is rebuilt from
// fs.statSync(p, {bigint: true}) and our Stats must equal fs.statSync(p) and the bigint
// form field for field, bit for bit. Edge values no real file has (huge device numbers,
// inodes past 2^63, pre-1970 times...) are checked against node's own Stats/BigIntStats
// constructors fed exactly what node's C++ would feed them.

import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import * as net from 'node:net';
import { statsFromStatx, STATX_SIZE, STATX_MASK } from '../src/stats';

const LE = os.endianness() === 'LE';
const NS = 1_000_000_000n;

interface Statx {
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  blksize: number;
  ino: bigint; // uint64
  size: bigint;
  blocks: bigint;
  atime: [bigint, number]; // [tv_sec (int64), tv_nsec]
  btime: [bigint, number];
  ctime: [bigint, number];
  mtime: [bigint, number];
  rdev: [number, number]; // [major, minor]
  dev: [number, number];
}

// Lays out a struct statx as <linux/stat.h> does.
function statxBuffer(s: Statx, into?: Uint8Array): Uint8Array {
  const buf = into ?? new Uint8Array(STATX_SIZE);
  buf.fill(0xee); // junk in the padding/unused fields: they must be ignored
  const v = new DataView(buf.buffer, buf.byteOffset, STATX_SIZE);
  v.setUint32(0, STATX_MASK, LE);
  v.setUint32(4, s.blksize, LE);
  v.setBigUint64(8, 0n, LE);
  v.setUint32(16, s.nlink, LE);
  v.setUint32(20, s.uid, LE);
  v.setUint32(24, s.gid, LE);
  v.setUint16(28, s.mode, LE);
  v.setBigUint64(32, s.ino, LE);
  v.setBigUint64(40, s.size, LE);
  v.setBigUint64(48, s.blocks, LE);
  const ts = (off: number, [sec, nsec]: [bigint, number]): void => {
    v.setBigInt64(off, sec, LE);
    v.setUint32(off + 8, nsec, LE);
    v.setInt32(off + 12, 0, LE);
  };
  ts(64, s.atime);
  ts(80, s.btime);
  ts(96, s.ctime);
  ts(112, s.mtime);
  v.setUint32(128, s.rdev[0], LE);
  v.setUint32(132, s.rdev[1], LE);
  v.setUint32(136, s.dev[0], LE);
  v.setUint32(140, s.dev[1], LE);
  return buf;
}

// glibc's major()/minor(), to split a dev_t back into what statx reports.
function split(dev: bigint): [number, number] {
  const d = BigInt.asUintN(64, dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n);
  const minor = (d & 0xffn) | ((d >> 12n) & 0xffffff00n);
  return [Number(major), Number(minor)];
}

function timespec(ns: bigint): [bigint, number] {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    nsec += NS;
    sec -= 1n;
  }
  return [sec, Number(nsec)];
}

function statxOf(b: fs.BigIntStats): Statx {
  return {
    mode: Number(b.mode),
    nlink: Number(b.nlink),
    uid: Number(b.uid),
    gid: Number(b.gid),
    blksize: Number(b.blksize),
    ino: BigInt.asUintN(64, b.ino),
    size: BigInt.asUintN(64, b.size),
    blocks: BigInt.asUintN(64, b.blocks),
    atime: timespec(b.atimeNs),
    btime: timespec(b.birthtimeNs),
    ctime: timespec(b.ctimeNs),
    mtime: timespec(b.mtimeNs),
    rdev: split(b.rdev),
    dev: split(b.dev),
  };
}

const methods = ['isFile', 'isDirectory', 'isBlockDevice', 'isCharacterDevice', 'isSymbolicLink', 'isFIFO', 'isSocket'] as const;

// Same prototype, same own keys in the same order with the same descriptors, every
// value identical (Object.is: bit-identical numbers), Dates equal, methods agree,
// util.inspect prints them the same.
function expectIdentical(ours: object, theirs: object): void {
  expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(theirs));
  expect(Reflect.ownKeys(ours)).toEqual(Reflect.ownKeys(theirs));
  const a = ours as Record<string, unknown>;
  const b = theirs as Record<string, unknown>;
  for (const key of Object.keys(theirs)) {
    const x = a[key];
    const y = b[key];
    if (y instanceof Date) {
      expect(x).toBeInstanceOf(Date);
      expect(Object.is((x as Date).getTime(), y.getTime()), `${key}: ${String(x)} vs ${String(y)}`).toBe(true);
    } else {
      expect(Object.is(x, y), `${key}: ${String(x)} vs ${String(y)}`).toBe(true);
    }
    const dx = Object.getOwnPropertyDescriptor(ours, key);
    const dy = Object.getOwnPropertyDescriptor(theirs, key);
    expect({ ...dx, value: undefined }).toEqual({ ...dy, value: undefined });
  }
  // Lazily computed Date getters (newer node) must agree too.
  for (const key of ['atime', 'mtime', 'ctime', 'birthtime']) {
    expect(Object.is((a[key] as Date).getTime(), (b[key] as Date).getTime())).toBe(true);
  }
  for (const m of methods) {
    expect((a[m] as () => boolean).call(ours), m).toBe((b[m] as () => boolean).call(theirs));
  }
  expect(util.inspect(ours)).toBe(util.inspect(theirs));
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-stats-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const file = path.join(tmp, 'file');
fs.writeFileSync(file, 'x'.repeat(10_000));
fs.utimesSync(file, 1_234_567_890.123456, 987_654_321.999); // fractional times, 1970s/2000s
const old = path.join(tmp, 'pre-1970');
fs.writeFileSync(old, '');
fs.utimesSync(old, -1_000_000.5, -0.25); // negative times with a fraction
const empty = path.join(tmp, 'empty');
fs.writeFileSync(empty, '');
const link = path.join(tmp, 'link');
fs.symlinkSync(file, link);
const dirPath = path.join(tmp, 'dir');
fs.mkdirSync(dirPath);
const sockPath = path.join(tmp, 'sock');

type Target = [label: string, p: string, lstat: boolean];
const targets: Target[] = [
  ['regular file', file, false],
  ['pre-1970 file', old, false],
  ['empty file', empty, false],
  ['directory', dirPath, false],
  ['symlink (lstat)', link, true],
  ['symlink (stat)', link, false],
  ['/dev/null (char device, rdev)', '/dev/null', false],
  ['/dev/zero', '/dev/zero', false],
  ['/', '/', false],
  ['/proc/self (procfs)', '/proc/self', false],
  ['/proc/self (lstat)', '/proc/self', true],
  ['os.tmpdir()', os.tmpdir(), false],
  ['node binary', process.execPath, false],
];
// A block device, if the container exposes one.
const block = ['/dev/loop0', '/dev/sda', '/dev/vda', '/dev/nvme0n1'].find((p) => {
  try {
    return fs.statSync(p).isBlockDevice();
  } catch {
    return false;
  }
});
if (block) targets.push(['block device', block, false]);

describe('statsFromStatx equals fs.statSync for real files', () => {
  it.each(targets)('%s', (_l, p, lstat) => {
    const stat = lstat ? fs.lstatSync : fs.statSync;
    const big = stat(p, { bigint: true });
    const num = stat(p);
    const buf = statxBuffer(statxOf(big));
    const ours = statsFromStatx(buf, false);
    const oursBig = statsFromStatx(buf, true);
    expect(ours).toBeInstanceOf(fs.Stats);
    expect(oursBig).not.toBeInstanceOf(fs.Stats); // as node's BigIntStats
    expectIdentical(ours, num);
    expectIdentical(oursBig, big);
  });

  it('a socket', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sockPath, resolve));
    try {
      const big = fs.statSync(sockPath, { bigint: true });
      const ours = statsFromStatx(statxBuffer(statxOf(big)), false);
      expect(ours.isSocket()).toBe(true);
      expectIdentical(ours, fs.statSync(sockPath));
      expectIdentical(statsFromStatx(statxBuffer(statxOf(big)), true), big);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads a statx at any offset of a larger buffer, and re-reads reused memory', () => {
    const shared = new Uint8Array(STATX_SIZE * 3 + 3);
    for (const [, p] of targets.slice(0, 4)) {
      for (const offset of [0, 3, STATX_SIZE + 1, 2 * STATX_SIZE + 3]) {
        const view = shared.subarray(offset, offset + STATX_SIZE);
        const big = fs.statSync(p, { bigint: true });
        statxBuffer(statxOf(big), view);
        expectIdentical(statsFromStatx(view, true), big);
        expectIdentical(statsFromStatx(view, false), fs.statSync(p));
      }
    }
    // A Buffer from node's pool (non-zero byteOffset into a shared slab).
    const pooled = Buffer.from(statxBuffer(statxOf(fs.statSync(file, { bigint: true }))));
    expectIdentical(statsFromStatx(pooled, false), fs.statSync(file));
  });

  it('rejects a buffer too short for a struct statx', () => {
    expect(() => statsFromStatx(new Uint8Array(100), false)).toThrow(RangeError);
  });
});

// What node's C++ (FillStatsArray) + getStatsFromBinding would build from these fields,
// using node's own constructors. Number(bigint) rounds to nearest-even, as
// static_cast<double>(uint64_t) does.
const BigIntStatsCtor = Object.getPrototypeOf(fs.statSync('/', { bigint: true })).constructor as new (
  ...args: bigint[]
) => fs.BigIntStats;
// Node's own (not the deprecated public wrapper). Up to Node 24 it takes the four times
// in milliseconds; Node 26 takes each as (seconds, nanoseconds), as C++ fills them.
const StatsCtor = Object.getPrototypeOf(fs.statSync('/')).constructor as new (...args: number[]) => fs.Stats;
const timesAsSecNsec = StatsCtor.length === 18;

function makedev([major, minor]: [number, number]): bigint {
  const M = BigInt(major);
  const m = BigInt(minor);
  return ((M & 0xfffn) << 8n) | ((M & 0xfffff000n) << 32n) | (m & 0xffn) | ((m & 0xffffff00n) << 12n);
}

function nodeStats(s: Statx): fs.Stats {
  const ms = ([sec, nsec]: [bigint, number]): number => Number(sec) * 1000 + nsec / 1_000_000;
  const times = timesAsSecNsec
    ? [s.atime, s.mtime, s.ctime, s.btime].flatMap(([sec, nsec]) => [Number(sec), nsec])
    : [ms(s.atime), ms(s.mtime), ms(s.ctime), ms(s.btime)];
  return new StatsCtor(
    Number(makedev(s.dev)), s.mode, s.nlink, s.uid, s.gid, Number(makedev(s.rdev)), s.blksize,
    Number(s.ino), Number(s.size), Number(s.blocks),
    ...times,
  );
}

function nodeBigIntStats(s: Statx): fs.BigIntStats {
  const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);
  // tv_sec goes through a double before the int64 array, as in node.
  const ns = ([sec, nsec]: [bigint, number]): bigint => BigInt(Number(sec)) * NS + BigInt(nsec);
  return new BigIntStatsCtor(
    i64(makedev(s.dev)), BigInt(s.mode), BigInt(s.nlink), BigInt(s.uid), BigInt(s.gid),
    i64(makedev(s.rdev)), BigInt(s.blksize), i64(s.ino), i64(s.size), i64(s.blocks),
    ns(s.atime), ns(s.mtime), ns(s.ctime), ns(s.btime),
  );
}

const base: Statx = {
  mode: 0o100644,
  nlink: 1,
  uid: 1000,
  gid: 1000,
  blksize: 4096,
  ino: 12345n,
  size: 10n,
  blocks: 8n,
  atime: [1_700_000_000n, 123_456_789],
  btime: [1_600_000_000n, 1],
  ctime: [1_700_000_001n, 999_999_999],
  mtime: [1_700_000_002n, 500_000],
  rdev: [0, 0],
  dev: [8, 1],
};

const S_IFMT = fs.constants.S_IFMT;
const edge: [string, Partial<Statx>][] = [
  ['baseline', {}],
  ['dev major >= 4096 and minor >= 256', { dev: [0x12345, 0xabcdef] }],
  ['dev past 2^53 (rounds as a double, exact as bigint)', { dev: [0x300000, 0x12345678] }],
  ['dev = 2^64 - 1 (negative as int64)', { dev: [0xffffffff, 0xffffffff] }],
  ['rdev of a char device', { mode: fs.constants.S_IFCHR | 0o666, rdev: [1, 3] }],
  ['rdev of a block device, big numbers', { mode: fs.constants.S_IFBLK | 0o660, rdev: [259, 0x1ffff] }],
  ['ino 2^53 + 1 (rounds to even)', { ino: 2n ** 53n + 1n }],
  ['ino 2^53 + 3 (rounds up)', { ino: 2n ** 53n + 3n }],
  ['ino 2^63 + 5 (negative as int64)', { ino: 2n ** 63n + 5n }],
  ['size 2^64 - 1', { size: 2n ** 64n - 1n, blocks: 2n ** 60n + 7n }],
  ['uid/gid 2^32 - 1', { uid: 0xffffffff, gid: 0xfffffffe }],
  ['nlink 2^32 - 1', { nlink: 0xffffffff }],
  ['blksize 2^31', { blksize: 2 ** 31 }],
  ['no birth time (zeroed)', { btime: [0n, 0] }],
  ['times before 1970', { atime: [-1n, 500_000], mtime: [-1_000_000n, 999_999_999], ctime: [-86_400n, 0] }],
  ['half-millisecond rounding', { atime: [0n, 500_000], mtime: [0n, 1_500_000], ctime: [-1n, 999_500_000] }],
  ['sub-ms nanoseconds', { atime: [1_700_000_000n, 1], mtime: [1_700_000_000n, 999_999] }],
  ['far future (2^40 s)', { atime: [2n ** 40n, 123], mtime: [-(2n ** 40n), 7] }],
  ['past Date range (2^45 s)', { atime: [2n ** 45n, 0] }],
  ['tv_sec past 2^53 (through a double, as node)', { mtime: [2n ** 53n + 1n, 5] }],
  ...(
    [
      ['directory', fs.constants.S_IFDIR | 0o755],
      ['symlink', fs.constants.S_IFLNK | 0o777],
      ['fifo', fs.constants.S_IFIFO | 0o644],
      ['socket', fs.constants.S_IFSOCK | 0o755],
      ['setuid/sticky bits', fs.constants.S_IFREG | 0o7777],
      ['no type bits', 0o644],
      ['all mode bits', 0xffff],
    ] as [string, number][]
  ).map(([l, mode]): [string, Partial<Statx>] => [`mode: ${l}`, { mode }]),
];

describe("statsFromStatx equals node's own constructors on edge values", () => {
  it.each(edge)('%s', (_l, patch) => {
    const s: Statx = { ...base, ...patch };
    const buf = statxBuffer(s);
    const ours = statsFromStatx(buf, false);
    expectIdentical(ours, nodeStats(s));
    expectIdentical(statsFromStatx(buf, true), nodeBigIntStats(s));
    expect(ours.isFile()).toBe((s.mode & S_IFMT) === fs.constants.S_IFREG);
  });
});
