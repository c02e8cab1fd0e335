// Runs one cell of the matrix once, each contender in its own fresh process, and normalises the
// result to { ok, ops, seconds, lat: {p50, p99, p999, samples} (µs), cpuUser, cpuSys, syncs, env }.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BENCH_DIR } from './args.mjs';

const RUN_ONE = path.join(BENCH_DIR, 'run-one.mjs');
const MARK = '@@RESULT ';

function spawnCollect(cmd, args, { env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The JSON a child hands to run-one.mjs (see bench/README.md, "What one run does"). */
export function toCase(cell, data, opts, round) {
  const w = cell.spec;
  const read = w.data === 'read';
  return {
    contender: cell.contender,
    workload: cell.workload,
    mode: cell.mode,
    op: w.op,
    access: w.access,
    bs: cell.bs ?? 0,
    qd: cell.qd,
    file: read ? data.readFile : w.data === 'write' ? data.writeFile : null,
    span: read ? data.readSpan : w.data === 'write' ? data.writeSpan : 0,
    direct: !!w.direct,
    fdatasyncEvery: w.fdatasyncEvery ?? 0,
    filesDir: w.data === 'small' ? data.filesDir : null,
    nfiles: w.data === 'small' ? data.nfiles : 0,
    fileSize: w.data === 'small' ? data.fileSize : 0,
    warmup: opts.warmup,
    duration: opts.duration,
    seed: 0x9e3779b1 ^ (round + 1), // same offsets for every contender within a round
  };
}

function timeoutFor(c) {
  return (c.warmup + c.duration) * 1000 + 30_000;
}

export async function runNode(c) {
  const env = { ...process.env, UV_USE_IO_URING: c.contender === 'fs-libuv-io-uring' ? '1' : '0' };
  const r = await spawnCollect(process.execPath, [RUN_ONE, JSON.stringify(c)], { env, timeoutMs: timeoutFor(c) });
  if (r.timedOut) return { ok: false, error: `timed out after ${timeoutFor(c) / 1000} s` };
  const line = r.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) return { ok: false, error: `no result (exit ${r.code ?? r.signal}): ${tail(r.stderr || r.stdout)}` };
  return JSON.parse(line.slice(MARK.length));
}

export async function runC(binary, c) {
  const args = ['--op', c.op, '--qd', String(c.qd), '--warmup', String(c.warmup), '--duration', String(c.duration), '--seed', String(c.seed >>> 0)];
  if (c.file) args.push('--file', c.file, '--span', String(c.span), '--bs', String(c.bs), '--mode', c.access);
  if (c.direct) args.push('--direct');
  if (c.fdatasyncEvery) args.push('--fdatasync-every', String(c.fdatasyncEvery));
  if (c.filesDir) args.push('--files-dir', c.filesDir, '--nfiles', String(c.nfiles), '--file-size', String(c.fileSize));
  const r = await spawnCollect(binary, args, { env: process.env, timeoutMs: timeoutFor(c) });
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
    syncs: j.syncs,
    env: { setupFlags: j.setup_flags },
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
 * only ever touches the suite's own write file. invalidate=0 keeps the warmed page cache.
 */
export async function runFio(c) {
  const rw = c.op === 'read' ? (c.access === 'seq' ? 'read' : 'randread') : c.access === 'seq' ? 'write' : 'randwrite';
  const ms = (s) => `${Math.max(1, Math.round(s * 1000))}ms`;
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
    '--output-format=json',
  ];
  if (c.op === 'read') args.push('--readonly');
  else args.push('--allow_file_create=0');
  if (c.fdatasyncEvery) args.push(`--fdatasync=${c.fdatasyncEvery}`);
  const r = await spawnCollect('fio', args, { env: process.env, timeoutMs: timeoutFor(c) });
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
  const jobSeconds = (job.job_runtime ?? d.runtime) / 1000;
  return {
    ok: true,
    ops: d.total_ios,
    seconds,
    lat: { p50: us('50.000000'), p99: us('99.000000'), p999: us('99.900000'), samples: d.total_ios },
    cpuUser: (job.usr_cpu / 100) * jobSeconds,
    cpuSys: (job.sys_cpu / 100) * jobSeconds,
    syncs: job.sync?.total_ios ?? 0,
    env: { fio: j['fio version'] },
  };
}
