// Crash consistency (scripts/crash.mjs, `npm run crash`), short: the soak is
// killed with SIGKILL at a seeded random moment, then every block it left is
// checked with fio's verify_policy=fsynced rule (a write acknowledged before
// the last completed fsync of its file reads back intact), and with the
// stricter rule a process kill allows (every acknowledged write is there,
// nothing torn, nothing that was never submitted). And the check itself is
// shown to catch a lost write and a torn block.

import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { killedSoak, readLedger, verifyAfterCrash } from '../scripts/lib/crash-check.mjs';
import { makeBlocks } from '../scripts/lib/reliability.mjs';
import { ensureDist, tmpDir } from './fixtures/helpers';

let dir: string;
beforeAll(() => {
  ensureDist();
  dir = tmpDir('crash');
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

describe('a soak killed with SIGKILL', () => {
  const base = Math.floor(Math.random() * 2 ** 30);
  for (let i = 0; i < 3; i++) {
    const seed = base + i;
    it(`leaves every fsynced and every acknowledged write intact (seed ${seed})`, async () => {
      const res = await killedSoak(seed, dir, { minMs: 50, maxMs: 700 });
      expect(res.bad, `reproduce: node scripts/crash.mjs --runs 1 --seed ${seed}`).toEqual([]);
      expect(res.ok).toBe(true);
      expect(res.acks).toBeGreaterThan(0);
    });
  }
});

describe('the crash check', () => {
  it('catches a write lost after its fsync, and a torn block', async () => {
    const res = await killedSoak(4242, dir, { minMs: 300, maxMs: 300, verify: false });
    expect(res.ok, JSON.stringify(res.bad)).toBe(true);
    expect(verifyAfterCrash(res.ledger).bad).toEqual([]);
    const L = readLedger(res.ledger);
    const { dir: soakDir, blocks, bs } = L.header;
    const durable = Array.from(L.durable.entries()).filter(([, v]) => v > 1);
    expect(durable.length).toBeGreaterThan(1);
    // Put an older version of a fsynced block back, as a lost write would.
    const [x, v] = durable[0];
    const f = Math.floor(x / blocks);
    const b = x % blocks;
    const file = path.join(soakDir, `f${f}.bin`);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, makeBlocks(bs, f, b, [v - 1]), 0, bs, b * bs);
    // Tear another: one flipped bit in its body.
    const [y] = durable[1];
    const g = Math.floor(y / blocks);
    const c = y % blocks;
    const fd2 = g === f ? fd : fs.openSync(path.join(soakDir, `f${g}.bin`), 'r+');
    const byte = Buffer.alloc(1);
    fs.readSync(fd2, byte, 0, 1, c * bs + 100);
    byte[0] ^= 0x10;
    fs.writeSync(fd2, byte, 0, 1, c * bs + 100);
    fs.closeSync(fd);
    if (fd2 !== fd) fs.closeSync(fd2);
    const bad = verifyAfterCrash(res.ledger).bad;
    expect(bad).toHaveLength(2);
    expect(bad.join('\n')).toContain(`file ${f} block ${b} (durable v${v}`);
    expect(bad.join('\n')).toMatch(/older than a version fsynced before the kill \(fsynced rule\)/);
    expect(bad.join('\n')).toMatch(new RegExp(`file ${g} block ${c} .*: v\\d+ is torn`));
  });
});
