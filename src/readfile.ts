// Reading a whole file in as few trips to the kernel as it takes.
//
// node:fs/promises' readFile opens, fstats, reads (until the size, or until a
// read returns 0) and closes: four or five thread-pool round trips. Here a file
// is opened straight into a registered file slot, read (64 KiB) and read again
// (to see EOF) in one submission: a hard-linked chain, each step run after the
// previous one whatever its result. Page-cache hits complete during the submit.
// When the second read found EOF, that is the file; otherwise reading goes on
// from the same open file until a read returns 0. The slot is closed after the
// result is known, without waiting for it (it is given back when its close
// completes): a close of a file opened for reading has nothing to report.

import type { Engine } from './engine';
import { ownError } from './errors';
import { CloseOp } from './ops/close';
import { engineOf } from './ops/define';
import type { Op } from './ops/op';
import { open } from './ops/open';
import { ReadOp } from './ops/read';
import type { PathLike, Ring } from './ring';

/** The first read's size: small files are read whole in one submission. */
const FIRST = 64 * 1024;
/** The read that tells EOF from more; its bytes are kept when there is more. */
const PROBE = 16 * 1024;
/** Reads after the first submission. */
const CHUNK = 512 * 1024;
/** node:fs's kIoMaxLength: readFile refuses files larger than this. */
const MAX_FILE = 2 ** 31 - 1;

type Settled = { ok: true; value: unknown } | { ok: false; reason: unknown };

// The first trip's buffers, reused: a fresh 80 KB per call is external memory
// churn that sets off garbage collections (measured: half the throughput of
// reading small files). The result is always copied out at its own size.
const pool: Buffer[] = [];
const POOL_MAX = 64;

function takeBuffer(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(FIRST + PROBE);
}

function giveBuffer(buf: Buffer): void {
  if (pool.length < POOL_MAX) pool.push(buf);
}

/** Starts `ops` as one hard-linked chain; resolves every op's outcome once the last has settled. */
function hardChain(engine: Engine, ops: Op[]): Promise<Settled[]> {
  return new Promise((resolve) => {
    const out = new Array<Settled>(ops.length);
    let left = ops.length;
    ops.forEach((op, i) => {
      op.resolve = (value: unknown) => {
        out[i] = { ok: true, value };
        if (--left === 0) resolve(out);
      };
      op.reject = (reason: unknown) => {
        out[i] = { ok: false, reason };
        if (--left === 0) resolve(out);
      };
    });
    engine.startLinked(ops, true);
  });
}

function readFixed(engine: Engine, slot: number, view: Buffer): Promise<number> {
  const op = new ReadOp(-1, view, -1);
  op.fixedSlot = slot;
  return engine.run(op);
}

function closeSlot(engine: Engine, slot: number): void {
  const op = new CloseOp(-1);
  op.directSlot = slot;
  const free = (): void => engine.giveFixedSlot(slot);
  engine.run(op).then(free, free);
}

/**
 * readFile of a path as one submission where it can be: the whole file, or
 * null when this way does not apply here (the node:fs backend, a kernel without
 * registered-file slots or one of the opcodes, every slot in use), in which
 * case nothing was done. Errors: open's names the path; a read's is the read's
 * (`path` is the path for messages only; `stat` gives a size for the 2 GiB
 * check when the file turns out bigger than the first read).
 */
export async function readWholeFile(
  ring: Ring,
  path: PathLike,
  flags: string | number,
  sizeOf: () => Promise<number>,
): Promise<Buffer | null> {
  const engine = engineOf(ring);
  const openOp = open(path, flags, 0o666); // validates: node:fs's errors, before any I/O
  if (engine.destroyed || !engine.onRing(openOp) || engine.nativeOps.read !== true || engine.nativeOps.close !== true) return null;
  const slot = engine.takeFixedSlot();
  if (slot < 0) return null;
  const space = takeBuffer();
  const first = new ReadOp(-1, space, -1, 0, FIRST);
  const probe = new ReadOp(-1, space, -1, FIRST, PROBE);
  openOp.directSlot = slot;
  first.fixedSlot = slot;
  probe.fixedSlot = slot;
  const [o, a, b] = await hardChain(engine, [openOp, first, probe]);
  if (!o.ok) {
    engine.giveFixedSlot(slot); // the open failed: nothing is in the slot
    giveBuffer(space);
    throw o.reason;
  }
  try {
    if (!a.ok) throw a.reason;
    const n = a.value as number;
    if (!b.ok) throw b.reason;
    const m = b.value as number;
    if (m === 0) return Buffer.from(space.subarray(0, n));
    // More than fits: size the buffer from the file's size (and refuse what
    // node:fs refuses), then read on from the open file until EOF.
    const size = await sizeOf();
    if (size > MAX_FILE) throw ownError('RangeError', 'ERR_FS_FILE_TOO_LARGE', `File size (${size}) is greater than 2 GiB`, ownError);
    let buf = Buffer.allocUnsafe(Math.max(size, n + m + CHUNK));
    space.copy(buf, 0, 0, n);
    space.copy(buf, n, FIRST, FIRST + m);
    let len = n + m;
    for (;;) {
      // node:fs/promises stops once it has read the size fstat gave (no read to
      // see EOF: for a file of exactly that size it would cost a buffer twice as
      // big, a copy and a read).
      if (size > 0 && len >= size) break;
      if (len === buf.length) {
        if (buf.length >= MAX_FILE) throw ownError('RangeError', 'ERR_FS_FILE_TOO_LARGE', `File size (${len}) is greater than 2 GiB`, ownError);
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, MAX_FILE));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const k = await readFixed(engine, slot, buf.subarray(len, Math.min(buf.length, len + CHUNK)));
      if (k === 0) break;
      len += k;
    }
    return len === buf.length ? buf : buf.subarray(0, len);
  } finally {
    closeSlot(engine, slot);
    giveBuffer(space);
  }
}
