// Which io_uring opcodes this process submitted, from the kernel's own
// io_uring_submit_req tracepoint, in a private tracefs instance (its own ring
// buffer, filtered to this thread: other tracers and processes are untouched).
// Needs root and tracefs; null where either is missing (tests then skip, saying so).

import * as fs from 'node:fs';
import * as path from 'node:path';

const TRACEFS = '/sys/kernel/tracing';
let n = 0;

export interface OpcodeTrace {
  /**
   * Stops tracing, removes the instance, and returns the names of the read and
   * write opcodes submitted meanwhile (READ, READ_FIXED, WRITE_FIXED, …): libuv's
   * own ring on Node 22 and later submits EPOLL_CTL from this thread too.
   */
  stop(): string[];
}

/** Why opcode tracing is unavailable here, or null if it is available. */
export function traceUnavailable(): string | null {
  try {
    fs.accessSync(path.join(TRACEFS, 'instances'), fs.constants.W_OK);
    fs.accessSync(path.join(TRACEFS, 'events/io_uring/io_uring_submit_req'));
    return null;
  } catch (err) {
    return `tracefs io_uring events are not usable here (${(err as NodeJS.ErrnoException).code})`;
  }
}

export function traceOpcodes(): OpcodeTrace {
  const dir = path.join(TRACEFS, 'instances', `uring-fs-test-${process.pid}-${++n}`);
  fs.mkdirSync(dir);
  const ev = path.join(dir, 'events/io_uring/io_uring_submit_req');
  fs.writeFileSync(path.join(ev, 'filter'), `common_pid == ${process.pid}`);
  fs.writeFileSync(path.join(ev, 'enable'), '1');
  return {
    stop(): string[] {
      fs.writeFileSync(path.join(ev, 'enable'), '0');
      const text = fs.readFileSync(path.join(dir, 'trace'), 'utf8');
      fs.rmdirSync(dir);
      return [...text.matchAll(/opcode (\w+)/g)].map((m) => m[1]).filter((op) => /^(READ|WRITE)/.test(op));
    },
  };
}
