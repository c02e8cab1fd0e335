// `uring-fs doctor`: everything that decides whether uring-fs runs on io_uring
// on this machine, in this process, and the fix when it does not.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadBinding, runningLibc } from './binding';
import type { DoctorBinding, LoadAttempt } from './binding';
import { container, seccomp, setupFix, sysctls } from './environment';
import { uvError } from './errors';
import { Ring } from './ring';

/** io_uring_setup flags worth knowing about, each with the flags it needs alongside. */
const SETUP_FLAGS: { name: string; bits: number; kernel: string }[] = [
  { name: 'IOPOLL', bits: 1 << 0, kernel: '5.1' },
  { name: 'CQSIZE', bits: 1 << 3, kernel: '5.5' },
  { name: 'CLAMP', bits: 1 << 4, kernel: '5.6' },
  { name: 'SUBMIT_ALL', bits: 1 << 7, kernel: '5.18' },
  { name: 'COOP_TASKRUN', bits: 1 << 8, kernel: '5.19' },
  { name: 'TASKRUN_FLAG', bits: (1 << 9) | (1 << 8), kernel: '5.19' },
  { name: 'SINGLE_ISSUER', bits: 1 << 12, kernel: '6.0' },
  { name: 'DEFER_TASKRUN', bits: (1 << 13) | (1 << 12), kernel: '6.1' },
];

/** The ring's native ops: the io_uring opcode, the kernel that added it, the Ring methods it serves. */
const OPS: Record<string, { opcode: string; kernel: string; methods: string[] }> = {
  nop: { opcode: 'NOP', kernel: '5.1', methods: ['nop'] },
  read: { opcode: 'READ', kernel: '5.6', methods: ['read'] },
  write: { opcode: 'WRITE', kernel: '5.6', methods: ['write'] },
  readv: { opcode: 'READV', kernel: '5.1', methods: ['readv'] },
  writev: { opcode: 'WRITEV', kernel: '5.1', methods: ['writev'] },
  fsync: { opcode: 'FSYNC', kernel: '5.1', methods: ['fsync', 'fdatasync'] },
  openat: { opcode: 'OPENAT', kernel: '5.6', methods: ['open'] },
  close: { opcode: 'CLOSE', kernel: '5.6', methods: ['close'] },
  statx: { opcode: 'STATX', kernel: '5.6', methods: ['stat', 'lstat', 'fstat'] },
  ftruncate: { opcode: 'FTRUNCATE', kernel: '6.9', methods: ['ftruncate'] },
  fallocate: { opcode: 'FALLOCATE', kernel: '5.6', methods: ['fallocate'] },
  unlinkat: { opcode: 'UNLINKAT', kernel: '5.11', methods: ['unlink', 'rmdir'] },
  renameat: { opcode: 'RENAMEAT', kernel: '5.11', methods: ['rename'] },
  mkdirat: { opcode: 'MKDIRAT', kernel: '5.15', methods: ['mkdir'] },
};

export interface Diagnosis {
  version: string;
  node: string;
  platform: string;
  arch: string;
  libc: { family: 'glibc' | 'musl' | null; version: string | null };
  kernel: string;
  addon:
    | { loaded: true; source: string; path: string; liburing: string; attempts: LoadAttempt[] }
    | { loaded: false; problem: string; fix: string | null; attempts: LoadAttempt[] };
  /** io_uring_setup with no flags: null without an addon to call it. */
  ioUringSetup: { ok: boolean; errno: number; code: string | null; message: string | null } | null;
  sysctl: { 'kernel.io_uring_disabled': number | null; 'kernel.io_uring_group': number | null };
  seccomp: { mode: number | null; name: string; filters: number | null };
  container: { runtime: string; evidence: string } | null;
  /** RLIMIT_MEMLOCK in bytes (null: unlimited or unreadable). */
  memlock: { soft: number | null; hard: number | null };
  /** Each flag tried alone (with the flags it requires): accepted or the errno code. */
  setupFlags: Record<string, true | string>;
  /** The ring uring-fs itself sets up here. */
  ring: { backend: 'io_uring' | 'fs'; setupFlags: string[]; sqEntries: number; cqEntries: number; nop: boolean; read: boolean; reason: string | null };
  ops: { op: string; opcode: string; kernel: string; methods: string[]; runsOn: 'io_uring' | 'node:fs' }[];
  envBackend: string | null;
  usable: boolean;
  verdict: string;
  fix: string | null;
}

function errnoCode(rc: number): string {
  try {
    return String(uvError(rc, 'io_uring_setup').code);
  } catch {
    return `errno ${-rc}`;
  }
}

function errnoText(rc: number): string {
  try {
    const m = uvError(rc, 'io_uring_setup').message;
    return m.split(', ')[0].replace(/^[A-Z0-9]+: /, '');
  } catch {
    return `errno ${-rc}`;
  }
}

function memlock(): { soft: number | null; hard: number | null } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max locked memory'));
    const [soft, hard] = (line ?? '').replace('Max locked memory', '').trim().split(/\s+/);
    const num = (v: string | undefined): number | null => (v === undefined || v === 'unlimited' ? null : Number(v));
    return { soft: num(soft), hard: num(hard) };
  } catch {
    return { soft: null, hard: null };
  }
}

function glibcVersion(): string | null {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

function packageVersion(): string {
  for (const p of ['../../package.json', '../package.json']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, p), 'utf8')) as { version: string }).version;
    } catch {
      // next
    }
  }
  return 'unknown';
}

async function tryRing(): Promise<Diagnosis['ring'] & { ops: Record<string, boolean>; fsFallbackOps: string[] }> {
  let ring: Ring;
  try {
    ring = new Ring({ backend: 'io_uring' });
  } catch (err) {
    // The fix is reported once, on its own line.
    const reason = (err as Error).message.replace(/^io_uring is not available and strict mode is on: /, '').replace(/; to fix: .*$/s, '');
    return { backend: 'fs', setupFlags: [], sqEntries: 0, cqEntries: 0, nop: false, read: false, reason, ops: {}, fsFallbackOps: [] };
  }
  const dir = mkdtempSync(join(tmpdir(), 'uring-fs-doctor-'));
  let nop = false;
  let read = false;
  try {
    await ring.nop();
    nop = true;
    const file = join(dir, 'probe');
    const data = Buffer.from('uring-fs doctor\n');
    writeFileSync(file, data);
    const fd = await ring.open(file, 'r');
    const buf = Buffer.alloc(data.length);
    const n = await ring.read(fd, buf, 0);
    await ring.close(fd);
    read = n === data.length && buf.equals(data);
  } catch {
    // nop or read stays false
  } finally {
    await ring.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const f = ring.features;
  return { backend: ring.backend, setupFlags: f.setupFlags, sqEntries: f.sqEntries, cqEntries: f.cqEntries, nop, read, reason: null, ops: f.ops, fsFallbackOps: f.fsFallbackOps };
}

export async function diagnose(): Promise<Diagnosis> {
  const loaded = loadBinding();
  const addon: Diagnosis['addon'] = loaded.binding
    ? { loaded: true, source: loaded.source, path: loaded.path, liburing: loaded.binding.liburingVersion, attempts: loaded.attempts }
    : { loaded: false, problem: loaded.problem, fix: loaded.fix, attempts: loaded.attempts };

  let setup: Diagnosis['ioUringSetup'] = null;
  const setupFlags: Record<string, true | string> = {};
  const probe = (loaded.binding as DoctorBinding | undefined)?.probeSetup;
  if (probe) {
    const r = probe(8, 0);
    setup = { ok: r.rc === 0, errno: r.rc, code: r.rc === 0 ? null : errnoCode(r.rc), message: r.rc === 0 ? null : errnoText(r.rc) };
    if (r.rc === 0) {
      for (const { name, bits } of SETUP_FLAGS) {
        const p = probe(8, bits);
        setupFlags[name] = p.rc === 0 ? true : errnoCode(p.rc);
      }
    }
  }

  const ring = await tryRing();
  const sc = seccomp();
  const where = container();
  const sys = sysctls();
  const opsOnRing = ring.backend === 'io_uring' ? ring.ops : {};
  const ops = Object.keys(ring.backend === 'io_uring' ? ring.ops : OPS).map((op) => {
    const known = OPS[op] ?? { opcode: op.toUpperCase(), kernel: '?', methods: [op] };
    return { op, ...known, runsOn: opsOnRing[op] ? ('io_uring' as const) : ('node:fs' as const) };
  });

  const usable = ring.backend === 'io_uring' && ring.nop && ring.read;
  let verdict: string;
  let fix: string | null = null;
  if (usable) {
    const onFs = ring.fsFallbackOps;
    verdict = `io_uring is usable: uring-fs runs on io_uring here${onFs.length ? ` (${onFs.join(', ')} on node:fs: this kernel lacks their opcodes)` : ''}`;
  } else if (!loaded.binding) {
    verdict = `io_uring is not usable: no native addon (${loaded.problem})`;
    fix = loaded.fix;
  } else if (setup && !setup.ok) {
    const by =
      (setup.errno === -1 || setup.errno === -13) && sys.ioUringDisabled && sys.ioUringDisabled > 0
        ? `kernel.io_uring_disabled=${sys.ioUringDisabled}`
        : (setup.errno === -1 || setup.errno === -13) && sc.mode === 2
          ? `a seccomp filter${where ? ` (the ${where.runtime} container's profile)` : ''}`
          : null;
    verdict = `io_uring is not usable: io_uring_setup fails with ${setup.code} (${setup.message})${by ? `, refused by ${by}` : ''}`;
    fix = setupFix(setup.errno);
  } else {
    verdict = `io_uring is not usable: ${ring.reason ?? 'a test read on the ring failed'}`;
  }

  const envBackend = process.env.URING_FS_BACKEND || null;
  if (usable && envBackend === 'fs') verdict += '; but URING_FS_BACKEND=fs in this environment chooses node:fs';

  return {
    version: packageVersion(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    libc: process.platform === 'linux' ? { family: runningLibc(), version: glibcVersion() } : { family: null, version: null },
    kernel: release(),
    addon,
    ioUringSetup: setup,
    sysctl: { 'kernel.io_uring_disabled': sys.ioUringDisabled, 'kernel.io_uring_group': sys.ioUringGroup },
    seccomp: { mode: sc.mode, name: sc.mode === null ? 'unknown' : (['disabled', 'strict', 'filter'][sc.mode] ?? String(sc.mode)), filters: sc.filters },
    container: where,
    memlock: memlock(),
    setupFlags,
    ring: { backend: ring.backend, setupFlags: ring.setupFlags, sqEntries: ring.sqEntries, cqEntries: ring.cqEntries, nop: ring.nop, read: ring.read, reason: ring.reason },
    ops,
    envBackend,
    usable,
    verdict,
    fix,
  };
}

function bytes(n: number | null): string {
  if (n === null) return 'unlimited';
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** The text report: one fact per line, the verdict last. */
export function formatText(d: Diagnosis): string {
  const lines: string[] = [];
  const row = (k: string, v: string): void => {
    lines.push(`${k.padEnd(13)}${v}`);
  };
  lines.push(`uring-fs doctor (uring-fs ${d.version})`);
  row('node', `${d.node} (${d.platform}-${d.arch}${d.libc.family ? `, ${d.libc.family}${d.libc.version ? ` ${d.libc.version}` : ''}` : ''})`);
  row('kernel', d.kernel);
  if (d.addon.loaded) row('addon', `${d.addon.source}: ${d.addon.path} (liburing ${d.addon.liburing})`);
  else {
    row('addon', `none: ${d.addon.problem}`);
    for (const a of d.addon.attempts) row('', `${a.source} ${a.path}: ${a.outcome}`);
  }
  row('io_uring', d.ioUringSetup === null ? 'io_uring_setup not tried (no addon)' : d.ioUringSetup.ok ? 'io_uring_setup works' : `io_uring_setup fails: ${d.ioUringSetup.code} (${d.ioUringSetup.message})`);
  const sys = d.sysctl;
  row('sysctl', `kernel.io_uring_disabled=${sys['kernel.io_uring_disabled'] ?? 'absent (kernel before 6.6)'}, kernel.io_uring_group=${sys['kernel.io_uring_group'] ?? 'absent'}`);
  row('seccomp', `${d.seccomp.name}${d.seccomp.mode === 2 ? ` (${d.seccomp.filters} filter${d.seccomp.filters === 1 ? '' : 's'})` : ''}`);
  row('container', d.container ? `${d.container.runtime} (${d.container.evidence})` : 'none detected');
  row('memlock', `RLIMIT_MEMLOCK ${bytes(d.memlock.soft)} (hard ${bytes(d.memlock.hard)})`);
  const flags = Object.entries(d.setupFlags);
  row('setup flags', flags.length ? flags.map(([k, v]) => (v === true ? k : `${k} (${v})`)).join(' ') : 'not probed');
  row(
    'ring',
    d.ring.backend === 'io_uring'
      ? `${d.ring.setupFlags.join('|') || 'no flags'}, ${d.ring.sqEntries} SQ / ${d.ring.cqEntries} CQ entries, nop ${d.ring.nop ? 'ok' : 'FAILED'}, read ${d.ring.read ? 'ok' : 'FAILED'}`
      : `not created: ${d.ring.reason}`,
  );
  lines.push('ops');
  for (const op of d.ops) {
    lines.push(`  ${op.methods.join(', ').padEnd(20)} IORING_OP_${op.opcode.padEnd(11)} Linux ${op.kernel.padEnd(5)} ${op.runsOn}`);
  }
  if (d.envBackend) row('env', `URING_FS_BACKEND=${d.envBackend}`);
  if (d.fix) lines.push(`fix: ${d.fix}`);
  lines.push(`verdict: ${d.verdict}`);
  return `${lines.join('\n')}\n`;
}
