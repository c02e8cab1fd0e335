// Registered buffers: ring.registerBuffers(count, size) → a BufferPool.
//
// The pool's memory is one shared WebAssembly.Memory: V8 maps it on pages of its
// own (so every buffer, at a multiple of 4096 from its start, is page-aligned, as
// O_DIRECT wants), its SharedArrayBuffer cannot be detached or transferred (only
// shared: a worker's ring can register the very same memory), and it lives as
// long as anything references it. The kernel pins the pages at registration
// (IORING_REGISTER_BUFFERS, Linux 5.1); a read or write whose window lies inside
// one buffer then runs as IORING_OP_READ_FIXED / WRITE_FIXED, without pinning
// and unpinning the pages per op. The engine picks that per op (src/stage.ts
// fixedIndex); the addon checks the window against what it registered.
//
// Lifetime: the ring's native side holds a strong reference to the memory from
// registration until unregistration (dispose) or the ring's end, and every op
// holds its own view until its CQE, so the memory outlives the kernel's use of
// it. release() of a buffer with ops in flight takes effect when they settle;
// dispose() unregisters once no op using a registered buffer is in flight.

import { loadBinding } from './binding';
import { destroyedError, invalidArgValue, ownError, uvError } from './errors';
import type { Engine } from './engine';
import type { NativeRing } from './native';
import { validateFd } from './validate';

/** IORING_MAX_REG_BUFFERS: the most buffers one registration may have. */
export const MAX_BUFFERS = 1 << 14;
/** The kernel's limit on one registered buffer (1 GiB). */
export const MAX_BUFFER_SIZE = 1 << 30;
const PAGE = 4096;
const WASM_PAGE = 65536;
/** A WebAssembly.Memory holds at most 65536 pages of 64 KiB (4 GiB). */
export const MAX_POOL_BYTES = 65536 * WASM_PAGE;

const HANDLE = 'uring-fs.BufferPool';

/** A shared WebAssembly.Memory, as much of it as is used here (@types/node has no WebAssembly types). */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
}
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
};

/**
 * What a worker needs to register the same memory with its own ring
 * (`pool.share()`, sent with postMessage): the shared memory, the layout, and the
 * fd of the ring that registered it (for IORING_REGISTER_CLONE_BUFFERS).
 */
export interface BufferPoolHandle {
  readonly kind: 'uring-fs.BufferPool';
  readonly memory: SharedMemory;
  readonly count: number;
  readonly size: number;
  /** The registering ring's fd in this process, or -1 (node:fs backend). */
  readonly ringFd: number;
}

function envList(name: string): string[] {
  return (process.env[name] ?? '').split(',').map((s) => s.trim());
}

/** URING_FS_DISABLE_FEATURES=cloneBuffers,dioAlign: behave as a kernel without them (tests). */
export function featureDisabled(feature: 'cloneBuffers' | 'dioAlign'): boolean {
  return envList('URING_FS_DISABLE_FEATURES').includes(feature);
}

function invalidState(message: string, anchor: (...args: never[]) => unknown): Error {
  return ownError('Error', 'ERR_INVALID_STATE', `Invalid state: ${message}`, anchor);
}

/** Validates registerBuffers' arguments: [count, size rounded up to a page]. */
function layoutOf(countArg: unknown, sizeArg: unknown, anchor: (...args: never[]) => unknown): [number, number] {
  const count = validateFd(countArg, 'count');
  if (count < 1 || count > MAX_BUFFERS) throw invalidArgValue('count', count, `must be from 1 to ${MAX_BUFFERS}`, anchor);
  const size = validateFd(sizeArg, 'size');
  if (size < 1 || size > MAX_BUFFER_SIZE) throw invalidArgValue('size', size, `must be from 1 to ${MAX_BUFFER_SIZE}`, anchor);
  const rounded = Math.ceil(size / PAGE) * PAGE;
  if (count * rounded > MAX_POOL_BYTES) {
    throw invalidArgValue('count', count, `times size (rounded up to ${PAGE}) must be at most ${MAX_POOL_BYTES} bytes`, anchor);
  }
  return [count, rounded];
}

function isHandle(v: unknown): v is BufferPoolHandle {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === HANDLE;
}

/**
 * A set of `count` page-aligned Buffers of `size` bytes each, registered with a
 * ring. Made by `ring.registerBuffers()`.
 */
export class BufferPool {
  /** Buffers in the pool. */
  readonly count: number;
  /** Bytes per buffer (the size asked for, rounded up to a multiple of 4096). */
  readonly size: number;
  /** Every buffer of the pool, by index (acquire() hands these out). */
  readonly buffers: readonly Buffer[];
  /** True when the registration came from another ring's (IORING_REGISTER_CLONE_BUFFERS, Linux 6.12). */
  readonly cloned: boolean;
  /** The memory the buffers lie in, end to end. */
  readonly memory: SharedMemory;
  /** memory.buffer (a SharedArrayBuffer), for the per-op check. */
  readonly bytes: ArrayBufferLike;

  readonly #engine: Engine;
  #registered: boolean;
  /** The ring fd share() names for cloning: the holder's, or the one this pool cloned from; -1 for none. */
  readonly #cloneFd: number;
  /** The holder ring this pool created (native holdBuffers), dropped at dispose(); or null. */
  #holder: unknown;
  readonly #free: number[] = [];
  /** Per buffer: 0 free, 1 acquired, 2 released while ops on it were in flight. */
  readonly #state: Uint8Array;
  /** Per buffer: ops in flight (SQEs out, CQE not yet come) that use it as a registered buffer. */
  readonly #busy: Uint32Array;
  #inFlight = 0;
  #disposing: Promise<void> | undefined;
  #onIdle: (() => void) | undefined;

  /** @internal Use ring.registerBuffers(). */
  constructor(engine: Engine, memory: SharedMemory, count: number, size: number, registered: boolean, cloned: boolean, cloneFd: number, holder: unknown) {
    this.#engine = engine;
    this.memory = memory;
    this.bytes = memory.buffer;
    this.count = count;
    this.size = size;
    this.#registered = registered;
    this.cloned = cloned;
    this.#cloneFd = cloneFd;
    this.#holder = holder;
    this.#state = new Uint8Array(count);
    this.#busy = new Uint32Array(count);
    const bufs: Buffer[] = [];
    for (let i = 0; i < count; i++) bufs.push(Buffer.from(this.bytes, i * size, size));
    this.buffers = Object.freeze(bufs);
    for (let i = count - 1; i >= 0; i--) this.#free.push(i);
  }

  /** True while the buffers are registered with the kernel (false on the node:fs backend, after dispose() or the ring's destroy()). */
  get registered(): boolean {
    return this.#registered && this.#disposing === undefined && !this.#engine.destroyed;
  }

  /** How many buffers acquire() can hand out now. */
  get free(): number {
    return this.#free.length;
  }

  /** A free buffer, now acquired (its contents are what the last user left), or null if none is free. */
  acquire(): Buffer | null {
    if (this.#disposing !== undefined) throw invalidState('the buffer pool has been disposed', this.acquire);
    const i = this.#free.pop();
    if (i === undefined) return null;
    this.#state[i] = 1;
    return this.buffers[i];
  }

  /**
   * Gives an acquired buffer back. If reads or writes using it are still in
   * flight, it becomes free when the last of them settles, so acquire() never
   * hands out memory the kernel may still write.
   */
  release(buffer: Buffer): void {
    const i = this.#indexOfBuffer(buffer);
    if (i < 0) throw invalidArgValue('buffer', buffer, 'must be a buffer of this pool', this.release);
    if (this.#state[i] !== 1) throw invalidState('this buffer is not acquired (released twice?)', this.release);
    if (this.#busy[i] > 0) {
      this.#state[i] = 2;
    } else {
      this.#state[i] = 0;
      this.#free.push(i);
    }
  }

  /** The index of the buffer `view` lies wholly inside, or -1. */
  indexOf(view: ArrayBufferView): number {
    if (!ArrayBuffer.isView(view) || view.buffer !== this.bytes) return -1;
    const start = view.byteOffset;
    const i = Math.floor(start / this.size);
    return i < this.count && start + view.byteLength <= (i + 1) * this.size ? i : -1;
  }

  #indexOfBuffer(buffer: unknown): number {
    if (!Buffer.isBuffer(buffer)) return -1;
    const i = this.indexOf(buffer);
    return i >= 0 && this.buffers[i] === buffer ? i : -1;
  }

  /**
   * What a worker thread passes to its own ring's registerBuffers() (send it with
   * postMessage): the worker's Buffers then lie in this same memory. Where the
   * kernel has IORING_REGISTER_CLONE_BUFFERS (6.12) the worker's ring takes this
   * ring's registration without pinning the pages again.
   */
  share(): BufferPoolHandle {
    return Object.freeze({ kind: HANDLE, memory: this.memory, count: this.count, size: this.size, ringFd: this.registered ? this.#cloneFd : -1 });
  }

  /**
   * Unregisters the buffers once no read or write using them is in flight (ops
   * called after this run on the same memory as plain reads and writes). The
   * Buffers stay valid memory for as long as they are referenced; acquire() now
   * throws. Safe to call more than once.
   */
  dispose(): Promise<void> {
    if (this.#disposing) return this.#disposing;
    this.#disposing = new Promise<void>((resolve) => {
      this.#onIdle = resolve;
    });
    this.#checkIdle();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** @internal Whether the engine may name buffer indices in SQEs. */
  get usable(): boolean {
    return this.#registered && this.#disposing === undefined;
  }

  /** @internal An SQE naming buffer i went to the kernel. */
  hold(i: number): void {
    this.#busy[i]++;
    this.#inFlight++;
  }

  /** @internal Its CQE came (or it never reached the kernel). */
  letGo(i: number): void {
    this.#inFlight--;
    if (--this.#busy[i] === 0 && this.#state[i] === 2) {
      this.#state[i] = 0;
      this.#free.push(i);
    }
    if (this.#onIdle !== undefined) this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#inFlight > 0 || this.#onIdle === undefined) return;
    const done = this.#onIdle;
    this.#onIdle = undefined;
    const engine = this.#engine;
    if (engine.buffers === this) engine.buffers = null;
    const native = engine.native;
    // A destroyed ring has let go of its registrations already.
    if (this.#registered && native !== null && !engine.destroyed) native.unregisterBuffers();
    this.#registered = false;
    if (this.#holder !== null) {
      loadBinding().binding?.dropBuffers(this.#holder);
      this.#holder = null;
    }
    done();
  }
}

/** ring.registerBuffers(): a new pool, or the pool a handle from another thread describes. */
export function registerBuffers(engine: Engine, countOrHandle: unknown, sizeArg: unknown, anchor: (...args: never[]) => unknown): BufferPool {
  let memory: SharedMemory;
  let count: number;
  let size: number;
  let cloneFrom = -1;
  if (isHandle(countOrHandle)) {
    const h = countOrHandle;
    if (!(h.memory instanceof WebAssembly.Memory) || !(h.memory.buffer instanceof SharedArrayBuffer)) {
      throw invalidArgValue('handle.memory', h.memory, 'must be the shared WebAssembly.Memory of a BufferPool', anchor);
    }
    [count, size] = layoutOf(h.count, h.size, anchor);
    if (count * size > h.memory.buffer.byteLength) throw invalidArgValue('handle.count', h.count, 'does not fit the memory', anchor);
    memory = h.memory;
    if (typeof h.ringFd === 'number' && h.ringFd >= 0 && !featureDisabled('cloneBuffers')) cloneFrom = h.ringFd;
  } else {
    [count, size] = layoutOf(countOrHandle, sizeArg, anchor);
    const pages = Math.ceil((count * size) / WASM_PAGE);
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  }
  if (engine.destroyed) throw destroyedError('io_uring_register');
  if (engine.buffers !== null) throw invalidState('this ring has registered buffers already; dispose() that pool first', anchor);
  const native: NativeRing | null = engine.native;
  let registered = false;
  let cloned = false;
  let holder: unknown = null;
  if (native !== null) {
    const view = new Uint8Array(memory.buffer);
    const binding = loadBinding().binding;
    if (cloneFrom < 0 && !isHandle(countOrHandle) && !featureDisabled('cloneBuffers') && binding !== undefined) {
      // A new pool: registered once in a holder ring every ring clones from.
      const h = binding.holdBuffers(view, count, size);
      if (typeof h === 'object' && h !== null) {
        holder = h;
        cloneFrom = binding.holderFd(h);
      }
    }
    const rc = native.registerBuffers(view, count, size, cloneFrom);
    if (holder !== null && rc !== 1) {
      // No cloning on this kernel (before 6.12): the holder is of no use.
      binding?.dropBuffers(holder);
      holder = null;
    }
    if (typeof rc !== 'number') throw uvError(-9, 'io_uring_register');
    if (rc < 0) throw uvError(rc, 'io_uring_register');
    registered = true;
    cloned = rc === 1;
  }
  const pool = new BufferPool(engine, memory, count, size, registered, cloned, cloned ? cloneFrom : -1, holder);
  // On the node:fs backend too: one pool at a time, on either backend.
  engine.buffers = pool;
  return pool;
}
