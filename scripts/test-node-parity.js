'use strict';
// `npm run test:node-parity`: Node's own fs/promises tests, unmodified
// (test/node-parity/node/test/parallel, see test/node-parity/SOURCES.md), run
// by the running Node three times each:
//
//   node      as they are, on node:fs/promises
//   fs        with uring-fs/promises swapped in (test/node-parity/swap.cjs),
//             on the node:fs backend (URING_FS_BACKEND=fs)
//   io_uring  swapped, on io_uring (URING_FS_STRICT=1: no silent fallback)
//
// A test that passes on node:fs/promises must pass swapped, on both backends;
// one that fails on node:fs/promises on this Node (a vendored file newer or
// older than the running line, a platform condition) is listed as not
// applicable, with the reason (its first error line). Each test gets the
// flags of its `// Flags:` line, as Node's test runner gives them.
//
// test/node-parity/parity.status lists the differences known and not yet
// fixed, each with its reason: such a test failing swapped is reported but
// does not fail the run; one that passes again fails the run until its line is
// removed (so the list cannot go stale).
//
// Exit status 1 when a test passing on node:fs/promises fails swapped (and is
// not listed), when a swapped run shows no evidence that the swap happened, or
// when a listed test passes. Arguments: test names (or parts of them) to run
// only those; -j N for the number of tests run at once (default 2).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const here = path.join(root, 'test', 'node-parity');
const testDir = path.join(here, 'node', 'test', 'parallel');
const preload = path.join(here, 'swap.cjs');
const TIMEOUT_MS = 120_000;
const RETRIES = 2;

const args = process.argv.slice(2);
let jobs = 2;
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-j') jobs = Math.max(1, Number(args[++i]) || 1);
  else filters.push(args[i]);
}

if (!fs.existsSync(path.join(root, 'dist', 'cjs', 'promises', 'index.js'))) {
  console.error('test:node-parity: dist/ is missing: run `npm run build:ts` (npm ci does it)');
  process.exit(2);
}

/** test/node-parity/parity.status: `test-name  reason...` lines; `#` comments. */
function readStatus() {
  const file = path.join(here, 'parity.status');
  const known = new Map();
  if (!fs.existsSync(file)) return known;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(\S+)\s+(?:\[(\S+)\]\s+)?(.*)$/.exec(line);
    if (!m) continue;
    // An optional [major,major] restricts the entry to those Node lines.
    const majors = m[2] ? m[2].split(',') : null;
    if (majors && !majors.includes(process.versions.node.split('.')[0])) continue;
    known.set(m[1].replace(/\.m?js$/, ''), m[3]);
  }
  return known;
}

/** The flags and environment of a Node test's `// Flags:` and `// Env:` lines (tools/test.py). */
function metadata(file) {
  const src = fs.readFileSync(file, 'utf8');
  const flags = [];
  const env = {};
  for (const m of src.matchAll(/^\/\/ Flags:(.*)$/gm)) flags.push(...m[1].trim().split(/\s+/).filter(Boolean));
  for (const m of src.matchAll(/^\/\/ Env:(.*)$/gm)) {
    for (const kv of m[1].trim().split(/\s+/).filter(Boolean)) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  return { flags, env };
}

const MODES = [
  { name: 'node', swapped: false, env: {} },
  { name: 'fs', swapped: true, env: { URING_FS_BACKEND: 'fs' }, backend: 'fs' },
  { name: 'io_uring', swapped: true, env: { URING_FS_STRICT: '1' }, backend: 'io_uring' },
];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-parity-'));
let slot = 0;

function runOne(file, mode) {
  const { flags, env } = metadata(file);
  const id = slot++;
  const testRoot = path.join(work, `t${id}`);
  fs.mkdirSync(testRoot);
  const marker = path.join(work, `marker-${id}`);
  const childEnv = { ...process.env, ...env, ...mode.env, NODE_TEST_DIR: testRoot, URING_FS_PARITY_MARKER: marker };
  if (!mode.swapped) {
    delete childEnv.URING_FS_BACKEND;
    delete childEnv.URING_FS_STRICT;
    delete childEnv.URING_FS_PARITY_MARKER;
  } else if (mode.backend === 'fs') {
    delete childEnv.URING_FS_STRICT;
  } else {
    delete childEnv.URING_FS_BACKEND;
  }
  const argv = [...flags, ...(mode.swapped ? ['--require', preload] : []), file];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: path.join(here, 'node'), env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let ok = code === 0;
      let why = ok ? '' : signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${TIMEOUT_MS / 1000} s?)` : ''}` : firstError(out, code);
      if (mode.swapped) {
        // The evidence that this run really was on uring-fs/promises.
        const lines = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
        const mine = lines.find((l) => l.pid === child.pid);
        if (!mine) {
          ok = false;
          why = `no swap marker from the test process${why ? `; ${why}` : ''}`;
        } else if (mine.backend !== mode.backend) {
          ok = false;
          why = `ran on backend '${mine.backend}', not '${mode.backend}'`;
        } else if (mine.hits.require + mine.hits.property + mine.hits.import === 0) {
          ok = false;
          why = 'the test never obtained fs/promises: nothing was swapped';
        }
      }
      fs.rmSync(testRoot, { recursive: true, force: true });
      fs.rmSync(marker, { force: true });
      resolve({ ok, why, out });
    });
  });
}

/** The line that says why a test failed: the first assertion or error message. */
function firstError(out, code) {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  const pick =
    lines.find((l) => /^(\[?\w*Error|AssertionError|TypeError|Error \[|Mismatched|Uncaught|Using invalid common property)/.test(l)) ??
    lines.find((l) => /Error|assert|must/i.test(l)) ??
    lines[lines.length - 1] ??
    '';
  return `exit ${code}: ${pick.slice(0, 160)}`;
}

async function main() {
  const known = readStatus();
  const files = fs
    .readdirSync(testDir)
    .filter((f) => /^test-.*\.m?js$/.test(f))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  const t0 = Date.now();
  const results = new Array(files.length);
  let next = 0;
  async function worker() {
    while (next < files.length) {
      const i = next++;
      const file = path.join(testDir, files[i]);
      const r = {};
      for (const mode of MODES) {
        // A failure is run again (twice at most), as Node's own CI does for
        // its flaky tests: some of these depend on timing (a gc() 10 ms in),
        // which a loaded machine can miss on node:fs/promises itself. A pass
        // on a retry is reported as one, with the failures before it.
        let res = await runOne(file, mode);
        const failed = [];
        while (!res.ok && failed.length < RETRIES) {
          failed.push(res.why);
          res = await runOne(file, mode);
        }
        if (res.ok && failed.length) res.flaky = failed;
        r[mode.name] = res;
      }
      results[i] = r;
      const mark = (x) => (x.ok ? (x.flaky ? 'pass (retried)' : 'pass') : 'FAIL');
      console.log(`  ${files[i]}: node ${mark(r.node)}, fs ${mark(r.fs)}, io_uring ${mark(r.io_uring)}`);
    }
  }
  console.log(`node-parity: ${files.length} Node tests on Node ${process.version}, ${jobs} at a time`);
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));

  const rows = [];
  const notApplicable = [];
  const failures = [];
  const knownFailing = [];
  const stale = [];
  const flaky = [];
  let passed = 0;
  for (let i = 0; i < files.length; i++) {
    const name = files[i].replace(/\.m?js$/, '');
    const r = results[i];
    const swappedOk = r.fs.ok && r.io_uring.ok;
    let verdict;
    if (!r.node.ok) {
      verdict = 'not applicable';
      notApplicable.push(`${files[i]}: fails on node:fs/promises itself (${r.node.why})`);
    } else if (swappedOk) {
      verdict = 'parity';
      passed++;
      if (known.has(name)) stale.push(`${files[i]}: listed in parity.status but passes on both backends: remove its line`);
    } else if (known.has(name)) {
      verdict = 'known difference';
      knownFailing.push(`${files[i]}: ${known.get(name)}` + `\n      fs: ${r.fs.ok ? 'pass' : r.fs.why}\n      io_uring: ${r.io_uring.ok ? 'pass' : r.io_uring.why}`);
    } else {
      verdict = 'PARITY FAILURE';
      failures.push(
        `${files[i]}\n      fs: ${r.fs.ok ? 'pass' : r.fs.why}\n      io_uring: ${r.io_uring.ok ? 'pass' : r.io_uring.why}`,
      );
    }
    const cell = (x) => (x.ok ? (x.flaky ? `pass, retried ${x.flaky.length}` : 'pass') : 'fail');
    rows.push([files[i], cell(r.node), cell(r.fs), cell(r.io_uring), verdict]);
    for (const m of MODES) if (r[m.name].flaky) flaky.push(`${files[i]} (${m.name}): passed after ${r[m.name].flaky.map((w) => `[${w}]`).join(', ')}`);
  }

  const head = ['test', 'node:fs/promises', 'swapped, fs', 'swapped, io_uring', 'verdict'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const fmt = (row) => `| ${row.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  console.log(`\n${fmt(head)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const row of rows) console.log(fmt(row));

  const applicable = files.length - notApplicable.length;
  if (notApplicable.length) console.log(`\nNot applicable on Node ${process.version} (failing on node:fs/promises itself):\n  ${notApplicable.join('\n  ')}`);
  if (flaky.length) console.log(`\nPassed on a retry (timing-dependent tests on a loaded machine):\n  ${flaky.join('\n  ')}`);
  if (knownFailing.length) console.log(`\nKnown differences (test/node-parity/parity.status):\n  ${knownFailing.join('\n  ')}`);
  if (stale.length) console.log(`\nStale parity.status entries:\n  ${stale.join('\n  ')}`);
  if (failures.length) {
    console.log(`\nParity failures (pass on node:fs/promises, fail on uring-fs/promises):\n  ${failures.join('\n  ')}`);
    if (process.env.URING_FS_PARITY_VERBOSE) {
      for (let i = 0; i < files.length; i++) {
        for (const m of ['fs', 'io_uring']) if (results[i].node.ok && !results[i][m].ok) console.log(`\n--- ${files[i]} (${m}) ---\n${results[i][m].out}`);
      }
    }
  }
  console.log(
    `\nnode-parity on Node ${process.version}: ${passed} of ${applicable} applicable Node tests pass on uring-fs/promises on both backends ` +
      `(${files.length} vendored, ${notApplicable.length} not applicable, ${knownFailing.length} known differences), ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  // The closing count: known differences (listed, reported above) count with
  // the not applicable ones as skipped; failed is what fails the run.
  console.log(`parity: ${passed} passed, ${failures.length + stale.length} failed, ${notApplicable.length + knownFailing.length} skipped`);
  fs.rmSync(work, { recursive: true, force: true });
  if (process.env.URING_FS_PARITY_SUMMARY) {
    fs.appendFileSync(
      process.env.URING_FS_PARITY_SUMMARY,
      `node-parity (Node ${process.version}): ${passed} of ${applicable} applicable pass swapped, ${failures.length} failures, ${knownFailing.length} known, ${notApplicable.length} n/a\n`,
    );
  }
  process.exit(failures.length || stale.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
