// The drop-in: `uring-fs/promises` used exactly as node:fs/promises is by the fs-promises
// contender (bench/contenders/node-fs.mjs), the import being the only difference:
//
//   randread:hot   FileHandle.read(buffer, 0, bs, position)   (node: the same on node's FileHandle)
//   readfile       readFile(path)                              (node: fs.promises.readFile)
//   writefile      writeFile(path, buffer)                     (node: fs.promises.writeFile)
//   stream         (await open(path)).createReadStream({ end }) (node: the same)
//
// The drop-in runs on the thread's ring (getRing()), required to be io_uring: with
// URING_FS_STRICT=1 set before the import a node:fs fallback cannot happen silently, and a ring
// that fell back anyway is an error row, never a node:fs measurement under this name.
import { pathToFileURL } from 'node:url';
import { pageAlignedBuffers } from '../lib/measure.mjs';
import { ringFacts } from './uring-fs.mjs';

function check(n, want, what) {
  if (n !== want) throw new Error(`${what}: expected ${want} bytes, got ${n}`);
}

/** The drop-in and the library (for getRing), from the package or URING_FS_MODULE's build. */
export async function loadDropIn() {
  process.env.URING_FS_STRICT = '1';
  const libSpec = process.env.URING_FS_MODULE ? pathToFileURL(process.env.URING_FS_MODULE).href : 'uring-fs';
  const spec = process.env.URING_FS_MODULE
    ? pathToFileURL(process.env.URING_FS_MODULE.replace(/index\.mjs$/, 'promises.mjs')).href
    : 'uring-fs/promises';
  let fsp;
  let lib;
  try {
    fsp = await import(spec);
    lib = await import(libSpec);
  } catch (err) {
    throw new Error(`cannot import '${spec}' (${err.code || err.message}); build it first (npm run build:native && npm run build:ts)`);
  }
  fsp = fsp.default ?? fsp;
  if (typeof fsp.open !== 'function' || typeof fsp.readFile !== 'function') throw new Error(`'${spec}' has no open()/readFile(): not the drop-in`);
  let ring;
  try {
    ring = lib.getRing();
  } catch (err) {
    throw new Error(`io_uring ring could not be created: ${err.message}`);
  }
  if (ring.backend !== 'io_uring') throw new Error(`ring fell back to node:fs (${ring.fallbackReason}); not measuring that as uring-fs`);
  return { fsp, lib, ring };
}

export async function prepare(c, w) {
  const { fsp, ring } = await loadDropIn();
  const facts = () => ringFacts(ring);
  const { bs, fileSize } = c;

  if (c.op === 'stream') {
    const end = c.span - 1;
    return { style: 'stream', open: async () => (await fsp.open(c.file, 'r')).createReadStream({ end }), facts };
  }
  if (c.op === 'read' && !c.direct) {
    // One page-aligned buffer per slot, as every contender (bench/README.md, "Same work").
    const bufs = pageAlignedBuffers(c.qd, bs);
    const fh = await fsp.open(c.file, 'r');
    return {
      style: 'promise',
      op: async (slot) => check((await fh.read(bufs[slot], 0, bs, w.nextOffset())).bytesRead, bs, 'read'),
      facts,
      teardown: () => fh.close(),
    };
  }
  if (c.op === 'readfile') {
    return { style: 'promise', op: async () => check((await fsp.readFile(w.nextPath())).length, fileSize, 'readFile'), facts };
  }
  if (c.op === 'writefile') {
    const bufs = pageAlignedBuffers(c.qd, bs);
    return { style: 'promise', op: (slot) => fsp.writeFile(w.slotPath(slot), bufs[slot]), facts };
  }
  throw new Error(`${c.contender} has no ${c.op}${c.direct ? ' (O_DIRECT)' : ''} workload`);
}
