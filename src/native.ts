// The native addon's surface, typed (native/addon.cc, native/ring.cc).

/** The name of an op of native/ops/table.h (the addon lists them: info().opIndex). */
export type NativeOpName = string;

/**
 * One io_uring with its uv handles. Every method returns a number: 0 (or a
 * count) on success, -errno on failure; anything else (undefined: the call could
 * not run, as while a worker is terminated) is a failure too.
 */
export interface NativeRing {
  /**
   * `modes`: src/polling.ts MODE_* bits (SQPOLL, IOPOLL, hybrid IOPOLL);
   * `sqIdleMs` and `sqCpu` (-1: unpinned) for SQPOLL.
   */
  init(
    entries: number,
    firstSetupCandidate: number,
    onComplete: (count: number) => void,
    results: Int32Array,
    modes?: number,
    sqIdleMs?: number,
    sqCpu?: number,
  ): number;
  info(): NativeRingInfo | null;
  /** Registers the staging area (src/stage.ts). */
  stage(i32: Int32Array, f64: Float64Array, objects: unknown[]): number;
  /**
   * Queues the first `count` staged ops, in order; returns how many were handled
   * (each handled record's op field then holds 0 or -errno; the rest were not
   * touched and are to be queued again), or -errno.
   */
  queueStaged(count: number, o0?: unknown, o1?: unknown): number;
  flush(): number;
  cancelAll(): number;
  /** Asks the kernel to cancel the op in `slot` (IORING_OP_ASYNC_CANCEL); 0 or -errno (-ENOENT: not in flight). */
  cancel(slot: number, gen: number): number;
  /** Puts a reference to `fd`'s file in fixed-file slot `slot` (-1: empties it); 0 or -errno. */
  installFile(slot: number, fd: number): number;
  shutdown(): number;
  /**
   * Registers `count` buffers of `size` bytes laid end to end from the start of
   * `memory` (page-aligned); with cloneFrom >= 0 first tries to clone the
   * registration of the ring with that fd. 1 cloned, 0 registered, or -errno.
   */
  registerBuffers(memory: Uint8Array, count: number, size: number, cloneFrom: number): number;
  /** 0, or -errno (-ENXIO: none registered). */
  unregisterBuffers(): number;
}

export interface NativeRingInfo {
  sqEntries: number;
  cqEntries: number;
  setupFlags: number;
  features: number;
  /** Slots in the ring's registered (fixed) file table; 0 when the kernel has none (before 5.19). */
  fixedFiles: number;
  ops: Record<NativeOpName, boolean>;
  /** Each op's index in native/ops/table.h: how a staged record names it. */
  opIndex: Record<NativeOpName, number>;
}

export interface NativeBinding {
  NativeRing: new () => NativeRing;
  allocAligned(size: number, alignment: number): Buffer;
  /** lseek(fd, 0, SEEK_CUR), or -errno. */
  fdPosition(fd: number): number;
  /** Moves the file position to `pos` (an O_APPEND file: to its end); 0 or -errno. */
  setFdPosition(fd: number, pos: number): number;
  liburingVersion: string;
  /** The process may have changed its credentials: SQPOLL rings check theirs before submitting again. */
  noteCredentialsChange?: () => void;
  /** statx(STATX_DIOALIGN) of `path` (NUL-terminated) or, path null, of `fd`: [0 | -errno, memory, offset], -1s when not reported. */
  dioAlign(fd: number, path: Buffer | null): [number, number, number];
  /**
   * A holder ring (no SINGLE_ISSUER, never submitted to) with `count` buffers of
   * `size` bytes of `memory` registered, for rings to clone from; or -errno.
   */
  holdBuffers(memory: Uint8Array, count: number, size: number): object | number;
  /** The holder ring's fd, -1 once dropped. */
  holderFd(holder: object): number;
  /** Closes the holder ring. */
  dropBuffers(holder: unknown): void;
  /** fcntl(fd, F_GETFL), or -errno. */
  fdFlags(fd: number): number;
}
