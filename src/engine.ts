// The hot path. An Engine owns one native ring and a slot table. Every op,
// whatever its kind, is described in the staging area (src/stage.ts) and the
// ops staged in one turn reach the addon in one call; the native side submits
// them all once per loop turn. Completions come back in bulk: one call with
// (slot, generation, result) triples in a shared Int32Array, resolved here.
//
// Order: ops reach the kernel (or node:fs) in the order they were called. Two
// things hold an op back, and neither lets a later call overtake it:
//  - the in-flight limit: never more ops in flight than the CQ has entries (so
//    the CQ cannot overflow); the rest wait in a FIFO backlog;
//  - I/O at the current file position: such ops on one fd run one at a time
//    (the kernel reads and moves the position when each one runs, not when it
//    was submitted), and every later op on that fd waits behind them. Other fds
//    are not held up.

import { type Io, abortError, learnTimeoutReason } from './abort';
import type { BufferPool } from './buffers';
import { destroyedError, rejectionFor } from './errors';
import type { NativeOpName, NativeRing } from './native';
import type { Op } from './ops/op';
import { CREDS_CHANGED, credentialsError } from './polling';
import type { Stager } from './stage';

const IOSQE_FIXED_FILE = 1 << 0;
const IOSQE_IO_LINK = 1 << 2;
const IOSQE_IO_HARDLINK = 1 << 3;
const ECANCELED = -125;
const EBADFD = -77;
const ETIME = -62;
const EINTR = -4;

/**
 * An op, or a linked chain (consecutive SQEs, each run after the previous
 * succeeded; with `hard`, after the previous completed whatever its result).
 */
type Chain = Op[] & { hard?: boolean };
type Item = Op | Chain;

/** Whether `item` closes an fd (a close, or a chain with one). */
function closes(item: Item): boolean {
  if (!Array.isArray(item)) return item.closesFd;
  for (const op of item) if (op.closesFd) return true;
  return false;
}

export class Engine {
  /** null on the node:fs backend. */
  native: NativeRing | null;
  readonly cap: number;
  readonly sqEntries: number;
  readonly nativeOps: Readonly<Record<string, boolean>>;
  destroyed = false;
  /** An IOPOLL ring: its ops' EOPNOTSUPP errors carry a hint (src/polling.ts). */
  iopoll = false;
  inflight = 0;
  fsInflight = 0;

  /** The ring's registered buffers (ring.registerBuffers), or null. */
  buffers: BufferPool | null = null;

  readonly #ops: (Op | undefined)[];
  /** Per slot: the registered buffer its op's SQE names, or -1. */
  readonly #slotBuf: Int32Array;
  readonly #gens: Uint32Array;
  readonly #free: Uint32Array;
  #freeTop: number;
  readonly #results: Int32Array;
  readonly #stager: Stager | null;
  readonly #opIndex: Readonly<Record<NativeOpName, number>> | null;
  /** How many records of the staging area describe ops not yet handed to the addon. */
  #nStaged = 0;
  /** While a chain is being staged: it must reach the addon in one call. */
  #holdFlush = false;
  /** While onComplete settles the ops of a reap. */
  #inReap = false;
  #afterReap: (() => void)[] = [];
  #backlog: (Item | undefined)[] = [];
  #pumping = false;
  #head = 0;
  /** Per fd: what waits for a current-position op on that fd, in call order. */
  readonly #fdWait = new Map<number, Item[]>();
  /** Per fd: current-position ops begun and not yet settled. */
  readonly #curBusy = new Map<number, number>();
  /**
   * Per fd: ops running on node:fs (in its thread pool) and not yet settled. A
   * close of the fd waits for them: a pool thread that has taken an op may not
   * have made its syscall yet, and would find the fd closed (or another file
   * with its number). On the ring the kernel holds each op's file instead.
   */
  readonly #fsBusy = new Map<number, number>();
  /**
   * Per fd with a close waiting: the ring ops in flight on it, called before
   * the close. io_uring looks an op's fd up when the op runs, and an op it
   * runs from io-wq (fsync, ftruncate, a linked member) may run after a close
   * submitted behind it, on whatever file an open has since been given the
   * number; so the close goes once they have completed.
   */
  readonly #ringHold = new Map<number, number>();
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** Free slots of the ring's registered (fixed) file table. */
  readonly #fixedFree: number[] = [];
  #destroying: Promise<void> | undefined;
  #onDrained: (() => void) | undefined;

  /**
   * `native` already init()-ed with `results` and `this.onComplete`, and its
   * staging area registered as `stager`; or all three null (node:fs backend).
   * `cap` is the CQ size (the native slot table has that many slots).
   */
  constructor(
    native: NativeRing | null,
    cap: number,
    sqEntries: number,
    nativeOps: Record<string, boolean>,
    results: Int32Array,
    stager: Stager | null,
    opIndex: Record<NativeOpName, number> | null,
    fixedFiles = 0,
  ) {
    this.native = native;
    this.cap = cap;
    this.sqEntries = sqEntries;
    this.nativeOps = nativeOps;
    this.#results = results;
    this.#stager = stager;
    this.#opIndex = opIndex;
    this.#ops = new Array<Op | undefined>(cap).fill(undefined);
    this.#gens = new Uint32Array(cap);
    this.#slotBuf = new Int32Array(cap).fill(-1);
    this.#free = new Uint32Array(cap);
    for (let i = 0; i < cap; i++) this.#free[i] = cap - 1 - i;
    this.#freeTop = cap;
    for (let i = fixedFiles - 1; i >= 0; i--) this.#fixedFree.push(i);
  }

  /** A free slot of the registered file table, or -1 (none left, or no table on this kernel). */
  takeFixedSlot(): number {
    return this.#fixedFree.length > 0 ? (this.#fixedFree.pop() as number) : -1;
  }

  /** Gives a slot back once nothing in flight names it (its file was closed through the ring). */
  giveFixedSlot(slot: number): void {
    this.#fixedFree.push(slot);
  }

  /** fd → slot of the files registered with registerFile(). */
  readonly #registered = new Map<number, number>();

  /**
   * Registers `fd`'s file in a slot of the table: later ops on `fd` that can
   * name a registered file do. 0, or -errno (-ENFILE: no slot left; -EOPNOTSUPP:
   * no table on this kernel or backend).
   */
  registerFile(fd: number): number {
    if (this.native === null) return -95;
    if (this.#registered.has(fd)) return 0;
    const slot = this.takeFixedSlot();
    if (slot < 0) return -23;
    const rc = this.native.installFile(slot, fd);
    if (rc !== 0) {
      this.giveFixedSlot(slot);
      return typeof rc === 'number' ? rc : -9;
    }
    this.#registered.set(fd, slot);
    return 0;
  }

  /**
   * Forgets `fd`'s registration, after everything called before has reached the
   * kernel (an op in flight keeps its file); true if it was registered.
   */
  unregisterFile(fd: number): boolean {
    const slot = this.#registered.get(fd);
    if (slot === undefined) return false;
    this.#registered.delete(fd);
    this.#flush();
    const native = this.native;
    if (native !== null) {
      native.flush();
      native.installFile(slot, -1);
    }
    this.giveFixedSlot(slot);
    return true;
  }

  /** Whether `fd` is registered. */
  isRegistered(fd: number): boolean {
    return this.#registered.has(fd);
  }

  /** Runs one op; its promise settles exactly once. */
  run<T>(op: Op<T>): Promise<T> {
    if (this.destroyed) return Promise.reject(destroyedError(op.syscall));
    if (op.io !== null) return this.#runWithIo(op, op.io);
    // One function is both the promise's executor and the op's reject, so a
    // successful op costs no promise, reaction or closure more (only the slot
    // that keeps `resolve`): called by the Promise constructor (with resolve and
    // reject), it binds the op; called as the op's reject (with the reason), it
    // settles the promise with a rejection whose stack is taken again where the
    // caller awaits it (errors.ts rejectionFor). Wrappers an op puts around what
    // it is bound to keep working: the reject needs no `this`.
    let settle: ((value: unknown) => void) | undefined;
    const executorOrReject = (resolveOrReason: unknown, reject?: unknown): void => {
      if (settle === undefined && typeof reject === 'function') {
        settle = resolveOrReason as (value: unknown) => void;
        op.bind(settle as (value: T) => void, executorOrReject);
        this.#enter(op);
      } else {
        (settle as (value: unknown) => void)(rejectionFor(resolveOrReason));
      }
    };
    return new Promise<T>(executorOrReject);
  }

  /** run() for an op given `{ signal, timeout }`. */
  #runWithIo<T>(op: Op<T>, io: Io): Promise<T> {
    const { signal } = io;
    if (signal !== null && signal.aborted) return rejectionFor(abortError(signal));
    if (io.timeoutMs >= 0) learnTimeoutReason();
    return new Promise<T>((resolve) => {
      this.listen(io, [op]);
      op.bind(
        (value) => {
          io.detach?.();
          resolve(value);
        },
        (reason) => {
          io.detach?.();
          resolve(rejectionFor(reason) as never);
        },
      );
      this.#enter(op);
    });
  }

  /**
   * Cancels `ops` when `io.signal` aborts, until io.detach() (called when they
   * settle). One listener per signal, however many ops share it (a listener
   * per op would trip Node's MaxListenersExceededWarning at 11).
   */
  listen(io: Io, ops: readonly Op[]): void {
    const { signal } = io;
    // node's validation takes any object with an `aborted` property as a signal.
    if (signal === null || typeof signal.addEventListener !== 'function') return;
    let entry = this.#bySignal.get(signal);
    if (entry === undefined) {
      const waiting = new Set<Op>();
      const onAbort = (): void => {
        this.#bySignal.delete(signal);
        this.abort([...waiting]);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry = { ops: waiting, onAbort };
      this.#bySignal.set(signal, entry);
    }
    const listening = entry;
    for (const op of ops) listening.ops.add(op);
    io.detach = () => {
      io.detach = null;
      for (const op of ops) listening.ops.delete(op);
      if (listening.ops.size === 0 && this.#bySignal.get(signal) === listening) {
        this.#bySignal.delete(signal);
        signal.removeEventListener('abort', listening.onAbort);
      }
    };
  }

  /** Per signal: the ops it may still cancel, and its one listener. */
  readonly #bySignal = new WeakMap<AbortSignal, { ops: Set<Op>; onAbort: () => void }>();

  /**
   * Cancels `ops` (each given an Io): those not yet handed to the kernel never
   * are, and reject with the AbortError now; those in flight are cancelled by
   * the kernel (IORING_OP_ASYNC_CANCEL) and settle when it lets go of them,
   * with the AbortError or, if it had finished them, their own result. Ops
   * running on node:fs cannot be cancelled and settle with their own result.
   */
  abort(ops: readonly Op[]): void {
    const live = ops.filter((op) => op.io !== null && !op.io.aborted);
    if (live.length === 0) return;
    for (const op of live) (op.io as Io).aborted = true;
    // What is staged goes to the kernel first (a record refused there comes
    // back to the backlog, and is taken out of it below).
    if (this.#nStaged !== 0 && !this.#holdFlush) this.#flush();
    for (const op of this.#takeWaiting(live)) {
      if (op.holdsFd) {
        op.holdsFd = false;
        this.#release(op.curFd);
      }
      op.reject(abortError((op.io as Io).signal));
    }
    const native = this.native;
    if (native === null) return;
    for (const op of live) {
      if (op.slot >= 0 && this.#ops[op.slot] === op) native.cancel(op.slot, this.#gens[op.slot]);
    }
    if (this.#onDrained) this.#checkDrained();
  }

  /** Takes the items holding any of `ops` out of the backlog and the fd queues; returns their ops. */
  #takeWaiting(ops: readonly Op[]): Op[] {
    const set = new Set<Op>(ops);
    const taken: Op[] = [];
    const wanted = (item: Item | undefined): boolean => {
      if (item === undefined) return false;
      if (!Array.isArray(item)) return set.has(item);
      return item.some((op) => set.has(op));
    };
    const keep = (item: Item | undefined): boolean => {
      if (!wanted(item)) return true;
      if (Array.isArray(item)) taken.push(...item);
      else taken.push(item as Op);
      return false;
    };
    const backlog = this.#backlog;
    let w = this.#head;
    for (let r = this.#head; r < backlog.length; r++) {
      const item = backlog[r];
      if (keep(item)) backlog[w++] = item;
    }
    backlog.length = w;
    if (this.#head === backlog.length) {
      this.#backlog = [];
      this.#head = 0;
    }
    for (const [fd, q] of this.#fdWait) {
      const rest = q.filter(keep);
      if (rest.length === 0) this.#fdWait.delete(fd);
      else if (rest.length !== q.length) this.#fdWait.set(fd, rest);
    }
    return taken;
  }

  /** Whether `op` runs on the ring (false: node:fs, by backend, kernel or option). */
  onRing(op: Op): boolean {
    return this.native !== null && !op.fsOnly && this.nativeOps[op.native] === true;
  }

  /** Starts an op whose resolve/reject are set. */
  start(op: Op): void {
    this.#enter(op);
  }

  /**
   * Starts ops as one IOSQE_IO_LINK chain: consecutive SQEs in one submission,
   * each run only after the previous succeeded. The caller keeps a group within
   * `groupLimit` and only passes ops that run on the ring.
   */
  startLinked(ops: Op[], hard = false): void {
    const chain = ops as Chain;
    if (hard) chain.hard = true;
    this.#enter(chain);
  }

  /** The longest chain that fits one submission and the in-flight limit. */
  get groupLimit(): number {
    return Math.min(this.sqEntries, this.cap);
  }

  /** Called by the native ring once per reap with `count` triples in `results`. */
  readonly onComplete = (count: number): void => {
    const r = this.#results;
    this.#inReap = true;
    for (let i = 0; i < count; i++) {
      const slot = r[3 * i];
      const gen = r[3 * i + 1] >>> 0;
      const res = r[3 * i + 2];
      const op = this.#ops[slot];
      if (op === undefined || this.#gens[slot] !== gen) {
        // A CQE for a slot that is not waiting for it would be a bug in the
        // slot table; it must never settle somebody else's op.
        process.emitWarning(`uring-fs: stale completion for slot ${slot} generation ${gen} (res ${res}) ignored`, {
          code: 'URING_FS_STALE_CQE',
        });
        continue;
      }
      this.#ops[slot] = undefined;
      this.#free[this.#freeTop++] = slot;
      this.inflight--;
      if (this.#slotBuf[slot] >= 0) this.#letGoBuffer(slot);
      if (res === ECANCELED && op.onAgain !== null && !this.destroyed && !op.io?.aborted) {
        // A linked batch's member the kernel cancelled: the batch settles it once
        // its whole group is in (it runs it again if a member before it was cut
        // short and continued on its own, whatever order the CQEs came in).
        if (op.curFd >= 0) this.#release(op.curFd);
        const cancelled = op.onAgain;
        op.onAgain = null;
        cancelled();
      } else if (res === EINTR && op.retriesEintr && !this.destroyed && (op.flags & IOSQE_IO_HARDLINK) === 0 && !op.io?.aborted) {
        // A write or sync interrupted (an io-wq worker got a signal): again, as
        // libuv retries them. Inside a chain the kernel has cancelled the rest:
        // the batch runs them after this one (op.brokeChain).
        if (op.flags & IOSQE_IO_LINK) op.brokeChain = true;
        op.flags &= ~IOSQE_IO_LINK;
        this.#issue(op);
      } else if (op.settle(res)) {
        if (op.curFd >= 0) this.#release(op.curFd);
      } else if (this.destroyed || (op.io !== null && this.#stopped(op.io))) {
        // A write to continue, but the ring is going, or the op was aborted
        // or is out of time: it rejects, saying how much was written.
        op.settle(this.destroyed || (op.io as Io).aborted ? ECANCELED : ETIME);
        if (op.curFd >= 0) this.#release(op.curFd);
      } else {
        // A short write to continue, at once (the slot just freed is there for
        // it) and on its own: the chain it was in (if any) has been broken by
        // the kernel already, and a link flag left set would tie it to
        // whatever SQE comes next.
        if (op.flags & IOSQE_IO_LINK) op.brokeChain = true;
        op.flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
        this.#issue(op);
      }
      // A close waiting for the ops on this fd: one fewer (unless it goes on).
      if (this.#ringHold.size !== 0 && this.#ops[op.slot] !== op) this.#unhold(op.fd);
    }
    this.#inReap = false;
    if (this.#afterReap.length !== 0) this.#runAfterReap();
    if (this.#head < this.#backlog.length) this.#pump();
    if (this.#onDrained) {
      // IORING_ASYNC_CANCEL_ANY reaches only requests already issued: a linked
      // op that started after the last cancel needs another one.
      if (this.inflight > 0) this.native?.cancelAll();
      this.#checkDrained();
    }
  };

  /** Whether an op that was given `io` must not be continued: aborted, or its time is up. */
  #stopped(io: Io): boolean {
    return io.aborted || (io.timeoutMs >= 0 && io.deadline >= 0 && performance.now() >= io.deadline);
  }

  /**
   * Runs `fn` once the completions being delivered now have all settled (at the
   * end of this reap), or in a microtask when no reap is delivering. For
   * consumers that collect many ops' results and hand them on together.
   */
  later(fn: () => void): void {
    if (this.#inReap) this.#afterReap.push(fn);
    else queueMicrotask(fn);
  }

  #runAfterReap(): void {
    const fns = this.#afterReap;
    this.#afterReap = [];
    for (const fn of fns) {
      try {
        fn();
      } catch (err) {
        // A consumer's handler threw: report it as uncaught, after the engine's
        // own bookkeeping for this reap is done.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /**
   * Refuses new ops, fails what waits with ECANCELED, asks the kernel to cancel
   * what is in flight (each op then settles with its result or ECANCELED), and
   * frees the ring once nothing is left. Idempotent.
   */
  destroy(): Promise<void> {
    if (this.#destroying) return this.#destroying;
    this.destroyed = true;
    this.#destroying = new Promise<void>((resolve) => {
      this.#onDrained = resolve;
    });
    const waiting: Item[] = [];
    for (let i = this.#head; i < this.#backlog.length; i++) waiting.push(this.#backlog[i] as Item);
    for (const q of this.#fdWait.values()) waiting.push(...q);
    this.#backlog = [];
    this.#head = 0;
    this.#fdWait.clear();
    this.#ringHold.clear();
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    for (const item of waiting) {
      for (const op of Array.isArray(item) ? item : [item]) op.reject(op.error(ECANCELED));
    }
    this.#flush();
    if (this.inflight > 0) this.native?.cancelAll();
    this.#checkDrained();
    return this.#destroying;
  }

  // -------------------------------------------------------------------------
  // Admission: call order, the in-flight limit, current-position I/O.

  #enter(item: Item): void {
    // Behind what waits already, so nothing on an fd overtakes an earlier call
    // on it that is still in the backlog (#pump routes it on, in order).
    if (this.#head < this.#backlog.length) {
      this.#backlog.push(item);
      return;
    }
    if (this.#fdWait.size !== 0 || this.#curBusy.size !== 0 || this.#fsBusy.size !== 0 || (this.inflight !== 0 && closes(item))) {
      const fd = this.#blockedOn(item);
      if (fd >= 0) {
        this.#waitOn(fd, item);
        return;
      }
    }
    if (Array.isArray(item)) {
      if (this.inflight + item.length <= this.cap) this.#begin(item);
      else this.#backlog.push(item);
    } else if (!this.onRing(item)) {
      if (item.curFd >= 0) this.#acquire(item.curFd);
      // What was staged before it was called goes first.
      this.#flush();
      this.#runFs(item);
    } else if (this.inflight < this.cap) {
      if (item.curFd >= 0) this.#acquire(item.curFd);
      this.#issue(item);
    } else {
      this.#backlog.push(item);
    }
  }

  /** The fd `item` must wait on, or -1. */
  #blockedOn(item: Item): number {
    if (!Array.isArray(item)) return this.#blockedOp(item);
    for (const op of item) {
      const fd = this.#blockedOp(op);
      if (fd >= 0) return fd;
    }
    return -1;
  }

  #blockedOp(op: Op): number {
    const { fd } = op;
    if (fd < 0 || op.holdsFd) return -1;
    if (this.#fdWait.has(fd)) return fd;
    if (op.closesFd && this.#closeMustWait(fd)) return fd;
    return op.curFd >= 0 && this.#curBusy.has(fd) ? fd : -1;
  }

  /**
   * Whether a close of `fd` must wait: ops called before it on the fd still run
   * on node:fs, or on the ring (counted into #ringHold, so their completions
   * let it go).
   */
  #closeMustWait(fd: number): boolean {
    if (this.#fsBusy.has(fd) || this.#ringHold.has(fd)) return true;
    if (this.inflight === 0) return false;
    let n = 0;
    for (const op of this.#ops) if (op !== undefined && op.fd === fd) n++;
    if (n === 0) return false;
    this.#ringHold.set(fd, n);
    return true;
  }

  /** A ring op on `fd` settled (or never reached the kernel): a close waiting for it may go. */
  #unhold(fd: number): void {
    const n = this.#ringHold.get(fd);
    if (n === undefined) return;
    if (n > 1) {
      this.#ringHold.set(fd, n - 1);
      return;
    }
    this.#ringHold.delete(fd);
    this.#drain(fd);
  }

  #waitOn(fd: number, item: Item): void {
    const q = this.#fdWait.get(fd);
    if (q) q.push(item);
    else this.#fdWait.set(fd, [item]);
  }

  /** Whether the in-flight limit lets `item` go now. */
  #fits(item: Item): boolean {
    if (Array.isArray(item)) return this.inflight + item.length <= this.cap;
    return this.inflight < this.cap || !this.onRing(item);
  }

  #begin(item: Item): void {
    if (Array.isArray(item)) {
      for (const op of item) if (op.curFd >= 0 && !op.holdsFd) this.#acquire(op.curFd);
      for (const op of item) op.holdsFd = false;
      this.#issueLinked(item);
      return;
    }
    if (item.curFd >= 0 && !item.holdsFd) this.#acquire(item.curFd);
    item.holdsFd = false;
    if (this.onRing(item)) {
      this.#issue(item);
    } else {
      // What was staged before it was called goes first.
      this.#flush();
      this.#runFs(item);
    }
  }

  #acquire(fd: number): void {
    this.#curBusy.set(fd, (this.#curBusy.get(fd) ?? 0) + 1);
  }

  /** A current-position op on `fd` settled: what waited on the fd goes, in order. */
  #release(fd: number): void {
    const n = (this.#curBusy.get(fd) ?? 1) - 1;
    if (n > 0) {
      this.#curBusy.set(fd, n);
      return;
    }
    this.#curBusy.delete(fd);
    this.#drain(fd);
  }

  /** What waits on `fd` enters again, in order (and waits again if still held up). */
  #drain(fd: number): void {
    const q = this.#fdWait.get(fd);
    if (q === undefined) return;
    this.#fdWait.delete(fd);
    if (this.#head < this.#backlog.length) {
      // Each of these was called before everything in the backlog: they go first, in order.
      this.#backlog.splice(this.#head, 0, ...q);
      this.#pump();
    } else {
      for (const item of q) this.#enter(item);
    }
  }

  #pump(): void {
    // Re-entered from a release while it runs (a flush that failed an op): the
    // running loop picks up what the release put at the head.
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#pumpBacklog();
    } finally {
      this.#pumping = false;
    }
  }

  #pumpBacklog(): void {
    const backlog = this.#backlog;
    while (this.#head < backlog.length) {
      const item = backlog[this.#head] as Item;
      if (this.#fdWait.size !== 0 || this.#curBusy.size !== 0 || this.#fsBusy.size !== 0 || (this.inflight !== 0 && closes(item))) {
        const fd = this.#blockedOn(item);
        if (fd >= 0) {
          backlog[this.#head++] = undefined;
          this.#waitOn(fd, item);
          continue;
        }
      }
      if (!this.#fits(item)) break;
      backlog[this.#head++] = undefined;
      this.#begin(item);
    }
    if (this.#head === this.#backlog.length) {
      this.#backlog = [];
      this.#head = 0;
    }
  }

  // -------------------------------------------------------------------------
  // The ring: slots, the staging area, completions.

  /** Takes a slot and stages the op (an admitted op, or a continuation). */
  #issue(op: Op): void {
    if (this.#registered.size !== 0 && op.fixedSlot < 0 && op.fd >= 0) {
      if (op.takesFixedFile) {
        const reg = this.#registered.get(op.fd);
        if (reg !== undefined) op.fixedSlot = reg;
      } else if (op.closesFd && !this.#holdFlush) {
        // (A chain released its closes' registrations before it was staged.)
        this.unregisterFile(op.fd);
      }
    }
    if (op.fixedSlot >= 0) op.flags |= IOSQE_FIXED_FILE;
    if (this.iopoll) op.iopoll = true;
    const slot = this.#free[--this.#freeTop];
    const gen = (this.#gens[slot] + 1) >>> 0;
    this.#gens[slot] = gen;
    this.#ops[slot] = op;
    op.slot = slot;
    this.inflight++;
    const s = this.#stager as Stager;
    const k = this.#nStaged++;
    s.begin(k, slot | (op.flags << 16), gen, (this.#opIndex as Record<NativeOpName, number>)[op.native]);
    const pool = this.buffers;
    s.pool = pool !== null && pool.usable ? pool : null;
    op.stage(s);
    if (s.fixed >= 0) {
      // The buffer is in the kernel's hands until the CQE: release() waits for it.
      this.#slotBuf[slot] = s.fixed;
      (pool as BufferPool).hold(s.fixed);
      s.fixed = -1;
    }
    // A fixed file is named by its slot, in the fd field (I0) of every op that takes one.
    if (op.fixedSlot >= 0) s.int(0, op.fixedSlot);
    if (op.io !== null && op.io.timeoutMs >= 0) s.timeout(op.io.msLeft());
    if (k === 0 && !this.#holdFlush) this.#scheduleFlush();
  }

  /**
   * The first op staged in a turn goes to the addon at once if nothing else is
   * in flight (at queue depth 1 a microtask costs more than it saves); after
   * that, ops staged in the same turn go together when the microtasks run.
   */
  #scheduleFlush(): void {
    if (this.inflight === this.#nStaged) this.#flush();
    else queueMicrotask(this.#flush);
  }

  #issueLinked(ops: Chain): void {
    if (this.#registered.size !== 0) {
      // A close in the chain ends its fd's registration now: the chain's own ops
      // before it then use the fd itself, still open until the close runs.
      for (const op of ops) if (op.closesFd && op.fd >= 0) this.unregisterFile(op.fd);
    }
    const s = this.#stager as Stager;
    const first = this.#nStaged;
    this.#holdFlush = true;
    s.chainPositions = ops.some((op) => op.curFd >= 0) ? new Map() : null;
    try {
      const last = ops.length - 1;
      const link = ops.hard ? IOSQE_IO_HARDLINK : IOSQE_IO_LINK;
      for (let i = 0; i <= last; i++) {
        const op = ops[i];
        if (i < last) op.flags |= link;
        else op.flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
        this.#issue(op);
      }
    } finally {
      this.#holdFlush = false;
      s.chainPositions = null;
    }
    if (first === 0) this.#scheduleFlush();
  }

  /** Hands everything staged to the addon: one call, however many ops. */
  readonly #flush = (): void => {
    const n = this.#nStaged;
    if (n === 0) return;
    const native = this.native;
    // The first record's objects travel as arguments (cheaper for the addon to
    // read than array elements; at queue depth 1 every flush is one record).
    const o = this.#stager as Stager;
    let handled = native === null ? EBADFD : native.queueStaged(n, o.objects[0], o.objects[1]);
    if (typeof handled !== 'number') handled = EBADFD;
    const s = this.#stager as Stager;
    let failed: Op[] | undefined;
    let statuses: number[] | undefined;
    let rest: Op[] | undefined;
    // A record's op is found through the slot in its tag.
    if (handled < 0) {
      failed = [];
      statuses = [];
      for (let k = 0; k < n; k++) {
        failed.push(this.#ops[s.slot(k)] as Op);
        statuses.push(handled);
      }
    } else {
      for (let k = 0; k < handled; k++) {
        const st = s.status(k);
        if (st === 0) continue;
        (failed ??= []).push(this.#ops[s.slot(k)] as Op);
        (statuses ??= []).push(st);
      }
      if (handled < n) {
        rest = [];
        for (let k = handled; k < n; k++) rest.push(this.#ops[s.slot(k)] as Op);
      }
    }
    s.clear(n);
    this.#nStaged = 0;
    // Nothing above runs user code or stages; what follows may do both.
    if (failed) {
      for (let i = 0; i < failed.length; i++) {
        const op = failed[i];
        this.#unissue(op);
        const st = (statuses as number[])[i];
        if (st === EBADFD) op.reject(destroyedError(op.syscall));
        else if (st === CREDS_CHANGED) op.reject(credentialsError(op.syscall));
        else op.settle(st);
        if (op.curFd >= 0) this.#release(op.curFd);
        if (this.#ringHold.size !== 0) this.#unhold(op.fd);
      }
    }
    if (rest) this.#requeue(rest);
    if (this.#onDrained) this.#checkDrained();
  };

  /** Gives back the slot of an op that never reached the kernel. */
  #unissue(op: Op): void {
    if (this.#slotBuf[op.slot] >= 0) this.#letGoBuffer(op.slot);
    this.#ops[op.slot] = undefined;
    this.#free[this.#freeTop++] = op.slot;
    this.inflight--;
  }

  /**
   * The kernel would not take more SQEs (native GetSqe: submit refused with
   * -EBUSY/-EAGAIN). The ops not handed over go back to the head of the backlog,
   * in order (a chain as a chain), never failed: they go again when completions
   * free the ring, or after a short pause if nothing is in flight.
   */
  #requeue(ops: Op[]): void {
    const items: Item[] = [];
    let chain: Chain = [];
    for (const op of ops) {
      this.#unissue(op);
      // It keeps its hold on its fd: what waits there stays behind it.
      if (op.curFd >= 0) op.holdsFd = true;
      chain.push(op);
      if (op.flags & IOSQE_IO_HARDLINK) chain.hard = true;
      if (!(op.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK))) {
        items.push(chain.length === 1 ? chain[0] : chain);
        chain = [];
      }
    }
    if (chain.length) items.push(chain.length === 1 ? chain[0] : chain);
    this.#backlog.splice(this.#head, 0, ...items);
    if (this.inflight === 0 && this.#retry === undefined) {
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        if (!this.destroyed) this.#pump();
      }, 1);
    }
  }

  #letGoBuffer(slot: number): void {
    const i = this.#slotBuf[slot];
    this.#slotBuf[slot] = -1;
    this.buffers?.letGo(i);
  }

  #runFs(op: Op): void {
    this.fsInflight++;
    const fd = op.fd >= 0 && !op.closesFd ? op.fd : -1;
    if (fd >= 0) this.#fsBusy.set(fd, (this.#fsBusy.get(fd) ?? 0) + 1);
    const done = (): void => {
      this.fsInflight--;
      if (fd >= 0) {
        const n = (this.#fsBusy.get(fd) ?? 1) - 1;
        if (n > 0) this.#fsBusy.set(fd, n);
        else {
          this.#fsBusy.delete(fd);
          this.#drain(fd);
        }
      }
      if (op.curFd >= 0) this.#release(op.curFd);
      if (this.#onDrained) this.#checkDrained();
    };
    op.viaFs().then(
      (value) => {
        op.resolve(value);
        done();
      },
      (err: unknown) => {
        op.reject(err);
        done();
      },
    );
  }

  #checkDrained(): void {
    if (this.inflight > 0 || this.fsInflight > 0 || !this.#onDrained) return;
    const done = this.#onDrained;
    this.#onDrained = undefined;
    this.native?.shutdown();
    this.native = null;
    done();
  }
}
