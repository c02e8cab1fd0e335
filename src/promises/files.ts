// readFile / writeFile / appendFile of the drop-in, for paths and FileHandles.
//
// The argument shapes services use (a path or FileHandle, a string, Buffer or
// TypedArray, options as undefined, an encoding or a plain object) run on the
// ring. Anything else with a path (data as an iterable or a stream, options of
// an unusual shape, invalid arguments) is handed to node:fs/promises itself,
// which gives its exact result or error; with a FileHandle, node's own check
// of the same arguments supplies the error.

import * as fsp from 'node:fs/promises';

import { abortError } from '../abort';
import { asReadFileError, readFile as ringReadFile } from '../helpers';
import { run } from '../ops/define';
import { fstat } from '../ops/stat';
import { getRing } from '../ring';
import type { PathLike, Ring } from '../ring';

export interface ReadFileOptions {
  encoding?: BufferEncoding | null;
  flag?: string | number;
  signal?: AbortSignal;
}

export interface WriteFileOptions {
  encoding?: BufferEncoding | null;
  mode?: number | string;
  flag?: string | number;
  flush?: boolean;
  signal?: AbortSignal;
}

/** node's kWriteFileMaxChunkSize: writeFile checks its signal between pieces this big. */
const WRITE_CHUNK = 512 * 1024;


function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * Between two steps of a readFile/writeFile that has a signal: one loop turn,
 * then the signal. node's steps each take a loop turn at least (the thread
 * pool answers in the poll phase), so an abort scheduled for a later turn
 * (setImmediate, a timer) lands between them; the ring can run a whole chain
 * of steps inside one turn (ops the kernel completes inline are reaped in the
 * same prepare phase), where such an abort would never be seen. Without a
 * signal nothing waits.
 */
async function nextStep(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  checkAborted(signal);
}

const KNOWN_WRITE_KEYS = new Set(['encoding', 'mode', 'flag', 'flush', 'signal']);

/** The writeFile options the ring path takes, or null to leave the call to node. */
function fastWriteOptions(options: unknown, flag: 'w' | 'a'): Required<Pick<WriteFileOptions, 'flag' | 'mode' | 'flush'>> & { encoding: BufferEncoding; signal?: AbortSignal } | null {
  const out = { encoding: 'utf8' as BufferEncoding, mode: 0o666 as number | string, flag: flag as string | number, flush: false, signal: undefined as AbortSignal | undefined };
  if (options === undefined || options === null) return out;
  if (typeof options === 'string') {
    if (!Buffer.isEncoding(options)) return null;
    out.encoding = options;
    return out;
  }
  if (typeof options !== 'object' || Array.isArray(options) || Object.getPrototypeOf(options) !== Object.prototype) return null;
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN_WRITE_KEYS.has(k)) return null;
  if (o.encoding !== undefined && o.encoding !== null) {
    if (typeof o.encoding !== 'string' || !Buffer.isEncoding(o.encoding)) return null;
    out.encoding = o.encoding as BufferEncoding;
  }
  if (o.mode !== undefined) {
    if (typeof o.mode !== 'number' || !Number.isInteger(o.mode) || o.mode < 0 || o.mode > 0xffffffff) return null;
    out.mode = o.mode;
  }
  if (o.flag !== undefined && o.flag !== null) {
    if (typeof o.flag !== 'string' && typeof o.flag !== 'number') return null;
    out.flag = o.flag;
  }
  if (o.flush !== undefined && o.flush !== null) {
    if (typeof o.flush !== 'boolean') return null;
    out.flush = o.flush;
  }
  if (o.signal !== undefined) {
    if (!(o.signal instanceof AbortSignal)) return null;
    out.signal = o.signal;
  }
  return out;
}

/** The bytes of `data` the ring path writes, or null for data node handles (iterables, streams, other types). */
function fastData(data: unknown, encoding: BufferEncoding): Uint8Array | null {
  if (typeof data === 'string') return Buffer.from(data, encoding);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/** Writes all of `bytes` at the fd's current position, in node's pieces, checking the signal between them. */
async function writeAll(ring: Ring, fd: number, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  // As node's writeFileHandle: the signal checked before each piece, none
  // after the last (a write that finished is not turned into an AbortError).
  checkAborted(signal);
  for (let done = 0; done < bytes.byteLength; ) {
    if (done > 0) await nextStep(signal);
    const n = Math.min(WRITE_CHUNK, bytes.byteLength - done);
    done += await ring.write(fd, bytes.subarray(done, done + n), -1);
  }
}

/** writeFile/appendFile on a path, on the ring: open, write, (fsync with flush), close. */
export async function writeFilePath(path: PathLike, data: unknown, options: unknown, flag: 'w' | 'a'): Promise<void> {
  const opts = fastWriteOptions(options, flag);
  const bytes = opts && fastData(data, opts.encoding);
  if (!opts || !bytes) {
    return flag === 'w' ? fsp.writeFile(path as never, data as never, options as never) : fsp.appendFile(path as never, data as never, options as never);
  }
  checkAborted(opts.signal);
  const ring = getRing();
  const fd = await ring.open(path, opts.flag, opts.mode);
  let failure: unknown;
  try {
    await writeAll(ring, fd, bytes, opts.signal);
    if (opts.flush) await ring.fsync(fd);
  } catch (err) {
    failure = err;
  }
  try {
    await ring.close(fd);
  } catch (closeErr) {
    if (failure === undefined) throw closeErr;
  }
  if (failure !== undefined) throw failure;
}

/** filehandle.writeFile / appendFile: at the handle's current position. */
export async function writeFileHandle(ring: Ring, fd: number, data: unknown, options: unknown, flag: 'w' | 'a'): Promise<void> {
  const opts = fastWriteOptions(options, flag);
  const bytes = opts && fastData(data, opts.encoding);
  if (opts && bytes) {
    await writeAll(ring, fd, bytes, opts.signal);
    return;
  }
  // Iterables (and anything else node takes) go through node's own writeFile on
  // a FileHandle of its own for the same fd's file... which node cannot make:
  // write them here, as node's writeFileHandle does, piece by piece.
  const iterable = data as AsyncIterable<unknown> | Iterable<unknown>;
  const encoding = (opts?.encoding ?? 'utf8') as BufferEncoding;
  const signal = opts?.signal;
  if (opts && data !== null && typeof data === 'object' && (Symbol.asyncIterator in data || Symbol.iterator in data)) {
    checkAborted(signal);
    for await (const chunk of iterable as AsyncIterable<unknown>) {
      checkAborted(signal);
      const piece = ArrayBuffer.isView(chunk) ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.from(String(chunk), encoding);
      await writeAll(ring, fd, piece, signal);
    }
    return;
  }
  // Invalid: node's error for the same call (on a path that cannot exist, so
  // nothing is written if node would take it after all).
  await fsp.writeFile('', data as never, options as never);
}

/**
 * readFile of a path. Without a signal: the ring's readFile (one linked
 * submission for a small file). With one: node's own steps, so an abort lands
 * where node's would: the signal checked before the open, then the handle
 * read as filehandle.readFile reads it (a loop turn and a check per step),
 * then the close. A signal that is not an AbortSignal gets node's error.
 */
export async function readFilePath(path: PathLike, options: unknown): Promise<string | Buffer> {
  const signal = options !== null && typeof options === 'object' ? (options as ReadFileOptions).signal : undefined;
  if (signal === undefined) return ringReadFile(path, options as never) as Promise<string | Buffer>;
  const encoding = (options as ReadFileOptions).encoding;
  // node checks its options before anything else: its own error for these.
  if (!(signal instanceof AbortSignal) || (encoding != null && !Buffer.isEncoding(encoding))) return fsp.readFile('', options as never);
  checkAborted(signal);
  const ring = getRing();
  const flag = (options as ReadFileOptions).flag || 'r';
  const fd = await ring.open(path, flag, 0o666);
  let data: string | Buffer;
  try {
    data = await readFileHandle(ring, fd, options);
  } catch (err) {
    await ring.close(fd).catch(() => {});
    throw await asReadFileError(err, path);
  }
  await ring.close(fd);
  return data;
}

// node's readFileHandle constants (lib/internal/fs/promises.js, Node 20-26).
const READ_CHUNK = 512 * 1024; // kReadFileBufferLength
const READ_UNKNOWN = 64 * 1024; // kReadFileUnknownBufferLength
const IO_MAX = 2 ** 31 - 1; // kIoMaxLength
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

function fileTooLarge(size: number): RangeError {
  const err = new RangeError(`File size (${size}) is greater than 2 GiB`) as RangeError & { code: string };
  err.code = 'ERR_FS_FILE_TOO_LARGE';
  return err;
}

/**
 * filehandle.readFile: from the handle's current position to EOF, in node's
 * steps: fstat first (a regular file's size bounds the read, a file over
 * 2 GiB is refused before anything is read), then reads of at most 512 KiB,
 * the signal checked before the fstat, after it and before every read, as
 * node's readFileHandle does; so an abort lands at the same points.
 */
export async function readFileHandle(ring: Ring, fd: number, options: unknown): Promise<string | Buffer> {
  let encoding: BufferEncoding | null | undefined;
  let signal: AbortSignal | undefined;
  if (typeof options === 'string') encoding = options as BufferEncoding;
  else if (options !== null && typeof options === 'object') ({ encoding, signal } = options as ReadFileOptions);
  if ((encoding != null && !Buffer.isEncoding(encoding)) || (options != null && typeof options !== 'string' && typeof options !== 'object' && typeof options !== 'function')) {
    // Node's error for the same options (its check comes before any I/O).
    await fsp.readFile('', options as never);
  }
  checkAborted(signal);
  const st = await run(ring, () => fstat(fd, undefined));
  await nextStep(signal);
  const size = (Number(st.mode) & S_IFMT) === S_IFREG ? Number(st.size) : 0;
  if (size > IO_MAX) throw fileTooLarge(size);
  const chunks: Buffer[] = [];
  let total = 0;
  for (let first = true; ; first = false) {
    // The signal before each read, none after the last, as node's loop.
    if (!first) await nextStep(signal);
    // A known size: read what is left of it (at most a chunk); no size
    // (/proc, pipes, devices): 64 KiB pieces to EOF.
    const want = size === 0 ? READ_UNKNOWN : Math.min(Math.max(size - total, 1), READ_CHUNK);
    const buf = Buffer.allocUnsafe(want);
    const n = await ring.read(fd, buf, -1);
    if (n === 0) break;
    chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    total += n;
    if (total > IO_MAX) throw fileTooLarge(total);
    // The file's size read: done, as node is (no read to see EOF).
    if (size !== 0 && total >= size) break;
  }
  const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  return encoding ? data.toString(encoding) : data;
}
