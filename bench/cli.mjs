#!/usr/bin/env node
// `npm run bench`: uring-fs against node:fs, libuv's io_uring, C over liburing, and fio.
// See bench/README.md for the options, the matrix, the time budget and the JSON schema.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HELP, parseArgs } from './lib/args.mjs';
import { buildC, ccVersion } from './lib/cprog.mjs';
import { DATA, deviceOrFileSize, ensureData, flushFile, probeDirect, warmFile, warmSmall } from './lib/data.mjs';
import { collectMachine, machineLines } from './lib/machine.mjs';
import { caseKey, expand, estimateSeconds } from './lib/matrix.mjs';
import { buildRows, consoleTable, fmtBs, markdown, roundFigures } from './lib/report.mjs';
import { fioVersion, probeC, probeNode, runC, runFio, runNode, toCase } from './lib/runner.mjs';
import { charts } from './lib/svg.mjs';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const log = (...a) => console.error(...a);
const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;

async function main() {
  const started = Date.now();
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    log(`bench: ${err.message}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }

  if (opts.report) return rerender(opts);

  // ---- the matrix, before anything is created --------------------------------------------
  let cells = expand(opts, {});
  const needs = {
    read: !opts.file && cells.some((c) => c.spec.data === 'read'),
    write: cells.some((c) => c.spec.data === 'write'),
    small: cells.some((c) => c.spec.data === 'small'),
  };
  if (!cells.length) {
    log('bench: the filter leaves nothing to run (see --list and --help)');
    return 2;
  }
  if (opts.list) {
    const est = estimateSeconds(cells, opts);
    for (const c of cells) log(`${c.workload}:${c.mode} bs=${fmtBs(c.bs)} qd=${c.qd} ${c.contender}${c.kind !== 'run' ? ` (${c.kind}: ${c.note})` : ''}`);
    log(`\n${cells.length} rows, ${est.runs} runs (${opts.rounds} rounds), about ${mmss(est.seconds)} of runs plus data preparation`);
    return 0;
  }

  if (opts.file) {
    try {
      fs.closeSync(fs.openSync(opts.file, 'r')); // read-only, as every contender opens it
    } catch (err) {
      log(`bench: cannot read --file ${opts.file}: ${err.code ?? err.message}`);
      return 2;
    }
  }

  // ---- tools and probes ------------------------------------------------------------------
  const c = buildC(log);
  const cProbe = c.binary ? await probeC(c.binary) : { ok: false, error: c.error };
  const fioV = await fioVersion();
  const uringProbe = await probeNode('--probe-uring', { UV_USE_IO_URING: '0' });
  const uvProbe = await probeNode('--probe-uv', { UV_USE_IO_URING: '1' });

  // ---- data ------------------------------------------------------------------------------
  const data = ensureData(opts.dir, needs, log);
  if (opts.file) {
    const size = deviceOrFileSize(opts.file);
    data.readFile = opts.file;
    data.readSpan = Math.floor(Math.min(size, opts.span ?? GiB) / MiB) * MiB;
    if (data.readSpan < MiB) throw new Error(`--file ${opts.file}: needs at least 1 MiB (has ${size} bytes)`);
  } else if (needs.read) {
    data.readSpan = Math.floor(Math.min(DATA.readSize, opts.span ?? GiB) / MiB) * MiB || MiB;
  }
  if (needs.write) data.writeSpan = DATA.writeSize;

  const env = {
    cSkip: c.binary ? (cProbe.ok ? null : `c-liburing cannot set up a ring: ${cProbe.error}`) : c.error,
    fioSkip: fioV ? null : 'fio is not installed',
    directRefused: {
      read: data.readFile ? probeDirect(data.readFile) : null,
      write: data.writeFile ? probeDirect(data.writeFile) : null,
    },
  };
  cells = expand(opts, env);

  const machine = collectMachine({
    dataDir: fs.existsSync(opts.dir) ? opts.dir : null,
    readTarget: data.readFile ?? null,
    cProbe,
    uringProbe,
    uvProbe,
    fioVersion: fioV,
    ccVersion: ccVersion(),
  });
  log('');
  for (const l of machineLines(machine)) log(l);
  const est = estimateSeconds(cells, opts);
  log(`\n${cells.length} rows, ${est.runs} runs: ${opts.rounds} round(s) x ${opts.warmup}s warm-up + ${opts.duration}s measured; about ${mmss(est.seconds)}\n`);

  // ---- runs: rounds, cases, contenders rotated within each case --------------------------
  const roundsByCell = cells.map(() => []);
  const byCase = new Map();
  cells.forEach((cell, i) => {
    if (cell.kind !== 'run') return;
    const k = caseKey(cell);
    if (!byCase.has(k)) byCase.set(k, []);
    byCase.get(k).push(i);
  });
  const total = est.runs;
  const tty = process.stderr.isTTY;
  let done = 0;
  let lastPct = -1;
  const runStart = Date.now();
  const progress = (cell, round) => {
    const elapsed = (Date.now() - runStart) / 1000;
    const eta = done ? (elapsed / done) * (total - done) : est.seconds;
    const what = `round ${round + 1}/${opts.rounds}  ${cell.workload}:${cell.mode} bs=${fmtBs(cell.bs)} qd=${cell.qd} ${cell.contender}`;
    const line = `[${String(done).padStart(String(total).length)}/${total}] ${what}  elapsed ${mmss(elapsed)} eta ${mmss(eta)}`;
    if (tty && !opts.verbose) process.stderr.write(`\r\x1b[K${line}`);
    else if (opts.verbose) log(line);
    else {
      const pct = Math.floor((done / total) * 20) * 5;
      if (pct !== lastPct) {
        lastPct = pct;
        log(`${String(pct).padStart(3)}% ${line}`);
      }
    }
  };
  const reported = new Set();

  // Page cache warming happens right before each hot case, not once: on some machines
  // (e.g. DAMON proactive reclaim, see machine.proactiveReclaim) pages idle for a while are
  // evicted, and a "hot" run must not read from the device.
  const timing = { runsSeconds: 0, warmSeconds: 0, flushSeconds: 0 };
  const timed = (key, fn) => {
    const t = performance.now();
    fn();
    timing[key] += (performance.now() - t) / 1000;
  };
  for (let round = 0; round < opts.rounds; round++) {
    for (const idxs of byCase.values()) {
      const spec = cells[idxs[0]].spec;
      if (spec.cache === 'hot' && spec.data === 'read') timed('warmSeconds', () => warmFile(data.readFile, data.readSpan));
      if (spec.cache === 'hot' && spec.data === 'write') timed('warmSeconds', () => warmFile(data.writeFile, data.writeSpan));
      if (spec.cache === 'hot' && spec.data === 'small') timed('warmSeconds', () => warmSmall(data.filesDir, data.nfiles));
      const order = idxs.map((_, j) => idxs[(j + round) % idxs.length]); // alternate who goes first
      for (const i of order) {
        const cell = cells[i];
        progress(cell, round);
        const kase = toCase(cell, data, opts, round);
        let r;
        const t0 = performance.now();
        try {
          if (cell.contender === 'c-liburing') r = await runC(c.binary, kase);
          else if (cell.contender === 'fio') r = await runFio(kase);
          else r = await runNode(kase);
        } catch (err) {
          r = { ok: false, error: err.message };
        }
        const wall = (performance.now() - t0) / 1000;
        timing.runsSeconds += wall;
        // This run's writeback must not become the next run's cost.
        if (spec.data === 'write') timed('flushSeconds', () => flushFile(data.writeFile));
        roundsByCell[i].push({ ...roundFigures(r, cell.bs), wallSeconds: Math.round(wall * 1000) / 1000 });
        done++;
        if (!r.ok && !reported.has(i)) {
          reported.add(i);
          if (tty && !opts.verbose) process.stderr.write('\r\x1b[K');
          log(`  ${cell.workload}:${cell.mode} bs=${fmtBs(cell.bs)} qd=${cell.qd} ${cell.contender}: ${r.error}`);
        }
      }
    }
  }
  if (tty && !opts.verbose) process.stderr.write('\r\x1b[K');
  const elapsedSeconds = (Date.now() - started) / 1000;
  log(`runs done in ${mmss((Date.now() - runStart) / 1000)} (total ${mmss(elapsedSeconds)}; ` +
    `children ${Math.round(timing.runsSeconds)}s, cache warming ${Math.round(timing.warmSeconds)}s, write-file flushes ${Math.round(timing.flushSeconds)}s)`);

  // ---- results ---------------------------------------------------------------------------
  const rows = buildRows(cells, roundsByCell);
  const config = {
    quick: opts.quick,
    rounds: opts.rounds,
    warmup: opts.warmup,
    duration: opts.duration,
    filter: opts.filter,
    qd: opts.qd,
    direct: opts.direct,
    dir: opts.dir,
    file: opts.file,
    readFile: data.readFile ?? null,
    readSpan: data.readSpan ?? null,
    writeFile: data.writeFile ?? null,
    writeSpan: data.writeSpan ?? null,
    filesDir: data.filesDir ?? null,
    smallFiles: data.filesDir ? { count: data.nfiles, size: data.fileSize } : null,
    dataCreated: data.created,
    runs: total,
    elapsedSeconds: Math.round(elapsedSeconds * 10) / 10,
    timing: Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v * 10) / 10])),
  };
  const doc = { schemaVersion: 1, tool: 'uring-fs bench (bench/cli.mjs)', machine, config, results: rows };
  const jsonPath = opts.json ?? path.join(opts.out, 'results.json');
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  fs.writeFileSync(jsonPath, JSON.stringify(doc, null, 2) + '\n');
  writeReports(doc, opts.out);
  log(`JSON      ${rel(jsonPath)}`);
  return 0;
}

const rel = (p) => path.relative(process.cwd(), p) || p;

/** Console table, results.md and the SVG charts for a results document. */
function writeReports(doc, out) {
  const { machine, config, results: rows } = doc;
  const machineLine = `${machine.cpu.model} x${machine.cpu.count} · Linux ${machine.kernel.release} · Node ${machine.node.version} · ` +
    `${machine.dataDir?.filesystem ?? ''} on ${machine.dataDir?.device?.name ?? machine.dataDir?.source ?? '?'} · ${config.rounds} round(s), medians`;
  const chartList = charts(rows, machineLine);
  fs.mkdirSync(out, { recursive: true });
  for (const ch of chartList) fs.writeFileSync(path.join(out, ch.file), ch.svg);
  const mdPath = path.join(out, 'results.md');
  fs.writeFileSync(mdPath, markdown({ machine, config, rows, charts: chartList, elapsedSeconds: config.elapsedSeconds }) + '\n');
  // stdout alone is a complete result: the machine, then the table.
  console.log(machineLines(machine).join('\n'));
  console.log(consoleTable(rows));
  log('');
  log(`Markdown  ${rel(mdPath)}`);
  for (const ch of chartList) log(`chart     ${rel(path.join(out, ch.file))}`);
  const errors = rows.filter((r) => r.status === 'error').length;
  if (errors) log(`${errors} row(s) could not be measured; their error is in the table and the JSON.`);
}

function rerender(opts) {
  const doc = JSON.parse(fs.readFileSync(opts.report, 'utf8'));
  if (doc.schemaVersion !== 1 || !Array.isArray(doc.results)) throw new Error(`${opts.report}: not a bench results file (schemaVersion 1)`);
  writeReports(doc, opts.out);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    log(`bench: ${process.env.BENCH_DEBUG ? err.stack : err.message}`);
    process.exitCode = 1;
  },
);
