// The crash check's pieces (scripts/crash.mjs; test/crash.test.ts): reading the
// soak's ledger, verifying the files a killed soak left, and one kill-and-verify
// round.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ROOT, decodeBlock, rng } from './reliability.mjs';

/** Reads a ledger; the last line may be cut short by the kill, and is then ignored. */
export function readLedger(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const header = JSON.parse(lines[0].slice(2));
  const { files, blocks } = header;
  const n = files * blocks;
  const submitted = new Int32Array(n);
  const acked = new Int32Array(n);
  const durable = new Int32Array(n);
  const pending = new Map(); // fsync id -> acked versions of its file when it was issued
  let writes = 0;
  let acks = 0;
  let fsyncsDone = 0;
  for (let i = 1; i < lines.length; i++) {
    const p = lines[i].split(' ');
    if (p.length !== 3 && p.length !== 4) continue;
    const f = Number(p[1]);
    if (p[0] === 'W' || p[0] === 'A') {
      const x = f * blocks + Number(p[2]);
      const v = Number(p[3]);
      if (!Number.isInteger(v)) continue;
      if (p[0] === 'W') {
        writes++;
        if (v > submitted[x]) submitted[x] = v;
      } else {
        acks++;
        if (v > acked[x]) acked[x] = v;
      }
    } else if (p[0] === 'S') {
      pending.set(p[2], acked.slice(f * blocks, (f + 1) * blocks));
    } else if (p[0] === 'D') {
      const snap = pending.get(p[2]);
      if (!snap) continue;
      pending.delete(p[2]);
      fsyncsDone++;
      for (let b = 0; b < blocks; b++) {
        if (snap[b] > durable[f * blocks + b]) durable[f * blocks + b] = snap[b];
      }
    }
  }
  return { header, submitted, acked, durable, writes, acks, fsyncsDone };
}

/** Checks the soak's files against its ledger; returns the violations found. */
export function verifyAfterCrash(ledgerFile) {
  const L = readLedger(ledgerFile);
  const { dir, files, blocks, bs } = L.header;
  const bad = [];
  let durableBlocks = 0;
  for (let f = 0; f < files; f++) {
    const data = new Uint8Array(fs.readFileSync(path.join(dir, `f${f}.bin`)));
    if (data.length !== blocks * bs) bad.push(`file ${f}: ${data.length} bytes, want ${blocks * bs}`);
    for (let b = 0; b < blocks && (b + 1) * bs <= data.length; b++) {
      const x = f * blocks + b;
      if (L.durable[x] > 0) durableBlocks++;
      const d = decodeBlock(data, b * bs, bs);
      const where = `file ${f} block ${b} (durable v${L.durable[x]}, acked v${L.acked[x]}, submitted v${L.submitted[x]})`;
      if (!d.magic) bad.push(`${where}: no block header`);
      else if (d.f !== f || d.b !== b) bad.push(`${where}: holds file ${d.f} block ${d.b} v${d.v}`);
      else if (!d.intact) bad.push(`${where}: v${d.v} is torn`);
      else if (d.v < L.durable[x]) bad.push(`${where}: v${d.v} is older than a version fsynced before the kill (fsynced rule)`);
      else if (d.v < L.acked[x]) bad.push(`${where}: v${d.v} is older than a version acknowledged before the kill`);
      else if (d.v > L.submitted[x]) bad.push(`${where}: v${d.v} was never submitted`);
    }
  }
  return { bad, writes: L.writes, acks: L.acks, fsyncsDone: L.fsyncsDone, durableBlocks, blocks: files * blocks };
}

/**
 * Runs the soak with a ledger under `base`, kills it with SIGKILL a seeded
 * random time (opts.minMs..opts.maxMs) after it is ready, and verifies what it
 * left. Resolves with { seed, killAfterMs, ok, bad: [...], ... }.
 */
export function killedSoak(seed, base, opts = {}) {
  const { minMs = 20, maxMs = 1500, qd = '32', files = '4', blocks = '128', verify = true } = opts;
  const r = rng(seed);
  const killAfter = r.range(minMs, maxMs);
  const ledger = path.join(base, `ledger-${seed}.txt`);
  const args = [
    path.join(ROOT, 'scripts/soak.mjs'),
    '--ops', '1000M', '--seconds', '120', '--seed', String(seed), '--qd', String(qd), '--files', String(files),
    '--blocks', String(blocks), '--dir', base, '--ledger', ledger, '--keep', '--sample-ms', '100000',
  ];
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // a test runner's loaders are not the soak's
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    let timer;
    let killedAt = 0;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (!timer && out.includes('"ready":true')) {
        timer = setTimeout(() => {
          killedAt = killAfter;
          child.kill('SIGKILL');
        }, killAfter);
      }
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      const run = { seed, killAfterMs: killAfter, signal, code };
      if (signal !== 'SIGKILL' || !killedAt) {
        resolve({ ...run, ok: false, bad: [`the soak ended by itself (code ${code}, signal ${signal}) before the kill: ${err.slice(-2000)}`] });
        return;
      }
      if (!verify) {
        resolve({ ...run, ok: true, ledger, bad: [] });
        return;
      }
      let v;
      try {
        v = verifyAfterCrash(ledger);
      } catch (e) {
        resolve({ ...run, ok: false, bad: [`could not verify: ${e.message}`] });
        return;
      }
      resolve({ ...run, ...v, ledger, ok: v.bad.length === 0, stderr: err.trim() });
    });
  });
}
