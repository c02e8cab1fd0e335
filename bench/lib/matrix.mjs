// The benchmark matrix: workloads x contenders x queue depths x block sizes x modes.

export const CONTENDERS = [
  'fs-promises', // FileHandle methods: the baseline every ratio is against
  'fs-callback', // fs.read / fs.write / fs.open ... with callbacks
  'fs-sync', // fs.readSync / writeSync ...: queue depth 1 only
  'fs-libuv-io-uring', // the fs-promises code with UV_USE_IO_URING=1
  'uring-fs', // Ring, one promise per op
  'uring-fs-batch', // ring.batch: QD N = N ops per submission
  'c-liburing', // bench/c-liburing.c: the ceiling
  'fio', // fio --ioengine=io_uring (read/write workloads only)
];

export const NODE_FS = new Set(['fs-promises', 'fs-callback', 'fs-sync', 'fs-libuv-io-uring']);
const ALL = CONTENDERS;
const NO_FIO = CONTENDERS.filter((c) => c !== 'fio');
const RING_ONLY = ['uring-fs', 'uring-fs-batch', 'c-liburing'];

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * op: what one operation is (read | write | orc = open+read whole+close one file | stat | nop)
 * data: which data it needs (read = the 1 GiB file or --file, write = the suite's write file,
 *       small = the 10,000 4 KiB files, none)
 * cache: 'hot' = page cache warmed (the data read once) before each case; 'direct' = O_DIRECT
 *        bypasses it. Writes are 'hot' too: every run starts with the write file cached and clean.
 * optional: only in the matrix when that option is given
 */
export const WORKLOADS = [
  { workload: 'randread', mode: 'hot', op: 'read', access: 'rand', bs: [4 * KiB], qd: [1, 8, 32, 128], quickQd: [1, 32], data: 'read', cache: 'hot', contenders: ALL },
  { workload: 'randread', mode: 'direct', op: 'read', access: 'rand', bs: [4 * KiB], qd: [1, 8, 32, 128], quickQd: [1, 32], data: 'read', cache: 'direct', direct: true, contenders: ALL },
  { workload: 'seqread', mode: 'hot', op: 'read', access: 'seq', bs: [128 * KiB, 1 * MiB], qd: [1, 8], quickQd: [1], data: 'read', cache: 'hot', contenders: ALL },
  { workload: 'seqread', mode: 'direct', op: 'read', access: 'seq', bs: [128 * KiB, 1 * MiB], qd: [1, 8], quickQd: [1], data: 'read', cache: 'direct', direct: true, contenders: ALL, optional: 'direct' },
  { workload: 'randwrite', mode: 'buffered', op: 'write', access: 'rand', bs: [4 * KiB], qd: [1, 32], quickQd: [1], data: 'write', cache: 'hot', contenders: ALL },
  { workload: 'randwrite', mode: 'fdatasync-32', op: 'write', access: 'rand', bs: [4 * KiB], qd: [1, 32], quickQd: [1], data: 'write', cache: 'hot', fdatasyncEvery: 32, contenders: ALL },
  { workload: 'randwrite', mode: 'direct', op: 'write', access: 'rand', bs: [4 * KiB], qd: [1, 32], quickQd: [1], data: 'write', cache: 'direct', direct: true, contenders: ALL, optional: 'direct' },
  { workload: 'smallfiles', mode: 'open-read-close', op: 'orc', access: 'seq', bs: [4 * KiB], qd: [1, 32], quickQd: [1, 32], data: 'small', cache: 'hot', contenders: NO_FIO },
  { workload: 'stat', mode: 'statx', op: 'stat', access: 'seq', bs: [null], qd: [1, 32], quickQd: [1, 32], data: 'small', contenders: NO_FIO },
  { workload: 'nop', mode: 'nop', op: 'nop', access: 'seq', bs: [null], qd: [1, 32], quickQd: [1, 32], data: 'none', contenders: RING_ONLY },
];

export const WORKLOAD_IDS = [...new Set(WORKLOADS.flatMap((w) => [w.workload, `${w.workload}:${w.mode}`]))];

/** Splits --filter terms into workload and contender filters; unknown terms are an error. */
export function parseFilter(terms) {
  const workloads = [];
  const contenders = [];
  for (const t of terms) {
    if (CONTENDERS.includes(t)) contenders.push(t);
    else if (WORKLOAD_IDS.includes(t)) workloads.push(t);
    else throw new Error(`--filter: unknown workload or contender '${t}'\n  workloads: ${WORKLOAD_IDS.join(' ')}\n  contenders: ${CONTENDERS.join(' ')}`);
  }
  return { workloads, contenders };
}

export const rowKey = (r) => `${r.workload}|${r.mode}|${r.bs}|${r.qd}|${r.contender}`;
export const caseKey = (r) => `${r.workload}|${r.mode}|${r.bs}|${r.qd}`;

/**
 * Expands the matrix into cells. Each cell is one row of the results: kind 'run' (measured
 * every round), 'n/a' (fs-sync above QD 1) or 'skipped' (with a note).
 */
export function expand(opts, env) {
  const { workloads: wf, contenders: cf } = parseFilter(opts.filter);
  const wantContender = (c) => !cf.length || cf.includes(c) || c === 'fs-promises';
  const wantWorkload = (w) => !wf.length || wf.includes(w.workload) || wf.includes(`${w.workload}:${w.mode}`);
  const cells = [];
  for (const w of WORKLOADS) {
    if (w.optional && !opts[w.optional] && !wf.includes(`${w.workload}:${w.mode}`)) continue;
    if (!wantWorkload(w)) continue;
    const qds = opts.qd ?? (opts.quick ? w.quickQd : w.qd);
    for (const bs of w.bs) {
      for (const qd of qds) {
        for (const contender of w.contenders) {
          if (!wantContender(contender)) continue;
          const cell = { workload: w.workload, mode: w.mode, bs, qd, contender, spec: w, kind: 'run', note: null };
          const skip = skipReason(w, contender, qd, env);
          if (skip) Object.assign(cell, skip);
          cells.push(cell);
        }
      }
    }
  }
  return cells;
}

function skipReason(w, contender, qd, env) {
  if (contender === 'fs-sync' && qd !== 1)
    return { kind: 'n/a', note: 'synchronous calls: one op at a time, queue depth 1 only' };
  const refused = w.direct ? env.directRefused?.[w.data] : null;
  if (w.direct && NODE_FS.has(contender))
    return {
      kind: 'skipped',
      note:
        'node:fs cannot allocate page-aligned buffers, which O_DIRECT requires (uring-fs has allocAligned)' +
        (refused ? `; and ${refused}` : ''),
    };
  if (refused) return { kind: 'skipped', note: refused };
  if (contender === 'c-liburing' && env.cSkip) return { kind: 'skipped', note: env.cSkip };
  if (contender === 'fio' && env.fioSkip) return { kind: 'skipped', note: env.fioSkip };
  return null;
}

/** Rough seconds per run, by contender: warm-up + measured time + process start and teardown. */
export function estimateSeconds(cells, opts) {
  const overhead = (c) => (c === 'c-liburing' ? 0.03 : c === 'fio' ? 0.4 : 0.12);
  let s = 0;
  let runs = 0;
  for (const c of cells) {
    if (c.kind !== 'run') continue;
    runs++;
    s += opts.warmup + opts.duration + overhead(c.contender);
  }
  return { runs: runs * opts.rounds, seconds: s * opts.rounds };
}
