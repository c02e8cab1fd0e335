// Garbage collection with ops in flight. vitest's forks do not run with
// --expose-gc, so each scenario runs in a child `node --expose-gc` (the
// fixture test/fixtures/gc-child.mjs, which loads the built package) that
// calls gc() while ops are in flight and reports what it saw.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CRASH, FIXTURES, STRICT, WANT_FS, describeChild, ensureDist, lastJson, runNode, tmpDir } from './fixtures/helpers';

let dir: string;

beforeAll(() => {
  ensureDist();
  dir = tmpDir('gc');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const expectedBackend = WANT_FS ? 'fs' : STRICT ? 'io_uring' : undefined;

async function gcChild(mode: string): Promise<Record<string, any>> {
  const r = await runNode(path.join(FIXTURES, 'gc-child.mjs'), {
    nodeArgs: ['--expose-gc'],
    args: [mode, dir],
    timeoutMs: 40_000,
  });
  const why = describeChild(r);
  expect(r.stderr, why).not.toMatch(CRASH);
  expect({ code: r.code, signal: r.signal }, why).toEqual({ code: 0, signal: null });
  // Nothing on stderr at all: no warnings about stale completions, leaks or teardown.
  expect(r.stderr.trim(), why).toBe('');
  const out = lastJson(r.stdout);
  expect(out, why).not.toBeNull();
  expect(out?.error, why).toBeUndefined();
  expect(out?.finished, why).toBe(true);
  if (expectedBackend) expect(out?.backend).toBe(expectedBackend);
  // Had the kernel written into collected memory, it would show in the garbage.
  expect(out?.garbageCorrupted).toBe(0);
  return out as Record<string, any>;
}

describe('garbage collection with ops in flight', () => {
  it('keeps buffers whose last reference was dropped alive until their reads complete', async () => {
    const out = await gcChild('buffers');
    expect(out.gcRounds).toBeGreaterThanOrEqual(1);
    expect({ settled: out.settledA, ok: out.okA, bad: out.badA, rejected: out.rejectedA }).toEqual({
      settled: 20_000,
      ok: 20_000,
      bad: 0,
      rejected: 0,
    });
    expect(out.dataBad).toBe(0);
    // No buffer was finalized while its read was still pending.
    expect(out.finalizedEarlyA).toBe(0);
    if (out.backend === 'io_uring') {
      // Reads blocked on a FIFO through ten full GCs, then fed.
      expect(out.fifo).toEqual({ bytes: 262144, want: 262144, settled: 64, errors: [], finalizedEarly: 0, keptBad: 0 });
    }
  });

  it('settles ops of rings that nothing references but their promises', async () => {
    const out = await gcChild('ring-dropped');
    expect({ ok: out.ok, bad: out.bad }).toEqual({ ok: 12 * 300 + 1, bad: 0 });
    if (out.backend === 'io_uring') {
      expect(out.fifo).toEqual({ bytes: 65536, want: 65536, settled: 16, errors: [], finalizedEarly: 0, keptBad: 0 });
    }
  });

  it('collects rings dropped while idle, frees their io_urings, and lets the process exit', async () => {
    const out = await gcChild('ring-idle');
    expect(out.finalized).toBe(40);
    if (out.backend === 'io_uring') {
      expect(out.during).toBe(40);
      // Every collected ring closed its io_uring fd (no leak per dropped ring).
      expect(out.after2).toBe(0);
    } else {
      expect(out.during).toBe(0);
    }
  });
});
