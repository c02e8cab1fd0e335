// When the kernel will not take more SQEs, or a submit from the event loop
// fails, no op is rejected, lost or reordered: what was not handed over is
// queued again in order, and a timer retries a failed submit, so queued SQEs
// never wait for a wakeup that cannot come. The native ring's fault switch
// (URING_FS_FAULTS, read when a ring is created) makes the kernel's refusals
// happen on demand: `sqe=N` refuses every Nth op or chain an SQE, `submit=M`
// fails M submits from the loop in a row with EBUSY before one goes through
// (more than one prepare callback tries, so only the retry timer gets them out).

import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';

import { Ring } from '../src/index';
import { mkfifo, patternBuffer, patternMismatch, withTimeout } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';

const fx = opFixture('refused');
const onRing = process.env.URING_FS_BACKEND !== 'fs';

function faultyRing(faults: string, entries = 8): Ring {
  process.env.URING_FS_FAULTS = faults;
  try {
    return new Ring({ entries });
  } finally {
    delete process.env.URING_FS_FAULTS;
  }
}

const rings: Ring[] = [];
afterAll(() => Promise.all(rings.map((r) => r.destroy())));

const SIZE = 64 * 1024;
const source = fx.path('source');
fs.writeFileSync(source, patternBuffer(SIZE));

describe.skipIf(!onRing)('the kernel refuses SQEs now and then (sqe=3)', () => {
  const ring = faultyRing('sqe=3');
  rings.push(ring);
  const fd = fx.openSync(source);

  it('2,000 reads in one turn: all succeed, each with its own bytes', async () => {
    const bufs = Array.from({ length: 2000 }, (_, i) => Buffer.alloc(1 + (i % 31)));
    const at = (i: number): number => (i * 29) % (SIZE - 32);
    const results = await withTimeout(Promise.allSettled(bufs.map((b, i) => ring.read(fd, b, at(i)))), 10_000, 'reads');
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    bufs.forEach((b, i) => expect(patternMismatch(b, at(i), b.length), `read ${i}`).toBeNull());
  });

  it('writes at the current position keep their order', async () => {
    const p = fx.path();
    const wfd = fx.track(await ring.open(p, 'w'));
    const letters = 'abcdefghijklmnopqrstuvwxyz'.repeat(4);
    await withTimeout(Promise.all([...letters].map((c) => ring.write(wfd, Buffer.from(c)))), 10_000, 'writes');
    expect(fs.readFileSync(p, 'latin1')).toBe(letters);
  });

  it('linked chains are never split: 30 chains of 5 reads, each member with its bytes', async () => {
    const chains = Array.from({ length: 30 }, (_, c) =>
      ring.batch(
        Array.from({ length: 5 }, (_, i) => ({ op: 'read' as const, fd, buffer: Buffer.alloc(8), position: (c * 5 + i) * 8 })),
        { link: true },
      ),
    );
    const results = await withTimeout(Promise.all(chains), 10_000, 'chains');
    results.forEach((chain, c) =>
      chain.forEach((r, i) => expect(r, `chain ${c} member ${i}`).toEqual({ status: 'fulfilled', value: 8 })),
    );
  });

  it('a 300-entry batch', async () => {
    const bufs = Array.from({ length: 300 }, () => Buffer.alloc(4));
    const results = await withTimeout(ring.batch(bufs.map((buffer, i) => ({ op: 'read' as const, fd, buffer, position: i * 4 }))), 10_000, 'batch');
    expect(results.every((r) => r.status === 'fulfilled' && r.value === 4)).toBe(true);
    bufs.forEach((b, i) => expect(patternMismatch(b, i * 4, 4)).toBeNull());
  });
});

describe.skipIf(!onRing)('submits from the event loop fail, two in a row (submit=2)', () => {
  const ring = faultyRing('submit=2');
  rings.push(ring);
  const fd = fx.openSync(source);

  it('200 reads one after another (queue depth 1) all complete', async () => {
    const buf = Buffer.alloc(16);
    for (let i = 0; i < 200; i++) {
      expect(await withTimeout(ring.read(fd, buf, i * 16), 5000, `read ${i}`)).toBe(16);
      expect(patternMismatch(buf, i * 16, 16)).toBeNull();
    }
  });

  it('and 1,000 at once', async () => {
    const bufs = Array.from({ length: 1000 }, () => Buffer.alloc(8));
    const results = await withTimeout(Promise.all(bufs.map((b, i) => ring.read(fd, b, i * 8))), 10_000, 'reads');
    expect(results.every((n) => n === 8)).toBe(true);
  });
});

// Found by the simulated ring (test/sim.test.ts). When the kernel refused the
// SQE of a current-position op, #requeue dropped the op's hold on its fd and
// put it back in the backlog; #pump then found later ops on that fd waiting
// (fdWait) and queued the refused op behind them, where nothing would ever
// release the fd: every op on it hung.
describe.skipIf(!onRing)('a refused current-position op while later ones wait on its fd (sqe=2)', () => {
  it('all three writes settle, in call order', async () => {
    const ring = faultyRing('sqe=2', 256);
    rings.push(ring);
    const { rfd, wfd } = (() => {
      const fifo = fx.path();
      mkfifo(fifo);
      return { rfd: fx.openSync(fifo, fs.constants.O_RDWR), wfd: fx.openSync(fifo, 'w') };
    })();
    const out = fx.path();
    const fd = fx.openSync(out, 'w+');
    // The first op is taken (something in flight, so the next flush waits for
    // the microtask); the second, the first write, is refused.
    const pending = ring.read(rfd, Buffer.alloc(1), 0);
    const writes = ['1', '2', '3'].map((c) => ring.write(fd, Buffer.from(c)));
    setTimeout(() => fs.writeSync(wfd, 'x'), 20);
    await withTimeout(pending, 5000, 'FIFO read');
    await withTimeout(Promise.all(writes), 3000, 'current-position writes');
    expect(fs.readFileSync(out, 'latin1')).toBe('123');
  });
});

