// Builds test/support/deny-io-uring.c once per checkout (into node_modules/.cache)
// and gives the argv prefix that runs a command with io_uring refused by a
// seccomp filter, as Docker's and Kubernetes' default profiles refuse it.
// Returns null, with the reason, where no C compiler is available.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(__dirname, 'deny-io-uring.c');

export interface DenyIoUring {
  /** Prefix a command with these to run it with io_uring refused (EPERM unless `errno` is given). */
  argv(errno?: number): string[];
}

let built: { tool: DenyIoUring; reason?: undefined } | { tool?: undefined; reason: string } | undefined;

export function denyIoUring(): { tool: DenyIoUring; reason?: undefined } | { tool?: undefined; reason: string } {
  if (built) return built;
  const dir = path.join(ROOT, 'node_modules', '.cache', 'uring-fs-test');
  const bin = path.join(dir, `deny-io-uring-${process.arch}`);
  try {
    if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(SRC).mtimeMs) {
      fs.mkdirSync(dir, { recursive: true });
      const tmp = `${bin}.${process.pid}.tmp`;
      execFileSync(process.env.CC || 'cc', ['-O2', '-o', tmp, SRC], { stdio: 'pipe' });
      fs.renameSync(tmp, bin);
    }
    built = { tool: { argv: (errno?: number) => (errno === undefined ? [bin] : [bin, `--errno=${errno}`]) } };
  } catch (err) {
    built = { reason: `cannot build the seccomp helper: ${(err as Error).message.split('\n')[0]}` };
  }
  return built;
}
