// Faults on real filesystems, each answered exactly as node:fs answers it:
// a tiny tmpfs filling up mid-write and mid-chain, /dev/full, a read-only
// mount, RLIMIT_NOFILE, EACCES as nobody, a FIFO and a socket, and a file
// truncated by another process while reads are in flight. (RLIMIT_FSIZE cutting
// writes short has its own file: test/short-write.test.ts.)
//
// The node:fs reference for a Ring write is its documented counterpart: fs.write
// continued until all is written, rejecting with the error and bytesWritten
// when part landed (README, Short writes). Filling cases run twice, on two
// identical fresh mounts, one through the ring and one through node:fs.
// Mounting needs root (CAP_SYS_ADMIN): elsewhere those cases skip, saying so.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { Ring } from '../src/index';
import { CRASH, FIXTURES, describeChild, ensureDist, lastJson, mkfifo, patternBuffer, runNode, tmpDir, withTimeout } from './fixtures/helpers';
import { expectSameError, expectSameFailure, failureOf, rejectionOf } from './support/parity';
import type { Failure } from './support/parity';

const ring = new Ring();
let dir: string;
const mounts: string[] = [];

/** Why mounting cannot be done here, or null. */
function cannotMount(): string | null {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs CAP_SYS_ADMIN';
  const probe = fs.mkdtempSync(path.join(tmpDir('faults-probe'), 'm'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs failed here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  } finally {
    fs.rmSync(path.dirname(probe), { recursive: true, force: true });
  }
}

const noMount = cannotMount();

function tmpfs(name: string, options: string): string {
  const at = path.join(dir, name);
  fs.mkdirSync(at);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { stdio: 'pipe' });
  mounts.push(at);
  return at;
}

beforeAll(() => {
  dir = tmpDir('faults');
});

afterAll(async () => {
  await ring.destroy();
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/** fs.write continued until done: node:fs's answer for a Ring write. */
async function writeAllViaFs(fd: number, data: Buffer, position: number | null): Promise<number> {
  let done = 0;
  while (done < data.length) {
    let n: number;
    try {
      n = await new Promise<number>((resolve, reject) =>
        fs.write(fd, data, done, data.length - done, position === null ? null : position + done, (e, k) => (e ? reject(e) : resolve(k))),
      );
    } catch (err) {
      if (done > 0) (err as Failure & { bytesWritten?: number }).bytesWritten = done;
      throw err;
    }
    if (n === 0) break;
    done += n;
  }
  return done;
}

function outcome(p: Promise<unknown>): Promise<{ value?: unknown; error?: Failure }> {
  return p.then(
    (value) => ({ value }),
    (error: Failure) => ({ error }),
  );
}

function expectSameOutcome(a: { value?: unknown; error?: Failure }, b: { value?: unknown; error?: Failure }, what: string): void {
  if (b.error) {
    expect(a.error, `${what}: node:fs failed with ${b.error.message}, the ring resolved ${String(a.value)}`).toBeDefined();
    expectSameError(a.error as Failure, b.error);
    expect((a.error as { bytesWritten?: number }).bytesWritten, `${what}: bytesWritten`).toBe((b.error as { bytesWritten?: number }).bytesWritten);
  } else {
    expect(a.error?.message, what).toBeUndefined();
    expect(a.value, what).toEqual(b.value);
  }
}

describe.skipIf(noMount !== null)(`a tiny tmpfs that fills up${noMount ? ` (skipped: ${noMount})` : ''}`, () => {
  const SIZE = 256 * 1024;
  /** Two identical fresh mounts: one for the ring, one for node:fs. */
  function pair(name: string, options = `size=${SIZE}`): [string, string] {
    return [tmpfs(`${name}-ring`, options), tmpfs(`${name}-fs`, options)];
  }

  it('ENOSPC mid-write: the same error, bytesWritten the part that landed, and those bytes in the file', async () => {
    const [a, b] = pair('write');
    const data = patternBuffer(4 * SIZE);
    const fa = fs.openSync(path.join(a, 'x'), 'w+');
    const fb = fs.openSync(path.join(b, 'x'), 'w+');
    const ours = await outcome(ring.write(fa, data, 0));
    const theirs = await outcome(writeAllViaFs(fb, data, 0));
    expect(theirs.error?.code).toBe('ENOSPC');
    expectSameOutcome(ours, theirs, 'write of 1 MiB into 256 KiB');
    const landed = (theirs.error as { bytesWritten?: number }).bytesWritten ?? 0;
    expect(landed).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(a, 'x')).equals(data.subarray(0, landed))).toBe(true);
    fs.closeSync(fa);
    fs.closeSync(fb);
  });

  it('ENOSPC at the current position: the position ends after what landed, as write(2) leaves it', async () => {
    const [a, b] = pair('cur');
    const data = patternBuffer(2 * SIZE);
    const fa = fs.openSync(path.join(a, 'x'), 'w+');
    const fb = fs.openSync(path.join(b, 'x'), 'w+');
    const ours = await outcome(ring.write(fa, data));
    const theirs = await outcome(writeAllViaFs(fb, data, null));
    expectSameOutcome(ours, theirs, 'current-position write past the space left');
    const pos = (fd: number): string | undefined => /pos:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    expect(pos(fa)).toBe(pos(fb));
    fs.closeSync(fa);
    fs.closeSync(fb);
  });

  it('ENOSPC from writev: the same error and bytesWritten', async () => {
    const [a, b] = pair('writev');
    const views = [patternBuffer(SIZE), patternBuffer(SIZE), patternBuffer(SIZE)];
    const fa = fs.openSync(path.join(a, 'x'), 'w+');
    const fb = fs.openSync(path.join(b, 'x'), 'w+');
    const ours = await outcome(ring.writev(fa, views, 0));
    const theirs = await outcome(writeAllViaFs(fb, Buffer.concat(views), 0));
    expect(theirs.error?.code).toBe('ENOSPC');
    expectSameOutcome(ours, theirs, 'writev of 768 KiB into 256 KiB');
    fs.closeSync(fa);
    fs.closeSync(fb);
  });

  it('ENOSPC mid-chain: the write before lands, the failing one reports what landed, the rest are ECANCELED', async () => {
    const [a, b] = pair('chain');
    const first = patternBuffer(SIZE / 2);
    const second = patternBuffer(SIZE);
    const fa = fs.openSync(path.join(a, 'x'), 'w+');
    const fb = fs.openSync(path.join(b, 'x'), 'w+');
    const got = await ring.batch(
      [
        { op: 'write', fd: fa, buffer: first, position: 0 },
        { op: 'write', fd: fa, buffer: second, position: first.length },
        { op: 'fsync', fd: fa },
      ],
      { link: true },
    );
    // node:fs, one after the other.
    const r1 = await outcome(writeAllViaFs(fb, first, 0));
    const r2 = await outcome(writeAllViaFs(fb, second, first.length));
    expect(got[0]).toEqual({ status: 'fulfilled', value: r1.value });
    expect(got[1].status).toBe('rejected');
    expectSameOutcome({ error: (got[1] as PromiseRejectedResult).reason }, r2, 'the write that fills the disk');
    expect(got[2].status).toBe('rejected');
    expect((got[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'ECANCELED', syscall: 'fsync' });
    expect(fs.readFileSync(path.join(a, 'x')).equals(fs.readFileSync(path.join(b, 'x')))).toBe(true);
    fs.closeSync(fa);
    fs.closeSync(fb);
  });

  it('no inodes left: open(O_CREAT) and mkdir fail with ENOSPC, as node:fs does', async () => {
    const [a, b] = pair('inodes', 'size=64k,nr_inodes=3');
    // The root takes one inode; fill the rest.
    for (const m of [a, b]) {
      for (let i = 0; ; i++) {
        try {
          fs.writeFileSync(path.join(m, `f${i}`), '');
        } catch {
          break;
        }
      }
    }
    await expectSameFailure(() => ring.open(path.join(a, 'new'), 'w'), () => fs.promises.open(path.join(a, 'new'), 'w'));
    await expectSameFailure(() => ring.mkdir(path.join(a, 'd')), () => fs.promises.mkdir(path.join(a, 'd')));
    const err = await rejectionOf(() => ring.open(path.join(a, 'new'), 'w'));
    expect(err.code).toBe('ENOSPC');
  });
});

describe('/dev/full', () => {
  it('a write fails with ENOSPC and writes nothing (no bytesWritten); a read gives zeros', async () => {
    const fd = fs.openSync('/dev/full', 'r+');
    try {
      const data = Buffer.alloc(8192, 1);
      const ours = await rejectionOf(() => ring.write(fd, data));
      const theirs = await failureOf(() => writeAllViaFs(fd, data, null));
      expectSameError(ours, theirs);
      expect(ours).not.toHaveProperty('bytesWritten');
      await expectSameFailure(() => ring.writev(fd, [data, data]), () => new Promise((res, rej) => fs.writev(fd, [data, data], (e, n) => (e ? rej(e) : res(n)))));
      const buf = Buffer.alloc(4096, 7);
      expect(await ring.read(fd, buf)).toBe(4096);
      expect(buf.every((b) => b === 0)).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe.skipIf(noMount !== null)(`a read-only mount${noMount ? ` (skipped: ${noMount})` : ''}`, () => {
  it('every op that would change it fails with EROFS, as node:fs fails', async () => {
    const m = tmpfs('ro', 'size=64k');
    fs.writeFileSync(path.join(m, 'f'), 'data');
    fs.mkdirSync(path.join(m, 'd'));
    execFileSync('mount', ['-o', 'remount,ro', m], { stdio: 'pipe' });
    const p = (n: string): string => path.join(m, n);
    await expectSameFailure(() => ring.open(p('new'), 'w'), () => fs.promises.open(p('new'), 'w'));
    await expectSameFailure(() => ring.open(p('f'), 'r+'), () => fs.promises.open(p('f'), 'r+'));
    await expectSameFailure(() => ring.unlink(p('f')), () => fs.promises.unlink(p('f')));
    await expectSameFailure(() => ring.rmdir(p('d')), () => fs.promises.rmdir(p('d')));
    await expectSameFailure(() => ring.mkdir(p('d2')), () => fs.promises.mkdir(p('d2')));
    await expectSameFailure(() => ring.rename(p('f'), p('g')), () => fs.promises.rename(p('f'), p('g')));
    // Reading still works.
    const fd = await ring.open(p('f'));
    const buf = Buffer.alloc(4);
    expect(await ring.read(fd, buf, 0)).toBe(4);
    expect(buf.toString()).toBe('data');
    await ring.close(fd);
  });
});

describe('process limits and permissions (child processes)', () => {
  beforeAll(() => {
    ensureDist();
  });

  it('RLIMIT_NOFILE reached: open fails with EMFILE, as node:fs fails', async () => {
    const script = path.join(FIXTURES, 'faults-child.mjs');
    // dash's ulimit -n: a child that can hold few fds.
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn('/bin/sh', ['-c', 'ulimit -n 64 && exec "$0" "$1" emfile "$2"', process.execPath, script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      c.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    const why = `code ${r.code}\n${r.stdout}\n${r.stderr}`;
    expect(r.stderr, why).not.toMatch(CRASH);
    const out = lastJson(r.stdout) as { ring: Failure; fs: Failure } | null;
    expect(out, why).not.toBeNull();
    expect(out?.fs.code).toBe('EMFILE');
    expect(out?.ring).toEqual(out?.fs);
  });

  it.skipIf(process.getuid?.() !== 0)('EACCES as nobody: open, read-protected and write-protected, as node:fs fails', async () => {
    const secret = path.join(dir, 'secret');
    fs.writeFileSync(secret, 'x', { mode: 0o600 });
    fs.chmodSync(dir, 0o755);
    const r = await runNode(path.join(FIXTURES, 'faults-child.mjs'), { args: ['eacces', secret], timeoutMs: 20_000 });
    expect(r.stderr, describeChild(r)).not.toMatch(CRASH);
    const out = lastJson(r.stdout) as { cases: { name: string; ring: Failure; fs: Failure }[] } | null;
    expect(out, describeChild(r)).not.toBeNull();
    for (const c of out?.cases ?? []) {
      expect(c.fs.code, c.name).toBe('EACCES');
      expect(c.ring, c.name).toEqual(c.fs);
    }
  });
});

describe('a FIFO', () => {
  it('write to a FIFO whose reader is gone: EPIPE, as node:fs', async () => {
    const fifo = path.join(dir, 'fifo-epipe');
    mkfifo(fifo);
    const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const w = fs.openSync(fifo, fs.constants.O_WRONLY);
    fs.closeSync(r);
    try {
      await expectSameFailure(() => ring.write(w, Buffer.from('x')), () => writeAllViaFs(w, Buffer.from('x'), null));
    } finally {
      fs.closeSync(w);
    }
  });

  it('data written through the ring comes out of the FIFO in order; the reader reads it through the ring', async () => {
    const fifo = path.join(dir, 'fifo-data');
    mkfifo(fifo);
    const r = fs.openSync(fifo, fs.constants.O_RDWR);
    const w = fs.openSync(fifo, fs.constants.O_WRONLY);
    try {
      const chunks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(1000, 65 + i));
      const writes = chunks.map((c) => ring.write(w, c));
      const got: Buffer[] = [];
      let total = 0;
      while (total < 20_000) {
        const buf = Buffer.alloc(4096);
        const n = await withTimeout(ring.read(r, buf), 5000, 'FIFO read');
        got.push(buf.subarray(0, n));
        total += n;
      }
      expect(await Promise.all(writes)).toEqual(chunks.map(() => 1000));
      expect(Buffer.concat(got).equals(Buffer.concat(chunks))).toBe(true);
    } finally {
      fs.closeSync(r);
      fs.closeSync(w);
    }
  });
});

describe('a socket', () => {
  it('open() of a Unix socket path fails with ENXIO, as node:fs fails', async () => {
    const sock = path.join(dir, 'sock');
    const server = net.createServer();
    await new Promise<void>((res) => server.listen(sock, res));
    try {
      await expectSameFailure(() => ring.open(sock, 'r'), () => fs.promises.open(sock, 'r'));
      await expectSameFailure(() => ring.open(sock, 'w'), () => fs.promises.open(sock, 'w'));
    } finally {
      await new Promise((res) => server.close(res));
    }
  });

  it('writes on a connected socket (a child process\'s stdin) go through in order, as with node:fs', async () => {
    // Node's stdio pipes to a child are Unix socketpairs; `cat` echoes what it
    // gets to its stdout, which Node reads (its stream reads that socket itself).
    const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
    const inFd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    expect(fs.fstatSync(inFd).isSocket()).toBe(true);
    const echoed: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => echoed.push(d));
    const chunks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(3000, 48 + (i % 10)));
    expect(await Promise.all(chunks.map((c) => ring.write(inFd, c)))).toEqual(chunks.map(() => 3000));
    const want = Buffer.concat(chunks);
    const deadline = Date.now() + 5000;
    while (Buffer.concat(echoed).length < want.length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(Buffer.concat(echoed).equals(want)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((res) => child.once('close', res));
  });
});

describe('a file truncated by another process while reads are in flight', () => {
  it("every read returns the file's bytes or a short count, as node:fs's reads do; nothing else", async () => {
    const SIZE = 32 << 20;
    const LEN = 8192;
    const file = path.join(dir, 'shrinking');
    const pattern = patternBuffer(SIZE);
    fs.writeFileSync(file, pattern);
    const fd = fs.openSync(file, 'r');
    const stats = { ring: { reads: 0, short: 0, zero: 0 }, fs: { reads: 0, short: 0, zero: 0 } };
    /** A read's result must be the file's bytes (as they were: truncation only removes), or fewer. */
    const check = (who: 'ring' | 'fs', buf: Buffer, at: number, n: number): void => {
      stats[who].reads++;
      if (n < LEN) stats[who].short++;
      if (n === 0) stats[who].zero++;
      expect(n, `${who} read at ${at}`).toBeGreaterThanOrEqual(0);
      expect(n, `${who} read at ${at}`).toBeLessThanOrEqual(LEN);
      expect(buf.subarray(0, n).equals(pattern.subarray(at, at + n)), `${who} read at ${at}: ${n} bytes not the file's`).toBe(true);
      expect(buf.subarray(n).every((b) => b === 0xee), `${who} read at ${at}: bytes past ${n} touched`).toBe(true);
    };
    try {
      // Another process cuts the file down in steps while waves of reads
      // (through the ring and through node:fs) are in flight. It never grows
      // back, so no read may ever see anything but the pattern.
      const truncator = spawn('/bin/sh', ['-c', 'for s in 24M 16M 12M 8M 6M 4M 3M 2M 1M; do sleep 0.03; truncate -s $s "$0"; done', file]);
      let running = true;
      truncator.once('close', () => {
        running = false;
      });
      let wave = 0;
      while (running || wave < 2) {
        if (!running) wave++;
        const at = Array.from({ length: 400 }, (_, i) => ((i * 7919 + wave * 104729) % (SIZE / LEN)) * LEN);
        const viaRing = at.map(() => Buffer.alloc(LEN, 0xee));
        const viaFs = at.map(() => Buffer.alloc(LEN, 0xee));
        const [a, b] = await Promise.all([
          withTimeout(Promise.all(at.map((p, i) => ring.read(fd, viaRing[i], p))), 20_000, 'ring reads'),
          Promise.all(at.map((p, i) => new Promise<number>((res, rej) => fs.read(fd, viaFs[i], 0, LEN, p, (e, n) => (e ? rej(e) : res(n)))))),
        ]);
        a.forEach((n, i) => check('ring', viaRing[i], at[i], n));
        b.forEach((n, i) => check('fs', viaFs[i], at[i], n));
      }
      // Once cut for good, a read past the end gives 0 on both.
      const after = Buffer.alloc(LEN);
      expect(await ring.read(fd, after, 2 << 20)).toBe(0);
      expect(stats.ring.reads).toBeGreaterThan(1000);
      // The cut reached reads in flight on both sides.
      expect(stats.ring.zero).toBeGreaterThan(0);
      expect(stats.fs.zero).toBeGreaterThan(0);
    } finally {
      fs.closeSync(fd);
    }
  });
});
