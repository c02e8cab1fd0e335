// The shape every operation has. An op is a small object: its validated
// arguments, how to describe it to the native ring (`stage`), how to turn the
// CQE's result into the promised value (`complete`), and the same operation
// over node:fs (`viaFs`) for the fallback backend and for opcodes the kernel
// lacks.

import { type Io, abortError, timeoutError } from '../abort';
import type { NativeOpName } from '../binding';
import { uvError } from '../errors';
import { addIopollHint } from '../polling';
import type { Stager } from '../stage';

/** The most one read or write moves (the kernel's MAX_RW_COUNT); writes continue past it. */
export const MAX_RW = 0x7ffff000;

const ECANCELED = -125;
const EINTR = -4;
const ETIME = -62;

/** `complete` returns this to be submitted again (a short write to continue). */
export const AGAIN: unique symbol = Symbol('again');
export type Again = typeof AGAIN;

// Declared as methods (bivariant), so an Op<number> can stand where an
// Op<number | undefined> is expected, as in a batch; assigned by the engine.
export interface Op<T> {
  resolve(value: T): void;
  reject(reason: unknown): void;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class Op<T = unknown> {
  /** IOSQE_* flags for this op's SQE (IOSQE_IO_LINK inside a linked batch). */
  flags = 0;
  /** The fd this op works on, or -1 (ops on paths). Ops on one fd reach the kernel in call order. */
  fd = -1;
  /**
   * The fd whose file position this op reads and moves (I/O at the current
   * position), or -1. Such ops on one fd run one at a time, in call order.
   */
  curFd = -1;
  /** The engine's slot while the op is on the ring. */
  slot = -1;
  /**
   * A registered (fixed) file slot this op names instead of `fd` (its SQE gets
   * IOSQE_FIXED_FILE and the slot in its fd field), or -1.
   */
  fixedSlot = -1;

  /** True when this op closes its fd (close): it ends the fd's registration, and waits for node:fs ops on the fd. */
  get closesFd(): boolean {
    return false;
  }

  /** True when this op may name a registered file instead of its fd (read, write, fsync, …; not statx or close). */
  get takesFixedFile(): boolean {
    return false;
  }

  /** Set by the engine while a refused current-position op keeps its fd's turn. */
  holdsFd = false;

  /** `{ signal, timeout }` given to the op (or its batch), or null. */
  io: Io | null = null;

  /**
   * Set by the engine when this linked op was continued on its own (a short
   * write, or a write or sync retried after EINTR): the kernel cancelled the
   * members linked after it, and a linked batch runs them again.
   */
  brokeChain = false;
  /**
   * Inside a linked batch: called instead of settling when the kernel cancels
   * this op (ECANCELED); the batch settles it, or runs it again when a member
   * before it broke the chain (brokeChain).
   */
  onAgain: (() => void) | null = null;

  /** The native op (native/ops/table.h) this op runs on. */
  abstract readonly native: NativeOpName;
  /** node:fs's name for the syscall, used in errors (`open`, `read`, …). */
  abstract readonly syscall: string;

  /**
   * True when the kernel breaks an IOSQE_IO_LINK chain if this op fails while
   * it runs (read/write family and openat; checked on Linux 6.18). statx,
   * unlinkat, renameat, mkdirat, fallocate and ftruncate post their error and
   * let the next linked op run, so a chain ends its kernel group after them.
   */
  get breaksLink(): boolean {
    return false;
  }

  /**
   * True when one SQE cannot carry the whole op (a write over MAX_RW, a writev
   * over IOV_MAX views): the rest is a continuation outside any link, so a
   * chain must not let the next op start when the first SQE completes.
   */
  get needsContinuation(): boolean {
    return false;
  }

  /**
   * True when an -EINTR result is retried rather than reported, as libuv
   * retries write(2), writev(2) and fsync(2) (uv__fs_work): writes and syncs.
   */
  get retriesEintr(): boolean {
    return false;
  }

  /** True when this op must run on node:fs whatever the backend. */
  get fsOnly(): boolean {
    return false;
  }

  /** Describes the op's arguments in its staging record (the layout of its native/ops/<op>.cc). */
  abstract stage(s: Stager): void;
  /** The promised value for a non-negative result, or AGAIN. */
  abstract complete(res: number): T | Again;
  /** The same operation on node:fs, with node:fs's own result and errors. */
  abstract viaFs(): Promise<T>;

  /** True when `value` is a short transfer, which ends a linked chain (readv/read). */
  isShort(value: unknown): boolean {
    return false;
  }

  /** Takes the promise's resolve and reject (an op that must know when it settles wraps them). */
  bind(resolve: (value: T) => void, reject: (reason: unknown) => void): void {
    this.resolve = resolve;
    this.reject = reject;
  }

  /**
   * The AbortError for a result that says the kernel cancelled the op at our
   * request (-ECANCELED, or -EINTR from an io-wq worker it interrupted) or on
   * its timeout (-ETIME, from the native ring: the op was cancelled by its
   * linked timeout); null for any other result.
   */
  cancelled(io: Io, res: number): Error | null {
    if (res === ETIME && io.timeoutMs >= 0) return this.partial(timeoutError(io.timeoutMs));
    if (io.aborted && (res === ECANCELED || res === EINTR)) return this.partial(abortError(io.signal));
    return null;
  }

  /** An error after part of the op was done (a write's first pieces) says so. */
  partial(err: Error): Error {
    return err;
  }

  /**
   * Set by the engine of an IOPOLL ring: an EOPNOTSUPP then carries a `hint`
   * saying why (not O_DIRECT, a device without poll queues; src/polling.ts).
   */
  iopoll = false;

  /** The node:fs-shaped error for a negative result. */
  error(res: number): Error {
    const err = uvError(res, this.syscall);
    if (this.iopoll) addIopollHint(err, this.fd, this.io !== null && this.io.timeoutMs >= 0);
    return err;
  }

  /** Settles from a CQE result; returns true when the op is done. */
  settle(res: number): boolean {
    if (res < 0) {
      this.reject((this.io !== null && this.cancelled(this.io, res)) || this.error(res));
      return true;
    }
    let value: T | Again;
    try {
      value = this.complete(res);
    } catch (err) {
      this.reject(err);
      return true;
    }
    if (value === AGAIN) return false;
    this.resolve(value);
    return true;
  }
}

/** Ops on a path carry it into their errors, as node:fs does. */
export abstract class PathOp<T> extends Op<T> {
  constructor(readonly path: string | Buffer, readonly cpath: Buffer) {
    super();
  }

  override error(res: number): Error {
    return uvError(res, this.syscall, this.path);
  }
}
