// The public Ring: io_uring's operations as promise-returning methods with
// node:fs's validation, results and errors, over the native ring or, where
// io_uring cannot be used, over node:fs itself.

import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { getSystemErrorName } from 'node:util';

import { runBatch } from './batch';
import { BufferPool, registerBuffers } from './buffers';
import type { BufferPoolHandle } from './buffers';
import { dioAlignment } from './dio';
import type { DioAlignment } from './dio';
import type { BatchOp, BatchOptions, BatchResults } from './batch';
import { loadBinding, warnFallback } from './binding';
import type { NativeRing } from './binding';
import { Engine } from './engine';
import { setupFix } from './environment';
import { describe, destroyedError, invalidArgValue, ownError, uvError } from './errors';
import { kEngine } from './ops/define';
import { OPS } from './ops/registry';
import { IOPOLL_OPS, MODE_HYBRID_IOPOLL, MODE_IOPOLL, MODE_SQPOLL, validatePolling, watchCredentials } from './polling';
import type { SqpollOptions } from './polling';
import type { RingMethods } from './ops/registry';
import { CompletionQueue, runMany } from './queue';
import type { CompletionHandler } from './queue';
import { Stager } from './stage';
import { validateBoolean, validateFd, validateFunction, validateObject } from './validate';

export type Backend = 'io_uring' | 'fs';
export type PathLike = string | Buffer | URL;
export type Position = number | bigint | null | undefined;

export interface RingOptions {
  /** Submission queue entries (rounded up to a power of two by the kernel). Default 256. */
  entries?: number;
  /** Throw instead of falling back to node:fs when io_uring cannot be used. Env: URING_FS_STRICT=1. */
  strict?: boolean;
  /** 'auto' (default): io_uring when possible; 'io_uring': strict; 'fs': node:fs. Env: URING_FS_BACKEND. */
  backend?: 'auto' | Backend;
  /**
   * A kernel thread takes submissions off the ring (IORING_SETUP_SQPOLL): no
   * system call per submission while it is awake. Opt-in only: the thread
   * spins on a CPU for `idleMs` after each submission. Refused after the
   * process changes its user or group IDs (CVE-2024-22017). Default off.
   */
  sqpoll?: boolean | SqpollOptions;
  /**
   * Polled completions (IORING_SETUP_IOPOLL): the ring polls the device instead
   * of waiting for its interrupt. O_DIRECT reads and writes only, on block
   * devices with poll queues; other ops run on node:fs. 'hybrid': the kernel
   * sleeps through part of each request first (IORING_SETUP_HYBRID_IOPOLL,
   * Linux 6.13; classic polling on older kernels). Default off.
   */
  iopoll?: boolean | 'hybrid';
}

export interface RingFeatures {
  /** The backend every op runs on unless listed in `fsFallbackOps`. */
  backend: Backend;
  /** IORING_SETUP_* flags the ring was created with, e.g. ['SUBMIT_ALL', 'SINGLE_ISSUER', 'DEFER_TASKRUN']. */
  setupFlags: string[];
  sqEntries: number;
  cqEntries: number;
  /** Which native opcodes this kernel has (IORING_REGISTER_PROBE). */
  ops: Record<string, boolean>;
  /** Ring methods that run on node:fs on this kernel because their opcode is missing. */
  fsFallbackOps: string[];
  /** Slots in the ring's registered file table (registerFile, readFile): 0 on the node:fs backend or before Linux 5.19. */
  fixedFiles: number;
  /** A kernel thread submits (IORING_SETUP_SQPOLL). */
  sqpoll: boolean;
  /** The SQ thread's idle time in ms, or null without SQPOLL. */
  sqpollIdleMs: number | null;
  /** The CPU the SQ thread is pinned to (IORING_SETUP_SQ_AFF), or null. */
  sqpollCpu: number | null;
  /** Completions are polled for (IORING_SETUP_IOPOLL). */
  iopoll: boolean;
  /** Hybrid polling (IORING_SETUP_HYBRID_IOPOLL, Linux 6.13). */
  hybridIopoll: boolean;
  /** Completion work runs when this thread enters the kernel, without interrupting it (IORING_SETUP_COOP_TASKRUN). */
  coopTaskrun: boolean;
  /** Only the creating thread submits; the kernel skips its locking (IORING_SETUP_SINGLE_ISSUER). */
  singleIssuer: boolean;
  /** liburing the addon was built with (linked statically), or null without the addon. */
  liburing: string | null;
  kernel: string;
}

const DEFAULT_ENTRIES = 256;
const MAX_ENTRIES = 32768;

const SETUP_FLAG_NAMES: [number, string][] = [
  [1 << 0, 'IOPOLL'],
  [1 << 1, 'SQPOLL'],
  [1 << 2, 'SQ_AFF'],
  [1 << 3, 'CQSIZE'],
  [1 << 7, 'SUBMIT_ALL'],
  [1 << 8, 'COOP_TASKRUN'],
  [1 << 9, 'TASKRUN_FLAG'],
  [1 << 12, 'SINGLE_ISSUER'],
  [1 << 13, 'DEFER_TASKRUN'],
  [1 << 17, 'HYBRID_IOPOLL'],
];

// Which ring methods each native op serves, for features.fsFallbackOps.
const METHODS_BY_OP: Record<string, string[]> = {};
for (const def of OPS) (METHODS_BY_OP[def.native] ??= []).push(...Object.keys(def.methods));

function envFlag(name: string): boolean {
  const v = process.env[name];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function setupReason(rc: number): string {
  let why = `io_uring_setup failed: ${getSystemErrorName(rc)} (${describe(rc)})`;
  if (rc === -1 || rc === -13) {
    let disabled = '';
    try {
      disabled = readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim();
    } catch {
      // Kernels before 6.6 have no such sysctl.
    }
    why += disabled && disabled !== '0'
      ? `; kernel.io_uring_disabled=${disabled}`
      : '; io_uring is blocked for this process (a seccomp profile, as container runtimes apply, or an LSM)';
  } else if (rc === -38) {
    why += '; this kernel has no io_uring';
  } else if (rc === -12) {
    why += '; RLIMIT_MEMLOCK may be too low for the ring (kernels before 5.12 charge it there)';
  } else if (rc === -95) {
    why += '; the kernel lacks IORING_FEAT_NODROP or IORING_FEAT_RW_CUR_POS (Linux 5.6 or newer is needed)';
  }
  const fix = setupFix(rc);
  return fix ? `${why}; to fix: ${fix}` : why;
}

function pollingName(modes: number): string {
  const names: string[] = [];
  if (modes & MODE_SQPOLL) names.push('SQPOLL');
  if (modes & MODE_HYBRID_IOPOLL) names.push('hybrid IOPOLL');
  else if (modes & MODE_IOPOLL) names.push('IOPOLL');
  return names.join(' with ');
}

function unavailableError(reason: string): Error {
  return ownError('Error', 'ERR_URING_UNAVAILABLE', `io_uring is not available and strict mode is on: ${reason}`, Ring);
}

/**
 * One io_uring and its completion handling, bound to the thread that created it.
 * Every method returns a promise; errors are node:fs's.
 */
// The ops' methods (open, read, stat, …) come from their modules (src/ops/<op>.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface Ring extends RingMethods {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Ring {
  declare readonly [kEngine]: Engine;
  /** 'io_uring', or 'fs' when every op runs on node:fs. */
  readonly backend: Backend;
  /** Why the ring runs on node:fs, or null on io_uring. */
  readonly fallbackReason: string | null;
  readonly features: RingFeatures;
  readonly #engine: Engine;

  constructor(options: RingOptions = {}) {
    validateObject(options, 'options');
    const { entries = DEFAULT_ENTRIES } = options;
    validateFd(entries, 'options.entries');
    if (entries < 1 || entries > MAX_ENTRIES) {
      throw invalidArgValue('options.entries', entries, `must be from 1 to ${MAX_ENTRIES}`, Ring);
    }
    const strictOpt = options.strict ?? envFlag('URING_FS_STRICT');
    validateBoolean(strictOpt, 'options.strict');
    const backendOpt = options.backend ?? (process.env.URING_FS_BACKEND || 'auto');
    if (backendOpt !== 'auto' && backendOpt !== 'io_uring' && backendOpt !== 'fs') {
      throw invalidArgValue('options.backend', backendOpt, "must be 'auto', 'io_uring' or 'fs'", Ring);
    }
    const strict = strictOpt || backendOpt === 'io_uring';
    // Validated on every backend; on node:fs they have nothing to act on (features say so).
    const polling = validatePolling(options.sqpoll, options.iopoll, Ring);

    let native: NativeRing | null = null;
    let reason: string | null = null;
    let liburing: string | null = null;
    const results = new Int32Array(3 * 2 * entries);
    let engine: Engine | undefined;
    const onComplete = (count: number): void => (engine as Engine).onComplete(count);

    if (backendOpt === 'fs') {
      reason = options.backend === 'fs' ? "backend 'fs' was requested" : "backend 'fs' was requested by URING_FS_BACKEND";
    } else {
      const loaded = loadBinding();
      if (loaded.binding) {
        liburing = loaded.binding.liburingVersion;
        const binding = loaded.binding;
        const first = Number(process.env.URING_FS_SETUP_CANDIDATE ?? 0);
        let ring = new binding.NativeRing();
        if (polling.modes & MODE_SQPOLL) watchCredentials(binding);
        // The CQ (2 × entries) bounds what is in flight; results holds one reap.
        let rc = ring.init(entries, first, onComplete, results, polling.modes, polling.idleMs, polling.cpu);
        if (rc !== 0 && polling.modes !== 0) {
          // The polling asked for cannot be had here: say so (strict: refuse),
          // then an ordinary ring.
          const why = `${pollingName(polling.modes)} could not be set up: ${setupReason(rc)}`;
          if (strict) throw unavailableError(why);
          process.emitWarning(`uring-fs: ${why}; this ring runs without it`, { code: 'URING_FS_POLLING_UNAVAILABLE' });
          ring = new binding.NativeRing();
          rc = ring.init(entries, first, onComplete, results);
        }
        if (rc === 0) native = ring;
        else reason = setupReason(rc);
      } else {
        reason = loaded.error;
      }
      if (native === null && strict) throw unavailableError(reason as string);
    }

    let info = native?.info() ?? null;
    let stager: Stager | null = null;
    if (native !== null && info !== null) {
      // Every op reaches the ring through the staging area; one per ring.
      stager = new Stager(info.cqEntries, loadBinding().binding ?? null);
      const rc = native.stage(stager.i32, stager.f64, stager.objects);
      if (rc !== 0) {
        native.shutdown();
        native = null;
        info = null;
        stager = null;
        reason = `the native ring refused its staging area (${rc})`;
        if (strict) throw unavailableError(reason);
      }
    } else if (native !== null) {
      native.shutdown();
      native = null;
      reason = 'the native ring could not describe itself (info() failed)';
      if (strict) throw unavailableError(reason);
    }
    if (native === null && backendOpt !== 'fs') warnFallback(reason as string);
    const ops: Record<string, boolean> = Object.fromEntries(Object.keys(METHODS_BY_OP).map((k) => [k, false]));
    // An op the addon does not know (an addon older than this JavaScript) runs on
    // node:fs, like an op the kernel lacks; never staged under a wrong index.
    if (info) for (const name of Object.keys(ops)) ops[name] = info.ops[name] === true && Object.hasOwn(info.opIndex, name);
    // URING_FS_DISABLE_OPS=ftruncate,statx: treat these opcodes as missing, as an
    // older kernel would, so the per-op node:fs path can be exercised anywhere.
    for (const name of (process.env.URING_FS_DISABLE_OPS ?? '').split(',')) {
      if (Object.hasOwn(ops, name.trim())) ops[name.trim()] = false;
    }
    const setupFlags = info ? info.setupFlags : 0;
    const iopoll = (setupFlags & 1) !== 0;
    // An IOPOLL ring takes only read/write-family opcodes (and nop): the rest run on node:fs.
    if (iopoll) for (const name of Object.keys(ops)) if (!IOPOLL_OPS.has(name)) ops[name] = false;
    const cap = info ? info.cqEntries : 2 * entries;
    engine = new Engine(native, cap, info ? info.sqEntries : entries, ops, results, stager, info ? info.opIndex : null, info?.fixedFiles ?? 0);
    engine.iopoll = iopoll;
    this.#engine = engine;
    Object.defineProperty(this, kEngine, { value: engine });
    // The native side holds the callback only weakly while idle; this keeps it
    // alive exactly as long as the ring object.
    this.#onComplete = onComplete;
    this.backend = native ? 'io_uring' : 'fs';
    this.fallbackReason = native ? null : reason;
    this.features = Object.freeze({
      backend: this.backend,
      setupFlags: info ? SETUP_FLAG_NAMES.filter(([bit]) => info.setupFlags & bit).map(([, name]) => name) : [],
      sqEntries: info ? info.sqEntries : 0,
      cqEntries: info ? info.cqEntries : 0,
      ops,
      fsFallbackOps: native
        ? Object.entries(ops).filter(([, ok]) => !ok).flatMap(([op]) => METHODS_BY_OP[op] ?? [])
        : [],
      fixedFiles: info?.fixedFiles ?? 0,
      sqpoll: (setupFlags & 2) !== 0,
      sqpollIdleMs: setupFlags & 2 ? polling.idleMs : null,
      sqpollCpu: setupFlags & 4 ? polling.cpu : null,
      iopoll,
      hybridIopoll: (setupFlags & (1 << 17)) !== 0,
      coopTaskrun: (setupFlags & (1 << 8)) !== 0,
      singleIssuer: (setupFlags & (1 << 12)) !== 0,
      liburing,
      kernel: release(),
    });
  }

  readonly #onComplete: (count: number) => void;

  /** True once destroy() has been called. */
  get destroyed(): boolean {
    return this.#engine.destroyed;
  }

  /**
   * Runs many ops with one submission; resolves, in order, with each op's
   * settled result. With `{ link: true }` they run as one chain.
   */
  batch<const T extends readonly BatchOp[]>(ops: T, options?: BatchOptions): Promise<BatchResults<T>> {
    return runBatch(this.#engine, ops, options) as Promise<BatchResults<T>>;
  }

  /**
   * Registers `fd`'s file with the ring: later reads, writes, readvs, writevs,
   * fsyncs, ftruncates and fallocates on `fd` name it by its slot in the ring's
   * registered file table (IOSQE_FIXED_FILE), which spares the kernel an
   * fd-table lookup and reference per op. Closing `fd` through the ring ends
   * the registration. Returns false where this ring cannot (the node:fs
   * backend, a kernel without the table (before 5.19), all slots in use);
   * throws node:fs's EBADF-shaped error for an fd that is not open.
   */
  registerFile(fd: number): boolean {
    const valid = validateFd(fd);
    const rc = this.#engine.registerFile(valid);
    if (rc === 0) return true;
    if (rc === -95 || rc === -23) return false;
    throw uvError(rc, 'io_uring_register');
  }

  /**
   * A pool of `count` page-aligned Buffers of `size` bytes each (rounded up to a
   * multiple of 4096), registered with the ring (IORING_REGISTER_BUFFERS): a
   * read or write whose window lies inside one of them runs as READ_FIXED /
   * WRITE_FIXED. Or, given a `pool.share()` handle from another thread, the same
   * memory registered with this ring (cloned where the kernel can, 6.12). One
   * pool per ring at a time. On the node:fs backend the pool works the same,
   * unregistered. See docs/api.md.
   */
  registerBuffers(count: number, size: number): BufferPool;
  registerBuffers(handle: BufferPoolHandle): BufferPool;
  registerBuffers(countOrHandle: number | BufferPoolHandle, size?: number): BufferPool {
    return registerBuffers(this.#engine, countOrHandle, size, this.registerBuffers);
  }

  /**
   * The alignment direct I/O (O_DIRECT) on a file needs: `{ memory, offset }` in
   * bytes (both 0: the file does not support it), from statx's STATX_DIOALIGN
   * (Linux 6.1); null where the kernel or filesystem does not report it.
   */
  dioAlignment(pathOrFd: PathLike | number): Promise<DioAlignment | null> {
    if (this.#engine.destroyed) return Promise.reject(destroyedError('statx'));
    return dioAlignment(pathOrFd, this.dioAlignment);
  }

  /** Ends `fd`'s registration (ops already called keep using it until they complete); false if it had none. */
  unregisterFile(fd: number): boolean {
    return this.#engine.unregisterFile(validateFd(fd));
  }

  /**
   * A completion queue: reads and writes submitted with an int32 tag, their raw
   * results (bytes, or -errno) handed to `handler(tags, results, count)` in bulk
   * after each reap. No promise or Error per op: the fastest path.
   */
  completionQueue(handler: CompletionHandler): CompletionQueue {
    validateFunction(handler, 'handler');
    return new CompletionQueue(this.#engine, handler);
  }

  /**
   * Reads `views[i]` at `positions[i]` for every i, in one submission; resolves
   * one Int32Array with the bytes read, or -errno, for each view.
   */
  readMany(fd: number, views: readonly ArrayBufferView[], positions: readonly (number | bigint)[] | Float64Array | BigInt64Array): Promise<Int32Array> {
    return runMany(this.#engine, 'read', fd, views, positions);
  }

  /**
   * One write of `views[i]` at `positions[i]` for every i (a short write is
   * reported, not continued), in one submission; resolves one Int32Array with
   * the bytes written, or -errno, for each view.
   */
  writeMany(fd: number, views: readonly ArrayBufferView[], positions: readonly (number | bigint)[] | Float64Array | BigInt64Array): Promise<Int32Array> {
    return runMany(this.#engine, 'write', fd, views, positions);
  }

  /**
   * Stops accepting ops, cancels what is in flight (each op settles once, with
   * its result or ECANCELED), and frees the ring. Safe to call more than once.
   */
  destroy(): Promise<void> {
    return this.#engine.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }
}

for (const def of OPS) {
  for (const [name, method] of Object.entries(def.methods)) {
    Object.defineProperty(Ring.prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}

let shared: Ring | undefined;

/** The calling thread's shared ring (created on first use, and again after destroy()). */
export function getRing(): Ring {
  if (shared === undefined || shared.destroyed) shared = new Ring();
  return shared;
}

