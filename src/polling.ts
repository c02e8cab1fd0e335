// Polling rings: SQPOLL (a kernel thread submits) and IOPOLL (completions are
// polled for on the device instead of signalled by interrupts). Their options,
// the CVE-2024-22017 guard, and the hint an IOPOLL refusal carries.
// The native side is in native/ring.cc (WithModes, CredsUnchanged, PollableFd).

import * as fs from 'node:fs';
import * as path from 'node:path';

import type { NativeBinding } from './native';
import { invalidArgValue, ownError } from './errors';
import type { NodeError, StackAnchor, UvError } from './errors';
import { validateBoolean, validateObject } from './validate';

/** `new Ring({ sqpoll })`: a kernel thread takes submissions from the ring (IORING_SETUP_SQPOLL). */
export interface SqpollOptions {
  /**
   * How long the kernel thread keeps spinning for new submissions after the
   * last one before it goes to sleep (the next submission then wakes it with a
   * system call). Milliseconds, 1 to 3,600,000; default 1000 (the kernel's).
   */
  idleMs?: number;
  /** Pins the kernel thread to this CPU (IORING_SETUP_SQ_AFF). Default: not pinned. */
  cpu?: number;
}

/** What `validatePolling` makes of the options: init()'s mode bits and arguments. */
export interface PollingMode {
  modes: number;
  idleMs: number;
  cpu: number;
}

// native/ring.h kMode*.
export const MODE_SQPOLL = 1;
export const MODE_IOPOLL = 2;
export const MODE_HYBRID_IOPOLL = 4;

export const DEFAULT_SQ_IDLE_MS = 1000;
const MAX_SQ_IDLE_MS = 3_600_000;
// The kernel's NR_CPUS ceiling on common configurations; an offline CPU or one
// outside the process's cpuset is refused by the kernel itself (EINVAL).
const MAX_CPU = 8191;

function validateInteger(value: unknown, name: string, min: number, max: number, anchor: StackAnchor): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgValue(name, value, `must be an integer from ${min} to ${max}`, anchor);
  }
  return value;
}

/** Validates `sqpoll` and `iopoll` of the Ring options (ERR_INVALID_ARG_VALUE / _TYPE before anything else). */
export function validatePolling(sqpoll: unknown, iopoll: unknown, anchor: StackAnchor): PollingMode {
  let modes = 0;
  let idleMs = 0;
  let cpu = -1;
  if (sqpoll !== undefined && sqpoll !== false) {
    modes |= MODE_SQPOLL;
    idleMs = DEFAULT_SQ_IDLE_MS;
    if (sqpoll !== true) {
      validateObject(sqpoll, 'options.sqpoll');
      const o = sqpoll as SqpollOptions;
      if (o.idleMs !== undefined) idleMs = validateInteger(o.idleMs, 'options.sqpoll.idleMs', 1, MAX_SQ_IDLE_MS, anchor);
      if (o.cpu !== undefined) cpu = validateInteger(o.cpu, 'options.sqpoll.cpu', 0, MAX_CPU, anchor);
    }
  }
  if (iopoll === 'hybrid') {
    modes |= MODE_IOPOLL | MODE_HYBRID_IOPOLL;
  } else if (iopoll !== undefined) {
    if (typeof iopoll !== 'boolean') throw invalidArgValue('options.iopoll', iopoll, "must be true, false or 'hybrid'", anchor);
    validateBoolean(iopoll, 'options.iopoll');
    if (iopoll) modes |= MODE_IOPOLL;
  }
  return { modes, idleMs, cpu };
}

/**
 * Native ops an IOPOLL ring runs itself; the kernel refuses every other opcode
 * on such a ring (EINVAL, checked on 6.18), so those run on node:fs there.
 */
export const IOPOLL_OPS: ReadonlySet<string> = new Set(['nop', 'read', 'write', 'readv', 'writev']);

/** queueStaged's refusal of an SQPOLL ring whose process changed credentials (native/ring.h kCredsChanged). */
export const CREDS_CHANGED = -128;

export const URING_ERR_SQPOLL_CREDENTIALS = 'ERR_URING_SQPOLL_CREDENTIALS';

/**
 * `Error [ERR_URING_SQPOLL_CREDENTIALS]`: an op on an SQPOLL ring after the
 * process changed its user, group or supplementary groups.
 */
export function credentialsError(syscall: string): NodeError {
  return ownError(
    'Error',
    URING_ERR_SQPOLL_CREDENTIALS,
    `The process changed its user or group IDs after this SQPOLL ring was created, cannot ${syscall}: ` +
      "the ring's kernel thread would still act with the old ones (CVE-2024-22017). Destroy the ring and create a new one.",
    credentialsError,
  );
}

const CRED_SETTERS = ['setuid', 'setgid', 'seteuid', 'setegid', 'setgroups', 'initgroups'] as const;
let wrapped = false;

/**
 * Makes process.setuid() and its siblings tell the addon that credentials may
 * have changed, so every SQPOLL ring (on any thread) checks before it submits
 * again; without the call, rings still check every 100 ms (changes made from
 * native code). Installed once, when the first SQPOLL ring is created; in a
 * worker these functions do not exist (credentials change for the whole
 * process, from the main thread).
 */
export function watchCredentials(binding: NativeBinding): void {
  if (wrapped || typeof binding.noteCredentialsChange !== 'function') return;
  wrapped = true;
  const note = binding.noteCredentialsChange;
  const proc = process as unknown as Record<string, unknown>;
  for (const name of CRED_SETTERS) {
    const original = proc[name];
    if (typeof original !== 'function') continue;
    const wrapper = {
      [name](this: unknown, ...args: unknown[]): unknown {
        try {
          return (original as (...a: unknown[]) => unknown).apply(this, args);
        } finally {
          // Also after a throw: a change may have been half made.
          note();
        }
      },
    }[name];
    Object.defineProperty(proc, name, { value: wrapper, writable: true, configurable: true, enumerable: true });
  }
}

// ---------------------------------------------------------------------------
// The hint on an IOPOLL refusal

/** Where a file's I/O goes: its block device's major:minor, or null (not a block-backed file). */
function deviceOf(fd: number): { dev: string; blockFile: boolean } | null {
  let st: fs.BigIntStats;
  try {
    st = fs.fstatSync(fd, { bigint: true });
  } catch {
    return null;
  }
  if (!st.isFile() && !st.isBlockDevice()) return null;
  const d = st.isBlockDevice() ? st.rdev : st.dev;
  // glibc's gnu_dev_major/minor.
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return { dev: `${major}:${minor}`, blockFile: st.isBlockDevice() };
}

function readText(p: string): string | null {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Whether `fd` was opened with O_DIRECT (/proc/self/fdinfo), or null if that cannot be read. */
function isDirect(fd: number): boolean | null {
  const info = readText(`/proc/self/fdinfo/${fd}`);
  const m = info ? /^flags:\s*([0-7]+)/m.exec(info) : null;
  if (!m) return null;
  return (parseInt(m[1], 8) & fs.constants.O_DIRECT) !== 0;
}

/**
 * Why an IOPOLL ring refused I/O on `fd` with EOPNOTSUPP, and what to do: the
 * file is not O_DIRECT, is not on a block device, or its device has no poll
 * queues (the usual case: NVMe without `nvme.poll_queues`). Null when none of
 * these explains it.
 */
export function iopollHint(fd: number): string | null {
  const where = deviceOf(fd);
  if (where === null) {
    return `IOPOLL rings do I/O only on regular files and block devices opened with O_DIRECT; fd ${fd} is neither`;
  }
  const sys = `/sys/dev/block/${where.dev}`;
  let disk = sys;
  if (readText(path.join(sys, 'partition')) !== null) disk = path.join(sys, '..');
  const ioPoll = readText(path.join(disk, 'queue', 'io_poll'));
  let name = where.dev;
  try {
    name = path.basename(fs.realpathSync(disk));
  } catch {
    // No such block device in sysfs (tmpfs, overlayfs, NFS, btrfs's anonymous devices).
  }
  if (ioPoll === null) {
    return `fd ${fd} is on device ${where.dev}, which is not a block device the kernel can poll (no ${sys}/queue/io_poll): use a ring without iopoll for it`;
  }
  if (ioPoll === '0') {
    return (
      `block device ${name} (${where.dev}) has no poll queues (/sys/block/${name}/queue/io_poll is 0), so polled I/O on it ` +
      'could never complete. NVMe gets poll queues from the nvme driver\'s poll_queues parameter: boot with nvme.poll_queues=N ' +
      '(or "options nvme poll_queues=N" in /etc/modprobe.d/ and reload the driver), then check that io_poll reads 1; ' +
      'or use a ring without iopoll'
    );
  }
  if (isDirect(fd) === false) {
    return `fd ${fd} was not opened with O_DIRECT (fs.constants.O_DIRECT): IOPOLL rings do only direct I/O`;
  }
  return null;
}

/**
 * Adds `hint` to an EOPNOTSUPP from an IOPOLL ring's read/write-family op
 * (src/ops/op.ts); `timed`: the op was given a `timeout`.
 */
export function addIopollHint(err: UvError, fd: number, timed = false): void {
  if (err.errno !== -95 || fd < 0) return;
  const hint = timed
    ? 'IOPOLL rings cannot time out an op in the kernel (it refuses IORING_OP_LINK_TIMEOUT there); polled I/O completes in microseconds: call it without timeout'
    : iopollHint(fd);
  if (hint !== null) (err as UvError & { hint?: string }).hint = hint;
}
