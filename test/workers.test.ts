// A ring per thread: several worker threads each with their own rings, workers
// terminated with thousands of ops in flight, and a worker that calls
// process.exit() mid-flight. The main thread must neither crash nor stop working.
// The workers load the built package (dist/), built here if missing or stale.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { Ring } from '../src/index';
import {
  CRASH,
  FIXTURES,
  STRICT,
  WANT_FS,
  describeChild,
  ensureDist,
  lastJson,
  mkfifo,
  patternMismatch,
  runNode,
  tmpDir,
  withTimeout,
  writePatternFile,
} from './fixtures/helpers';

const SIZE = 4 << 20;
let dir: string;
let file: string;
let fifo: string;

beforeAll(() => {
  ensureDist();
  dir = tmpDir('workers');
  file = path.join(dir, 'pattern.bin');
  writePatternFile(file, SIZE);
  fifo = path.join(dir, 'fifo');
  mkfifo(fifo);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const expectedBackend = WANT_FS ? 'fs' : STRICT ? 'io_uring' : undefined;

interface ReadsResult {
  threadId: number;
  bad: string[];
  badCount: number;
  backend: string;
  sharedBackend: string;
  sameShared: boolean;
  distinct: boolean;
  size: number;
}

function runWorker<T>(script: string, workerData: Record<string, unknown>): { worker: Worker; message: Promise<T>; exit: Promise<number> } {
  const worker = new Worker(path.join(FIXTURES, script), { workerData, stderr: false });
  const message = new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
  const exit = new Promise<number>((resolve) => worker.once('exit', resolve));
  // A message is not always awaited (terminate tests); never leave a rejection unhandled.
  message.catch(() => {});
  return { worker, message, exit };
}

/** I/O on the main thread, checked byte for byte: proof it still works. */
async function mainThreadReads(ring: Ring, count: number): Promise<void> {
  const fd = fs.openSync(file, 'r');
  try {
    const bufs = Array.from({ length: count }, () => Buffer.alloc(1024));
    const got = await withTimeout(
      Promise.all(bufs.map((b, i) => ring.read(fd, b, (i * 4096) % (SIZE - 1024)))),
      10_000,
      'main-thread reads',
    );
    expect(got.every((n) => n === 1024)).toBe(true);
    bufs.forEach((b, i) => expect(patternMismatch(b, (i * 4096) % (SIZE - 1024), 1024)).toBeNull());
  } finally {
    fs.closeSync(fd);
  }
}

describe('a ring per thread', () => {
  it('runs four workers at once, each with its own rings, while the main thread reads too', async () => {
    const workers = Array.from({ length: 4 }, (_, i) =>
      runWorker<ReadsResult>('worker-reads.mjs', { file, size: SIZE, reads: 3000, entries: 8 << i }),
    );
    const main = new Ring({ entries: 16 });
    await mainThreadReads(main, 2000);
    const results = await withTimeout(Promise.all(workers.map((w) => w.message)), 30_000, 'workers');
    const exits = await withTimeout(Promise.all(workers.map((w) => w.exit)), 10_000, 'worker exit');
    expect(exits).toEqual([0, 0, 0, 0]);
    const ids = new Set<number>();
    for (const r of results) {
      expect(r.bad, `worker ${r.threadId}: ${r.badCount} bad reads`).toEqual([]);
      expect(r.sameShared).toBe(true);
      expect(r.distinct).toBe(true);
      expect(r.size).toBe(SIZE);
      expect(r.sharedBackend).toBe(r.backend);
      expect(r.backend).toBe(main.backend);
      if (expectedBackend) expect(r.backend).toBe(expectedBackend);
      ids.add(r.threadId);
    }
    expect(ids.size).toBe(4);
    await mainThreadReads(main, 500);
    await main.destroy();
  });

  // Terminating workers and exiting them mid-flight run in a child process: a
  // native crash there (which takes the whole process down) is then a failed
  // assertion with the child's stderr, not a lost test runner.
  async function scenario(name: string): Promise<Record<string, unknown>> {
    const r = await runNode(path.join(FIXTURES, 'workers-parent.mjs'), {
      args: [name, file, String(SIZE), fifo],
      timeoutMs: 45_000,
    });
    expect(r.stderr, describeChild(r)).not.toMatch(CRASH);
    expect({ code: r.code, signal: r.signal }, describeChild(r)).toEqual({ code: 0, signal: null });
    const out = lastJson(r.stdout);
    expect(out, describeChild(r)).not.toBeNull();
    expect(out?.error, describeChild(r)).toBeUndefined();
    expect(out?.ok).toBe(true);
    return out as Record<string, unknown>;
  }

  it('keeps the main thread working after workers are terminated with thousands of ops in flight', async () => {
    const out = await scenario('terminate');
    const reports = out.reports as { running: boolean; bad: string | null; backend: string }[];
    expect(reports).toHaveLength(9);
    for (const r of reports) {
      expect(r.running).toBe(true);
      expect(r.bad).toBeNull();
      if (expectedBackend) expect(r.backend).toBe(expectedBackend);
    }
    expect(out.codes).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // The FIFO reads of the terminated workers were cancelled with their rings:
    // what the parent wrote into the FIFO afterwards was still there.
    expect(out.fifoBack).toBe('after terminate');
  });

  it('survives workers terminated right after they started (before or while creating their ring)', async () => {
    const out = await scenario('terminate-early');
    const codes = out.codes as number[];
    expect(codes).toHaveLength(6);
    for (const c of codes) expect([0, 1]).toContain(c);
  });

  it('survives workers that call process.exit() with I/O in flight', async () => {
    const out = await scenario('exit');
    expect((out.reports as { running: boolean }[]).map((r) => r.running)).toEqual([true, true, true]);
    expect(out.codes).toEqual([3, 3, 3]);
    expect((out.after as ReadsResult).bad).toEqual([]);
    expect(out.afterCode).toBe(0);
  });
});
