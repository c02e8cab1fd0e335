'use strict';
// The package's install script. Nothing depends on it running: with
// --ignore-scripts, pnpm 10's defaults or npm 12's, the prebuild inside the
// package is found at run time (src/binding.ts).
//
// As someone's dependency it never fails the install:
//   - a prebuild for this platform that loads here: nothing to do;
//   - else, on Linux, a source build with node-gyp when liburing's headers,
//     pkg-config, a compiler, make and python3 are all there (never a
//     download: Node's own headers are used where it ships them);
//   - else (or if that build fails) one notice, and uring-fs runs on node:fs,
//     saying why and how to fix it.
//
// In a clone of the repository (`npm ci` in a git checkout) it builds the
// contributor addon in build/ and fails loudly when it cannot. Missing build
// tools or liburing-dev are installed with apt-get when running as root on
// Debian/Ubuntu, as a fresh CI machine is; otherwise it stops with the one
// command to run. It never installs system packages for a dependency.

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const liburing = require('./liburing');

const ROOT = path.join(__dirname, '..');

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function isContributorCheckout() {
  if (ROOT.split(path.sep).includes('node_modules')) return false;
  // pacote builds git dependencies in a clone under npm's cache.
  if (ROOT.split(path.sep).includes('_cacache')) return false;
  if (!fs.existsSync(path.join(ROOT, '.git'))) return false;
  const initCwd = process.env.INIT_CWD;
  return !initCwd || path.resolve(initCwd) === ROOT;
}

function runningLibc() {
  try {
    const head = Buffer.alloc(4096);
    const fd = fs.openSync('/proc/self/exe', 'r');
    const n = fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    return head.subarray(0, n).includes('/ld-musl-') ? 'musl' : 'glibc';
  } catch {
    return 'glibc';
  }
}

/** The prebuild for this machine if it loads in this very Node, else why not. */
function prebuild() {
  const libc = process.platform === 'linux' ? runningLibc() : 'unknown';
  const file = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`, `uring-fs.${libc}.node`);
  if (!fs.existsSync(file)) return { ok: false, why: `no prebuilt addon for ${process.platform}-${process.arch} (${libc})` };
  try {
    require(file);
    return { ok: true, file };
  } catch (err) {
    return { ok: false, why: `the prebuilt addon does not load here: ${String(err.message).split('\n')[0]}` };
  }
}

/** What a source build lacks on this machine: a list of names, empty when it can build. */
function missingForBuild() {
  const missing = [];
  const lib = liburing.find();
  if (lib.error) missing.push(lib.error);
  if (!have(process.env.CXX || 'c++') && !have('g++')) missing.push('a C++ compiler');
  if (!have('make')) missing.push('make');
  if (!have('python3') && !have('python')) missing.push('python3');
  return missing;
}

function nodeGyp() {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && fs.existsSync(bundled)) return [process.execPath, bundled];
  if (have('node-gyp')) return ['node-gyp'];
  return null;
}

/** node-gyp rebuild, against the running Node's own headers where it has them (no download). */
function sourceBuild() {
  const gyp = nodeGyp();
  if (!gyp) return { ok: false, why: 'node-gyp was not found' };
  const args = ['rebuild'];
  const prefix = path.resolve(process.execPath, '..', '..');
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include/node/node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }
  const r = spawnSync(gyp[0], [...gyp.slice(1), ...args], { cwd: ROOT, stdio: 'inherit' });
  return r.status === 0 ? { ok: true } : { ok: false, why: `node-gyp rebuild failed (exit status ${r.status})` };
}

function asDependency() {
  const forced = process.env.URING_FS_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';
  if (!forced) {
    const pre = prebuild();
    if (pre.ok) return;
    if (process.platform !== 'linux') {
      console.log(`uring-fs: io_uring is Linux-only; on ${process.platform} it runs on node:fs.`);
      return;
    }
    console.log(`uring-fs: ${pre.why}; building from source.`);
  }
  const missing = missingForBuild();
  let why;
  if (missing.length > 0) {
    why = `cannot build from source: ${missing.join(', ')}`;
  } else {
    const built = sourceBuild();
    if (built.ok) return;
    why = built.why;
  }
  fs.rmSync(path.join(ROOT, 'build'), { recursive: true, force: true });
  console.log(`uring-fs: ${why}. The install goes on; uring-fs will run on node:fs and say why (\`npx uring-fs doctor\` shows the fix).`);
}

function asContributor() {
  const need = [];
  if (!have('pkg-config')) need.push('pkg-config');
  if (!have('make')) need.push('make');
  if (!have('g++')) need.push('g++');
  if (!have('python3')) need.push('python3');
  if (liburing.find().error) need.push('liburing-dev');
  if (need.length > 0) {
    const command = `apt-get install ${need.join(' ')}`;
    const canApt = process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && have('apt-get');
    if (!canApt) {
      console.error(`uring-fs: building the addon needs ${need.join(', ')}. Install them (Debian/Ubuntu: \`sudo ${command}\`; Fedora: \`sudo dnf install liburing-devel pkgconf gcc-c++ make python3\`), then run npm ci again.`);
      process.exit(1);
    }
    console.log(`uring-fs: installing ${need.join(' ')} for the contributor build (apt-get, as root)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...need], { stdio: 'inherit', env });
    const again = liburing.find();
    if (again.error) {
      console.error(`uring-fs: ${again.error} after installing ${need.join(' ')}.`);
      process.exit(1);
    }
  }
  const built = sourceBuild();
  if (!built.ok) {
    console.error(`uring-fs: ${built.why}.`);
    process.exit(1);
  }
}

if (isContributorCheckout()) asContributor();
else {
  try {
    asDependency();
  } catch (err) {
    console.log(`uring-fs: ${err.message}. The install goes on; uring-fs will run on node:fs.`);
  }
}
