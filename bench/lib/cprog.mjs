// Builds bench/c-liburing.c into bench/bin/ (gitignored) on first use, or when the source is newer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './args.mjs';

export const C_SOURCE = path.join(BENCH_DIR, 'c-liburing.c');
export const C_BINARY = path.join(BENCH_DIR, 'bin', 'c-liburing');
export const CACHECTL_SOURCE = path.join(BENCH_DIR, 'cachectl.c');
export const CACHECTL_BINARY = path.join(BENCH_DIR, 'bin', 'cachectl');

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(':')) {
    const p = path.join(dir || '.', cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

export function ccVersion() {
  const cc = process.env.CC || which('cc') || which('gcc') || which('clang');
  if (!cc) return null;
  try {
    return execFileSync(cc, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  } catch {
    return null;
  }
}

/** Returns { binary } or { error } (the skip note for every c-liburing row). */
export function buildC(log = () => {}) {
  return build(C_SOURCE, C_BINARY, { liburing: true, what: 'c-liburing' }, log);
}

/** Returns { binary } or { error }: the page-cache helper (no liburing needed). */
export function buildCachectl(log = () => {}) {
  return build(CACHECTL_SOURCE, CACHECTL_BINARY, { liburing: false, what: 'cachectl' }, log);
}

function build(source, binary, { liburing, what }, log) {
  const fresh = fs.existsSync(binary) && fs.statSync(binary).mtimeMs >= fs.statSync(source).mtimeMs;
  if (fresh) return { binary };
  const cc = process.env.CC || which('cc') || which('gcc') || which('clang');
  if (!cc) return { error: `no C compiler found (cc/gcc/clang): ${what} skipped` };
  let flags = [];
  if (liburing) {
    try {
      flags = execFileSync('pkg-config', ['--cflags', '--libs', 'liburing'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split(/\s+/)
        .filter(Boolean);
    } catch {
      flags = ['-luring']; // no pkg-config: try the default search path
    }
  }
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const args = ['-O2', '-Wall', '-pthread', '-o', binary, source, ...flags];
  log(`compiling ${path.relative(process.cwd(), source)}: ${cc} ${args.join(' ')}`);
  try {
    execFileSync(cc, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { binary };
  } catch (err) {
    const msg = String(err.stderr || err.message).split('\n').filter(Boolean).slice(0, 3).join(' / ');
    return { error: `${what} did not compile${liburing ? ' (is liburing-dev installed?)' : ''}: ${msg}` };
  }
}
