// Rounds -> rows (medians, ratios), and the console / Markdown renderings of the rows.
import { caseKey, contenderNames, isNodeFs, splitContender } from './matrix.mjs';
import { machineLines } from './machine.mjs';

export function median(xs) {
  const v = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

const round3 = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
const sig = (x, digits = 4) => (x == null ? null : Number(x.toPrecision(digits)));

/** One round's figures from one run's raw result. */
export function roundFigures(r, bs) {
  if (!r.ok) return { ok: false, error: r.error };
  const opsPerSec = r.seconds > 0 ? r.ops / r.seconds : null;
  return {
    ok: true,
    ops: r.ops,
    seconds: round3(r.seconds),
    opsPerSec: sig(opsPerSec, 6),
    mbPerSec: bs && opsPerSec != null ? sig((opsPerSec * bs) / 1e6, 6) : null,
    latencyUs: { p50: sig(r.lat?.p50), p99: sig(r.lat?.p99), p999: sig(r.lat?.p999) },
    latencySamples: r.lat?.samples ?? null,
    cpuSecondsPerOp: r.ops > 0 ? sig((r.cpuUser + r.cpuSys) / r.ops) : null,
    cpuUserSeconds: round3(r.cpuUser),
    cpuSysSeconds: round3(r.cpuSys),
    readBytes: r.readBytes ?? null,
    syncs: r.syncs ?? 0,
    ...(r.threads ? { threads: r.threads.map((t) => ({ ops: t.ops, seconds: round3(t.seconds) })) } : {}),
    env: r.env ?? null,
  };
}

/** Builds the result rows: one per cell, medians over the rounds that succeeded, then ratios. */
export function buildRows(cells, roundsByCell) {
  const rows = cells.map((cell, i) => {
    const base = {
      workload: cell.workload,
      mode: cell.mode,
      contender: cell.contender,
      qd: cell.qd,
      bs: cell.bs,
      workers: cell.workers ?? 1,
      target: cell.target ?? null,
      targetFs: cell.targetFs ?? null,
      features: cell.features ?? null,
      status: cell.kind === 'run' ? 'ok' : cell.kind,
      note: cell.note,
      error: null,
      opsPerSec: null,
      opsPerSecRange: null,
      mbPerSec: null,
      latencyUs: { p50: null, p99: null, p999: null },
      cpuSecondsPerOp: null,
      readBytesMax: null,
      cache: null,
      ratioToBestNodeFs: null,
      bestNodeFs: null,
      ratioToFsPromises: null,
      ratioToCLiburing: null,
      ratioToOneWorker: null,
      roundsOk: 0,
      rounds: [],
      env: null,
    };
    if (cell.kind !== 'run') return base;
    const rounds = roundsByCell[i] ?? [];
    const ok = rounds.filter((r) => r.ok);
    base.rounds = rounds;
    base.roundsOk = ok.length;
    if (!ok.length) {
      base.status = 'error';
      base.error = rounds.find((r) => !r.ok)?.error ?? 'not run';
      return base;
    }
    if (ok.length < rounds.length) base.error = `${rounds.length - ok.length} of ${rounds.length} rounds failed: ${rounds.find((r) => !r.ok).error}`;
    base.opsPerSec = median(ok.map((r) => r.opsPerSec));
    const rates = ok.map((r) => r.opsPerSec).filter((x) => x != null);
    base.opsPerSecRange = rates.length ? [Math.min(...rates), Math.max(...rates)] : null;
    base.mbPerSec = median(ok.map((r) => r.mbPerSec));
    base.latencyUs = {
      p50: median(ok.map((r) => r.latencyUs.p50)),
      p99: median(ok.map((r) => r.latencyUs.p99)),
      p999: median(ok.map((r) => r.latencyUs.p999)),
    };
    base.cpuSecondsPerOp = median(ok.map((r) => r.cpuSecondsPerOp));
    const rb = ok.map((r) => r.readBytes).filter((x) => x != null);
    base.readBytesMax = rb.length ? Math.max(...rb) : null;
    const caches = rounds.map((r) => r.cache).filter(Boolean);
    if (caches.length) {
      const worst = caches.reduce((a, b) => (b.pages && b.resident / b.pages < a.resident / a.pages ? b : a));
      base.cache = {
        residentMin: worst.pages ? worst.resident / worst.pages : null,
        pages: worst.pages,
        actions: [...new Set(caches.map((c) => c.action))],
        pinned: caches.every((c) => c.pinned),
      };
    }
    const retried = rounds.filter((r) => r.firstAttempt).length;
    if (retried)
      base.note = [base.note, `${retried} run(s) read from storage (${fmtMiB(Math.max(...rounds.map((r) => r.firstAttempt?.readBytes ?? 0)))}) and were repeated after a top-up`].filter(Boolean).join('; ');
    // Pinned data cannot be what a run read; a little (program files paged back in) is noise.
    if (caches.length && base.readBytesMax >= (caches.every((c) => c.pinned) ? 1048576 : 1))
      base.note = [base.note, `read ${fmtMiB(base.readBytesMax)} from storage in a measured window`].filter(Boolean).join('; ');
    base.env = ok[ok.length - 1].env;
    if (splitContender(cell.contender).style === 'fs-libuv-io-uring') {
      base.uvIoUringHonoured = ok.every((r) => r.env?.uvIoUringHonoured === true);
      if (!base.uvIoUringHonoured)
        base.note = 'UV_USE_IO_URING=1 was NOT honoured by this Node (no SQPOLL file ring in the child): this is plain libuv threadpool I/O';
    }
    return base;
  });
  return addRatios(rows);
}

/** The ratios of every ok row to its case's peers (also used to re-render schema 1 files). */
export function addRatios(rows) {
  const byCase = new Map();
  for (const r of rows) {
    if (r.status !== 'ok') continue;
    const k = caseKey(r);
    if (!byCase.has(k)) byCase.set(k, {});
    byCase.get(k)[r.contender] = r.opsPerSec;
  }
  for (const r of rows) {
    if (r.status !== 'ok') continue;
    const peers = byCase.get(caseKey(r));
    // The fastest node:fs contender of any Node line in this case: the baseline to beat.
    let best = null;
    for (const [c, ops] of Object.entries(peers)) if (isNodeFs(c) && ops != null && (!best || ops > best.opsPerSec)) best = { contender: c, opsPerSec: ops };
    if (best) {
      r.bestNodeFs = best;
      r.ratioToBestNodeFs = sig(r.opsPerSec / best.opsPerSec, 4);
    }
    if (peers['fs-promises']) r.ratioToFsPromises = sig(r.opsPerSec / peers['fs-promises'], 4);
    if (peers['c-liburing']) r.ratioToCLiburing = sig(r.opsPerSec / peers['c-liburing'], 4);
    if (r.workers > 1) {
      const one = byCase.get(caseKey({ ...r, workers: 1 }))?.[r.contender];
      if (one) r.ratioToOneWorker = sig(r.opsPerSec / (r.workers * one), 4);
    }
  }
  return rows;
}

const fmtMiB = (b) => (b >= 1048576 ? `${(b / 1048576).toFixed(1)} MiB` : `${Math.round(b / 1024)} KiB`);

// ---- formatting -------------------------------------------------------------------------

export function fmtNum(x) {
  if (x == null) return '–';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export const fmtBs = (bs) => (bs == null ? '–' : bs >= 1048576 ? `${bs / 1048576}M` : bs >= 1024 ? `${bs / 1024}K` : String(bs));
const fmtRatio = (x) => (x == null ? '–' : `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`);
/** (max - min) / median of the rounds' ops/s: how much to trust the median. */
function fmtSpread(r) {
  const rates = (r.rounds ?? []).filter((x) => x.ok && x.opsPerSec != null).map((x) => x.opsPerSec);
  if (rates.length < 2 || !r.opsPerSec) return '–';
  return `±${Math.round(((Math.max(...rates) - Math.min(...rates)) / r.opsPerSec) * 50)}%`;
}
const fmtCpu = (s) => (s == null ? '–' : fmtNum(s * 1e6));

/** The columns of a group's table; `thr` and `vs N×1` only where some row ran several workers. */
function columns(g) {
  const workers = g.rows.some((r) => r.workers > 1);
  return [
    'qd', ...(workers ? ['thr'] : []), 'contender', 'ops/s', 'spread', 'MB/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'CPU µs/op',
    'vs best fs', 'vs C', ...(workers ? ['vs N×1'] : []), 'note',
  ];
}

function cellsOf(r, g) {
  const workers = g.rows.some((x) => x.workers > 1);
  let status = r.status === 'ok' ? r.error ?? (r.note || '') : `${r.status}: ${r.error ?? r.note ?? ''}`;
  if (r.status === 'ok' && r.bestNodeFs?.contender === r.contender && g.rows.filter((x) => caseKey(x) === caseKey(r) && isNodeFs(x.contender) && x.status === 'ok').length > 1)
    status = ['best node:fs', status].filter(Boolean).join('; ');
  return [
    String(r.qd),
    ...(workers ? [String(r.workers)] : []),
    r.contender,
    fmtNum(r.opsPerSec),
    fmtSpread(r),
    fmtNum(r.mbPerSec),
    fmtNum(r.latencyUs.p50),
    fmtNum(r.latencyUs.p99),
    fmtNum(r.latencyUs.p999),
    fmtCpu(r.cpuSecondsPerOp),
    fmtRatio(r.ratioToBestNodeFs),
    fmtRatio(r.ratioToCLiburing),
    ...(workers ? [fmtRatio(r.ratioToOneWorker)] : []),
    status,
  ];
}

/** Rows grouped by workload, mode, block size and target file, in matrix order. */
export function groups(rows) {
  const out = new Map();
  for (const r of rows) {
    const k = `${r.workload}|${r.mode}|${r.bs}|${r.target ?? ''}|${r.features ?? ''}`;
    if (!out.has(k)) out.set(k, { workload: r.workload, mode: r.mode, bs: r.bs, target: r.target, targetFs: r.targetFs, features: r.features ?? null, rows: [] });
    out.get(k).rows.push(r);
  }
  // Contender order as the matrix has it, with the other Node lines after their style.
  const lines = [...new Set(rows.map((r) => splitContender(r.contender).line).filter((l) => l != null))].sort((a, b) => a - b);
  const names = contenderNames({ nodeLines: lines, nodeStyles: ['fs-promises', 'fs-callback', 'fs-sync', 'fs-libuv-io-uring'] });
  const order = (r) => names.indexOf(r.contender);
  for (const g of out.values()) g.rows.sort((a, b) => a.qd - b.qd || a.workers - b.workers || order(a) - order(b));
  return [...out.values()];
}

/** One line per group: the page cache before its cases, and whether any hot run read from storage. */
export function cacheLine(g) {
  const withCache = g.rows.filter((r) => r.cache);
  if (!withCache.length) return null;
  const min = Math.min(...withCache.map((r) => r.cache.residentMin ?? 1));
  const actions = [...new Set(withCache.flatMap((r) => r.cache.actions))];
  const read = g.rows.filter((r) => /from storage/.test(r.note ?? ''));
  const pinned = withCache.every((r) => r.cache.pinned);
  const what = { 'rebuilt-seq': 'dropped and read back sequentially', 'rebuilt-rand': 'dropped and read back in shuffled 4 KiB reads', 'topped-up': 'topped up', none: 'already resident' };
  return `page cache before each case: ${(min * 100).toFixed(min === 1 ? 0 : 1)}% resident (${actions.map((a) => what[a] ?? a).join(', ')}), ` +
    `${pinned ? 'pinned while the case ran' : 'not pinned'}; ` +
    (read.length ? `${read.length} row(s) read from storage (see note)` : 'no run read from storage');
}

export function describeWorkload(g) {
  const what = {
    randread: 'random reads',
    seqread: 'sequential reads',
    stream: 'a FileHandle read stream of the whole file, 64 KiB chunks, a \'data\' listener (one op = one chunk)',
    randwrite: 'random writes (into the suite\'s own write file)',
    smallfiles: 'open + read whole + close of 4 KiB files, 10,000 in rotation (one op = one file)',
    stat: 'stat of 10,000 paths in rotation',
    nop: 'IORING_OP_NOP: the cost of a round trip between JS and the ring',
    readfile: `readFile of whole ${fmtBs(g.bs)} files in rotation (one op = one file; uring-fs: its top-level readFile, uring-fs-promises: the drop-in's)`,
    writefile: `writeFile of ${fmtBs(g.bs)} (one op = one whole file; each slot rewrites its own file)`,
  }[g.workload];
  const mode = {
    hot: 'page cache hot',
    direct: 'O_DIRECT',
    buffered: 'buffered, no sync',
    'fdatasync-32': 'fdatasync after every 32 writes (one sync in flight at a time)',
  }[g.mode];
  const on = g.target ? ` (${g.target})` : '';
  const feat = g.features
    ? `, with ${g.features.split('+').map((f) => ({ fixedbufs: 'registered buffers', regfiles: 'registered files' })[f] ?? f).join(' and ')}`
    : '';
  return `${g.workload} / ${g.mode}${g.bs ? ` / ${fmtBs(g.bs)}` : ''}${g.targetFs ? ` on ${g.targetFs}` : ''}: ${what}${mode ? `, ${mode}` : ''}${feat}${on}`;
}

export function consoleTable(rows) {
  const out = [];
  for (const g of groups(rows)) {
    out.push('', describeWorkload(g));
    const cl = cacheLine(g);
    if (cl) out.push(`  ${cl}`);
    const COLUMNS = columns(g);
    const body = g.rows.filter((r) => r.status !== 'n/a').map((r) => cellsOf(r, g));
    const widths = COLUMNS.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const first = COLUMNS.indexOf('ops/s'); // right-aligned from here on
    const line = (cells) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : i >= first ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    out.push('  ' + line(COLUMNS));
    for (const b of body) out.push('  ' + line(b));
  }
  return out.join('\n');
}

const mdEscape = (s) => String(s).replace(/\|/g, '\\|');

/** sections: more Markdown lines (the targets table), put before the results. */
export function markdown({ machine, config, rows, charts, elapsedSeconds, sections = [] }) {
  const L = [];
  L.push('# uring-fs benchmark results', '');
  L.push(`${machine.date} · ${config.quick ? 'quick matrix' : 'default matrix'} · ${config.rounds} round(s) · ` +
    `${config.warmup}s warm-up + ${config.duration}s measured per run · medians over rounds · took ${Math.round(elapsedSeconds)}s`, '');
  L.push('## Machine', '');
  for (const l of machineLines(machine)) L.push(`- ${mdEscape(l)}`);
  L.push('');
  L.push('"vs best fs" is ops/s against the fastest node:fs contender of any Node line in the same case (workload, mode, block size, queue depth, threads; ' +
    'the row marked "best node:fs"), "vs C" against the `c-liburing` row, "vs N×1" (with --workers) against N times the same contender with one thread. ' +
    'Latency is per op in µs (for `uring-fs-batch`, each op gets its batch\'s latency). CPU is user + system seconds of the whole process (every thread) per op. ' +
    'MB/s is 10^6 bytes per second. Spread is ±half the range of the rounds\' ops/s around the median.', '');
  if (charts?.length) {
    L.push('## Charts', '');
    for (const c of charts) L.push(`![${c.title}](${c.file})`, '');
  }
  if (config.profiles?.length) {
    L.push('## Profiles (--profile)', '', 'One extra run per cell under `perf record -e cpu-clock`; the summaries are in `profile/`.', '', '```');
    for (const l of profileLines(config.profiles)) L.push(l);
    L.push('```', '');
  }
  L.push(...sections);
  L.push('## Results', '');
  for (const g of groups(rows)) {
    L.push(`### ${mdEscape(describeWorkload(g))}`, '');
    const cl = cacheLine(g);
    if (cl) L.push(cl[0].toUpperCase() + cl.slice(1) + '.', '');
    const COLUMNS = columns(g);
    const first = COLUMNS.indexOf('ops/s');
    L.push(`| ${COLUMNS.join(' | ')} |`);
    L.push(`|${COLUMNS.map((_, i) => (i >= first && i < COLUMNS.length - 1 ? '---:' : '---')).join('|')}|`);
    for (const r of g.rows) L.push(`| ${cellsOf(r, g).map(mdEscape).join(' | ')} |`);
    L.push('');
  }
  return L.join('\n');
}

/** --profile: per profiled cell, where the CPU went by kind of code and the top symbols. */
export function profileLines(profiles, top = 8) {
  const L = [];
  for (const p of profiles ?? []) {
    if (p.error) {
      L.push(`${p.cell ?? 'profile'}: ${p.error}`);
      continue;
    }
    L.push(`${p.cell}: ${p.opsPerSec} ops/s, ${p.cpuUsPerOp} µs CPU/op (profiled run); ` + p.split.map((x) => `${x.kind} ${x.pct}%`).join(', '));
    for (const t of p.top.slice(0, top)) L.push(`    ${t.pct.toFixed(1).padStart(5)}%  ${t.kind.padEnd(18)} ${t.sym}`);
  }
  return L;
}
