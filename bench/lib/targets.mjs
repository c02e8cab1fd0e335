// The targets of issues 11 (the drop-in uring-fs/promises) and 12 (the gap to C), evaluated on
// the rows of one run: each is a ratio of two rows of the same case (same workload, mode, block
// size, queue depth; one thread; the data directory's own write file), so the figures are from
// the same run, the same page cache and the same offsets. Printed after the tables, in
// results.md (a table to paste into README.md) and in the JSON (`targets`).
import { fmtBs } from './report.mjs';
import { isNodeFs } from './matrix.mjs';

const KiB = 1024;

/** Rows of one thread on the first target of their workload (not a --write-dir copy). */
function baseRows(rows) {
  const firstTarget = new Map();
  for (const r of rows) if (r.target && !firstTarget.has(r.workload)) firstTarget.set(r.workload, r.target);
  return rows.filter((r) => r.status === 'ok' && (r.workers ?? 1) === 1 && (!r.target || r.target === firstTarget.get(r.workload)));
}

const isUringFs = (c) => c.startsWith('uring-fs');

/**
 * [{ issue, figure, target, min, value, measured, status: 'met' | 'missed' | 'n/a', detail }]:
 * value is the ratio (null when a row is missing from this run: status n/a).
 */
export function evaluateTargets(rows) {
  const ok = baseRows(rows);
  const find = (workload, mode, bs, qd, contender) =>
    ok.find((r) => r.workload === workload && r.mode === mode && r.bs === bs && r.qd === qd && r.contender === contender) ?? null;
  const bestOf = (workload, mode, bs, qd, names) =>
    names.map((n) => find(workload, mode, bs, qd, n)).filter(Boolean).sort((a, b) => b.opsPerSec - a.opsPerSec)[0] ?? null;
  const bestNodeFs = (workload, mode, bs, qd) =>
    ok.filter((r) => r.workload === workload && r.mode === mode && r.bs === bs && r.qd === qd && isNodeFs(r.contender)).sort((a, b) => b.opsPerSec - a.opsPerSec)[0] ?? null;
  const out = [];
  /** One target: row a over row b (by ops/s, or MB/s with mb) against min. */
  const ratio = (issue, figure, min, a, b, { mb = false, unit = '' } = {}) => {
    const va = a && (mb ? a.mbPerSec : a.opsPerSec);
    const vb = b && (mb ? b.mbPerSec : b.opsPerSec);
    const value = va != null && vb ? va / vb : null;
    const fmt = (r, v) => `${r.contender} ${mb ? `${fmtRate(v)} MB/s` : `${fmtRate(v)}${unit}`}`;
    out.push({
      issue,
      figure,
      target: `≥ ${min} ×`,
      min,
      value: value == null ? null : Number(value.toPrecision(3)),
      measured: value == null ? 'not in this run' : `${fmtX(value)} × (${fmt(a, va)} / ${fmt(b, vb)})`,
      status: value == null ? 'n/a' : value >= min ? 'met' : 'missed',
      detail: null,
    });
  };
  const rr = (qd, c) => find('randread', 'hot', 4 * KiB, qd, c);

  // ---- issue 11: the drop-in --------------------------------------------------------------
  ratio(11, 'FileHandle.read, random 4 KiB, QD 32, vs node:fs/promises FileHandle.read', 4, rr(32, 'uring-fs-promises'), rr(32, 'fs-promises'));
  ratio(11, 'FileHandle.read, random 4 KiB, QD 32, vs the raw Ring (ring.read)', 0.9, rr(32, 'uring-fs-promises'), rr(32, 'uring-fs'));
  for (const qd of [1, 32])
    ratio(11, `readFile 4 KiB, QD ${qd}, vs fs.promises.readFile`, 3, find('readfile', 'hot', 4 * KiB, qd, 'uring-fs-promises'), find('readfile', 'hot', 4 * KiB, qd, 'fs-promises'));
  // (Files from before the drop-in had its own contender name called the drop-in's stream uring-fs.)
  ratio(11, 'createReadStream of the 1 GiB file, MB/s, vs the best node:fs stream', 1.2, find('stream', 'hot', 64 * KiB, 1, 'uring-fs-promises') ?? find('stream', 'hot', 64 * KiB, 1, 'uring-fs'), bestNodeFs('stream', 'hot', 64 * KiB, 1), { mb: true });

  // ---- issue 12: the gap to C -----------------------------------------------------------------
  ratio(12, 'promise path (uring-fs), random 4 KiB, QD 32, vs C', 0.85, rr(32, 'uring-fs'), rr(32, 'c-liburing'));
  ratio(12, 'promise path (uring-fs), random 4 KiB, QD 1, vs C', 0.6, rr(1, 'uring-fs'), rr(1, 'c-liburing'));
  ratio(12, 'promise-free path (best of uring-fs-queue, uring-fs-many), random 4 KiB, QD 32, vs C', 0.95, bestOf('randread', 'hot', 4 * KiB, 32, ['uring-fs-queue', 'uring-fs-many']), rr(32, 'c-liburing'));
  ratio(12, 'nop, QD 32, batched (uring-fs-batch), vs C', 0.5, find('nop', 'nop', null, 32, 'uring-fs-batch'), find('nop', 'nop', null, 32, 'c-liburing'));
  ratio(12, 'stat, QD 32 (best of uring-fs, uring-fs-batch), vs C', 0.5, bestOf('stat', 'statx', null, 32, ['uring-fs', 'uring-fs-batch']), find('stat', 'statx', null, 32, 'c-liburing'));
  ratio(12, 'small files, open + read + close, QD 32 (best of uring-fs, uring-fs-batch), vs C', 0.8, bestOf('smallfiles', 'open-read-close', 4 * KiB, 32, ['uring-fs', 'uring-fs-batch']), find('smallfiles', 'open-read-close', 4 * KiB, 32, 'c-liburing'));

  // Every case that has a node:fs row and a uring-fs row: the fastest uring-fs contender of the
  // case against the fastest node:fs contender of any Node line.
  const cases = new Map();
  for (const r of ok) {
    const k = `${r.workload}|${r.mode}|${r.bs}|${r.qd}`;
    if (!cases.has(k)) cases.set(k, []);
    cases.get(k).push(r);
  }
  const missed = [];
  let n = 0;
  let worst = null;
  for (const rs of cases.values()) {
    const nodeBest = rs.filter((r) => isNodeFs(r.contender)).sort((a, b) => b.opsPerSec - a.opsPerSec)[0];
    const ours = rs.filter((r) => isUringFs(r.contender)).sort((a, b) => b.opsPerSec - a.opsPerSec)[0];
    if (!nodeBest || !ours) continue;
    n++;
    const v = ours.opsPerSec / nodeBest.opsPerSec;
    if (!worst || v < worst.v) worst = { v, r: ours, b: nodeBest };
    if (v < 1) missed.push(`${caseName(ours)} ${fmtX(v)} × (${ours.contender} ${fmtRate(ours.opsPerSec)} vs ${nodeBest.contender} ${fmtRate(nodeBest.opsPerSec)})`);
  }
  out.push({
    issue: 12,
    figure: 'every workload: the fastest uring-fs contender vs the fastest node:fs of any Node line, per case',
    target: '≥ 1 × in every case',
    min: 1,
    value: worst ? Number(worst.v.toPrecision(3)) : null,
    measured: n ? `${n - missed.length} of ${n} cases; lowest ${fmtX(worst.v)} × (${caseName(worst.r)})` : 'not in this run',
    status: n ? (missed.length ? 'missed' : 'met') : 'n/a',
    detail: missed.length ? missed : null,
  });
  return out;
}

function caseName(r) {
  const mode = ['smallfiles', 'stat', 'nop', 'readfile'].includes(r.workload) ? '' : ` ${r.mode}`;
  return `${r.workload}${mode}${r.bs ? ` ${fmtBs(r.bs)}` : ''} QD ${r.qd}`;
}

/** A ratio: two decimals, or two significant digits below 0.1 (0.0020, not 0.00). */
const fmtX = (v) => (v >= 0.1 ? v.toFixed(2) : v.toPrecision(2));

function fmtRate(x) {
  if (x == null) return '–';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(x >= 1e5 ? 0 : 1)}k`;
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

const STATUS = { met: 'met', missed: '**missed**', 'n/a': 'n/a' };

/** The targets as console lines. */
export function targetLines(targets) {
  if (!targets?.length) return [];
  const L = ['', 'targets (issues 11 and 12; ratios of rows of this run):'];
  const w = Math.max(...targets.map((t) => t.figure.length));
  for (const t of targets) {
    L.push(`  ${t.status.padEnd(6)}  #${t.issue}  ${t.figure.padEnd(w)}  ${t.target.padEnd(19)}  ${t.measured}`);
    for (const d of t.detail ?? []) L.push(`            missed: ${d}`);
  }
  return L;
}

/** The targets as a Markdown table (the status table for README.md). */
export function targetMarkdown(targets) {
  if (!targets?.length) return [];
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  const L = ['## Targets', '', 'Issues 11 and 12, from the rows of the results below (same run, one thread, medians over the rounds).', ''];
  L.push('| issue | figure | target | measured | status |', '| --- | --- | --- | --- | --- |');
  for (const t of targets) L.push(`| #${t.issue} | ${esc(t.figure)} | ${esc(t.target)} | ${esc(t.measured)} | ${STATUS[t.status]} |`);
  const missed = targets.flatMap((t) => t.detail ?? []);
  if (missed.length) {
    L.push('', 'Cases where no uring-fs contender reached the fastest node:fs:', '');
    for (const d of missed) L.push(`- ${esc(d)}`);
  }
  L.push('');
  return L;
}
