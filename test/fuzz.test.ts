// The differential fuzzer (scripts/fuzz.mjs, `npm run fuzz`), short: random
// sequences of every Ring op on twin file sets, the Ring against node:fs
// callbacks and node:fs/promises, every result, error, view byte, fd position
// and file compared after every step (scripts/lib/fuzz.mjs). A mismatch fails
// with the minimised sequence and the command that replays it. Also shows the
// fuzzer sees a difference when there is one.

import { afterAll, describe, expect, it } from 'vitest';

import { Ring, readFile } from '../src/index';
import { Fuzzer, KNOWN, describeStep } from '../scripts/lib/fuzz.mjs';
import { rng } from '../scripts/lib/reliability.mjs';

const fuzzer = new Fuzzer({ Ring, readFile });
afterAll(() => fuzzer.close());

const STEPS = 1500;
// A fixed base seed, so the suite (and CI) is reproducible; URING_FS_FUZZ_SEED=random
// (or a number) explores, as `npm run fuzz` does for as long as asked.
const seedEnv = process.env.URING_FS_FUZZ_SEED;
const base = seedEnv === 'random' ? Math.floor(Math.random() * 2 ** 31) : seedEnv ? Number(seedEnv) : 20261207;

describe('differential fuzz against node:fs (short)', () => {
  it(`${STEPS} steps match node:fs (base seed ${base})`, async () => {
    const seeds = rng(base);
    let steps = 0;
    const known: string[] = [];
    while (steps < STEPS) {
      const seed = Math.floor(seeds.next() * 2 ** 31);
      const res = await fuzzer.episode({ seed, count: Math.min(100, STEPS - steps) });
      steps += res.steps.length;
      if (res.known) known.push(res.known.id);
      if (res.mismatch) {
        const min = await fuzzer.minimise(seed, res.steps, res.mismatch, res.entries);
        const m = min.mismatch ?? res.mismatch;
        const list = (min.mismatch ? min.steps : res.steps).slice(0, m.index + 1);
        expect.fail(
          `mismatch with node:fs (episode seed ${seed}, ring entries ${res.entries}), ${list.length} steps:\n` +
            `${list.map((s: unknown, i: number) => `  ${i + 1}. ${describeStep(s)}`).join('\n')}\n  → ${m.what}\n` +
            `  replay: npm run fuzz -- --only ${seed} --episode 100`,
        );
      }
    }
    expect(steps).toBe(STEPS);
    // Known, reported bugs end an episode without failing the run; they must be known ones.
    for (const id of known) expect(KNOWN.map((k: { id: string }) => k.id)).toContain(id);
  }, 120_000);

  it('sees a difference: a Ring whose read reports one byte less', async () => {
    class Lying extends Ring {}
    (Lying.prototype as unknown as { read: unknown }).read = async function (this: Ring, ...args: unknown[]) {
      const n = await (Ring.prototype.read as (...a: unknown[]) => Promise<number>).apply(this, args);
      return n > 0 ? n - 1 : n;
    };
    const liar = new Fuzzer({ Ring: Lying, readFile });
    try {
      const steps = [
        { op: 'open', path: { str: 'f0' }, flags: 'r', mode: { $u: 1 } },
        { op: 'read', fd: { slot: 0 }, view: { k: 'buf', len: 16, off: 0, pad: 0 }, pos: 0 },
      ];
      const res = await liar.episode({ seed: 1, steps, entries: 8 });
      expect(res.mismatch?.index).toBe(1);
      expect(res.mismatch?.what).toMatch(/^value: ring 15 vs callbacks 16/);
    } finally {
      await liar.close();
    }
  });
});
