#!/usr/bin/env node
// `npm run bench`: uring-fs against node:fs, libuv's io_uring, C over liburing, and fio.
// See bench/README.md for the options, the matrix, the time budget and the JSON schema.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HELP, parseArgs } from './lib/args.mjs';
import { PageCache, cacheTarget } from './lib/cache.mjs';
import { buildC, buildCachectl, ccVersion } from './lib/cprog.mjs';
import { DATA, deviceOrFileSize, ensureData, flushFile, flushFiles, probeDirect } from './lib/data.mjs';
import { collectMachine, machineLines, storageOf } from './lib/machine.mjs';
import { caseKey, expand, estimateSeconds } from './lib/matrix.mjs';
import { resolveNodeLines } from './lib/nodes.mjs';
import { profileCells } from './lib/profile.mjs';
import { addRatios, buildRows, consoleTable, fmtBs, markdown, profileLines, roundFigures } from './lib/report.mjs';
import { fioVersion, probeC, probeNode, runC, runFio, runNode, toCase } from './lib/runner.mjs';
import { charts } from './lib/svg.mjs';
import { evaluateTargets, targetLines, targetMarkdown } from './lib/targets.mjs';

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
  // --direct-file: more read targets for the direct random reads (a loop device, a disk).
  let directTargets = null;
  try {
    directTargets = opts.directFiles.map((f) => {
      const size = deviceOrFileSize(f);
      const span = Math.floor(Math.min(size, opts.span ?? GiB) / MiB) * MiB;
      if (span < MiB) throw new Error(`--direct-file ${f}: needs at least 1 MiB (has ${size} bytes)`);
      return { readFile: f, span, filesystem: storageOf(f).filesystem, directRefused: probeDirect(f) };
    });
  } catch (err) {
    log(`bench: ${err.message}`);
    return 2;
  }
  let cells = expand(opts, { directTargets });
  const needs = {
    read: !opts.file && cells.some((c) => c.spec.data === 'read'),
    write: cells.some((c) => c.spec.data === 'write'),
    small: cells.some((c) => c.spec.data === 'small'),
    files: [...new Set(cells.filter((c) => c.spec.data === 'files').map((c) => c.bs))], // readfile sizes
    wfiles: cells.some((c) => c.spec.data === 'wfiles'), // writefile
  };
  if (!cells.length) {
    log('bench: the filter leaves nothing to run (see --list and --help)');
    return 2;
  }
  if (opts.list) {
    const est = estimateSeconds(cells, opts);
    for (const c of cells) log(`${cellName(c)}${c.kind !== 'run' ? ` (${c.kind}: ${c.note})` : ''}`);
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
  const cachectl = buildCachectl(log);
  const cProbe = c.binary ? await probeC(c.binary) : { ok: false, error: c.error };
  const fioV = await fioVersion();
  const uringProbe = await probeNode('--probe-uring', { UV_USE_IO_URING: '0' });
  const uvProbe = await probeNode('--probe-uv', { UV_USE_IO_URING: '1' });
  const lines = [...new Set(cells.filter((x) => x.kind === 'run').map((x) => Number(x.contender.split('@')[1])).filter(Boolean))];
  const nodeLines = resolveNodeLines(lines, opts.nodeCache, log);

  // ---- data ------------------------------------------------------------------------------
  const data = ensureData(opts.dir, { ...needs, wfiles: false }, log);
  if (opts.file) {
    const size = deviceOrFileSize(opts.file);
    data.readFile = opts.file;
    data.readSpan = Math.floor(Math.min(size, opts.span ?? GiB) / MiB) * MiB;
    if (data.readSpan < MiB) throw new Error(`--file ${opts.file}: needs at least 1 MiB (has ${size} bytes)`);
  } else if (needs.read) {
    data.readSpan = Math.floor(Math.min(DATA.readSize, opts.span ?? GiB) / MiB) * MiB || MiB;
  }
  if (needs.write) data.writeSpan = DATA.writeSize;
  // The write workloads once per target: --dir's write file, then each --write-dir's.
  const writeTargets = [];
  if (needs.write || needs.wfiles) {
    for (const dir of [opts.dir, ...opts.writeDirs]) {
      const made = ensureData(dir, { write: needs.write && dir !== opts.dir, wfiles: needs.wfiles }, log);
      const file = dir === opts.dir ? data.writeFile ?? null : made.writeFile ?? null;
      writeTargets.push({ dir, writeFile: file, writeFilesDir: made.writeFilesDir ?? null, filesystem: storageOf(file ?? made.writeFilesDir).filesystem });
    }
  }

  const env = {
    cSkip: c.binary ? (cProbe.ok ? null : `c-liburing cannot set up a ring: ${cProbe.error}`) : c.error,
    fioSkip: fioV ? null : 'fio is not installed',
    directRefused: {
      read: data.readFile ? probeDirect(data.readFile) : null,
      write: data.writeFile ? probeDirect(data.writeFile) : null,
    },
    nodeLines,
    writeTargets: writeTargets.length ? writeTargets : null,
    directTargets,
  };
  cells = expand(opts, env);
  const pageCache = new PageCache({ cachectl: cachectl.binary ?? null, mode: opts.pageCache, log });
  if (pageCache.note) log(`note: ${pageCache.note}`);

  const machine = collectMachine({
    dataDir: fs.existsSync(opts.dir) ? opts.dir : null,
    readTarget: data.readFile ?? null,
    cProbe,
    uringProbe,
    uvProbe,
    fioVersion: fioV,
    ccVersion: ccVersion(),
    nodeLines,
    writeTargets,
    directTargets,
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
    const what = `round ${round + 1}/${opts.rounds}  ${cellName(cell)}`;
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
  let pinWarned = false;

  // The page cache of the hot data is rebuilt the same way at the first case of each workload
  // on it in every round (dropped, then read back: bench/lib/cache.mjs), topped up before the
  // other cases, and its residency recorded. A hot run that still read from storage (a page
  // evicted mid-case, e.g. by DAMON's proactive reclaim) is run once more after a top-up.
  const timing = { runsSeconds: 0, cacheSeconds: 0, flushSeconds: 0, retries: 0 };
  const timed = (key, fn) => {
    const t = performance.now();
    const v = fn();
    timing[key] += (performance.now() - t) / 1000;
    return v;
  };
  const runCell = async (cell, kase, wrap = null) => {
    try {
      if (cell.contender === 'c-liburing') return await runC(c.binary, kase, wrap);
      if (cell.contender === 'fio') return await runFio(kase, wrap);
      return await runNode(kase, nodeLines, wrap);
    } catch (err) {
      return { ok: false, error: err.message };
    }
  };
  let pin = null; // { key, ok, release } while a case's data is pinned
  const unpin = async () => {
    if (pin?.ok) await pin.release();
    pin = null;
  };
  // Rebuilt once per workload on a target (and the first time a target is seen); while pinned,
  // nothing can change the state between rebuilds (pages are only evicted between workloads,
  // and read back sequentially by the top-up), so later rounds only top up. Unpinned, every
  // round rebuilds: a random reader may have brought evicted pages back as small folios.
  const rebuiltOnce = new Set();
  for (let round = 0; round < opts.rounds; round++) {
    const rebuilt = new Set();
    for (const idxs of byCase.values()) {
      const cell0 = cells[idxs[0]];
      const spec = cell0.spec;
      const target = cacheTarget(spec, { ...data, writeFile: cell0.target ?? data.writeFile, bs: cell0.bs });
      let caseCache = null;
      if (target) {
        const group = `${target.key}|${spec.workload}:${spec.mode}`;
        const pinning = opts.pin && pin?.ok !== false && !pinWarned;
        // A --file is someone else's file or device: read, never dropped from the cache.
        const mine = !(opts.file && target.key === 'read');
        const rebuild = mine && (pinning ? !rebuiltOnce.has(target.key) : !rebuilt.has(group));
        rebuiltOnce.add(target.key);
        if (pin && (pin.key !== target.key || rebuild)) await unpin(); // mlocked pages cannot be dropped
        caseCache = timed('cacheSeconds', () => pageCache.prepareCase(target, { rebuild }));
        rebuilt.add(group);
        if (!pin && opts.pin) {
          pin = { key: target.key, ...(await pageCache.pin(target)) };
          if (!pin.ok && !pinWarned) {
            pinWarned = true;
            log(`note: cannot pin the hot data in memory (${pin.error}); running unpinned, and repeating any hot run that reads from storage`);
          }
        }
        caseCache.pinned = !!pin?.ok;
      } else if (pin) await unpin();
      const order = idxs.map((_, j) => idxs[(j + round) % idxs.length]); // alternate who goes first
      for (const i of order) {
        const cell = cells[i];
        progress(cell, round);
        const kase = toCase(cell, data, opts, round);
        const t0 = performance.now();
        let r = await runCell(cell, kase);
        // This run's writeback must not become the next run's cost.
        const flush = () =>
          (spec.data === 'write' && timed('flushSeconds', () => flushFile(kase.file))) ||
          (spec.data === 'wfiles' && timed('flushSeconds', () => flushFiles(kase.filesDir, kase.qd * (kase.workers ?? 1))));
        flush();
        let firstAttempt = null;
        // Pinned data cannot have been read from storage (what a pinned run reads is program
        // files paged back in): only an unpinned run is repeated.
        if (target && !caseCache.pinned && r.ok && r.readBytes > 0) {
          firstAttempt = { opsPerSec: r.seconds > 0 ? Math.round(r.ops / r.seconds) : null, readBytes: r.readBytes };
          timing.retries++;
          timed('cacheSeconds', () => pageCache.topUp(target));
          r = await runCell(cell, kase);
          flush();
        }
        const wall = (performance.now() - t0) / 1000;
        timing.runsSeconds += wall;
        roundsByCell[i].push({
          ...roundFigures(r, cell.bs),
          ...(caseCache ? { cache: caseCache } : {}),
          ...(firstAttempt ? { firstAttempt } : {}),
          wallSeconds: Math.round(wall * 1000) / 1000,
        });
        done++;
        if (!r.ok && !reported.has(i)) {
          reported.add(i);
          if (tty && !opts.verbose) process.stderr.write('\r\x1b[K');
          log(`  ${cellName(cell)}: ${r.error}`);
        }
      }
    }
  }
  await unpin();
  if (tty && !opts.verbose) process.stderr.write('\r\x1b[K');
  const elapsedSeconds = (Date.now() - started) / 1000;
  log(`runs done in ${mmss((Date.now() - runStart) / 1000)} (total ${mmss(elapsedSeconds)}; ` +
    `children ${Math.round(timing.runsSeconds)}s, page cache ${Math.round(timing.cacheSeconds)}s, write-file flushes ${Math.round(timing.flushSeconds)}s` +
    `${timing.retries ? `, ${timing.retries} run(s) repeated after reading from storage` : ''})`);

  // ---- profiles (--profile): each cell once more, under perf record ----------------------
  let profiles = null;
  if (opts.profile) {
    profiles = await profileCells(cells.filter((x) => x.kind === 'run'), {
      out: path.join(opts.out, 'profile'),
      run: (cell, wrap, nodeArgs, env) => runCell(cell, { ...toCase(cell, data, opts, 0), nodeArgs, env }, wrap),
      prepare: (cell) => {
        const target = cacheTarget(cell.spec, { ...data, writeFile: cell.target ?? data.writeFile, bs: cell.bs });
        if (target) pageCache.topUp(target);
      },
      after: (cell) =>
        (cell.spec.data === 'write' && flushFile(cell.target ?? data.writeFile)) ||
        (cell.spec.data === 'wfiles' && flushFiles(cell.target ?? data.writeFilesDir, cell.qd * (cell.workers ?? 1))),
      log,
    });
  }

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
    directFiles: opts.directFiles,
    features: opts.features,
    readFile: data.readFile ?? null,
    readSpan: data.readSpan ?? null,
    writeFile: data.writeFile ?? null,
    writeSpan: data.writeSpan ?? null,
    filesDir: data.filesDir ?? null,
    smallFiles: data.filesDir ? { count: data.nfiles, size: data.fileSize } : null,
    dataCreated: data.created,
    nodeLines: opts.nodeLines,
    nodeStyles: opts.nodeStyles,
    workers: opts.workers,
    writeDirs: opts.writeDirs,
    pageCache: pageCache.mode,
    pin: opts.pin,
    ...(pageCache.note ? { pageCacheNote: pageCache.note } : {}),
    runs: total,
    elapsedSeconds: Math.round(elapsedSeconds * 10) / 10,
    timing: Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    ...(profiles ? { profiles } : {}),
  };
  const doc = { schemaVersion: 2, tool: 'uring-fs bench (bench/cli.mjs)', machine, config, results: rows, targets: evaluateTargets(rows) };
  const jsonPath = opts.json ?? path.join(opts.out, 'results.json');
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  fs.writeFileSync(jsonPath, JSON.stringify(doc, null, 2) + '\n');
  writeReports(doc, opts.out);
  log(`JSON      ${rel(jsonPath)}`);
  return 0;
}

const rel = (p) => path.relative(process.cwd(), p) || p;
const cellName = (c) =>
  `${c.workload}:${c.mode}${c.targetFs && c.target ? `@${c.targetFs}` : c.target && c.spec?.data === 'read' ? `@${c.target}` : ''}${c.features ? `[${c.features}]` : ''} bs=${fmtBs(c.bs)} qd=${c.qd}${c.workers > 1 ? ` x${c.workers} threads` : ''} ${c.contender}`;

/** Console table, results.md and the SVG charts for a results document. */
function writeReports(doc, out) {
  const { machine, config, results: rows } = doc;
  const machineLine = `${machine.cpu.model} x${machine.cpu.count} · Linux ${machine.kernel.release} · Node ${machine.node.version} · ` +
    `${machine.dataDir?.filesystem ?? ''} on ${machine.dataDir?.device?.name ?? machine.dataDir?.source ?? '?'} · ${config.rounds} round(s), medians`;
  const chartList = charts(rows, machineLine);
  fs.mkdirSync(out, { recursive: true });
  for (const ch of chartList) fs.writeFileSync(path.join(out, ch.file), ch.svg);
  const mdPath = path.join(out, 'results.md');
  // Worked out again from the rows, so that --report renders them for older files too.
  const targets = evaluateTargets(rows);
  fs.writeFileSync(mdPath, markdown({ machine, config, rows, charts: chartList, elapsedSeconds: config.elapsedSeconds, sections: targetMarkdown(targets) }) + '\n');
  // stdout alone is a complete result: the machine, then the table.
  console.log(machineLines(machine).join('\n'));
  console.log(consoleTable(rows));
  console.log(targetLines(targets).join('\n'));
  if (config.profiles?.length) console.log(['', 'profiles (--profile; one extra run per cell under perf record):', ...profileLines(config.profiles)].join('\n'));
  log('');
  log(`Markdown  ${rel(mdPath)}`);
  for (const ch of chartList) log(`chart     ${rel(path.join(out, ch.file))}`);
  const errors = rows.filter((r) => r.status === 'error').length;
  if (errors) log(`${errors} row(s) could not be measured; their error is in the table and the JSON.`);
}

function rerender(opts) {
  const doc = JSON.parse(fs.readFileSync(opts.report, 'utf8'));
  if (![1, 2].includes(doc.schemaVersion) || !Array.isArray(doc.results)) throw new Error(`${opts.report}: not a bench results file (schemaVersion 1 or 2)`);
  if (doc.schemaVersion === 1) addRatios(doc.results); // best node:fs, which version 1 did not have
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
