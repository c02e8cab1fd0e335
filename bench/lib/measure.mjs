// In-child measurement: the shared workload state (offsets, paths, sync cadence), the
// recorder (phases, latency samples, CPU) and one driver per calling style.
//
// Phases are decided by completion time: completions before `warmup` seconds are warm-up,
// completions in the next `duration` seconds are measured, and the first completion after that
// stops every loop (ops already in flight finish but are not counted). CPU is
// process.cpuUsage() (user + system of every thread of the process, including libuv's
// threadpool and the kernel's io-wq workers) between the first and last measured completion.
import { performance } from 'node:perf_hooks';

const now = () => performance.now(); // ms, sub-µs resolution, ~50 ns per call

/** Offsets, paths and the fdatasync cadence, shared by all loops of one run (as in the C program). */
export class Workload {
  constructor(c) {
    this.c = c;
    this.rng = c.seed >>> 0 || 1;
    this.blocks = c.span ? Math.floor(c.span / c.bs) : 0;
    this.cursor = 0;
    this.fileCursor = 0;
    this.paths = c.filesDir
      ? Array.from({ length: c.nfiles }, (_, i) => `${c.filesDir}/f${String(i).padStart(5, '0')}`)
      : [];
    this.writesSinceSync = 0;
    this.syncInFlight = false;
  }
  rand() {
    // xorshift32: cheap and reproducible; bias over 2^18 blocks is negligible.
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
  nextOffset() {
    const { bs } = this.c;
    if (this.c.access === 'seq') {
      const off = this.cursor;
      this.cursor += bs;
      if (this.cursor + bs > this.blocks * bs) this.cursor = 0;
      return off;
    }
    return (this.rand() % this.blocks) * bs;
  }
  nextPath() {
    const p = this.paths[this.fileCursor];
    this.fileCursor = (this.fileCursor + 1) % this.paths.length;
    return p;
  }
  /** Called after writes complete; true when this caller should issue the fdatasync now. */
  wroteAndWantSync(n) {
    const every = this.c.fdatasyncEvery;
    if (!every) return false;
    this.writesSinceSync += n;
    if (this.writesSinceSync >= every && !this.syncInFlight) {
      this.writesSinceSync = 0;
      this.syncInFlight = true;
      return true;
    }
    return false;
  }
  syncDone() {
    this.syncInFlight = false;
  }
}

const SAMPLE_CAP = 1 << 21;

export class Recorder {
  constructor({ warmup, duration }) {
    this.t0 = now();
    this.warmEnd = this.t0 + warmup * 1000;
    this.end = this.warmEnd + duration * 1000;
    this.measuring = false;
    this.stopped = false;
    this.ops = 0;
    this.syncs = 0;
    this.lat = new Float64Array(SAMPLE_CAP);
    this.n = 0;
    this.seen = 0;
    this.tStart = 0;
    this.tEnd = 0;
    this.cpu0 = null;
    this.cpu1 = null;
  }
  /** One completion of `count` ops that were started at `start` (ms). */
  done(start, count = 1) {
    const t = now();
    if (!this.measuring) {
      if (t < this.warmEnd) return;
      this.measuring = true;
      this.tStart = t;
      this.cpu0 = process.cpuUsage();
    } else if (this.stopped) {
      return;
    } else if (t >= this.end) {
      this.stopped = true;
      this.tEnd = t;
      this.cpu1 = process.cpuUsage();
      return;
    }
    this.ops += count;
    const us = (t - start) * 1000;
    for (let i = 0; i < count; i++) this.sample(us);
  }
  sample(us) {
    this.seen++;
    if (this.n < SAMPLE_CAP) this.lat[this.n++] = us;
    else {
      const j = Math.floor(Math.random() * this.seen); // reservoir
      if (j < SAMPLE_CAP) this.lat[j] = us;
    }
  }
  /** Also stops if the workload ended on its own (it never does today; kept for safety). */
  result() {
    if (!this.stopped) {
      this.tEnd = now();
      this.cpu1 = process.cpuUsage();
      if (!this.cpu0) {
        this.cpu0 = this.cpu1;
        this.tStart = this.tEnd;
      }
    }
    const s = this.lat.subarray(0, this.n).sort();
    const pct = (p) => (this.n ? s[Math.min(this.n - 1, Math.round(p * (this.n - 1)))] : null);
    return {
      ops: this.ops,
      seconds: (this.tEnd - this.tStart) / 1000,
      lat: { p50: pct(0.5), p99: pct(0.99), p999: pct(0.999), samples: this.n },
      cpuUser: (this.cpu1.user - this.cpu0.user) / 1e6,
      cpuSys: (this.cpu1.system - this.cpu0.system) / 1e6,
      syncs: this.syncs,
    };
  }
}

/**
 * Promise style: `qd` concurrent loops, each awaiting one op at a time.
 * op(slot) -> Promise; sync() -> Promise (optional, for fdatasync cadence).
 */
export async function runPromiseLoops({ qd, op, sync, w, timing }) {
  const rec = new Recorder(timing);
  const loop = async (slot) => {
    while (!rec.stopped) {
      const t = now();
      await op(slot);
      rec.done(t);
      if (sync && w.wroteAndWantSync(1)) {
        await sync();
        w.syncDone();
        if (rec.measuring && !rec.stopped) rec.syncs++;
      }
    }
  };
  await Promise.all(Array.from({ length: qd }, (_, i) => loop(i)));
  return rec.result();
}

/** Callback style: `qd` chains; op(slot, cb(err)) and sync(cb(err)). */
export function runCallbackLoops({ qd, op, sync, w, timing }) {
  const rec = new Recorder(timing);
  return new Promise((resolve, reject) => {
    let live = qd;
    let failed = false;
    const fail = (err) => {
      if (!failed) {
        failed = true;
        rec.stopped = true;
        reject(err);
      }
    };
    const next = (slot) => {
      if (failed) return;
      if (rec.stopped) {
        if (--live === 0) resolve(rec.result());
        return;
      }
      const t = now();
      op(slot, (err) => {
        if (err) return fail(err);
        rec.done(t);
        if (sync && w.wroteAndWantSync(1)) {
          sync((e) => {
            if (e) return fail(e);
            w.syncDone();
            if (rec.measuring && !rec.stopped) rec.syncs++;
            next(slot);
          });
        } else next(slot);
      });
    };
    for (let i = 0; i < qd; i++) next(i);
  });
}

/** Synchronous style: one op at a time on the main thread (QD 1 only). */
export function runSyncLoop({ op, sync, w, timing }) {
  const rec = new Recorder(timing);
  while (!rec.stopped) {
    const t = now();
    op(0);
    rec.done(t);
    if (sync && w.wroteAndWantSync(1)) {
      sync();
      w.syncDone();
      if (rec.measuring && !rec.stopped) rec.syncs++;
    }
  }
  return rec.result();
}

/**
 * Batch style: QD N = one batch of N ops submitted together and awaited together; every op of
 * the batch is given the batch's latency. batch(n) -> Promise; sync() -> Promise (optional).
 */
export async function runBatchLoop({ qd, batch, sync, w, timing }) {
  const rec = new Recorder(timing);
  while (!rec.stopped) {
    const t = now();
    await batch(qd);
    rec.done(t, qd);
    if (sync && w.wroteAndWantSync(qd)) {
      await sync();
      w.syncDone();
      if (rec.measuring && !rec.stopped) rec.syncs++;
    }
  }
  return rec.result();
}
