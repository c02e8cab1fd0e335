// Argument validation that throws exactly what node:fs throws for the same input.
//
// Each function mirrors one in Node 20's lib/internal/validators.js or
// lib/internal/fs/utils.js (same checks, same order, same error class, code and
// message), so swapping node:fs for this library never changes an error a caller sees.
// Validation runs in TypeScript before anything reaches the native side.

import { constants as fsConstants, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isUint8Array } from 'node:util/types';
import {
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_OUT_OF_RANGE,
  hideStackFrames,
} from './errors';

const { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_SYNC, O_TRUNC, O_WRONLY } = fsConstants;

// Every validator throws with its own frames cut off (node wraps its validators in
// `hideStackFrames` for the same reason): the stack starts in the caller's code.

/** A signed 32-bit integer in [min, max] (node's `validateInt32`). */
export function validateInt32(
  value: unknown,
  name: string,
  min = -2147483648,
  max = 2147483647,
): asserts value is number {
  if (typeof value !== 'number') {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, 'number', value), validateInt32);
  }
  if (!Number.isInteger(value)) {
    throw hideStackFrames(ERR_OUT_OF_RANGE(name, 'an integer', value), validateInt32);
  }
  if (value < min || value > max) {
    throw hideStackFrames(ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value), validateInt32);
  }
}

/** An unsigned 32-bit integer, at least 1 if `positive` (node's `validateUint32`). */
export function validateUint32(value: unknown, name: string, positive = false): asserts value is number {
  if (typeof value !== 'number') {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, 'number', value), validateUint32);
  }
  if (!Number.isInteger(value)) {
    throw hideStackFrames(ERR_OUT_OF_RANGE(name, 'an integer', value), validateUint32);
  }
  const min = positive ? 1 : 0;
  const max = 4_294_967_295;
  if (value < min || value > max) {
    throw hideStackFrames(ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value), validateUint32);
  }
}

/** A safe integer in [min, max] (node's `validateInteger`). */
export function validateInteger(
  value: unknown,
  name: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== 'number') {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, 'number', value), validateInteger);
  }
  if (!Number.isInteger(value)) {
    throw hideStackFrames(ERR_OUT_OF_RANGE(name, 'an integer', value), validateInteger);
  }
  if (value < min || value > max) {
    throw hideStackFrames(ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value), validateInteger);
  }
}

/** node's `validateBoolean`. */
export function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, 'boolean', value), validateBoolean);
  }
}

// Option bits of node's `validateObject`.
export const kValidateObjectNone = 0;
export const kValidateObjectAllowNullable = 1 << 0;
export const kValidateObjectAllowArray = 1 << 1;
export const kValidateObjectAllowFunction = 1 << 2;
export const kValidateObjectAllowObjects = kValidateObjectAllowArray | kValidateObjectAllowFunction;
export const kValidateObjectAllowObjectsAndNull =
  kValidateObjectAllowNullable | kValidateObjectAllowArray | kValidateObjectAllowFunction;

/**
 * node's `validateObject`: by default a non-null, non-array object; the option bits
 * also let null, arrays or functions through.
 */
export function validateObject(value: unknown, name: string, options?: 0): asserts value is object;
export function validateObject(value: unknown, name: string, options: number): asserts value is object | null;
export function validateObject(value: unknown, name: string, options = kValidateObjectNone): void {
  if (options === kValidateObjectNone) {
    if (value === null || Array.isArray(value) || typeof value !== 'object') {
      throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, 'Object', value), validateObject);
    }
    return;
  }
  if ((options & kValidateObjectAllowNullable) === 0 && value === null) {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, 'Object', value), validateObject);
  }
  if ((options & kValidateObjectAllowArray) === 0 && Array.isArray(value)) {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, 'Object', value), validateObject);
  }
  const allowFunction = (options & kValidateObjectAllowFunction) !== 0;
  const type = typeof value;
  if (type !== 'object' && (!allowFunction || type !== 'function')) {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, 'Object', value), validateObject);
  }
}

/**
 * A file descriptor: an int32 >= 0, with -0 read as 0 (node's `getValidatedFd`).
 * Returns the fd to use.
 */
export function validateFd(fd: unknown, name = 'fd'): number {
  if (Object.is(fd, -0)) return 0;
  try {
    validateInt32(fd, name, 0);
  } catch (err) {
    throw hideStackFrames(err, validateFd);
  }
  return fd;
}

/** Buffer, any TypedArray or DataView (node's `validateBuffer` / `isArrayBufferView`). */
export function validateBufferView(view: unknown, name = 'buffer'): asserts view is ArrayBufferView {
  if (!ArrayBuffer.isView(view)) {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, ['Buffer', 'TypedArray', 'DataView'], view), validateBufferView);
  }
}

// ---------------------------------------------------------------------------
// Positions

const kMaxInt64 = 2n ** 63n - 1n;
const kMinInt64 = -(2n ** 63n);

// Node 20 accepts any int64 bigint position (a negative one means "current position",
// as libuv reads with read(2) for any offset < 0). Newer Node (nodejs/node#42835,
// semver-major) accepts only -1n..2^63-1-length. Ask the running node:fs which rule it
// applies, once, instead of guessing from version numbers: a position-only failure on an
// fd that cannot be open (int32 max) either throws ERR_OUT_OF_RANGE (new rule) or gets
// through validation to fail with EBADF (old rule).
let lengthBoundPositions: boolean | undefined;
function bigintPositionsBoundByLength(): boolean {
  if (lengthBoundPositions === undefined) {
    try {
      readSync(0x7fffffff, Buffer.alloc(1), 0, 1, -2n);
      lengthBoundPositions = false;
    } catch (err) {
      lengthBoundPositions = (err as { code?: unknown }).code === 'ERR_OUT_OF_RANGE';
    }
  }
  return lengthBoundPositions;
}

/**
 * A read/write position as node:fs validates it: an integer number >= -1, or a bigint
 * in int64 range (on newer Node: -1n..2^63-1-`length`). `null`/`undefined` are the
 * caller's to map to -1 first, as node does.
 */
export function validatePosition(
  position: unknown,
  name: string,
  length = 0,
): asserts position is number | bigint {
  if (typeof position === 'number') {
    try {
      validateInteger(position, name, -1);
    } catch (err) {
      throw hideStackFrames(err, validatePosition);
    }
  } else if (typeof position === 'bigint') {
    if (bigintPositionsBoundByLength()) {
      const maxPosition = kMaxInt64 - BigInt(length);
      if (!(position >= -1n && position <= maxPosition)) {
        throw hideStackFrames(ERR_OUT_OF_RANGE(name, `>= -1 && <= ${maxPosition}`, position), validatePosition);
      }
    } else if (!(position >= kMinInt64 && position <= kMaxInt64)) {
      throw hideStackFrames(ERR_OUT_OF_RANGE(name, `>= ${kMinInt64} && <= ${kMaxInt64}`, position), validatePosition);
    }
  } else {
    throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, ['integer', 'bigint'], position), validatePosition);
  }
}

/**
 * Validates `position` (named "position") and returns what to hand to the kernel:
 * -1 for "current file position" (`undefined`, `null`, -1, -1n, and on Node 20 any
 * negative bigint, which libuv also treats as "current position"), a number for any
 * bigint that is a safe integer, else the bigint itself.
 */
export function normalizePosition(position: unknown, length = 0): number | bigint {
  if (position == null) return -1;
  try {
    validatePosition(position, 'position', length);
  } catch (err) {
    throw hideStackFrames(err, normalizePosition);
  }
  if (typeof position === 'number') return position === 0 ? 0 : position; // -0 → 0
  if (position < 0n) return -1;
  return position <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(position) : position;
}

// ---------------------------------------------------------------------------
// Paths

// node's `isURL` (lib/internal/url.js): a duck test, so URL objects from other realms
// or URL-like objects are converted too, exactly when node would convert them.
function isURL(value: unknown): value is URL {
  const u = value as { href?: unknown; protocol?: unknown; auth?: unknown; path?: unknown } | null | undefined;
  return Boolean(u?.href && u.protocol && u.auth === undefined && u.path === undefined);
}

/**
 * node's `getValidatedPath`: a string, a Uint8Array (returned as a Buffer over the same
 * memory), or a `file:` URL (converted with `url.fileURLToPath`, whose own errors pass
 * through unchanged); no NUL bytes.
 */
export function toPathArg(path: unknown, name = 'path'): string | Buffer {
  let p = path;
  if (isURL(p)) {
    try {
      p = fileURLToPath(p);
    } catch (err) {
      throw hideStackFrames(err, toPathArg);
    }
  }
  if (typeof p === 'string') {
    if (p.includes('\u0000')) {
      throw hideStackFrames(
        ERR_INVALID_ARG_VALUE(name, p, 'must be a string, Uint8Array, or URL without null bytes'),
        toPathArg,
      );
    }
    return p;
  }
  if (isUint8Array(p)) {
    if (p.includes(0)) {
      throw hideStackFrames(
        ERR_INVALID_ARG_VALUE(name, p, 'must be a string, Uint8Array, or URL without null bytes'),
        toPathArg,
      );
    }
    return Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  }
  throw hideStackFrames(ERR_INVALID_ARG_TYPE(name, ['string', 'Buffer', 'URL'], p), toPathArg);
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

/**
 * node's `stringToFlags`: an int32, `null`/`undefined` (read-only), or one of node's
 * flag strings. Node names the argument 'flags' in the invalid-string error whatever
 * `name` is, and so do we.
 */
export function stringToFlags(flags: unknown, name = 'flags'): number {
  if (typeof flags === 'number') {
    try {
      validateInt32(flags, name);
    } catch (err) {
      throw hideStackFrames(err, stringToFlags);
    }
    // `| 0` turns -0 into 0 (node passes -0 on, and its C++ CHECK(IsInt32()) aborts the
    // process); every other int32 is unchanged.
    return flags | 0;
  }
  if (flags == null) return O_RDONLY;
  switch (flags) {
    case 'r': return O_RDONLY;
    case 'rs':
    case 'sr': return O_RDONLY | O_SYNC;
    case 'r+': return O_RDWR;
    case 'rs+':
    case 'sr+': return O_RDWR | O_SYNC;

    case 'w': return O_TRUNC | O_CREAT | O_WRONLY;
    case 'wx':
    case 'xw': return O_TRUNC | O_CREAT | O_WRONLY | O_EXCL;

    case 'w+': return O_TRUNC | O_CREAT | O_RDWR;
    case 'wx+':
    case 'xw+': return O_TRUNC | O_CREAT | O_RDWR | O_EXCL;

    case 'a': return O_APPEND | O_CREAT | O_WRONLY;
    case 'ax':
    case 'xa': return O_APPEND | O_CREAT | O_WRONLY | O_EXCL;
    case 'as':
    case 'sa': return O_APPEND | O_CREAT | O_WRONLY | O_SYNC;

    case 'a+': return O_APPEND | O_CREAT | O_RDWR;
    case 'ax+':
    case 'xa+': return O_APPEND | O_CREAT | O_RDWR | O_EXCL;
    case 'as+':
    case 'sa+': return O_APPEND | O_CREAT | O_RDWR | O_SYNC;
  }
  throw hideStackFrames(ERR_INVALID_ARG_VALUE('flags', flags), stringToFlags);
}

const octalReg = /^[0-7]+$/;
const modeDesc = 'must be a 32-bit unsigned integer or an octal string';

/**
 * node's `parseFileMode`: a uint32 or an octal string (`'755'`); `null`/`undefined`
 * take `def`.
 */
export function parseFileMode(value: unknown, name: string, def?: number): number {
  let mode = value ?? def;
  if (typeof mode === 'string') {
    if (!octalReg.test(mode)) {
      throw hideStackFrames(ERR_INVALID_ARG_VALUE(name, mode, modeDesc), parseFileMode);
    }
    mode = Number.parseInt(mode, 8);
  }
  try {
    validateUint32(mode, name);
  } catch (err) {
    throw hideStackFrames(err, parseFileMode);
  }
  // `>>> 0` turns -0 into 0 and changes nothing else; node passes -0 on as is.
  return mode >>> 0;
}
