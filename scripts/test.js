'use strict';
// `npm test`: the whole suite twice, once on io_uring and once on the node:fs
// backend (URING_FS_BACKEND=fs), then one line per backend and one with the totals.
// Extra arguments go to vitest (e.g. `npm test -- test/read.test.ts`).
//
// The io_uring pass is strict (URING_FS_STRICT=1) wherever it runs: a machine where
// io_uring cannot be set up fails that pass loudly instead of reporting it green with
// every test run on node:fs. `npm run test:fallback` runs only the node:fs pass.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-test-'));
const passes = [
  { name: 'io_uring', env: { URING_FS_STRICT: '1' } },
  { name: 'fs', env: { URING_FS_BACKEND: 'fs' } },
];
const only = process.env.URING_FS_TEST_BACKEND;
let status = 0;
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const pass of passes) {
  if (only && only !== pass.name) continue;
  const json = path.join(out, `${pass.name}.json`);
  console.log(`\n=== uring-fs tests, backend: ${pass.name} ===`);
  const r = spawnSync(
    process.execPath,
    [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...pass.env } },
  );
  if (r.status !== 0) status = r.status || 1;
  try {
    const res = JSON.parse(fs.readFileSync(json, 'utf8'));
    const skipped = res.numPendingTests + (res.numTodoTests || 0);
    totals.passed += res.numPassedTests;
    totals.failed += res.numFailedTests;
    totals.skipped += skipped;
    // Files that fail to load count no tests; say so rather than hide them.
    const broken = (res.testResults || []).filter((f) => f.status === 'failed' && (f.assertionResults || []).length === 0).length;
    lines.push(
      `backend ${pass.name} (Node ${process.version}): ${res.numPassedTests} passed, ${res.numFailedTests} failed, ${skipped} skipped` +
        (broken ? `, ${broken} file(s) failed to run` : ''),
    );
    if (res.numTotalTests === 0) status = status || 1;
  } catch {
    lines.push(`backend ${pass.name} (Node ${process.version}): no results`);
    status = status || 1;
  }
}
fs.rmSync(out, { recursive: true, force: true });
console.log(`\n${lines.join('\n')}`);
// scripts/test-node.js collects these lines from every Node line it runs.
if (process.env.URING_FS_TEST_SUMMARY) fs.appendFileSync(process.env.URING_FS_TEST_SUMMARY, `${lines.join('\n')}\n`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status);
