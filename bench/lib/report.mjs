// Rounds -> rows (medians, ratios), and the console / Markdown renderings of the rows.
import { caseKey, CONTENDERS } from './matrix.mjs';
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
    syncs: r.syncs ?? 0,
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
      status: cell.kind === 'run' ? 'ok' : cell.kind,
      note: cell.note,
      error: null,
      opsPerSec: null,
      opsPerSecRange: null,
      mbPerSec: null,
      latencyUs: { p50: null, p99: null, p999: null },
      cpuSecondsPerOp: null,
      ratioToFsPromises: null,
      ratioToCLiburing: null,
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
    base.env = ok[ok.length - 1].env;
    if (cell.contender === 'fs-libuv-io-uring') {
      base.uvIoUringHonoured = ok.every((r) => r.env?.uvIoUringHonoured === true);
      if (!base.uvIoUringHonoured)
        base.note = 'UV_USE_IO_URING=1 was NOT honoured by this Node (no io_uring fds in the child): this is plain libuv threadpool I/O';
    }
    return base;
  });
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
    if (peers['fs-promises']) r.ratioToFsPromises = sig(r.opsPerSec / peers['fs-promises'], 4);
    if (peers['c-liburing']) r.ratioToCLiburing = sig(r.opsPerSec / peers['c-liburing'], 4);
  }
  return rows;
}

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

const COLUMNS = ['qd', 'contender', 'ops/s', 'spread', 'MB/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'CPU µs/op', 'vs fs-promises', 'vs C', 'note'];

function cellsOf(r) {
  const status = r.status === 'ok' ? r.error ?? (r.note || '') : `${r.status}: ${r.error ?? r.note ?? ''}`;
  return [
    String(r.qd),
    r.contender,
    fmtNum(r.opsPerSec),
    fmtSpread(r),
    fmtNum(r.mbPerSec),
    fmtNum(r.latencyUs.p50),
    fmtNum(r.latencyUs.p99),
    fmtNum(r.latencyUs.p999),
    fmtCpu(r.cpuSecondsPerOp),
    fmtRatio(r.ratioToFsPromises),
    fmtRatio(r.ratioToCLiburing),
    status,
  ];
}

/** Rows grouped by workload, mode and block size, in matrix order. */
export function groups(rows) {
  const out = new Map();
  for (const r of rows) {
    const k = `${r.workload}|${r.mode}|${r.bs}`;
    if (!out.has(k)) out.set(k, { workload: r.workload, mode: r.mode, bs: r.bs, rows: [] });
    out.get(k).rows.push(r);
  }
  const order = (r) => CONTENDERS.indexOf(r.contender);
  for (const g of out.values()) g.rows.sort((a, b) => a.qd - b.qd || order(a) - order(b));
  return [...out.values()];
}

export function describeWorkload(g) {
  const what = {
    randread: 'random reads',
    seqread: 'sequential reads',
    randwrite: 'random writes (into the suite\'s own write file)',
    smallfiles: 'open + read whole + close of 4 KiB files, 10,000 in rotation (one op = one file)',
    stat: 'stat of 10,000 paths in rotation',
    nop: 'IORING_OP_NOP: the cost of a round trip between JS and the ring',
  }[g.workload];
  const mode = {
    hot: 'page cache hot',
    direct: 'O_DIRECT',
    buffered: 'buffered, no sync',
    'fdatasync-32': 'fdatasync after every 32 writes (one sync in flight at a time)',
  }[g.mode];
  return `${g.workload} / ${g.mode}${g.bs ? ` / ${fmtBs(g.bs)}` : ''}: ${what}${mode ? `, ${mode}` : ''}`;
}

export function consoleTable(rows) {
  const out = [];
  for (const g of groups(rows)) {
    out.push('', describeWorkload(g));
    const body = g.rows.filter((r) => r.status !== 'n/a').map(cellsOf);
    const widths = COLUMNS.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    out.push('  ' + line(COLUMNS));
    for (const b of body) out.push('  ' + line(b));
  }
  return out.join('\n');
}

const mdEscape = (s) => String(s).replace(/\|/g, '\\|');

export function markdown({ machine, config, rows, charts, elapsedSeconds }) {
  const L = [];
  L.push('# uring-fs benchmark results', '');
  L.push(`${machine.date} · ${config.quick ? 'quick matrix' : 'default matrix'} · ${config.rounds} round(s) · ` +
    `${config.warmup}s warm-up + ${config.duration}s measured per run · medians over rounds · took ${Math.round(elapsedSeconds)}s`, '');
  L.push('## Machine', '');
  for (const l of machineLines(machine)) L.push(`- ${mdEscape(l)}`);
  L.push('');
  L.push('Ratios are ops/s against the `fs-promises` row (and the `c-liburing` row) of the same workload, mode, block size and queue depth. ' +
    'Latency is per op in µs (for `uring-fs-batch`, each op gets its batch\'s latency). CPU is user + system seconds of the whole process per op. ' +
    'MB/s is 10^6 bytes per second. Spread is ±half the range of the rounds\' ops/s around the median.', '');
  if (charts?.length) {
    L.push('## Charts', '');
    for (const c of charts) L.push(`![${c.title}](${c.file})`, '');
  }
  L.push('## Results', '');
  for (const g of groups(rows)) {
    L.push(`### ${mdEscape(describeWorkload(g))}`, '');
    L.push(`| ${COLUMNS.join(' | ')} |`);
    L.push(`|${COLUMNS.map((_, i) => (i >= 2 && i < COLUMNS.length - 1 ? '---:' : '---')).join('|')}|`);
    for (const r of g.rows) L.push(`| ${cellsOf(r).map(mdEscape).join(' | ')} |`);
    L.push('');
  }
  return L.join('\n');
}
