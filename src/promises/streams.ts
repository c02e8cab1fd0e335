// FileHandle's stream methods: createReadStream, createWriteStream, readLines
// and readableWebStream, with node's semantics on the running Node.
//
// The Node streams are node's own fs.ReadStream / fs.WriteStream (so
// `instanceof fs.ReadStream` holds, and their options, validation, errors,
// events and their order, `bytesRead`, `pos`, `close()`, `pending`... are the
// running Node's), given the file operations they call through node's
// documented `fs` option, as node itself does for a FileHandle. Those
// operations run on the thread's ring, and add what node's do not have:
//
//  - read-ahead: node's ReadStream asks for one read at a time; here several
//    more are kept in flight behind it (READ_AHEAD reads of highWaterMark each,
//    on regular files and block devices), each into a buffer of its own, and
//    handed to node in order when it asks. A read node asks for at a position
//    the speculation did not take (after a short read) drops what was read
//    ahead; those reads still settle before the handle is closed.
//  - write-behind: a write is acknowledged at once while less than
//    WRITE_BEHIND × highWaterMark bytes are in flight, so the writer does not
//    wait for each write; writes go out one operation at a time, in order, the
//    chunks that arrived meanwhile as one writev. Off with autoClose: false.
//
// Every read and write a stream issued settles before its FileHandle is closed
// (the kernel may write into a read's buffer until then).

import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { ReadableStream } from 'node:stream/web';

import type { Engine } from '../engine';
import { basename } from 'node:path';

import { argumentError, destroyedError, ownError } from '../errors';
import { validateBoolean, validateObject } from '../validate';
import { engineOf } from '../ops/define';
import { loadBinding } from '../binding';
import { FsyncOp } from '../ops/fsync';
import { ReadOp } from '../ops/read';
import { WriteOp } from '../ops/write';
import { WritevOp } from '../ops/writev';
import { getRing } from '../ring';

/** What a stream needs of the drop-in's FileHandle (src/promises/filehandle.ts). */
export interface StreamHandle {
  readonly fd: number;
  ref(): void;
  unref(): void;
  close(): Promise<void>;
  locked: boolean;
  readonly closing: boolean;
  read(buffer: ArrayBufferView, offset: number, length: number, position?: number | null): Promise<{ bytesRead: number }>;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

const [NODE_MAJOR, NODE_MINOR] = process.versions.node.split('.').map(Number);

/** Reads kept in flight beyond the one node's ReadStream waits for. */
const READ_AHEAD = 3;
/** Bytes a WriteStream may acknowledge before they are written, in highWaterMarks. */
const WRITE_BEHIND = 4;

type ReadCallback = (err: Error | null, bytesRead: number, buffer: Buffer) => void;
type WriteCallback = (err: Error | null, bytesWritten: number, buffer?: unknown) => void;
type VoidCallback = (err?: Error | null) => void;

function engine(): Engine {
  return engineOf(getRing());
}

function notImplemented(what: string): Error {
  return ownError('Error', 'ERR_METHOD_NOT_IMPLEMENTED', `The ${what} method is not implemented`, notImplemented);
}

/**
 * node's getOptions() checks of createReadStream/createWriteStream options
 * (encoding, signal), with node's own errors: provoked on a stream node refuses
 * right after them (fd -1), so nothing is opened or read.
 */
function nodeOptionChecks(Stream: typeof fs.ReadStream | typeof fs.WriteStream, options: Record<string, unknown>): void {
  try {
    new (Stream as unknown as new (p: undefined, o: object) => unknown)(undefined, { encoding: options.encoding, signal: options.signal, fd: -1 });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_OUT_OF_RANGE') return;
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Reading

/** A read a ReadStream issued: its buffer and range, and once settled, its result. */
class StreamRead extends ReadOp<number> {
  n = -1;
  err: Error | null = null;
  /** node's ReadStream, waiting for this read. */
  cb: ReadCallback | null = null;

  constructor(
    readonly owner: ReadAhead,
    fd: number,
    readonly buf: Buffer,
    readonly at: number,
    len: number,
  ) {
    super(fd, buf, at, 0, len);
  }

  override resolve(n: number): void {
    this.n = n;
    this.owner.settled(this);
  }

  override reject(err: unknown): void {
    this.err = err as Error;
    this.owner.settled(this);
  }
}

/**
 * The read side of a ReadStream: node's `fs.read`-shaped calls, served from
 * reads issued ahead of them.
 */
class ReadAhead {
  readonly handle: StreamHandle;
  readonly fd: number;
  /** Reads issued ahead of node's requests, in file order. */
  readonly queue: StreamRead[] = [];
  inflight = 0;
  /** How many reads may be queued ahead (0 until the file is known to be a regular file or block device). */
  depth = 0;
  probed = false;
  /** The last read handed to node was short (end of file): read no further ahead. */
  short = false;
  /** Positional mode: where the next read ahead starts. Current-position mode: bytes issued so far. */
  next = 0;
  /** Positional mode: the last byte to read (end, inclusive). Current-position mode: how many bytes to read in all. */
  limit = Infinity;
  /** Where reads ahead stop (the file's size when read-ahead began), in the units of `next`. */
  aheadLimit = Infinity;
  positional = false;
  hwm = 0;
  /** The stream is closing: issue nothing more. */
  stopped = false;
  reffed = false;
  #idle: (() => void)[] = [];

  constructor(handle: StreamHandle, fd: number) {
    this.handle = handle;
    this.fd = fd;
  }

  /** The `fs` operations node's ReadStream calls. */
  ops(): object {
    return {
      open: () => {
        throw notImplemented('open()');
      },
      read: (_fd: number, buf: Buffer, offset: number, length: number, position: number | undefined | null, cb: ReadCallback) =>
        this.read(buf, offset, length, position, cb),
      close: (_fd: number, cb: VoidCallback) => this.close(cb),
    };
  }

  read(buf: Buffer, offset: number, length: number, position: number | undefined | null, cb: ReadCallback): void {
    const at = typeof position === 'number' ? position : -1;
    const head = this.queue[0];
    let spare: Buffer | null = buf;
    if (head !== undefined) {
      // Positional: the read ahead must be the one asked for. At the current
      // position, reads ahead never ask for more than node will (both count
      // towards the same end), so the next one is always the right one.
      // (node's ReadStream always reads into the start of its buffer: offset 0.)
      if (at >= 0 ? head.at === at && head.length === length && offset === 0 : head.length <= length && offset === 0) {
        this.queue.shift();
        if (head.n >= 0 || head.err !== null) this.hand(head, cb);
        else head.cb = cb;
      } else {
        // A short read moved node's position: what was read ahead is not what
        // it wants. Those reads settle unobserved.
        this.queue.length = 0;
        spare = null;
        this.issue(buf, offset, length, at, cb);
      }
    } else {
      spare = null;
      this.issue(buf, offset, length, at, cb);
    }
    this.fill(spare);
  }

  /** Hands a settled read to node's ReadStream. */
  hand(r: StreamRead, cb: ReadCallback): void {
    if (r.err !== null) {
      cb(r.err, 0, r.buf);
      return;
    }
    this.short = r.n < r.length;
    if (!this.short && !this.probed) this.probe();
    cb(null, r.n, r.buf);
  }

  /**
   * The first full read: read ahead from now on if the file is a regular file
   * or a block device, up to its size at this moment (so that the stream ends
   * with no reads left in flight past the end of the file; node's own reads
   * still follow the file if it grows).
   */
  probe(): void {
    this.probed = true;
    let st: fs.Stats;
    try {
      st = fs.fstatSync(this.fd);
    } catch {
      return; // Not knowable: no read-ahead.
    }
    if (!st.isFile() && !st.isBlockDevice()) return;
    this.depth = READ_AHEAD;
    // A block device's size is not in its stat: read ahead without a bound.
    if (!st.isFile()) return;
    if (this.positional) {
      this.aheadLimit = st.size;
    } else {
      // Nothing is in flight (reads ahead start now): the file position is
      // where this stream has read to, `next` bytes from where it started.
      const at = loadBinding().binding?.fdPosition(this.fd) ?? -1;
      if (at >= 0) this.aheadLimit = this.next + (st.size - at);
    }
  }

  /** Reads ahead, up to `depth` reads, the first into `spare` (a buffer node gave and no longer needs) if it fits. */
  fill(spare: Buffer | null): void {
    while (!this.stopped && !this.short && this.queue.length < this.depth && this.next < this.aheadLimit) {
      const len = this.positional ? Math.min(this.hwm, this.limit - this.next + 1) : Math.min(this.hwm, this.limit - this.next);
      if (!(len > 0)) return;
      let buf: Buffer;
      if (spare !== null && spare.length === len) {
        buf = spare;
        spare = null;
      } else {
        buf = Buffer.allocUnsafeSlow(len);
      }
      const r = this.start(buf, 0, len, this.positional ? this.next : -1);
      if (r === null) return;
      this.queue.push(r);
    }
  }

  /** The read node asked for, when nothing read ahead is it. */
  issue(buf: Buffer, offset: number, length: number, at: number, cb: ReadCallback): void {
    const view = offset === 0 && length === buf.length ? buf : buf.subarray(offset, offset + length);
    const r = this.start(view, 0, length, at);
    if (r === null) {
      process.nextTick(cb, destroyedError('read'), 0, buf);
      return;
    }
    r.cb = cb;
  }

  start(buf: Buffer, offset: number, len: number, at: number): StreamRead | null {
    const e = engine();
    if (e.destroyed) return null;
    const r = new StreamRead(this, this.fd, buf, at, len);
    this.inflight++;
    if (this.positional) this.next = at + len;
    else this.next += len;
    e.start(r);
    return r;
  }

  settled(r: StreamRead): void {
    this.inflight--;
    const cb = r.cb;
    if (cb !== null) {
      r.cb = null;
      this.hand(r, cb);
    }
    if (this.inflight === 0 && this.#idle.length !== 0) {
      const waiting = this.#idle;
      this.#idle = [];
      for (const fn of waiting) fn();
    }
  }

  /** Runs `fn` once every read issued has settled. */
  whenIdle(fn: () => void): void {
    if (this.inflight === 0) fn();
    else this.#idle.push(fn);
  }

  /** node's close of the stream's fd: after every read settled, release the handle and close it (as node's FileHandle streams do). */
  close(cb: VoidCallback): void {
    this.stopped = true;
    this.queue.length = 0;
    this.whenIdle(() => releaseHandle(this, cb));
  }
}

interface Holder {
  handle: StreamHandle;
  reffed: boolean;
}

/** The stream holds its handle open (node's kRef). */
function hold(side: Holder): void {
  side.handle.ref();
  side.reffed = true;
}

/** Lets go of the handle without closing it. */
function release(side: Holder): void {
  if (!side.reffed) return;
  side.reffed = false;
  side.handle.unref();
}

/** node's close of a FileHandle stream's fd: let go of the handle, and close it. */
function releaseHandle(side: Holder, cb: VoidCallback): void {
  if (!side.reffed) {
    process.nextTick(cb);
    return;
  }
  release(side);
  side.handle.close().then(() => cb(), cb);
}

export interface ReadStreamOptions {
  encoding?: BufferEncoding | null;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  end?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
}

const ReadStreamBase = fs.ReadStream as unknown as new (path: undefined, options: object) => fs.ReadStream;

/**
 * node's fs.ReadStream over a FileHandle, reading on the ring with reads
 * ahead. Made by `filehandle.createReadStream()`.
 */
export class ReadStream extends ReadStreamBase {
  /** @internal */
  constructor(handle: StreamHandle, options?: ReadStreamOptions | null) {
    const opts = { ...options } as Record<string, unknown>;
    const custom = opts.fs;
    if (custom) nodeOptionChecks(fs.ReadStream, opts);
    if (custom) throw notImplemented('FileHandle with fs');
    const side = new ReadAhead(handle, handle.fd);
    // As node's: the stream holds the handle open from the start (a signal
    // aborted already destroys the stream inside the constructor).
    hold(side);
    try {
      super(undefined, { ...opts, fd: handle.fd, fs: side.ops() });
    } catch (err) {
      release(side);
      throw err;
    }
    const self = this as unknown as { start?: number; end: number; readableHighWaterMark: number };
    side.positional = self.start !== undefined;
    side.hwm = self.readableHighWaterMark;
    side.next = self.start ?? 0;
    side.limit = self.end === Infinity ? Infinity : side.positional ? self.end : self.end + 1;
    // And closes when the handle does.
    handle.on('close', this.close.bind(this) as () => void);
  }
}

// ---------------------------------------------------------------------------
// Writing

/** A write (or writev) node's WriteStream asked for. */
interface Chunk {
  views: ArrayBufferView[];
  len: number;
  at: number;
  given: unknown;
  /** node's callback, when it was not acknowledged early. */
  cb: WriteCallback | null;
}

/**
 * The write side of a WriteStream: node's `fs.write`/`fs.writev`-shaped calls,
 * acknowledged early within the write-behind budget, written one operation at
 * a time in order.
 */
class WriteBehind {
  readonly handle: StreamHandle;
  readonly fd: number;
  readonly pending: Chunk[] = [];
  busy = false;
  /** Bytes acknowledged and not yet written. */
  outstanding = 0;
  /** The most that may be acknowledged ahead (0: none). */
  budget = 0;
  /** Bytes written. */
  written = 0;
  failed: Error | null = null;
  reffed = false;
  stream: WriteStream | null = null;
  #idle: (() => void)[] = [];

  constructor(handle: StreamHandle, fd: number) {
    this.handle = handle;
    this.fd = fd;
  }

  ops(): object {
    return {
      open: () => {
        throw notImplemented('open()');
      },
      write: (_fd: number, buf: Buffer, offset: number, length: number, position: number | undefined | null, cb: WriteCallback) => {
        const view = offset === 0 && length === buf.length ? buf : buf.subarray(offset, offset + length);
        this.write([view], length, position, buf, cb);
      },
      writev: (_fd: number, buffers: ArrayBufferView[], position: number | undefined | null, cb: WriteCallback) => {
        let len = 0;
        for (const b of buffers) len += b.byteLength;
        this.write(buffers, len, position, buffers, cb);
      },
      fsync: (_fd: number, cb: VoidCallback) => this.fsync(cb),
      close: (_fd: number, cb: VoidCallback) => this.close(cb),
    };
  }

  write(views: ArrayBufferView[], len: number, position: number | undefined | null, given: unknown, cb: WriteCallback): void {
    if (this.failed !== null) {
      process.nextTick(cb, this.failed, 0, given);
      return;
    }
    const at = typeof position === 'number' ? position : -1;
    const chunk: Chunk = { views, len, at, given, cb: null };
    const early = this.outstanding + len <= this.budget;
    if (early) this.outstanding += len;
    else chunk.cb = cb;
    this.pending.push(chunk);
    this.kick();
    if (early) cb(null, len, given);
  }

  /** Starts the next write: every pending chunk that follows on from the first. */
  kick(): void {
    if (this.busy || this.pending.length === 0 || this.failed !== null) return;
    const e = engine();
    const first = this.pending[0];
    let n = 1;
    let end = first.at + first.len;
    while (n < this.pending.length) {
      const c = this.pending[n];
      if (first.at >= 0 ? c.at !== end : c.at !== -1) break;
      end += c.len;
      n++;
    }
    const batch = this.pending.splice(0, n);
    const views: ArrayBufferView[] = [];
    for (const c of batch) for (const v of c.views) views.push(v);
    if (e.destroyed) {
      this.done(batch, destroyedError('write'), 0);
      return;
    }
    this.busy = true;
    const op = views.length === 1 ? new WriteOp(this.fd, views[0], first.at) : new WritevOp(this.fd, views, first.at);
    e.run(op as WriteOp).then(
      (n) => this.done(batch, null, n),
      (err: unknown) => this.done(batch, err as Error, (err as { bytesWritten?: number }).bytesWritten ?? 0),
    );
  }

  done(batch: Chunk[], err: Error | null, n: number): void {
    this.busy = false;
    this.written += n;
    if (err === null) {
      for (const c of batch) {
        if (c.cb === null) this.outstanding -= c.len;
        else c.cb(null, c.len, c.given);
      }
      this.kick();
    } else {
      this.fail(batch, err);
    }
    this.checkIdle();
  }

  /**
   * A write failed: nothing after it is written. node's WriteStream learns of
   * it through a callback it waits for, if there is one, else the stream is
   * destroyed with it (what node's Writable does with a failed write when it
   * auto-destroys; write-behind is only on then).
   */
  fail(batch: Chunk[], err: Error): void {
    this.failed = err;
    const all = batch.concat(this.pending.splice(0));
    this.outstanding = 0;
    const stream = this.stream;
    if (stream !== null) stream.bytesWritten = this.written;
    let told = false;
    for (const c of all) {
      if (c.cb !== null) {
        told = true;
        c.cb(err, 0, c.given);
      }
    }
    if (!told && stream !== null && !stream.destroyed) stream.destroy(err);
  }

  checkIdle(): void {
    if (this.busy || (this.pending.length !== 0 && this.failed === null) || this.#idle.length === 0) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const fn of waiting) fn();
  }

  /** Runs `fn` once everything acknowledged has been written (or a write failed). */
  whenIdle(fn: () => void): void {
    this.#idle.push(fn);
    this.checkIdle();
  }

  fsync(cb: VoidCallback): void {
    this.whenIdle(() => {
      const e = engine();
      if (e.destroyed) {
        process.nextTick(cb, destroyedError('fsync'));
        return;
      }
      e.run(new FsyncOp(this.fd, false)).then(() => cb(), cb);
    });
  }

  close(cb: VoidCallback): void {
    this.whenIdle(() => releaseHandle(this, cb));
  }
}

export interface WriteStreamOptions {
  encoding?: BufferEncoding | null;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  highWaterMark?: number;
  flush?: boolean;
  signal?: AbortSignal;
}

const WriteStreamBase = fs.WriteStream as unknown as new (path: undefined, options: object) => fs.WriteStream;

/**
 * node's fs.WriteStream over a FileHandle, writing on the ring behind the
 * writer. Made by `filehandle.createWriteStream()`.
 */
const kSide = Symbol('uring-fs.writeBehind');
interface Sided {
  [kSide]: WriteBehind;
}

export class WriteStream extends WriteStreamBase {
  /** @internal */
  constructor(handle: StreamHandle, options?: WriteStreamOptions | null) {
    const opts = { ...options } as Record<string, unknown>;
    const custom = opts.fs;
    if (custom) nodeOptionChecks(fs.WriteStream, opts);
    if (custom) throw notImplemented('FileHandle with fs');
    const side = new WriteBehind(handle, handle.fd);
    hold(side);
    try {
      super(undefined, { ...opts, fd: handle.fd, fs: side.ops() });
    } catch (err) {
      release(side);
      throw err;
    }
    (this as unknown as Sided)[kSide] = side;
    side.stream = this;
    // Early acknowledgements only where a failure that nobody waits for can
    // destroy the stream, as node's Writable does when it auto-destroys.
    if ((this as unknown as { autoClose: boolean }).autoClose) side.budget = WRITE_BEHIND * this.writableHighWaterMark;
    // node's close() of a WriteStream ends it and, without autoClose, destroys
    // it at 'finish': one that has finished already would never be destroyed,
    // and the handle's close() would wait for it forever (as node's does, Node
    // 20 to 26). Destroyed here instead.
    handle.on('close', () => {
      this.close();
      if (this.writableFinished && !this.destroyed) this.destroy();
    });
  }

  /** Everything acknowledged is written before 'finish'; a write that failed fails the stream. */
  override _final(cb: (err?: Error | null) => void): void {
    const side = (this as unknown as Sided)[kSide];
    side.whenIdle(() => cb(side.failed));
  }
}

// ---------------------------------------------------------------------------
// readLines

// node's readLines() returns its internal readline Interface (the class the
// public readline.Interface extends), not a readline.Interface.
const InternalInterface = Object.getPrototypeOf(readline.Interface.prototype).constructor as new (options: readline.ReadLineOptions) => readline.Interface;

export function readLines(handle: StreamHandle, options?: ReadStreamOptions | null): readline.Interface {
  return new InternalInterface({ input: new ReadStream(handle, options), crlfDelay: Infinity });
}

// ---------------------------------------------------------------------------
// readableWebStream

/** Node 22.15+ / 23.8+ always make a byte stream (nodejs/node#55461); before, only with type 'bytes'. */
const ALWAYS_BYTES = NODE_MAJOR > 23 || (NODE_MAJOR === 23 && NODE_MINOR >= 8) || (NODE_MAJOR === 22 && NODE_MINOR >= 15);
/** The autoClose option (nodejs/node#58548): Node 24.2+, 22.17+. */
const HAS_AUTOCLOSE = NODE_MAJOR > 24 || (NODE_MAJOR === 24 && NODE_MINOR >= 2) || (NODE_MAJOR === 22 && NODE_MINOR >= 17);

function invalidState(message: string): Error {
  return ownError('Error', 'ERR_INVALID_STATE', `Invalid state: ${message}`, readableWebStream);
}

export interface ReadableWebStreamOptions {
  type?: 'bytes';
  autoClose?: boolean;
}

/** filehandle.readableWebStream(options), as the running Node's. */
export function readableWebStream(handle: StreamHandle, options: ReadableWebStreamOptions = {}): ReadableStream {
  if (handle.fd === -1) throw invalidState('The FileHandle is closed');
  if (handle.closing) throw invalidState('The FileHandle is closing');
  if (handle.locked) throw invalidState('The FileHandle is locked');
  handle.locked = true;

  let bytes = true;
  let autoClose = false;
  if (ALWAYS_BYTES) {
    validateObject(options, 'options');
    const type = options.type === undefined ? 'bytes' : options.type;
    if (HAS_AUTOCLOSE) {
      const ac = options.autoClose === undefined ? false : options.autoClose;
      validateBoolean(ac, 'options.autoClose');
      autoClose = ac;
    }
    if (type !== 'bytes') {
      process.emitWarning('A non-"bytes" options.type has no effect. A byte-oriented steam is always created.', 'ExperimentalWarning');
    }
  } else {
    const type = (options as { type?: unknown }).type;
    // node's validateString, reached through path.basename (its `path` check).
    if (type !== undefined && typeof type !== 'string') throw argumentError(() => basename(type as never), type, 'options.type', 'path', readableWebStream);
    bytes = type === 'bytes';
  }

  let done = false;
  let cancelled = false;
  const ondone = async (): Promise<void> => {
    if (done) return;
    done = true;
    handle.unref();
    if (autoClose) await handle.close();
  };

  let readable: ReadableStream;
  if (bytes) {
    let ctl: ReadableByteStreamController | undefined;
    let reading = false;
    readable = new ReadableStream({
      type: 'bytes',
      autoAllocateChunkSize: 16384,
      start(c) {
        ctl = c;
      },
      async pull(c) {
        const req = c.byobRequest as ReadableStreamBYOBRequest;
        const view = req.view as Uint8Array;
        reading = true;
        let n: number;
        try {
          ({ bytesRead: n } = await handle.read(view, 0, view.byteLength));
        } catch (err) {
          // Unlike node's, a failed read lets the handle close (node's stays
          // referenced, and its close() never settles).
          void ondone();
          throw err;
        } finally {
          reading = false;
        }
        if (cancelled) {
          // Closed under it: give the buffer back now that the read is done.
          try {
            c.byobRequest?.respond(0);
          } catch {
            // Nothing to give back.
          }
          return;
        }
        if (n === 0) {
          c.close();
          await ondone();
        }
        c.byobRequest?.respond(n);
      },
      async cancel() {
        cancelled = true;
        await ondone();
      },
    });
    // The FileHandle closing ends the stream, as node's does.
    handle.once('close', () => {
      if (done || cancelled) return;
      cancelled = true;
      try {
        ctl?.close();
        if (!reading) ctl?.byobRequest?.respond(0);
      } catch {
        // Already closed or errored.
      }
      void ondone();
    });
  } else {
    // Node 20's default: a stream of ArrayBuffers of up to 64 KiB.
    let ctl: ReadableStreamDefaultController | undefined;
    readable = new ReadableStream({
      start(c) {
        ctl = c;
      },
      async pull(c) {
        const ab = new ArrayBuffer(65536);
        let n: number;
        try {
          ({ bytesRead: n } = await handle.read(new Uint8Array(ab), 0, 65536));
        } catch (err) {
          void ondone();
          throw err;
        }
        if (cancelled) return;
        if (n === 0) {
          c.close();
          await ondone();
          return;
        }
        c.enqueue(n === 65536 ? ab : ab.slice(0, n));
      },
      async cancel() {
        cancelled = true;
        await ondone();
      },
    });
    handle.once('close', () => {
      if (done || cancelled) return;
      cancelled = true;
      try {
        ctl?.close();
      } catch {
        // Already closed or errored.
      }
      void ondone();
    });
  }
  handle.ref();
  return readable;
}
