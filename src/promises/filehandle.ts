// The drop-in's FileHandle: node:fs/promises' FileHandle over the thread's ring.
// Same class shape (an EventEmitter with `fd`, the same methods, a 'close'
// event), same semantics (position null continues from the file position;
// close() waits for the handle's operations in flight; a second close()
// returns the same promise; use after close rejects as node's does; a handle
// collected while open is closed with the running Node's warning or error),
// the same results (objects with a null prototype) and errors.

import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type { BigIntStats, Stats } from 'node:fs';

import type { Engine } from '../engine';
import { ownError } from '../errors';
import { engineOf, run } from '../ops/define';
import { Op } from '../ops/op';
import { ReadOp } from '../ops/read';
import { ReadvOp } from '../ops/readv';
import { WriteOp } from '../ops/write';
import { WritevOp } from '../ops/writev';
import { fstat } from '../ops/stat';
import { fsync } from '../ops/fsync';
import { ftruncate } from '../ops/ftruncate';
import { close as closeOp } from '../ops/close';
import { getRing } from '../ring';
import type { Ring } from '../ring';
import { isDirectRefusal, normalizeRead, normalizeWrite, setReadLengthCoerced, validateDataForReadv } from './args';
import { readFileHandle, writeFileHandle } from './files';
import type { ReadFileOptions, WriteFileOptions } from './files';
import { closedError, devNull, nodeCheck } from './node';
import { ReadStream, WriteStream, readLines, readableWebStream } from './streams';
import type { ReadStreamOptions, ReadableWebStreamOptions, WriteStreamOptions } from './streams';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

export interface ReadResult<T extends ArrayBufferView = Buffer> {
  bytesRead: number;
  buffer: T;
}
export interface WriteResult<T> {
  bytesWritten: number;
  buffer: T;
}
export interface ReadvResult {
  bytesRead: number;
  buffers: ArrayBufferView[];
}
export interface WritevResult {
  bytesWritten: number;
  buffers: ArrayBufferView[];
}

/** A read into a FileHandle's buffer: resolves `{ bytesRead, buffer }` (null prototype), as node's. */
class HandleReadOp<B extends ArrayBufferView> extends ReadOp<ReadResult<B>> {
  constructor(
    readonly handle: FileHandle,
    fd: number,
    view: B,
    position: number | bigint,
    offset: number,
    length: number,
  ) {
    super(fd, view, position, offset, length);
  }

  override value(n: number): ReadResult<B> {
    return { __proto__: null, bytesRead: n, buffer: this.view as B } as unknown as ReadResult<B>;
  }

  // The promise's functions, and two shared methods that use them: no closure per read.
  settleResolve!: (v: ReadResult<B>) => void;
  settleReject!: (e: unknown) => void;

  override bind(resolve: (v: ReadResult<B>) => void, reject: (e: unknown) => void): void {
    this.settleResolve = resolve;
    this.settleReject = reject;
    this.resolve = handleReadResolve;
    this.reject = handleReadReject;
  }
}

function handleReadResolve<B extends ArrayBufferView>(this: HandleReadOp<B>, v: ReadResult<B>): void {
  this.handle.unref();
  this.settleResolve(v);
}

function handleReadReject<B extends ArrayBufferView>(this: HandleReadOp<B>, e: unknown): void {
  this.handle.unref();
  this.settleReject(e);
}

/** A write from a FileHandle: resolves `{ bytesWritten, buffer }` (the buffer as given: a string stays one). */
class HandleWriteOp<B> extends WriteOp<WriteResult<B>> {
  constructor(
    readonly handle: FileHandle,
    readonly given: B,
    fd: number,
    view: ArrayBufferView,
    position: number | bigint,
    offset: number,
    length: number,
  ) {
    super(fd, view, position, offset, length);
  }

  override value(n: number): WriteResult<B> {
    return { __proto__: null, bytesWritten: n, buffer: this.given } as unknown as WriteResult<B>;
  }

  override bind(resolve: (v: WriteResult<B>) => void, reject: (e: unknown) => void): void {
    const handle = this.handle;
    this.resolve = (v) => {
      handle.unref();
      resolve(v);
    };
    this.reject = (e) => {
      handle.unref();
      reject(e);
    };
  }
}

const kFd = Symbol('kFd');

let isOurs: (o: unknown) => boolean;
let nodeProto: Record<string | symbol, unknown> | undefined;

/**
 * A method called on something that is not one of our handles
 * (FileHandle.prototype.stat.call({})): node's own method for the same call,
 * so the result is node's (its ERR_INTERNAL_ASSERTION rejection for most).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function foreign(receiver: unknown, name: string, args: IArguments): any {
  const method = nodeProto?.[name];
  if (typeof method !== 'function') return Promise.reject(new TypeError(`FileHandle.prototype.${name} called on an object that is not a FileHandle`));
  return Reflect.apply(method as (...a: unknown[]) => unknown, receiver, args);
}

// Handles collected while open: closed as node closes them, with its warning
// (Node 20-24) or error (Node 26+).
let deprecationShown = false;
const collected = new FinalizationRegistry<{ fd: number; path: string | undefined; closed: { v: boolean } }>((held) => {
  if (held.closed.v) return;
  fs.close(held.fd, () => {});
  setImmediate(() => {
    if (NODE_MAJOR >= 26) {
      const where = held.path === undefined ? '' : ` (${held.path})`;
      const err = ownError(
        'Error',
        'ERR_INVALID_STATE',
        'A FileHandle object was closed during garbage collection. This used to be allowed with a deprecation warning but is now considered an error. ' +
          `Please close FileHandle objects explicitly. File descriptor: ${held.fd}${where}`,
        ownError,
      );
      process.nextTick(() => {
        throw err;
      });
      return;
    }
    process.emitWarning(`Closing file descriptor ${held.fd} on garbage collection`);
    if (!deprecationShown) {
      deprecationShown = true;
      process.emitWarning(
        'Closing a FileHandle object on garbage collection is deprecated. Please close FileHandle objects explicitly using ' +
          'FileHandle.prototype.close(). In the future, an error will be thrown if a file descriptor is closed during garbage collection.',
        'DeprecationWarning',
        'DEP0137',
      );
    }
  });
});

/**
 * node:fs/promises' FileHandle, on the ring. Made by `open()`; not constructed
 * directly.
 */
export class FileHandle extends EventEmitter {
  [kFd]: number;
  #ring: Ring;
  #engine: Engine;
  #refs = 1;
  #closePromise: Promise<void> | null | undefined = null;
  #closeResolve: (() => void) | undefined;
  #closeReject: ((err: unknown) => void) | undefined;
  #closeState: { v: boolean };
  #resource: AsyncResource;
  #locked = false;

  static {
    isOurs = (o) => typeof o === 'object' && o !== null && #refs in o;
  }

  /** @internal */
  constructor(fd: number, ring: Ring, path?: string | Buffer | URL) {
    super();
    this[kFd] = fd;
    this.#ring = ring;
    this.#engine = engineOf(ring);
    this.#resource = new AsyncResource('FILEHANDLE');
    this.#closeState = { v: false };
    collected.register(this, { fd, path: path === undefined ? undefined : String(path), closed: this.#closeState }, this);
  }

  get fd(): number {
    return this[kFd];
  }

  getAsyncId(): number {
    if (!isOurs(this)) return foreign(this, 'getAsyncId', arguments);
    return this.#resource.asyncId();
  }

  /** @internal: one more operation in flight on this handle. */
  ref(): void {
    this.#refs++;
  }

  /** @internal: an operation on this handle settled; the last one out closes a closing handle. */
  unref(): void {
    if (--this.#refs === 0) this.#finishClose();
  }

  /** Runs `fn` as an operation of this handle: after close, node's "file closed" rejection. */
  #call<T>(syscall: string, fn: () => Promise<T>): Promise<T> {
    if (this[kFd] === -1) return closedError(syscall);
    this.#refs++;
    let p: Promise<T>;
    try {
      p = fn();
    } catch (err) {
      this.unref();
      return Promise.reject(err);
    }
    return p.then(
      (v) => {
        this.unref();
        return v;
      },
      (err: unknown) => {
        this.unref();
        throw err;
      },
    );
  }

  /** An op of this handle, counted in flight by the op itself (no promise of its own). */
  #op<T>(syscall: string, make: () => Op<T> & { handle?: FileHandle }): Promise<T> {
    if (this[kFd] === -1) return closedError(syscall);
    let op: Op<T>;
    try {
      op = make();
    } catch (err) {
      return Promise.reject(err);
    }
    this.#refs++;
    return this.#engine.run(op);
  }

  read<T extends ArrayBufferView = Buffer>(
    buffer?: T | { buffer?: T; offset?: number; length?: number; position?: number | bigint | null },
    offset?: number | null | { offset?: number; length?: number; position?: number | bigint | null },
    length?: number | null,
    position?: number | bigint | null,
  ): Promise<ReadResult<T>> {
    if (!isOurs(this)) return foreign(this, 'read', arguments);
    if (this[kFd] === -1) return closedError('read');
    // The common call, read(buffer, offset, length, position) with a safe
    // integer window inside the buffer and a position >= 0: no options to
    // take apart (what it accepts, node accepts the same way).
    if (
      typeof offset === 'number' &&
      typeof length === 'number' &&
      typeof position === 'number' &&
      ArrayBuffer.isView(buffer) &&
      length > 0 &&
      position >= 0 &&
      Number.isSafeInteger(position) &&
      Number.isSafeInteger(offset) &&
      offset >= 0 &&
      (length | 0) === length &&
      offset + length <= buffer.byteLength
    ) {
      this.#refs++;
      return this.#engine.run(new HandleReadOp(this, this[kFd], buffer, position, offset, length));
    }
    let args: ReturnType<typeof normalizeRead>;
    try {
      args = normalizeRead(buffer, offset, length, position);
    } catch (err) {
      if (isDirectRefusal(err)) return Promise.reject(err);
      return nodeCheck('read', err, buffer, offset, length, position);
    }
    if (args.length === 0) return Promise.resolve({ __proto__: null, bytesRead: 0, buffer: args.buffer } as unknown as ReadResult<T>);
    const fd = this[kFd];
    return this.#op('read', () => new HandleReadOp(this, fd, args.buffer as T, args.position, args.offset, args.length));
  }

  write<T extends ArrayBufferView | string>(
    buffer: T,
    offsetOrPosition?: number | null | { offset?: number; length?: number; position?: number | null },
    lengthOrEncoding?: number | BufferEncoding | null,
    position?: number | bigint | null,
  ): Promise<WriteResult<T>> {
    if (!isOurs(this)) return foreign(this, 'write', arguments);
    if (this[kFd] === -1) return closedError('write');
    let args: ReturnType<typeof normalizeWrite>;
    try {
      args = normalizeWrite(buffer, offsetOrPosition, lengthOrEncoding, position);
    } catch (err) {
      return nodeCheck('write', err, buffer, offsetOrPosition, lengthOrEncoding, position);
    }
    if (args.length === 0) return Promise.resolve({ __proto__: null, bytesWritten: 0, buffer } as unknown as WriteResult<T>);
    const fd = this[kFd];
    return this.#op('write', () => new HandleWriteOp(this, buffer, fd, args.view, args.position, args.offset, args.length));
  }

  readv(buffers: readonly ArrayBufferView[], position?: number | bigint | null): Promise<ReadvResult> {
    if (!isOurs(this)) return foreign(this, 'readv', arguments);
    if (this[kFd] === -1) return closedError('readv');
    let list: ArrayBufferView[];
    try {
      list = validateDataForReadv(buffers);
    } catch (err) {
      return nodeCheck('readv', err, buffers, position);
    }
    // node's readv: a position that is not a safe integer reads at the current position.
    const at = typeof position === 'number' && Number.isSafeInteger(position) ? position : -1;
    return this.#call('readv', async () => {
      const bytesRead = await this.#engine.run(new ReadvOp(this[kFd], list, at));
      return { __proto__: null, bytesRead, buffers: list } as unknown as ReadvResult;
    });
  }

  writev(buffers: readonly ArrayBufferView[], position?: number | bigint | null): Promise<WritevResult> {
    if (!isOurs(this)) return foreign(this, 'writev', arguments);
    if (this[kFd] === -1) return closedError('writev');
    let list: ArrayBufferView[];
    try {
      list = validateDataForReadv(buffers);
    } catch (err) {
      return nodeCheck('writev', err, buffers, position);
    }
    if (list.length === 0) return Promise.resolve({ __proto__: null, bytesWritten: 0, buffers: list } as unknown as WritevResult);
    const at = typeof position === 'number' && Number.isSafeInteger(position) ? position : -1;
    return this.#call('writev', async () => {
      const bytesWritten = await this.#engine.run(new WritevOp(this[kFd], list, at));
      return { __proto__: null, bytesWritten, buffers: list } as unknown as WritevResult;
    });
  }

  readFile(options?: ReadFileOptions | BufferEncoding | null): Promise<string | Buffer> {
    if (!isOurs(this)) return foreign(this, 'readFile', arguments);
    return this.#call('readFile', () => readFileHandle(this.#ring, this[kFd], options));
  }

  writeFile(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
    if (!isOurs(this)) return foreign(this, 'writeFile', arguments);
    return this.#call('writeFile', () => writeFileHandle(this.#ring, this[kFd], data, options, 'w'));
  }

  appendFile(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
    if (!isOurs(this)) return foreign(this, 'appendFile', arguments);
    return this.#call('writeFile', () => writeFileHandle(this.#ring, this[kFd], data, options, 'a'));
  }

  stat(options?: { bigint?: false }): Promise<Stats>;
  stat(options: { bigint: true }): Promise<BigIntStats>;
  stat(options?: { bigint?: boolean }): Promise<Stats | BigIntStats> {
    if (!isOurs(this)) return foreign(this, 'stat', arguments);
    return this.#call('fstat', () => run(this.#ring, () => fstat(this[kFd], options)));
  }

  truncate(len = 0): Promise<void> {
    if (!isOurs(this)) return foreign(this, 'truncate', arguments);
    return this.#call('ftruncate', () => run(this.#ring, () => ftruncate(this[kFd], len)));
  }

  sync(): Promise<void> {
    if (!isOurs(this)) return foreign(this, 'sync', arguments);
    return this.#call('fsync', () => run(this.#ring, () => fsync(this[kFd], false)));
  }

  datasync(): Promise<void> {
    if (!isOurs(this)) return foreign(this, 'datasync', arguments);
    return this.#call('fdatasync', () => run(this.#ring, () => fsync(this[kFd], true)));
  }

  // No io_uring opcode: node:fs's own calls on the fd (and so its validation and errors).
  chmod(mode: fs.Mode): Promise<void> {
    if (!isOurs(this)) return foreign(this, 'chmod', arguments);
    return this.#call('fchmod', () => fdCall((cb) => fs.fchmod(this[kFd], mode, cb)));
  }

  chown(uid: number, gid: number): Promise<void> {
    if (!isOurs(this)) return foreign(this, 'chown', arguments);
    return this.#call('fchown', () => fdCall((cb) => fs.fchown(this[kFd], uid, gid, cb)));
  }

  utimes(atime: fs.TimeLike, mtime: fs.TimeLike): Promise<void> {
    if (!isOurs(this)) return foreign(this, 'utimes', arguments);
    return this.#call('futimes', () => fdCall((cb) => fs.futimes(this[kFd], atime, mtime, cb)));
  }

  /** A Readable (node's fs.ReadStream) of the file, with reads ahead on the ring. */
  createReadStream(options?: ReadStreamOptions | null): ReadStream {
    if (!isOurs(this)) return foreign(this, 'createReadStream', arguments);
    return new ReadStream(this, options);
  }

  /** A Writable (node's fs.WriteStream) to the file, writing behind on the ring. */
  createWriteStream(options?: WriteStreamOptions | null): WriteStream {
    if (!isOurs(this)) return foreign(this, 'createWriteStream', arguments);
    return new WriteStream(this, options);
  }

  /** A readline Interface over createReadStream(options), as node's. */
  readLines(options?: ReadStreamOptions | null): import('node:readline').Interface {
    if (!isOurs(this)) return foreign(this, 'readLines', arguments);
    return readLines(this, options);
  }

  /** A web ReadableStream of the file's bytes, as the running Node's. */
  readableWebStream(options?: ReadableWebStreamOptions): import('node:stream/web').ReadableStream {
    if (!isOurs(this)) return foreign(this, 'readableWebStream', arguments);
    return readableWebStream(this, options);
  }

  /** @internal: close() was called and waits for operations in flight. */
  get closing(): boolean {
    return !!this.#closePromise;
  }

  /** @internal: whether a stream or web stream holds this handle. */
  get locked(): boolean {
    return this.#locked;
  }

  /** @internal */
  set locked(v: boolean) {
    this.#locked = v;
  }

  /**
   * Closes the fd, once every operation in flight on this handle has settled.
   * A second call returns the same promise; on a closed handle it resolves.
   * An own property (as node's is), so structured cloning a handle fails.
   */
  close = (): Promise<void> => {
    if (this[kFd] === -1) return Promise.resolve();
    if (this.#closePromise) return this.#closePromise;
    this.#refs--;
    if (this.#refs === 0) {
      const fd = this[kFd];
      this[kFd] = -1;
      this.#closeState.v = true;
      collected.unregister(this);
      this.#closePromise = run(this.#ring, () => closeOp(fd)).finally(() => {
        this.#closePromise = undefined;
      });
    } else {
      this.#closePromise = new Promise<void>((resolve, reject) => {
        this.#closeResolve = resolve;
        this.#closeReject = reject;
      }).finally(() => {
        this.#closePromise = undefined;
        this.#closeResolve = undefined;
        this.#closeReject = undefined;
      });
    }
    this.emit('close');
    return this.#closePromise;
  };

  /** The last operation of a closing handle settled: close the fd now. */
  #finishClose(): void {
    const fd = this[kFd];
    if (fd === -1) return;
    this[kFd] = -1;
    this.#closeState.v = true;
    collected.unregister(this);
    run(this.#ring, () => closeOp(fd)).then(this.#closeResolve, this.#closeReject);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

// node:fs takes a FileHandle where it takes an fd (fs.createReadStream(null,
// { fd: filehandle }), fs.createWriteStream, node:fs/promises' readFile and
// writeFile) only if it is an instance of node's own FileHandle class; it then
// drives it through its public `fd` and methods and two internal methods,
// kRef and kUnref (an operation on the handle starts, ends). So the drop-in's
// FileHandle.prototype inherits node's FileHandle.prototype (found once on a
// handle node opens) and answers those two symbols with its own counting. Our
// class defines every public method itself; the inherited ones are there for
// instanceof, and would work anyway (node's methods go through `fd`, kRef and
// kUnref). Done before the first handle is made (open() waits for it once);
// if this Node's class has no kRef/kUnref, handles stay plain EventEmitters
// and node:fs refuses them, as before.
let adopted = false;
let adoption: Promise<void> | undefined;

/** null once FileHandle.prototype inherits node's (or cannot), else a promise of it. */
export function nodeClassAdopted(): Promise<void> | null {
  if (adopted) return null;
  adoption ??= devNull().then(
    async (fh) => {
      // Does node's read coerce its length? A string '0' into an empty buffer
      // reads nothing where it does, and is refused (the buffer is empty)
      // before C++ where it does not: safe on every line.
      setReadLengthCoerced(
        await fh.read(Buffer.alloc(0), 0, '0' as unknown as number, null).then(
          () => true,
          () => false,
        ),
      );
      nodeProto = Object.getPrototypeOf(fh) as Record<string | symbol, unknown>;
      const symbols = Object.getOwnPropertySymbols(nodeProto);
      const kRef = symbols.find((sym) => sym.description === 'kRef');
      const kUnref = symbols.find((sym) => sym.description === 'kUnref');
      const ours = FileHandle.prototype;
      if (kRef !== undefined && kUnref !== undefined && !Object.prototype.isPrototypeOf.call(nodeProto, ours)) {
        Object.defineProperty(ours, kRef, { value: ours.ref, writable: true, configurable: true });
        Object.defineProperty(ours, kUnref, { value: ours.unref, writable: true, configurable: true });
        Object.setPrototypeOf(ours, nodeProto);
      }
      adopted = true;
    },
    () => {
      adopted = true;
    },
  );
  return adoption;
}

function fdCall(fn: (cb: (err: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

/** The ring FileHandles of this thread use. */
export function handleRing(): Ring {
  return getRing();
}
