// The soak (scripts/soak.mjs, `npm run soak`), short: mixed reads, writes,
// readv, writev, fsyncs, batches, chains and current-position I/O at queue
// depth 64 through the built package, every block read checked against the
// version the soak wrote, every op settled exactly once (counted where the
// engine settles it), no fd or io_uring instance left behind. And the soak's
// own instruments, shown to catch what they are there to catch.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';

import { Ring } from '../src/index';
import { kEngine } from '../src/ops/define';
import { NopOp } from '../src/ops/nop';
import { Op } from '../src/ops/op';
import { checkBlock, decodeBlock, installSettleCounter, makeBlocks, processCounts } from '../scripts/lib/reliability.mjs';
import { CRASH, ROOT, WANT_FS, describeChild, ensureDist, lastJson, runNode } from './fixtures/helpers';

beforeAll(() => {
  ensureDist();
});

describe('npm run soak (short)', () => {
  const seed = Math.floor(Math.random() * 2 ** 31);
  it(`30,000 ops, every read verified, every op settled once, nothing leaked (seed ${seed})`, async () => {
    const r = await runNode(path.join(ROOT, 'scripts/soak.mjs'), {
      args: ['--ops', '30K', '--qd', '64', '--seed', String(seed), '--sample-ms', '250', '--json'],
      timeoutMs: 120_000,
    });
    const why = describeChild(r);
    expect(r.stderr, why).not.toMatch(CRASH);
    const s = lastJson(r.stdout) as Record<string, any> | null;
    expect(s, why).not.toBeNull();
    expect(s, why).toMatchObject({
      mismatches: 0,
      errors: 0,
      stuck: 0,
      neverSettled: 0,
      engineUnsettled: 0,
      doubleSettles: 0,
      staleCompletions: 0,
      finalBad: 0,
      problems: [],
    });
    expect(s!.ops).toBeGreaterThanOrEqual(30_000);
    expect(s!.readsVerified, why).toBeGreaterThan(10_000);
    for (const kind of ['read', 'write', 'readv', 'writev', 'batch', 'chain', 'cursor-read', 'cursor-write', 'open', 'close']) {
      expect(s!.byKind[kind], `${kind} ops`).toBeGreaterThan(0);
    }
    expect(s!.fds.after, why).toBe(s!.fds.before);
    expect(s!.rings.after, why).toBe(s!.rings.before);
    expect(s!.rings.max, why).toBe(s!.rings.before + (WANT_FS ? 0 : 1));
    expect(s!.ok, why).toBe(true);
    expect(r.code, why).toBe(0);
  });
});

describe("the soak's instruments", () => {
  let uninstall: (() => void) | undefined;
  afterEach(() => {
    uninstall?.();
    uninstall = undefined;
  });

  it('the settle counter sees an op settled twice, which its promise would hide', async () => {
    const settles = installSettleCounter(Op);
    uninstall = settles.uninstall;
    const ring = new Ring();
    try {
      const op = new NopOp();
      const done = ring[kEngine].run(op);
      await done;
      expect(settles).toMatchObject({ armed: 1, settled: 1, doubles: 0 });
      // What a bug in the engine would do: settle it again. The promise cannot tell.
      // (A resolve: a second reject would leave an unhandled rejection behind.)
      op.resolve('late' as never);
      await expect(done).resolves.toBeUndefined();
      expect(settles).toMatchObject({ armed: 1, settled: 1, doubles: 1 });
      expect(settles.examples[0]).toMatch(/NopOp \(nop, fd -1\) settled 2 times, the last by resolve\(late\)/);
      // Batches and chains assign their own settle functions: counted the same way.
      await ring.batch([{ op: 'nop' }, { op: 'nop' }]);
      await ring.batch([{ op: 'nop' }, { op: 'nop' }], { link: true });
      expect(settles).toMatchObject({ armed: 5, settled: 5, doubles: 1 });
    } finally {
      await ring.destroy();
    }
  });

  it('a block says which file, block and version it is, and a wrong, misplaced or torn one is caught', () => {
    const bs = 4096;
    const data = makeBlocks(bs, 2, 10, [7, 8]);
    expect(decodeBlock(data, 0, bs)).toEqual({ magic: true, f: 2, b: 10, v: 7, intact: true });
    expect(checkBlock(data, bs, bs, 2, 11, 8)).toBeNull();
    expect(checkBlock(data, 0, bs, 2, 10, 8)).toBe('file 2 block 10: want version 8, found file 2 block 10 version 7');
    expect(checkBlock(data, 0, bs, 2, 11, 7)).toBe('file 2 block 11: want version 7, found file 2 block 10 version 7');
    data[bs + 1000] ^= 1;
    expect(checkBlock(data, bs, bs, 2, 11, 8)).toBe('file 2 block 11 version 8: torn (word 250 differs)');
    expect(checkBlock(new Uint8Array(bs), 0, bs, 0, 0, 0)).toMatch(/no block header/);
  });

  it('counts io_uring instances among the open fds', async () => {
    const before = processCounts();
    const ring = new Ring();
    const during = processCounts();
    await ring.destroy();
    const after = processCounts();
    expect(during.rings).toBe(before.rings + (ring.backend === 'io_uring' ? 1 : 0));
    expect(after.rings).toBe(before.rings);
    expect(after.fds).toBe(before.fds);
  });
});
