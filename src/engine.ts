// The hot path. An Engine owns one native ring and a slot table; ops are
// queued from JavaScript (each fills one SQE; the native side submits them all
// once per loop turn), and completions come back in bulk: one call with
// (slot, generation, result) triples in a shared Int32Array, resolved here.
//
// Never more ops in flight than the CQ has entries, so the CQ cannot overflow;
// the rest wait in a FIFO backlog and go out as completions free slots.

import type { NativeRing } from './binding';
import { destroyedError, uvError } from './errors';
import { NopOp } from './ops/nop';
import type { Op } from './ops/op';

const IOSQE_IO_LINK = 1 << 2;
const ECANCELED = -125;

export class Engine {
  /** null on the node:fs backend. */
  native: NativeRing | null;
  readonly cap: number;
  readonly sqEntries: number;
  readonly nativeOps: Readonly<Record<string, boolean>>;
  destroyed = false;
  inflight = 0;
  fsInflight = 0;

  readonly #ops: (Op | undefined)[];
  readonly #gens: Uint32Array;
  readonly #free: Uint32Array;
  #freeTop: number;
  readonly #results: Int32Array;
  #backlog: (Op | Op[] | undefined)[] = [];
  #head = 0;
  #destroying: Promise<void> | undefined;
  #onDrained: (() => void) | undefined;
  // The staging area: reads, writes and nops queued in one microtask turn are
  // described here and reach the addon in one queueStaged() call.
  readonly #si32: Int32Array;
  readonly #sf64: Float64Array;
  #sviews: ArrayBufferView[] = [];
  #staged = 0;
  #canStage = false;

  /**
   * `native` already init()-ed with `results` and `this.onComplete`, or null.
   * `cap` is the CQ size (the native slot table has that many slots).
   */
  constructor(native: NativeRing | null, cap: number, sqEntries: number, nativeOps: Record<string, boolean>, results: Int32Array) {
    this.native = native;
    this.cap = cap;
    this.sqEntries = sqEntries;
    this.nativeOps = nativeOps;
    this.#results = results;
    this.#ops = new Array<Op | undefined>(cap).fill(undefined);
    this.#gens = new Uint32Array(cap);
    this.#free = new Uint32Array(cap);
    for (let i = 0; i < cap; i++) this.#free[i] = cap - 1 - i;
    this.#freeTop = cap;
    this.#si32 = new Int32Array(4 * cap);
    this.#sf64 = new Float64Array(cap);
    this.#canStage = native !== null && native.stage(this.#si32, this.#sf64, this.#sviews) === undefined;
  }

  /** Runs one op; its promise settles exactly once. */
  run<T>(op: Op<T>): Promise<T> {
    if (this.destroyed) return Promise.reject(destroyedError(op.syscall));
    return new Promise<T>((resolve, reject) => {
      op.resolve = resolve;
      op.reject = reject;
      this.start(op);
    });
  }

  /** Whether `op` runs on the ring (false: node:fs, by backend, kernel or option). */
  onRing(op: Op): boolean {
    return this.native !== null && !op.fsOnly && this.nativeOps[op.native] === true;
  }

  /** Starts an op whose resolve/reject are set. */
  start(op: Op): void {
    if (!this.onRing(op)) {
      this.#runFs(op);
    } else if (this.inflight < this.cap && this.#head === this.#backlog.length) {
      this.#issue(op);
    } else {
      this.#backlog.push(op);
    }
  }

  /**
   * Starts ops as one IOSQE_IO_LINK chain: consecutive SQEs in one submission,
   * each run only after the previous succeeded. The caller keeps a group within
   * `groupLimit` and only passes ops that run on the ring.
   */
  startLinked(ops: Op[]): void {
    if (this.inflight + ops.length <= this.cap && this.#head === this.#backlog.length) {
      this.#issueLinked(ops);
    } else {
      this.#backlog.push(ops);
    }
  }

  /** The longest chain that fits one submission and the in-flight limit. */
  get groupLimit(): number {
    return Math.min(this.sqEntries, this.cap);
  }

  /** Called by the native ring once per reap with `count` triples in `results`. */
  readonly onComplete = (count: number): void => {
    const r = this.#results;
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
      if (!op.settle(res)) {
        // A short write to continue, on its own: the chain it was in (if any)
        // has been broken by the kernel already, and a link flag left set
        // would tie it to whatever SQE comes next.
        op.flags &= ~IOSQE_IO_LINK;
        if (this.destroyed) op.reject(op.error(ECANCELED));
        else this.start(op);
      }
    }
    if (this.#head < this.#backlog.length) this.#pump();
    if (this.#onDrained) {
      // IORING_ASYNC_CANCEL_ANY reaches only requests already issued: a linked
      // op that started after the last cancel needs another one.
      if (this.inflight > 0) this.native?.cancelAll();
      this.#checkDrained();
    }
  };

  /**
   * Refuses new ops, fails the backlog with ECANCELED, asks the kernel to cancel
   * what is in flight (each op then settles with its result or ECANCELED), and
   * frees the ring once nothing is left. Idempotent.
   */
  destroy(): Promise<void> {
    if (this.#destroying) return this.#destroying;
    this.destroyed = true;
    this.#destroying = new Promise<void>((resolve) => {
      this.#onDrained = resolve;
    });
    const waiting = this.#backlog.slice(this.#head);
    this.#backlog = [];
    this.#head = 0;
    for (const item of waiting) {
      for (const op of Array.isArray(item) ? item : item ? [item] : []) op.reject(op.error(ECANCELED));
    }
    this.#flush();
    if (this.inflight > 0) this.native?.cancelAll();
    this.#checkDrained();
    return this.#destroying;
  }

  #issue(op: Op): boolean {
    const native = this.native as NativeRing;
    const slot = this.#free[--this.#freeTop];
    const gen = (this.#gens[slot] + 1) >>> 0;
    this.#gens[slot] = gen;
    // Staging pays off when several ops go out in one turn; the first op of a
    // turn (always, at queue depth 1) costs less as a direct call.
    const kind = this.#canStage && this.inflight > 0 ? op.stageKind : -1;
    if (kind >= 0) {
      const k = this.#staged++;
      if (k === 0) queueMicrotask(this.#flush);
      const d = this.#si32;
      d[4 * k] = slot | (op.flags << 16);
      d[4 * k + 1] = gen;
      d[4 * k + 2] = kind;
      if (kind !== 0) {
        const rw = op as unknown as { fd: number; view: ArrayBufferView; position: number };
        d[4 * k + 3] = rw.fd;
        this.#sf64[k] = rw.position;
        this.#sviews[k] = rw.view;
      }
      this.#ops[slot] = op;
      this.inflight++;
      return true;
    }
    const rc = op.submit(native, slot | (op.flags << 16), gen);
    if (rc !== undefined) {
      this.#free[this.#freeTop++] = slot;
      op.reject(rc === -77 ? destroyedError(op.syscall) : uvError(rc, op.syscall));
      return false;
    }
    this.#ops[slot] = op;
    this.inflight++;
    return true;
  }

  #issueLinked(ops: Op[]): void {
    const native = this.native as NativeRing;
    // A chain is consecutive SQEs: what is staged goes first, and the chain's
    // own ops are queued directly.
    this.#flush();
    native.reserve(ops.length);
    const last = ops.length - 1;
    for (let i = 0; i <= last; i++) {
      const op = ops[i];
      if (i < last) op.flags |= IOSQE_IO_LINK;
      if (!this.#issueDirect(op)) {
        // The previous SQE links to whatever comes next: end the chain with a
        // NOP nobody waits for, and cancel the ops that never went out.
        if (i > 0) {
          const end = new NopOp();
          end.resolve = end.reject = () => {};
          this.#issueDirect(end);
        }
        for (let k = i + 1; k <= last; k++) ops[k].reject(ops[k].error(ECANCELED));
        return;
      }
    }
  }

  /** An op queued with its own native call, never staged (linked chains). */
  #issueDirect(op: Op): boolean {
    const can = this.#canStage;
    this.#canStage = false;
    try {
      return this.#issue(op);
    } finally {
      this.#canStage = can;
    }
  }

  /** Hands everything staged to the addon: one call, however many ops. */
  readonly #flush = (): void => {
    const n = this.#staged;
    if (n === 0) return;
    this.#staged = 0;
    const native = this.native;
    // > 0: that many ops failed, each with -errno in its kind field; < 0: the
    // call itself was refused and none was queued.
    const failed = native === null ? -77 : native.queueStaged(n);
    const views = this.#sviews;
    views.length = 0;
    if (failed === 0) return;
    const d = this.#si32;
    for (let k = 0; k < n; k++) {
      const rc = failed < 0 ? failed : d[4 * k + 2];
      if (rc === 0) continue;
      const slot = d[4 * k] & 0xffff;
      const op = this.#ops[slot] as Op;
      this.#ops[slot] = undefined;
      this.#free[this.#freeTop++] = slot;
      this.inflight--;
      op.reject(rc === -77 ? destroyedError(op.syscall) : uvError(rc, op.syscall));
    }
    if (this.#onDrained) this.#checkDrained();
  };

  #pump(): void {
    const backlog = this.#backlog;
    while (this.#head < backlog.length) {
      const item = backlog[this.#head] as Op | Op[];
      if (Array.isArray(item)) {
        if (this.inflight + item.length > this.cap) break;
        this.#issueLinked(item);
      } else {
        if (this.inflight >= this.cap) break;
        this.#issue(item);
      }
      backlog[this.#head++] = undefined;
    }
    if (this.#head === backlog.length) {
      this.#backlog = [];
      this.#head = 0;
    }
  }

  #runFs(op: Op): void {
    this.fsInflight++;
    op.viaFs().then(
      (value) => {
        this.fsInflight--;
        op.resolve(value);
        if (this.#onDrained) this.#checkDrained();
      },
      (err: unknown) => {
        this.fsInflight--;
        op.reject(err);
        if (this.#onDrained) this.#checkDrained();
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
