// A ring alive in a process that starts children. Node has no fork(2) without
// exec: child_process always execs, so what a child inherits is what is not
// close-on-exec. The ring's io_uring fd and every fd ring.open opens are
// O_CLOEXEC (as node:fs's are), so a child inherits neither; the parent's I/O
// in flight carries on across spawn, spawnSync and fork, and a forked Node
// child runs its own ring. Documented in docs/api.md (Threads and processes).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Ring } from '../src/index';
import { FIXTURES, WANT_FS, ensureDist, lastJson, mkfifo, patternMismatch, tmpDir, withTimeout, writePatternFile } from './fixtures/helpers';

const SIZE = 1 << 20;
let dir: string;
let file: string;
const ring = new Ring();

beforeAll(() => {
  ensureDist();
  dir = tmpDir('fork');
  file = path.join(dir, 'pattern.bin');
  writePatternFile(file, SIZE);
});

afterAll(async () => {
  await ring.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What `pid`'s fds point at. */
function fdTargets(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).map((n) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${n}`);
    } catch {
      return '?';
    }
  });
}

function flags(fd: number): number {
  return parseInt(/flags:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8);
}

describe('a ring alive in a process that starts children', () => {
  it('the io_uring fd and the fds ring.open opened are close-on-exec: a child inherits neither', async () => {
    const opened = await ring.open(file, 'r');
    try {
      const O_CLOEXEC = 0o2000000; // not in fs.constants
      expect(flags(opened) & O_CLOEXEC).not.toBe(0);
      const rings = fs.readdirSync('/proc/self/fd').filter((n) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${n}`) === 'anon_inode:[io_uring]';
        } catch {
          return false;
        }
      });
      if (!WANT_FS) expect(rings.length).toBeGreaterThan(0);
      for (const n of rings) expect(flags(Number(n)) & O_CLOEXEC, `io_uring fd ${n}`).not.toBe(0);
      // A child that lists its own fds while the parent has I/O in flight.
      const fifo = path.join(dir, 'fifo-inherit');
      mkfifo(fifo);
      const ffd = fs.openSync(fifo, fs.constants.O_RDWR);
      const blocked = ring.read(ffd, Buffer.alloc(1), -1);
      const child = spawn('sleep', ['5'], { stdio: 'ignore' });
      await new Promise((res) => setTimeout(res, 100));
      const theirs = fdTargets(child.pid as number);
      child.kill('SIGKILL');
      expect(theirs.filter((t) => t === 'anon_inode:[io_uring]')).toEqual([]);
      expect(theirs).not.toContain(file);
      fs.writeSync(ffd, 'x');
      expect(await withTimeout(blocked, 5000, 'FIFO read')).toBe(1);
      fs.closeSync(ffd);
    } finally {
      await ring.close(opened);
    }
  });

  it('reads in flight across spawnSync (the loop blocked) and spawn complete with the right bytes', async () => {
    const fd = fs.openSync(file, 'r');
    try {
      const bufs = Array.from({ length: 2000 }, () => Buffer.alloc(512));
      const at = (i: number): number => (i * 4096) % (SIZE - 512);
      const reads = bufs.map((b, i) => ring.read(fd, b, at(i)));
      const r = spawnSync('true');
      expect(r.status).toBe(0);
      const child = spawn('true');
      const more = bufs.map((_, i) => ring.read(fd, Buffer.alloc(8), at(i)));
      await new Promise((res) => child.once('close', res));
      expect(await withTimeout(Promise.all([...reads, ...more]), 10_000, 'reads')).toHaveLength(4000);
      bufs.forEach((b, i) => expect(patternMismatch(b, at(i), 512), `read ${i}`).toBeNull());
    } finally {
      fs.closeSync(fd);
    }
  });

  it('a forked Node child runs its own ring while the parent keeps reading', async () => {
    const fd = fs.openSync(file, 'r');
    try {
      const child = fork(path.join(FIXTURES, 'fork-child.mjs'), [file, String(SIZE)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
      let out = '';
      child.stdout?.on('data', (d) => (out += d));
      const bufs = Array.from({ length: 1000 }, () => Buffer.alloc(256));
      const reads = bufs.map((b, i) => ring.read(fd, b, i * 512));
      const code = await new Promise<number | null>((res) => child.once('exit', res));
      await withTimeout(Promise.all(reads), 10_000, 'parent reads');
      bufs.forEach((b, i) => expect(patternMismatch(b, i * 512, 256), `parent read ${i}`).toBeNull());
      expect(code, out).toBe(0);
      const report = lastJson(out) as { bad: number; rings: number; backend: string } | null;
      expect(report, out).toMatchObject({ bad: 0 });
      // Its one ring is its own: nothing inherited from the parent.
      if (!WANT_FS) expect(report?.rings).toBe(1);
    } finally {
      fs.closeSync(fd);
    }
  });
});

