// Hand-written SVG charts (no dependencies): throughput by queue depth, latency percentiles,
// and a ratio overview. Log-scale value axes, because the contenders span orders of magnitude.
import { isNodeFs } from './matrix.mjs';
import { fmtBs } from './report.mjs';

export const COLORS = {
  'fs-promises': '#1f77b4',
  'fs-callback': '#17becf',
  'fs-sync': '#7f7f7f',
  'fs-libuv-io-uring': '#9467bd',
  'uring-fs': '#d62728',
  'uring-fs-batch': '#ff7f0e',
  'uring-fs-queue': '#e377c2',
  'uring-fs-many': '#bcbd22',
  'uring-fs-promises': '#8b0000',
  'c-liburing': '#2ca02c',
  fio: '#8c564b',
  'best node:fs (any line)': '#000000',
};
const PCT_COLORS = ['#4e79a7', '#f28e2b', '#e15759'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (x) => Math.round(x * 10) / 10;

function fmtTick(v) {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  if (v >= 1) return String(v);
  return String(Number(v.toPrecision(2)));
}

export function fmtValue(v) {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (v >= 10) return v.toFixed(0);
  return v.toFixed(2);
}

/** A log axis over [lo, hi] with decade ticks (and 2x/5x ticks when there are few decades). */
function logAxis(values) {
  const pos = values.filter((v) => v > 0);
  let lo = 10 ** Math.floor(Math.log10(Math.min(...pos)));
  let hi = 10 ** Math.ceil(Math.log10(Math.max(...pos)));
  if (hi <= lo) hi = lo * 10;
  const decades = Math.round(Math.log10(hi / lo));
  const ticks = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    ticks.push({ v: d, major: true });
    if (decades <= 3 && d < hi) for (const m of [2, 5]) ticks.push({ v: d * m, major: false });
  }
  return { lo, hi, ticks, map: (v, top, bottom) => bottom - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (bottom - top) };
}

function frame(width, height, title, subtitle, body) {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
    subtitle ? `<text x="${width / 2}" y="42" text-anchor="middle" font-size="11" fill="#555">${esc(subtitle)}</text>` : '',
    ...body,
    `</svg>`,
    '',
  ].join('\n');
}

function yAxis(axis, plot, label) {
  const out = [];
  for (const t of axis.ticks) {
    const y = f1(axis.map(t.v, plot.top, plot.bottom));
    out.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${y}" y2="${y}" stroke="${t.major ? '#ccc' : '#eee'}"/>`);
    out.push(`<text x="${plot.left - 6}" y="${y + 4}" text-anchor="end" fill="${t.major ? '#333' : '#888'}">${fmtTick(t.v)}</text>`);
  }
  const cy = (plot.top + plot.bottom) / 2;
  out.push(`<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${esc(label)}</text>`);
  out.push(`<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}" stroke="#333"/>`);
  out.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}" stroke="#333"/>`);
  return out;
}

function legend(items, x, y) {
  return items.flatMap((it, i) => [
    `<rect x="${x}" y="${y + i * 20 - 9}" width="14" height="10" fill="${it.color}"/>`,
    `<text x="${x + 20}" y="${y + i * 20}">${esc(it.name)}</text>`,
  ]);
}

/**
 * Lines of a value by category (queue depth), one line per series.
 * series: [{ name, color, values: (number|null)[] }] aligned with categories.
 */
export function lineChart({ title, subtitle, categories, series, xLabel, yLabel }) {
  const width = 820;
  const height = 460;
  const plot = { left: 70, right: width - 190, top: 60, bottom: height - 60 };
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  if (!all.length) return null;
  const axis = logAxis(all);
  const step = (plot.right - plot.left) / Math.max(1, categories.length);
  const xOf = (i) => f1(plot.left + step * (i + 0.5));
  const body = yAxis(axis, plot, yLabel);
  categories.forEach((c, i) => body.push(`<text x="${xOf(i)}" y="${plot.bottom + 18}" text-anchor="middle">${esc(c)}</text>`));
  body.push(`<text x="${(plot.left + plot.right) / 2}" y="${plot.bottom + 40}" text-anchor="middle">${esc(xLabel)}</text>`);
  for (const s of series) {
    const pts = s.values.map((v, i) => (v > 0 ? [xOf(i), f1(axis.map(v, plot.top, plot.bottom)), v] : null));
    let d = '';
    pts.forEach((p, i) => {
      if (p) d += `${i > 0 && pts[i - 1] ? 'L' : 'M'}${p[0]},${p[1]} `;
    });
    d = d.trim();
    if (d) body.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    // A series with one point (fs-sync: QD 1 only) gets a hollow diamond, visible over others.
    const lone = pts.filter(Boolean).length === 1;
    for (const p of pts.filter(Boolean)) {
      const tip = `<title>${esc(s.name)}: ${fmtValue(p[2])}</title>`;
      body.push(
        lone
          ? `<path d="M${p[0]},${p[1] - 8} l8,8 l-8,8 l-8,-8 z" fill="none" stroke="${s.color}" stroke-width="2.5">${tip}</path>`
          : `<circle cx="${p[0]}" cy="${p[1]}" r="4" fill="${s.color}">${tip}</circle>`,
      );
    }
  }
  body.push(...legend(series, plot.right + 20, plot.top + 10));
  return frame(width, height, title, subtitle, body);
}

/**
 * Bars grouped by `groups`, one bar per series within each group.
 * values[g][s] (number|null).
 */
export function barChart({ title, subtitle, groups, seriesNames, colors, values, yLabel, reference }) {
  const width = Math.max(820, 140 + groups.length * (seriesNames.length * 18 + 30) + 170);
  const longest = Math.max(...groups.map((g) => String(g).length));
  const height = 380 + Math.ceil(longest * 3.6);
  const plot = { left: 70, right: width - 170, top: 60, bottom: height - Math.ceil(longest * 3.6) - 30 };
  // Rotated labels reach left of their group by ~cos(30°) x their length: keep the first inside.
  const gw0 = (plot.right - plot.left) / groups.length;
  plot.left = Math.max(70, Math.ceil(String(groups[0]).length * 5.6 - gw0 / 2 + 10));
  const all = values.flat().filter((v) => v > 0);
  if (!all.length) return null;
  const axis = logAxis(reference ? [...all, reference] : all);
  const gw = (plot.right - plot.left) / groups.length;
  const bw = Math.min(26, (gw - 16) / seriesNames.length);
  const body = yAxis(axis, plot, yLabel);
  if (reference) {
    const y = f1(axis.map(reference, plot.top, plot.bottom));
    body.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${y}" y2="${y}" stroke="#000" stroke-dasharray="5 4"/>`);
  }
  groups.forEach((g, gi) => {
    const x0 = plot.left + gi * gw + (gw - bw * seriesNames.length) / 2;
    seriesNames.forEach((s, si) => {
      const v = values[gi][si];
      if (!(v > 0)) return;
      const y = f1(axis.map(v, plot.top, plot.bottom));
      const x = f1(x0 + si * bw);
      body.push(`<rect x="${x}" y="${y}" width="${f1(bw - 2)}" height="${f1(plot.bottom - y)}" fill="${colors[si]}"><title>${esc(`${g} ${s}: ${fmtValue(v)}`)}</title></rect>`);
      if (bw >= 16)
        body.push(`<text x="${f1(x + (bw - 2) / 2)}" y="${y - 3}" text-anchor="middle" font-size="9" fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke">${fmtValue(v)}</text>`);
    });
    const cx = f1(plot.left + gi * gw + gw / 2);
    body.push(`<text x="${cx}" y="${plot.bottom + 14}" text-anchor="end" transform="rotate(-30 ${cx} ${plot.bottom + 14})">${esc(g)}</text>`);
  });
  body.push(...legend(seriesNames.map((name, i) => ({ name, color: colors[i] })), plot.right + 20, plot.top + 10));
  return frame(width, height, title, subtitle, body);
}

// ---- the charts of a report ----------------------------------------------------------------

/** Returns [{ file, title, svg }] for the rows at hand (charts without data are left out). */
export function charts(rows, machineLine) {
  const out = [];
  // One thread per contender, the data directory's own write file: the charts' cases.
  const ok = rows.filter((r) => r.status === 'ok' && (r.workers ?? 1) === 1 && !isExtraTarget(r, rows));
  for (const mode of ['hot', 'direct']) {
    const rr = ok.filter((r) => r.workload === 'randread' && r.mode === mode);
    if (!rr.length) continue;
    const qds = [...new Set(rr.map((r) => r.qd))].sort((a, b) => a - b);
    // The running Node's contenders by name; other lines' node:fs only through "best node:fs".
    const names = Object.keys(COLORS).filter((c) => rr.some((r) => r.contender === c));
    const best = (q) => rr.find((r) => r.qd === q && r.bestNodeFs)?.bestNodeFs?.opsPerSec ?? null;
    const series = names.map((name) => ({
      name: name === 'fs-sync' ? 'fs-sync (QD 1 only)' : name,
      color: COLORS[name],
      values: qds.map((q) => rr.find((r) => r.contender === name && r.qd === q)?.opsPerSec ?? null),
    }));
    if (rr.some((r) => r.contender.includes('@'))) series.push({ name: 'best node:fs (any line)', color: COLORS['best node:fs (any line)'], values: qds.map(best) });
    const title = `Random 4 KiB reads, ${mode === 'hot' ? 'page cache hot' : 'O_DIRECT'}: ops/s by queue depth`;
    const svg = lineChart({ title, subtitle: machineLine, categories: qds.map((q) => `QD ${q}`), series, xLabel: 'queue depth', yLabel: 'ops/s (log scale)' });
    if (svg) out.push({ file: `randread-${mode}-throughput.svg`, title, svg });

    const latQds = [...new Set([qds[0], qds[qds.length - 1]])];
    for (const q of latQds) {
      const at = names.map((n) => rr.find((r) => r.contender === n && r.qd === q)).filter(Boolean);
      if (!at.length) continue;
      const t = `Random 4 KiB reads, ${mode === 'hot' ? 'page cache hot' : 'O_DIRECT'}, QD ${q}: latency percentiles`;
      const lsvg = barChart({
        title: t,
        subtitle: machineLine,
        groups: at.map((r) => r.contender),
        seriesNames: ['p50', 'p99', 'p99.9'],
        colors: PCT_COLORS,
        values: at.map((r) => [r.latencyUs.p50, r.latencyUs.p99, r.latencyUs.p999]),
        yLabel: 'latency µs (log scale)',
      });
      if (lsvg) out.push({ file: `randread-${mode}-latency-qd${q}.svg`, title: t, svg: lsvg });
    }
  }
  // Overview: each workload at its deepest queue, ratio to the best node:fs of the io_uring contenders.
  const contenders = ['fs-libuv-io-uring', 'uring-fs', 'uring-fs-batch', 'uring-fs-queue', 'uring-fs-many', 'uring-fs-promises', 'c-liburing', 'fio'].filter((c) =>
    ok.some((r) => r.contender === c && r.ratioToBestNodeFs != null),
  );
  const keys = [];
  for (const r of ok) {
    const k = `${r.workload}|${r.mode}|${r.bs}`;
    if (!keys.includes(k) && ok.some((x) => `${x.workload}|${x.mode}|${x.bs}` === k && x.ratioToBestNodeFs != null && !isNodeFs(x.contender))) keys.push(k);
  }
  if (keys.length && contenders.length) {
    const groupsL = [];
    const values = [];
    for (const k of keys) {
      const rs = ok.filter((x) => `${x.workload}|${x.mode}|${x.bs}` === k && x.ratioToBestNodeFs != null);
      const q = Math.max(...rs.map((x) => x.qd));
      const [w, m, bs] = k.split('|');
      const oneMode = ['smallfiles', 'stat', 'nop'].includes(w);
      groupsL.push(`${w}${oneMode ? '' : ` ${m}`}${bs !== 'null' ? ` ${fmtBs(Number(bs))}` : ''} QD${q}`);
      values.push(contenders.map((c) => rs.find((x) => x.contender === c && x.qd === q)?.ratioToBestNodeFs ?? null));
    }
    const title = 'Throughput relative to the fastest node:fs of any Node line (1 = same; deepest queue of each workload)';
    const svg = barChart({
      title,
      subtitle: machineLine,
      groups: groupsL,
      seriesNames: contenders,
      colors: contenders.map((c) => COLORS[c]),
      values,
      yLabel: 'x best node:fs ops/s (log scale)',
      reference: 1,
    });
    if (svg) out.push({ file: 'overview-vs-best-node-fs.svg', title, svg });
  }
  return out;
}

/** Write rows on a --write-dir target (not the data directory's own write file). */
function isExtraTarget(r, rows) {
  if (!r.target) return false;
  const first = rows.find((x) => x.workload === r.workload && x.target)?.target;
  return r.target !== first;
}
