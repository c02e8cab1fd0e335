#!/usr/bin/env node
// The `uring-fs` command (package.json "bin"): `uring-fs doctor [--json]`.
// Exit status: 0 when io_uring is usable here, 1 when not, 2 on a usage error.

import { diagnose, formatText } from './doctor';

const USAGE = `usage: uring-fs doctor [--json]

  doctor   whether uring-fs can use io_uring in this process, and the fix when not:
           Node, kernel, libc, the native addon, io_uring_setup, sysctls, seccomp,
           container, RLIMIT_MEMLOCK, the setup flags the kernel accepts, and which
           operations run on io_uring and which on node:fs. The last line is the verdict.
  --json   the same as one JSON object

Exit status: 0 when io_uring is usable, 1 when not, 2 on a usage error.
`;

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h' || rest[0] === 'help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (rest.length !== 1 || rest[0] !== 'doctor') {
    process.stderr.write(USAGE);
    return 2;
  }
  const d = await diagnose();
  process.stdout.write(json ? `${JSON.stringify(d, null, 2)}\n` : formatText(d));
  return d.usable ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`uring-fs doctor failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
