// ring.registerBuffers(count, size): a pool of page-aligned Buffers registered
// with the ring. Reads and writes whose window lies in one buffer run as
// READ_FIXED / WRITE_FIXED (seen in the kernel's io_uring_submit_req
// tracepoint where tracefs is usable); a buffer released or a pool disposed
// with ops in flight waits for them; a worker's ring can register the same
// memory (cloned where the kernel has IORING_REGISTER_CLONE_BUFFERS, 6.12).
// On the node:fs backend the same calls work, unregistered.

import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { Ring } from '../src/index';
import { FIXTURES, ensureDist, mkfifo, patternMismatch, writePatternFile } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';
import { traceOpcodes, traceUnavailable } from './support/trace';

const fx = opFixture('buffers');
const { ring } = fx;
const onRing = ring.backend === 'io_uring';
const SIZE = 1 << 20;
let file: string;

beforeAll(() => {
  file = fx.path('pattern.bin');
  writePatternFile(file, SIZE);
});

/** A fresh ring for a test that registers its own pool (one pool per ring). */
function freshRing(): Ring {
  return new Ring({ entries: 64 });
}

const noTrace = !onRing ? 'node:fs backend' : traceUnavailable();
const kernel = process.versions && ring.features.kernel.split('.').map(Number);
const hasClone = onRing && (kernel[0] > 6 || (kernel[0] === 6 && kernel[1] >= 12));

describe('registerBuffers: arguments', () => {
  it('validates count and size before anything reaches the kernel', () => {
    const r = freshRing();
    try {
      for (const bad of ['1', 1.5, -1, null, undefined, 2 ** 31, {}]) {
        expect(() => r.registerBuffers(bad as number, 4096)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^ERR_(INVALID_ARG_TYPE|OUT_OF_RANGE|INVALID_ARG_VALUE)$/) }));
        expect(() => r.registerBuffers(1, bad as number)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^ERR_(INVALID_ARG_TYPE|OUT_OF_RANGE|INVALID_ARG_VALUE)$/) }));
      }
      expect(() => r.registerBuffers(0, 4096)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining("'count'") }));
      expect(() => r.registerBuffers(16385, 4096)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      expect(() => r.registerBuffers(1, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining("'size'") }));
      expect(() => r.registerBuffers(1, 2 ** 30 + 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      // 16384 × 1 GiB is past what one WebAssembly.Memory holds (4 GiB).
      expect(() => r.registerBuffers(16384, 2 ** 30)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      const forged = { kind: 'uring-fs.BufferPool', memory: {}, count: 1, size: 4096, ringFd: -1 };
      expect(() => r.registerBuffers(forged as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      // Nothing was registered by any of those.
      const pool = r.registerBuffers(1, 4096);
      expect(pool.registered).toBe(onRing);
    } finally {
      void r.destroy();
    }
  });

  it('rounds the size up to a multiple of 4096; the buffers lie end to end, page-aligned', async () => {
    const r = freshRing();
    const pool = r.registerBuffers(3, 5000);
    expect(pool.size).toBe(8192);
    expect(pool.count).toBe(3);
    expect(pool.free).toBe(3);
    expect(pool.buffers.length).toBe(3);
    // Registered once in a holder ring and cloned from it where the kernel can (6.12).
    expect(pool.cloned).toBe(hasClone);
    for (let i = 0; i < 3; i++) {
      expect(pool.buffers[i].byteOffset).toBe(i * 8192);
      expect(pool.buffers[i].length).toBe(8192);
      expect(pool.buffers[i].buffer).toBe(pool.memory.buffer);
      expect(pool.indexOf(pool.buffers[i].subarray(100, 200))).toBe(i);
    }
    expect(pool.indexOf(Buffer.from(pool.memory.buffer, 8000, 400))).toBe(-1); // spans two
    expect(pool.indexOf(Buffer.alloc(10))).toBe(-1);
    await pool.dispose();
    await r.destroy();
  });
});

describe('registerBuffers: the pool', () => {
  it('acquire hands out each buffer once, then null; release gives it back and refuses strangers and doubles', async () => {
    const r = freshRing();
    const pool = r.registerBuffers(2, 4096);
    const a = pool.acquire() as Buffer;
    const b = pool.acquire() as Buffer;
    expect(a).not.toBe(b);
    expect(pool.acquire()).toBeNull();
    expect(pool.free).toBe(0);
    expect(() => pool.release(Buffer.alloc(4096))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => pool.release(a.subarray(0, 10))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    pool.release(a);
    expect(() => pool.release(a)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    expect(pool.free).toBe(1);
    expect(pool.acquire()).toBe(a);
    pool.release(a);
    pool.release(b);
    await pool.dispose();
    expect(() => pool.acquire()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    await r.destroy();
  });

  it('one pool per ring at a time: a second call throws until the first is disposed', async () => {
    const r = freshRing();
    const pool = r.registerBuffers(1, 4096);
    expect(() => r.registerBuffers(1, 4096)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    await pool.dispose();
    const again = r.registerBuffers(2, 4096);
    expect(again.registered).toBe(onRing);
    await r.destroy();
    expect(again.registered).toBe(false);
    expect(() => r.registerBuffers(1, 4096)).toThrow(expect.objectContaining({ code: 'ERR_URING_DESTROYED' }));
    await again.dispose(); // after destroy: resolves, nothing left to unregister
  });

  it('reads and writes into pool buffers move the right bytes, whole, in windows and across two buffers', async () => {
    const r = freshRing();
    const pool = r.registerBuffers(4, 4096);
    const fd = fx.openSync(file, 'r');
    const [a, b] = [pool.acquire() as Buffer, pool.acquire() as Buffer];
    expect(await r.read(fd, a, 8192)).toBe(4096);
    expect(patternMismatch(a, 8192, 4096)).toBeNull();
    expect(await r.read(fd, b.subarray(100, 300), 1000)).toBe(200);
    expect(patternMismatch(b.subarray(100, 300), 1000, 200)).toBeNull();
    // A view over two buffers is plain memory to the kernel: still read right.
    const span = Buffer.from(pool.memory.buffer, 4096 * 2 - 50, 100);
    expect(await r.read(fd, span, 50000)).toBe(100);
    expect(patternMismatch(span, 50000, 100)).toBeNull();
    const many = await r.readMany(fd, [a, b], [0, 4096]);
    expect([...many]).toEqual([4096, 4096]);
    expect(patternMismatch(b, 4096, 4096)).toBeNull();

    const out = fx.path();
    const wfd = fx.openSync(out, 'w+');
    a.fill(0x41);
    expect(await r.write(wfd, a, 0)).toBe(4096);
    expect(await r.write(wfd, a.subarray(0, 10), 4096)).toBe(10);
    const [res] = await r.batch([{ op: 'write', fd: wfd, buffer: a.subarray(0, 5), position: 5000 }]);
    expect(res).toEqual({ status: 'fulfilled', value: 5 });
    const got = fs.readFileSync(out);
    expect(got.length).toBe(5005);
    expect(got.subarray(0, 4106).every((x) => x === 0x41)).toBe(true);
    await pool.dispose();
    await r.destroy();
  });

  it.skipIf(noTrace !== null)(`the kernel sees READ_FIXED / WRITE_FIXED for windows inside one buffer, READ outside (${noTrace ?? 'tracefs'})`, async () => {
    const r = freshRing();
    const pool = r.registerBuffers(2, 4096);
    const fd = fx.openSync(file, 'r');
    const wfd = fx.openSync(fx.path(), 'w');
    const a = pool.acquire() as Buffer;
    const trace = traceOpcodes();
    let ops: string[];
    try {
      await r.read(fd, a, 0);
      await r.read(fd, a.subarray(4000), 0);
      await r.write(wfd, a.subarray(1, 2), 0);
      await r.read(fd, Buffer.from(pool.memory.buffer, 4000, 200), 0); // two buffers
      await r.read(fd, Buffer.alloc(64), 0);
    } finally {
      ops = trace.stop();
    }
    expect(ops).toEqual(['READ_FIXED', 'READ_FIXED', 'WRITE_FIXED', 'READ', 'READ']);
    // Disposed: the same buffer is plain memory again.
    await pool.dispose();
    const t2 = traceOpcodes();
    try {
      await r.read(fd, a, 0);
    } finally {
      ops = t2.stop();
    }
    expect(ops).toEqual(['READ']);
    await r.destroy();
  });

  it.skipIf(!onRing)('a buffer released while a read into it is in flight becomes free only when the read settles; dispose waits too', async () => {
    const fifo = fx.path();
    mkfifo(fifo);
    const r = freshRing();
    const pool = r.registerBuffers(2, 4096);
    // O_RDWR: the open does not wait for a writer, and the read waits for data.
    const fl = fx.openSync(fifo, fs.constants.O_RDWR);
    const wfd = fx.openSync(fifo, 'w');
    const buf = pool.acquire() as Buffer;
    const pending = r.read(fl, buf, -1);
    await new Promise((res) => setTimeout(res, 20));
    pool.release(buf);
    expect(pool.free).toBe(1); // not yet
    expect(pool.acquire()).not.toBe(buf);
    let disposed = false;
    const d = pool.dispose().then(() => {
      disposed = true;
    });
    expect(pool.registered).toBe(false); // no new op names it
    await new Promise((res) => setTimeout(res, 20));
    expect(disposed).toBe(false); // the read still holds the registration
    fs.writeSync(wfd, Buffer.from('hello'));
    expect(await pending).toBe(5);
    expect(buf.subarray(0, 5).toString()).toBe('hello');
    await d;
    expect(disposed).toBe(true);
    expect(pool.free).toBe(1); // the one released in flight came back (the other is still acquired)
    await r.destroy();
  });

  // (On node:fs a read blocked in the thread pool cannot be cancelled.)
  it.skipIf(!onRing)('destroy with reads into the pool in flight settles them once; the memory stays usable', async () => {
    const fifo = fx.path();
    mkfifo(fifo);
    const r = freshRing();
    const pool = r.registerBuffers(1, 4096);
    const wfd = fx.openSync(fifo, fs.constants.O_RDWR);
    const buf = pool.acquire() as Buffer;
    const pending = r.read(wfd, buf, -1).then(
      (n) => ({ n }),
      (err: NodeJS.ErrnoException) => ({ code: err.code }),
    );
    await new Promise((res) => setTimeout(res, 20));
    await r.destroy();
    expect(await pending).toEqual({ code: 'ECANCELED' });
    buf.fill(1);
    expect(buf[4095]).toBe(1);
    await pool.dispose();
  });
});

describe.skipIf(!onRing)('registerBuffers: handles', () => {
  it('clones only from a ring that holds this very memory; a handle naming another ring or a file registers the plain way', async () => {
    const [r1, r2, r3, r4] = [freshRing(), freshRing(), freshRing(), freshRing()];
    const a = r1.registerBuffers(2, 4096);
    const b = r2.registerBuffers(2, 4096); // other memory, its own holder
    const fd = fx.openSync(file, 'r');
    const wrongRing = r3.registerBuffers({ ...a.share(), ringFd: b.share().ringFd });
    expect([wrongRing.registered, wrongRing.cloned]).toEqual([true, false]);
    const notRing = r4.registerBuffers({ ...a.share(), ringFd: fd });
    expect([notRing.registered, notRing.cloned]).toEqual([true, false]);
    // Both read into a's memory, right.
    expect(await r3.read(fd, wrongRing.buffers[0], 4096)).toBe(4096);
    expect(patternMismatch(a.buffers[0], 4096, 4096)).toBeNull();
    expect(await r4.read(fd, notRing.buffers[1], 8192)).toBe(4096);
    expect(patternMismatch(a.buffers[1], 8192, 4096)).toBeNull();
    const r5 = freshRing();
    const right = r5.registerBuffers(a.share());
    expect([right.registered, right.cloned]).toEqual([true, hasClone]);
    await Promise.all([r1, r2, r3, r4, r5].map((r) => r.destroy()));
  });
});

describe.skipIf(!onRing)('registerBuffers: worker threads', () => {
  beforeAll(() => ensureDist());

  async function inWorker(handle: unknown, env: Record<string, string> = {}): Promise<{ registered: boolean; cloned: boolean; n: number; error?: string }> {
    const worker = new Worker(path.join(FIXTURES, 'worker-pool.mjs'), {
      workerData: { handle, file },
      env: { ...process.env, ...env },
    });
    const msg = await new Promise<{ registered: boolean; cloned: boolean; n: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    return msg;
  }

  it(`a worker's ring registers the same memory from pool.share() (cloned: ${hasClone ? 'this kernel can' : 'not before 6.12'}); its reads land in the pool`, async () => {
    const r = freshRing();
    const pool = r.registerBuffers(2, 4096);
    pool.buffers[1].fill(0);
    const got = await inWorker(pool.share());
    expect(got).toEqual({ registered: true, cloned: hasClone, n: 4096 });
    // The worker read the file's bytes at 4096 into buffer 1: the same memory.
    expect(patternMismatch(pool.buffers[1], 4096, 4096)).toBeNull();
    await pool.dispose();
    await r.destroy();
  });

  it('without IORING_REGISTER_CLONE_BUFFERS (simulated) each ring registers the memory itself', async () => {
    process.env.URING_FS_DISABLE_FEATURES = 'cloneBuffers';
    let plain;
    try {
      plain = freshRing().registerBuffers(1, 4096);
    } finally {
      delete process.env.URING_FS_DISABLE_FEATURES;
    }
    expect(plain.registered).toBe(true);
    expect(plain.cloned).toBe(false);
    expect(plain.share().ringFd).toBe(-1);
    await plain.dispose();

    const r = freshRing();
    const pool = r.registerBuffers(2, 4096);
    expect(await inWorker(pool.share(), { URING_FS_DISABLE_FEATURES: 'cloneBuffers' })).toEqual({ registered: true, cloned: false, n: 4096 });
    // A handle from a disposed pool names no ring: registered the plain way.
    const handle = pool.share();
    await pool.dispose();
    expect(pool.share().ringFd).toBe(-1);
    expect(await inWorker({ ...handle, ringFd: -1 })).toEqual({ registered: true, cloned: false, n: 4096 });
    await r.destroy();
  });
});
