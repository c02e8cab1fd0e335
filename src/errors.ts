// Errors with node:fs's exact shape.
//
// Two families, both mirrored from Node 20's own sources rather than re-invented:
//  - system errors (`uvError`): what node's C++ `UVException` builds for a failed
//    libuv fs call, which is what node:fs and node:fs/promises reject with;
//  - coded misuse errors (`ERR_*`, `nodeError`): what lib/internal/errors.js builds.
// Only public `node:` APIs are used; nothing here needs --expose-internals.

import { getSystemErrorMap, inspect } from 'node:util';

/** What `uvError` returns: a plain `Error` carrying node:fs's system-error fields. */
export interface UvError extends NodeJS.ErrnoException {
  errno: number;
  code: string;
  syscall: string;
  path?: string;
  dest?: string;
}

/** An error carrying a Node-style `code` (`ERR_*`). */
export type NodeError<E extends Error = Error> = E & { code: string };

/** A constructor usable as the base class of a coded error. */
export type ErrorBase = new (message?: string) => Error;

/** Any function, as a stack-trace anchor (`Error.captureStackTrace`'s second argument). */
export type StackAnchor = (...args: never[]) => unknown;

// ---------------------------------------------------------------------------
// System errors

// Read once: the map is static for the process and lookups happen on every failure.
const systemErrors: Map<number, [string, string]> = getSystemErrorMap();

// U+D800..U+DFFF: only strings containing surrogates can change on a UTF-8 round trip.
const surrogate = /[\uD800-\uDFFF]/;

// Node hands the kernel the path as UTF-8 bytes and builds the error's `path` from the
// C string it passed (`StringFromPath` → `String::NewFromUtf8`). So a Buffer path comes
// back as a string decoded up to its first NUL, and a string with a lone surrogate comes
// back with U+FFFD in its place. Buffer#toString('utf8') uses that same V8 decoder.
function pathText(p: string | Uint8Array): string {
  if (typeof p === 'string') {
    return surrogate.test(p) ? Buffer.from(p, 'utf8').toString('utf8') : p;
  }
  const bytes = Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  const nul = bytes.indexOf(0);
  return bytes.toString('utf8', 0, nul === -1 ? bytes.length : nul);
}

/**
 * The error node:fs rejects with when `syscall` fails with `errno` (negative, `-errno`
 * as io_uring reports it): `ENOENT: no such file or directory, open '/x'`, with own
 * enumerable `errno`, `code`, `syscall`, `path`, `dest` in that order, like node's C++
 * `UVException` (src/api/exceptions.cc). Unknown numbers get libuv's
 * `Unknown system error <n>` for both code and description, as node does.
 */
export function uvError(
  errno: number,
  syscall: string,
  path?: string | Buffer,
  dest?: string | Buffer,
): UvError {
  const entry = systemErrors.get(errno);
  const code = entry === undefined ? `Unknown system error ${errno}` : entry[0];
  const description = entry === undefined ? code : entry[1];
  let message = `${code}: ${description}, ${syscall}`;
  // C++ tests for a non-null pointer, so an empty path still appears (`open ''`).
  const pathStr = path == null ? undefined : pathText(path);
  const destStr = dest == null ? undefined : pathText(dest);
  if (pathStr !== undefined) message += ` '${pathStr}'`;
  if (destStr !== undefined) message += ` -> '${destStr}'`;

  const err = new Error(message) as UvError;
  err.errno = errno;
  err.code = code;
  err.syscall = syscall;
  if (pathStr !== undefined) err.path = pathStr;
  if (destStr !== undefined) err.dest = destStr;
  // The frames of this factory say nothing to the user.
  Error.captureStackTrace(err, uvError);
  return err;
}

// ---------------------------------------------------------------------------
// Coded errors

// Marks our coded errors, so `hideStackFrames` knows it may rewrite their stack header
// (node's own coded errors carry an internal brand that does this for them).
const kUringNodeError = Symbol('uring-fs.nodeError');

type ErrorShape = 'messageFirst' | 'codeFirst';

interface CodedErrorClass {
  new (code: string, message: string, shape: ErrorShape): NodeError;
}

const classes = new Map<ErrorBase, CodedErrorClass>();

// One subclass per base, shaped like node's `makeNodeErrorWithCode` classes: `name` and
// `constructor` read as the base's, `toString()` is `Name [CODE]: message`, `code` is an
// own enumerable field and `message` an own non-enumerable one.
function codedClass(Base: ErrorBase): CodedErrorClass {
  let C = classes.get(Base);
  if (C !== undefined) return C;
  class NodeError extends Base {
    code: string;
    constructor(code: string, message: string, shape: ErrorShape) {
      if (shape === 'messageFirst') {
        // Node's fixed/`%s` messages: super(msg), then the `code` field.
        super(message);
        this.code = code;
      } else {
        // Node's function messages: super(), the `code` field, then `message`.
        super();
        this.code = code;
        Object.defineProperty(this, 'message', {
          value: message,
          enumerable: false,
          writable: true,
          configurable: true,
        });
      }
    }
    override toString(): string {
      return `${this.name} [${this.code}]: ${this.message}`;
    }
  }
  // Node's classes answer `err.constructor === TypeError` (a getter, like theirs).
  Object.defineProperty(NodeError.prototype, 'constructor', {
    get: () => Base,
    enumerable: false,
    configurable: true,
  });
  Object.defineProperty(NodeError.prototype, kUringNodeError, { value: true });
  C = NodeError as unknown as CodedErrorClass;
  classes.set(Base, C);
  return C;
}

// Whether stack headers of node's own coded errors currently read `Name [CODE]: msg`.
// Node's default formatter adds ` [CODE]`, but a formatter installed in userland
// (Error.prepareStackTrace: source-map-support, test runners such as vitest) replaces it
// and node's errors then read `Name: msg`. Ask node itself, again whenever the
// installed formatter changes, by formatting one of its JS-made coded errors.
let probedFormatter: unknown = kUringNodeError; // never a formatter: forces the first probe
let formatterAddsCode = true;
function nodeHeadersCarryCode(): boolean {
  const current = Error.prepareStackTrace;
  if (current !== probedFormatter) {
    probedFormatter = current;
    try {
      Buffer.alloc(-1); // ERR_OUT_OF_RANGE from node's JS validators
    } catch (err) {
      const e = err as NodeError;
      formatterAddsCode = String(e.stack).startsWith(`${e.name} [${e.code}]`);
    }
  }
  return formatterAddsCode;
}

// Node's default formatter prints ` [CODE]` only for errors with its internal brand,
// which we cannot set; so when node's own errors carry it and ours came out as
// `Name: msg` (what Error.prototype.toString gives), put the code in ourselves. A
// formatter that calls toString() already printed it; a userland one that leaves it out
// for node's errors leaves it out for ours too.
function stampStackHeader(err: NodeError): void {
  const stack = err.stack; // formats now, with the formatter installed now
  if (typeof stack !== 'string' || !nodeHeadersCarryCode()) return;
  const coded = `${err.name} [${err.code}]: ${err.message}`;
  if (stack.startsWith(coded)) return;
  const plain = err.message ? `${err.name}: ${err.message}` : `${err.name}`;
  if (stack.startsWith(plain)) err.stack = coded + stack.slice(plain.length);
}

function makeCoded<E extends Error>(
  Base: ErrorBase,
  code: string,
  message: string,
  shape: ErrorShape,
  hideFrom: StackAnchor,
): NodeError<E> {
  const C = codedClass(Base);
  const err = new C(code, message, shape);
  Error.captureStackTrace(err, hideFrom);
  stampStackHeader(err);
  return err as NodeError<E>;
}

/**
 * A Node-style coded error shaped like node's internal errors with a fixed message (e.g.
 * `ERR_INVALID_FILE_URL_PATH`): `Class` with an own `code`, `toString()` reading
 * `Class [CODE]: message`, and a stack header like node's own errors get under the
 * installed formatter (`Class [CODE]: message` with node's default one).
 */
export function nodeError<E extends Error = Error>(
  Class: ErrorBase,
  code: string,
  message: string,
): NodeError<E> {
  return makeCoded<E>(Class, code, message, 'messageFirst', nodeError);
}

/**
 * Re-anchors the stack of a thrown error at the caller of `fn` (what node's
 * `hideStackFrames` wrapper does for its validators), keeping the `[CODE]` header.
 */
export function hideStackFrames(err: unknown, fn: StackAnchor): unknown {
  if (err instanceof Error && Error.stackTraceLimit) {
    Error.captureStackTrace(err, fn);
    if (kUringNodeError in err) stampStackHeader(err as unknown as NodeError);
  }
  return err;
}

// ---------------------------------------------------------------------------
// Message formatting, mirrored from lib/internal/errors.js

// Sorted as node sorts them; 'Function'/'Object' are accepted spellings of the lower case.
const kTypes = ['string', 'function', 'number', 'object', 'Function', 'Object', 'boolean', 'bigint', 'symbol'];
const classRegExp = /^[A-Z][a-zA-Z0-9]*$/;

function formatList(array: readonly string[], type = 'and'): string {
  switch (array.length) {
    case 0:
      return '';
    case 1:
      return `${array[0]}`;
    case 2:
      return `${array[0]} ${type} ${array[1]}`;
    case 3:
      return `${array[0]}, ${array[1]}, ${type} ${array[2]}`;
    default:
      return `${array.slice(0, -1).join(', ')}, ${type} ${array[array.length - 1]}`;
  }
}

/**
 * `1_000_000` style grouping, node's `addNumericalSeparator`. Node applies it to
 * `String(n)` verbatim, so exponent forms come out odd (`1e21` → `1e_+21`); kept as is.
 */
export function addNumericalSeparator(val: string): string {
  let res = '';
  let i = val.length;
  const start = val[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) {
    res = `_${val.slice(i - 3, i)}${res}`;
  }
  return `${val.slice(0, i)}${res}`;
}

/** How node's type errors describe a received value (`type number (1)`, `an instance of Foo`...). */
export function determineSpecificType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'number':
      if (value === 0) return 1 / value === -Infinity ? 'type number (-0)' : 'type number (0)';
      if (value !== value) return 'type number (NaN)';
      if (value === Infinity) return 'type number (Infinity)';
      if (value === -Infinity) return 'type number (-Infinity)';
      return `type number (${value})`;
    case 'boolean':
      return value ? 'type boolean (true)' : 'type boolean (false)';
    case 'symbol':
      return `type symbol (${String(value)})`;
    case 'function':
      return `function ${value.name}`;
    case 'object': {
      const ctor = (value as { constructor?: unknown }).constructor;
      // Same duck test as node, including its TypeError for a primitive `constructor`.
      if (ctor && 'name' in (ctor as object)) {
        return `an instance of ${(ctor as { name: unknown }).name}`;
      }
      return `${inspect(value, { depth: -1 })}`;
    }
    case 'string': {
      let s = value;
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      if (s.indexOf("'") === -1) return `type string ('${s}')`;
      return `type string (${JSON.stringify(s)})`;
    }
    default: {
      // Unreachable for ordinary values; kept for parity with node's fallback.
      let s = inspect(value, { colors: false });
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      return `type ${typeof value} (${s})`;
    }
  }
}

function invalidArgTypeMessage(name: string, expected: string | readonly string[], actual: unknown): string {
  const list: readonly string[] = typeof expected === 'string' ? [expected] : expected;
  let msg = 'The ';
  if (name.endsWith(' argument')) {
    msg += `${name} `;
  } else {
    msg += `"${name}" ${name.includes('.') ? 'property' : 'argument'} `;
  }
  msg += 'must be ';

  const types: string[] = [];
  const instances: string[] = [];
  const other: string[] = [];
  for (const value of list) {
    if (kTypes.includes(value)) types.push(value.toLowerCase());
    else if (classRegExp.test(value)) instances.push(value);
    else other.push(value);
  }
  // With instances allowed, "object" reads better as the class "Object" among them.
  if (instances.length > 0) {
    const pos = types.indexOf('object');
    if (pos !== -1) {
      types.splice(pos, 1);
      instances.push('Object');
    }
  }
  if (types.length > 0) {
    msg += `${types.length > 1 ? 'one of type' : 'of type'} ${formatList(types, 'or')}`;
    if (instances.length > 0 || other.length > 0) msg += ' or ';
  }
  if (instances.length > 0) {
    msg += `an instance of ${formatList(instances, 'or')}`;
    if (other.length > 0) msg += ' or ';
  }
  if (other.length > 0) {
    if (other.length > 1) {
      msg += `one of ${formatList(other, 'or')}`;
    } else {
      if (other[0].toLowerCase() !== other[0]) msg += 'an ';
      msg += `${other[0]}`;
    }
  }
  return `${msg}. Received ${determineSpecificType(actual)}`;
}

/** node's `ERR_INVALID_ARG_TYPE` (a TypeError). `expected` entries as node spells them. */
export function ERR_INVALID_ARG_TYPE(
  name: string,
  expected: string | readonly string[],
  actual: unknown,
): NodeError<TypeError> {
  return makeCoded(TypeError, 'ERR_INVALID_ARG_TYPE', invalidArgTypeMessage(name, expected, actual), 'codeFirst', ERR_INVALID_ARG_TYPE);
}

/**
 * node's `ERR_OUT_OF_RANGE` (a RangeError). Large integers and bigints are shown with
 * `_` separators, bigints with an `n`, anything else through `util.inspect`.
 */
export function ERR_OUT_OF_RANGE(
  name: string,
  range: string,
  received: unknown,
  replaceDefaultBoolean = false,
): NodeError<RangeError> {
  let msg = replaceDefaultBoolean ? name : `The value of "${name}" is out of range.`;
  let shown: string;
  if (Number.isInteger(received) && Math.abs(received as number) > 2 ** 32) {
    shown = addNumericalSeparator(String(received));
  } else if (typeof received === 'bigint') {
    shown = String(received);
    if (received > 2n ** 32n || received < -(2n ** 32n)) shown = addNumericalSeparator(shown);
    shown += 'n';
  } else {
    shown = inspect(received);
  }
  msg += ` It must be ${range}. Received ${shown}`;
  return makeCoded(RangeError, 'ERR_OUT_OF_RANGE', msg, 'codeFirst', ERR_OUT_OF_RANGE);
}

/**
 * node's `ERR_INVALID_ARG_VALUE`: a TypeError by default; node also raises it as a
 * RangeError in places (`ERR_INVALID_ARG_VALUE.RangeError`), hence `Base`.
 */
export function ERR_INVALID_ARG_VALUE(
  name: string,
  value: unknown,
  reason = 'is invalid',
  Base: typeof TypeError | typeof RangeError = TypeError,
): NodeError<TypeError | RangeError> {
  let inspected = inspect(value);
  if (inspected.length > 128) inspected = `${inspected.slice(0, 128)}...`;
  const type = name.includes('.') ? 'property' : 'argument';
  const msg = `The ${type} '${name}' ${reason}. Received ${inspected}`;
  return makeCoded(Base, 'ERR_INVALID_ARG_VALUE', msg, 'codeFirst', ERR_INVALID_ARG_VALUE);
}

/** Our own code for any call on a ring after `destroy()`. */
export const URING_ERR_DESTROYED = 'ERR_URING_DESTROYED';

/** `Error [ERR_URING_DESTROYED]: The ring has been destroyed, cannot <syscall>`. */
export function destroyedError(syscall: string): NodeError {
  return makeCoded(Error, URING_ERR_DESTROYED, `The ring has been destroyed, cannot ${syscall}`, 'messageFirst', destroyedError);
}
