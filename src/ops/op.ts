// The shape every operation has. An op is a small object: its validated
// arguments, what to hand the native ring (`submit`), how to turn the CQE's
// result into the promised value (`complete`), and the same operation over
// node:fs (`viaFs`) for the fallback backend and for opcodes the kernel lacks.

import type { NativeOpName, NativeRing } from '../binding';
import { uvError } from '../errors';

/** The most one read or write moves (the kernel's MAX_RW_COUNT); writes continue past it. */
export const MAX_RW = 0x7ffff000;

/** Kinds of the engine's staging area (native/ring.h kStage*). */
export const STAGE_NOP = 0;
export const STAGE_READ = 1;
export const STAGE_WRITE = 2;

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
   * How the engine may describe this op in its staging area instead of making
   * a native call for it: STAGE_NOP, STAGE_READ or STAGE_WRITE (fd, whole
   * view, number position), or -1 for "submit it directly".
   */
  get stageKind(): number {
    return -1;
  }

  /** True when this op must run on node:fs whatever the backend. */
  get fsOnly(): boolean {
    return false;
  }

  /**
   * Fills an SQE: returns undefined, or -errno if the arguments could not be
   * used. `tag` is the slot with the SQE flags in bits 16-23 (see engine.ts).
   */
  abstract submit(ring: NativeRing, tag: number, gen: number): number | undefined;
  /** The promised value for a non-negative result, or AGAIN. */
  abstract complete(res: number): T | Again;
  /** The same operation on node:fs, with node:fs's own result and errors. */
  abstract viaFs(): Promise<T>;

  /** True when `value` is a short transfer, which ends a linked chain (readv/read). */
  isShort(value: unknown): boolean {
    return false;
  }

  /** The node:fs-shaped error for a negative result. */
  error(res: number): Error {
    return uvError(res, this.syscall);
  }

  /** Settles from a CQE result; returns true when the op is done. */
  settle(res: number): boolean {
    if (res < 0) {
      this.reject(this.error(res));
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
