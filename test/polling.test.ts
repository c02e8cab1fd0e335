// Polling rings: SQPOLL (a kernel thread submits) and IOPOLL (completions are
// polled for). SQPOLL is tested for I/O, idling, workers, teardown with I/O in
// flight and the CVE-2024-22017 refusal; IOPOLL for its refusals: this
// machine's block devices (virtio disk, loop devices, zram) have no poll
// queues, so no polled read or write can succeed here (docs/api.md, Polled I/O).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { Ring, allocAligned } from '../src/index';
import { CRASH, FIXTURES, WANT_FS, describeChild, ensureDist, lastJson, mkfifo, patternMismatch, runNode, tmpDir, withTimeout, writePatternFile } from './fixtures/helpers';

const onRing = !WANT_FS;
const SIZE = 1 << 20;
let dir: string;
let file: string;
let fifo: string;

beforeAll(() => {
  ensureDist();
  dir = tmpDir('polling');
  file = path.join(dir, 'pattern.bin');
  writePatternFile(file, SIZE);
  fifo = path.join(dir, 'fifo');
  mkfifo(fifo);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const [kmaj, kmin] = os.release().split('.').map(Number);
const kernelAtLeast = (maj: number, min: number): boolean => kmaj > maj || (kmaj === maj && kmin >= min);
const isRoot = process.getuid?.() === 0;

async function checkedReads(ring: Ring, fd: number, count: number): Promise<string[]> {
  const bad: string[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const length = 1 + ((i * 977) % 16384);
      const position = (i * 65537) % (SIZE - length);
      const buf = Buffer.alloc(length);
      return ring.read(fd, buf, position).then((n) => {
        const m = n === length ? patternMismatch(buf, position, length) : `returned ${n}`;
        if (m) bad.push(`read ${i}: ${m}`);
      });
    }),
  );
  return bad;
}

describe('options', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['sqpoll: 1', { sqpoll: 1 }],
    ["sqpoll: 'yes'", { sqpoll: 'yes' }],
    ['sqpoll.idleMs: 0', { sqpoll: { idleMs: 0 } }],
    ['sqpoll.idleMs: 1.5', { sqpoll: { idleMs: 1.5 } }],
    ["sqpoll.idleMs: '5'", { sqpoll: { idleMs: '5' } }],
    ['sqpoll.cpu: -1', { sqpoll: { cpu: -1 } }],
    ['sqpoll.cpu: NaN', { sqpoll: { cpu: NaN } }],
    ['iopoll: 1', { iopoll: 1 }],
    ["iopoll: 'classic'", { iopoll: 'classic' }],
  ];
  for (const [what, options] of bad) {
    it(`refuses ${what} before anything else, on either backend`, () => {
      for (const backend of ['fs', 'auto'] as const) {
        let err: (Error & { code?: string }) | undefined;
        try {
          new Ring({ ...options, backend });
        } catch (e) {
          err = e as Error & { code?: string };
        }
        expect(err).toBeInstanceOf(TypeError);
        expect(err?.code).toMatch(/^ERR_INVALID_ARG_(VALUE|TYPE)$/);
        expect(err?.message).toMatch(/options\.(sqpoll|iopoll)/);
      }
    });
  }

  it('are accepted on the node:fs backend, where there is nothing to poll (features say so)', async () => {
    const ring = new Ring({ backend: 'fs', sqpoll: { idleMs: 5, cpu: 0 }, iopoll: 'hybrid' });
    expect(ring.features).toMatchObject({ backend: 'fs', sqpoll: false, sqpollIdleMs: null, sqpollCpu: null, iopoll: false, hybridIopoll: false });
    // Buffered reads work there as on any node:fs ring.
    const fd = fs.openSync(file, 'r');
    try {
      expect(await checkedReads(ring, fd, 50)).toEqual([]);
    } finally {
      fs.closeSync(fd);
      await ring.destroy();
    }
  });

  it.skipIf(!onRing)('are off by default', async () => {
    const ring = new Ring();
    expect(ring.features).toMatchObject({ sqpoll: false, iopoll: false, hybridIopoll: false, sqpollIdleMs: null });
    expect(ring.features.setupFlags).not.toContain('SQPOLL');
    expect(ring.features.setupFlags).not.toContain('IOPOLL');
    await ring.destroy();
  });
});

describe.skipIf(!onRing)('SQPOLL', () => {
  it('sets up with the flags valid beside it (no COOP_TASKRUN/TASKRUN_FLAG) and does I/O', async () => {
    const ring = new Ring({ sqpoll: true, strict: true });
    try {
      expect(ring.features).toMatchObject({ sqpoll: true, sqpollIdleMs: 1000, sqpollCpu: null, coopTaskrun: false, iopoll: false });
      expect(ring.features.setupFlags).toContain('SQPOLL');
      expect(ring.features.setupFlags).not.toContain('COOP_TASKRUN');
      expect(ring.features.setupFlags).not.toContain('TASKRUN_FLAG');
      if (kernelAtLeast(6, 0)) expect(ring.features.singleIssuer).toBe(true);
      const fd = fs.openSync(file, 'r');
      try {
        // More ops than the SQ holds (16 entries): a full SQ waits for the thread.
        expect(await checkedReads(ring, fd, 3000)).toEqual([]);
        expect(await ring.readMany(fd, [Buffer.alloc(8), Buffer.alloc(8)], [0, 4096])).toEqual(new Int32Array([8, 8]));
      } finally {
        fs.closeSync(fd);
      }
      // Writes, a linked chain, path ops.
      const p = path.join(dir, 'sq-write');
      const wfd = await ring.open(p, 'w+');
      await ring.write(wfd, Buffer.from('abc'), 0);
      const [w, r] = await ring.batch(
        [
          { op: 'write', fd: wfd, buffer: Buffer.from('def'), position: 3 },
          { op: 'read', fd: wfd, buffer: Buffer.alloc(6), position: 0 },
        ],
        { link: true },
      );
      expect(w).toMatchObject({ status: 'fulfilled', value: 3 });
      expect(r).toMatchObject({ status: 'fulfilled', value: 6 });
      await ring.close(wfd);
      expect(fs.readFileSync(p, 'latin1')).toBe('abcdef');
      expect((await ring.stat(p)).size).toBe(6);
    } finally {
      await ring.destroy();
    }
  });

  it('wakes its kernel thread after it went idle', async () => {
    const ring = new Ring({ sqpoll: { idleMs: 1 }, entries: 16, strict: true });
    const fd = fs.openSync(file, 'r');
    try {
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 30)); // well past idleMs: the thread sleeps
        expect(await withTimeout(checkedReads(ring, fd, 40), 5000, 'reads after idle')).toEqual([]);
      }
    } finally {
      fs.closeSync(fd);
      await ring.destroy();
    }
  });

  it('pins its thread to a CPU with cpu (SQ_AFF)', async () => {
    const ring = new Ring({ sqpoll: { cpu: 0, idleMs: 50 }, strict: true });
    try {
      expect(ring.features).toMatchObject({ sqpoll: true, sqpollCpu: 0, sqpollIdleMs: 50 });
      expect(ring.features.setupFlags).toEqual(expect.arrayContaining(['SQPOLL', 'SQ_AFF']));
      expect((await ring.stat(file)).size).toBe(SIZE);
    } finally {
      await ring.destroy();
    }
  });

  it('a CPU the kernel refuses: strict throws, else a warning and an ordinary ring', async () => {
    const cpu = 4096; // beyond any CPU here
    expect(() => new Ring({ sqpoll: { cpu }, strict: true })).toThrow(/SQPOLL could not be set up: io_uring_setup failed: EINVAL/);
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }): void => void warnings.push(`${w.code}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const ring = new Ring({ sqpoll: { cpu }, strict: false }); // false: whatever URING_FS_STRICT says
      await new Promise((r) => setImmediate(r));
      expect(ring.backend).toBe('io_uring');
      expect(ring.features.sqpoll).toBe(false);
      expect(ring.features.setupFlags).toContain('COOP_TASKRUN');
      expect(warnings.join('\n')).toMatch(/URING_FS_POLLING_UNAVAILABLE: uring-fs: SQPOLL could not be set up/);
      expect((await ring.stat(file)).size).toBe(SIZE);
      await ring.destroy();
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('destroy() with I/O in flight settles every op once and frees the ring', async () => {
    const ring = new Ring({ sqpoll: { idleMs: 10 }, strict: true });
    const ffd = fs.openSync(fifo, fs.constants.O_RDWR); // no writer ever comes
    const fd = fs.openSync(file, 'r');
    try {
      let settled = 0;
      const stuck = Array.from({ length: 16 }, () =>
        ring.read(ffd, Buffer.alloc(16), -1).then(
          () => 'fulfilled',
          (e: NodeJS.ErrnoException) => e.code,
        ),
      ).map((p) => p.finally(() => settled++));
      const reads = checkedReads(ring, fd, 200).catch((e: NodeJS.ErrnoException) => [e.code]);
      await new Promise((r) => setTimeout(r, 20));
      await withTimeout(ring.destroy(), 10_000, 'destroy');
      const codes = await Promise.all(stuck);
      expect(settled).toBe(16);
      expect(new Set(codes)).toEqual(new Set(['ECANCELED']));
      const r = await reads;
      expect(r.every((x) => x === 'ECANCELED' || x === 'ERR_URING_DESTROYED') || r.length === 0).toBe(true);
      await expect(ring.stat(file)).rejects.toMatchObject({ code: 'ERR_URING_DESTROYED' });
    } finally {
      fs.closeSync(ffd);
      fs.closeSync(fd);
    }
  });

  it('forced rungs of the setup ladder each give an SQPOLL ring without the task-run flags', async () => {
    for (let rung = 0; rung < 4; rung++) {
      process.env.URING_FS_SETUP_CANDIDATE = String(rung);
      let ring: Ring;
      try {
        ring = new Ring({ sqpoll: { idleMs: 5 }, entries: 8, strict: true });
      } finally {
        delete process.env.URING_FS_SETUP_CANDIDATE;
      }
      expect(ring.features.setupFlags).toContain('SQPOLL');
      expect(ring.features.coopTaskrun).toBe(false);
      expect((await ring.stat(file)).size).toBe(SIZE);
      await ring.destroy();
    }
  });

  it('worker threads each with an SQPOLL ring; one terminated with reads in flight', async () => {
    const run = (data: Record<string, unknown>): { worker: Worker; message: Promise<Record<string, unknown>>; exit: Promise<number> } => {
      const worker = new Worker(path.join(FIXTURES, 'polling-worker.mjs'), { workerData: data, stderr: true });
      let stderr = '';
      worker.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const message = new Promise<Record<string, unknown>>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting: ${stderr}`)));
      });
      message.catch(() => {});
      return { worker, message, exit: new Promise((resolve) => worker.once('exit', resolve)) };
    };
    const workers = [0, 1, 2].map(() => run({ file, size: SIZE, reads: 1500 }));
    const stuck = run({ file, size: SIZE, reads: 200, fifo });
    for (const w of [...workers, stuck]) {
      const m = await withTimeout(w.message, 30_000, 'worker report');
      expect(m).toMatchObject({ badCount: 0, backend: 'io_uring', sqpoll: true });
    }
    await stuck.worker.terminate();
    expect(await withTimeout(stuck.exit, 15_000, 'terminated worker exit')).toBe(1);
    for (const w of workers) expect(await w.exit).toBe(0);
    // The main thread's rings still work.
    const ring = new Ring({ sqpoll: { idleMs: 5 }, strict: true });
    const fd = fs.openSync(file, 'r');
    expect(await checkedReads(ring, fd, 100)).toEqual([]);
    fs.closeSync(fd);
    await ring.destroy();
  });

  it.skipIf(!isRoot)('refuses submissions after setuid/setgid/setgroups (CVE-2024-22017), in a child run as root', async () => {
    const secret = path.join(dir, 'secret');
    fs.writeFileSync(secret, 'root only');
    fs.chmodSync(secret, 0o600);
    fs.chmodSync(dir, 0o755);
    const r = await runNode(path.join(FIXTURES, 'polling-creds-child.mjs'), { args: [secret], timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(CRASH);
    const out = lastJson(r.stdout);
    expect(out, describeChild(r)).not.toBeNull();
    expect(out).toMatchObject({
      sqpoll: true,
      wrapped: true,
      before: 'ok',
      // A change made around the wrapper is caught within the 100 ms recheck…
      rawAfterRecheck: 'ERR_URING_SQPOLL_CREDENTIALS',
      // …and the refusal lifts when the credentials are back to those of setup.
      rawBack: 'ok',
      afterSetgroups: 'ERR_URING_SQPOLL_CREDENTIALS',
      uid: 65534,
      sqAfter: 'ERR_URING_SQPOLL_CREDENTIALS',
      sqAfterName: 'Error',
      sqBatch: 'ERR_URING_SQPOLL_CREDENTIALS',
      plainAfter: 'EACCES',
      freshStat: 'ok',
      freshSecret: 'EACCES',
    });
    expect(out?.sqAfterMessage).toMatch(/CVE-2024-22017/);
  });
});

describe.skipIf(!onRing)('IOPOLL', () => {
  let loopDev: string | null = null;
  let loopImg: string | null = null;

  beforeAll(() => {
    if (!isRoot) return;
    // A loop device over a file in /dev/shm (as bench/loopfs.sh makes): a fast block device, without poll queues.
    loopImg = `/dev/shm/uring-fs-polling-test-${process.pid}.img`;
    fs.writeFileSync(loopImg, Buffer.alloc(1 << 20, 7));
    try {
      loopDev = execFileSync('losetup', ['--find', '--show', '--direct-io=on', loopImg], { encoding: 'utf8' }).trim();
    } catch {
      loopDev = null;
    }
  });
  afterAll(() => {
    if (loopDev) execFileSync('losetup', ['-d', loopDev]);
    if (loopImg) fs.rmSync(loopImg, { force: true });
  });

  function iopollRing(mode: true | 'hybrid' = true): Ring {
    return new Ring({ iopoll: mode, strict: true, entries: 16 });
  }

  async function refusal(ring: Ring, fd: number, view: ArrayBufferView): Promise<NodeJS.ErrnoException & { hint?: string }> {
    const err = await withTimeout(
      ring.read(fd, view, 0).then(
        () => null,
        (e: NodeJS.ErrnoException) => e,
      ),
      5000,
      'an IOPOLL read (a refusal must come at once, never a hang)',
    );
    expect(err).not.toBeNull();
    return err as NodeJS.ErrnoException & { hint?: string };
  }

  it('sets up with the ladder flags, and runs other ops on node:fs', async () => {
    const ring = iopollRing();
    try {
      expect(ring.features).toMatchObject({ iopoll: true, hybridIopoll: false, sqpoll: false });
      expect(ring.features.setupFlags).toContain('IOPOLL');
      expect(ring.features.fsFallbackOps).toEqual(expect.arrayContaining(['open', 'close', 'stat', 'fsync', 'unlink']));
      expect(ring.features.fsFallbackOps).not.toContain('read');
      // The node:fs ops work as on any ring.
      const fd = await ring.open(file, 'r');
      expect((await ring.fstat(fd)).size).toBe(SIZE);
      await ring.close(fd);
    } finally {
      await ring.destroy();
    }
  });

  it('hybrid polling where the kernel has it (6.13), classic polling before', async () => {
    const ring = iopollRing('hybrid');
    try {
      expect(ring.features.iopoll).toBe(true);
      expect(ring.features.hybridIopoll).toBe(kernelAtLeast(6, 13));
      expect(ring.features.setupFlags.includes('HYBRID_IOPOLL')).toBe(kernelAtLeast(6, 13));
    } finally {
      await ring.destroy();
    }
  });

  it('a buffered (not O_DIRECT) read fails as the kernel fails it, with a hint', async () => {
    const ring = iopollRing();
    const fd = fs.openSync(file, 'r');
    try {
      const err = await refusal(ring, fd, Buffer.alloc(4096));
      // Node names errno 95 ENOTSUP (the kernel's EOPNOTSUPP).
      expect(err).toMatchObject({ code: 'ENOTSUP', errno: -95, syscall: 'read' });
      expect(err.message).toBe('ENOTSUP: operation not supported on socket, read');
      expect(err.hint).toMatch(/poll queues|O_DIRECT/);
    } finally {
      fs.closeSync(fd);
      await ring.destroy();
    }
  });

  it('an O_DIRECT read on a disk without poll queues is refused before it reaches the kernel', async () => {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_DIRECT);
    } catch {
      return; // a filesystem without O_DIRECT (tmpfs before 6.6)
    }
    try {
      const dev = fs.statSync(file).dev;
      const sys = `/sys/dev/block/${Math.floor(dev / 256) & 0xfff}:${dev & 0xff}`;
      // Every rung of the setup ladder, aligned and misaligned buffers. (6.18
      // fails such I/O itself, by interrupt, which a blocking wait never sees;
      // older kernels complete it by interrupt: native/ring.cc PollableFd.)
      for (let rung = 0; rung < 4; rung++) {
        process.env.URING_FS_SETUP_CANDIDATE = String(rung);
        let ring: Ring;
        try {
          ring = iopollRing();
        } finally {
          delete process.env.URING_FS_SETUP_CANDIDATE;
        }
        try {
          for (const view of [allocAligned(4096), allocAligned(4096 + 16).subarray(16)]) {
            const err = await refusal(ring, fd, view);
            expect(err).toMatchObject({ code: 'ENOTSUP', errno: -95, syscall: 'read' });
            if (fs.existsSync(sys)) expect(err.hint).toMatch(/has no poll queues .*nvme\.poll_queues=N/);
            else expect(err.hint).toMatch(/not a block device the kernel can poll/);
          }
        } finally {
          await ring.destroy();
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  });

  it('the loop device over /dev/shm (no poll queues): read, write, readv, writev and readMany refused with a hint', async (ctx) => {
    if (!loopDev) {
      ctx.skip('needs root and losetup for a loop device');
      return;
    }
    const ring = iopollRing();
    const fd = fs.openSync(loopDev, fs.constants.O_RDWR | fs.constants.O_DIRECT);
    try {
      const name = path.basename(loopDev);
      const err = await refusal(ring, fd, Buffer.alloc(4096));
      expect(err).toMatchObject({ code: 'ENOTSUP', errno: -95, syscall: 'read' });
      expect(err.hint).toContain(`block device ${name} `);
      expect(err.hint).toContain(`/sys/block/${name}/queue/io_poll is 0`);
      await expect(ring.write(fd, Buffer.alloc(4096), 0)).rejects.toMatchObject({ code: 'ENOTSUP', syscall: 'write', hint: expect.stringContaining(name) });
      await expect(ring.readv(fd, [Buffer.alloc(4096)], 0)).rejects.toMatchObject({ code: 'ENOTSUP', syscall: 'read' });
      await expect(ring.writev(fd, [Buffer.alloc(4096)], 0)).rejects.toMatchObject({ code: 'ENOTSUP', syscall: 'write' });
      expect(await ring.readMany(fd, [Buffer.alloc(4096), Buffer.alloc(4096)], [0, 4096])).toEqual(new Int32Array([-95, -95]));
      // Registering the file is refused too (its ops would skip the per-op check).
      expect(ring.registerFile(fd)).toBe(false);
      await expect(ring.read(fd, Buffer.alloc(4096), 0)).rejects.toMatchObject({ code: 'ENOTSUP' });
      // A batch: each entry settles once, with the refusal.
      const res = await ring.batch([
        { op: 'read', fd, buffer: Buffer.alloc(4096), position: 0 },
        { op: 'write', fd, buffer: Buffer.alloc(4096), position: 0 },
      ]);
      expect(res.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    } finally {
      fs.closeSync(fd);
      await ring.destroy();
    }
  });

  it('a partition: its disk\'s poll queues decide (the hint names the disk)', async (ctx) => {
    if (!isRoot) {
      ctx.skip('needs root for a partitioned loop device');
      return;
    }
    // An 8 MiB image with an MBR holding one Linux partition from sector 2048 to the end.
    const img = `/dev/shm/uring-fs-polling-part-${process.pid}.img`;
    const image = Buffer.alloc(8 << 20);
    const entry = 446;
    image[entry + 4] = 0x83;
    image.writeUInt32LE(2048, entry + 8);
    image.writeUInt32LE((8 << 20) / 512 - 2048, entry + 12);
    image[510] = 0x55;
    image[511] = 0xaa;
    fs.writeFileSync(img, image);
    let dev: string | null = null;
    try {
      try {
        dev = execFileSync('losetup', ['--find', '--show', '--partscan', img], { encoding: 'utf8' }).trim();
      } catch (err) {
        ctx.skip(`cannot make a partitioned loop device: ${String(err).split('\n')[0]}`);
        return;
      }
      // Without udev the partition's node may not appear in /dev: make one from sysfs.
      const name = path.basename(dev);
      const sysDev = `/sys/block/${name}/${name}p1/dev`;
      for (let i = 0; i < 50 && !fs.existsSync(sysDev); i++) await new Promise((r) => setTimeout(r, 20));
      if (!fs.existsSync(sysDev)) {
        ctx.skip(`the kernel made no partition on ${dev}`);
        return;
      }
      const [major, minor] = fs.readFileSync(sysDev, 'utf8').trim().split(':');
      const part = path.join(dir, `${name}p1`);
      execFileSync('mknod', [part, 'b', major, minor]);
      const ring = iopollRing();
      const fd = fs.openSync(part, fs.constants.O_RDONLY | fs.constants.O_DIRECT);
      try {
        const err = await refusal(ring, fd, allocAligned(4096));
        expect(err).toMatchObject({ code: 'ENOTSUP', syscall: 'read' });
        expect(err.hint).toContain(`/sys/block/${path.basename(dev)}/queue/io_poll is 0`);
        expect(ring.registerFile(fd)).toBe(false);
      } finally {
        fs.closeSync(fd);
        await ring.destroy();
      }
    } finally {
      if (dev) execFileSync('losetup', ['-d', dev]);
      fs.rmSync(img, { force: true });
    }
  });

  it('SQPOLL and IOPOLL together: set up, the same refusals, nop', async () => {
    const ring = new Ring({ sqpoll: { idleMs: 5 }, iopoll: true, strict: true, entries: 16 });
    const fd = fs.openSync(file, 'r');
    try {
      expect(ring.features).toMatchObject({ sqpoll: true, iopoll: true });
      const err = await refusal(ring, fd, Buffer.alloc(4096));
      expect(err).toMatchObject({ code: 'ENOTSUP', errno: -95, syscall: 'read' });
      expect(typeof err.hint).toBe('string');
      await withTimeout(ring.nop(), 5000, 'nop on an SQPOLL+IOPOLL ring');
    } finally {
      fs.closeSync(fd);
      await ring.destroy();
    }
  });

  it('a pipe, and an fd that is not open: the kernel-style errors, node:fs-shaped', async () => {
    const ring = iopollRing();
    const ffd = fs.openSync(fifo, fs.constants.O_RDWR);
    try {
      const err = await refusal(ring, ffd, Buffer.alloc(16));
      expect(err).toMatchObject({ code: 'ENOTSUP', syscall: 'read' });
      expect(err.hint).toMatch(/only on regular files and block devices/);
      const closed = fs.openSync(file, 'r');
      fs.closeSync(closed);
      const ebadf = await refusal(ring, closed, Buffer.alloc(16));
      const nodeErr = await new Promise<NodeJS.ErrnoException>((resolve) => fs.read(closed, Buffer.alloc(16), 0, 16, 0, (e) => resolve(e as NodeJS.ErrnoException)));
      expect({ code: ebadf.code, errno: ebadf.errno, syscall: ebadf.syscall, message: ebadf.message }).toEqual({
        code: nodeErr.code,
        errno: nodeErr.errno,
        syscall: nodeErr.syscall,
        message: nodeErr.message,
      });
    } finally {
      fs.closeSync(ffd);
      await ring.destroy();
    }
  });

  it('an op with a timeout is refused (the kernel has no linked timeouts on IOPOLL rings); a signal is accepted', async () => {
    const ring = iopollRing();
    const fd = fs.openSync(file, 'r');
    try {
      const err = await withTimeout(
        ring.read(fd, Buffer.alloc(4096), 0, { timeout: 1000 }).then(
          () => null,
          (e: NodeJS.ErrnoException & { hint?: string }) => e,
        ),
        5000,
        'a timed IOPOLL read',
      );
      expect(err).toMatchObject({ code: 'ENOTSUP', errno: -95, syscall: 'read' });
      expect(err?.hint).toMatch(/cannot time out an op/);
      // A signal that never fires: the op settles with its own result (the refusal here).
      await expect(ring.read(fd, Buffer.alloc(4096), 0, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 'ENOTSUP' });
    } finally {
      fs.closeSync(fd);
      await ring.destroy();
    }
  });

  it('nop completes, and the loop does not spin when nothing is in flight', async () => {
    const ring = iopollRing();
    try {
      await ring.nop();
      // Idle: a 200 ms timer costs (almost) no CPU; a spinning loop would burn all of it.
      const before = process.cpuUsage();
      await new Promise((r) => setTimeout(r, 200));
      const used = process.cpuUsage(before);
      expect((used.user + used.system) / 1000).toBeLessThan(100);
    } finally {
      await ring.destroy();
    }
  });
});
