#!/usr/bin/env node
// npm run soak: mixed I/O through one Ring for a long time, every read verified.
//
// Reads, writes, readv, writev, fsync, fdatasync, batches (linked and not) and
// current-position I/O on a reopened cursor fd, over several files, from the
// built package (dist/). Every block's content is derived from (file, block,
// version) (scripts/lib/reliability.mjs), and the soak keeps each block's
// version, so every byte read is checked; a block is never read while a write
// to it is in flight, nor written by two ops at once. Counted: ops that never
// settle (a watchdog), ops settled twice (an instrument on the engine's
// settle functions, see installSettleCounter), completions the engine found
// stale, errors and wrong bytes; sampled: resident memory, open fds and
// io_uring instances. One summary line at the end; exit status 1 if anything
// went wrong.
//
// With --ledger FILE it also writes, synchronously, every write it submits and
// every write and fsync acknowledged, for the crash check (scripts/crash.mjs).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import {
  checkBlock,
  fmtInt,
  installSettleCounter,
  loadPackage,
  makeBlocks,
  mib,
  processCounts,
  rng,
  seedOf,
} from './lib/reliability.mjs';

const HELP = `Usage: npm run soak -- [options]     (or: node scripts/soak.mjs [options])

  --ops N          operations to run (batch entries count one each; K/M suffixes) [200K]
  --seconds S      stop after S seconds instead, if that comes first (0: no limit) [0]
  --qd N           operations in flight at once [64]
  --files N        files [4]
  --blocks N       blocks per file [256]
  --bs BYTES       block size (a multiple of 4) [4096]
  --entries N      the ring's SQ entries [256]
  --seed N         schedule seed (printed; the same seed gives the same choices) [random]
  --dir DIR        where the files go [$TMPDIR]
  --ledger FILE    log submitted and acknowledged writes and fsyncs (crash check)
  --sample-ms MS   sampling period for RSS, fds, io_uring instances [1000]
  --stuck-ms MS    an op in flight longer than this counts as stuck [30000]
  --json           also print the summary as one JSON line
  --keep           keep the files afterwards
`;

function count(text, name) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(text));
  if (!m) throw new Error(`--${name}: not a number: ${text}`);
  const n = Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6);
  return Math.round(n);
}

const { values: o } = parseArgs({
  options: {
    ops: { type: 'string', default: '200K' },
    seconds: { type: 'string', default: '0' },
    qd: { type: 'string', default: '64' },
    files: { type: 'string', default: '4' },
    blocks: { type: 'string', default: '256' },
    bs: { type: 'string', default: '4096' },
    entries: { type: 'string', default: '256' },
    seed: { type: 'string' },
    dir: { type: 'string' },
    ledger: { type: 'string' },
    'sample-ms': { type: 'string', default: '1000' },
    'stuck-ms': { type: 'string', default: '30000' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const OPS = count(o.ops, 'ops');
const SECONDS = Number(o.seconds);
const QD = count(o.qd, 'qd');
const FILES = count(o.files, 'files');
const BLOCKS = count(o.blocks, 'blocks');
const BS = count(o.bs, 'bs');
const ENTRIES = count(o.entries, 'entries');
const SEED = seedOf(o.seed);
const SAMPLE_MS = count(o['sample-ms'], 'sample-ms');
const STUCK_MS = count(o['stuck-ms'], 'stuck-ms');
if (BS % 4 !== 0 || BS <= 16) throw new Error('--bs must be a multiple of 4 above 16');
if (QD < 1 || FILES < 1 || BLOCKS < 8) throw new Error('--qd and --files must be >= 1, --blocks >= 8');

// The instrument goes in before any op exists.
const settles = installSettleCounter();
const { Ring } = loadPackage();
let staleCompletions = 0;
process.on('warning', (w) => {
  if (w.code === 'URING_FS_STALE_CQE') staleCompletions++;
  else process.stderr.write(`soak: warning: ${w.message}\n`);
});

const r = rng(SEED);
const baseline = processCounts();
const dir = fs.mkdtempSync(path.join(o.dir ?? os.tmpdir(), 'uring-fs-soak-'));
const FILE_BYTES = BLOCKS * BS;

// ---------------------------------------------------------------------------
// Files, each block at version 0, on disk before the ring starts.

const files = [];
for (let f = 0; f < FILES; f++) {
  const p = path.join(dir, `f${f}.bin`);
  const data = makeBlocks(BS, f, 0, new Array(BLOCKS).fill(0));
  fs.writeFileSync(p, data);
  const fd = fs.openSync(p, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  files.push({ path: p, fd: -1, cursor: { fd: -1, next: 0, reopening: false, inflight: 0 } });
}
const ver = new Int32Array(FILES * BLOCKS); // -1: unknown after a failed write
const lastVer = new Int32Array(FILES * BLOCKS); // the last version submitted: versions are never reused
const writer = new Uint8Array(FILES * BLOCKS);
const readers = new Uint16Array(FILES * BLOCKS);

let ledgerFd = -1;
function log(line) {
  if (ledgerFd >= 0) fs.writeSync(ledgerFd, `${line}\n`);
}
if (o.ledger) {
  ledgerFd = fs.openSync(o.ledger, 'w');
  log(`H ${JSON.stringify({ dir, files: FILES, blocks: BLOCKS, bs: BS, seed: SEED })}`);
}

const ring = new Ring({ entries: ENTRIES });
for (const F of files) F.fd = await ring.open(F.path, 'r+');
for (const F of files) F.cursor.fd = await ring.open(F.path, 'r+');

// ---------------------------------------------------------------------------
// Bookkeeping.

const stats = {
  ops: 0,
  calls: 0,
  byKind: {},
  readsVerified: 0,
  bytesVerified: 0,
  bytesWritten: 0,
  mismatches: 0,
  errors: 0,
  stuck: 0,
  neverSettled: 0,
};
const problems = [];
function problem(text) {
  if (problems.length < 20) problems.push(text);
}

let inflight = 0; // operations (batch entries count one each)
const live = new Map(); // call id -> { kind, t }
let callId = 0;
let fsyncId = 0;
const t0 = performance.now();
let stopping = false;
let finished = false;

function key(f, b) {
  return f * BLOCKS + b;
}

function canRead(f, b, k) {
  for (let i = 0; i < k; i++) {
    const x = key(f, b + i);
    if (writer[x] || ver[x] < 0) return false;
  }
  return true;
}

function canWrite(f, b, k) {
  for (let i = 0; i < k; i++) {
    const x = key(f, b + i);
    if (writer[x] || readers[x]) return false;
  }
  return true;
}

function lockRead(f, b, k) {
  for (let i = 0; i < k; i++) readers[key(f, b + i)]++;
}

function unlockRead(f, b, k) {
  for (let i = 0; i < k; i++) readers[key(f, b + i)]--;
}

function lockWrite(f, b, k) {
  for (let i = 0; i < k; i++) writer[key(f, b + i)] = 1;
}

/** The versions a write of k blocks at b will give them (and logs the submission). */
function nextVersions(f, b, k) {
  const vs = [];
  for (let i = 0; i < k; i++) {
    const v = ++lastVer[key(f, b + i)];
    vs.push(v);
    log(`W ${f} ${b + i} ${v}`);
  }
  return vs;
}

function commitWrite(f, b, vs, ok) {
  for (let i = 0; i < vs.length; i++) {
    const x = key(f, b + i);
    writer[x] = 0;
    ver[x] = ok ? vs[i] : -1;
    if (ok) log(`A ${f} ${b + i} ${vs[i]}`);
  }
}

/** Checks k blocks read into `views` (one Uint8Array, or one per block). */
function verify(f, b, k, views) {
  for (let i = 0; i < k; i++) {
    const bytes = Array.isArray(views) ? views[i] : views;
    const at = Array.isArray(views) ? 0 : i * BS;
    const want = ver[key(f, b + i)];
    const bad = checkBlock(bytes, at, BS, f, b + i, want);
    if (bad) {
      stats.mismatches++;
      problem(`wrong bytes: ${bad}`);
    }
  }
  stats.readsVerified += k;
  stats.bytesVerified += k * BS;
}

function failed(kind, err) {
  stats.errors++;
  problem(`${kind} failed: ${err && err.message ? err.message : String(err)}`);
}

/** Tracks one ring call of `n` operations until it settles. */
function track(kind, n, promise, onValue, onError) {
  const id = ++callId;
  live.set(id, { kind, t: performance.now(), stuck: false });
  inflight += n;
  stats.ops += n;
  stats.calls++;
  stats.byKind[kind] = (stats.byKind[kind] ?? 0) + n;
  promise.then(
    (value) => {
      live.delete(id);
      inflight -= n;
      try {
        onValue(value);
      } catch (err) {
        failed(kind, err);
      }
      schedulePump();
    },
    (err) => {
      live.delete(id);
      inflight -= n;
      onError(err);
      schedulePump();
    },
  );
}

/** A random run of k blocks the predicate allows, or null after a few tries. */
function findBlocks(maxK, ok) {
  for (let attempt = 0; attempt < 8; attempt++) {
    const f = r.int(FILES);
    const k = r.range(1, maxK);
    const b = r.int(BLOCKS - k + 1);
    if (ok(f, b, k)) return { f, b, k };
  }
  return null;
}

// ---------------------------------------------------------------------------
// The operations.

function doRead() {
  const s = findBlocks(4, canRead);
  if (!s) return false;
  const { f, b, k } = s;
  lockRead(f, b, k);
  const buf = new Uint8Array(new ArrayBuffer(k * BS));
  track('read', 1, ring.read(files[f].fd, buf, b * BS), (n) => {
    unlockRead(f, b, k);
    if (n !== k * BS) throw new Error(`read returned ${n}, want ${k * BS}`);
    verify(f, b, k, buf);
  }, (err) => {
    unlockRead(f, b, k);
    failed('read', err);
  });
  return true;
}

function doReadv() {
  const s = findBlocks(4, canRead);
  if (!s) return false;
  const { f, b, k } = s;
  lockRead(f, b, k);
  const views = Array.from({ length: k }, () => new Uint8Array(new ArrayBuffer(BS)));
  // Now and then a bigint position.
  const pos = r.chance(0.2) ? BigInt(b * BS) : b * BS;
  track('readv', 1, ring.readv(files[f].fd, views, pos), (n) => {
    unlockRead(f, b, k);
    if (n !== k * BS) throw new Error(`readv returned ${n}, want ${k * BS}`);
    verify(f, b, k, views);
  }, (err) => {
    unlockRead(f, b, k);
    failed('readv', err);
  });
  return true;
}

function doWrite() {
  const s = findBlocks(4, canWrite);
  if (!s) return false;
  const { f, b, k } = s;
  lockWrite(f, b, k);
  const vs = nextVersions(f, b, k);
  const buf = makeBlocks(BS, f, b, vs);
  track('write', 1, ring.write(files[f].fd, buf, b * BS), (n) => {
    const ok = n === k * BS;
    commitWrite(f, b, vs, ok);
    stats.bytesWritten += n;
    if (!ok) throw new Error(`write returned ${n}, want ${k * BS}`);
  }, (err) => {
    commitWrite(f, b, vs, false);
    failed('write', err);
  });
  return true;
}

function doWritev() {
  const s = findBlocks(4, canWrite);
  if (!s) return false;
  const { f, b, k } = s;
  lockWrite(f, b, k);
  const vs = nextVersions(f, b, k);
  const views = vs.map((v, i) => makeBlocks(BS, f, b + i, [v]));
  track('writev', 1, ring.writev(files[f].fd, views, b * BS), (n) => {
    const ok = n === k * BS;
    commitWrite(f, b, vs, ok);
    stats.bytesWritten += n;
    if (!ok) throw new Error(`writev returned ${n}, want ${k * BS}`);
  }, (err) => {
    commitWrite(f, b, vs, false);
    failed('writev', err);
  });
  return true;
}

function doSync(kind) {
  const f = r.int(FILES);
  const id = ++fsyncId;
  log(`S ${f} ${id}`);
  track(kind, 1, kind === 'fsync' ? ring.fsync(files[f].fd) : ring.fdatasync(files[f].fd), () => {
    log(`D ${f} ${id}`);
  }, (err) => failed(kind, err));
  return true;
}

/** A batch of 2..8 entries: reads and writes of one or two blocks, and now and then an fdatasync. */
function doBatch(link) {
  const n = r.range(2, 8);
  const entries = [];
  const after = []; // per entry: (value) => void, and how to undo the locks on failure
  for (let i = 0; i < n; i++) {
    if (r.chance(0.1)) {
      const f = r.int(FILES);
      const id = ++fsyncId;
      log(`S ${f} ${id}`);
      entries.push({ op: 'fdatasync', fd: files[f].fd });
      after.push({ ok: () => log(`D ${f} ${id}`), fail: () => {} });
      continue;
    }
    const write = r.chance(0.45);
    const s = findBlocks(2, write ? canWrite : canRead);
    if (!s) continue;
    const { f, b, k } = s;
    if (write) {
      lockWrite(f, b, k);
      const vs = nextVersions(f, b, k);
      entries.push({ op: 'write', fd: files[f].fd, buffer: makeBlocks(BS, f, b, vs), position: b * BS });
      after.push({
        ok: (v) => {
          commitWrite(f, b, vs, v === k * BS);
          stats.bytesWritten += v;
          if (v !== k * BS) throw new Error(`batch write returned ${v}, want ${k * BS}`);
        },
        fail: () => commitWrite(f, b, vs, false),
      });
    } else {
      lockRead(f, b, k);
      const buf = new Uint8Array(new ArrayBuffer(k * BS));
      entries.push({ op: 'read', fd: files[f].fd, buffer: buf, position: b * BS });
      after.push({
        ok: (v) => {
          unlockRead(f, b, k);
          if (v !== k * BS) throw new Error(`batch read returned ${v}, want ${k * BS}`);
          verify(f, b, k, buf);
        },
        fail: () => unlockRead(f, b, k),
      });
    }
  }
  if (entries.length === 0) return false;
  const kind = link ? 'chain' : 'batch';
  track(kind, entries.length, ring.batch(entries, link ? { link: true } : undefined), (results) => {
    if (!Array.isArray(results) || results.length !== entries.length) throw new Error(`${kind}: ${results?.length} results for ${entries.length} entries`);
    results.forEach((res, i) => {
      if (res.status === 'fulfilled') {
        try {
          after[i].ok(res.value);
        } catch (err) {
          failed(`${kind} entry ${i} (${entries[i].op})`, err);
        }
      } else {
        after[i].fail();
        failed(`${kind} entry ${i} (${entries[i].op})`, res.reason);
      }
    });
  }, (err) => {
    for (const a of after) a.fail();
    failed(kind, err);
  });
  return true;
}

/**
 * I/O at the current file position on each file's cursor fd: block after
 * block from the start, reads and writes, several in flight (the ring runs
 * them one at a time, in call order); at the end of the file the fd is closed
 * and reopened through the ring.
 */
function doCursor() {
  const f = r.int(FILES);
  const F = files[f];
  const c = F.cursor;
  if (c.reopening || c.inflight >= 4) return false;
  if (c.next >= FILE_BYTES) {
    c.reopening = true;
    const old = c.fd;
    c.fd = -1;
    track('close', 1, ring.close(old), () => {}, (err) => failed('close', err));
    track('open', 1, ring.open(F.path, 'r+'), (fd) => {
      c.fd = fd;
      c.next = 0;
      c.reopening = false;
    }, (err) => failed('open', err));
    return true;
  }
  const b = c.next / BS;
  const write = r.chance(0.4);
  if (write ? !canWrite(f, b, 1) : !canRead(f, b, 1)) return false;
  c.next += BS;
  c.inflight++;
  if (write) {
    lockWrite(f, b, 1);
    const vs = nextVersions(f, b, 1);
    track('cursor-write', 1, ring.write(c.fd, makeBlocks(BS, f, b, vs)), (n) => {
      c.inflight--;
      commitWrite(f, b, vs, n === BS);
      stats.bytesWritten += n;
      if (n !== BS) throw new Error(`cursor write returned ${n}, want ${BS}`);
    }, (err) => {
      c.inflight--;
      commitWrite(f, b, vs, false);
      failed('cursor-write', err);
    });
  } else {
    lockRead(f, b, 1);
    const buf = new Uint8Array(new ArrayBuffer(BS));
    track('cursor-read', 1, ring.read(c.fd, buf, r.chance(0.5) ? null : -1), (n) => {
      c.inflight--;
      unlockRead(f, b, 1);
      if (n !== BS) throw new Error(`cursor read returned ${n}, want ${BS}`);
      verify(f, b, 1, buf);
    }, (err) => {
      c.inflight--;
      unlockRead(f, b, 1);
      failed('cursor-read', err);
    });
  }
  return true;
}

const WEIGHTS = { read: 24, write: 20, readv: 9, writev: 9, fsync: 1, fdatasync: 1, batch: 8, chain: 8, cursor: 10 };
const DO = {
  read: doRead,
  write: doWrite,
  readv: doReadv,
  writev: doWritev,
  fsync: () => doSync('fsync'),
  fdatasync: () => doSync('fdatasync'),
  batch: () => doBatch(false),
  chain: () => doBatch(true),
  cursor: doCursor,
};

// ---------------------------------------------------------------------------
// The loop: keep QD operations in flight until the target, then drain.

function timeUp() {
  return SECONDS > 0 && performance.now() - t0 >= SECONDS * 1000;
}

let pumpScheduled = false;
function schedulePump() {
  if (pumpScheduled) return;
  pumpScheduled = true;
  queueMicrotask(pump);
}

function pump() {
  pumpScheduled = false;
  if (finished) return;
  if (!stopping && (stats.ops >= OPS || timeUp())) stop();
  let misses = 0;
  while (!stopping && inflight < QD && stats.ops < OPS && misses < 16) {
    if (!DO[r.weighted(WEIGHTS)]()) misses++;
  }
  if (stopping && inflight === 0) finish();
  else if (inflight === 0 && !stopping) setImmediate(pump); // every pick was blocked: try again next turn
}

let drainTimer;
function stop() {
  stopping = true;
  // Whatever has not settled within the stuck limit after the last submission never will.
  drainTimer = setTimeout(() => {
    stats.neverSettled = live.size;
    for (const [, c] of live) problem(`never settled: ${c.kind}, in flight for ${((performance.now() - c.t) / 1000).toFixed(1)} s`);
    finish();
  }, Math.max(STUCK_MS, 5000));
}

const samples = [];
function sample() {
  const c = processCounts();
  samples.push({ t: (performance.now() - t0) / 1000, ops: stats.ops, ...c });
  const now = performance.now();
  for (const [, call] of live) {
    if (!call.stuck && now - call.t > STUCK_MS) {
      call.stuck = true;
      stats.stuck++;
      problem(`stuck: ${call.kind} in flight for more than ${STUCK_MS} ms`);
    }
  }
}
sample();
const sampler = setInterval(sample, SAMPLE_MS);
if (o.ledger) process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
pump();

async function finish() {
  if (finished) return;
  finished = true;
  clearInterval(sampler);
  clearTimeout(drainTimer);
  const seconds = (performance.now() - t0) / 1000;
  sample();
  const running = samples[samples.length - 1];

  // Every block on disk, through node:fs, against what the soak believes.
  let blocksChecked = 0;
  let finalBad = 0;
  for (let f = 0; f < FILES; f++) {
    const data = new Uint8Array(fs.readFileSync(files[f].path));
    if (data.length !== FILE_BYTES) {
      finalBad++;
      problem(`file ${f} is ${data.length} bytes, want ${FILE_BYTES}`);
      continue;
    }
    for (let b = 0; b < BLOCKS; b++) {
      const v = ver[key(f, b)];
      if (v < 0 || writer[key(f, b)]) continue; // a failed or unfinished write: nothing to expect
      blocksChecked++;
      const bad = checkBlock(data, b * BS, BS, f, b, v);
      if (bad) {
        finalBad++;
        problem(`final check: ${bad}`);
      }
    }
  }

  // Close everything through the ring, destroy it, and count again.
  if (stats.neverSettled === 0) {
    const fds = files.flatMap((F) => [F.fd, F.cursor.fd]).filter((fd) => fd >= 0);
    const closed = await Promise.allSettled(fds.map((fd) => ring.close(fd)));
    for (const c of closed) if (c.status === 'rejected') failed('close', c.reason);
  }
  await ring.destroy();
  if (ledgerFd >= 0) fs.closeSync(ledgerFd);
  const after = processCounts();
  if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });

  const unsettledEngine = settles.armed - settles.settled;
  const rss = samples.map((s) => s.rss);
  const fdsMax = Math.max(...samples.map((s) => s.fds));
  const ringsMax = Math.max(...samples.map((s) => s.rings));
  // Memory growth: the last running sample against the one a tenth of the way in.
  const early = samples[Math.min(samples.length - 1, Math.max(1, Math.floor(samples.length / 10)))];
  const summary = {
    ok: false,
    seed: SEED,
    ops: stats.ops,
    calls: stats.calls,
    seconds: Number(seconds.toFixed(2)),
    opsPerSecond: Math.round(stats.ops / seconds),
    qd: QD,
    files: FILES,
    fileBytes: FILE_BYTES,
    byKind: stats.byKind,
    readsVerified: stats.readsVerified,
    bytesVerified: stats.bytesVerified,
    bytesWritten: stats.bytesWritten,
    mismatches: stats.mismatches,
    errors: stats.errors,
    stuck: stats.stuck,
    neverSettled: stats.neverSettled,
    engineUnsettled: unsettledEngine,
    doubleSettles: settles.doubles,
    staleCompletions,
    finalBlocksChecked: blocksChecked,
    finalBad,
    rss: { start: rss[0], early: early.rss, end: running.rss, max: Math.max(...rss) },
    fds: { before: baseline.fds, running: running.fds, max: fdsMax, after: after.fds },
    rings: { before: baseline.rings, running: running.rings, max: ringsMax, after: after.rings },
    samples: samples.length,
    problems: [...problems, ...settles.examples],
  };
  summary.ok =
    summary.mismatches === 0 &&
    summary.errors === 0 &&
    summary.stuck === 0 &&
    summary.neverSettled === 0 &&
    summary.engineUnsettled === 0 &&
    summary.doubleSettles === 0 &&
    summary.staleCompletions === 0 &&
    summary.finalBad === 0 &&
    summary.fds.after === baseline.fds &&
    summary.rings.after === baseline.rings &&
    ringsMax <= baseline.rings + 1;
  for (const p of summary.problems) process.stderr.write(`soak: ${p}\n`);
  process.stdout.write(
    `soak ${summary.ok ? 'OK' : 'FAILED'}: ${fmtInt(summary.ops)} ops (${fmtInt(summary.calls)} calls) in ${seconds.toFixed(1)} s ` +
      `(${fmtInt(summary.opsPerSecond)}/s), qd ${QD}, ${FILES} files × ${mib(FILE_BYTES)}, seed ${SEED}; ` +
      `${fmtInt(summary.readsVerified)} blocks read and verified, ${mib(summary.bytesWritten)} written; ` +
      `wrong bytes ${summary.mismatches}, errors ${summary.errors}, stuck ${summary.stuck}, never settled ${summary.neverSettled}, ` +
      `double settles ${summary.doubleSettles}, stale completions ${summary.staleCompletions}; ` +
      `final check ${blocksChecked} blocks, ${finalBad} bad; ` +
      `RSS ${mib(summary.rss.start)} → ${mib(summary.rss.early)} (10%) → ${mib(summary.rss.end)}, max ${mib(summary.rss.max)}; ` +
      `fds ${baseline.fds} → ${running.fds} (max ${fdsMax}) → ${after.fds}; ` +
      `io_uring instances ${baseline.rings} → ${running.rings} (max ${ringsMax}) → ${after.rings}\n`,
  );
  if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.ok ? 0 : 1;
}
