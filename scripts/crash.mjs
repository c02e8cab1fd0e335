#!/usr/bin/env node
// npm run crash: kill the soak with SIGKILL at a random moment, then check the
// files it left with fio's verify_policy=fsynced rule: every write
// acknowledged before the last completed fsync of its file reads back intact.
//
// The soak (scripts/soak.mjs --ledger) logs, with a synchronous write(2) each,
// every block version it is about to submit (W), every write acknowledged (A),
// every fsync or fdatasync issued (S) and completed (D). For each block:
//   durable  = the newest version acknowledged before an fsync of its file was
//              issued, where that fsync completed (fio's fsynced rule);
//   acked    = the newest version acknowledged at all (a process kill loses
//              nothing that reached the page cache, so this holds too);
//   submitted= the newest version handed to the ring.
// The block must be intact (its body matches its header: not torn, not another
// block's data) and hold a version v with max(durable, acked) <= v <= submitted.
// Each run uses its own seed (base seed + run) for the soak's schedule and the
// moment of the kill; a failing run prints its seed and the command that
// reproduces it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { killedSoak } from './lib/crash-check.mjs';
import { fmtInt, seedOf } from './lib/reliability.mjs';

const HELP = `Usage: npm run crash -- [options]    (or: node scripts/crash.mjs [options])

  --runs N         kill-and-verify rounds [20]
  --seed N         base seed: run i uses seed N+i [random]
  --min-ms MS      earliest kill, after the soak is ready [20]
  --max-ms MS      latest kill [1500]
  --qd N           the soak's queue depth [32]
  --files N        the soak's files [4]
  --blocks N       blocks per file [128]
  --dir DIR        where the runs' files go [$TMPDIR]
  --json           print the summary as one JSON line too
`;

const { values: o } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    seed: { type: 'string' },
    'min-ms': { type: 'string', default: '20' },
    'max-ms': { type: 'string', default: '1500' },
    qd: { type: 'string', default: '32' },
    files: { type: 'string', default: '4' },
    blocks: { type: 'string', default: '128' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const RUNS = Number(o.runs);
const BASE = seedOf(o.seed);
const MIN_MS = Number(o['min-ms']);
const MAX_MS = Number(o['max-ms']);

async function main() {
  const base = fs.mkdtempSync(path.join(o.dir ?? os.tmpdir(), 'uring-fs-crash-'));
  const results = [];
  const t0 = Date.now();
  for (let i = 0; i < RUNS; i++) {
    const seed = (BASE + i) >>> 0;
    const res = await killedSoak(seed, base, { minMs: MIN_MS, maxMs: MAX_MS, qd: o.qd, files: o.files, blocks: o.blocks });
    results.push(res);
    const line = res.ok
      ? `crash run ${i + 1}/${RUNS} seed ${seed}: killed after ${res.killAfterMs} ms; ${fmtInt(res.acks)} writes acknowledged, ${res.fsyncsDone} fsyncs completed, ${res.durableBlocks}/${res.blocks} blocks with a fsynced version: all intact`
      : `crash run ${i + 1}/${RUNS} seed ${seed}: FAILED (killed after ${res.killAfterMs} ms): ${res.bad.length} violations`;
    process.stdout.write(`${line}\n`);
    if (!res.ok) {
      for (const b of res.bad.slice(0, 10)) process.stdout.write(`  ${b}\n`);
      process.stdout.write(`  reproduce: node scripts/crash.mjs --runs 1 --seed ${seed} --min-ms ${res.killAfterMs} --max-ms ${res.killAfterMs}\n`);
    }
  }
  const failedRuns = results.filter((r) => !r.ok);
  // Keep the files of a failed run for a look; clean up otherwise.
  if (failedRuns.length === 0) fs.rmSync(base, { recursive: true, force: true });
  const summary = {
    ok: failedRuns.length === 0,
    runs: RUNS,
    baseSeed: BASE,
    failed: failedRuns.map((r) => r.seed),
    acknowledgedWrites: results.reduce((s, r) => s + (r.acks ?? 0), 0),
    fsyncsCompleted: results.reduce((s, r) => s + (r.fsyncsDone ?? 0), 0),
    seconds: (Date.now() - t0) / 1000,
    kept: failedRuns.length ? base : null,
  };
  process.stdout.write(
    `crash ${summary.ok ? 'OK' : 'FAILED'}: ${RUNS} runs killed with SIGKILL (seeds ${BASE}..${BASE + RUNS - 1}), ` +
      `${fmtInt(summary.acknowledgedWrites)} acknowledged writes and ${fmtInt(summary.fsyncsCompleted)} completed fsyncs checked; ` +
      `${failedRuns.length} runs with violations${summary.kept ? ` (files kept in ${summary.kept})` : ''}\n`,
  );
  if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.ok ? 0 : 1;
}

await main();
