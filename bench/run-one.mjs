#!/usr/bin/env node
// One measured run of one contender, in a fresh process (started by bench/cli.mjs).
//
//   node bench/run-one.mjs '<case JSON>'   -> "@@RESULT {json}" on stdout
//   node bench/run-one.mjs --probe-uring   -> facts about uring-fs on this machine
//   node bench/run-one.mjs --probe-uv      -> whether libuv opened io_uring rings here
//
// The case fields are documented in bench/lib/matrix.mjs (toCase).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Workload, runPromiseLoops, runCallbackLoops, runSyncLoop, runBatchLoop } from './lib/measure.mjs';

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
  // A few positioned FileHandle reads: with io_uring honoured, libuv sets up its rings on the
  // first file operation and they show up as anon_inode:[io_uring] fds.
  const fh = await fsp.open(process.execPath, 'r');
  const buf = Buffer.alloc(4096);
  for (let i = 0; i < 16; i++) await fh.read(buf, 0, buf.length, i * 4096);
  await fh.close();
  return { env: process.env.UV_USE_IO_URING ?? null, uv: process.versions.uv, ioUringFds: ioUringFds() };
}

async function runCase(c) {
  const w = new Workload(c);
  const mod = c.contender.startsWith('uring-fs')
    ? await import('./contenders/uring-fs.mjs')
    : await import('./contenders/node-fs.mjs');
  const impl = await mod.prepare(c, w);
  const timing = { warmup: c.warmup, duration: c.duration };
  let r;
  switch (impl.style) {
    case 'promise':
      r = await runPromiseLoops({ qd: c.qd, op: impl.op, sync: impl.sync, w, timing });
      break;
    case 'callback':
      r = await runCallbackLoops({ qd: c.qd, op: impl.op, sync: impl.sync, w, timing });
      break;
    case 'sync':
      if (c.qd !== 1) throw new Error('fs-sync runs at queue depth 1 only');
      r = runSyncLoop({ op: impl.op, sync: impl.sync, w, timing });
      break;
    case 'batch':
      r = await runBatchLoop({ qd: c.qd, batch: impl.batch, sync: impl.sync, w, timing });
      break;
    default:
      throw new Error(`unknown style ${impl.style}`);
  }
  const env = {
    UV_USE_IO_URING: process.env.UV_USE_IO_URING ?? null,
    ioUringFds: ioUringFds(),
    ...(impl.facts ? impl.facts() : {}),
  };
  if (c.contender === 'fs-libuv-io-uring') env.uvIoUringHonoured = env.ioUringFds > 0;
  await impl.teardown?.();
  return { ok: true, ...r, env };
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

await main();
// The result is out (stdout to a pipe is synchronous on Linux); a handle left open by a
// contender must not turn into a hung run.
setTimeout(() => process.exit(), 2000).unref();
