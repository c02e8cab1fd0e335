// Builds bench/c-liburing.c into bench/bin/ (gitignored) on first use, or when the source is newer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './args.mjs';

export const C_SOURCE = path.join(BENCH_DIR, 'c-liburing.c');
export const C_BINARY = path.join(BENCH_DIR, 'bin', 'c-liburing');

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
  const fresh =
    fs.existsSync(C_BINARY) && fs.statSync(C_BINARY).mtimeMs >= fs.statSync(C_SOURCE).mtimeMs;
  if (fresh) return { binary: C_BINARY };
  const cc = process.env.CC || which('cc') || which('gcc') || which('clang');
  if (!cc) return { error: 'no C compiler found (cc/gcc/clang): c-liburing skipped' };
  let flags;
  try {
    flags = execFileSync('pkg-config', ['--cflags', '--libs', 'liburing'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    flags = ['-luring']; // no pkg-config: try the default search path
  }
  fs.mkdirSync(path.dirname(C_BINARY), { recursive: true });
  const args = ['-O2', '-Wall', '-o', C_BINARY, C_SOURCE, ...flags];
  log(`compiling ${path.relative(process.cwd(), C_SOURCE)}: ${cc} ${args.join(' ')}`);
  try {
    execFileSync(cc, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { binary: C_BINARY };
  } catch (err) {
    const msg = String(err.stderr || err.message).split('\n').filter(Boolean).slice(0, 3).join(' / ');
    return { error: `c-liburing did not compile (is liburing-dev installed?): ${msg}` };
  }
}
