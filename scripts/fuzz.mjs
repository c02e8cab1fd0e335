#!/usr/bin/env node
// npm run fuzz: a seeded differential fuzzer, the Ring against node:fs.
//
// Random sequences of every Ring op (open with every flag kind, close, read,
// write, readv, writev at positions before, at and past EOF, current-position
// I/O, bigint and invalid positions, zero lengths, every view kind; fsync,
// fdatasync, stat, lstat, fstat, ftruncate, fallocate, unlink, rmdir, mkdir,
// rename, nop, readFile, readMany, writeMany; batches mixing valid and invalid
// entries, linked and not; closes and reopens) run on three twin file sets:
// the Ring, node:fs callbacks and node:fs/promises. Every result, error, view
// byte, fd position and flag, and every file of the tree is compared after
// every step (scripts/lib/fuzz.mjs says how). A mismatch is minimised to the
// fewest steps that still fail, printed, and saved for --replay.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { Fuzzer, describeStep } from './lib/fuzz.mjs';
import { fmtInt, loadPackage, rng, seedOf } from './lib/reliability.mjs';

const HELP = `Usage: npm run fuzz -- [options]     (or: node scripts/fuzz.mjs [options])

  --steps N        steps to run in all (K/M suffixes) [10K]
  --seed N         base seed; episode i runs with a seed derived from it [random]
  --episode N      steps per episode (each starts from fresh twin trees and a new ring) [100]
  --backend B      the Ring's backend: io_uring or fs [as URING_FS_BACKEND, else io_uring]
  --keep-going     count every mismatching episode instead of stopping at the first
  --no-minimise    print a failing episode as it is
  --replay FILE    run the steps in FILE (written by an earlier failure) and report
  --only SEED      run just the episode with this seed (as printed), --episode steps long
  --package DIR    fuzz the build in DIR (its dist/ and addon) instead of this checkout's
  --splits         print every step where node:fs's callbacks and promises disagree
  --invalid X      how often arguments are invalid, relative to the default rates [1]
  --json           print the summary as one JSON line too
`;

function count(text) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(text));
  if (!m) throw new Error(`not a number: ${text}`);
  return Math.round(Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6));
}

const { values: o } = parseArgs({
  options: {
    steps: { type: 'string', default: '10K' },
    seed: { type: 'string' },
    episode: { type: 'string', default: '100' },
    backend: { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
    'no-minimise': { type: 'boolean', default: false },
    replay: { type: 'string' },
    only: { type: 'string' },
    package: { type: 'string' },
    splits: { type: 'boolean', default: false },
    invalid: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const pkg = o.package ? createRequire(import.meta.url)(path.resolve(o.package, 'dist/cjs/index.js')) : loadPackage();
const backend = o.backend ?? (process.env.URING_FS_BACKEND === 'fs' ? 'fs' : undefined);
const fuzzer = new Fuzzer(pkg, { backend, invalid: Number(o.invalid) });
const probe = new pkg.Ring(backend ? { backend } : {});
const actualBackend = probe.backend;
await probe.destroy();

async function report(seed, res, entries) {
  let { steps, mismatch } = res;
  if (!o['no-minimise']) {
    process.stdout.write(`fuzz: mismatch at step ${mismatch.index + 1} of episode seed ${seed}; minimising ${mismatch.index + 1} steps…\n`);
    const min = await fuzzer.minimise(seed, steps, mismatch, entries);
    if (min.mismatch) ({ steps, mismatch } = min);
  }
  const file = path.join(os.tmpdir(), `uring-fs-fuzz-${seed}.json`);
  fs.writeFileSync(file, JSON.stringify({ seed, entries, backend: actualBackend, steps: steps.slice(0, mismatch.index + 1) }, null, 1));
  process.stdout.write(`fuzz: MISMATCH (episode seed ${seed}, ring entries ${entries}, backend ${actualBackend}), ${mismatch.index + 1} steps:\n`);
  steps.slice(0, mismatch.index + 1).forEach((s, i) => process.stdout.write(`  ${i + 1}. ${describeStep(s)}\n`));
  process.stdout.write(`  → ${mismatch.what}\n  replay: node scripts/fuzz.mjs --replay ${file}\n`);
}

const t0 = Date.now();
let stepsRun = 0;
let episodes = 0;
const mismatches = [];
const splits = [];
const known = new Map();

if (o.replay) {
  const saved = JSON.parse(fs.readFileSync(o.replay, 'utf8'));
  const res = await fuzzer.episode({ seed: saved.seed, steps: saved.steps, entries: saved.entries });
  stepsRun = res.steps.length;
  episodes = 1;
  if (res.mismatch) {
    mismatches.push(saved.seed);
    process.stdout.write(`fuzz: replay still fails at step ${res.mismatch.index + 1}: ${res.mismatch.what}\n`);
  } else {
    process.stdout.write('fuzz: replay passes\n');
  }
} else {
  const STEPS = count(o.steps);
  const PER = count(o.episode);
  const BASE = seedOf(o.seed);
  const seeds = rng(BASE);
  let nextReport = Date.now() + 10_000;
  while (stepsRun < STEPS) {
    const seed = o.only !== undefined ? Number(o.only) : Math.floor(seeds.next() * 2 ** 31);
    const res = await fuzzer.episode({ seed, count: Math.min(PER, STEPS - stepsRun) });
    episodes++;
    stepsRun += res.steps.length;
    if (res.split) {
      splits.push({ seed, op: res.split.step.op, what: res.split.what });
      if (o.splits) process.stdout.write(`fuzz: node:fs split (episode ${seed}): ${JSON.stringify(res.split.step)}\n  → ${res.split.what}\n`);
    }
    if (res.known) known.set(res.known.id, (known.get(res.known.id) ?? 0) + 1);
    if (res.mismatch) {
      mismatches.push(seed);
      await report(seed, res, res.entries);
      if (!o['keep-going']) break;
    }
    if (o.only !== undefined) break;
    if (Date.now() > nextReport) {
      nextReport = Date.now() + 10_000;
      process.stderr.write(`fuzz: ${fmtInt(stepsRun)} steps, ${episodes} episodes, ${mismatches.length} mismatches\n`);
    }
  }
}
await fuzzer.close();

const seconds = (Date.now() - t0) / 1000;
const summary = {
  ok: mismatches.length === 0,
  backend: actualBackend,
  node: process.version,
  seed: o.seed ?? null,
  steps: stepsRun,
  episodes,
  mismatches: mismatches.length,
  mismatchSeeds: mismatches,
  known: Object.fromEntries(known),
  nodeSplits: splits.length,
  splitKinds: [...new Set(splits.map((s) => s.what.split(' vs ')[0].slice(0, 80)))].slice(0, 10),
  seconds,
};
process.stdout.write(
  `fuzz ${summary.ok ? 'OK' : 'FAILED'}: ${fmtInt(stepsRun)} steps in ${episodes} episodes on ${actualBackend} (Node ${process.version}), ` +
    `${mismatches.length} mismatches with node:fs` +
    (known.size ? ` (and ${[...known].map(([id, n]) => `${n} × known ${id}`).join(', ')})` : '') +
    `; node:fs's callbacks and promises disagreed ${splits.length} times ` +
    `(those episodes end there); ${seconds.toFixed(1)} s\n`,
);
if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = summary.ok ? 0 : 1;
