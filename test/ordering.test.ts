// Submission order is call order, for every op kind, on both backends: ops
// issued in one synchronous stretch reach the kernel (or node:fs) in the order
// they were called, whatever else is in flight. And I/O at the current file
// position on one fd runs one op at a time, so the position moves as it would
// with sequential read(2)/write(2), without holding up other fds.

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';

import { Ring } from '../src/index';
import { mkfifo, patternBuffer, patternMismatch, withTimeout } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';

const fx = opFixture('ordering');
const { ring } = fx;

/**
 * A FIFO to read from that has nothing in it yet: opened read-write, so the
 * open does not wait for a writer and a read waits for data on both backends
 * (on node:fs in a thread-pool thread).
 */
function emptyFifo(track = true): { rfd: number; wfd: number } {
  const fifo = fx.path();
  mkfifo(fifo);
  const rfd = track ? fx.openSync(fifo, fs.constants.O_RDWR) : fs.openSync(fifo, fs.constants.O_RDWR);
  const wfd = fx.openSync(fifo, 'w');
  return { rfd, wfd };
}

/** Something in flight for a while, so later ops are staged rather than sent at once. */
async function withSomethingInFlight<T>(body: () => Promise<T>): Promise<T> {
  const { rfd, wfd } = emptyFifo();
  const pending = ring.read(rfd, Buffer.alloc(1), -1);
  try {
    return await body();
  } finally {
    fs.writeSync(wfd, 'x');
    await pending;
  }
}

describe('call order', () => {
  for (const busy of [false, true]) {
    const when = busy ? 'with other ops in flight' : 'on an idle ring';
    it(`reads, then close, then open: the reads see the first file's bytes (${when})`, async () => {
      const a = fx.path();
      const b = fx.path();
      fs.writeFileSync(a, Buffer.alloc(4096, 'A'));
      fs.writeFileSync(b, Buffer.alloc(4096, 'B'));
      const run = async (): Promise<void> => {
        const fdA = await ring.open(a);
        const bufs = Array.from({ length: 10 }, () => Buffer.alloc(16));
        const reads = bufs.map((buf) => ring.read(fdA, buf, 0));
        const closed = ring.close(fdA);
        const opened = ring.open(b);
        expect(await Promise.all(reads)).toEqual(bufs.map(() => 16));
        await closed;
        fx.track(await opened);
        // node:fs gives A's bytes; reads that overtook the close would get B's.
        expect(bufs.map((buf) => buf.toString())).toEqual(bufs.map(() => 'A'.repeat(16)));
      };
      if (busy) await withSomethingInFlight(run);
      else await run();
    });

    it(`writes, then close, then open: every write lands in the first file (${when})`, async () => {
      const a = fx.path();
      const b = fx.path();
      fs.writeFileSync(b, '');
      const run = async (): Promise<void> => {
        const fdA = await ring.open(a, 'w');
        const writes = Array.from({ length: 10 }, (_, i) => ring.write(fdA, Buffer.from([0x30 + i]), i));
        const closed = ring.close(fdA);
        const opened = ring.open(b, 'r+');
        expect(await Promise.all(writes)).toEqual(writes.map(() => 1));
        await closed;
        fx.track(await opened);
        expect(fs.readFileSync(a, 'latin1')).toBe('0123456789');
        expect(fs.readFileSync(b, 'latin1')).toBe('');
      };
      if (busy) await withSomethingInFlight(run);
      else await run();
    });

    it(`write, write, writev at the current position write "ABC" (${when})`, async () => {
      const run = async (): Promise<void> => {
        for (let round = 0; round < 20; round++) {
          const p = fx.path();
          const fd = fx.track(await ring.open(p, 'w'));
          const done = [ring.write(fd, Buffer.from('A')), ring.write(fd, Buffer.from('B'), null), ring.writev(fd, [Buffer.from('C')])];
          expect(await Promise.all(done)).toEqual([1, 1, 1]);
          expect(fs.readFileSync(p, 'latin1')).toBe('ABC');
          await ring.close(fd);
        }
      };
      if (busy) await withSomethingInFlight(run);
      else await run();
    });
  }

  // Found by the differential fuzzer (scripts/fuzz.mjs): io_uring looks up the
  // fd of an op it runs asynchronously (fsync, fdatasync, ftruncate, a linked
  // member after its predecessor) only when the op runs, after a close()
  // submitted behind it; an open() may have been given the same number by
  // then. A close now waits for the ops in flight on its fd (on both backends).
  it(
    'ftruncate, close, open without awaiting: the truncate applies to the first file, never to the one given its fd number',
    async () => {
      const a = fx.path();
      const b = fx.path();
      let wrongFile = 0;
      let failed = 0;
      for (let round = 0; round < 20; round++) {
        fs.writeFileSync(a, Buffer.alloc(4096, 'a'));
        fs.writeFileSync(b, Buffer.alloc(4096, 'b'));
        const fd = await ring.open(a, 'r+');
        const [truncated, , opened] = await Promise.allSettled([ring.ftruncate(fd, 100), ring.close(fd), ring.open(b, 'r+')]);
        if (opened.status === 'fulfilled') fx.track(opened.value);
        if (truncated.status === 'rejected') failed++;
        if (fs.statSync(b).size !== 4096) wrongFile++;
        expect(fs.statSync(a).size, `round ${round}: A`).toBe(100);
      }
      expect({ wrongFile, failed }).toEqual({ wrongFile: 0, failed: 0 });
    },
  );

  it('fdatasync then close without awaiting: the fdatasync succeeds', async () => {
    const a = fx.path();
    fs.writeFileSync(a, 'x');
    const results = [];
    for (let round = 0; round < 10; round++) {
      const fd = await ring.open(a, 'r+');
      results.push(...(await Promise.allSettled([ring.fdatasync(fd), ring.close(fd)])).map((r) => r.status));
    }
    expect(results.filter((s) => s === 'rejected')).toEqual([]);
  });

  it('1,000 reads then close in one turn: every read gets its bytes, none EBADF (more ops than the ring takes at once)', async () => {
    const p = fx.path();
    fs.writeFileSync(p, patternBuffer(1000 * 8));
    const fd = await ring.open(p);
    const bufs = Array.from({ length: 1000 }, () => Buffer.alloc(8));
    const reads = bufs.map((buf, i) => ring.read(fd, buf, i * 8));
    const closed = ring.close(fd);
    const results = await Promise.allSettled([...reads, closed]);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([]);
    bufs.forEach((buf, i) => expect(patternMismatch(buf, i * 8, 8), `read ${i}`).toBeNull());
  });

  it('a batch and single calls keep their relative order', async () => {
    const p = fx.path();
    const fd = fx.track(await ring.open(p, 'w+'));
    const first = ring.write(fd, Buffer.from('1'));
    const batch = ring.batch([
      { op: 'write', fd, buffer: Buffer.from('2') },
      { op: 'write', fd, buffer: Buffer.from('3'), position: null },
    ]);
    const last = ring.writev(fd, [Buffer.from('4'), Buffer.from('5')]);
    await Promise.all([first, batch, last]);
    expect(fs.readFileSync(p, 'latin1')).toBe('12345');
  });
});

describe('I/O at the current position', () => {
  it('reads issued together take consecutive pieces of the file, in call order', async () => {
    const p = fx.path();
    fs.writeFileSync(p, patternBuffer(64 * 16));
    const fd = fx.track(await ring.open(p));
    const bufs = Array.from({ length: 16 }, () => Buffer.alloc(64));
    expect(await Promise.all(bufs.map((buf) => ring.read(fd, buf)))).toEqual(bufs.map(() => 64));
    bufs.forEach((buf, i) => expect(patternMismatch(buf, i * 64, 64), `read ${i}`).toBeNull());
    // node:fs reads the same pieces (in some order: its thread pool runs them at once).
    const fd2 = fx.openSync(p);
    const viaFs = await Promise.all(bufs.map(() => new Promise<Buffer>((resolve, reject) => {
      const b = Buffer.alloc(64);
      fs.read(fd2, b, 0, 64, null, (err) => (err ? reject(err) : resolve(b)));
    })));
    expect(viaFs.map((b) => b.readUInt32LE(0)).sort((x, y) => x - y)).toEqual(bufs.map((b) => b.readUInt32LE(0)));
  });

  it('a position-less op waiting on one fd does not hold up ops on other fds', async () => {
    const { rfd, wfd } = emptyFifo();
    const other = fx.path();
    fs.writeFileSync(other, patternBuffer(4096));
    const ofd = fx.track(await ring.open(other));
    const first = ring.read(rfd, Buffer.alloc(4), -1);
    const second = ring.read(rfd, Buffer.alloc(4), -1); // waits for the first
    // Other fds go on while the FIFO has nothing to read.
    const buf = Buffer.alloc(4096);
    expect(await withTimeout(ring.read(ofd, buf, 0), 5000, 'read of another fd')).toBe(4096);
    expect(patternMismatch(buf, 0, 4096)).toBeNull();
    expect(await withTimeout(ring.fstat(ofd), 5000, 'fstat of another fd')).toHaveProperty('size', 4096);
    fs.writeSync(wfd, 'abcdefgh');
    expect(await withTimeout(Promise.all([first, second]), 5000, 'FIFO reads')).toEqual([4, 4]);
  });

  // Found by the soak (scripts/soak.mjs, seed 1): a current-position write that
  // completed in one piece used to lseek its fd when it settled, to put the
  // position "where write(2) leaves it". By then a close called after it had
  // run and an open had been given the same fd number: the unrelated file's
  // position moved to 4096.
  it('write, close, open without awaiting: the file opened on the recycled fd number starts at position 0', async () => {
    const a = fx.path();
    const b = fx.path();
    fs.writeFileSync(a, Buffer.alloc(8192));
    fs.writeFileSync(b, Buffer.concat([Buffer.from('B'), Buffer.alloc(8191, 'b')]));
    let recycled = 0;
    for (let round = 0; round < 20; round++) {
      const fd = await ring.open(a, 'r+');
      const written = ring.write(fd, Buffer.alloc(4096, 'w'));
      const closed = ring.close(fd);
      const opened = ring.open(b, 'r');
      const [n, , fd2] = await Promise.all([written, closed, opened]);
      fx.track(fd2);
      expect(n).toBe(4096);
      if (fd2 === fd) recycled++;
      const first = Buffer.alloc(1);
      expect(fs.readSync(fd2, first, 0, 1, null), `round ${round}`).toBe(1);
      expect(first.toString(), `round ${round}: a read at the new fd's current position`).toBe('B');
      expect(/pos:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd2}`, 'utf8'))?.[1], `round ${round}`).toBe('1');
      fs.closeSync(fd2);
    }
    // The case only bites when the number is reused, which Linux does (lowest
    // free fd) when the close runs first. A close waits for the ops called
    // before it on its fd, so the open usually runs before the close and gets
    // another number; the file it opens must start at 0 either way.
    expect(recycled).toBeGreaterThanOrEqual(0);
  });

  it('ops after a waiting position-less op on the same fd wait behind it (close last)', async () => {
    const { rfd, wfd } = emptyFifo(false);
    const a = Buffer.alloc(3);
    const b = Buffer.alloc(3);
    const first = ring.read(rfd, a, -1);
    const second = ring.read(rfd, b, -1);
    const closed = ring.close(rfd);
    fs.writeSync(wfd, 'abcdef');
    expect(await withTimeout(Promise.all([first, second, closed]), 5000, 'FIFO reads then close')).toEqual([3, 3, undefined]);
    expect(a.toString() + b.toString()).toBe('abcdef');
  });
});

describe('a close and the ops called before it on the fd', () => {
  it('on node:fs, the close waits for them (a pool thread may not have made its syscall yet)', async () => {
    // A read that blocks in the thread pool (a FIFO with nothing in it), then a close.
    const { rfd, wfd } = emptyFifo(false);
    const buf = Buffer.alloc(4);
    let order = '';
    const read = ring.read(rfd, buf, -1).then((n) => {
      order += 'read ';
      return n;
    });
    const close = ring.close(rfd).then(() => {
      order += 'close ';
    });
    await new Promise((r) => setTimeout(r, 100));
    if (ring.backend === 'fs') expect(order).toBe(''); // the close is still waiting
    fs.writeSync(wfd, 'data');
    await withTimeout(Promise.all([read, close]), 5000, 'read then close');
    // On the ring the close may finish first: the kernel holds the read's file.
    if (ring.backend === 'fs') expect(order).toBe('read close ');
    expect(buf.toString()).toBe('data');
  });
});

// Found by the simulated ring (test/sim.test.ts). With the ring full, #pump
// moved the ops at the head of the backlog that wait on a busy fd into fdWait
// and stopped at the first op that did not fit; a later current-position op on
// that fd stayed in the backlog. When the fd was released, the waiters were
// re-entered at the END of the backlog, behind it: write(1), write(2),
// write(3) at the current position wrote "132".
describe.skipIf(process.env.URING_FS_BACKEND === 'fs')('I/O at the current position past the in-flight limit', () => {
  it('writes 1, 2, 3 at the current position, with the ring full of FIFO reads, write "123"', async () => {
    const small = new Ring({ entries: 1 }); // two ops in flight at most
    try {
      const fifos = [emptyFifo(), emptyFifo(), emptyFifo()];
      const out = fx.path();
      const fd = fx.openSync(out, 'w+');
      const all: Promise<unknown>[] = [];
      all.push(small.read(fifos[0].rfd, Buffer.alloc(1)));
      all.push(small.read(fifos[1].rfd, Buffer.alloc(1))); // the ring is full
      all.push(small.write(fd, Buffer.from('1')));
      all.push(small.write(fd, Buffer.from('2')));
      all.push(small.read(fifos[2].rfd, Buffer.alloc(1)));
      all.push(small.write(fd, Buffer.from('3')));
      for (const f of fifos) {
        await new Promise((r) => setTimeout(r, 20));
        fs.writeSync(f.wfd, 'x');
      }
      await withTimeout(Promise.all(all), 5000, 'ops');
      expect(fs.readFileSync(out, 'latin1')).toBe('123');
    } finally {
      await small.destroy();
    }
  });
});

describe('when the kernel will not take more SQEs', () => {
  it('5,000 reads on a 2-entry ring all succeed, each with its own bytes', async () => {
    const small = new Ring({ entries: 2 });
    try {
      const p = fx.path();
      fs.writeFileSync(p, patternBuffer(5000 * 4));
      const fd = fx.openSync(p);
      const bufs = Array.from({ length: 5000 }, () => Buffer.alloc(4));
      const results = await Promise.allSettled(bufs.map((buf, i) => small.read(fd, buf, i * 4)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      bufs.forEach((buf, i) => expect(patternMismatch(buf, i * 4, 4)).toBeNull());
    } finally {
      await small.destroy();
    }
  });

  it('a 300-entry batch and a 40-entry chain on a 2-entry ring', async () => {
    const small = new Ring({ entries: 2 });
    try {
      const p = fx.path();
      fs.writeFileSync(p, patternBuffer(300 * 4));
      const fd = fx.openSync(p);
      const bufs = Array.from({ length: 300 }, () => Buffer.alloc(4));
      const batch = await small.batch(bufs.map((buffer, i) => ({ op: 'read' as const, fd, buffer, position: i * 4 })));
      expect(batch.every((r) => r.status === 'fulfilled' && r.value === 4)).toBe(true);
      bufs.forEach((buf, i) => expect(patternMismatch(buf, i * 4, 4)).toBeNull());
      const chain = await small.batch(
        bufs.slice(0, 40).map((buffer, i) => ({ op: 'read' as const, fd, buffer, position: 4 * (40 - i) })),
        { link: true },
      );
      expect(chain.map((r) => r.status)).toEqual(chain.map(() => 'fulfilled'));
      bufs.slice(0, 40).forEach((buf, i) => expect(patternMismatch(buf, 4 * (40 - i), 4)).toBeNull());
    } finally {
      await small.destroy();
    }
  });
});
