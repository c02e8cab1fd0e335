#!/usr/bin/env node
// One measured run of one contender, in a fresh process (started by bench/cli.mjs).
//
//   node bench/run-one.mjs '<case JSON>'   -> "@@RESULT {json}" on stdout
//   node bench/run-one.mjs --probe-uring   -> facts about uring-fs on this machine
//   node bench/run-one.mjs --probe-uv      -> whether libuv's io_uring file ring runs here
//
// The case fields are made by bench/lib/runner.mjs (toCase). With case.workers = N > 1 the run
// is N worker threads (this file again, as each worker's script), each preparing its own
// contender (its own ring, fd and buffers) and running the same workload; they start together
// and their results are combined (bench/lib/measure.mjs, combine()).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Workload, combine, runPromiseLoops, runCallbackLoops, runSyncLoop, runBatchLoop, runStreamLoop, runQueueLoop } from './lib/measure.mjs';

const MARK = '@@RESULT ';

/** io_uring instances this process holds: libuv's (UV_USE_IO_URING=1) and/or uring-fs's. */
function ioUringFds() {
  let n = 0;
  for (const f of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${f}`) === 'anon_inode:[io_uring]') n++;
    } catch {
      /* the fd of readdir itself is gone by now */
    }
  }
  return n;
}

/**
 * Kernel SQPOLL threads of this process (iou-sqp-<pid>). libuv's io_uring for file operations
 * (UV_USE_IO_URING=1 on libuv 1.45-1.47, Node 20) is an SQPOLL ring, so these say whether file
 * ops really go through it. An io_uring fd alone does not: libuv 1.51/1.52 (Node 22-26) keeps
 * a ring per loop for batching epoll_ctl whatever the variable says, and there
 * UV_USE_IO_URING=1 leaves file ops on the threadpool (traced: only EPOLL_CTL SQEs).
 */
function sqpollThreads() {
  let n = 0;
  for (const t of fs.readdirSync('/proc/self/task')) {
    try {
      if (fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').startsWith('iou-sqp-')) n++;
    } catch {
      /* the thread is gone */
    }
  }
  return n;
}

function emit(obj) {
  process.stdout.write(MARK + JSON.stringify(obj) + '\n');
}

async function probeUring() {
  const { openRing, ringFacts } = await import('./contenders/uring-fs.mjs');
  const { ring } = await openRing(256);
  const facts = { ...ringFacts(ring), ops: ring.features?.ops ?? null, batch: typeof ring.batch === 'function' };
  await ring.nop();
  facts.ioUringFds = ioUringFds();
  await ring.destroy();
  return facts;
}

async function probeUv() {
  // A few positioned FileHandle reads: with io_uring honoured, libuv sets up its SQPOLL file
  // ring on the first file operation and its kernel thread shows up in /proc/self/task.
  const fh = await fsp.open(process.execPath, 'r');
  const buf = Buffer.alloc(4096);
  for (let i = 0; i < 16; i++) await fh.read(buf, 0, buf.length, i * 4096);
  await fh.close();
  return { env: process.env.UV_USE_IO_URING ?? null, uv: process.versions.uv, ioUringFds: ioUringFds(), sqpollThreads: sqpollThreads() };
}

/** Prepares the contender; returns go(keepSamples) -> result and its teardown. */
async function prepareCase(c, worker = 0) {
  const w = new Workload(c, worker);
  const mod =
    c.contender === 'uring-fs-promises'
      ? await import('./contenders/uring-fs-promises.mjs')
      : c.contender === 'uring-fs-queue' || c.contender === 'uring-fs-many'
        ? await import('./contenders/uring-fs-queue.mjs')
        : c.contender.startsWith('uring-fs')
          ? await import('./contenders/uring-fs.mjs')
          : await import('./contenders/node-fs.mjs');
  const impl = await mod.prepare(c, w);
  const go = async (keepSamples) => {
    const timing = { warmup: c.warmup, duration: c.duration, warmupOps: c.warmupOps ?? 0, warmupMax: c.warmupMax ?? c.warmup, keepSamples, perf: worker === 0 };
    switch (impl.style) {
      case 'promise':
        return runPromiseLoops({ qd: c.qd, op: impl.op, sync: impl.sync, w, timing });
      case 'callback':
        return runCallbackLoops({ qd: c.qd, op: impl.op, sync: impl.sync, w, timing });
      case 'sync':
        if (c.qd !== 1) throw new Error('fs-sync runs at queue depth 1 only');
        return runSyncLoop({ op: impl.op, sync: impl.sync, w, timing });
      case 'batch':
        return runBatchLoop({ qd: c.qd, batch: impl.batch, sync: impl.sync, w, timing });
      case 'stream':
        return runStreamLoop({ open: impl.open, timing });
      case 'queue':
        return runQueueLoop({ qd: c.qd, open: impl.open, want: impl.want, error: impl.error, timing });
      default:
        throw new Error(`unknown style ${impl.style}`);
    }
  };
  return { impl, go };
}

function environment(c, impl) {
  const env = {
    node: process.version,
    UV_USE_IO_URING: process.env.UV_USE_IO_URING ?? null,
    ioUringFds: ioUringFds(),
    sqpollThreads: sqpollThreads(),
    ...(impl.facts ? impl.facts() : {}),
  };
  if (c.contender.startsWith('fs-libuv-io-uring')) env.uvIoUringHonoured = env.sqpollThreads > 0;
  return env;
}

async function runCase(c) {
  if ((c.workers ?? 1) > 1) return runWorkers(c);
  const { impl, go } = await prepareCase(c);
  const r = await go(false);
  const env = environment(c, impl);
  await impl.teardown?.();
  return { ok: true, ...r, env };
}

/** N worker threads, each its own contender; started together once all are prepared. */
async function runWorkers(c) {
  const n = c.workers;
  const workers = Array.from({ length: n }, (_, i) => new Worker(new URL(import.meta.url), { workerData: { c, index: i } }));
  const next = (wk) =>
    new Promise((resolve, reject) => {
      const onMsg = (m) => {
        wk.off('error', onErr);
        if (m.ok === false) reject(new Error(`worker: ${m.error}`));
        else resolve(m);
      };
      const onErr = (err) => {
        wk.off('message', onMsg);
        reject(err);
      };
      wk.once('message', onMsg);
      wk.once('error', onErr);
    });
  try {
    await Promise.all(workers.map(next)); // every worker prepared
    const results = workers.map(next);
    for (const wk of workers) wk.postMessage('go');
    const parts = await Promise.all(results);
    const r = combine(parts);
    return { ok: true, ...r, env: { ...parts[0].env, workers: n } };
  } finally {
    await Promise.all(workers.map((wk) => wk.terminate()));
  }
}

async function workerMain() {
  const { c, index } = workerData;
  try {
    const { impl, go } = await prepareCase(c, index);
    parentPort.postMessage({ ready: true });
    await new Promise((resolve) => parentPort.once('message', resolve));
    const r = await go(true);
    const env = environment(c, impl);
    await impl.teardown?.();
    parentPort.postMessage({ ...r, env }, [r.samples.buffer]);
  } catch (err) {
    parentPort.postMessage({ ok: false, error: err?.message ?? String(err) });
  }
}

async function main() {
  const arg = process.argv[2];
  try {
    if (arg === '--probe-uring') emit({ ok: true, ...(await probeUring()) });
    else if (arg === '--probe-uv') emit({ ok: true, ...(await probeUv()) });
    else emit(await runCase(JSON.parse(arg)));
  } catch (err) {
    emit({ ok: false, error: err?.message ?? String(err), code: err?.code ?? null });
    process.exitCode = 1;
  }
}

if (!isMainThread) await workerMain();
else await main();
// The result is out (stdout to a pipe is synchronous on Linux); a handle left open by a
// contender must not turn into a hung run.
if (isMainThread) setTimeout(() => process.exit(), 2000).unref();
