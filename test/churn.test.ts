// Worker churn: a thousand workers (a hundred on the node:fs pass), each with
// its own ring or the thread's shared one, I/O in flight (reads, writes, and
// on io_uring reads blocked on a FIFO), ended every way a worker ends:
// terminate() once running, terminate() right after starting, process.exit()
// and an uncaught exception from a completion. The process must not crash, the
// main thread's ring must still read correctly, and no fd or io_uring instance
// may be left behind. (One process's exit with I/O in flight, and uncaught
// exceptions there, are in test/exit.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CRASH, FIXTURES, WANT_FS, describeChild, ensureDist, lastJson, mkfifo, runNode, tmpDir, writePatternFile } from './fixtures/helpers';

const SIZE = 4 << 20;
let dir: string;

beforeAll(() => {
  ensureDist();
  dir = tmpDir('churn');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

// 1,000 on demand (npm run churn: URING_FS_CHURN=1000); the suite runs fewer
// (each worker costs ~0.1 s of startup on this 2-core machine).
const COUNT = Number(process.env.URING_FS_CHURN ?? (WANT_FS ? 30 : 100));

describe('worker churn', () => {
  it(`${COUNT} workers started and ended with I/O in flight: no crash, no leak, the main thread unharmed`, async () => {
    const file = path.join(dir, 'pattern.bin');
    writePatternFile(file, SIZE);
    const scratch = path.join(dir, 'scratch.bin');
    fs.writeFileSync(scratch, Buffer.alloc(64 * 512));
    const fifo = path.join(dir, 'fifo');
    mkfifo(fifo);
    const r = await runNode(path.join(FIXTURES, 'churn-parent.mjs'), {
      args: [String(COUNT), '8', file, String(SIZE), scratch, fifo],
      nodeArgs: ['--expose-gc'],
      timeoutMs: 180_000,
    });
    const why = describeChild(r);
    expect(r.stderr, why).not.toMatch(CRASH);
    expect(r.stderr, why).not.toMatch(/still in flight/);
    expect({ code: r.code, signal: r.signal }, why).toEqual({ code: 0, signal: null });
    const out = lastJson(r.stdout) as Record<string, any> | null;
    expect(out, why).not.toBeNull();
    expect(out!.error, why).toBeUndefined();
    expect(out!.errors, why).toEqual([]);
    expect(out!.bad, why).toEqual([]);
    expect(out!.mainBad).toBe(0);
    console.log(`churn: ${COUNT} workers in ${out!.seconds} s (${JSON.stringify(out!.ends)}), exit codes ${JSON.stringify(out!.codes)}, fds ${out!.before.fds} → ${out!.after.fds}, io_uring instances ${out!.before.rings} → ${out!.after.rings}, RSS ${(out!.before.rss / 2 ** 20).toFixed(0)} → ${(out!.after.rss / 2 ** 20).toFixed(0)} MiB`);
    // Every worker ended: terminated ones with 1, exited ones with 7, throwing ones with 1.
    const ended = Object.values(out!.codes as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(ended).toBe(COUNT);
    expect(Object.keys(out!.codes).sort()).toEqual(expect.arrayContaining(['1', '7']));
    // Nothing left open: the same fds and io_uring instances as before the churn.
    expect(out!.after.fds, why).toBe(out!.before.fds);
    expect(out!.after.rings, why).toBe(out!.before.rings);
  }, 200_000);
});
