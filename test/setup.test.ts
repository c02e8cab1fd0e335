// Setting up the ring: every rung of the setup ladder (native/ring.cc
// kSetupCandidates, best first, each refused with EINVAL by a kernel that lacks its
// flags) forced in turn with URING_FS_SETUP_CANDIDATE; and io_uring refused for real,
// by a seccomp filter as container runtimes install one (test/support/deny-io-uring).

import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Ring } from '../src/index';
import { CRASH, FIXTURES, childEnv, ensureDist, lastJson, tmpDir } from './fixtures/helpers';
import { denyIoUring } from './support/deny-io-uring';

ensureDist();
const dir = tmpDir('setup');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const onRing = process.env.URING_FS_BACKEND !== 'fs';

// The rungs, best first, as features.setupFlags names their flags.
const RUNGS: string[][] = [
  ['SUBMIT_ALL', 'COOP_TASKRUN', 'TASKRUN_FLAG', 'SINGLE_ISSUER'],
  ['SUBMIT_ALL', 'COOP_TASKRUN', 'TASKRUN_FLAG'],
  ['SUBMIT_ALL'],
  [],
];
// The kernel each rung needs (SINGLE_ISSUER 6.0, COOP_TASKRUN and TASKRUN_FLAG 5.19,
// SUBMIT_ALL 5.18): a rung this kernel refuses is not its to test.
const NEEDS: [number, number][] = [[6, 0], [5, 19], [5, 18], [0, 0]];
const [kmaj, kmin] = os.release().split('.').map(Number);
const kernelHas = ([maj, min]: [number, number]): boolean => kmaj > maj || (kmaj === maj && kmin >= min);

function ringAtRung(rung: number, entries = 8): Ring {
  process.env.URING_FS_SETUP_CANDIDATE = String(rung);
  try {
    return new Ring({ entries, strict: true });
  } finally {
    delete process.env.URING_FS_SETUP_CANDIDATE;
  }
}

describe.skipIf(!onRing)('the setup ladder, each rung forced', () => {
  RUNGS.forEach((flags, rung) => {
    it(`rung ${rung}: ${flags.join(' | ') || 'no flags'}`, async (ctx) => {
      if (!kernelHas(NEEDS[rung])) {
        ctx.skip(`Linux ${os.release()} lacks the flags of rung ${rung}`);
        return;
      }
      const ring = ringAtRung(rung);
      try {
        expect(ring.backend).toBe('io_uring');
        expect([...ring.features.setupFlags].sort()).toEqual([...flags].sort());
        // It does I/O: writes at the file position in order, reads, a linked chain,
        // more ops than it has completion slots.
        const p = path.join(dir, `rung-${rung}`);
        const fd = await ring.open(p, 'w+');
        await Promise.all(['a', 'b', 'c', 'd'].map((c) => ring.write(fd, Buffer.from(c))));
        expect(fs.readFileSync(p, 'latin1')).toBe('abcd');
        const chain = await ring.batch(
          [
            { op: 'write', fd, buffer: Buffer.from('XY'), position: 1 },
            { op: 'fsync', fd },
            { op: 'read', fd, buffer: Buffer.alloc(4), position: 0 },
          ],
          { link: true },
        );
        expect(chain.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
        expect(fs.readFileSync(p, 'latin1')).toBe('aXYd');
        const many = await Promise.all(Array.from({ length: 100 }, (_, i) => ring.read(fd, Buffer.alloc(1), i % 4)));
        expect(many.every((n) => n === 1)).toBe(true);
        await ring.close(fd);
      } finally {
        await ring.destroy();
      }
    });
  });

  it('a rung past the last is refused, as a kernel refusing every rung would be (EINVAL)', () => {
    expect(() => ringAtRung(RUNGS.length)).toThrow(/io_uring_setup failed: EINVAL/);
  });
});

const deny = denyIoUring();

function runRefused(errno?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...pre] = [...(deny.tool as NonNullable<typeof deny.tool>).argv(errno), process.execPath];
  return new Promise((resolve) => {
    execFile(
      cmd,
      [...pre, path.join(FIXTURES, 'refused-child.mjs')],
      // Neither the strict switch nor a backend choice of this run: the child decides.
      { env: childEnv({ URING_FS_STRICT: '', URING_FS_BACKEND: '' }), timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('io_uring refused by a seccomp filter, as a container profile refuses it', () => {
  it.runIf(deny.tool)('EPERM (Docker, Kubernetes RuntimeDefault): node:fs takes over and says why; strict refuses', async () => {
    const r = await runRefused();
    expect(r.stderr).not.toMatch(CRASH);
    const out = lastJson(r.stdout) as { auto: Record<string, unknown>; strict: Record<string, unknown> };
    expect(out, r.stderr).not.toBeNull();
    expect(out.auto).toMatchObject({ backend: 'fs', read: 'hello', setupFlags: [] });
    expect(out.auto.reason).toMatch(/io_uring_setup failed: EPERM .*blocked for this process/);
    expect(out.strict.error).toBe('ERR_URING_UNAVAILABLE');
    expect(out.strict.message).toMatch(/strict mode is on: io_uring_setup failed: EPERM/);
  });

  it.runIf(deny.tool)('EINVAL for every setup: the whole ladder is tried, then node:fs', async () => {
    const r = await runRefused(22);
    const out = lastJson(r.stdout) as { auto: Record<string, unknown>; strict: Record<string, unknown> };
    expect(out, r.stderr).not.toBeNull();
    expect(out.auto).toMatchObject({ backend: 'fs', read: 'hello' });
    expect(out.auto.reason).toMatch(/io_uring_setup failed: EINVAL/);
    expect(out.strict.error).toBe('ERR_URING_UNAVAILABLE');
  });

  it.runIf(deny.tool)('npm test: the io_uring pass fails loudly rather than pass with every test on node:fs', async () => {
    const [cmd, ...pre] = [...(deny.tool as NonNullable<typeof deny.tool>).argv(), process.execPath];
    const root = path.join(__dirname, '..');
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        cmd,
        [...pre, path.join(root, 'scripts', 'test.js'), 'test/nop.test.ts'],
        { cwd: root, env: childEnv({ URING_FS_STRICT: '', URING_FS_BACKEND: '', URING_FS_TEST_BACKEND: '', URING_FS_TEST_SUMMARY: '' }), timeout: 120_000, maxBuffer: 1 << 26 },
        (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    expect(r.code, r.stdout.slice(-3000)).not.toBe(0);
    const io = /backend io_uring \(Node [^)]*\): (\d+) passed, (\d+) failed[^\n]*/.exec(r.stdout);
    expect(io, r.stdout.slice(-3000)).not.toBeNull();
    // Nothing passed on io_uring: the file could not even make its ring.
    expect(Number(io?.[1])).toBe(0);
    expect(io?.[0]).toMatch(/failed to run|[1-9]\d* failed/);
    // The node:fs pass ran as usual.
    expect(r.stdout).toMatch(/backend fs \(Node [^)]*\): [1-9]\d* passed, 0 failed/);
  });

  it.skipIf(deny.tool)('(no C compiler to build the seccomp helper)', () => {
    expect(deny.reason).toBeTruthy();
  });
});
