// Argument validation with node:fs's own errors.
//
// Each check is a fast test of what is valid (a typeof and a comparison or two for the
// common case) and, only for what it refuses, the error node:fs throws for the same
// value on the running Node: provoked through a node:fs call that applies the same
// validator to it and can have no effect, because its other arguments are valid and it
// stops at an invalid callback (NOT_A_CALLBACK) or at a syscall on a target that cannot
// exist (fd 2^31-1, path ''). No message text is kept here: Node 20 to 26 word some of
// these differently (and check some positions in another order), and this follows.
//
// Arguments node:fs has no counterpart for (ring options, batch entries, fallocate's)
// get the error of the node validator with the same rule, under their own name.

import * as fs from 'node:fs';
import { createHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isUint8Array } from 'node:util/types';

import { NOT_A_CALLBACK, argumentError, forArgument, nodeRejection, reanchor } from './errors';
import type { StackAnchor } from './errors';

const { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_SYNC, O_TRUNC, O_WRONLY } = fs.constants;

/** An fd number that is never open (above any RLIMIT_NOFILE): a syscall on it fails EBADF. */
const NEVER_FD = 0x7fffffff;
const EMPTY = Buffer.alloc(0);
const NO_CB = NOT_A_CALLBACK as never;
/** The most node:fs reads in one call. */
const kIoMaxLength = 2 ** 31 - 1;
const kMaxInt64 = 2n ** 63n - 1n;

// ---------------------------------------------------------------------------
// File descriptors

function isFd(v: unknown): v is number {
  // (v | 0) === v: an int32 (so not NaN, ±Infinity, a fraction or >= 2^31); -0 passes.
  return typeof v === 'number' && (v | 0) === v && v >= 0;
}

/**
 * An fd as fs.read, fs.write, fs.readv and fs.writev check it (in JavaScript:
 * `getValidatedFd`): an int32 >= 0, -0 read as 0. Returns the fd. Also the check for our
 * own arguments with the same rule (`name`: fallocate's `mode`, ring options).
 */
export function validateFd(fd: unknown, name = 'fd'): number {
  if (isFd(fd)) return fd | 0;
  throw argumentError(() => fs.writev(fd as number, [], NO_CB), fd, name, 'fd', validateFd);
}

// Node 20's C++ fd check aborts the whole process when handed a Symbol (fixed in 22):
// there the ring gives the JavaScript check's error rather than crash as node:fs would.
const nativeFdCheckCrashesOnSymbol = Number(process.versions.node.split('.')[0]) < 22;

/**
 * An fd as fs.close, fs.fstat, fs.fsync, fs.fdatasync and fs.ftruncate check it: in
 * C++, whose messages differ from the JavaScript check's for some values (a bigint is
 * shown without its `n`, a symbol without its type). Returns the fd.
 */
export function validateNativeFd(fd: unknown): number {
  if (isFd(fd)) return fd | 0;
  if (typeof fd === 'symbol' && nativeFdCheckCrashesOnSymbol) {
    throw argumentError(() => fs.writev(fd as never, [], NO_CB), fd, 'fd', 'fd', validateNativeFd);
  }
  // fstat is the harmless one of them: a read-only call, and sync.
  throw argumentError(() => fs.fstatSync(fd as number), fd, 'fd', 'fd', validateNativeFd);
}

// ---------------------------------------------------------------------------
// Buffers

/** A view to read into, as fs.read checks its `buffer`: any ArrayBufferView. */
export function validateReadBuffer(view: unknown, name = 'buffer'): asserts view is ArrayBufferView {
  if (ArrayBuffer.isView(view)) return;
  throw argumentError(() => fs.read(NEVER_FD, view as Buffer, 0, 0, null, NO_CB), view, name, 'buffer', validateReadBuffer);
}

/**
 * A view to write from, as fs.write checks its `buffer`. fs.write also writes strings;
 * the ring writes views only, so a string gets the error fs.read gives it.
 */
export function validateWriteBuffer(view: unknown, name = 'buffer'): asserts view is ArrayBufferView {
  if (ArrayBuffer.isView(view)) return;
  const err = nodeRejection(() => fs.write(NEVER_FD, view as Buffer, NO_CB, NO_CB, NO_CB, NO_CB));
  if (err) throw forArgument(err, name, 'buffer', validateWriteBuffer);
  throw argumentError(() => fs.read(NEVER_FD, view as Buffer, 0, 0, null, NO_CB), view, name, 'buffer', validateWriteBuffer);
}

/** An array (its entries are checked one by one by the caller), as fs.readv checks its `buffers`. */
export function validateList(views: unknown, name: string): asserts views is unknown[] {
  if (Array.isArray(views)) return;
  throw argumentError(() => fs.readv(NEVER_FD, views as never, NO_CB, NO_CB), views, name, 'buffers', validateList);
}

/** fs.readv's and fs.writev's `buffers`: an array of ArrayBufferViews. Returns a copy of it. */
export function validateViews(views: unknown): ArrayBufferView[] {
  if (Array.isArray(views)) {
    let i = 0;
    // By index, as node's check goes: a hole reads as undefined.
    while (i < views.length && ArrayBuffer.isView(views[i])) i++;
    if (i === views.length) return views.slice() as ArrayBufferView[];
  }
  throw argumentError(() => fs.readv(NEVER_FD, views as never, NO_CB, NO_CB), views, 'buffers', 'buffers', validateViews);
}

// ---------------------------------------------------------------------------
// Positions

/**
 * A read or write position, as fs.read checks it for a read of `length` bytes (the
 * view's, or for readv/writev all the views'), turned into what the kernel gets: -1 for
 * "the file's current position" (`undefined`, `null`, -1, -1n), a number when it is a
 * safe integer, else the bigint.
 *
 * Valid on every Node: an integer in [-1, 2^53-1], a bigint in [-1n, 2^63-1-length].
 * Anything else is for the running Node to judge: Node 20 also takes any int64 bigint
 * (a negative one meaning the current position, as libuv reads it), and Node 20 and 22
 * check no position at all for a zero-length read (24 and later do).
 */
export function normalizePosition(position: unknown, length: number, kind: 'read' | 'write' = 'read'): number | bigint {
  if (position == null) return -1;
  if (typeof position === 'number') {
    if (Number.isSafeInteger(position) && position >= -1) return position === 0 ? 0 : position; // -0 → 0
  } else if (typeof position === 'bigint') {
    if (position >= -1n && position <= kMaxInt64 - BigInt(Math.min(length, kIoMaxLength))) return bigintPosition(position);
  }
  const n = Math.min(length, kIoMaxLength);
  // As fs.read checks it; for a zero length, a write's as fs.write checks it (they
  // differ there: Node 24 and later check a read's position, not a write's).
  const buf = n === 0 ? EMPTY : new Uint8Array(n);
  const err = nodeRejection(() =>
    kind === 'write' && n === 0 ? fs.writeSync(NEVER_FD, buf, 0, 0, position as number) : fs.readSync(NEVER_FD, buf, 0, n, position as number),
  );
  if (err) throw forArgument(err, 'position', 'position', normalizePosition);
  // This Node took it (its read would have failed at the syscall, with EBADF).
  // A bigint past 2^63-1 (taken only for a zero length) reaches libuv as a
  // negative int64, which it treats as the current position: so do we.
  return typeof position === 'bigint' && position >= 0n && position <= kMaxInt64 ? bigintPosition(position) : -1;
}

function bigintPosition(p: bigint): number | bigint {
  if (p === -1n) return -1;
  return p <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(p) : p;
}

/** The bytes a list of views holds. */
export function totalLength(views: readonly ArrayBufferView[]): number {
  let n = 0;
  for (const v of views) n += v.byteLength;
  return n;
}

// ---------------------------------------------------------------------------
// Paths

/**
 * A path as node:fs takes it (`getValidatedPath`): a string, a Uint8Array (returned as a
 * Buffer over the same memory) or a `file:` URL (converted by `url.fileURLToPath`), with
 * no NUL byte. What node:fs takes as a URL, and every error, is node's call.
 */
export function toPathArg(path: unknown, name = 'path'): string | Buffer {
  if (typeof path === 'string') {
    if (!path.includes('\u0000')) return path;
  } else if (isUint8Array(path)) {
    if (!path.includes(0)) return Buffer.isBuffer(path) ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
  }
  const err = nodeRejection(() => fs.open(path as string, 'r', 0o666, NO_CB));
  if (err) throw forArgument(err, name, 'path', toPathArg);
  // node:fs took it as a file: URL.
  return fileURLToPath(path as URL);
}

/**
 * The bytes the kernel gets for `path`, NUL-terminated, in a fresh Buffer: strings are
 * UTF-8 encoded (lone surrogates become U+FFFD, as node's own conversion does). Does not
 * validate: pass what `toPathArg` returned.
 */
export function pathToCString(path: string | Buffer): Buffer {
  // One encode pass over the string with its terminator (measured faster than sizing
  // with Buffer.byteLength and writing into an allocUnsafe buffer).
  if (typeof path === 'string') return Buffer.from(`${path}\0`, 'utf8');
  const out = Buffer.allocUnsafe(path.length + 1);
  path.copy(out, 0);
  out[path.length] = 0;
  return out;
}

// ---------------------------------------------------------------------------
// Flags and modes

// The flag strings node:fs takes (documented under "File system flags").
const FLAGS = new Map<string, number>([
  ['r', O_RDONLY],
  ['rs', O_RDONLY | O_SYNC],
  ['sr', O_RDONLY | O_SYNC],
  ['r+', O_RDWR],
  ['rs+', O_RDWR | O_SYNC],
  ['sr+', O_RDWR | O_SYNC],
  ['w', O_TRUNC | O_CREAT | O_WRONLY],
  ['wx', O_TRUNC | O_CREAT | O_WRONLY | O_EXCL],
  ['xw', O_TRUNC | O_CREAT | O_WRONLY | O_EXCL],
  ['w+', O_TRUNC | O_CREAT | O_RDWR],
  ['wx+', O_TRUNC | O_CREAT | O_RDWR | O_EXCL],
  ['xw+', O_TRUNC | O_CREAT | O_RDWR | O_EXCL],
  ['a', O_APPEND | O_CREAT | O_WRONLY],
  ['ax', O_APPEND | O_CREAT | O_WRONLY | O_EXCL],
  ['xa', O_APPEND | O_CREAT | O_WRONLY | O_EXCL],
  ['as', O_APPEND | O_CREAT | O_WRONLY | O_SYNC],
  ['sa', O_APPEND | O_CREAT | O_WRONLY | O_SYNC],
  ['a+', O_APPEND | O_CREAT | O_RDWR],
  ['ax+', O_APPEND | O_CREAT | O_RDWR | O_EXCL],
  ['xa+', O_APPEND | O_CREAT | O_RDWR | O_EXCL],
  ['as+', O_APPEND | O_CREAT | O_RDWR | O_SYNC],
  ['sa+', O_APPEND | O_CREAT | O_RDWR | O_SYNC],
]);

/** Open flags as node:fs takes them: an int32, a flag string, or null/undefined ('r'). */
export function stringToFlags(flags: unknown): number {
  if (typeof flags === 'number') {
    // `| 0` turns -0 into 0 (node passes -0 on, and its C++ CHECK(IsInt32()) aborts the
    // process); every other int32 is unchanged.
    if ((flags | 0) === flags) return flags | 0;
  } else if (flags == null) {
    return O_RDONLY;
  } else if (typeof flags === 'string') {
    const f = FLAGS.get(flags);
    if (f !== undefined) return f;
  }
  throw argumentError(() => fs.openSync('', flags as string, 0o666), flags, 'flags', 'flags', stringToFlags);
}

const octal = /^[0-7]+$/;

/** A mode as node:fs takes it: a uint32 or an octal string (`'755'`); null/undefined: `def`. */
export function parseFileMode(value: unknown, def: number): number {
  const mode = value ?? def;
  if (typeof mode === 'number') {
    // `>>> 0` turns -0 into 0 (node passes -0 on, and its C++ CHECK(IsInt32()) aborts).
    if (Number.isInteger(mode) && mode >= 0 && mode <= 0xffffffff) return mode >>> 0;
  } else if (typeof mode === 'string' && octal.test(mode)) {
    const m = Number.parseInt(mode, 8);
    if (m <= 0xffffffff) return m;
  }
  throw argumentError(() => fs.openSync('', 'r', value as number), value, 'mode', 'mode', parseFileMode);
}

// ---------------------------------------------------------------------------
// Numbers and options

/** A boolean option, checked as fs.mkdir checks `options.recursive`. */
export function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value === 'boolean') return;
  throw argumentError(() => fs.mkdirSync('', { recursive: value as boolean }), value, name, 'options.recursive', validateBoolean);
}

/** A length as fs.ftruncate checks it: a safe integer; negative lengths mean 0. */
export function validateLength(len: unknown): number {
  if (Number.isSafeInteger(len)) return Math.max(0, len as number);
  throw argumentError(() => fs.ftruncateSync(NEVER_FD, len as number), len, 'len', 'len', validateLength);
}

/**
 * A safe integer >= 0 (node's `validateInteger(value, name, 0)`), checked as fs.readSync
 * checks its `offset`; a non-number, which that would read as options or a default, as
 * fs.fchownSync checks its `uid` (the same type check; on fd 2^31-1 it can do nothing).
 */
export function validateOffset(value: unknown, name: string): asserts value is number {
  if (Number.isSafeInteger(value) && (value as number) >= 0) return;
  if (typeof value === 'number') {
    throw argumentError(() => fs.readSync(NEVER_FD, EMPTY, value, 0, null), value, name, 'offset', validateOffset);
  }
  throw argumentError(() => fs.fchownSync(NEVER_FD, value as number, 0), value, name, 'uid', validateOffset);
}

/** An options object (not null, an array or a function), checked as perf_hooks.createHistogram checks its own. */
export function validateObject(value: unknown, name: string): asserts value is object {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return;
  // createHistogram takes undefined for its default; fs.read's options form does not.
  const provoke = value === undefined ? () => fs.read(NEVER_FD, EMPTY, undefined as never, NO_CB) : () => createHistogram(value as never);
  throw argumentError(provoke, value, name, 'options', validateObject);
}

/** A function, checked as fs.readv checks its callback (`cb`). */
export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value === 'function') return;
  throw argumentError(() => fs.readv(NEVER_FD, [], value as never), value, name, 'cb', validateFunction);
}

/**
 * Any int32 (node's `validateInt32(value, name)`): a number as fs.open checks numeric
 * flags, another type as fs.read checks its fd (the same type check).
 */
export function validateInt32(value: unknown, name: string): asserts value is number {
  if (typeof value === 'number') {
    if ((value | 0) === value) return;
    throw argumentError(() => fs.openSync('', value), value, name, 'flags', validateInt32);
  }
  throw argumentError(() => fs.writev(value as number, [], NO_CB), value, name, 'fd', validateInt32);
}

/**
 * A value that must be an instance of one of our own classes (`expected`, as node words
 * the list: `Array, Float64Array, or BigInt64Array`): node's ERR_INVALID_ARG_TYPE for the
 * same value from Buffer.concat's check of its `list`, with our name and list.
 */
export function invalidInstance(value: unknown, name: string, expected: string, anchor: StackAnchor): Error {
  const err = argumentError(() => Buffer.concat(value as never), value, name, 'list', anchor);
  err.message = err.message.replace('an instance of Array', `an instance of ${expected}`);
  reanchor(err, anchor);
  return err;
}

/** An array, checked as Buffer.concat checks its `list`. */
export function validateArray(value: unknown, name: string): asserts value is unknown[] {
  if (Array.isArray(value)) return;
  throw argumentError(() => Buffer.concat(value as never), value, name, 'list', validateArray);
}
