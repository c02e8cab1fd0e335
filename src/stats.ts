// fs.Stats / fs.BigIntStats from a Linux `struct statx`, identical to node:fs's.
//
// Node gets stats from libuv, which (Linux, uv__fs_statx) asks statx(2) for
// STATX_BASIC_STATS | STATX_BTIME and copies the fields into a uv_stat_t, joining the
// device numbers with glibc's makedev(). Node then copies uv_stat_t into a Float64Array
// (or BigInt64Array, via int64_t) and builds Stats from it (lib/internal/fs/utils.js).
// We do the same arithmetic on the statx buffer, so every field is bit-identical.
//
// The objects get node's own prototypes (taken from real fs.statSync results at load),
// so `instanceof fs.Stats`, `isFile()` and friends behave as node's; the deprecated
// `new fs.Stats()` is never called.

import { statSync } from 'node:fs';
import { endianness } from 'node:os';
import type { BigIntStats, Stats } from 'node:fs';

/** Bytes in a `struct statx` (<linux/stat.h>). */
export const STATX_SIZE = 256;
/** The `mask` libuv passes to statx(2): STATX_BASIC_STATS | STATX_BTIME. Use the same. */
export const STATX_MASK = 0x0fff;

// Offsets in struct statx (verified against /usr/include/linux/stat.h).
const STX_BLKSIZE = 4; // u32
const STX_NLINK = 16; // u32
const STX_UID = 20; // u32
const STX_GID = 24; // u32
const STX_MODE = 28; // u16
const STX_INO = 32; // u64
const STX_SIZE = 40; // u64
const STX_BLOCKS = 48; // u64
const STX_ATIME = 64; // { s64 tv_sec; u32 tv_nsec; s32 pad }
const STX_BTIME = 80;
const STX_CTIME = 96;
const STX_MTIME = 112;
const STX_RDEV_MAJOR = 128; // u32 each
const STX_RDEV_MINOR = 132;
const STX_DEV_MAJOR = 136;
const STX_DEV_MINOR = 140;

// statx is filled in the CPU's byte order.
const LE = endianness() === 'LE';
const HI = LE ? 4 : 0; // where the high half of a 64-bit field sits
const LO = LE ? 0 : 4;

const TWO_32 = 4294967296;
const TWO_44 = 17592186044416;

// Node builds Stats from one stat call's prototypes; so do we. '/' always exists.
const sampleStats = statSync('/');
const sampleBigIntStats = statSync('/', { bigint: true });
const StatsPrototype: object = Object.getPrototypeOf(sampleStats);
const BigIntStatsPrototype: object = Object.getPrototypeOf(sampleBigIntStats);
// Node 20 sets atime/mtime/ctime/birthtime as own Date fields; later Node versions make
// them lazy getters on the prototype (computed from *Ms). Mirror whichever this node does.
const eagerDates = Object.prototype.hasOwnProperty.call(sampleStats, 'atime');
// Node 26 also keeps each time's nanoseconds (tv_nsec) under symbol keys, after the *Ms
// fields, for its Temporal getters. Found by name on a real Stats, where this node has them.
const partialNsKeys = ['atime', 'mtime', 'ctime', 'birthtime'].map((t) =>
  Object.getOwnPropertySymbols(sampleStats).find((k) => (k.description ?? '').toLowerCase().endsWith(`partial${t}ns`)),
);
const partialNs = partialNsKeys.every((k) => k !== undefined) ? (partialNsKeys as symbol[]) : null;

// Plain constructors whose prototype is node's: `new` gives objects with node's
// prototype and a stable hidden class, and assigning fields in node's order gives
// node's key order (dev … blocks, *Ms, [*Ns,] then the Dates).
function NumberStats(
  this: Stats,
  dev: number, mode: number, nlink: number, uid: number, gid: number, rdev: number,
  blksize: number, ino: number, size: number, blocks: number,
  atimeMs: number, mtimeMs: number, ctimeMs: number, birthtimeMs: number,
  atimeNsec: number, mtimeNsec: number, ctimeNsec: number, birthtimeNsec: number,
): void {
  this.dev = dev;
  this.mode = mode;
  this.nlink = nlink;
  this.uid = uid;
  this.gid = gid;
  this.rdev = rdev;
  this.blksize = blksize;
  this.ino = ino;
  this.size = size;
  this.blocks = blocks;
  this.atimeMs = atimeMs;
  this.mtimeMs = mtimeMs;
  this.ctimeMs = ctimeMs;
  this.birthtimeMs = birthtimeMs;
  if (partialNs) {
    const self = this as unknown as Record<symbol, number>;
    self[partialNs[0]] = atimeNsec;
    self[partialNs[1]] = mtimeNsec;
    self[partialNs[2]] = ctimeNsec;
    self[partialNs[3]] = birthtimeNsec;
  }
  if (eagerDates) {
    // node's dateFromMs: Date() would truncate; node rounds.
    this.atime = new Date(Math.round(atimeMs));
    this.mtime = new Date(Math.round(mtimeMs));
    this.ctime = new Date(Math.round(ctimeMs));
    this.birthtime = new Date(Math.round(birthtimeMs));
  }
}
NumberStats.prototype = StatsPrototype;

function BigIntStatsFromNs(
  this: BigIntStats,
  dev: bigint, mode: bigint, nlink: bigint, uid: bigint, gid: bigint, rdev: bigint,
  blksize: bigint, ino: bigint, size: bigint, blocks: bigint,
  atimeNs: bigint, mtimeNs: bigint, ctimeNs: bigint, birthtimeNs: bigint,
): void {
  this.dev = dev;
  this.mode = mode;
  this.nlink = nlink;
  this.uid = uid;
  this.gid = gid;
  this.rdev = rdev;
  this.blksize = blksize;
  this.ino = ino;
  this.size = size;
  this.blocks = blocks;
  this.atimeMs = atimeNs / 1_000_000n;
  this.mtimeMs = mtimeNs / 1_000_000n;
  this.ctimeMs = ctimeNs / 1_000_000n;
  this.birthtimeMs = birthtimeNs / 1_000_000n;
  this.atimeNs = atimeNs;
  this.mtimeNs = mtimeNs;
  this.ctimeNs = ctimeNs;
  this.birthtimeNs = birthtimeNs;
  if (eagerDates) {
    this.atime = new Date(Math.round(Number(this.atimeMs)));
    this.mtime = new Date(Math.round(Number(this.mtimeMs)));
    this.ctime = new Date(Math.round(Number(this.ctimeMs)));
    this.birthtime = new Date(Math.round(Number(this.birthtimeMs)));
  }
}
BigIntStatsFromNs.prototype = BigIntStatsPrototype;

type NumberStatsCtor = new (...fields: Parameters<typeof NumberStats>) => Stats;
type BigIntStatsCtor = new (...fields: Parameters<typeof BigIntStatsFromNs>) => BigIntStats;
const NewNumberStats = NumberStats as unknown as NumberStatsCtor;
const NewBigIntStats = BigIntStatsFromNs as unknown as BigIntStatsCtor;

// The last DataView, reused while the caller keeps handing us the same memory (a
// native results buffer), which keeps the hot path allocation-free but for the result.
let cachedView: DataView | undefined;
let cachedBuffer: ArrayBufferLike | undefined;
let cachedOffset = -1;

function viewOf(buf: Uint8Array): DataView {
  if (buf.buffer !== cachedBuffer || buf.byteOffset !== cachedOffset || cachedView === undefined) {
    cachedView = new DataView(buf.buffer, buf.byteOffset, STATX_SIZE);
    cachedBuffer = buf.buffer;
    cachedOffset = buf.byteOffset;
  }
  return cachedView;
}

// uint64 → double, rounded once, exactly like C++'s static_cast<double>(uint64_t):
// hi * 2^32 is exact, so the sum is the only rounding.
function u64(v: DataView, off: number): number {
  return v.getUint32(off + HI, LE) * TWO_32 + v.getUint32(off + LO, LE);
}

// int64 → double, as static_cast<double>(int64_t).
function i64(v: DataView, off: number): number {
  return v.getInt32(off + HI, LE) * TWO_32 + v.getUint32(off + LO, LE);
}

// glibc makedev() as a double: bits 0-43 (exact) plus bits 44-63, one rounding.
function makedev(major: number, minor: number): number {
  const low = (major & 0xfff) * 256 + (minor & 0xff) + (minor >>> 8) * 1048576;
  return (major >>> 12) * TWO_44 + low;
}

// glibc makedev() as node's BigInt64Array holds it (static_cast<int64_t>).
function makedevBig(major: number, minor: number): bigint {
  if (major < 0x200000) return BigInt(makedev(major, minor)); // < 2^53: exact
  const low = (major & 0xfff) * 256 + (minor & 0xff) + (minor >>> 8) * 1048576;
  return BigInt.asIntN(64, (BigInt(major >>> 12) << 44n) | BigInt(low));
}

// node's msFromTimeSpec(sec, nsec), on the doubles node's Float64Array would hold.
function ms(v: DataView, off: number): number {
  return i64(v, off) * 1000 + v.getUint32(off + 8, LE) / 1000000;
}

// node's nsFromTimeSpecBigInt; tv_sec goes through double first, as in node's
// FillStatsArray (static_cast<double> then int64_t), which only matters past 2^53 s.
function ns(v: DataView, off: number): bigint {
  return BigInt(i64(v, off)) * 1_000_000_000n + BigInt(v.getUint32(off + 8, LE));
}

/**
 * Builds what node:fs's stat calls return from a `struct statx` (256 bytes, native
 * endianness, as statx(2) / IORING_OP_STATX fill it with mask STATX_MASK).
 */
export function statsFromStatx(buf: Uint8Array, bigint: false): Stats;
export function statsFromStatx(buf: Uint8Array, bigint: true): BigIntStats;
export function statsFromStatx(buf: Uint8Array, bigint: boolean): Stats | BigIntStats;
export function statsFromStatx(buf: Uint8Array, bigint: boolean): Stats | BigIntStats {
  if (buf.byteLength < STATX_SIZE) {
    throw new RangeError(`A struct statx needs ${STATX_SIZE} bytes, got ${buf.byteLength}`);
  }
  const v = viewOf(buf);
  if (!bigint) {
    return new NewNumberStats(
      makedev(v.getUint32(STX_DEV_MAJOR, LE), v.getUint32(STX_DEV_MINOR, LE)),
      v.getUint16(STX_MODE, LE),
      v.getUint32(STX_NLINK, LE),
      v.getUint32(STX_UID, LE),
      v.getUint32(STX_GID, LE),
      makedev(v.getUint32(STX_RDEV_MAJOR, LE), v.getUint32(STX_RDEV_MINOR, LE)),
      v.getUint32(STX_BLKSIZE, LE),
      u64(v, STX_INO),
      u64(v, STX_SIZE),
      u64(v, STX_BLOCKS),
      ms(v, STX_ATIME),
      ms(v, STX_MTIME),
      ms(v, STX_CTIME),
      ms(v, STX_BTIME),
      v.getUint32(STX_ATIME + 8, LE),
      v.getUint32(STX_MTIME + 8, LE),
      v.getUint32(STX_CTIME + 8, LE),
      v.getUint32(STX_BTIME + 8, LE),
    );
  }
  return new NewBigIntStats(
    makedevBig(v.getUint32(STX_DEV_MAJOR, LE), v.getUint32(STX_DEV_MINOR, LE)),
    BigInt(v.getUint16(STX_MODE, LE)),
    BigInt(v.getUint32(STX_NLINK, LE)),
    BigInt(v.getUint32(STX_UID, LE)),
    BigInt(v.getUint32(STX_GID, LE)),
    makedevBig(v.getUint32(STX_RDEV_MAJOR, LE), v.getUint32(STX_RDEV_MINOR, LE)),
    BigInt(v.getUint32(STX_BLKSIZE, LE)),
    // uint64 → int64_t, as node's BigInt64Array stores it.
    v.getBigInt64(STX_INO, LE),
    v.getBigInt64(STX_SIZE, LE),
    v.getBigInt64(STX_BLOCKS, LE),
    ns(v, STX_ATIME),
    ns(v, STX_MTIME),
    ns(v, STX_CTIME),
    ns(v, STX_BTIME),
  );
}
