// Loads the native addon, typed. Nothing here throws: a missing or broken addon
// is reported as a reason (with the command that fixes it), and the caller
// decides between the node:fs backend and (in strict mode) an error.
//
// Order, with no install script needed for any of it:
//   1. URING_FS_ADDON, when set (and then nothing else);
//   2. a local build: build/Release or build/Debug (contributors, or the
//      source build the install script made where no prebuild matched);
//   3. the prebuild shipped in the package for this platform, architecture
//      and libc: prebuilds/linux-x64/uring-fs.glibc.node;
//   4. none: the caller runs on node:fs and says why.

import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { packageManager, sourceBuildFix } from './environment';
import type { NativeBinding } from './native';

export type { NativeBinding, NativeOpName, NativeRing, NativeRingInfo } from './native';

/** io_uring_setup with exactly `flags` (then torn down): 0 or -errno, with what the kernel returned. */
export interface SetupProbe {
  rc: number;
  flags: number;
  features: number;
}

/** The addon as the doctor sees it: probeSetup (native/doctor.cc) is absent from addons built before it. */
export type DoctorBinding = NativeBinding & { probeSetup?: (entries: number, flags: number) => SetupProbe };

/** Where an addon came from. */
export type AddonSource = 'URING_FS_ADDON' | 'local build' | 'prebuild';

export interface LoadAttempt {
  source: AddonSource;
  path: string;
  /** 'loaded', 'missing', or the loader's error message. */
  outcome: string;
}

export type LoadResult =
  | { binding: NativeBinding; path: string; source: AddonSource; attempts: LoadAttempt[]; error?: undefined; fix?: undefined }
  | {
      binding?: undefined;
      path?: undefined;
      source?: undefined;
      attempts: LoadAttempt[];
      /** What went wrong and, where there is one, the fix: ring.fallbackReason. */
      error: string;
      problem: string;
      fix: string | null;
    };

let cached: LoadResult | undefined;

// The package root holds build/, prebuilds/ and binding.gyp. Walk up from this
// file so the same code works from dist/cjs/ and from src/ (tests run the
// TypeScript directly).
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'binding.gyp')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(__dirname);
    dir = up;
  }
}

/**
 * The libc the running Node uses, from its ELF interpreter (ld-musl-* or
 * ld-linux-*): cheap, and right even where both libcs are installed.
 * process.report's header says the same but costs ~30 ms.
 */
export function runningLibc(): 'glibc' | 'musl' {
  try {
    const fd = openSync('/proc/self/exe', 'r');
    try {
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      return head.subarray(0, n).includes('/ld-musl-') ? 'musl' : 'glibc';
    } finally {
      closeSync(fd);
    }
  } catch {
    return 'glibc';
  }
}

/** prebuilds/<platform>-<arch>/uring-fs.<libc>.node, relative to the package root. */
export function prebuildPath(root = packageRoot()): string {
  const libc = process.platform === 'linux' ? runningLibc() : 'unknown';
  return join(root, 'prebuilds', `${process.platform}-${process.arch}`, `uring-fs.${libc}.node`);
}

function candidates(root: string): { source: AddonSource; path: string }[] {
  const explicit = process.env.URING_FS_ADDON;
  if (explicit) return [{ source: 'URING_FS_ADDON', path: explicit }];
  return [
    { source: 'local build', path: join(root, 'build/Release/uring_fs.node') },
    { source: 'local build', path: join(root, 'build/Debug/uring_fs.node') },
    { source: 'prebuild', path: prebuildPath(root) },
  ];
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

/** Loads the addon once per thread, in the order above. */
export function loadBinding(): LoadResult {
  if (cached) return cached;
  const root = packageRoot();
  const req = createRequire(join(root, 'package.json'));
  const attempts: LoadAttempt[] = [];
  for (const { source, path } of candidates(root)) {
    if (!existsSync(path)) {
      attempts.push({ source, path, outcome: 'missing' });
      continue;
    }
    try {
      const binding = req(path) as NativeBinding;
      attempts.push({ source, path, outcome: 'loaded' });
      cached = { binding, path, source, attempts };
      return cached;
    } catch (err) {
      attempts.push({ source, path, outcome: firstLine((err as Error).message) });
    }
  }
  const { problem, fix } = explain(root, attempts);
  cached = { attempts, problem, fix, error: fix ? `${problem}; to fix: ${fix}` : problem };
  return cached;
}

/** Why no addon loaded, and the command that fixes it for the package manager in use. */
function explain(root: string, attempts: LoadAttempt[]): { problem: string; fix: string | null } {
  const explicit = attempts.find((a) => a.source === 'URING_FS_ADDON');
  if (explicit) {
    return {
      problem: explicit.outcome === 'missing'
        ? `URING_FS_ADDON=${explicit.path} does not exist`
        : `URING_FS_ADDON=${explicit.path} failed to load: ${explicit.outcome}`,
      fix: 'unset URING_FS_ADDON, or point it at a uring_fs.node built for this machine',
    };
  }
  if (process.platform !== 'linux') {
    return { problem: `io_uring is Linux-only, and this is ${process.platform}`, fix: null };
  }
  const broken = attempts.find((a) => a.outcome !== 'missing');
  const prebuild = attempts[attempts.length - 1];
  const what = broken
    ? `the ${broken.source} ${broken.path} failed to load: ${broken.outcome}`
    : `this package has no prebuilt addon for ${process.platform}-${process.arch} (${runningLibc()}) (looked for ${prebuild.path}), and no local build`;
  return { problem: what, fix: sourceBuildFix(packageManager(root)) };
}

let warned = false;

/**
 * Says once per thread that uring-fs runs on node:fs and why, as a process
 * warning with a code (`--disable-warning=URING_FS_FALLBACK` or
 * `process.on('warning')` filter it). Not called when node:fs was chosen.
 */
export function warnFallback(reason: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`uring-fs is running on node:fs, not io_uring: ${reason}`, {
    code: 'URING_FS_FALLBACK',
    detail: "`npx uring-fs doctor` prints the whole diagnosis. Choose node:fs explicitly (URING_FS_BACKEND=fs or new Ring({ backend: 'fs' })) to silence this warning.",
  });
}
