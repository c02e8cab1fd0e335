// A simulated native ring: a test double of src/native.ts's NativeRing (what
// native/ring.cc gives the engine), so the real engine, ops and batch code run
// on schedules a real kernel produces only rarely: completions in shuffled
// order and in odd-sized reaps, short reads and writes, EAGAIN, EINTR,
// ECANCELED, EIO and ENOSPC, submissions refused, completions arriving after
// destroy() and stale ones for a slot reused since.
//
// It reads the staging area exactly as native/ops/common.h lays it out, keeps
// the SQEs it was handed, and "runs" one only when it completes it: the I/O is
// real (pread/pwrite/readv/writev/fsync through node:fs's synchronous calls on
// the same fds), so results, file bytes and fd positions are what a kernel
// doing the same would leave. Linked SQEs run in order, each only after the
// one before it completed in full; a failure or a short transfer cancels the
// rest of the chain (-ECANCELED), as io_uring does. Ops it does not know
// (open, close, stat, …) are reported missing in info().ops, so the engine
// runs them on node:fs between the simulated ones, as on an older kernel.
//
// Wiring: src/binding.ts loads whatever module URING_FS_ADDON names;
// test/support/sim-addon.cjs hands it `installSimBinding()`'s binding.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import type { NativeBinding, NativeRing, NativeRingInfo } from '../../src/native';
import { STAGE_FLOATS, STAGE_INTS, STAGE_OBJECTS } from '../../src/stage';

// The op list of native/ops/table.h, in order: a staged record names its op by index.
const TABLE = ['nop', 'read', 'write', 'readv', 'writev', 'fsync', 'openat', 'close', 'statx', 'ftruncate', 'fallocate', 'unlinkat', 'renameat', 'mkdirat'];
const SIMULATED = new Set(['nop', 'read', 'write', 'readv', 'writev', 'fsync']);

const IOSQE_IO_LINK = 1 << 2;
const E = { EINTR: 4, EIO: 5, EBADF: 9, EAGAIN: 11, EFAULT: 14, EBUSY: 16, EINVAL: 22, ENOSPC: 28, EBADFD: 77, ECANCELED: 125 } as const;
export type Errno = keyof typeof E;

/** What the simulated kernel does, by seed. Probabilities are per SQE. */
export interface SimOptions {
  /** The test's own switch: no linked batches in its rounds (the ring ignores it). */
  noChains?: boolean;
  seed: number;
  /** A read or readv returns fewer bytes than asked (at least one). */
  shortRead?: number;
  /** A write or writev writes fewer bytes than asked (at least one). */
  shortWrite?: number;
  /** The same, for a write linked to an SQE after it (default: shortWrite). */
  shortWriteLinked?: number;
  /** An SQE fails with one of these instead of running (only those that make sense for its op). */
  errors?: Partial<Record<Errno, number>>;
  /** Per op (read, write, readv, writev, fsync, nop): replaces `errors` for that op. */
  errorsFor?: Record<string, Partial<Record<Errno, number>>>;
  /** queueStaged() stops before a chain, as when the kernel will not take more SQEs. */
  refuse?: number;
  /** After a completion, a copy of it arrives again later (a stale CQE). */
  stale?: number;
  /** Most completions handed to JavaScript in one onComplete call. */
  maxReap?: number;
}

/** What happened to one SQE, for the tests' oracles. */
export interface SqeRecord {
  op: string;
  outcome: 'ok' | 'short' | 'error' | 'cancelled';
  res: number;
  errno?: Errno;
}

interface Sqe {
  slot: number;
  gen: number;
  op: string;
  link: boolean;
  fd: number;
  position: number | bigint; // -1: the current position
  view?: ArrayBufferView;
  at?: number; // window start in the view
  len?: number; // window length
  views?: ArrayBufferView[];
  lengths?: number[];
  datasync?: boolean;
  /** The SQE before it in its chain, while that has not completed. */
  waitsFor: Sqe | null;
  next: Sqe | null;
  cancelled: boolean;
  done: boolean;
}

function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

export class SimRing implements NativeRing {
  /** Options for the next SimRing created (a Ring constructs its NativeRing itself). */
  static next: SimOptions = { seed: 1 };
  /** Every SimRing created, in order. */
  static readonly all: SimRing[] = [];

  readonly opts: SimOptions;
  readonly #rand: () => number;
  #onComplete: ((count: number) => void) | null = null;
  #results: Int32Array | null = null;
  #i32: Int32Array | null = null;
  #f64: Float64Array | null = null;
  #i64: BigInt64Array | null = null;
  #objects: unknown[] | null = null;
  #sqEntries = 0;
  #cqEntries = 0;
  #busy = new Set<number>();
  #pending: Sqe[] = [];
  #ready: [number, number, number][] = [];
  #scheduled = false;
  #live = false;
  #shutDown = false;

  /** Per op identity (the ArrayBuffer of its view, or of its first view): what each of its SQEs met. */
  readonly log = new WeakMap<object, SqeRecord[]>();
  /** Counts, for the tests. */
  readonly counts = { sqes: 0, short: 0, errors: 0, cancelled: 0, refusals: 0, stale: 0, reaps: 0, afterCancelAll: 0 };
  /** Breaches of the contract the engine must keep (slot reuse in flight, calls after shutdown). */
  readonly violations: string[] = [];
  cancelAllCalls = 0;

  constructor() {
    this.opts = { maxReap: 8, ...SimRing.next };
    this.#rand = prng(this.opts.seed);
    SimRing.all.push(this);
  }

  // -------------------------------------------------------------------------
  // NativeRing

  init(entries: number, _first: number, onComplete: (count: number) => void, results: Int32Array): number {
    if (this.#live) return -114; // EALREADY
    this.#sqEntries = 1 << Math.ceil(Math.log2(Math.max(1, entries)));
    this.#cqEntries = 2 * this.#sqEntries;
    this.#onComplete = onComplete;
    this.#results = results;
    this.#live = true;
    return 0;
  }

  info(): NativeRingInfo | null {
    if (!this.#live) return null;
    const ops: Record<string, boolean> = {};
    const opIndex: Record<string, number> = {};
    TABLE.forEach((name, i) => {
      ops[name] = SIMULATED.has(name);
      opIndex[name] = i;
    });
    return { sqEntries: this.#sqEntries, cqEntries: this.#cqEntries, setupFlags: 0, features: 0, ops, opIndex };
  }

  stage(i32: Int32Array, f64: Float64Array, objects: unknown[]): number {
    if (!this.#live) return -E.EINVAL;
    this.#i32 = i32;
    this.#f64 = f64;
    this.#i64 = new BigInt64Array(f64.buffer, f64.byteOffset, f64.length);
    this.#objects = objects;
    return 0;
  }

  queueStaged(count: number, o0?: unknown, o1?: unknown): number {
    if (this.#shutDown) this.violations.push('queueStaged after shutdown');
    if (!this.#live) return -E.EBADFD;
    const i32 = this.#i32 as Int32Array;
    let chainLeft = 0;
    let prev: Sqe | null = null;
    for (let k = 0; k < count; k++) {
      const b = STAGE_INTS * k;
      const tag = i32[b];
      const slot = tag & 0xffff;
      const link = ((tag >>> 16) & IOSQE_IO_LINK) !== 0;
      if (chainLeft === 0) {
        // The kernel may refuse to take more SQEs, but never in the middle of a chain.
        if (k > 0 && this.#rand() < (this.opts.refuse ?? 0)) {
          this.counts.refusals++;
          this.#schedule();
          return k;
        }
        chainLeft = 1;
        while (k + chainLeft - 1 < count - 1 && (i32[STAGE_INTS * (k + chainLeft - 1)] >>> 16) & IOSQE_IO_LINK) chainLeft++;
        if (chainLeft > this.#sqEntries) {
          for (let j = 0; j < chainLeft; j++) i32[STAGE_INTS * (k + j) + 2] = -E.EINVAL;
          k += chainLeft - 1;
          chainLeft = 0;
          prev = null;
          continue;
        }
        prev = null;
      }
      chainLeft--;
      if (this.#busy.has(slot)) {
        this.violations.push(`slot ${slot} staged again while its SQE is in flight`);
        i32[b + 2] = -E.EBUSY;
        continue;
      }
      const sqe = this.#read(k, slot, k === 0 && arguments.length > 1 ? [o0, o1] : null);
      if (typeof sqe === 'number') {
        i32[b + 2] = sqe;
        continue;
      }
      sqe.link = link && chainLeft > 0;
      if (prev) {
        prev.next = sqe;
        sqe.waitsFor = prev;
      }
      prev = sqe.link ? sqe : null;
      this.#busy.add(slot);
      this.#pending.push(sqe);
      this.counts.sqes++;
      i32[b + 2] = 0;
    }
    this.#schedule();
    return count;
  }

  flush(): number {
    return this.#live ? 0 : -E.EBADFD;
  }

  cancelAll(): number {
    if (!this.#live) return -E.EBADFD;
    this.cancelAllCalls++;
    for (const sqe of this.#pending) if (!sqe.done) sqe.cancelled = true;
    this.#schedule();
    return 0;
  }

  /** IORING_OP_ASYNC_CANCEL of one op: it completes with -ECANCELED unless already done. */
  cancel(slot: number, gen: number): number {
    if (!this.#live) return -E.EBADFD;
    const sqe = this.#pending.find((q) => q.slot === slot && q.gen === gen && !q.done);
    if (sqe === undefined) return -2; // ENOENT
    sqe.cancelled = true;
    this.#schedule();
    return 0;
  }

  shutdown(): number {
    if (this.#pending.length > 0) this.violations.push(`shutdown with ${this.#pending.length} SQEs in flight`);
    this.#live = false;
    this.#shutDown = true;
    this.#onComplete = null;
    this.#results = null;
    this.#ready = [];
    return 0;
  }

  /** SQEs handed over and not completed yet. */
  get inFlight(): number {
    return this.#pending.length;
  }

  /** The SQEs in flight, for a failure message. */
  describe(): string {
    return this.#pending
      .map((q) => `${q.op} slot ${q.slot} gen ${q.gen} fd ${q.fd}${q.link ? ' linked' : ''}${q.waitsFor ? ` after slot ${q.waitsFor.slot} (${q.waitsFor.done ? 'done' : 'pending'})` : ''}${q.cancelled ? ' cancelled' : ''}`)
      .join('; ');
  }

  // -------------------------------------------------------------------------
  // Reading a staged record (native/ops/common.h; each op's native/ops/<op>.cc).

  #offset(k: number, i: number): number | bigint {
    const mask = (this.#i32 as Int32Array)[STAGE_INTS * k + 3];
    if (mask & (1 << i)) return (this.#i64 as BigInt64Array)[STAGE_FLOATS * k + i];
    return (this.#f64 as Float64Array)[STAGE_FLOATS * k + i];
  }

  #read(k: number, slot: number, args: unknown[] | null): Sqe | number {
    const i32 = this.#i32 as Int32Array;
    const f64 = this.#f64 as Float64Array;
    const b = STAGE_INTS * k;
    const op = TABLE[i32[b + 2]];
    if (op === undefined || !SIMULATED.has(op)) return -E.EINVAL;
    const obj = (i: number): unknown => (args ? args[i] : (this.#objects as unknown[])[STAGE_OBJECTS * k + i]);
    const sqe: Sqe = {
      slot,
      gen: i32[b + 1] >>> 0,
      op,
      link: false,
      fd: i32[b + 4],
      position: -1,
      waitsFor: null,
      next: null,
      cancelled: false,
      done: false,
    };
    if (op === 'read' || op === 'write') {
      const view = obj(0);
      if (!ArrayBuffer.isView(view)) return -E.EFAULT;
      const at = f64[STAGE_FLOATS * k + 1];
      const len = f64[STAGE_FLOATS * k + 2];
      // native/ops/common.h Window(): the window must lie inside the view.
      if (!(at >= 0) || !(len >= 0) || at + len > view.byteLength) return -E.EFAULT;
      Object.assign(sqe, { view, at, len: Math.min(len, 0x7ffff000), position: this.#offset(k, 0) });
    } else if (op === 'readv' || op === 'writev') {
      const views = obj(0);
      const lengths = obj(1);
      if (!Array.isArray(views) || !(lengths instanceof Float64Array) || views.length > lengths.length) return -E.EFAULT;
      for (let j = 0; j < views.length; j++) {
        if (!ArrayBuffer.isView(views[j]) || !(lengths[j] >= 0) || lengths[j] > (views[j] as ArrayBufferView).byteLength) return -E.EFAULT;
      }
      if (op === 'readv' && views.length === 0) return -E.EINVAL;
      Object.assign(sqe, { views: views.slice(), lengths: Array.from(lengths.subarray(0, views.length)), position: this.#offset(k, 0) });
    } else if (op === 'fsync') {
      sqe.datasync = i32[b + 5] !== 0;
    }
    return sqe;
  }

  // -------------------------------------------------------------------------
  // The simulated kernel: run some of what is eligible, in random order, then
  // hand the completions over in random order and random-sized reaps.

  #schedule(): void {
    if (this.#scheduled || !this.#live) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      try {
        this.#tick();
      } catch (err) {
        // The engine's completion handler threw: a bug to report, not to lose.
        this.violations.push(`onComplete threw: ${(err as Error)?.stack ?? String(err)}`);
        this.#schedule();
      }
    });
  }

  #tick(): void {
    if (!this.#live) return;
    const eligible = this.#pending.filter((s) => !s.done && s.waitsFor === null);
    // Shuffle, then run a random non-empty part of it.
    for (let i = eligible.length - 1; i > 0; i--) {
      const j = Math.floor(this.#rand() * (i + 1));
      [eligible[i], eligible[j]] = [eligible[j], eligible[i]];
    }
    const take = eligible.length === 0 ? 0 : 1 + Math.floor(this.#rand() * eligible.length);
    for (const sqe of eligible.slice(0, take)) {
      if (sqe.cancelled) {
        this.counts.cancelled++;
        this.#note(sqe, { op: sqe.op, outcome: 'cancelled', res: -E.ECANCELED });
        this.#complete(sqe, -E.ECANCELED);
      } else {
        this.#complete(sqe, this.#run(sqe));
      }
    }
    this.#deliver();
    if (this.#pending.length > 0 || this.#ready.length > 0) this.#schedule();
  }

  #complete(sqe: Sqe, res: number): void {
    sqe.done = true;
    this.#pending.splice(this.#pending.indexOf(sqe), 1);
    this.#busy.delete(sqe.slot);
    this.#ready.push([sqe.slot, sqe.gen, res]);
    if (this.cancelAllCalls > 0) this.counts.afterCancelAll++;
    const next = sqe.next;
    if (!next) return;
    next.waitsFor = null;
    // A failure, or a read or write that moved less than asked, breaks the chain.
    const wanted = sqe.len ?? (sqe.lengths ? sqe.lengths.reduce((a, x) => a + x, 0) : 0);
    const broken = res < 0 || ((sqe.op !== 'fsync' && sqe.op !== 'nop') && res < wanted);
    if (broken) {
      for (let n: Sqe | null = next; n; n = n.next) n.cancelled = true;
      this.#complete(next, -E.ECANCELED);
      this.#note(next, { op: next.op, outcome: 'cancelled', res: -E.ECANCELED });
      this.counts.cancelled++;
    }
  }

  #deliver(): void {
    const ready = this.#ready;
    for (let i = ready.length - 1; i > 0; i--) {
      const j = Math.floor(this.#rand() * (i + 1));
      [ready[i], ready[j]] = [ready[j], ready[i]];
    }
    while (ready.length > 0 && this.#live) {
      const results = this.#results as Int32Array;
      const cap = Math.min(results.length / 3, this.opts.maxReap ?? 8);
      const n = Math.min(ready.length, 1 + Math.floor(this.#rand() * cap));
      const batch = ready.splice(0, n);
      batch.forEach(([slot, gen, res], i) => {
        results[3 * i] = slot;
        results[3 * i + 1] = gen | 0;
        results[3 * i + 2] = res;
      });
      this.counts.reaps++;
      (this.#onComplete as (count: number) => void)(n);
      // A copy of some of them comes again later: stale by then.
      for (const c of batch) {
        if (this.#rand() < (this.opts.stale ?? 0)) {
          this.counts.stale++;
          this.#ready.push([c[0], c[1], c[2]]);
          this.#schedule();
          return; // deliver it in a later tick, after other completions
        }
      }
    }
  }

  #note(sqe: Sqe, rec: SqeRecord): void {
    const v = sqe.view ?? sqe.views?.[0];
    if (!v) return;
    const key = v.buffer;
    const list = this.log.get(key);
    if (list) list.push(rec);
    else this.log.set(key, [rec]);
  }

  /** A fault for this SQE, by seed: an errno that suits its op, or null. */
  #fault(sqe: Sqe): Errno | null {
    const allowed: Record<string, Errno[]> = {
      read: ['EIO', 'EAGAIN', 'EINTR', 'ECANCELED'],
      readv: ['EIO', 'EAGAIN', 'EINTR', 'ECANCELED'],
      write: ['EIO', 'ENOSPC', 'EAGAIN', 'EINTR', 'ECANCELED'],
      writev: ['EIO', 'ENOSPC', 'EAGAIN', 'EINTR', 'ECANCELED'],
      fsync: ['EIO', 'ENOSPC', 'EINTR', 'ECANCELED'],
      nop: ['ECANCELED'],
    };
    for (const name of allowed[sqe.op] ?? []) {
      const p = (this.opts.errorsFor?.[sqe.op] ?? this.opts.errors)?.[name] ?? 0;
      if (p > 0 && this.#rand() < p) return name;
    }
    return null;
  }

  #shortWrite(sqe: Sqe): number {
    return (sqe.link ? this.opts.shortWriteLinked : undefined) ?? this.opts.shortWrite ?? 0;
  }

  #run(sqe: Sqe): number {
    const err = this.#fault(sqe);
    if (err) {
      this.counts.errors++;
      this.#note(sqe, { op: sqe.op, outcome: 'error', res: -E[err], errno: err });
      return -E[err];
    }
    let res: number;
    let short = false;
    try {
      const pos = sqe.position === -1 || sqe.position === -1n ? null : Number(sqe.position);
      switch (sqe.op) {
        case 'nop':
          res = 0;
          break;
        case 'fsync':
          if (sqe.datasync) fs.fdatasyncSync(sqe.fd);
          else fs.fsyncSync(sqe.fd);
          res = 0;
          break;
        case 'read':
        case 'write': {
          let len = sqe.len as number;
          const p = sqe.op === 'read' ? this.opts.shortRead : this.#shortWrite(sqe);
          if (len > 1 && this.#rand() < (p ?? 0)) {
            len = 1 + Math.floor(this.#rand() * (len - 1));
            short = true;
          }
          const v = sqe.view as ArrayBufferView;
          const bytes = new Uint8Array(v.buffer, v.byteOffset + (sqe.at as number), len);
          res = sqe.op === 'read' ? fs.readSync(sqe.fd, bytes, 0, len, pos) : fs.writeSync(sqe.fd, bytes, 0, len, pos);
          break;
        }
        default: {
          // readv / writev: the first `total` bytes of the views, in order.
          const views = sqe.views as ArrayBufferView[];
          const lengths = sqe.lengths as number[];
          let total = lengths.reduce((a, x) => a + x, 0);
          const p = sqe.op === 'readv' ? this.opts.shortRead : this.#shortWrite(sqe);
          if (total > 1 && this.#rand() < (p ?? 0)) {
            total = 1 + Math.floor(this.#rand() * (total - 1));
            short = true;
          }
          const iov: Uint8Array[] = [];
          let left = total;
          for (let j = 0; j < views.length && left > 0; j++) {
            const n = Math.min(lengths[j], left);
            iov.push(new Uint8Array(views[j].buffer, views[j].byteOffset, n));
            left -= n;
          }
          res = iov.length === 0 ? 0 : sqe.op === 'readv' ? fs.readvSync(sqe.fd, iov, pos) : fs.writevSync(sqe.fd, iov, pos);
        }
      }
    } catch (e) {
      res = (e as NodeJS.ErrnoException).errno ?? -E.EIO;
    }
    if (short) this.counts.short++;
    this.#note(sqe, { op: sqe.op, outcome: res < 0 ? 'error' : short ? 'short' : 'ok', res });
    return res;
  }
}

/**
 * The binding a Ring loads when URING_FS_ADDON points at test/support/sim-addon.cjs:
 * SimRing as its NativeRing; the real addon's fd-position helpers (plain
 * lseek/fcntl, which the simulated I/O on real fds needs as much as real I/O).
 */
export function installSimBinding(root: string): string {
  const real = createRequire(path.join(root, 'package.json'))(path.join(root, 'build/Release/uring_fs.node')) as NativeBinding;
  const binding: NativeBinding = {
    NativeRing: SimRing as unknown as NativeBinding['NativeRing'],
    allocAligned: real.allocAligned,
    fdPosition: real.fdPosition,
    setFdPosition: real.setFdPosition,
    liburingVersion: 'simulated',
  };
  (globalThis as Record<string, unknown>).__uringFsSimBinding = binding;
  const shim = path.join(root, 'test/support/sim-addon.cjs');
  process.env.URING_FS_ADDON = shim;
  return shim;
}
