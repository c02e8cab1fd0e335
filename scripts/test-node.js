'use strict';
// `npm run test:node -- 22 24 26`: the whole suite (`npm test`: both backends) once per
// Node line, each run by that line's own binary. The binaries come from the npm
// registry's `node-linux-<arch>@<major>` packages (the official build, `bin/node`
// inside), installed once into node_modules/.cache/node-<major>; nothing else is
// downloaded. The addon is Node-API, so the one build serves every line.
//
// Without arguments: every supported line (README Requirements, package.json `engines`).
// After each line's suite, Node's own fs/promises tests on that line, plain and
// swapped to uring-fs/promises (scripts/test-node-parity.js), unless vitest
// arguments were given or URING_FS_NODE_PARITY=0.
// Extra arguments after `--` go on to vitest, as with `npm test`:
//   npm run test:node -- 24 -- test/read.test.ts
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const SUPPORTED = ['20', '22', '24', '26'];

const args = process.argv.slice(2);
const sep = args.indexOf('--');
const majors = sep === -1 ? args : args.slice(0, sep);
const passOn = sep === -1 ? [] : args.slice(sep + 1);
for (const m of majors) {
  if (!/^\d+$/.test(m)) {
    console.error(`test:node: "${m}" is not a Node major version (e.g. 22)`);
    process.exit(2);
  }
}
const lines = majors.length > 0 ? majors : SUPPORTED;
// The Node-parity run (test/node-parity) follows each line's suite, unless
// vitest was given arguments (one file while iterating) or
// URING_FS_NODE_PARITY=0.
const parity = passOn.length === 0 && process.env.URING_FS_NODE_PARITY !== '0';

if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
  console.error(`test:node: no node-${process.platform}-${process.arch} package to test with`);
  process.exit(2);
}
const pkg = `node-linux-${process.arch}`;

function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The binary of Node `major`, installed from the registry into the cache if needed. */
function nodeBinary(major) {
  const dir = path.join(root, 'node_modules', '.cache', `node-${major}`);
  const bin = path.join(dir, 'node_modules', pkg, 'bin', 'node');
  const have = fs.existsSync(bin) ? versionOf(bin) : null;
  if (have && have.startsWith(`v${major}.`)) return { bin, version: have };
  fs.mkdirSync(dir, { recursive: true });
  console.log(`test:node: installing ${pkg}@${major} into ${path.relative(root, dir)}`);
  // The npm that runs this script, whichever way it was started.
  const npm = process.env.npm_execpath
    ? [process.execPath, process.env.npm_execpath]
    : ['npm'];
  const r = spawnSync(
    npm[0],
    [...npm.slice(1), 'install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund',
      '--ignore-scripts', `${pkg}@${major}`],
    { stdio: 'inherit', cwd: dir },
  );
  const version = r.status === 0 && fs.existsSync(bin) ? versionOf(bin) : null;
  if (!version || !version.startsWith(`v${major}.`)) {
    throw new Error(`could not install ${pkg}@${major} (npm exited ${r.status}; got ${version ?? 'no binary'})`);
  }
  return { bin, version };
}

const summary = [];
let status = 0;
const t0 = Date.now();
for (const major of lines) {
  let node;
  try {
    node = nodeBinary(major);
  } catch (err) {
    console.error(`test:node: ${err.message}`);
    summary.push({ major, version: `v${major}`, lines: ['not run: no binary'], seconds: 0 });
    status = 1;
    continue;
  }
  console.log(`\n######## Node ${node.version} (${path.relative(root, node.bin)}) ########`);
  const start = Date.now();
  // The binary's directory first on PATH, so anything the suite starts as `node`
  // (child processes, workers' helpers) runs on the same line.
  const env = { ...process.env, PATH: `${path.dirname(node.bin)}${path.delimiter}${process.env.PATH ?? ''}` };
  const summaryFile = path.join(os.tmpdir(), `uring-fs-test-node-${process.pid}-${major}.txt`);
  fs.rmSync(summaryFile, { force: true });
  const r = spawnSync(node.bin, [path.join(__dirname, 'test.js'), ...passOn], {
    cwd: root,
    env: { ...env, URING_FS_TEST_SUMMARY: summaryFile },
    stdio: 'inherit',
  });
  let totals = [];
  try {
    totals = fs.readFileSync(summaryFile, 'utf8').trim().split('\n');
    fs.rmSync(summaryFile, { force: true });
  } catch {
    // test.js did not get as far as its summary
  }
  if (r.status !== 0) status = r.status || 1;
  if (totals.length === 0) totals.push(`no results (exit ${r.status})`);
  if (parity) {
    // Node's own fs/promises tests, on node:fs/promises and swapped to
    // uring-fs/promises, on this line (scripts/test-node-parity.js).
    console.log(`\n######## Node ${node.version}: node-parity ########`);
    const paritySummary = path.join(os.tmpdir(), `uring-fs-parity-${process.pid}-${major}.txt`);
    fs.rmSync(paritySummary, { force: true });
    const p = spawnSync(node.bin, [path.join(__dirname, 'test-node-parity.js')], {
      cwd: root,
      env: { ...env, URING_FS_PARITY_SUMMARY: paritySummary },
      stdio: 'inherit',
    });
    let line = `node-parity: no results (exit ${p.status})`;
    try {
      line = fs.readFileSync(paritySummary, 'utf8').trim();
      fs.rmSync(paritySummary, { force: true });
    } catch {
      // the runner did not get as far as its summary
    }
    totals.push(line);
    if (p.status !== 0) status = p.status || 1;
  }
  summary.push({ major, version: node.version, lines: totals, seconds: (Date.now() - start) / 1000 });
}

console.log('\n######## test:node summary ########');
for (const s of summary) {
  console.log(`Node ${s.version} (${s.seconds.toFixed(0)} s)`);
  for (const l of s.lines) console.log(`  ${l}`);
}
console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s, ${status === 0 ? 'all green' : 'FAILED'}`);
process.exit(status);
