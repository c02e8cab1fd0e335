// The benchmark matrix: workloads x contenders x queue depths x block sizes x modes.

export const CONTENDERS = [
  'fs-promises', // FileHandle methods: the baseline every ratio is against
  'fs-callback', // fs.read / fs.write / fs.open ... with callbacks
  'fs-sync', // fs.readSync / writeSync ...: queue depth 1 only
  'fs-libuv-io-uring', // the fs-promises code with UV_USE_IO_URING=1
  'uring-fs', // Ring, one promise per op
  'uring-fs-batch', // ring.batch: QD N = N ops per submission
  'uring-fs-queue', // ring.completionQueue: N ops in flight, results as numbers, no promise per op
  'uring-fs-many', // ring.readMany: QD N = N reads in one call, one Int32Array of results
  'uring-fs-promises', // the drop-in uring-fs/promises: FileHandle.read, readFile, writeFile, streams
  'c-liburing', // bench/c-liburing.c: the ceiling
  'fio', // fio --ioengine=io_uring (read/write workloads only)
];

export const NODE_FS = new Set(['fs-promises', 'fs-callback', 'fs-sync', 'fs-libuv-io-uring']);
/**
 * The node:fs styles run on the other Node lines by default (--node-styles auto): the one that
 * is fastest at each depth, so that "the best node:fs of any line" is measured without running
 * every style everywhere. At queue depth 1 that is a synchronous call (no thread hop), above it
 * the callback API (fs-promises is the same threadpool request plus a promise per op). The
 * running Node measures every style, which keeps that claim checked in every run.
 */
export const AUTO_LINE_STYLES = { 'fs-sync': (qd) => qd === 1, 'fs-callback': (qd) => qd > 1 };
const lineStyles = (opts) => (opts.nodeStyles === 'auto' || opts.nodeStyles == null ? Object.keys(AUTO_LINE_STYLES) : opts.nodeStyles);
/** Whether a contender runs at this depth under --node-styles (auto: see AUTO_LINE_STYLES). */
function lineStyleAt(opts, style, line, qd, w) {
  if (line == null || !(opts.nodeStyles === 'auto' || opts.nodeStyles == null)) return true;
  // A workload whose fastest node:fs call is not the depth's (streams: fs.createReadStream), or
  // [] for a workload the other lines run only when named (writefile).
  if (w?.lineStyles) return w.lineStyles.includes(style);
  return AUTO_LINE_STYLES[style]?.(qd) ?? true;
}
/** Other Node lines whose node:fs is measured too, by default (--node-lines). */
export const DEFAULT_NODE_LINES = [22, 24, 26];

/** 'fs-callback@24' -> { style: 'fs-callback', line: 24 }; 'uring-fs' -> { style: 'uring-fs', line: null }. */
export function splitContender(name) {
  const at = name.indexOf('@');
  return at < 0 ? { style: name, line: null } : { style: name.slice(0, at), line: Number(name.slice(at + 1)) };
}
/** True for every node:fs contender, on any Node line. */
export const isNodeFs = (name) => NODE_FS.has(splitContender(name).style);
// The contenders every read/write workload has (the promise-free path and the drop-in are added
// per workload, where they have that op).
const ALL = CONTENDERS.filter((c) => !['uring-fs-queue', 'uring-fs-many', 'uring-fs-promises'].includes(c));
const NO_FIO = ALL.filter((c) => c !== 'fio');
const RING_ONLY = ['uring-fs', 'uring-fs-batch', 'c-liburing'];
// The promise-free path (src/queue.ts): reads only, hot and O_DIRECT.
const PROMISE_FREE = ['uring-fs-queue', 'uring-fs-many'];
// node:fs's own readFile / writeFile on the running Node (fs-libuv-io-uring left out: it only
// runs on Node 20, and these workloads already cost ~50 runs a round).
const NODE_WHOLE_FILE = ['fs-promises', 'fs-callback', 'fs-sync'];

/**
 * io_uring features a workload runs with, beside none (null): registered files (uring-fs
 * ring.registerFile, C IORING_REGISTER_FILES, fio registerfiles=1), registered buffers
 * (ring.registerBuffers, IORING_REGISTER_BUFFERS + READ_FIXED, fio fixedbufs=1), both.
 * A case is one feature set: each contender in it uses the same ones (--features picks).
 */
export const FEATURES = [null, 'regfiles', 'fixedbufs', 'fixedbufs+regfiles'];
export const FEATURE_NAMES = ['none', 'regfiles', 'fixedbufs', 'fixedbufs+regfiles'];
/** The contenders that can use those features. */
const FEATURE_CONTENDERS = ['uring-fs', 'c-liburing', 'fio'];

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * op: what one operation is (read | write | orc = open+read whole+close one file | stat | nop)
 * data: which data it needs (read = the 1 GiB file or --file, write = the suite's write file,
 *       small = the 10,000 4 KiB files, none)
 * cache: 'hot' = the data is in the page cache before each case, built the same way every time
 *        (bench/lib/cache.mjs); 'direct' = O_DIRECT bypasses it. Writes are 'hot' too: every run
 *        starts with the write file cached and clean. stat is 'hot' for its inodes.
 * optional: only in the matrix when that option is given
 */
export const WORKLOADS = [
  // uring-fs-promises here is the drop-in's FileHandle.read (fs-promises: node's FileHandle.read).
  { workload: 'randread', mode: 'hot', op: 'read', access: 'rand', bs: [4 * KiB], qd: [1, 8, 32, 128], quickQd: [1, 32], data: 'read', cache: 'hot', contenders: [...ALL, ...PROMISE_FREE, 'uring-fs-promises'] },
  { workload: 'randread', mode: 'direct', op: 'read', access: 'rand', bs: [4 * KiB], qd: [1, 8, 32, 128], quickQd: [1, 32], data: 'read', cache: 'direct', direct: true, contenders: [...ALL, ...PROMISE_FREE], features: FEATURES, directTargets: true },
  // --sqpoll: the same random reads with a kernel submission thread in every ring contender
  // (uring-fs: new Ring({ sqpoll: true }); C: IORING_SETUP_SQPOLL; fio: --sqthread_poll=1), beside
  // the rows above without it, in the same run. fs-promises stays as the node:fs baseline.
  { workload: 'randread', mode: 'hot-sqpoll', op: 'read', access: 'rand', bs: [4 * KiB], qd: [1, 8, 32, 128], quickQd: [1, 32], data: 'read', cache: 'hot', sqpoll: true, contenders: ['fs-promises', 'uring-fs', 'uring-fs-batch', 'c-liburing', 'fio'], optional: 'sqpoll' },
  { workload: 'randread', mode: 'direct-sqpoll', op: 'read', access: 'rand', bs: [4 * KiB], qd: [1, 8, 32, 128], quickQd: [1, 32], data: 'read', cache: 'direct', direct: true, sqpoll: true, contenders: ['uring-fs', 'uring-fs-batch', 'c-liburing', 'fio'], optional: 'sqpoll', directTargets: true },
  { workload: 'seqread', mode: 'hot', op: 'read', access: 'seq', bs: [128 * KiB, 1 * MiB], qd: [1, 8], quickQd: [1], data: 'read', cache: 'hot', contenders: ALL },
  { workload: 'seqread', mode: 'direct', op: 'read', access: 'seq', bs: [128 * KiB, 1 * MiB], qd: [1, 8], quickQd: [1], data: 'read', cache: 'direct', direct: true, contenders: ALL, optional: 'direct' },
  // One Readable of the whole file (its first --span bytes), 64 KiB chunks (the default
  // highWaterMark), consumed by a 'data' listener; a new stream at the end. One op = one chunk.
  // fs-promises: node's FileHandle.createReadStream(), fs-callback: fs.createReadStream() (node's
  // fastest stream; the other Node lines run it), uring-fs-promises: the drop-in's FileHandle.createReadStream().
  { workload: 'stream', mode: 'hot', op: 'stream', access: 'seq', bs: [64 * KiB], qd: [1], quickQd: [1], data: 'read', cache: 'hot', contenders: ['fs-promises', 'fs-callback', 'uring-fs-promises'], lineStyles: ['fs-callback'] },
  { workload: 'randwrite', mode: 'buffered', op: 'write', access: 'rand', bs: [4 * KiB], qd: [1, 32], quickQd: [1], data: 'write', cache: 'hot', contenders: ALL },
  { workload: 'randwrite', mode: 'fdatasync-32', op: 'write', access: 'rand', bs: [4 * KiB], qd: [1, 32], quickQd: [1], data: 'write', cache: 'hot', fdatasyncEvery: 32, contenders: ALL },
  { workload: 'randwrite', mode: 'direct', op: 'write', access: 'rand', bs: [4 * KiB], qd: [1, 32], quickQd: [1], data: 'write', cache: 'direct', direct: true, contenders: ALL, optional: 'direct' },
  { workload: 'smallfiles', mode: 'open-read-close', op: 'orc', access: 'seq', bs: [4 * KiB], qd: [1, 32], quickQd: [1, 32], data: 'small', cache: 'hot', contenders: NO_FIO },
  { workload: 'stat', mode: 'statx', op: 'stat', access: 'seq', bs: [null], qd: [1, 32], quickQd: [1, 32], data: 'small', cache: 'hot', contenders: NO_FIO },
  // readFile of a whole file (bs = its size) from a set of page-cached files in rotation
  // (data 'files': 4 KiB = the 10,000 small files, 64 KiB x 1,024, 1 MiB x 64), QD N = N
  // readFile calls in flight. fs-promises: fs.promises.readFile, fs-callback: fs.readFile,
  // fs-sync: fs.readFileSync, uring-fs: the top-level readFile export, uring-fs-promises: the drop-in's.
  { workload: 'readfile', mode: 'hot', op: 'readfile', access: 'seq', bs: [4 * KiB, 64 * KiB, 1 * MiB], qd: [1, 32], quickQd: [1, 32], data: 'files', cache: 'hot', contenders: [...NODE_WHOLE_FILE, 'uring-fs', 'uring-fs-promises'] },
  // writeFile of a whole file (bs bytes; open O_TRUNC|O_CREAT, write, close): slot i rewrites its
  // own file <write dir>/writefile/f0000i, in the data directory and every --write-dir.
  // fs-promises: fs.promises.writeFile, fs-callback: fs.writeFile, fs-sync: fs.writeFileSync,
  // uring-fs-promises: the drop-in's writeFile (uring-fs has no top-level writeFile). The other
  // Node lines only when asked for (--filter fs-sync@24, --node-styles), to keep the default run short.
  { workload: 'writefile', mode: 'buffered', op: 'writefile', access: 'seq', bs: [4 * KiB, 1 * MiB], qd: [1, 32], quickQd: [1], data: 'wfiles', contenders: [...NODE_WHOLE_FILE, 'uring-fs-promises'], lineStyles: [] },
  { workload: 'nop', mode: 'nop', op: 'nop', access: 'seq', bs: [null], qd: [1, 32], quickQd: [1, 32], data: 'none', contenders: RING_ONLY },
];

export const WORKLOAD_IDS = [...new Set(WORKLOADS.flatMap((w) => [w.workload, `${w.workload}:${w.mode}`]))];

/**
 * The contender names the options select, in table order (line variants after their style);
 * all: every node:fs style on every line (what --filter may name).
 */
export function contenderNames(opts, { all = false } = {}) {
  const lines = opts.nodeLines ?? [];
  const styles = all ? [...NODE_FS] : lineStyles(opts);
  const out = [];
  for (const c of CONTENDERS) {
    out.push(c);
    if (NODE_FS.has(c) && styles.includes(c)) for (const l of lines) out.push(`${c}@${l}`);
  }
  return out;
}

/** Splits --filter terms into workload and contender filters; unknown terms are an error. */
export function parseFilter(terms, opts = {}) {
  const names = contenderNames(opts, { all: true });
  const workloads = [];
  const contenders = [];
  for (const t of terms) {
    if (CONTENDERS.includes(t) || names.includes(t)) contenders.push(t);
    else if (WORKLOAD_IDS.includes(t)) workloads.push(t);
    else throw new Error(`--filter: unknown workload or contender '${t}'\n  workloads: ${WORKLOAD_IDS.join(' ')}\n  contenders: ${names.join(' ')}`);
  }
  return { workloads, contenders };
}

export const rowKey = (r) => `${caseKey(r)}|${r.contender}`;
/** One case: what every contender of it does (the same work, measured side by side). */
export const caseKey = (r) => `${r.workload}|${r.mode}|${r.bs}|${r.qd}|${r.workers ?? 1}|${r.target ?? ''}|${r.features ?? ''}`;

/**
 * Expands the matrix into cells. Each cell is one row of the results: kind 'run' (measured
 * every round), 'n/a' (fs-sync above QD 1) or 'skipped' (with a note).
 *
 * env.writeTargets: [{ dir, writeFile, writeFilesDir, filesystem }] - the write workloads run once per target
 * (--dir's write file first, then each --write-dir). env.nodeLines: { 22: { binary, version } |
 * { error } }.
 */
export function expand(opts, env) {
  const { workloads: wf, contenders: cf } = parseFilter(opts.filter, opts);
  // Line variants named in --filter run even where --node-styles would not put them.
  const named = new Set(cf.filter((c) => c.includes('@')));
  const names = contenderNames(opts, { all: true }).filter((c) => named.has(c) || contenderNames(opts).includes(c));
  // A style name selects it on every line; with no node:fs contender left, fs-promises stays so
  // that every row has a node:fs baseline.
  const picked = (c) => cf.includes(c) || cf.includes(splitContender(c).style);
  const keepBaseline = cf.length && !names.some((c) => isNodeFs(c) && picked(c));
  const wantContender = (c) => !cf.length || picked(c) || (keepBaseline && c === 'fs-promises');
  const wantWorkload = (w) => !wf.length || wf.includes(w.workload) || wf.includes(`${w.workload}:${w.mode}`);
  const workerCounts = opts.workers > 1 ? [1, opts.workers] : [1];
  const cells = [];
  for (const w of WORKLOADS) {
    if (w.optional && !opts[w.optional] && !wf.includes(`${w.workload}:${w.mode}`)) continue;
    if (!wantWorkload(w)) continue;
    const qds = opts.qd ?? (opts.quick ? w.quickQd : w.qd);
    // Write workloads once per write target; direct reads on the read file and on each --direct-file.
    const targets = w.data === 'write' || w.data === 'wfiles'
      ? env.writeTargets ?? [{ writeFile: null }]
      : w.directTargets && env.directTargets?.length ? [null, ...env.directTargets] : [null];
    const features = w.features ? (opts.features ?? w.features) : [null];
    for (const target of targets) {
      for (const feat of features) {
        for (const bs of w.bs) {
          for (const qd of qds) {
            for (const workers of workerCounts) {
              for (const contender of names) {
                const { style, line } = splitContender(contender);
                if (!w.contenders.includes(style) || !wantContender(contender)) continue;
                if (feat !== null && !FEATURE_CONTENDERS.includes(contender)) continue;
                if (!named.has(contender) && !lineStyleAt(opts, style, line, qd, w)) continue;
                const cell = {
                  workload: w.workload, mode: w.mode, bs, qd, workers, contender,
                  target: (w.data === 'wfiles' ? target?.writeFilesDir : target?.writeFile ?? target?.readFile) ?? null, targetFs: target?.filesystem ?? null,
                  ...(target?.span ? { targetSpan: target.span } : {}),
                  features: feat,
                  spec: w, kind: 'run', note: null,
                };
                const skip = skipReason(w, contender, qd, env, target);
                if (skip) Object.assign(cell, skip);
                cells.push(cell);
              }
            }
          }
        }
      }
    }
  }
  return cells;
}

function skipReason(w, contender, qd, env, target) {
  const { style, line } = splitContender(contender);
  if (style === 'fs-sync' && qd !== 1)
    return { kind: 'n/a', note: 'synchronous calls: one op at a time, queue depth 1 only' };
  const refused = w.direct ? (target?.readFile ? target.directRefused : env.directRefused?.[w.data]) : null;
  if (w.direct && NODE_FS.has(style))
    return {
      kind: 'skipped',
      note:
        'node:fs has no way to allocate the page-aligned buffers O_DIRECT requires (uring-fs has allocAligned)' +
        (refused ? `; and ${refused}` : ''),
    };
  if (refused) return { kind: 'skipped', note: refused };
  if (line != null && env.nodeLines && !env.nodeLines[line]?.binary)
    return { kind: 'skipped', note: `no Node ${line} binary: ${env.nodeLines[line]?.error ?? 'not fetched'}` };
  if (contender === 'c-liburing' && env.cSkip) return { kind: 'skipped', note: env.cSkip };
  if (contender === 'fio' && env.fioSkip) return { kind: 'skipped', note: env.fioSkip };
  return null;
}

/**
 * Rough seconds: per run warm-up + measured time + process start and teardown (by contender),
 * plus rebuilding the page cache of the hot files once per workload and round (rebuilds: the
 * number of those, with their sizes in bytes).
 */
export function estimateSeconds(cells, opts) {
  // Measured on the 2-core VM this was written on, quiet: a Node child ~0.17 s beyond its
  // warm-up and measured time (start, imports, ring or fd set-up, exit), fio ~0.45 s, C ~0.04 s.
  const overhead = (c) => (c === 'c-liburing' ? 0.04 : c === 'fio' ? 0.45 : 0.17);
  let s = 0;
  let runs = 0;
  const targets = new Map();
  let cases = 0;
  const seen = new Set();
  for (const c of cells) {
    if (c.kind !== 'run') continue;
    runs++;
    s += opts.warmup + opts.duration + overhead(c.contender) + (c.workers > 1 ? 0.05 * c.workers : 0);
    if (c.spec.cache === 'hot') {
      targets.set(`${c.spec.data}:${c.target ?? ''}:${c.spec.data === 'files' ? c.bs : ''}`, c.spec.data);
      const k = caseKey(c);
      if (!seen.has(k)) cases++;
      seen.add(k);
    }
  }
  // Rebuilding the page cache reads the 1 GiB file back from disk (~1.2 s on a virtio disk),
  // the 128 MiB write file ~0.2 s: once per target when pinned. Every hot case then costs a
  // residency check (~0.05 s; 10,000 small files ~0.2 s).
  let cache = 0;
  for (const data of targets.values()) cache += data === 'read' ? 1.3 : data === 'write' ? 0.3 : data === 'files' ? 0.1 : 0.2;
  return { runs: runs * opts.rounds, seconds: s * opts.rounds + cache + cases * 0.08 * opts.rounds };
}
