// `uring-fs doctor`: the real CLI (dist/cjs/cli.js) in a child process, on this
// machine as it is, with io_uring refused by a seccomp filter (as Docker's and
// Kubernetes' default profiles refuse it), and with no addon at all.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { ROOT, STRICT, childEnv, ensureDist } from './fixtures/helpers';
import { denyIoUring } from './support/deny-io-uring';

const CLI = path.join(ROOT, 'dist/cjs/cli.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function doctor(args: string[], opts: { prefix?: string[]; env?: Record<string, string> } = {}): Run {
  const env = childEnv(opts.env);
  // The doctor tests io_uring whatever backend the suite's pass asks for.
  delete env.URING_FS_BACKEND;
  for (const [k, v] of Object.entries(opts.env ?? {})) env[k] = v;
  const argv = [...(opts.prefix ?? []), process.execPath, CLI, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: Run): Record<string, any> {
  return JSON.parse(r.stdout);
}

let hostUsable = false;

beforeAll(() => {
  ensureDist();
  hostUsable = doctor(['doctor', '--json']).status === 0;
});

describe('uring-fs doctor on this machine', () => {
  it('reports io_uring usable, with the addon, the setup flags and the opcode table, and exits 0', (ctx) => {
    const r = doctor(['doctor', '--json']);
    const d = json(r);
    if (!hostUsable && !STRICT) ctx.skip(`io_uring is not usable here: ${d.verdict}`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(d).toMatchObject({
      node: process.version,
      platform: 'linux',
      arch: process.arch,
      usable: true,
      fix: null,
      addon: { loaded: true, liburing: expect.stringMatching(/^\d+\.\d+/) },
      ioUringSetup: { ok: true, errno: 0 },
      ring: { backend: 'io_uring', nop: true, read: true, reason: null },
    });
    expect(d.verdict).toMatch(/^io_uring is usable/);
    expect(['local build', 'prebuild', 'URING_FS_ADDON']).toContain(d.addon.source);
    // Every flag the ring runs with was accepted alone too.
    for (const flag of d.ring.setupFlags) expect(d.setupFlags[flag], flag).toBe(true);
    expect(Object.keys(d.setupFlags)).toEqual(
      expect.arrayContaining(['SUBMIT_ALL', 'COOP_TASKRUN', 'SINGLE_ISSUER', 'DEFER_TASKRUN']),
    );
    const read = d.ops.find((o: { op: string }) => o.op === 'read');
    expect(read).toEqual({ op: 'read', opcode: 'READ', kernel: '5.6', methods: ['read'], runsOn: 'io_uring' });
    expect(d.ops.map((o: { op: string }) => o.op)).toEqual(expect.arrayContaining(['openat', 'statx', 'fsync', 'close']));
    expect(d.seccomp.mode).toBe(Number(/Seccomp:\s+(\d)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]));
    expect(typeof d.memlock).toBe('object');
    expect(Object.keys(d.sysctl)).toEqual(['kernel.io_uring_disabled', 'kernel.io_uring_group']);
  });

  it('prints the same as text, one fact per line, the verdict last', (ctx) => {
    if (!hostUsable && !STRICT) ctx.skip('io_uring is not usable here');
    const r = doctor(['doctor']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^uring-fs doctor \(uring-fs \d+\.\d+\.\d+\)$/);
    for (const key of ['node', 'kernel', 'addon', 'io_uring', 'sysctl', 'seccomp', 'container', 'memlock', 'setup flags', 'ring', 'ops']) {
      expect(lines.some((l) => l.startsWith(key)), key).toBe(true);
    }
    expect(lines).toContain('io_uring     io_uring_setup works');
    expect(lines.some((l) => /^ {2}read +IORING_OP_READ +Linux 5\.6 +io_uring$/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^verdict: io_uring is usable/);
  });

  it('notes URING_FS_BACKEND=fs and still tests io_uring', (ctx) => {
    if (!hostUsable && !STRICT) ctx.skip('io_uring is not usable here');
    const r = doctor(['doctor', '--json'], { env: { URING_FS_BACKEND: 'fs' } });
    expect(r.status).toBe(0);
    expect(json(r)).toMatchObject({ usable: true, envBackend: 'fs', verdict: expect.stringMatching(/URING_FS_BACKEND=fs .* chooses node:fs$/) });
  });
});

describe('uring-fs doctor with io_uring refused by seccomp', () => {
  const deny = denyIoUring();

  it('names EPERM, the filter and the profile fix, puts every op on node:fs, and exits 1', (ctx) => {
    if (!deny.tool) return ctx.skip(deny.reason);
    const r = doctor(['doctor', '--json'], { prefix: deny.tool.argv() });
    expect(r.status, r.stderr).toBe(1);
    const d = json(r);
    expect(d).toMatchObject({
      usable: false,
      addon: { loaded: true },
      ioUringSetup: { ok: false, errno: -1, code: 'EPERM', message: 'operation not permitted' },
      seccomp: { mode: 2, name: 'filter' },
      setupFlags: {},
      ring: { backend: 'fs', nop: false, read: false },
    });
    expect(d.seccomp.filters).toBeGreaterThanOrEqual(1);
    expect(d.ring.reason).toMatch(/^io_uring_setup failed: EPERM/);
    expect(d.verdict).toMatch(/^io_uring is not usable: io_uring_setup fails with EPERM \(operation not permitted\), refused by a seccomp filter/);
    expect(d.fix).toMatch(/io_uring_setup, io_uring_enter and io_uring_register/);
    if (d.container?.runtime === 'docker') expect(d.fix).toMatch(/docker run --security-opt seccomp=/);
    expect(d.ops.length).toBeGreaterThan(10);
    expect(d.ops.every((o: { runsOn: string }) => o.runsOn === 'node:fs')).toBe(true);
  });

  it('says so in text, with the fix before the verdict', (ctx) => {
    if (!deny.tool) return ctx.skip(deny.reason);
    const r = doctor(['doctor'], { prefix: deny.tool.argv() });
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toContain('io_uring     io_uring_setup fails: EPERM (operation not permitted)');
    expect(lines).toContain('seccomp      filter (1 filter)');
    expect(lines[lines.length - 2]).toMatch(/^fix: .*allows io_uring_setup, io_uring_enter and io_uring_register/);
    expect(lines[lines.length - 1]).toMatch(/^verdict: io_uring is not usable: io_uring_setup fails with EPERM/);
  });

  it('reports ENOSYS (a kernel without io_uring, or gVisor) with its own fix', (ctx) => {
    if (!deny.tool) return ctx.skip(deny.reason);
    const r = doctor(['doctor', '--json'], { prefix: deny.tool.argv(38) });
    expect(r.status).toBe(1);
    const d = json(r);
    expect(d.ioUringSetup).toEqual({ ok: false, errno: -38, code: 'ENOSYS', message: 'function not implemented' });
    expect(d.fix).toBe('Linux 5.6 or newer, built with CONFIG_IO_URING');
  });
});

describe('uring-fs doctor without an addon, and its usage', () => {
  it('names the addon that failed and the fix, and does not try io_uring_setup', () => {
    const missing = path.join(ROOT, 'no-such-dir', 'uring_fs.node');
    const r = doctor(['doctor', '--json'], { env: { URING_FS_ADDON: missing } });
    expect(r.status).toBe(1);
    const d = json(r);
    expect(d).toMatchObject({
      usable: false,
      ioUringSetup: null,
      addon: { loaded: false, problem: `URING_FS_ADDON=${missing} does not exist`, attempts: [{ source: 'URING_FS_ADDON', outcome: 'missing' }] },
      ring: { backend: 'fs' },
    });
    expect(d.fix).toMatch(/URING_FS_ADDON/);
    expect(d.verdict).toMatch(/^io_uring is not usable: no native addon/);
  });

  it('exits 2 with the usage on anything but `doctor`', () => {
    for (const args of [[], ['doktor'], ['doctor', 'extra']]) {
      const r = doctor(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^usage: uring-fs doctor \[--json\]/);
      expect(r.stdout).toBe('');
    }
    const help = doctor(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: uring-fs doctor/);
  });
});
