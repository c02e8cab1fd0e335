// Runs one cell of the matrix once, each contender in its own fresh process, and normalises the
// result to { ok, ops, seconds, lat: {p50, p99, p999, samples} (µs), cpuUser, cpuSys, syncs, env }.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR } from './args.mjs';
import { splitContender } from './matrix.mjs';

const RUN_ONE = path.join(BENCH_DIR, 'run-one.mjs');
const MARK = '@@RESULT ';

function spawnCollect(cmd, args, { env, timeoutMs, cwd }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL'); // this child only, by its own handle
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + String(err.message), timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

const tail = (s) => s.trim().split('\n').slice(-3).join(' / ').slice(0, 300);

/** The JSON a child gets (bench/run-one.mjs; the C program and fio get the same as options). */
export function toCase(cell, data, opts, round) {
  const w = cell.spec;
  const read = w.data === 'read';
  const { style, line } = splitContender(cell.contender);
  return {
    contender: cell.contender,
    style, // the contender without its Node line: fs-callback@24 -> fs-callback
    nodeLine: line, // null: the Node running the CLI
    workers: cell.workers ?? 1,
    workload: cell.workload,
    mode: cell.mode,
    op: w.op,
    access: w.access,
    bs: cell.bs ?? 0,
    qd: cell.qd,
    file: read ? cell.target ?? data.readFile : w.data === 'write' ? cell.target ?? data.writeFile : null,
    span: read ? cell.targetSpan ?? data.readSpan : w.data === 'write' ? data.writeSpan : 0,
    direct: !!w.direct,
    sqpoll: !!w.sqpoll, // --sqpoll rows: every ring contender with a kernel submission thread
    // io_uring features (--features): registered buffers and registered files.
    fixedBufs: /fixedbufs/.test(cell.features ?? ''),
    regFiles: /regfiles/.test(cell.features ?? ''),
    fdatasyncEvery: w.fdatasyncEvery ?? 0,
    ...filesOf(cell, data),
    warmup: opts.warmup,
    // Node contenders also warm up for at least this many completions (JIT), at most this long.
    warmupOps: opts.warmupOps,
    warmupMax: opts.warmup + opts.warmupExtra,
    duration: opts.duration,
    seed: 0x9e3779b1 ^ (round + 1), // same offsets for every contender within a round
  };
}

/**
 * The files a case walks through (Workload.nextPath): the small files, a readfile set of the
 * case's size, or the writefile slots' files (one per queue-depth slot, in cell.target).
 */
function filesOf(cell, data) {
  const w = cell.spec;
  if (w.data === 'small') return { filesDir: data.filesDir, nfiles: data.nfiles, fileSize: data.fileSize };
  if (w.data === 'files') {
    const set = data.fileSets?.[cell.bs];
    return { filesDir: set?.dir ?? null, nfiles: set?.count ?? 0, fileSize: cell.bs };
  }
  if (w.data === 'wfiles') return { filesDir: cell.target ?? data.writeFilesDir, nfiles: cell.qd * (cell.workers ?? 1), fileSize: cell.bs };
  return { filesDir: null, nfiles: 0, fileSize: 0 };
}

function timeoutFor(c) {
  return (c.warmup + c.duration) * 1000 + 30_000;
}

/** A Node child: the running Node, or nodeLines[c.nodeLine].binary for fs-callback@24 and the like. */
export async function runNode(c, nodeLines = {}, wrap = null) {
  const env = { ...process.env, UV_USE_IO_URING: c.style === 'fs-libuv-io-uring' ? '1' : '0', ...(c.env ?? {}) };
  const node = c.nodeLine != null ? nodeLines[c.nodeLine]?.binary : process.execPath;
  if (!node) return { ok: false, error: `no binary for Node ${c.nodeLine}` };
  const [cmd, args] = wrapped(wrap, node, [...(c.nodeArgs ?? []), RUN_ONE, JSON.stringify(c)]);
  const r = await spawnCollect(cmd, args, { env, timeoutMs: timeoutFor(c) });
  if (r.timedOut) return { ok: false, error: `timed out after ${timeoutFor(c) / 1000} s` };
  const line = r.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) return { ok: false, error: `no result (exit ${r.code ?? r.signal}): ${tail(r.stderr || r.stdout)}` };
  return JSON.parse(line.slice(MARK.length));
}

/** wrap: [cmd, ...args] to run the child under (perf record for --profile), or null. */
function wrapped(wrap, cmd, args) {
  return wrap ? [wrap[0], [...wrap.slice(1), cmd, ...args]] : [cmd, args];
}

export async function runC(binary, c, wrap = null) {
  const args = ['--op', c.op, '--qd', String(c.qd), '--warmup', String(c.warmup), '--duration', String(c.duration), '--seed', String(c.seed >>> 0)];
  if (c.file) args.push('--file', c.file, '--span', String(c.span), '--bs', String(c.bs), '--mode', c.access);
  if (c.direct) args.push('--direct');
  if (c.sqpoll) args.push('--sqpoll');
  if (c.fixedBufs) args.push('--fixed-bufs');
  if (c.regFiles) args.push('--reg-files');
  if (c.fdatasyncEvery) args.push('--fdatasync-every', String(c.fdatasyncEvery));
  if (c.filesDir) args.push('--files-dir', c.filesDir, '--nfiles', String(c.nfiles), '--file-size', String(c.fileSize));
  if (c.workers > 1) args.push('--threads', String(c.workers));
  const [cmd, cargs] = wrapped(wrap, binary, args);
  const r = await spawnCollect(cmd, cargs, { env: { ...process.env, ...(c.env ?? {}) }, timeoutMs: timeoutFor(c) });
  if (r.timedOut) return { ok: false, error: `timed out after ${timeoutFor(c) / 1000} s` };
  let j;
  try {
    j = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { ok: false, error: `no result (exit ${r.code ?? r.signal}): ${tail(r.stderr || r.stdout)}` };
  }
  if (!j.ok) return { ok: false, error: j.error };
  return {
    ok: true,
    ops: j.ops,
    seconds: j.seconds,
    lat: j.lat_us,
    cpuUser: j.cpu_user_s,
    cpuSys: j.cpu_sys_s,
    readBytes: j.read_bytes ?? null,
    syncs: j.syncs,
    ...(c.workers > 1 ? { threads: j.threads } : {}),
    env: { setupFlags: j.setup_flags, ...(c.workers > 1 ? { workers: c.workers } : {}) },
  };
}

export async function probeC(binary) {
  const r = await spawnCollect(binary, ['--probe'], { env: process.env, timeoutMs: 10_000 });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { ok: false, error: tail(r.stderr || r.stdout) || `exit ${r.code}` };
  }
}

/** Runs bench/run-one.mjs --probe-uring / --probe-uv. */
export async function probeNode(which, env = {}) {
  const r = await spawnCollect(process.execPath, [RUN_ONE, which], { env: { ...process.env, ...env }, timeoutMs: 20_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) return { ok: false, error: tail(r.stderr || r.stdout) || `exit ${r.code}` };
  return JSON.parse(line.slice(MARK.length));
}

export async function fioVersion() {
  const r = await spawnCollect('fio', ['--version'], { env: process.env, timeoutMs: 10_000 });
  return r.code === 0 ? r.stdout.trim() : null;
}

/**
 * fio with its io_uring engine on the same file, block size, depth and access pattern.
 * Read jobs are --readonly; write jobs may not create files (--allow_file_create=0), so fio
 * only ever touches the suite's own write file. invalidate=0 keeps the warmed page cache: fio's
 * default (invalidate=1) drops the file's cached pages when the job starts (measured: a 1 GiB
 * file went from 100 % to 10 % resident after a 0.2 s job), which would turn every later
 * "hot" run into a device read. With workers N: --numjobs=N --group_reporting (N job processes).
 *
 * CPU: fio's own usr_cpu/sys_cpu come from getrusage(RUSAGE_THREAD) of the job thread, which
 * leaves out the kernel's io-wq workers (an ext4 buffered write runs entirely on one: fio said
 * ~6 µs per op where the process spent ~35). So the suite reads /proc/<job>/stat, the whole
 * job process with every thread, from fio's exec_prerun and exec_postrun hooks: CPU over
 * ramp + runtime, divided by the ops of that time. The same hooks read /proc/<job>/io
 * (read_bytes: what the job fetched from storage). fio's own figure stays in env.fioJobThreadCpu.
 */
export async function runFio(c, wrap = null) {
  const rw = c.op === 'read' ? (c.access === 'seq' ? 'read' : 'randread') : c.access === 'seq' ? 'write' : 'randwrite';
  const ms = (s) => `${Math.max(1, Math.round(s * 1000))}ms`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-bench-fio-'));
  // With --profile (BENCH_PERF_CTL set), the hooks also switch perf's events on and off.
  const perf = (cmd) => (c.env?.BENCH_PERF_CTL ? `; echo ${cmd} >> "$BENCH_PERF_CTL"` : '');
  const hook = (f) => `{ cat /proc/$PPID/stat; cat /proc/$PPID/io; } >> ${dir}/${f}${perf(f === 'pre' ? 'enable' : 'disable')}; true`;
  const args = [
    `--name=${c.workload}-${c.mode}`,
    `--filename=${c.file}`,
    '--ioengine=io_uring',
    `--rw=${rw}`,
    `--bs=${c.bs}`,
    `--iodepth=${c.qd}`,
    `--direct=${c.direct ? 1 : 0}`,
    `--size=${c.span}`,
    '--time_based',
    `--runtime=${ms(c.duration)}`,
    `--ramp_time=${ms(c.warmup)}`,
    '--invalidate=0',
    '--norandommap',
    '--lat_percentiles=1',
    '--clat_percentiles=0',
    '--percentile_list=50:99:99.9',
    `--exec_prerun=${hook('pre')}`,
    `--exec_postrun=${hook('post')}`,
    '--output-format=json',
  ];
  if (c.fixedBufs) args.push('--fixedbufs=1');
  if (c.regFiles) args.push('--registerfiles=1');
  if (c.op === 'read') args.push('--readonly');
  else args.push('--allow_file_create=0');
  if (c.sqpoll) args.push('--sqthread_poll=1');
  if (c.fdatasyncEvery) args.push(`--fdatasync=${c.fdatasyncEvery}`);
  if (c.workers > 1) args.push(`--numjobs=${c.workers}`, '--group_reporting');
  const [cmd, cargs] = wrapped(wrap, 'fio', args);
  let r, hooks;
  try {
    r = await spawnCollect(cmd, cargs, { env: { ...process.env, ...(c.env ?? {}) }, timeoutMs: timeoutFor(c), cwd: dir });
    hooks = { pre: readHook(path.join(dir, 'pre')), post: readHook(path.join(dir, 'post')) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (r.timedOut) return { ok: false, error: `timed out after ${timeoutFor(c) / 1000} s` };
  const start = r.stdout.indexOf('{');
  let j;
  try {
    j = JSON.parse(r.stdout.slice(start));
  } catch {
    return { ok: false, error: `fio failed (exit ${r.code}): ${tail(r.stderr || r.stdout)}` };
  }
  const job = j.jobs?.[0];
  if (!job || job.error) return { ok: false, error: `fio job error ${job?.error}: ${tail(r.stderr)}` };
  const d = c.op === 'read' ? job.read : job.write;
  const p = d.lat_ns?.percentile ?? {};
  const us = (k) => (p[k] != null ? p[k] / 1000 : null);
  const seconds = d.runtime / 1000;
  const jobSeconds = (job.job_runtime ?? d.runtime) / 1000; // summed over jobs with group_reporting
  // The hooks' window is ramp + runtime; scale its CPU to the measured ops.
  const proc = procDelta(hooks);
  const share = c.duration / (c.duration + c.warmup);
  const fioOwn = ((job.usr_cpu + job.sys_cpu) / 100) * jobSeconds;
  return {
    ok: true,
    ops: d.total_ios,
    seconds,
    lat: { p50: us('50.000000'), p99: us('99.000000'), p999: us('99.900000'), samples: d.total_ios },
    cpuUser: proc ? proc.user * share : (job.usr_cpu / 100) * jobSeconds,
    cpuSys: proc ? proc.sys * share : (job.sys_cpu / 100) * jobSeconds,
    readBytes: proc ? proc.readBytes : null,
    syncs: job.sync?.total_ios ?? 0,
    env: {
      fio: j['fio version'],
      cpuSource: proc ? '/proc/<job>/stat between exec_prerun and exec_postrun' : 'fio usr_cpu/sys_cpu (job thread only)',
      fioJobThreadCpuSecondsPerOp: d.total_ios ? fioOwn / d.total_ios : null,
      ...(c.workers > 1 ? { workers: c.workers } : {}),
    },
  };
}

/** The hook file: per job process, a /proc/<pid>/stat line followed by its /proc/<pid>/io. */
function readHook(file) {
  const out = new Map();
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  let pid = null;
  for (const line of text.split('\n')) {
    const stat = /^(\d+) \(.*\) \S+ (.*)$/.exec(line);
    if (stat) {
      // Fields after the state: ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime.
      const f = stat[2].split(' ');
      pid = stat[1];
      out.set(pid, { utime: Number(f[10]), stime: Number(f[11]), readBytes: null });
      continue;
    }
    const rb = /^read_bytes: (\d+)$/.exec(line);
    if (rb && pid) out.get(pid).readBytes = Number(rb[1]);
  }
  return out;
}

/** CPU seconds (all threads of every job process) and storage reads between the hooks. */
function procDelta({ pre, post }) {
  if (!pre.size || pre.size !== post.size) return null;
  const hz = clockTicks();
  let user = 0, sys = 0, readBytes = 0;
  for (const [pid, a] of pre) {
    const b = post.get(pid);
    if (!b) return null;
    user += (b.utime - a.utime) / hz;
    sys += (b.stime - a.stime) / hz;
    readBytes += (b.readBytes ?? 0) - (a.readBytes ?? 0);
  }
  return { user, sys, readBytes };
}

let hz = null;
function clockTicks() {
  if (hz == null) {
    try {
      hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      hz = 100;
    }
  }
  return hz;
}
