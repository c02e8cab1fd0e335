'use strict';
// `npm run test:sanitizers`: the suite against the addon built with
// AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer, on the
// newest Node line.
//
//  1. Builds binding.gyp's Debug configuration (-fsanitize=address,undefined,
//     -fno-sanitize-recover=undefined) from a copy of binding.gyp and native/ in
//     node_modules/.cache/uring-fs-sanitizers, so build/Release is left as it is.
//  2. Runs the whole suite's io_uring pass (strict: nothing may fall back to
//     node:fs, which would not load the addon) with that build in every process
//     (vitest's forks, the fixtures' children, workers) through URING_FS_ADDON,
//     and the ASan runtime preloaded (LD_PRELOAD=libasan.so: node itself is not
//     instrumented). Any ASan or UBSan report aborts the process it happens in,
//     which fails its test.
//  3. LeakSanitizer: test/fixtures/sanitizer-leaks.mjs runs every kind of op,
//     batches, chains, errors, destroy() with I/O in flight and workers
//     terminated mid-flight, then exits normally; a leak fails it. Only Node's
//     own allocations are suppressed (test/support/lsan-node.supp, with the
//     reasons). Leak checking is off in the suite itself: vitest's processes
//     load other native modules (the bundler's) and exit while their own work
//     is in flight, which is not ours to judge.
//
// The Node binary: URING_FS_SANITIZER_NODE, else the newest line (26) from the
// npm registry's node-linux-<arch> package, installed once into
// node_modules/.cache/node-26 (the layout scripts/test-node.js uses).
// Extra arguments go to vitest: npm run test:sanitizers -- test/read.test.ts
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cache = path.join(root, 'node_modules', '.cache');
const NODE_LINE = '26';
const t0 = Date.now();

function log(msg) {
  console.log(`test:sanitizers: ${msg}`);
}

function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function nodeBinary() {
  if (process.env.URING_FS_SANITIZER_NODE) return process.env.URING_FS_SANITIZER_NODE;
  const dir = path.join(cache, `node-${NODE_LINE}`);
  const pkg = `node-linux-${process.arch}`;
  const bin = path.join(dir, 'node_modules', pkg, 'bin', 'node');
  if (fs.existsSync(bin) && (versionOf(bin) ?? '').startsWith(`v${NODE_LINE}.`)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  log(`installing ${pkg}@${NODE_LINE} into ${path.relative(root, dir)}`);
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const r = spawnSync(npm[0], [...npm.slice(1), 'install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', `${pkg}@${NODE_LINE}`], {
    stdio: 'inherit',
    cwd: dir,
  });
  if (r.status !== 0 || !fs.existsSync(bin)) throw new Error(`could not install ${pkg}@${NODE_LINE}`);
  return bin;
}

/** The sanitizer build, rebuilt when binding.gyp or native/ changed since. */
function build() {
  const dir = path.join(cache, 'uring-fs-sanitizers');
  const addon = path.join(dir, 'build', 'Debug', 'uring_fs.node');
  const newest = (p) => {
    const st = fs.statSync(p);
    if (!st.isDirectory()) return st.mtimeMs;
    return Math.max(...fs.readdirSync(p).map((n) => newest(path.join(p, n))));
  };
  const sources = Math.max(newest(path.join(root, 'native')), newest(path.join(root, 'binding.gyp')), newest(path.join(root, 'scripts', 'liburing.js')));
  if (fs.existsSync(addon) && fs.statSync(addon).mtimeMs > sources) return addon;
  log('building the addon with -fsanitize=address,undefined (binding.gyp Debug)');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(root, 'binding.gyp'), path.join(dir, 'binding.gyp'));
  fs.cpSync(path.join(root, 'native'), path.join(dir, 'native'), { recursive: true });
  // binding.gyp asks scripts/liburing.js where liburing is.
  fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  fs.cpSync(path.join(root, 'scripts', 'liburing.js'), path.join(dir, 'scripts', 'liburing.js'));
  // npm's own node-gyp (what `npm ci` built build/Release with), with npm's config (nodedir…).
  const gyp = process.env.npm_config_node_gyp;
  const argv = gyp ? [process.execPath, gyp] : ['node-gyp'];
  execFileSync(argv[0], [...argv.slice(1), 'rebuild', '--debug'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return addon;
}

function main() {
  const node = nodeBinary();
  const addon = build();
  const libasan = execFileSync(process.env.CC || 'gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(libasan)) throw new Error(`libasan not found (${libasan}): install the compiler's sanitizer runtime`);
  const supp = path.join(root, 'test', 'support', 'lsan-node.supp');
  log(`node ${versionOf(node)}, addon ${path.relative(root, addon)}, LD_PRELOAD ${libasan}`);
  const env = {
    ...process.env,
    PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`,
    LD_PRELOAD: libasan,
    // Node installs its own SIGSEGV handler (WebAssembly trap handling).
    ASAN_OPTIONS: 'halt_on_error=1:abort_on_error=1:allow_user_segv_handler=1:detect_leaks=0',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    URING_FS_ADDON: addon,
    URING_FS_STRICT: '1',
    URING_FS_TEST_BACKEND: 'io_uring',
  };
  delete env.URING_FS_BACKEND;
  const suite = spawnSync(node, [path.join(root, 'scripts', 'test.js'), ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
  log(`suite ${suite.status === 0 ? 'passed' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);

  log('leak check (test/fixtures/sanitizer-leaks.mjs, LeakSanitizer on)');
  const leaks = spawnSync(node, [path.join(root, 'test', 'fixtures', 'sanitizer-leaks.mjs')], {
    cwd: root,
    env: {
      ...env,
      ASAN_OPTIONS: 'halt_on_error=1:abort_on_error=1:allow_user_segv_handler=1:detect_leaks=1',
      LSAN_OPTIONS: `suppressions=${supp}:print_suppressions=0`,
    },
    encoding: 'utf8',
    timeout: 300_000,
  });
  process.stdout.write(leaks.stdout ?? '');
  process.stderr.write(leaks.stderr ?? '');
  const leaked = leaks.status !== 0 || /LeakSanitizer|AddressSanitizer|runtime error/.test(leaks.stderr ?? '');
  log(`leak check ${leaked ? `FAILED (exit ${leaks.status}, signal ${leaks.signal})` : 'passed: no leak'}`);
  log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  process.exit(suite.status === 0 && !leaked ? 0 : 1);
}

main();
