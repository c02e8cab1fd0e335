// Loads the native addon, typed. Nothing here throws: a missing or broken addon
// is reported as a reason, and the caller decides between the node:fs backend
// and (in strict mode) an error.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The prep methods every native op shares: `tag` (slot | IOSQE flags << 16) and
 * generation first; undefined on success, else -errno.
 */
type Queue<A extends unknown[]> = (tag: number, gen: number, ...args: A) => number | undefined;
type View = ArrayBufferView;
type CPath = Buffer;
type Offset = number | bigint;

/** One io_uring with its uv handles (native/ring.cc). Every method returns 0 or -errno. */
export interface NativeRing {
  init(entries: number, firstSetupCandidate: number, onComplete: (count: number) => void, results: Int32Array): number;
  info(): NativeRingInfo | null;
  reserve(count: number): number;
  /** Registers the staging area: 4 int32 (tag, gen, kind, fd) and 1 float64 (position) per op, and the views. */
  stage(i32: Int32Array, f64: Float64Array, views: ArrayBufferView[]): number | undefined;
  /** Queues the first `count` staged ops; returns how many failed (their kind field holds -errno). */
  queueStaged(count: number): number;
  flush(): number;
  cancelAll(): void;
  shutdown(): void;
  nop: Queue<[]>;
  read: Queue<[fd: number, view: View, position: Offset, offset?: number, length?: number]>;
  write: Queue<[fd: number, view: View, position: Offset, offset?: number, length?: number]>;
  readv: Queue<[fd: number, views: View[], position: Offset]>;
  writev: Queue<[fd: number, views: View[], position: Offset]>;
  fsync: Queue<[fd: number, datasync: number]>;
  openat: Queue<[path: CPath, flags: number, mode: number]>;
  close: Queue<[fd: number]>;
  statx: Queue<[dirfd: number, path: CPath, flags: number, out: Uint8Array]>;
  ftruncate: Queue<[fd: number, length: Offset]>;
  fallocate: Queue<[fd: number, offset: Offset, length: Offset, mode: number]>;
  unlinkat: Queue<[path: CPath, flags: number]>;
  renameat: Queue<[from: CPath, to: CPath]>;
  mkdirat: Queue<[path: CPath, mode: number]>;
}

/** The ops of native/ops/table.h, as `ring.info().ops` names them. */
export type NativeOpName = Exclude<keyof NativeRing, 'init' | 'info' | 'reserve' | 'stage' | 'queueStaged' | 'flush' | 'cancelAll' | 'shutdown'>;

export interface NativeRingInfo {
  sqEntries: number;
  cqEntries: number;
  setupFlags: number;
  features: number;
  ops: Record<string, boolean>;
}

export interface NativeBinding {
  NativeRing: new () => NativeRing;
  allocAligned(size: number, alignment: number): Buffer;
  liburingVersion: string;
}

export type LoadResult = { binding: NativeBinding; error?: undefined } | { binding?: undefined; error: string };

let cached: LoadResult | undefined;

// The package root holds build/ (node-gyp's output). Walk up from this file so the
// same code works from dist/cjs/ and from src/ (tests run the TypeScript directly).
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) return __dirname;
    dir = up;
  }
}

/** Loads build/Release/uring_fs.node (or build/Debug) once per thread. */
export function loadBinding(): LoadResult {
  if (cached) return cached;
  const root = packageRoot();
  const req = createRequire(join(root, 'package.json'));
  const candidates = process.env.URING_FS_ADDON
    ? [process.env.URING_FS_ADDON]
    : [join(root, 'build/Release/uring_fs.node'), join(root, 'build/Debug/uring_fs.node')];
  let error = `the native addon was not found (looked for ${candidates.join(', ')}); run \`npm rebuild uring-fs\``;
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      cached = { binding: req(file) as NativeBinding };
      return cached;
    } catch (err) {
      error = `the native addon ${file} failed to load: ${(err as Error).message}`;
    }
  }
  cached = { error };
  return cached;
}
