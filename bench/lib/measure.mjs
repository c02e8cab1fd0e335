// In-child measurement: the shared workload state (offsets, paths, sync cadence), the
// recorder (phases, latency samples, CPU) and one driver per calling style.
//
// Phases are decided by completion time: completions before `warmup` seconds (and, with
// warmupOps, before that many completions, up to warmupMax seconds) are warm-up, completions in
// the next `duration` seconds are measured, and the first completion after that stops every
// loop (ops already in flight finish but are not counted). CPU is
// process.cpuUsage() (user + system of every thread of the process, including libuv's
// threadpool and the kernel's io-wq workers) between the first and last measured completion;
// readBytes is /proc/self/io's read_bytes over the same window (what the process made the
// kernel fetch from storage: 0 for a run that really was page-cache hot).
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const now = () => performance.now(); // ms, sub-µs resolution, ~50 ns per call

/** /proc/self/io read_bytes (the whole process), or null where the kernel does not account it. */
export function procReadBytes() {
  try {
    const m = /^read_bytes: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * `count` buffers of `size` bytes, each starting on its own page, filled with 0xa5: the C
 * program's posix_memalign(4096) and fio's buffers are page-aligned, so the Node contenders'
 * are too. Buffer.alloc is not: a 1 MiB Buffer.alloc is a glibc mmap chunk whose data starts
 * 16 bytes past a page (and 16 mod 64 past a cache line), which makes the kernel's copy into it
 * measurably slower (bench/README.md, "Same work"). JavaScript has no aligned allocator, but a
 * WebAssembly.Memory's backing store is mapped by V8 on its own pages, so slices of one at
 * multiples of 4096 are page-aligned.
 */
export function pageAlignedBuffers(count, size) {
  const stride = Math.ceil(size / 4096) * 4096;
  const pages = Math.max(1, Math.ceil((stride * count) / 65536)); // WebAssembly pages are 64 KiB
  const mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return Array.from({ length: count }, (_, i) => Buffer.from(mem.buffer, i * stride, size).fill(0xa5));
}

/**
 * --profile runs a child under `perf record -D -1 --control fifo:<BENCH_PERF_CTL>`: events start
 * disabled and the measured window turns them on and off, so the profile is that window only.
 */
function perfControl(cmd) {
  const ctl = process.env.BENCH_PERF_CTL;
  if (!ctl) return;
  try {
    fs.appendFileSync(ctl, `${cmd}\n`);
  } catch {
    /* no perf listening: nothing to tell */
  }
}

/** Worker i's seed: worker 0 draws what a single-threaded run draws (same as the C program). */
export const workerSeed = (seed, i) => ((seed >>> 0) ^ Math.imul(i, 0x9e3779b9)) >>> 0 || 1;

/** Offsets, paths and the fdatasync cadence, shared by all loops of one run (as in the C program). */
export class Workload {
  constructor(c, worker = 0) {
    this.c = c;
    this.worker = worker; // --workers: this thread's index (its own writefile files)
    this.rng = workerSeed(c.seed, worker);
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
  /** writefile: the file slot `slot` of this thread rewrites (f<worker * qd + slot>, its own). */
  slotPath(slot) {
    return `${this.c.filesDir}/f${String(this.worker * this.c.qd + slot).padStart(5, '0')}`;
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
  constructor({ warmup, duration, warmupOps = 0, warmupMax = warmup, perf = true }) {
    this.perf = perf; // the one recorder (worker 0 with --workers) that drives --profile's perf
    this.t0 = now();
    this.warmEnd = this.t0 + warmup * 1000;
    // Warm-up also lasts until warmupOps completions (V8 compiles the hot loop after some
    // thousands of calls: at 5k ops/s, 0.1 s left that compilation in the measured window),
    // but never past warmupMax seconds.
    this.warmupOps = warmupOps;
    this.warmCap = this.t0 + Math.max(warmup, warmupMax) * 1000;
    this.warmed = 0;
    this.duration = duration * 1000;
    this.end = Infinity; // set when measuring starts
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
    this.rb0 = null;
    this.rb1 = null;
  }
  /** One completion of `count` ops that were started at `start` (ms). */
  done(start, count = 1) {
    const t = now();
    if (!this.measuring) {
      this.warmed += count;
      if (t < this.warmEnd || (this.warmed < this.warmupOps && t < this.warmCap)) return;
      this.measuring = true;
      this.tStart = t;
      this.end = t + this.duration;
      if (this.perf) perfControl('enable');
      this.cpu0 = process.cpuUsage();
      this.rb0 = procReadBytes();
    } else if (this.stopped) {
      return;
    } else if (t >= this.end) {
      this.stopped = true;
      this.tEnd = t;
      this.cpu1 = process.cpuUsage();
      this.rb1 = procReadBytes();
      if (this.perf) perfControl('disable');
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
      this.rb1 = procReadBytes();
      if (!this.cpu0) {
        this.cpu0 = this.cpu1;
        this.rb0 = this.rb1;
        this.tStart = this.tEnd;
      }
    }
    const s = this.lat.subarray(0, this.n).sort();
    return {
      ops: this.ops,
      seconds: (this.tEnd - this.tStart) / 1000,
      lat: { ...percentiles(s), samples: this.n },
      cpuUser: (this.cpu1.user - this.cpu0.user) / 1e6,
      cpuSys: (this.cpu1.system - this.cpu0.system) / 1e6,
      readBytes: this.rb0 != null && this.rb1 != null ? this.rb1 - this.rb0 : null,
      syncs: this.syncs,
    };
  }
  /** The latency samples taken (for combining several workers' runs). */
  samples() {
    return this.lat.slice(0, this.n);
  }
}

/** A driver's result; with timing.keepSamples (worker threads) also its latency samples. */
function finish(rec, timing) {
  const r = rec.result();
  if (timing.keepSamples) r.samples = rec.samples();
  return r;
}

/** p50 / p99 / p99.9 of sorted samples (nearest rank, as the C program). */
function percentiles(sorted) {
  const n = sorted.length;
  const pct = (p) => (n ? sorted[Math.min(n - 1, Math.round(p * (n - 1)))] : null);
  return { p50: pct(0.5), p99: pct(0.99), p999: pct(0.999) };
}

/**
 * One result from N workers' results (each with its samples): the workers' rates add up, CPU is
 * the process's (all threads) over the mean window, latency percentiles over all samples. The C
 * program combines its threads the same way. Every worker's own ops and seconds are kept.
 */
export function combine(parts) {
  let ops = 0, rate = 0, userRate = 0, sysRate = 0, syncs = 0, readBytes = null, n = 0;
  for (const p of parts) {
    ops += p.ops;
    syncs += p.syncs;
    n += p.samples.length;
    if (p.readBytes != null) readBytes = Math.max(readBytes ?? 0, p.readBytes); // process-wide, overlapping windows
    if (p.seconds > 0) {
      rate += p.ops / p.seconds;
      userRate += p.cpuUser / p.seconds / parts.length;
      sysRate += p.cpuSys / p.seconds / parts.length;
    }
  }
  const seconds = rate > 0 ? ops / rate : 0;
  const all = new Float64Array(n);
  let k = 0;
  for (const p of parts) {
    all.set(p.samples, k);
    k += p.samples.length;
  }
  all.sort();
  return {
    ops,
    seconds,
    lat: { ...percentiles(all), samples: n },
    cpuUser: userRate * seconds,
    cpuSys: sysRate * seconds,
    readBytes,
    syncs,
    threads: parts.map((p) => ({ ops: p.ops, seconds: p.seconds })),
  };
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
  return finish(rec, timing);
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
        if (--live === 0) resolve(finish(rec, timing));
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
  return finish(rec, timing);
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
  return finish(rec, timing);
}

/**
 * Stream style: one Readable at a time, consumed by a 'data' listener; each chunk is one op,
 * timed from the previous chunk (or the stream's start). open() -> a Readable (or a promise of
 * one); a new one when a
 * stream ends, until the measured window is over (then the stream is destroyed and its 'close'
 * awaited, so its handle is closed before the run reports).
 */
export async function runStreamLoop({ open, timing }) {
  const rec = new Recorder(timing);
  while (!rec.stopped) {
    const s = await open();
    await new Promise((resolve, reject) => {
      let last = now();
      let failed = null;
      s.on('data', () => {
        rec.done(last);
        last = now();
        if (rec.stopped && !s.destroyed) s.destroy();
      });
      s.on('error', (err) => (failed = err));
      s.on('close', () => (failed ? reject(failed) : resolve()));
    });
  }
  return finish(rec, timing);
}

/**
 * Queue style (a completion queue, no promise per op): `qd` ops always in flight, each tagged
 * with its slot; completions arrive in bulk and each re-arms its slot at once, as the C program
 * does. open(handler) -> submit(slot); the contender calls handler(tags, results, count) after
 * each reap; a result other than `want` fails the run (error(result) -> the Error). Latency is
 * from the submit to the handler's call.
 */
export function runQueueLoop({ qd, open, want, error, timing }) {
  const rec = new Recorder(timing);
  const started = new Float64Array(qd);
  return new Promise((resolve, reject) => {
    let inFlight = 0;
    let failed = false;
    const fail = (err) => {
      if (failed) return;
      failed = true;
      rec.stopped = true;
      reject(err);
    };
    let submit = null;
    const arm = (slot) => {
      started[slot] = now();
      submit(slot);
      inFlight++;
    };
    submit = open((tags, results, count) => {
      for (let i = 0; i < count; i++) {
        inFlight--;
        if (failed) continue;
        const slot = tags[i];
        if (results[i] !== want) {
          fail(error(results[i]));
          continue;
        }
        rec.done(started[slot]);
        if (!rec.stopped) {
          try {
            arm(slot);
          } catch (err) {
            fail(err);
          }
        }
      }
      if (inFlight === 0 && !failed) resolve(finish(rec, timing));
    });
    try {
      for (let s = 0; s < qd; s++) arm(s);
    } catch (err) {
      fail(err);
    }
  });
}
