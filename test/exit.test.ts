// Processes that end with I/O in flight, or whose loop simply runs out of work
// with a ring still alive. Each case is a child node running
// test/fixtures/exit-child.mjs (the built package); the parent checks its exit
// status and that stderr carries no crash signature.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { ChildResult } from './fixtures/helpers';
import { CRASH, FIXTURES, STRICT, WANT_FS, describeChild, ensureDist, lastJson, mkfifo, runNode, tmpDir } from './fixtures/helpers';

let dir: string;
let fifoCount = 0;

beforeAll(() => {
  ensureDist();
  dir = tmpDir('exit');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const expectedBackend = WANT_FS ? 'fs' : STRICT ? 'io_uring' : undefined;
const CHILD = path.join(FIXTURES, 'exit-child.mjs');

function newFifo(): string {
  const f = path.join(dir, `fifo-${fifoCount++}`);
  mkfifo(f);
  return f;
}

function exitChild(mode: string, opts: Parameters<typeof runNode>[1] = {}): Promise<ChildResult> {
  return runNode(CHILD, { timeoutMs: 20_000, ...opts, args: [mode, dir, newFifo(), ...(opts.args ?? [])] });
}

function expectNoCrash(r: ChildResult): void {
  const why = describeChild(r);
  expect(r.timedOut, why).toBe(false);
  expect(r.stderr, why).not.toMatch(CRASH);
  expect(r.signal, why).not.toBe('SIGSEGV');
  expect(r.signal, why).not.toBe('SIGABRT');
  // The teardown's bounded wait reports ops it could not reap; none should be left.
  expect(r.stderr, why).not.toMatch(/still in flight/);
}

describe('a process that exits with I/O in flight', () => {
  it.each(['exit-sync', 'exit-midflight', 'exit-blocked', 'exit-during-destroy'])(
    '%s: exits with code 0, cleanly',
    async (mode) => {
      const r = await exitChild(mode);
      expectNoCrash(r);
      expect({ code: r.code, signal: r.signal }, describeChild(r)).toEqual({ code: 0, signal: null });
      expect(r.stderr.trim(), describeChild(r)).toBe('');
      // Well within the teardown's 10 s bound for ops it cannot reap.
      expect(r.ms).toBeLessThan(8000);
    },
  );

  it('throws an uncaught exception with I/O in flight: exit code 1 and the error, nothing else', async () => {
    const r = await exitChild('throw');
    expectNoCrash(r);
    expect({ code: r.code, signal: r.signal }, describeChild(r)).toEqual({ code: 1, signal: null });
    expect(r.stderr).toContain('Error: boom-uncaught');
  });

  it('throws from a completion reaction with I/O in flight: exit code 1 and the error, nothing else', async () => {
    const r = await exitChild('throw-in-then');
    expectNoCrash(r);
    expect({ code: r.code, signal: r.signal }, describeChild(r)).toEqual({ code: 1, signal: null });
    expect(r.stderr).toContain('Error: boom-in-then');
  });

  it('is killed with SIGKILL mid-flight without hanging', async () => {
    let killedAt = 0;
    const r = await exitChild('sigkill', {
      onStdout: (text, child) => {
        if (!killedAt && text.includes('"ready":true')) {
          killedAt = Date.now();
          child.kill('SIGKILL');
        }
      },
    });
    expect(killedAt, describeChild(r)).toBeGreaterThan(0);
    expect(r.timedOut, describeChild(r)).toBe(false);
    expect(r.signal).toBe('SIGKILL');
    if (expectedBackend) expect(lastJson(r.stdout)?.backend).toBe(expectedBackend);
  });
});

describe('a process whose loop runs out of work', () => {
  it('exits promptly with code 0 when its rings are alive but idle', async () => {
    const r = await exitChild('idle-end', { timeoutMs: 10_000 });
    expectNoCrash(r);
    expect({ code: r.code, signal: r.signal }, describeChild(r)).toEqual({ code: 0, signal: null });
    expect(r.stderr.trim()).toBe('');
    const out = lastJson(r.stdout);
    expect(out).toMatchObject({ finished: true, bad: false });
    if (expectedBackend) expect(out?.backend).toBe(expectedBackend);
  });

  it('stays alive while ops are in flight, until every one has settled', async () => {
    const r = await exitChild('inflight-end');
    expectNoCrash(r);
    expect({ code: r.code, signal: r.signal }, describeChild(r)).toEqual({ code: 0, signal: null });
    expect(lastJson(r.stdout)).toMatchObject({ finished: true, settled: 20_000, bad: 0 });
  });

  it('stays alive while a read waits on a FIFO, and ends once it has what it waited for', async () => {
    const fifo = newFifo();
    const WANT = 3 * 4096;
    const DELAY = 300;
    let fed = false;
    let feedError: unknown;
    const r = await runNode(CHILD, {
      args: ['inflight-end-fifo', dir, fifo, String(WANT)],
      timeoutMs: 20_000,
      onStdout: (text) => {
        if (fed || !text.includes('"ready":true')) return;
        fed = true;
        // Feed it later, from this process: the child has nothing else to wait for.
        setTimeout(() => {
          try {
            const w = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
            fs.writeSync(w, Buffer.alloc(WANT, 0x42));
            fs.closeSync(w);
          } catch (err) {
            feedError = err;
          }
        }, DELAY);
      },
    });
    expectNoCrash(r);
    expect(feedError, describeChild(r)).toBeUndefined();
    expect({ code: r.code, signal: r.signal }, describeChild(r)).toEqual({ code: 0, signal: null });
    const out = lastJson(r.stdout);
    expect(out, describeChild(r)).toMatchObject({ finished: true, got: WANT, want: WANT, bad: 0 });
    expect(out?.waitedMs as number).toBeGreaterThanOrEqual(DELAY - 50);
  });
});
