// The promise-free path: reads and writes whose results come back as numbers in
// typed arrays, many at a time, with no promise, closure or Error per op.
//
//  - CompletionQueue: submit with an int32 tag of your choosing; a handler you
//    gave once receives (tags, results, count) after each reap, the results as
//    the kernel gives them (bytes, or -errno). Op objects are pooled, so a
//    steady stream of ops allocates nothing per op.
//  - readMany / writeMany: one promise for many ops, resolving one Int32Array.
//
// Same engine, same staging area, same order guarantees as the promise API;
// what is left out is what makes that API node:fs-like: a write is one SQE
// (a short write is reported, not continued), and a failure is a number.

import { AsyncResource } from 'node:async_hooks';
import * as fs from 'node:fs';

import type { Engine } from './engine';
import { destroyedError, invalidArgValue, uvError } from './errors';
import { type View, pos } from './fallback';
import { MAX_RW, Op } from './ops/op';
import type { Stager } from './stage';
import { invalidInstance, normalizePosition, validateFd, validateInt32, validateList, validateReadBuffer, validateWriteBuffer } from './validate';

const ECANCELED = -125;
const EIO = -5;

/** Receives completed ops: `tags[i]` and `results[i]` for i < count (bytes, or -errno). The arrays are reused: read them before returning. */
export type CompletionHandler = (tags: Int32Array, results: Int32Array, count: number) => void;

interface Target {
  put(tag: number, res: number, op: RawOp): void;
}

/** One read or write of a view, reporting its raw result to a target. */
class RawOp extends Op<number> {
  native: 'read' | 'write' = 'read';
  syscall: 'read' | 'write' = 'read';
  view: ArrayBufferView = EMPTY;
  position: number | bigint = 0;
  length = 0;
  tag = 0;
  target: Target | null = null;

  override get breaksLink(): boolean {
    return true;
  }

  init(kind: 'read' | 'write', fd: number, view: ArrayBufferView, position: number | bigint, tag: number, target: Target): this {
    this.native = this.syscall = kind;
    this.fd = fd;
    this.curFd = position === -1 ? fd : -1;
    this.view = view;
    this.position = position;
    this.length = Math.min(view.byteLength, MAX_RW);
    this.tag = tag;
    this.target = target;
    this.flags = 0;
    return this;
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
    s.obj(0, this.view);
    s.offset(0, this.position);
    s.float(1, 0);
    s.float(2, this.length);
    s.fixedIndex(this.view, 0, this.length);
  }

  complete(res: number): number {
    return res;
  }

  override settle(res: number): boolean {
    (this.target as Target).put(this.tag, res, this);
    return true;
  }

  override resolve(value: number): void {
    (this.target as Target).put(this.tag, value, this);
  }

  override reject(reason: unknown): void {
    const errno = (reason as NodeJS.ErrnoException | null)?.errno;
    (this.target as Target).put(this.tag, typeof errno === 'number' && errno < 0 ? errno : EIO, this);
  }

  viaFs(): Promise<number> {
    const { fd, view, length, position } = this;
    return new Promise<number>((resolve, reject) => {
      const cb = (err: NodeJS.ErrnoException | null, n: number): void => (err ? reject(err) : resolve(n));
      if (this.native === 'read') fs.read(fd, view as View, 0, length, position === -1 ? null : position, cb);
      else fs.write(fd, view as View, 0, length, pos(position), cb);
    });
  }
}

const EMPTY = new Uint8Array(0);

function validateArgs(kind: 'read' | 'write', fd: unknown, view: unknown, position: unknown): [number, ArrayBufferView, number | bigint] {
  const validFd = validateFd(fd);
  if (kind === 'read') validateReadBuffer(view);
  else validateWriteBuffer(view);
  return [validFd, view, normalizePosition(position, view.byteLength)];
}

/**
 * Reads and writes reported in bulk to one handler, with tags instead of
 * promises. Made by `ring.completionQueue(handler)`.
 */
export class CompletionQueue implements Target {
  readonly #engine: Engine;
  readonly #handler: CompletionHandler;
  #tags = new Int32Array(64);
  #results = new Int32Array(64);
  #count = 0;
  #scheduled = false;
  #pending = 0;
  readonly #pool: RawOp[] = [];
  #done: RawOp[] = [];

  /** @internal */
  constructor(engine: Engine, handler: CompletionHandler) {
    this.#engine = engine;
    // The handler runs in the async context the queue was made in.
    this.#handler = AsyncResource.bind(handler);
  }

  /** Ops submitted whose results have not been handed to the handler yet. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Reads up to `view.byteLength` bytes at `position` (-1, null or undefined:
   * the file's current position). The handler gets `tag` with the bytes read,
   * or -errno. Invalid arguments throw node:fs's error; nothing is submitted.
   */
  read(fd: number, view: ArrayBufferView, position: number | bigint | null | undefined, tag: number): void {
    this.#submit('read', fd, view, position, tag);
  }

  /**
   * One write of `view` at `position`: the handler gets `tag` with the bytes
   * written (which may be fewer than `view.byteLength`: a short write is
   * reported, not continued), or -errno.
   */
  write(fd: number, view: ArrayBufferView, position: number | bigint | null | undefined, tag: number): void {
    this.#submit('write', fd, view, position, tag);
  }

  /** The node:fs-shaped error for a negative result (`syscall` 'read' or 'write'). */
  error(result: number, syscall: 'read' | 'write'): Error {
    return uvError(result, syscall);
  }

  #submit(kind: 'read' | 'write', fd: unknown, view: unknown, position: unknown, tag: unknown): void {
    const [validFd, validView, validPos] = validateArgs(kind, fd, view, position);
    validateInt32(tag, 'tag');
    if (this.#engine.destroyed) throw destroyedError(kind);
    const op = (this.#pool.pop() ?? new RawOp()).init(kind, validFd, validView, validPos, tag, this);
    this.#pending++;
    this.#engine.start(op);
  }

  /** @internal */
  put(tag: number, res: number, op: RawOp): void {
    let n = this.#count;
    if (n === this.#tags.length) {
      const tags = new Int32Array(2 * n);
      const results = new Int32Array(2 * n);
      tags.set(this.#tags);
      results.set(this.#results);
      this.#tags = tags;
      this.#results = results;
    }
    this.#tags[n] = tag;
    this.#results[n] = res;
    this.#count = ++n;
    this.#done.push(op);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#engine.later(this.#deliver);
    }
  }

  readonly #deliver = (): void => {
    this.#scheduled = false;
    const n = this.#count;
    this.#count = 0;
    this.#pending -= n;
    // The ops are done with: back to the pool, their references dropped.
    const done = this.#done;
    this.#done = [];
    for (const op of done) {
      op.view = EMPTY;
      op.target = null;
      if (this.#pool.length < 4096) this.#pool.push(op);
    }
    if (n > 0) this.#handler(this.#tags, this.#results, n);
  };
}

/** Collects readMany/writeMany results into one Int32Array. */
class ManySink implements Target {
  left: number;
  resolve!: (results: Int32Array) => void;

  constructor(readonly results: Int32Array) {
    this.left = results.length;
  }

  put(index: number, res: number): void {
    this.results[index] = res;
    if (--this.left === 0) this.resolve(this.results);
  }
}

function positionAt(positions: unknown, i: number): unknown {
  return (positions as ArrayLike<unknown>)[i];
}

/**
 * Many reads (or writes, each one SQE) of `views[i]` at `positions[i]` on one
 * fd, in one submission, resolving one Int32Array: bytes moved, or -errno, per
 * view. Arguments are validated before anything is submitted.
 */
export function runMany(engine: Engine, kind: 'read' | 'write', fd: unknown, views: unknown, positions: unknown): Promise<Int32Array> {
  let ops: RawOp[];
  let sink: ManySink;
  try {
    const validFd = validateFd(fd);
    validateList(views, 'views');
    const list = views as unknown[];
    if (!Array.isArray(positions) && !(positions instanceof Float64Array) && !(positions instanceof BigInt64Array)) {
      throw invalidInstance(positions, 'positions', 'Array, Float64Array, or BigInt64Array', runMany);
    }
    if (positions.length !== list.length) {
      throw invalidArgValue('positions', positions, `must have as many entries as views (${list.length})`, runMany);
    }
    sink = new ManySink(new Int32Array(list.length));
    ops = new Array<RawOp>(list.length);
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (kind === 'read') validateReadBuffer(v, `views[${i}]`);
      else validateWriteBuffer(v, `views[${i}]`);
      const p = normalizePosition(positionAt(positions, i), v.byteLength);
      ops[i] = new RawOp().init(kind, validFd, v, p, i, sink);
    }
  } catch (err) {
    return Promise.reject(err);
  }
  if (engine.destroyed) return Promise.reject(destroyedError(kind));
  if (ops.length === 0) return Promise.resolve(sink.results);
  const done = new Promise<Int32Array>((resolve) => {
    sink.resolve = resolve;
  });
  for (const op of ops) engine.start(op);
  return done;
}

export { ECANCELED };
