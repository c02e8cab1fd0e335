// FileHandle's argument rules, as node:fs/promises applies them (the same on
// Node 20 to 26): which overload a call is, the defaults, and whether the
// arguments are valid. An invalid call throws NODE_REFUSES, and the caller gets
// the running Node's own error for it (src/promises/node.ts); where Node itself
// would not refuse cleanly (a length its C++ layer takes only as an int32 and
// would abort the process on), the error is the one Node's validator with that
// rule gives.

import { normalizePosition, validateInt32 } from '../validate';

/** Thrown when node's own validation refuses the call: its error is provoked and passed on. */
export const NODE_REFUSES = new Error('uring-fs: node refuses these arguments');

const direct = new WeakSet<object>();

/**
 * Whether `err`, thrown by normalizeRead/normalizeWrite, is the error to give
 * as it is: arguments node's JavaScript takes but its C++ would abort on, so
 * they must never reach node's own method (src/promises/node.ts).
 */
export function isDirectRefusal(err: unknown): boolean {
  return typeof err === 'object' && err !== null && direct.has(err);
}

function refuse(): never {
  throw NODE_REFUSES;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}

function nonNegativeSafeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

let lengthCoerced = false;

/**
 * Whether the running Node's filehandle.read coerces its length to an int32
 * (`length |= 0`, as fs.read always has): set once from a probe of node's own
 * FileHandle (filehandle.ts), before the first handle exists. Older lines
 * pass a non-number length on to C++, which aborts the process; there the
 * int32 check's error stands in.
 */
export function setReadLengthCoerced(v: boolean): void {
  lengthCoerced = v;
}

export interface ReadArgs {
  buffer: ArrayBufferView;
  offset: number;
  length: number;
  position: number | bigint;
}

/**
 * filehandle.read(buffer, offset, length, position), read(buffer, options),
 * read(options) and read(): the buffer, the window in it and the position
 * (-1: the file's current position).
 */
export function normalizeRead(bufferOrParams: unknown, offsetArg: unknown, lengthArg: unknown, positionArg: unknown): ReadArgs {
  let buffer = bufferOrParams as ArrayBufferView;
  let offset = offsetArg;
  let length = lengthArg;
  let position = positionArg;
  if (!ArrayBuffer.isView(buffer)) {
    // read(options): an object or null, not an array or a function.
    if (bufferOrParams !== undefined && bufferOrParams !== null && (typeof bufferOrParams !== 'object' || Array.isArray(bufferOrParams))) refuse();
    const p = (bufferOrParams ?? {}) as Record<string, unknown>;
    const b = p.buffer;
    buffer = (b === undefined ? Buffer.alloc(16384) : b) as ArrayBufferView;
    const o = p.offset;
    offset = o === undefined ? 0 : o;
    const l = p.length;
    length = l === undefined ? (buffer as ArrayBufferView).byteLength - (offset as number) : l;
    const pos = p.position;
    position = pos === undefined ? null : pos;
    if (!ArrayBuffer.isView(buffer)) refuse();
  }
  if (isObject(offset)) {
    // read(buffer, options)
    const o = offset;
    const off = o.offset;
    offset = off === undefined ? 0 : off;
    const l = o.length;
    length = l === undefined ? buffer.byteLength - (offset as number) : l;
    const pos = o.position;
    position = pos === undefined ? null : pos;
  }
  if (offset === null || offset === undefined) offset = 0;
  else if (!nonNegativeSafeInteger(offset)) refuse();
  if (length === null || length === undefined) length = buffer.byteLength - (offset as number);
  if (lengthCoerced) {
    // Newer lines (24.x, 26) coerce the length as fs.read does (`length |= 0`)
    // before any check; a BigInt or Symbol throws there, node's TypeError.
    if (typeof length === 'bigint' || typeof length === 'symbol') refuse();
    length = (length as number) | 0;
  }
  if (length === 0) return { buffer, offset: offset as number, length: 0, position: -1 };
  if (buffer.byteLength === 0) refuse();
  if ((offset as number) < 0 || (length as number) < 0 || (offset as number) + (length as number) > buffer.byteLength) refuse();
  const pos = position === null || position === undefined ? -1 : normalizePosition(position, length as number);
  // Past node's JavaScript checks (the position's last), its C++ layer takes
  // the length only as an int32 and aborts the process on anything else
  // (Node 20, 22; later lines coerce it above): the int32 check's error, given
  // as it is, never handed on to node's own read to provoke.
  try {
    validateInt32(length, 'length');
  } catch (err) {
    direct.add(err as object);
    throw err;
  }
  return { buffer, offset: offset as number, length: length as number, position: pos };
}

export interface WriteArgs {
  view: ArrayBufferView;
  offset: number;
  length: number;
  position: number | bigint;
}

// What node's C++ layer makes of a write position: a safe integer as it is,
// anything else the file's current position (-1).
function writePosition(p: unknown): number {
  return typeof p === 'number' && Number.isSafeInteger(p) ? p : -1;
}

/**
 * filehandle.write(buffer, offset, length, position), write(buffer, options)
 * and write(string, position, encoding): the bytes to write and where.
 */
export function normalizeWrite(buffer: unknown, offsetOrOptions: unknown, lengthOrEncoding: unknown, positionArg: unknown): WriteArgs {
  if (ArrayBuffer.isView(buffer)) {
    if (buffer.byteLength === 0) return { view: buffer, offset: 0, length: 0, position: -1 };
    let offset = offsetOrOptions;
    let length = lengthOrEncoding;
    let position = positionArg;
    if (typeof offset === 'object') {
      const o = (offsetOrOptions ?? {}) as Record<string, unknown>;
      const off = o.offset;
      offset = off === undefined ? 0 : off;
      const l = o.length;
      length = l === undefined ? buffer.byteLength - (offset as number) : l;
      const pos = o.position;
      position = pos === undefined ? null : pos;
    }
    if (offset === null || offset === undefined) offset = 0;
    else if (!nonNegativeSafeInteger(offset)) refuse();
    if (typeof length !== 'number') length = buffer.byteLength - (offset as number);
    const off = offset as number;
    const len = length as number;
    if (off > buffer.byteLength || len > buffer.byteLength - off || len < 0 || !Number.isInteger(len) || len > 2 ** 31 - 1) refuse();
    return { view: buffer, offset: off, length: len, position: writePosition(position) };
  }
  if (typeof buffer !== 'string') refuse();
  // write(string, position, encoding): an encoding node does not know is utf8.
  const encoding = typeof lengthOrEncoding === 'string' && Buffer.isEncoding(lengthOrEncoding) ? lengthOrEncoding : 'utf8';
  if ((encoding === 'hex' || encoding.toLowerCase() === 'hex') && buffer.length % 2 !== 0) refuse();
  const bytes = Buffer.from(buffer, encoding);
  return { view: bytes, offset: 0, length: bytes.length, position: writePosition(offsetOrOptions) };
}

/** readv/writev's list: an array of ArrayBufferViews (else node's refusal). */
export function validateDataForReadv(buffers: unknown): ArrayBufferView[] {
  if (!Array.isArray(buffers)) refuse();
  for (const b of buffers) if (!ArrayBuffer.isView(b)) refuse();
  return (buffers as ArrayBufferView[]).slice();
}
