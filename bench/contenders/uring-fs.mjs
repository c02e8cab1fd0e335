// The library under test: `uring-fs` (a Ring, one promise per op) and `uring-fs-batch`
// (ring.batch: QD N = N ops in one submission, awaited together). The promise-free path is in
// uring-fs-queue.mjs, the drop-in uring-fs/promises in uring-fs-promises.mjs.
//
// The package imports itself by name (package.json "exports"), so this measures the built
// dist/ exactly as a user gets it. A missing build, a Ring that cannot use io_uring, or a
// missing batch API each become a clear row error instead of a silent node:fs measurement:
// the Ring is created with { strict: true, backend: 'io_uring' }.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { pageAlignedBuffers } from '../lib/measure.mjs';

// URING_FS_MODULE=/abs/path/index.mjs measures another build (say, a branch's dist/) instead.
async function loadLibrary() {
  const spec = process.env.URING_FS_MODULE ? pathToFileURL(process.env.URING_FS_MODULE).href : 'uring-fs';
  try {
    return await import(spec);
  } catch (err) {
    throw new Error(
      `cannot import '${process.env.URING_FS_MODULE || 'uring-fs'}' (${err.code || err.message}); build it first ` +
        `(npm run build:native && npm run build:ts)`,
    );
  }
}

function settled(results, want, what) {
  for (const r of results) {
    if (r.status !== 'fulfilled') throw r.reason;
    if (want !== undefined && r.value !== want) throw new Error(`${what}: expected ${want} bytes, got ${r.value}`);
  }
}

function check(n, want, what) {
  if (n !== want) throw new Error(`${what}: expected ${want} bytes, got ${n}`);
}

/** Facts about the ring, recorded in the result row. */
export function ringFacts(ring) {
  const f = ring.features || {};
  return {
    backend: ring.backend,
    fallbackReason: ring.fallbackReason ?? null,
    setupFlags: f.setupFlags ?? null,
    sqEntries: f.sqEntries ?? null,
    cqEntries: f.cqEntries ?? null,
  };
}

export async function openRing(entries, sqpoll = false) {
  const lib = await loadLibrary();
  let ring;
  try {
    // --sqpoll rows: the kernel's default idle time (1 s), as fio's and the C program's.
    ring = new lib.Ring({ entries, strict: true, backend: 'io_uring', ...(sqpoll ? { sqpoll: true } : {}) });
  } catch (err) {
    throw new Error(`io_uring ring could not be created: ${err.message}`);
  }
  if (ring.backend !== 'io_uring') {
    await ring.destroy?.();
    throw new Error(`ring fell back to node:fs (${ring.fallbackReason}); not measuring that as uring-fs`);
  }
  return { lib, ring };
}

/**
 * readfile: the top-level `readFile` export (uring-fs's own, on the thread's ring, getRing()),
 * required to be io_uring (URING_FS_STRICT=1): a node:fs fallback is an error row. The drop-in's
 * readFile is the uring-fs-promises contender.
 */
async function prepareReadFile(c, w) {
  process.env.URING_FS_STRICT = '1';
  const lib = await loadLibrary();
  let ring;
  try {
    ring = lib.getRing();
  } catch (err) {
    throw new Error(`io_uring ring could not be created: ${err.message}`);
  }
  if (ring.backend !== 'io_uring') throw new Error(`ring fell back to node:fs (${ring.fallbackReason}); not measuring that as uring-fs`);
  return { style: 'promise', op: async () => check((await lib.readFile(w.nextPath())).length, c.fileSize, 'readFile'), facts: () => ringFacts(ring) };
}

export async function prepare(c, w) {
  if (c.op === 'readfile') {
    if (c.contender !== 'uring-fs') throw new Error(`${c.contender} has no readfile workload`);
    return prepareReadFile(c, w);
  }
  const entries = Math.max(256, 2 ** Math.ceil(Math.log2(c.qd * 2)));
  const { lib, ring } = await openRing(entries, !!c.sqpoll);
  const batched = c.contender === 'uring-fs-batch';
  if (batched && typeof ring.batch !== 'function') {
    await ring.destroy();
    throw new Error('batch API not available (ring.batch is not a function in this build)');
  }
  const size = c.op === 'orc' ? 8192 : c.bs; // 8 KiB for 4 KiB files: a short read proves EOF
  // One page-aligned buffer per slot, as every contender. O_DIRECT rows use the library's own
  // allocAligned (what a user of O_DIRECT would call); the others the same memory as node:fs.
  // --features fixedbufs: one registered buffer per slot from ring.registerBuffers (reads
  // and writes into them run as READ_FIXED/WRITE_FIXED), as C and fio register theirs.
  let pool = null;
  if (c.fixedBufs) {
    if (typeof ring.registerBuffers !== 'function') {
      await ring.destroy();
      throw new Error('registered buffers not available (ring.registerBuffers is not a function in this build)');
    }
    pool = ring.registerBuffers(c.qd, size);
    if (!pool.registered) throw new Error('ring.registerBuffers: the pool is not registered');
  }
  const bufs = pool
    ? pool.buffers.map((b) => b.subarray(0, size).fill(0xa5))
    : c.direct
      ? Array.from({ length: c.qd }, () => lib.allocAligned(size, 4096).fill(0xa5))
      : pageAlignedBuffers(c.qd, size);
  const { bs, fileSize } = c;
  const facts = () => ringFacts(ring);
  let fd = -1;
  const teardown = async () => {
    if (fd >= 0) await ring.close(fd);
    if (pool) await pool.dispose();
    await ring.destroy();
  };

  if (c.op === 'read' || c.op === 'write') {
    const { O_RDONLY, O_RDWR, O_DIRECT } = fs.constants;
    fd = await ring.open(c.file, (c.op === 'read' ? O_RDONLY : O_RDWR) | (c.direct ? O_DIRECT : 0));
    // --features regfiles: the fd's file in the ring's registered file table (IOSQE_FIXED_FILE).
    if (c.regFiles && ring.registerFile(fd) !== true) throw new Error('ring.registerFile refused the fd (no registered file table?)');
    const kind = c.op;
    if (!batched) {
      return {
        style: 'promise',
        op:
          kind === 'read'
            ? async (slot) => check(await ring.read(fd, bufs[slot], w.nextOffset()), bs, 'read')
            : async (slot) => check(await ring.write(fd, bufs[slot], w.nextOffset()), bs, 'write'),
        sync: c.fdatasyncEvery ? () => ring.fdatasync(fd) : null,
        facts,
        teardown,
      };
    }
    return {
      style: 'batch',
      batch: async (n) => {
        const ops = new Array(n);
        for (let i = 0; i < n; i++) ops[i] = { op: kind, fd, buffer: bufs[i], position: w.nextOffset() };
        settled(await ring.batch(ops), bs, kind);
      },
      sync: c.fdatasyncEvery ? async () => settled(await ring.batch([{ op: 'fdatasync', fd }])) : null,
      facts,
      teardown,
    };
  }

  if (c.op === 'orc') {
    if (!batched) {
      return {
        style: 'promise',
        op: async (slot) => {
          const f = await ring.open(w.nextPath(), 'r');
          try {
            check(await ring.read(f, bufs[slot], 0), fileSize, 'read');
          } finally {
            await ring.close(f);
          }
        },
        facts,
        teardown,
      };
    }
    // Three submissions per group of N files: the fds are not known until the opens complete.
    return {
      style: 'batch',
      batch: async (n) => {
        const opened = await ring.batch(Array.from({ length: n }, () => ({ op: 'open', path: w.nextPath(), flags: 'r' })));
        const fds = opened.filter((r) => r.status === 'fulfilled').map((r) => r.value);
        try {
          settled(opened);
          settled(await ring.batch(fds.map((f, i) => ({ op: 'read', fd: f, buffer: bufs[i], position: 0 }))), fileSize, 'read');
        } finally {
          settled(await ring.batch(fds.map((f) => ({ op: 'close', fd: f }))));
        }
      },
      facts,
      teardown,
    };
  }

  if (c.op === 'stat') {
    if (!batched) return { style: 'promise', op: () => ring.stat(w.nextPath()), facts, teardown };
    return {
      style: 'batch',
      batch: async (n) => settled(await ring.batch(Array.from({ length: n }, () => ({ op: 'stat', path: w.nextPath() })))),
      facts,
      teardown,
    };
  }

  if (c.op === 'nop') {
    if (!batched) return { style: 'promise', op: () => ring.nop(), facts, teardown };
    const ops = Array.from({ length: c.qd }, () => ({ op: 'nop' }));
    return { style: 'batch', batch: async () => settled(await ring.batch(ops)), facts, teardown };
  }

  await teardown();
  throw new Error(`${c.contender} has no ${c.op} workload`);
}
