// The public Ring: io_uring's operations as promise-returning methods with
// node:fs's validation, results and errors, over the native ring or, where
// io_uring cannot be used, over node:fs itself.

import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { BigIntStats, Stats } from 'node:fs';

import { runBatch } from './batch';
import type { BatchOp, BatchOptions, BatchResult } from './batch';
import { loadBinding } from './binding';
import type { NativeOpName, NativeRing } from './binding';
import { Engine } from './engine';
import { Stager } from './stage';
import { ERR_INVALID_ARG_VALUE, destroyedError, nodeError, uvError } from './errors';
import { close } from './ops/close';
import { fallocate } from './ops/fallocate';
import { fsync } from './ops/fsync';
import { ftruncate } from './ops/ftruncate';
import { mkdir } from './ops/mkdir';
import { NopOp } from './ops/nop';
import type { Op } from './ops/op';
import { open } from './ops/open';
import { ReadOp, read } from './ops/read';
import { readv } from './ops/readv';
import { rename } from './ops/rename';
import { fstat, stat } from './ops/stat';
import type { StatOptions } from './ops/stat';
import { unlink } from './ops/unlink';
import { WriteOp, write } from './ops/write';
import { writev } from './ops/writev';
import { validateBoolean, validateObject, validateUint32 } from './validate';

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
  /** liburing the addon was built with (linked statically), or null without the addon. */
  liburing: string | null;
  kernel: string;
}

const DEFAULT_ENTRIES = 256;
const MAX_ENTRIES = 32768;

const SETUP_FLAG_NAMES: [number, string][] = [
  [1 << 0, 'IOPOLL'],
  [1 << 1, 'SQPOLL'],
  [1 << 3, 'CQSIZE'],
  [1 << 7, 'SUBMIT_ALL'],
  [1 << 8, 'COOP_TASKRUN'],
  [1 << 9, 'TASKRUN_FLAG'],
  [1 << 12, 'SINGLE_ISSUER'],
  [1 << 13, 'DEFER_TASKRUN'],
];

// Which ring methods each native op serves, for features.fsFallbackOps.
const METHODS_BY_OP: Record<string, string[]> = {
  nop: ['nop'],
  read: ['read'],
  write: ['write'],
  readv: ['readv'],
  writev: ['writev'],
  fsync: ['fsync', 'fdatasync'],
  openat: ['open'],
  close: ['close'],
  statx: ['stat', 'lstat', 'fstat'],
  ftruncate: ['ftruncate'],
  fallocate: ['fallocate'],
  unlinkat: ['unlink', 'rmdir'],
  renameat: ['rename'],
  mkdirat: ['mkdir'],
};

function envFlag(name: string): boolean {
  const v = process.env[name];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function setupReason(rc: number): string {
  const err = uvError(rc, 'io_uring_setup');
  let why = `io_uring_setup failed: ${err.code} (${err.message.split(', ')[0].split(': ')[1]})`;
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
  return why;
}

function unavailableError(reason: string): Error {
  return nodeError(Error, 'ERR_URING_UNAVAILABLE', `io_uring is not available and strict mode is on: ${reason}`);
}

/**
 * One io_uring and its completion handling, bound to the thread that created it.
 * Every method returns a promise; errors are node:fs's.
 */
export class Ring {
  /** 'io_uring', or 'fs' when every op runs on node:fs. */
  readonly backend: Backend;
  /** Why the ring runs on node:fs, or null on io_uring. */
  readonly fallbackReason: string | null;
  readonly features: RingFeatures;
  readonly #engine: Engine;

  constructor(options: RingOptions = {}) {
    validateObject(options, 'options');
    const { entries = DEFAULT_ENTRIES } = options;
    validateUint32(entries, 'options.entries', true);
    if (entries > MAX_ENTRIES) throw ERR_INVALID_ARG_VALUE('options.entries', entries, `must be <= ${MAX_ENTRIES}`);
    const strictOpt = options.strict ?? envFlag('URING_FS_STRICT');
    validateBoolean(strictOpt, 'options.strict');
    const backendOpt = options.backend ?? (process.env.URING_FS_BACKEND || 'auto');
    if (backendOpt !== 'auto' && backendOpt !== 'io_uring' && backendOpt !== 'fs') {
      throw ERR_INVALID_ARG_VALUE('options.backend', backendOpt, "must be 'auto', 'io_uring' or 'fs'");
    }
    const strict = strictOpt || backendOpt === 'io_uring';

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
        const ring = new loaded.binding.NativeRing();
        // The CQ (2 × entries) bounds what is in flight; results holds one reap.
        const rc = ring.init(entries, Number(process.env.URING_FS_SETUP_CANDIDATE ?? 0), onComplete, results);
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
    const ops: Record<string, boolean> = info ? { ...info.ops } : Object.fromEntries(Object.keys(METHODS_BY_OP).map((k) => [k, false]));
    // URING_FS_DISABLE_OPS=ftruncate,statx: treat these opcodes as missing, as an
    // older kernel would, so the per-op node:fs path can be exercised anywhere.
    for (const name of (process.env.URING_FS_DISABLE_OPS ?? '').split(',')) {
      if (Object.hasOwn(ops, name.trim())) ops[name.trim()] = false;
    }
    const cap = info ? info.cqEntries : 2 * entries;
    engine = new Engine(native, cap, info ? info.sqEntries : entries, ops, results, stager, info ? (info.opIndex as Record<NativeOpName, number>) : null);
    this.#engine = engine;
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
      liburing,
      kernel: release(),
    });
  }

  readonly #onComplete: (count: number) => void;

  /** True once destroy() has been called. */
  get destroyed(): boolean {
    return this.#engine.destroyed;
  }

  #run<T>(make: () => Op<T>): Promise<T> {
    let op: Op<T>;
    try {
      op = make();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#engine.run(op);
  }

  /** Opens `path`; resolves with the fd. Flags and mode as node:fs takes them. */
  open(path: PathLike, flags: string | number = 'r', mode: string | number = 0o666): Promise<number> {
    return this.#run(() => open(path, flags, mode));
  }

  close(fd: number): Promise<void> {
    return this.#run(() => close(fd));
  }

  /**
   * Reads up to `view.byteLength` bytes at `position` (undefined, null or -1: the
   * file's current position) into `view`; resolves with the bytes read (0 at EOF).
   */
  read(fd: number, view: ArrayBufferView, position?: Position): Promise<number> {
    let op: ReadOp;
    try {
      op = read(fd, view, position);
    } catch (err) {
      return Promise.reject(err);
    }
    // node:fs resolves zero-length reads without a syscall.
    if (op.view.byteLength === 0) return this.#engine.destroyed ? Promise.reject(destroyedError('read')) : Promise.resolve(0);
    return this.#engine.run(op);
  }

  /** Writes all of `view` at `position`, continuing short writes; resolves with the bytes written. */
  write(fd: number, view: ArrayBufferView, position?: Position): Promise<number> {
    let op: WriteOp;
    try {
      op = write(fd, view, position);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#engine.run(op);
  }

  readv(fd: number, views: readonly ArrayBufferView[], position?: Position): Promise<number> {
    return this.#run(() => readv(fd, views, position));
  }

  writev(fd: number, views: readonly ArrayBufferView[], position?: Position): Promise<number> {
    return this.#run(() => writev(fd, views, position));
  }

  fsync(fd: number): Promise<void> {
    return this.#run(() => fsync(fd, false));
  }

  fdatasync(fd: number): Promise<void> {
    return this.#run(() => fsync(fd, true));
  }

  stat(path: PathLike, options?: StatOptions & { bigint?: false }): Promise<Stats>;
  stat(path: PathLike, options: StatOptions & { bigint: true }): Promise<BigIntStats>;
  stat(path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats>;
  stat(path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats> {
    return this.#run(() => stat('stat', path, options));
  }

  lstat(path: PathLike, options?: StatOptions & { bigint?: false }): Promise<Stats>;
  lstat(path: PathLike, options: StatOptions & { bigint: true }): Promise<BigIntStats>;
  lstat(path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats>;
  lstat(path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats> {
    return this.#run(() => stat('lstat', path, options));
  }

  fstat(fd: number, options?: StatOptions & { bigint?: false }): Promise<Stats>;
  fstat(fd: number, options: StatOptions & { bigint: true }): Promise<BigIntStats>;
  fstat(fd: number, options?: StatOptions): Promise<Stats | BigIntStats>;
  fstat(fd: number, options?: StatOptions): Promise<Stats | BigIntStats> {
    return this.#run(() => fstat(fd, options));
  }

  /** Truncates (or extends with zeros) to `len` bytes; negative lengths mean 0, as in node:fs. */
  ftruncate(fd: number, len = 0): Promise<void> {
    return this.#run(() => ftruncate(fd, len));
  }

  /** fallocate(2): `mode` 0 allocates (extending the size), or FALLOC_FL_* flags. */
  fallocate(fd: number, offset: number, len: number, mode = 0): Promise<void> {
    return this.#run(() => fallocate(fd, offset, len, mode));
  }

  unlink(path: PathLike): Promise<void> {
    return this.#run(() => unlink('unlink', path));
  }

  rmdir(path: PathLike): Promise<void> {
    return this.#run(() => unlink('rmdir', path));
  }

  /**
   * Creates a directory. `options`: a mode (default 0o777) or `{ mode, recursive }`;
   * with `recursive` resolves with the first directory created, as node:fs does.
   */
  mkdir(path: PathLike, options?: number | string | { mode?: number | string; recursive?: boolean }): Promise<string | undefined> {
    return this.#run(() => mkdir(path, options));
  }

  rename(oldPath: PathLike, newPath: PathLike): Promise<void> {
    return this.#run(() => rename(oldPath, newPath));
  }

  /** A no-op through the ring. */
  nop(): Promise<void> {
    return this.#engine.run(new NopOp());
  }

  /**
   * Runs many ops with one submission; resolves, in order, with each op's
   * settled result. With `{ link: true }` they run as one chain.
   */
  batch(ops: readonly BatchOp[], options?: BatchOptions): Promise<BatchResult[]> {
    return runBatch(this.#engine, ops, options);
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

let shared: Ring | undefined;

/** The calling thread's shared ring (created on first use, and again after destroy()). */
export function getRing(): Ring {
  if (shared === undefined || shared.destroyed) shared = new Ring();
  return shared;
}

