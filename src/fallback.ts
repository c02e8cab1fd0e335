// The node:fs side of every op: what the `fs` backend runs, and what a single
// op runs when the kernel lacks its opcode (ftruncate before Linux 6.9, say).
// Callbacks rather than fs/promises: no FileHandle objects, and the errors are
// node:fs's own.

import * as fs from 'node:fs';
import type { BigIntStats, Stats } from 'node:fs';

import { uvError } from './errors';
import { MAX_RW } from './ops/op';
import { remainingViews, withBytesWritten } from './ops/progress';

/** libuv hands writev(2) at most IOV_MAX buffers at a time. */
const IOV_MAX_FS = 1024;

type Cb<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

function call<T>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

type View = NodeJS.ArrayBufferView;

// node:fs's write/readv/writev take only number positions (a bigint would be
// read as "current position"); positions past 2^53 bytes stay theoretical.
function pos(position: number | bigint): number | null {
  return position === -1 ? null : Number(position);
}

export const viaFs = {
  read(fd: number, view: ArrayBufferView, position: number | bigint): Promise<number> {
    return call((cb) => fs.read(fd, view as View, 0, view.byteLength, position === -1 ? null : position, cb));
  },

  /**
   * Writes all of `view`, continuing short writes like the ring does, in pieces
   * of at most MAX_RW_COUNT bytes (node:fs refuses lengths over 2^31-1, which
   * the ring writes).
   */
  async write(fd: number, view: ArrayBufferView, position: number | bigint): Promise<number> {
    // A view over a detached buffer has no bytes (and cannot be re-viewed): node writes 0.
    if (view.byteLength === 0) return call((cb) => fs.write(fd, view as View, 0, 0, pos(position), cb));
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    let done = 0;
    do {
      const at = position === -1 ? null : Number(position) + done;
      const len = Math.min(bytes.byteLength - done, MAX_RW);
      let n: number;
      try {
        n = await call<number>((cb) => fs.write(fd, bytes, done, len, at, cb));
      } catch (err) {
        throw withBytesWritten(err as Error, done);
      }
      if (n === 0) break;
      done += n;
    } while (done < bytes.byteLength);
    return done;
  },

  readv(fd: number, views: ArrayBufferView[], position: number | bigint): Promise<number> {
    return call((cb) => fs.readv(fd, views as View[], pos(position), cb));
  },

  /**
   * Writes all of every view, continuing short writes like the ring does, in
   * calls of at most IOV_MAX views and MAX_RW_COUNT bytes: node:fs passes more
   * to writev(2), which writes at most that, and reports a total past 2^31-1 as
   * a negative number.
   */
  async writev(fd: number, views: ArrayBufferView[], position: number | bigint): Promise<number> {
    if (views.length === 0) return call((cb) => fs.writev(fd, [], pos(position), cb));
    let total = 0;
    for (const v of views) total += v.byteLength;
    let pending: ArrayBufferView[] = views;
    let done = 0;
    do {
      const chunk: ArrayBufferView[] = [];
      let bytes = 0;
      for (const v of pending) {
        if (chunk.length === IOV_MAX_FS || bytes === MAX_RW) break;
        const take = Math.min(v.byteLength, MAX_RW - bytes);
        chunk.push(take === v.byteLength ? v : new Uint8Array(v.buffer, v.byteOffset, take));
        bytes += take;
      }
      const at = position === -1 ? null : Number(position) + done;
      let n: number;
      try {
        n = await call<number>((cb) => fs.writev(fd, chunk as View[], at, cb));
      } catch (err) {
        throw withBytesWritten(err as Error, done);
      }
      done += n;
      if (n === 0 || done >= total) break;
      pending = remainingViews(pending, Float64Array.from(pending, (v) => v.byteLength), n);
    } while (done < total);
    return done;
  },

  fsync(fd: number, datasync: boolean): Promise<void> {
    return call((cb) => (datasync ? fs.fdatasync(fd, (e) => cb(e, undefined)) : fs.fsync(fd, (e) => cb(e, undefined))));
  },

  open(path: string | Buffer, flags: number, mode: number): Promise<number> {
    return call((cb) => fs.open(path, flags, mode, cb));
  },

  close(fd: number): Promise<void> {
    return call((cb) => fs.close(fd, (e) => cb(e, undefined)));
  },

  stat(kind: 'stat' | 'lstat', path: string | Buffer, bigint: boolean): Promise<Stats | BigIntStats> {
    return call((cb) => fs[kind](path, { bigint }, cb as Cb<Stats | BigIntStats>));
  },

  fstat(fd: number, bigint: boolean): Promise<Stats | BigIntStats> {
    return call((cb) => fs.fstat(fd, { bigint }, cb as Cb<Stats | BigIntStats>));
  },

  ftruncate(fd: number, len: number): Promise<void> {
    return call((cb) => fs.ftruncate(fd, len, (e) => cb(e, undefined)));
  },

  /**
   * node:fs has no fallocate. The modes whose visible effect node:fs can produce
   * are emulated: 0 and ZERO_RANGE extend the file (ZERO_RANGE and PUNCH_HOLE also
   * zero the range), KEEP_SIZE alone changes nothing visible. Others: EOPNOTSUPP.
   */
  async fallocate(fd: number, offset: number, len: number, mode: number): Promise<void> {
    try {
      await emulateFallocate(fd, offset, len, mode);
    } catch (err) {
      // The emulation's own steps (fstat, write, ftruncate) fail as fallocate(2) would.
      const errno = (err as NodeJS.ErrnoException).errno;
      throw typeof errno === 'number' && (err as NodeJS.ErrnoException).syscall !== 'fallocate' ? uvError(errno, 'fallocate') : err;
    }
  },

  unlink(path: string | Buffer): Promise<void> {
    return call((cb) => fs.unlink(path, (e) => cb(e, undefined)));
  },

  rmdir(path: string | Buffer): Promise<void> {
    return call((cb) => fs.rmdir(path, (e) => cb(e, undefined)));
  },

  mkdir(path: string | Buffer, mode: number, recursive: boolean): Promise<string | undefined> {
    return call((cb) => fs.mkdir(path, { mode, recursive }, cb));
  },

  rename(from: string | Buffer, to: string | Buffer): Promise<void> {
    return call((cb) => fs.rename(from, to, (e) => cb(e, undefined)));
  },
};

/**
 * node:fs has no fallocate. The modes whose visible effect node:fs can produce
 * are emulated: 0 and ZERO_RANGE extend the file (ZERO_RANGE and PUNCH_HOLE also
 * zero the range), KEEP_SIZE alone changes nothing visible. Others: EOPNOTSUPP.
 */
async function emulateFallocate(fd: number, offset: number, len: number, mode: number): Promise<void> {
  const KEEP_SIZE = 0x01;
  const PUNCH_HOLE = 0x02;
  const ZERO_RANGE = 0x10;
  if (len <= 0 || offset < 0) throw uvError(-22, 'fallocate');
  if ((mode & ~(KEEP_SIZE | PUNCH_HOLE | ZERO_RANGE)) !== 0 || (mode & PUNCH_HOLE && !(mode & KEEP_SIZE))) {
    throw uvError(-95, 'fallocate');
  }
  const st = await call<Stats>((cb) => fs.fstat(fd, cb));
  // fallocate(2) needs an fd open for writing (EBADF otherwise) whatever the
  // mode; a zero-length write checks exactly that and changes nothing.
  await call<number>((cb) => fs.write(fd, Buffer.alloc(0), 0, 0, null, cb));
  if (!st.isFile()) throw uvError(st.isDirectory() ? -21 : -19, 'fallocate');
  const end = offset + len;
  if (mode & (PUNCH_HOLE | ZERO_RANGE)) {
    const zeroEnd = mode & KEEP_SIZE ? Math.min(end, st.size) : end;
    const zeros = Buffer.alloc(Math.min(1 << 20, Math.max(0, zeroEnd - offset)));
    for (let at = offset; at < zeroEnd; at += zeros.length) {
      const n = Math.min(zeros.length, zeroEnd - at);
      await call<number>((cb) => fs.write(fd, zeros, 0, n, at, cb));
    }
  }
  if (!(mode & KEEP_SIZE) && end > st.size) {
    await call<void>((cb) => fs.ftruncate(fd, end, (e) => cb(e, undefined)));
  }
}
