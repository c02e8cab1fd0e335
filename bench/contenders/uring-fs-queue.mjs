// The promise-free path (src/queue.ts), on random reads (hot and O_DIRECT):
//
//   uring-fs-queue  ring.completionQueue(handler): N reads always in flight, each tagged with its
//                   slot; the handler gets (tags, results, count) after each reap and re-arms
//                   every completed slot at once (the C program's discipline). No promise,
//                   closure or Error per op.
//   uring-fs-many   ring.readMany(fd, views, positions): QD N = N reads in one call resolving
//                   one Int32Array (one promise per N reads), awaited before the next N (the
//                   uring-fs-batch discipline).
//
// Same ring set-up as uring-fs (bench/contenders/uring-fs.mjs: { strict: true, backend:
// 'io_uring' }, entries for the depth), same page-aligned buffers, same offsets.
import fs from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { pageAlignedBuffers } from '../lib/measure.mjs';
import { openRing, ringFacts } from './uring-fs.mjs';

/** A read's raw result that is not a whole block, as an Error (-errno: its name). */
function badRead(res, bs) {
  return new Error(res < 0 ? `read: ${getSystemErrorName(res)} (${res})` : `read: expected ${bs} bytes, got ${res}`);
}

export async function prepare(c, w) {
  if (c.op !== 'read') throw new Error(`${c.contender} has no ${c.op} workload (reads only)`);
  const entries = Math.max(256, 2 ** Math.ceil(Math.log2(c.qd * 2)));
  const { lib, ring } = await openRing(entries);
  const queued = c.contender === 'uring-fs-queue';
  if (queued ? typeof ring.completionQueue !== 'function' : typeof ring.readMany !== 'function') {
    await ring.destroy();
    throw new Error(`promise-free API not available (ring.${queued ? 'completionQueue' : 'readMany'} is not a function in this build)`);
  }
  const { bs } = c;
  const bufs = c.direct
    ? Array.from({ length: c.qd }, () => lib.allocAligned(bs, 4096).fill(0xa5))
    : pageAlignedBuffers(c.qd, bs);
  const { O_RDONLY, O_DIRECT } = fs.constants;
  const fd = await ring.open(c.file, O_RDONLY | (c.direct ? O_DIRECT : 0));
  const facts = () => ringFacts(ring);
  const teardown = async () => {
    await ring.close(fd);
    await ring.destroy();
  };

  if (queued) {
    let cq = null;
    return {
      style: 'queue',
      want: bs,
      // The driver's handler; returns submit(slot), which reads the slot's buffer at the next offset.
      open: (handler) => {
        cq = ring.completionQueue(handler);
        return (slot) => cq.read(fd, bufs[slot], w.nextOffset(), slot);
      },
      error: (res) => badRead(res, bs),
      facts,
      teardown,
    };
  }

  const positions = new Float64Array(c.qd);
  return {
    style: 'batch',
    batch: async (n) => {
      const views = n === bufs.length ? bufs : bufs.slice(0, n);
      const pos = n === positions.length ? positions : positions.subarray(0, n);
      for (let i = 0; i < n; i++) pos[i] = w.nextOffset();
      const res = await ring.readMany(fd, views, pos);
      for (let i = 0; i < n; i++) {
        if (res[i] !== bs) throw badRead(res[i], bs);
      }
    },
    facts,
    teardown,
  };
}
