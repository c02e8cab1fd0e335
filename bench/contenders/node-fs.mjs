// The node:fs baselines: fs-promises (FileHandle methods), fs-callback (fs.read/fs.write),
// fs-sync (readSync/writeSync) and fs-libuv-io-uring (the fs-promises code, run by the CLI with
// UV_USE_IO_URING=1 so libuv hands the same calls to its own io_uring).
//
// Each prepare() opens what the workload needs (not timed) and returns the driver style plus
// the per-op function(s) for bench/lib/measure.mjs.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { pageAlignedBuffers } from '../lib/measure.mjs';

function check(n, want, what) {
  if (n !== want) throw new Error(`${what}: expected ${want} bytes, got ${n}`);
}

/**
 * The stream workload: the first `span` bytes of the file as one stream after another (the
 * default highWaterMark, 64 KiB; no start, so reads at the file position, as a plain
 * createReadStream() does). fs-promises: a FileHandle's stream (the handle is opened before
 * each stream, and the stream closes it); fs-callback:
 * fs.createReadStream on a path.
 */
async function prepareStream(c, style) {
  const end = c.span - 1;
  if (style === 'fs-callback') return { style: 'stream', open: () => fs.createReadStream(c.file, { end }) };
  if (style !== 'fs-promises' && style !== 'fs-libuv-io-uring') throw unsupported(c);
  return { style: 'stream', open: async () => (await fsp.open(c.file, 'r')).createReadStream({ end }) };
}

export async function prepare(c, w) {
  if (c.op === 'stream') return prepareStream(c, c.style ?? c.contender);
  switch (c.style ?? c.contender) {
    case 'fs-promises':
    case 'fs-libuv-io-uring':
      return preparePromises(c, w);
    case 'fs-callback':
      return prepareCallback(c, w);
    case 'fs-sync':
      return prepareSync(c, w);
    default:
      throw new Error(`unknown node:fs contender ${c.contender}`);
  }
}

// 8 KiB for 4 KiB files: a short read proves EOF. readFile allocates its own (as a caller's would).
const bufSize = (c) => (c.op === 'orc' ? 8192 : c.op === 'readfile' ? 0 : c.bs);
// One page-aligned buffer per slot, reused for every op of that slot: the C program's policy.
const slotBuffers = (c, n) => pageAlignedBuffers(n, bufSize(c));

function unsupported(c) {
  return new Error(`${c.contender} has no ${c.op} workload`);
}

async function preparePromises(c, w) {
  const bufs = slotBuffers(c, c.qd);
  const { bs, fileSize } = c;
  if (c.op === 'read' || c.op === 'write') {
    const fh = await fsp.open(c.file, c.op === 'read' ? 'r' : 'r+');
    const op =
      c.op === 'read'
        ? async (slot) => check((await fh.read(bufs[slot], 0, bs, w.nextOffset())).bytesRead, bs, 'read')
        : async (slot) => check((await fh.write(bufs[slot], 0, bs, w.nextOffset())).bytesWritten, bs, 'write');
    return {
      style: 'promise',
      op,
      sync: c.fdatasyncEvery ? () => fh.datasync() : null,
      teardown: () => fh.close(),
    };
  }
  if (c.op === 'orc') {
    return {
      style: 'promise',
      op: async (slot) => {
        const fh = await fsp.open(w.nextPath(), 'r');
        try {
          check((await fh.read(bufs[slot], 0, 8192, 0)).bytesRead, fileSize, 'read');
        } finally {
          await fh.close();
        }
      },
    };
  }
  if (c.op === 'stat') return { style: 'promise', op: () => fsp.stat(w.nextPath()) };
  if (c.op === 'readfile') return { style: 'promise', op: async () => check((await fsp.readFile(w.nextPath())).length, fileSize, 'readFile') };
  if (c.op === 'writefile') return { style: 'promise', op: (slot) => fsp.writeFile(w.slotPath(slot), bufs[slot]) };
  throw unsupported(c);
}

function prepareCallback(c, w) {
  const bufs = slotBuffers(c, c.qd);
  const { bs, fileSize } = c;
  const sized = (want, what, cb) => (err, n) => cb(err || (n !== want ? new Error(`${what}: got ${n} bytes`) : null));
  if (c.op === 'read' || c.op === 'write') {
    const fd = fs.openSync(c.file, c.op === 'read' ? 'r' : 'r+');
    const op =
      c.op === 'read'
        ? (slot, cb) => fs.read(fd, bufs[slot], 0, bs, w.nextOffset(), sized(bs, 'read', cb))
        : (slot, cb) => fs.write(fd, bufs[slot], 0, bs, w.nextOffset(), sized(bs, 'write', cb));
    return {
      style: 'callback',
      op,
      sync: c.fdatasyncEvery ? (cb) => fs.fdatasync(fd, cb) : null,
      teardown: () => fs.closeSync(fd),
    };
  }
  if (c.op === 'orc') {
    return {
      style: 'callback',
      op: (slot, cb) =>
        fs.open(w.nextPath(), 'r', (err, fd) => {
          if (err) return cb(err);
          fs.read(fd, bufs[slot], 0, 8192, 0, (err2, n) => {
            fs.close(fd, (err3) => cb(err2 || err3 || (n !== fileSize ? new Error(`read: got ${n} bytes`) : null)));
          });
        }),
    };
  }
  if (c.op === 'stat') return { style: 'callback', op: (slot, cb) => fs.stat(w.nextPath(), (err) => cb(err)) };
  if (c.op === 'readfile')
    return { style: 'callback', op: (slot, cb) => fs.readFile(w.nextPath(), (err, data) => cb(err || (data.length !== fileSize ? new Error(`readFile: got ${data.length} bytes`) : null))) };
  if (c.op === 'writefile') return { style: 'callback', op: (slot, cb) => fs.writeFile(w.slotPath(slot), bufs[slot], (err) => cb(err)) };
  throw unsupported(c);
}

function prepareSync(c, w) {
  const [buf] = slotBuffers(c, 1);
  const { bs, fileSize } = c;
  if (c.op === 'read' || c.op === 'write') {
    const fd = fs.openSync(c.file, c.op === 'read' ? 'r' : 'r+');
    const op =
      c.op === 'read'
        ? () => check(fs.readSync(fd, buf, 0, bs, w.nextOffset()), bs, 'read')
        : () => check(fs.writeSync(fd, buf, 0, bs, w.nextOffset()), bs, 'write');
    return {
      style: 'sync',
      op,
      sync: c.fdatasyncEvery ? () => fs.fdatasyncSync(fd) : null,
      teardown: () => fs.closeSync(fd),
    };
  }
  if (c.op === 'orc') {
    return {
      style: 'sync',
      op: () => {
        const fd = fs.openSync(w.nextPath(), 'r');
        try {
          check(fs.readSync(fd, buf, 0, 8192, 0), fileSize, 'read');
        } finally {
          fs.closeSync(fd);
        }
      },
    };
  }
  if (c.op === 'stat') return { style: 'sync', op: () => fs.statSync(w.nextPath()) };
  if (c.op === 'readfile') return { style: 'sync', op: () => check(fs.readFileSync(w.nextPath()).length, fileSize, 'readFile') };
  if (c.op === 'writefile') return { style: 'sync', op: () => fs.writeFileSync(w.slotPath(0), buf) };
  throw unsupported(c);
}
