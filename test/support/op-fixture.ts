// One Ring and one temporary directory per test file, for the per-op tests.
//
// The ring is made with `new Ring()` and no backend option, so the same file runs
// on io_uring by default (strict in CI: URING_FS_STRICT=1 makes the constructor
// throw rather than fall back) and on node:fs under URING_FS_BACKEND=fs.

import { afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Ring } from '../../src/index';

export interface OpFixture {
  readonly ring: Ring;
  /** A fresh temporary directory, removed after the file's tests. */
  readonly dir: string;
  /** `dir/<name>`, or a fresh unique name in `dir` when called without one. */
  path(name?: string): string;
  /** fds opened with `openSync` here are closed after the file's tests (if still open). */
  openSync(p: string, flags?: string | number, mode?: number): number;
  /** Remembers an fd (e.g. from ring.open) to close after the file's tests. */
  track(fd: number): number;
}

/** The backend this process's rings are expected to run on (from the environment). */
export function expectedBackend(): 'io_uring' | 'fs' | undefined {
  if (process.env.URING_FS_BACKEND === 'fs') return 'fs';
  const strict = process.env.URING_FS_STRICT;
  if (strict !== undefined && strict !== '' && strict !== '0' && strict.toLowerCase() !== 'false') return 'io_uring';
  return undefined; // auto without strict: either, as the machine allows
}

/**
 * Makes the ring and the directory now (at collection time, so a strict ring that
 * cannot be created fails the file loudly) and registers their cleanup.
 */
export function opFixture(name: string): OpFixture {
  const ring = new Ring();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `uring-fs-${name}-`));
  const fds = new Set<number>();
  let n = 0;
  afterAll(async () => {
    await ring.destroy();
    for (const fd of fds) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed by the test itself
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    ring,
    dir,
    path: (file?: string) => path.join(dir, file ?? `f${++n}`),
    openSync(p, flags = 'r', mode = 0o666) {
      const fd = fs.openSync(p, flags, mode);
      fds.add(fd);
      return fd;
    },
    track(fd) {
      fds.add(fd);
      return fd;
    },
  };
}

/** An fd number that is never open (int32 max, above any RLIMIT_NOFILE): EBADF. */
export const NEVER_OPEN_FD = 0x7fffffff;

/**
 * An fd that was open and has just been closed. Checked closed right before it is
 * returned; tests use it at once, before anything else in the process can open a
 * file and be given the same number.
 */
export function closedFd(p: string): number {
  const fd = fs.openSync(p, 'r');
  fs.closeSync(fd);
  try {
    fs.fstatSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EBADF') return fd;
    throw err;
  }
  throw new Error(`fd ${fd} was reused before the test could use it`);
}

/** Whether `method` runs on io_uring on this ring (not node:fs by backend or kernel). */
export function runsOnRing(ring: Ring, method: string): boolean {
  return ring.backend === 'io_uring' && !ring.features.fsFallbackOps.includes(method);
}
