// The package as a user gets it: `npm pack`, then the tarball installed into
// empty folders three ways, each followed by an ES module and a CommonJS
// program doing a real read on io_uring:
//   - `npm i --ignore-scripts` (npm 12's default for unreviewed scripts);
//   - `npm i` with a PATH that holds node and npm and nothing else: no
//     compiler, make, python or pkg-config;
//   - `pnpm add` with pnpm 10's defaults (dependency build scripts blocked).
// Then the fallback a user sees without a matching addon (one warning, the
// fix for that package manager), an install that cannot build from source
// and still succeeds, and publint and @arethetypeswrong/cli on the tarball.
//
// Runs in the io_uring pass of `npm test` only: installing is the same work
// whichever backend the suite's pass asks for (each child here picks its own
// backend), and it is the slowest file of the suite (~1 min; more when the
// host's prebuild has to be compiled first).

import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ROOT, STRICT, WANT_FS, childEnv, ensureDist, patternBuffer, tmpDir } from './fixtures/helpers';

const PREBUILD = path.join(ROOT, 'prebuilds', `linux-${process.arch}`, 'uring-fs.glibc.node');

let work: string;
let tarball: string;
let sample: string;
/** Whether io_uring works for this process's children at all (else the io_uring assertions skip, unless strict). */
let hostUsable = false;
let hostReason = '';

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? userEnv(), encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000 });
}

function describeRun(r: SpawnSyncReturns<string>): string {
  return `status ${r.status} signal ${r.signal}${r.error ? ` error ${r.error.message}` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** A user's environment: none of the suite's switches. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = childEnv();
  for (const k of Object.keys(env)) {
    if (k.startsWith('URING_FS_') || k.startsWith('npm_') || k === 'INIT_CWD') delete env[k];
  }
  return { ...env, ...extra };
}

function npmCli(): string {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv && /npm-cli\.js$/.test(fromEnv) && fs.existsSync(fromEnv)) return fromEnv;
  return path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
}

function npm(args: string[], cwd: string, env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return run(process.execPath, [npmCli(), ...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, env });
}

/** The file of a devDependency's bin entry. */
function binOf(pkg: string, name: string): string {
  const dir = path.join(ROOT, 'node_modules', pkg);
  const { bin } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin: string | Record<string, string> };
  return path.join(dir, typeof bin === 'string' ? bin : bin[name]);
}

function emptyFolder(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  return dir;
}

/** Runs the ESM and the CJS program from inside `dir`, so 'uring-fs' resolves to what was installed there. */
function runApps(dir: string, extra: Record<string, string> = {}): { esm: Record<string, unknown>; cjs: Record<string, unknown>; stderr: string[] } {
  const results: Record<string, Record<string, unknown>> = {};
  const stderr: string[] = [];
  for (const [key, file] of [['esm', 'installed-app.mjs'], ['cjs', 'installed-app.cjs']] as const) {
    fs.copyFileSync(path.join(ROOT, 'test/fixtures', file), path.join(dir, file));
    const r = run(process.execPath, [file, sample], { cwd: dir, env: userEnv(extra), timeoutMs: 30_000 });
    expect(r.status, describeRun(r)).toBe(0);
    results[key] = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    stderr.push(r.stderr);
  }
  return { esm: results.esm, cjs: results.cjs, stderr };
}

/** What `npx uring-fs doctor --json` says in `dir` (the bin as installed). */
function doctor(dir: string): { status: number | null; d: Record<string, any> } {
  const bin = path.join(dir, 'node_modules', '.bin', 'uring-fs');
  expect(fs.existsSync(bin), `${bin} exists`).toBe(true);
  const r = run(bin, ['doctor', '--json'], { cwd: dir, env: userEnv({ PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` }) });
  return { status: r.status, d: JSON.parse(r.stdout) };
}

function expectIoUring(dir: string, label: string): void {
  const { esm, cjs, stderr } = runApps(dir);
  const installed = fs.realpathSync(path.join(dir, 'node_modules', 'uring-fs'));
  for (const [name, out] of [['esm', esm], ['cjs', cjs]] as const) {
    const resolved = String(out.resolved).replace(/^file:\/\//, '');
    expect(fs.realpathSync(resolved).startsWith(installed + path.sep), `${label} ${name} resolved ${resolved}`).toBe(true);
    expect(out, `${label} ${name}`).toMatchObject({ backend: 'io_uring', fallbackReason: null, readOk: true, readFileOk: true, bytes: fs.statSync(sample).size });
  }
  expect(stderr, `${label}: no warning`).toEqual(['', '']);
  const { status, d } = doctor(dir);
  expect(status, label).toBe(0);
  expect(d.addon, label).toMatchObject({ loaded: true, source: 'prebuild' });
  expect(d.addon.path).toBe(path.join(installed, 'prebuilds', `linux-${process.arch}`, 'uring-fs.glibc.node'));
  // No source build happened: the package has no build/.
  expect(fs.existsSync(path.join(installed, 'build')), `${label}: no build/`).toBe(false);
}

describe.skipIf(WANT_FS)('the packed tarball, installed as a user would', () => {
  beforeAll(() => {
    ensureDist();
    work = tmpDir('install');
    sample = path.join(work, 'sample.bin');
    fs.writeFileSync(sample, patternBuffer(200_003));

    // The host's prebuild, as `npm run prebuild` makes it (up to date: a no-op).
    const pre = run(process.execPath, [path.join(ROOT, 'scripts/prebuild.js'), `--arch=${process.arch}`, '--no-test'], { cwd: ROOT, env: userEnv(), timeoutMs: 600_000 });
    expect(pre.status, describeRun(pre)).toBe(0);
    expect(fs.existsSync(PREBUILD)).toBe(true);

    const packed = npm(['pack', '--ignore-scripts', '--pack-destination', work, '--json'], ROOT);
    expect(packed.status, describeRun(packed)).toBe(0);
    const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work, info[0].filename);
    const files = info[0].files.map((f) => f.path);
    expect(files).toContain(`prebuilds/linux-${process.arch}/uring-fs.glibc.node`);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'THIRD_PARTY_NOTICES.md', 'dist/cjs/cli.js', 'scripts/install.js']));
    expect(files.filter((f) => f.startsWith('docs/bench') || f.startsWith('bench/') || f.startsWith('test/') || f.endsWith('.map'))).toEqual([]);

    // Can this machine run io_uring at all? (The local build, strict.)
    const probe = run(process.execPath, ['-e', "const { Ring } = require('./dist/cjs/index.js'); try { new Ring({ strict: true }).destroy(); } catch (e) { console.log(e.message); process.exitCode = 1; }"], { cwd: ROOT });
    hostUsable = probe.status === 0;
    hostReason = probe.stdout.trim();
  }, 660_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('npm i --ignore-scripts: ESM and CJS read on io_uring with the shipped prebuild', (ctx) => {
    if (!hostUsable && !STRICT) ctx.skip(`io_uring is not usable here: ${hostReason}`);
    const dir = emptyFolder('npm-ignore-scripts');
    const r = npm(['install', '--ignore-scripts', tarball], dir);
    expect(r.status, describeRun(r)).toBe(0);
    expectIoUring(dir, 'npm --ignore-scripts');

    // Without a matching addon: node:fs, one warning with a code, and the fix for npm.
    const installed = path.join(dir, 'node_modules', 'uring-fs');
    fs.renameSync(path.join(installed, 'prebuilds'), path.join(installed, 'prebuilds.off'));
    try {
      const { esm, cjs, stderr } = runApps(dir, { APP_RINGS: '3' });
      for (const out of [esm, cjs]) {
        expect(out).toMatchObject({ backend: 'fs', readOk: true, readFileOk: true });
        expect(out.fallbackReason).toMatch(new RegExp(`^this package has no prebuilt addon for linux-${process.arch} \\(glibc\\)`));
        expect(out.fallbackReason).toMatch(/; to fix: `apt-get install liburing-dev pkg-config g\+\+ make python3`, then `npm rebuild uring-fs`$/);
      }
      for (const err of stderr) {
        // Three rings in the CJS program, one warning.
        expect(err.match(/\[URING_FS_FALLBACK\] Warning: uring-fs is running on node:fs, not io_uring: this package has no prebuilt addon/g), err).toHaveLength(1);
      }
      // Chosen explicitly: no warning.
      const quiet = runApps(dir, { URING_FS_BACKEND: 'fs' });
      expect(quiet.cjs).toMatchObject({ backend: 'fs', fallbackReason: "backend 'fs' was requested by URING_FS_BACKEND" });
      expect(quiet.stderr).toEqual(['', '']);
    } finally {
      fs.renameSync(path.join(installed, 'prebuilds.off'), path.join(installed, 'prebuilds'));
    }
  });

  it('npm i with no compiler, make, python or pkg-config on PATH: the install script finds the prebuild', (ctx) => {
    if (!hostUsable && !STRICT) ctx.skip(`io_uring is not usable here: ${hostReason}`);
    const bin = path.join(work, 'bare-bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    // A shell: npm runs scripts with it. Not a build tool.
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
    fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli()}" "$@"\n`, { mode: 0o755 });
    const env = userEnv({ PATH: bin });
    for (const tool of ['cc', 'gcc', 'g++', 'c++', 'make', 'python3', 'python', 'pkg-config', 'node-gyp']) {
      const found = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env, encoding: 'utf8' });
      expect(found.status, `${tool} on the bare PATH: ${found.stdout}`).not.toBe(0);
    }
    const dir = emptyFolder('npm-bare-path');
    const r = run(path.join(bin, 'npm'), ['install', '--foreground-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: dir, env });
    expect(r.status, describeRun(r)).toBe(0);
    // The install script ran (npm prints it with --foreground-scripts), found the prebuild, built nothing.
    expect(r.stdout).toMatch(/> node scripts\/install\.js/);
    expect(r.stdout + r.stderr).not.toMatch(/uring-fs: .*(cannot build|building from source)/);
    expectIoUring(dir, 'npm with a bare PATH');

    // Where no prebuild fits, the same install script cannot build here and
    // still exits 0: the package runs on node:fs and says why.
    const installed = path.join(dir, 'node_modules', 'uring-fs');
    fs.renameSync(path.join(installed, 'prebuilds'), path.join(installed, 'prebuilds.off'));
    try {
      const rebuilt = run(path.join(bin, 'npm'), ['rebuild', '--foreground-scripts', 'uring-fs'], { cwd: dir, env });
      expect(rebuilt.status, describeRun(rebuilt)).toBe(0);
      expect(rebuilt.stdout).toMatch(/uring-fs: no prebuilt addon for linux-\S+ \(glibc\); building from source\./);
      expect(rebuilt.stdout).toMatch(/uring-fs: cannot build from source: pkg-config was not found, a C\+\+ compiler, make, python3\. The install goes on/);
      expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
      const { cjs } = runApps(dir);
      expect(cjs).toMatchObject({ backend: 'fs', readOk: true });
    } finally {
      fs.renameSync(path.join(installed, 'prebuilds.off'), path.join(installed, 'prebuilds'));
    }
  });

  it('pnpm 10 add with its defaults (build scripts blocked): ESM and CJS read on io_uring', (ctx) => {
    if (!hostUsable && !STRICT) ctx.skip(`io_uring is not usable here: ${hostReason}`);
    const pnpm = binOf('pnpm', 'pnpm');
    const version = run(process.execPath, [pnpm, '--version'], { cwd: work });
    expect(version.stdout.trim()).toMatch(/^10\./);
    const dir = emptyFolder('pnpm');
    const r = run(process.execPath, [pnpm, 'add', tarball], { cwd: dir });
    expect(r.status, describeRun(r)).toBe(0);
    // pnpm 10 did not run the install script; the prebuild is all there is.
    expect(r.stdout).toMatch(/Ignored build scripts: uring-fs/);
    expect(fs.realpathSync(path.join(dir, 'node_modules', 'uring-fs'))).toContain(`${path.sep}.pnpm${path.sep}`);
    expectIoUring(dir, 'pnpm add');

    // Its fallback reason gives pnpm's fix, not npm's.
    const installed = fs.realpathSync(path.join(dir, 'node_modules', 'uring-fs'));
    fs.renameSync(path.join(installed, 'prebuilds'), path.join(installed, 'prebuilds.off'));
    try {
      const { cjs } = runApps(dir);
      expect(cjs.backend).toBe('fs');
      expect(cjs.fallbackReason).toMatch(/, then `pnpm approve-builds` \(choose uring-fs; pnpm then builds it\)$/);
    } finally {
      fs.renameSync(path.join(installed, 'prebuilds.off'), path.join(installed, 'prebuilds'));
    }
  });

  it('publint and @arethetypeswrong/cli find nothing wrong with the tarball', () => {
    const publint = run(process.execPath, [binOf('publint', 'publint'), '--strict', tarball], { cwd: work });
    expect(publint.status, describeRun(publint)).toBe(0);
    expect(publint.stdout).toMatch(/All good!/);
    const attw = run(process.execPath, [binOf('@arethetypeswrong/cli', 'attw'), tarball, '--format', 'json'], { cwd: work });
    expect(attw.status, describeRun(attw)).toBe(0);
    const report = JSON.parse(attw.stdout) as { analysis: { problems: unknown[] }; problems?: unknown[] };
    expect(report.analysis.problems).toEqual([]);
  });
});
