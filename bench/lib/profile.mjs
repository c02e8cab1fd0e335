// --profile: each selected cell runs once more under `perf record` (the CPU clock, call graphs
// off in the summary), recording only the measured window (the child turns perf's events on
// and off through a control fifo), and the profile is summarised: where the CPU went by kind of code
// (kernel, JavaScript, Node/V8, the uring-fs addon, libc, the program itself) and the top
// symbols. Node children run with --perf-basic-prof-only-functions so JIT-compiled JavaScript
// has names. The profiled run is extra: the figures in the tables never come from it.
//
// Written per cell: <out>/profile/<cell>.txt (the summary) and <cell>.perf.data (for
// `perf report -i`).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmtBs } from './report.mjs';

function hasPerf() {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const fileName = (c) =>
  [c.workload, c.mode, c.targetFs && c.target ? c.targetFs : null, c.bs ? fmtBs(c.bs) : null, `qd${c.qd}`, c.workers > 1 ? `x${c.workers}` : null, c.contender]
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9@._-]/g, '_');

/** Which kind of code a perf dso is. */
function kindOf(dso) {
  if (dso === 'c-liburing' || dso === 'fio') return `${dso} (program)`;
  if (dso === '[kernel.kallsyms]' || dso.startsWith('[kernel')) return 'kernel';
  if (/perf-\d+\.map$/.test(dso) || dso.startsWith('[JIT]')) return 'JavaScript (JIT)';
  if (/uring_fs|\.node$/.test(dso)) return 'uring-fs addon';
  if (/^libc[.-]/.test(dso) || /libpthread|libm[.-]|ld-linux/.test(dso)) return 'libc';
  if (/libstdc\+\+|libgcc/.test(dso)) return 'libstdc++';
  if (dso === 'node' || /\/node$/.test(dso)) return 'Node/V8 (native)';
  if (/liburing/.test(dso)) return 'liburing';
  return 'other';
}

/** Parses `perf report --stdio --sort dso,sym -g none` into [{ pct, dso, sym }]. */
function parseReport(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([\d.]+)%\s+(\S+)\s+\[([.kgu])\]\s+(.*)$/.exec(line);
    if (m) out.push({ pct: Number(m[1]), dso: m[2], sym: m[4].trim() });
  }
  return out;
}

export function summarise(entries, top = 25) {
  const byKind = {};
  for (const e of entries) byKind[kindOf(e.dso)] = (byKind[kindOf(e.dso)] ?? 0) + e.pct;
  const split = Object.entries(byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, pct]) => ({ kind, pct: Math.round(pct * 10) / 10 }));
  return { split, top: entries.slice(0, top).map((e) => ({ pct: e.pct, kind: kindOf(e.dso), sym: e.sym })) };
}

/**
 * Profiles every cell once. run(cell, wrap, nodeArgs) runs it under `wrap`; prepare/after
 * bring the page cache to its state and flush writes, as for a measured run.
 * Returns [{ cell, file, split, top, opsPerSec }] or [{ cell, error }].
 */
export async function profileCells(cells, { out, run, prepare, after, log }) {
  if (!hasPerf()) {
    log('profile: perf is not installed (apt-get install linux-perf): no profiles');
    return [{ error: 'perf not installed' }];
  }
  fs.mkdirSync(out, { recursive: true });
  const results = [];
  for (const cell of cells) {
    const name = fileName(cell);
    const data = path.join(out, `${name}.perf.data`);
    // Events start disabled (-D -1); the child's measured window enables and disables them
    // through the control fifo (BENCH_PERF_CTL), so start-up and teardown stay out.
    const ctl = path.join(out, `${name}.ctl`);
    fs.rmSync(ctl, { force: true });
    execFileSync('mkfifo', [ctl]);
    const wrap = ['perf', 'record', '-q', '-e', 'cpu-clock', '-F', '1999', '-g', '-D', '-1', '--control', `fifo:${ctl}`, '-o', data, '--'];
    const maps = new Set(fs.readdirSync(os.tmpdir()).filter((f) => /^perf-\d+\.map$/.test(f)));
    prepare(cell);
    log(`profile: ${name}`);
    const r = await run(cell, wrap, ['--perf-basic-prof-only-functions'], { BENCH_PERF_CTL: ctl });
    after(cell);
    fs.rmSync(ctl, { force: true });
    if (!r.ok) {
      results.push({ cell: name, error: r.error });
      continue;
    }
    let text;
    try {
      text = execFileSync('perf', ['report', '-i', data, '--stdio', '--no-children', '--sort', 'dso,sym', '-g', 'none', '--percent-limit', '0.2'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 << 20,
      });
    } catch (err) {
      results.push({ cell: name, error: `perf report: ${String(err.stderr || err.message).slice(0, 200)}` });
      continue;
    } finally {
      for (const f of fs.readdirSync(os.tmpdir())) if (/^perf-\d+\.map$/.test(f) && !maps.has(f)) fs.rmSync(path.join(os.tmpdir(), f), { force: true });
    }
    const s = summarise(parseReport(text));
    const opsPerSec = r.seconds > 0 ? Math.round(r.ops / r.seconds) : null;
    const cpuUsPerOp = r.ops > 0 ? Math.round(((r.cpuUser + r.cpuSys) / r.ops) * 1e8) / 100 : null;
    const lines = [
      `${name}: ${opsPerSec} ops/s, ${cpuUsPerOp} µs CPU per op in this (profiled) run`,
      '',
      'CPU by kind of code (% of samples):',
      ...s.split.map((x) => `  ${x.pct.toFixed(1).padStart(5)}%  ${x.kind}`),
      '',
      'top symbols:',
      ...s.top.map((x) => `  ${x.pct.toFixed(2).padStart(6)}%  ${x.kind.padEnd(18)} ${x.sym}`),
      '',
      `full profile: perf report -i ${data}`,
    ];
    fs.writeFileSync(path.join(out, `${name}.txt`), lines.join('\n') + '\n');
    results.push({ cell: name, file: path.join(out, `${name}.txt`), opsPerSec, cpuUsPerOp, ...s });
  }
  return results;
}
