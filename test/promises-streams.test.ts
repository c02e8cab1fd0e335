// FileHandle's stream methods of uring-fs/promises, side by side with
// node:fs/promises' on the same files: createReadStream (bytes, chunks, events
// and their order, start/end, encodings, backpressure, destroy with reads in
// flight, errors), createWriteStream (content, events, start, flush, errors
// mid-stream with bytesWritten, autoClose), readLines and readableWebStream
// (locking, closing, autoClose, cancel). Modelled on Node's
// test-fs-read-stream*.js, test-fs-write-stream*.js,
// test-fs-read-stream-file-handle.js, test-fs-write-stream-file-handle.js,
// test-fs-promises-file-handle-stream.js, test-fs-promises-file-handle-readLines.mjs,
// test-filehandle-readablestream.js and test-fs-write-stream-flush.js.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as nfsp from 'node:fs/promises';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import * as ufspModule from '../src/promises/index';
import type { FileHandle as UringFileHandle } from '../src/promises/filehandle';
import { engineOf } from '../src/ops/define';
import { FsyncOp } from '../src/ops/fsync';
import { getRing } from '../src/ring';
import { CRASH, FIXTURES, childEnv, ensureDist, lastJson, mkfifo, tmpDir, withTimeout } from './fixtures/helpers';
import { pattern, writePatternFile } from './support/pattern';

const ufsp = ufspModule as unknown as { open(path: string, flags?: string): Promise<UringFileHandle> };
type AnyHandle = nfsp.FileHandle | UringFileHandle;
type Side = 'node' | 'uring';
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

function open(side: Side, file: string, flags = 'r'): Promise<AnyHandle> {
  return side === 'node' ? nfsp.open(file, flags) : ufsp.open(file, flags);
}

let dir: string;
let small: string; // 200,003 pattern bytes
const SMALL = 200_003;

beforeAll(() => {
  dir = tmpDir('promises-streams');
  small = path.join(dir, 'small.bin');
  writePatternFile(small, SMALL);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface ReadOutcome {
  events: string[];
  chunks: number[];
  data: string;
  bytesRead: number;
  pos: unknown;
  fdAfter: number;
  error: Record<string, unknown> | null;
  destroyed: boolean;
}

/** Settles when `emitter` emits `event` (never rejects on 'error', unlike events.once). */
function on(emitter: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

function errorShape(err: unknown): Record<string, unknown> {
  const e = err as NodeJS.ErrnoException;
  return { ctor: e.constructor.name, name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, message: e.message, keys: Object.keys(e) };
}

/** Reads a whole stream of `side`'s handle (flowing, 'data' listener), recording what a user sees. */
async function readStream(side: Side, file: string, options: Record<string, unknown> | undefined, flags = 'r'): Promise<ReadOutcome> {
  const fh = await open(side, file, flags);
  const events: string[] = [];
  fh.on('close', () => events.push('fh:close'));
  const s = fh.createReadStream(options as never) as fs.ReadStream;
  const closed = on(s, 'close');
  const ended = Promise.race([on(s, 'end'), on(s, 'error')]);
  const chunks: number[] = [];
  const parts: Buffer[] = [];
  let text = '';
  let error: Record<string, unknown> | null = null;
  for (const ev of ['open', 'ready', 'end', 'close', 'pause']) s.on(ev, () => events.push(ev));
  s.on('error', (err) => {
    events.push(`error:${(err as NodeJS.ErrnoException).code}`);
    error = errorShape(err);
  });
  s.on('data', (c: Buffer | string) => {
    events.push('data');
    chunks.push(c.length);
    if (typeof c === 'string') text += c;
    else parts.push(c);
  });
  await withTimeout(ended, 30_000, `${side} stream end`);
  if (options?.autoClose !== false && options?.emitClose !== false) await withTimeout(closed, 30_000, `${side} stream close`);
  // The handle's own close (autoClose) may come a little after the stream's.
  await new Promise((r) => setTimeout(r, 10));
  const fdAfter = fh.fd;
  if (fh.fd !== -1) await withTimeout(fh.close(), 30_000, `${side} handle close`);
  if (options?.emitClose !== false) await withTimeout(closed, 30_000, `${side} stream close after the handle's`);
  return {
    events,
    chunks,
    data: text || Buffer.concat(parts).toString('hex'),
    bytesRead: s.bytesRead,
    pos: (s as unknown as { pos: unknown }).pos,
    fdAfter,
    error,
    destroyed: s.destroyed,
  };
}

async function bothRead(file: string, options?: Record<string, unknown>, flags = 'r'): Promise<[ReadOutcome, ReadOutcome]> {
  const theirs = await readStream('node', file, options, flags);
  const ours = await readStream('uring', file, options, flags);
  return [ours, theirs];
}

describe('createReadStream: the same stream as node:fs/promises', () => {
  const cases: Record<string, unknown>[] = [
    {},
    { highWaterMark: 4096 },
    { highWaterMark: 7 },
    { highWaterMark: 1, start: 10, end: 20 },
    { start: 0 },
    { start: 0, highWaterMark: 1000 },
    { start: 1000, end: 1999 },
    { start: 0, end: 0 },
    { end: 1 },
    { end: 65535 },
    { end: 65536 },
    { end: 4095, highWaterMark: 4096 },
    { end: 4096, highWaterMark: 4096 },
    { start: 65536 * 2, highWaterMark: 65536 },
    { start: SMALL - 1 },
    { start: SMALL },
    { start: SMALL + 10 },
    { start: SMALL - 5, end: SMALL + 100 },
    { start: 5, end: SMALL + 100, highWaterMark: 10_000 },
    { highWaterMark: 0 },
    { encoding: 'hex', highWaterMark: 1000 },
    { encoding: 'base64', highWaterMark: 1001, start: 3 },
    { encoding: 'latin1', end: 5000 },
    { autoClose: false },
    { autoClose: false, start: 100, end: 300 },
    { emitClose: false, autoClose: true },
  ];
  for (const options of cases) {
    it(`${JSON.stringify(options)}: bytes, chunks, events, bytesRead, pos, handle state`, async () => {
      const [ours, theirs] = await bothRead(small, options);
      if (options.emitClose === false) {
        // No 'close' to wait for: both end the same way.
        expect(ours.events).toStrictEqual(theirs.events);
      }
      expect(ours).toStrictEqual(theirs);
    });
  }

  it('multi-byte utf8 split across chunks decodes as node decodes it', async () => {
    const file = path.join(dir, 'utf8.txt');
    fs.writeFileSync(file, '\u2026 ∑ é 🎉 '.repeat(3000));
    for (const highWaterMark of [1, 2, 3, 5, 64, 65536]) {
      const [ours, theirs] = await bothRead(file, { encoding: 'utf8', highWaterMark });
      expect(ours).toStrictEqual(theirs);
    }
  });

  it('is node:fs ReadStream, with node`s properties over a FileHandle', async () => {
    const fh = await ufsp.open(small);
    const nh = await nfsp.open(small);
    const ours = fh.createReadStream({ start: 5, end: 50 });
    const theirs = nh.createReadStream({ start: 5, end: 50 });
    expect(ours).toBeInstanceOf(fs.ReadStream);
    expect(ours.constructor.name).toBe(theirs.constructor.name);
    const props = (s: fs.ReadStream) => ({
      path: s.path,
      pending: s.pending,
      fdType: typeof s.fd,
      start: s.start,
      end: s.end,
      pos: (s as unknown as { pos: number }).pos,
      bytesRead: s.bytesRead,
      autoClose: (s as unknown as { autoClose: boolean }).autoClose,
      hwm: s.readableHighWaterMark,
      flags: (s as unknown as { flags: unknown }).flags,
      mode: (s as unknown as { mode: unknown }).mode,
      readable: s.readable,
    });
    expect(props(ours)).toStrictEqual(props(theirs));
    expect(ours.fd).toBe(fh.fd);
    ours.destroy();
    theirs.destroy();
    await Promise.all([once(ours, 'close'), once(theirs, 'close')]);
    expect(ours.fd).toBe(theirs.fd); // null once closed
    expect([fh.fd, nh.fd]).toStrictEqual([-1, -1]);
  });

  it('reads a 64 MiB file whole: every byte in order, the same chunks as node', async () => {
    const big = path.join(dir, 'big.bin');
    writePatternFile(big, 64 * 1024 * 1024 + 12_345);
    const digest = async (side: Side, options: Record<string, unknown>) => {
      const fh = await open(side, big);
      const s = fh.createReadStream(options as never);
      const h = createHash('sha256');
      let chunks = 0;
      let bytes = 0;
      // 'data' events: one per read (an async iterator joins whatever is buffered).
      s.on('data', (c: Buffer) => {
        h.update(c);
        chunks++;
        bytes += c.length;
      });
      await withTimeout(on(s, 'close'), 60_000, `${side} close`);
      await new Promise((r) => setTimeout(r, 5));
      return { sha: h.digest('hex'), chunks, bytes, bytesRead: s.bytesRead, fd: fh.fd };
    };
    const want = createHash('sha256').update(fs.readFileSync(big)).digest('hex');
    for (const options of [{}, { start: 0 }, { highWaterMark: 1 << 20 }, { start: 12_345, end: 50 * 1024 * 1024 }]) {
      const ours = await digest('uring', options);
      const theirs = await digest('node', options);
      expect(ours).toStrictEqual(theirs);
      if (Object.keys(options).length === 0) expect(ours.sha).toBe(want);
    }
    fs.rmSync(big);
  }, 120_000);

  it('starts at the file position and leaves it where node leaves it (no start)', async () => {
    const run = async (side: Side) => {
      const fh = await open(side, small);
      const head = Buffer.alloc(100);
      await fh.read(head, 0, 100, null);
      const s = fh.createReadStream({ end: 999, autoClose: false, highWaterMark: 64 });
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      const after = Buffer.alloc(50);
      const { bytesRead } = await fh.read(after, 0, 50, null);
      await fh.close();
      return { streamed: Buffer.concat(parts).toString('hex'), next: after.subarray(0, bytesRead).toString('hex') };
    };
    const ours = await run('uring');
    expect(ours).toStrictEqual(await run('node'));
    expect(ours.streamed).toBe(pattern(1000, 100).toString('hex'));
    expect(ours.next).toBe(pattern(50, 1100).toString('hex'));
  });

  it('a slow consumer (pause and resume per chunk) gets every byte, with no more buffered than node buffers', async () => {
    const file = path.join(dir, 'slow.bin');
    writePatternFile(file, 1_000_003);
    const run = async (side: Side) => {
      const fh = await open(side, file);
      const s = fh.createReadStream({ highWaterMark: 16384 });
      const parts: Buffer[] = [];
      let maxBuffered = 0;
      s.on('data', (c: Buffer) => {
        parts.push(c);
        maxBuffered = Math.max(maxBuffered, s.readableLength);
        s.pause();
        setTimeout(() => s.resume(), 1);
      });
      await once(s, 'close');
      return { data: Buffer.concat(parts), maxBuffered, bytesRead: s.bytesRead };
    };
    const ours = await run('uring');
    const theirs = await run('node');
    expect(ours.data.equals(fs.readFileSync(file))).toBe(true);
    expect(ours.bytesRead).toBe(theirs.bytesRead);
    expect(ours.maxBuffered).toBeLessThanOrEqual(Math.max(theirs.maxBuffered, 16384));
  });

  it('piped into a slow Writable: every byte, in order', async () => {
    const file = path.join(dir, 'piped.bin');
    writePatternFile(file, 3_000_001);
    const fh = await ufsp.open(file);
    const got: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, cb) {
        got.push(chunk);
        setImmediate(cb);
      },
    });
    await pipeline(fh.createReadStream({ highWaterMark: 8192 }), sink);
    expect(Buffer.concat(got).equals(fs.readFileSync(file))).toBe(true);
    expect(fh.fd).toBe(-1);
  });
});

describe('createReadStream: destroy and close', () => {
  async function destroyAfterFirst(side: Side, file: string, how: 'destroy' | 'destroy-error' | 'close' | 'handle-close' | 'handle-close-first') {
    const fh = await open(side, file);
    const events: string[] = [];
    fh.on('close', () => events.push('fh:close'));
    const s = fh.createReadStream({ highWaterMark: 1024 });
    for (const ev of ['end', 'close']) s.on(ev, () => events.push(ev));
    s.on('error', (e) => events.push(`error:${e.message}`));
    const streamClosed = on(s, 'close');
    let closed: Promise<void> | undefined;
    if (how === 'handle-close-first') closed = fh.close();
    s.on('data', () => {
      events.push('data');
      if (how === 'destroy') s.destroy();
      else if (how === 'destroy-error') s.destroy(new Error('BAM'));
      else if (how === 'close') s.close();
      else if (how === 'handle-close' && !closed) closed = fh.close();
    });
    await withTimeout(streamClosed, 10_000, `${side} ${how}`);
    await closed;
    await new Promise((r) => setTimeout(r, 5));
    return { events, fd: fh.fd, sfd: s.fd, destroyed: s.destroyed, bytesRead: s.bytesRead };
  }

  for (const how of ['destroy', 'destroy-error', 'close', 'handle-close', 'handle-close-first'] as const) {
    it(`${how} with reads in flight: the same events as node, the handle closed after them`, async () => {
      const ours = await destroyAfterFirst('uring', small, how);
      const theirs = await destroyAfterFirst('node', small, how);
      expect(ours).toStrictEqual(theirs);
      expect(ours.fd).toBe(-1);
    });
  }

  it('close() of the handle waits for a read in flight (a FIFO read that has no data yet)', async () => {
    const run = async (side: Side) => {
      const fifo = path.join(dir, `fifo-${side}`);
      mkfifo(fifo);
      // r+ opens a FIFO without waiting for a writer.
      const fh = await open(side, fifo, 'r+');
      const s = fh.createReadStream();
      const events: string[] = [];
      s.on('data', () => events.push('data'));
      s.on('close', () => events.push('close'));
      const streamClosed = on(s, 'close');
      s.resume();
      // Let the stream issue its read.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      let settled = false;
      const closing = fh.close().then(() => {
        settled = true;
      });
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      const beforeData = { settled, fd: fh.fd };
      // The read completes once there is data: only then is the fd closed.
      const w = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fs.writeSync(w, 'x');
      fs.closeSync(w);
      await withTimeout(closing, 10_000, `${side} close after the read`);
      await withTimeout(streamClosed, 10_000, 'stream close');
      fs.rmSync(fifo);
      return { beforeData, events, fd: fh.fd };
    };
    const ours = await run('uring');
    const theirs = await run('node');
    expect(ours.beforeData.settled).toBe(false);
    expect(ours.beforeData.fd).toBeGreaterThanOrEqual(0);
    expect(ours).toStrictEqual(theirs);
  });
});

describe('createReadStream: errors', () => {
  it('EISDIR on a directory handle: the same error, the same events (handle closed first), as node', async () => {
    const [ours, theirs] = await bothRead(dir, undefined);
    expect(ours.error?.code).toBe('EISDIR');
    expect(ours).toStrictEqual(theirs);
  });

  it('EBADF reading a write-only handle: the same error and events as node', async () => {
    const file = path.join(dir, 'wo.bin');
    fs.writeFileSync(file, 'abc');
    const [ours, theirs] = await bothRead(file, undefined, 'a');
    expect(ours.error?.code).toBe('EBADF');
    expect(ours).toStrictEqual(theirs);
  });

  it('with autoClose: false an error leaves the stream undestroyed and the handle open, as node', async () => {
    const [ours, theirs] = await (async () => {
      const run = async (side: Side) => {
        const fh = await open(side, dir);
        const s = fh.createReadStream({ autoClose: false });
        s.resume();
        const [err] = (await once(s, 'error')) as [NodeJS.ErrnoException];
        await new Promise((r) => setTimeout(r, 10));
        const out = { code: err.code, destroyed: s.destroyed, closed: s.closed, open: fh.fd >= 0 };
        await fh.close();
        return out;
      };
      return [await run('uring'), await run('node')];
    })();
    expect(ours).toStrictEqual(theirs);
    expect(ours.open).toBe(true);
  });

  const invalid: [string, Record<string, unknown>][] = [
    ['start -1', { start: -1 }],
    ['start > end', { start: 5, end: 2 }],
    ['end a string', { end: 'x' }],
    ['start 1.5', { start: 1.5 }],
    ['highWaterMark -1', { highWaterMark: -1 }],
    ['encoding bogus', { encoding: 'bogus' }],
    ['signal not a signal', { signal: 1 }],
    ['fs given', { fs }],
    ['fs given and a bad encoding', { fs, encoding: 'bogus' }],
  ];
  for (const [what, options] of invalid) {
    it(`${what}: node's error, and the handle is left as it was (it closes)`, async () => {
      const fh = await ufsp.open(small);
      let ours: unknown;
      let theirs: unknown;
      try {
        fh.createReadStream(options as never);
      } catch (err) {
        ours = err;
      }
      if ('fs' in options) {
        // node refuses this one before its stream takes a reference on the handle.
        const nh = await nfsp.open(small);
        try {
          nh.createReadStream(options as never);
        } catch (err) {
          theirs = err;
        }
        await nh.close();
      } else {
        // node's FileHandle stream takes a reference on the handle before it
        // checks these (and keeps it: that handle's close() would never
        // settle); its ReadStream over a number fd checks them the same way.
        const fd = fs.openSync(small, 'r');
        try {
          fs.createReadStream('', { ...options, fd } as never);
        } catch (err) {
          theirs = err;
        }
        fs.closeSync(fd);
      }
      expect(ours).toBeDefined();
      expect(errorShape(ours)).toStrictEqual(errorShape(theirs));
      await withTimeout(fh.close(), 5_000, 'close after a refused createReadStream');
    });
  }

  it('on a closed handle: node`s error', async () => {
    const fh = await ufsp.open(small);
    const nh = await nfsp.open(small);
    await fh.close();
    await nh.close();
    const ours = (() => {
      try {
        fh.createReadStream();
      } catch (err) {
        return errorShape(err);
      }
      return null;
    })();
    const theirs = (() => {
      try {
        nh.createReadStream();
      } catch (err) {
        return errorShape(err);
      }
      return null;
    })();
    expect(ours).not.toBeNull();
    expect(ours).toStrictEqual(theirs);
    nh.removeAllListeners('close');
  });

  it('an aborted signal: node`s AbortError, the handle closed', async () => {
    const run = async (side: Side, when: 'before' | 'during') => {
      const fh = await open(side, small);
      const ac = new AbortController();
      if (when === 'before') ac.abort();
      const s = fh.createReadStream({ signal: ac.signal, highWaterMark: 100 });
      let err: unknown;
      s.on('error', (e) => (err = e));
      const closed = on(s, 'close');
      s.on('data', () => ac.abort());
      await withTimeout(closed, 10_000, 'close');
      await new Promise((r) => setTimeout(r, 5));
      return { err: errorShape(err), fd: fh.fd };
    };
    for (const when of ['before', 'during'] as const) {
      const ours = await run('uring', when);
      expect(ours).toStrictEqual(await run('node', when));
      expect(ours.err.name).toBe('AbortError');
    }
  });
});

describe('createReadStream: autoClose false and the handle', () => {
  it('the handle stays open after end; another stream reads it; closing the handle closes the stream', async () => {
    const run = async (side: Side) => {
      const fh = await open(side, small);
      const events: string[] = [];
      const a = fh.createReadStream({ autoClose: false, start: 0, end: 9 });
      a.on('close', () => events.push('a:close'));
      let first = '';
      for await (const c of a) first += (c as Buffer).toString('hex');
      const openAfterEnd = fh.fd >= 0;
      const b = fh.createReadStream({ autoClose: false, start: 0, end: 9 });
      let second = '';
      for await (const c of b) second += (c as Buffer).toString('hex');
      const listeners = fh.listenerCount('close');
      await withTimeout(fh.close(), 5_000, 'handle close');
      await new Promise((r) => setTimeout(r, 5));
      return { first, second, openAfterEnd, events, aDestroyed: a.destroyed, listeners, fd: fh.fd };
    };
    const ours = await run('uring');
    expect(ours).toStrictEqual(await run('node'));
    expect(ours.first).toBe(pattern(10).toString('hex'));
  });
});

// ---------------------------------------------------------------------------

interface WriteOutcome {
  events: string[];
  file: string;
  bytesWritten: number;
  callbacks: number;
  fdAfter: number;
  error: Record<string, unknown> | null;
}

async function writeStream(
  side: Side,
  file: string,
  flags: string,
  options: Record<string, unknown> | undefined,
  feed: (s: fs.WriteStream, cb: (err?: Error | null) => void) => void,
): Promise<WriteOutcome> {
  const fh = await open(side, file, flags);
  const events: string[] = [];
  fh.on('close', () => events.push('fh:close'));
  const s = fh.createWriteStream(options as never) as fs.WriteStream;
  const closed = on(s, 'close');
  let error: Record<string, unknown> | null = null;
  for (const ev of ['open', 'ready', 'finish', 'close']) s.on(ev, () => events.push(ev));
  s.on('error', (err) => {
    events.push(`error:${(err as NodeJS.ErrnoException).code}`);
    error = errorShape(err);
  });
  let callbacks = 0;
  feed(s, () => callbacks++);
  await withTimeout(closed, 30_000, `${side} write stream close`);
  await new Promise((r) => setTimeout(r, 5));
  const fdAfter = fh.fd;
  if (fh.fd !== -1) await fh.close();
  return { events, file: fs.readFileSync(file).toString('hex'), bytesWritten: s.bytesWritten, callbacks, fdAfter, error };
}

async function bothWrite(
  initial: Buffer | null,
  flags: string,
  options: Record<string, unknown> | undefined,
  feed: (s: fs.WriteStream, cb: (err?: Error | null) => void) => void,
): Promise<[WriteOutcome, WriteOutcome]> {
  const a = path.join(dir, 'w-node.bin');
  const b = path.join(dir, 'w-uring.bin');
  for (const f of [a, b]) {
    fs.rmSync(f, { force: true });
    if (initial) fs.writeFileSync(f, initial);
  }
  const theirs = await writeStream('node', a, flags, options, feed);
  const ours = await writeStream('uring', b, flags, options, feed);
  return [ours, theirs];
}

describe('createWriteStream: the same file and events as node:fs/promises', () => {
  const text = 'Hello world'.repeat(100);
  const feeds: [string, (s: fs.WriteStream, cb: (err?: Error | null) => void) => void][] = [
    ['end(buffer)', (s) => s.end(Buffer.from(text))],
    ['write + end(string)', (s, cb) => {
      s.write('abc', cb);
      s.end('def', cb);
    }],
    ['many chunks of many sizes', (s, cb) => {
      for (let i = 0; i < 300; i++) s.write(pattern(i * 37 + 1, i * 1000), cb);
      s.end();
    }],
    ['cork, small writes, uncork (writev)', (s, cb) => {
      s.cork();
      for (let i = 0; i < 1000; i++) s.write(`line ${i}\n`, cb);
      s.uncork();
      s.end('done\n', cb);
    }],
    ['10,000 small writes', (s, cb) => {
      for (let i = 0; i < 10_000; i++) s.write(`${i},`, cb);
      s.end();
    }],
    ['large chunks (4 MiB)', (s, cb) => {
      s.write(pattern(4 << 20), cb);
      s.write(pattern(3 << 20, 4 << 20), cb);
      s.end();
    }],
    ['an empty chunk', (s, cb) => {
      s.write(Buffer.alloc(0), cb);
      s.end('x', cb);
    }],
  ];
  for (const [what, feed] of feeds) {
    for (const options of [undefined, { highWaterMark: 1024 }, { start: 7 }]) {
      it(`${what}, ${JSON.stringify(options)}: the file, events, bytesWritten, callbacks`, async () => {
        const initial = options && 'start' in options ? Buffer.from('0123456789abcdefghij') : null;
        const [ours, theirs] = await bothWrite(initial, initial ? 'r+' : 'w', options, feed);
        expect(ours).toStrictEqual(theirs);
      });
    }
  }

  it('encoding: the default encoding of string chunks', async () => {
    const [ours, theirs] = await bothWrite(null, 'w', { encoding: 'hex' }, (s) => {
      s.write('00ff10');
      s.end('abcd');
    });
    expect(ours).toStrictEqual(theirs);
    expect(ours.file).toBe('00ff10abcd');
  });

  it('appends on an a handle, writes at the current position on w+', async () => {
    for (const flags of ['a', 'a+']) {
      const [ours, theirs] = await bothWrite(Buffer.from('head:'), flags, undefined, (s) => {
        s.write('one,');
        s.end('two');
      });
      expect(ours).toStrictEqual(theirs);
    }
  });

  it('is node:fs WriteStream with node`s properties over a FileHandle', async () => {
    const fh = await ufsp.open(path.join(dir, 'props-u'), 'w');
    const nh = await nfsp.open(path.join(dir, 'props-n'), 'w');
    const ours = fh.createWriteStream({ start: 3 });
    const theirs = nh.createWriteStream({ start: 3 });
    expect(ours).toBeInstanceOf(fs.WriteStream);
    const props = (s: fs.WriteStream) => ({
      path: s.path,
      pending: s.pending,
      start: (s as unknown as { start: number }).start,
      pos: (s as unknown as { pos: number }).pos,
      bytesWritten: s.bytesWritten,
      flush: (s as unknown as { flush: boolean }).flush,
      autoClose: (s as unknown as { autoClose: boolean }).autoClose,
      hwm: s.writableHighWaterMark,
      name: s.constructor.name,
    });
    expect(props(ours)).toStrictEqual(props(theirs));
    ours.end();
    theirs.end();
    await Promise.all([once(ours, 'close'), once(theirs, 'close')]);
  });

  it('flush: true fsyncs the file before closing it (test-fs-write-stream-flush.js)', async () => {
    const e = engineOf(getRing());
    const spy = vi.spyOn(e, 'run');
    try {
      const file = path.join(dir, 'flushed.txt');
      const fh = await ufsp.open(file, 'w');
      const s = fh.createWriteStream({ flush: true });
      await new Promise<void>((resolve, reject) => {
        s.write('foo', (err) => {
          if (err) return reject(err);
          s.close((err2?: Error | null) => (err2 ? reject(err2) : resolve()));
        });
      });
      expect(fs.readFileSync(file, 'utf8')).toBe('foo');
      const fsyncs = spy.mock.calls.filter(([op]) => op instanceof FsyncOp);
      expect(fsyncs.length).toBe(1);
      expect(fh.fd).toBe(-1);
      spy.mockClear();
      // And none without it.
      for (const flush of [undefined, null, false]) {
        const h = await ufsp.open(file, 'w');
        const w = h.createWriteStream({ flush } as never);
        w.end('bar');
        await once(w, 'close');
      }
      expect(spy.mock.calls.filter(([op]) => op instanceof FsyncOp).length).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('invalid options (flush, start, encoding): node`s error, the handle left as it was', async () => {
    for (const options of [...['true', '', 0, 1, [], {}, Symbol('x')].map((flush) => ({ flush })), { start: -1 }, { start: 'x' }, { encoding: 'nope' }]) {
      const fh = await ufsp.open(path.join(dir, 'inv-u'), 'w');
      let ours: unknown;
      let theirs: unknown;
      try {
        fh.createWriteStream(options as never);
      } catch (err) {
        ours = err;
      }
      // As for read streams: node's checks over a number fd.
      const fd = fs.openSync(path.join(dir, 'inv-n'), 'w');
      try {
        fs.createWriteStream('', { ...options, fd } as never);
      } catch (err) {
        theirs = err;
      }
      fs.closeSync(fd);
      expect(ours).toBeDefined();
      expect(errorShape(ours)).toStrictEqual(errorShape(theirs));
      await withTimeout(fh.close(), 5_000, 'close');
    }
  });

  it('EBADF writing a read-only handle: the same error, events and bytesWritten as node', async () => {
    const [ours, theirs] = await bothWrite(Buffer.from('x'), 'r', undefined, (s, cb) => {
      s.write('abc', cb);
      s.end('def');
    });
    expect(ours.error?.code).toBe('EBADF');
    expect(ours).toStrictEqual(theirs);
  });

  // node's own (Node 20 to 26) never lets go of a handle whose autoClose:false
  // write stream has finished: the handle's close() does not settle. Ours
  // destroys such a stream when the handle closes; node's is destroyed by hand
  // here to compare the rest.
  it('autoClose: false leaves the handle open after finish; closing the handle closes the stream', async () => {
    const run = async (side: Side, file: string) => {
      const fh = await open(side, file, 'w+');
      const events: string[] = [];
      const s = fh.createWriteStream({ autoClose: false });
      for (const ev of ['finish', 'close']) s.on(ev, () => events.push(ev));
      s.write('abc');
      s.end('def');
      await once(s, 'finish');
      await new Promise((r) => setTimeout(r, 5));
      const openAfter = fh.fd >= 0;
      await fh.write('ghi', null);
      if (side === 'node') s.destroy();
      await withTimeout(fh.close(), 5_000, `${side} close`);
      await new Promise((r) => setTimeout(r, 5));
      return { events, openAfter, file: fs.readFileSync(file, 'utf8'), destroyed: s.destroyed, fd: fh.fd };
    };
    const ours = await run('uring', path.join(dir, 'ac-u'));
    expect(ours).toStrictEqual(await run('node', path.join(dir, 'ac-n')));
    expect(ours.file).toBe('abcdefghi');
  });

  it('streams with start, one after the other, on one handle (test-fs-promises-file-handle-stream.js)', async () => {
    const run = async (side: Side, file: string) => {
      const buf = Buffer.from('Hello world');
      const fh = await open(side, file, 'w');
      const streams: fs.WriteStream[] = [];
      for (let i = 0; i < buf.length; i++) {
        const s = fh.createWriteStream({ start: i, autoClose: false });
        streams.push(s);
        s.end(buf.subarray(i, i + 1));
        await once(s, 'finish');
      }
      if (side === 'node') for (const s of streams) s.destroy();
      await withTimeout(fh.close(), 5_000, `${side} close`);
      return { file: fs.readFileSync(file, 'utf8'), fd: fh.fd };
    };
    const ours = await run('uring', path.join(dir, 'seq-u'));
    expect(ours).toStrictEqual(await run('node', path.join(dir, 'seq-n')));
    expect(ours.file).toBe('Hello world');
  });

  it('destroy() mid-stream: closes the handle after what was written, no error', async () => {
    const fh = await ufsp.open(path.join(dir, 'destroyed.bin'), 'w');
    const s = fh.createWriteStream();
    const events: string[] = [];
    s.on('error', () => events.push('error'));
    s.on('close', () => events.push('close'));
    const chunk = pattern(256 * 1024);
    for (let i = 0; i < 8; i++) s.write(chunk);
    s.destroy();
    await withTimeout(once(s, 'close'), 10_000, 'close');
    await new Promise((r) => setTimeout(r, 5));
    expect(events).toStrictEqual(['close']);
    expect(fh.fd).toBe(-1);
    const written = fs.readFileSync(path.join(dir, 'destroyed.bin'));
    expect(written.length % chunk.length).toBe(0);
    for (let off = 0; off < written.length; off += chunk.length) expect(written.subarray(off, off + chunk.length).equals(chunk)).toBe(true);
  });
});

describe('createWriteStream: a write failing mid-stream (EFBIG past RLIMIT_FSIZE)', () => {
  let out: Record<string, Record<string, unknown>>;

  beforeAll(async () => {
    ensureDist();
    const sub = tmpDir('streams-efbig');
    const script = `ulimit -f 2048 && exec "$0" "$1" "$2"`; // 1 MiB, in 512-byte blocks
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        '/bin/sh',
        ['-c', script, process.execPath, path.join(FIXTURES, 'streams-efbig-child.mjs'), sub],
        { env: childEnv(), timeout: 60_000, maxBuffer: 1 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    const why = `code=${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
    expect(r.stderr, why).not.toMatch(CRASH);
    expect(r.code, why).toBe(0);
    const json = lastJson(r.stdout);
    expect(json, why).not.toBeNull();
    out = (json as { cases: typeof out }).cases;
    fs.rmSync(sub, { recursive: true, force: true });
  }, 90_000);

  for (const name of ['chunks', 'small-chunks', 'writev', 'start']) {
    it(`${name}: the same error, bytesWritten, events and file as node`, () => {
      expect(out[`uring-${name}`]).toStrictEqual(out[`node-${name}`]);
      expect((out[`uring-${name}`].error as { code: string }).code).toBe('EFBIG');
    });
  }
});

// ---------------------------------------------------------------------------

describe('readLines', () => {
  const contents: [string, string][] = [
    ['node`s test file', '1\n\n2\n'],
    ['CRLF and no final newline', 'a\r\nb\r\n\r\nlast'],
    ['long lines across chunks', Array.from({ length: 200 }, (_, i) => 'x'.repeat(i * 97)).join('\n')],
    ['empty', ''],
    ['unicode', '\u2026\n🎉 line\n∑\n'],
  ];
  for (const [what, content] of contents) {
    for (const options of [undefined, { highWaterMark: content.length > 10_000 ? 4099 : 7 }, { start: 1, encoding: 'utf8' }]) {
      it(`${what}, ${JSON.stringify(options)}: the lines node gives, the handle closed after`, async () => {
        const file = path.join(dir, 'lines.txt');
        fs.writeFileSync(file, content);
        const run = async (side: Side) => {
          const fh = await open(side, file);
          const lines: string[] = [];
          const rl = fh.readLines(options as never);
          const input = (rl as unknown as { input: fs.ReadStream }).input;
          const closed = input.closed ? Promise.resolve() : on(input, 'close');
          for await (const line of rl) lines.push(line);
          await withTimeout(closed, 10_000, 'the stream closes');
          const fd = fh.fd;
          await fh.close();
          return { lines, fd };
        };
        const ours = await run('uring');
        expect(ours).toStrictEqual(await run('node'));
      });
    }
  }

  it('returns the same kind of object as node`s', async () => {
    const fh = await ufsp.open(small);
    const nh = await nfsp.open(small);
    const ours = fh.readLines();
    const theirs = nh.readLines();
    expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(theirs));
    ours.close();
    theirs.close();
    await fh.close();
    await nh.close();
  });
});

// ---------------------------------------------------------------------------

describe('readableWebStream', () => {
  // Node 20's default (non-bytes) web stream of a FileHandle can close the
  // handle's native side twice when the handle is closed under it, which
  // aborts the process (node_file.cc: Assertion failed: !closed_). Where the
  // handle is closed under a stream, node's reference is the byte stream there
  // (the same on every line since 22); ours is checked both ways below.
  const BYTES = NODE_MAJOR < 22 ? ({ type: 'bytes' } as const) : undefined;

  async function drain(rs: ReadableStream<unknown>): Promise<{ kinds: string[]; sizes: number[]; data: string }> {
    const kinds = new Set<string>();
    const sizes: number[] = [];
    const parts: Buffer[] = [];
    for await (const c of rs as unknown as AsyncIterable<ArrayBuffer | Uint8Array>) {
      kinds.add(Object.prototype.toString.call(c));
      sizes.push(c.byteLength);
      parts.push(Buffer.from(c instanceof ArrayBuffer ? new Uint8Array(c) : c));
    }
    return { kinds: [...kinds], sizes, data: Buffer.concat(parts).toString('hex') };
  }

  it('the same chunks and bytes as node`s', async () => {
    const run = async (side: Side, options?: object) => {
      const fh = await open(side, small);
      const got = await drain(fh.readableWebStream(options) as ReadableStream<unknown>);
      const fd = fh.fd;
      await withTimeout(fh.close(), 5_000, 'close');
      return { ...got, fdWhileOpen: fd >= 0 };
    };
    const ours = await run('uring');
    if (NODE_MAJOR >= 22) {
      expect(ours).toStrictEqual(await run('node'));
    } else {
      // Node 20's own default stream (ArrayBuffers of 64 KiB) can abort the
      // process when its handle is closed (see BYTES above): what it gives,
      // as seen on Node 20.20: 64 KiB ArrayBuffers and the rest.
      const sizes = Array.from({ length: Math.floor(SMALL / 65536) }, () => 65536).concat(SMALL % 65536);
      expect(ours).toStrictEqual({ kinds: ['[object ArrayBuffer]'], sizes, data: fs.readFileSync(small).toString('hex'), fdWhileOpen: true });
      expect(await run('uring', BYTES)).toStrictEqual(await run('node', BYTES));
    }
    expect(ours.data).toBe(fs.readFileSync(small).toString('hex'));
  });

  it('a byte stream takes a BYOB reader where node`s does', async () => {
    const run = async (side: Side) => {
      const fh = await open(side, small);
      const rs = fh.readableWebStream({ type: 'bytes' }) as ReadableStream<Uint8Array>;
      const reader = rs.getReader({ mode: 'byob' });
      const parts: Buffer[] = [];
      let view = new Uint8Array(5000);
      for (;;) {
        const { value, done } = await reader.read(view.subarray(0, 4999));
        if (done) break;
        parts.push(Buffer.from(value));
        view = new Uint8Array(value.buffer);
      }
      await withTimeout(fh.close(), 5_000, 'close');
      return Buffer.concat(parts).toString('hex');
    };
    expect(await run('uring')).toBe(await run('node'));
  });

  async function stateError(side: Side, how: 'closed' | 'closing' | 'locked' | 'after-read'): Promise<Record<string, unknown> | null> {
    const fh = await open(side, small);
    let closing: Promise<void> | undefined;
    if (how === 'closed') await fh.close();
    if (how === 'closing') closing = fh.close();
    if (how === 'locked') fh.readableWebStream(BYTES);
    if (how === 'after-read') await drain(fh.readableWebStream(BYTES) as ReadableStream<unknown>);
    let shape: Record<string, unknown> | null = null;
    try {
      fh.readableWebStream();
    } catch (err) {
      shape = errorShape(err);
    }
    if (how === 'closing') await closing;
    else await withTimeout(fh.close(), 5_000, 'close');
    return shape;
  }

  for (const how of ['closed', 'closing', 'locked', 'after-read'] as const) {
    it(`${how}: node's ERR_INVALID_STATE`, async () => {
      const ours = await stateError('uring', how);
      expect(ours?.code).toBe('ERR_INVALID_STATE');
      expect(ours).toStrictEqual(await stateError('node', how));
    });
  }

  for (const when of ['after getReader', 'before getReader'] as const) {
    it(`the handle closing closes the stream (${when})`, async () => {
      const run = async (side: Side) => {
        const fh = await open(side, small);
        const rs = fh.readableWebStream(BYTES) as ReadableStream<unknown>;
        let reader;
        if (when === 'after getReader') reader = rs.getReader();
        const closing = fh.close();
        reader ??= rs.getReader();
        await withTimeout(reader.closed, 5_000, 'reader.closed');
        const r = await reader.read();
        await withTimeout(closing, 5_000, 'close');
        return { done: r.done, fd: fh.fd };
      };
      const ours = await run('uring');
      expect(ours).toStrictEqual(await run('node'));
    });
  }

  it.runIf(NODE_MAJOR < 22)('Node 20`s default (ArrayBuffer) stream: the handle closing ends it, cancel releases the handle', async () => {
    for (const how of ['close', 'cancel'] as const) {
      const fh = await ufsp.open(small);
      const rs = fh.readableWebStream() as ReadableStream<ArrayBuffer>;
      const reader = rs.getReader();
      const first = await reader.read();
      expect(Object.prototype.toString.call(first.value)).toBe('[object ArrayBuffer]');
      if (how === 'close') {
        const closing = fh.close();
        await withTimeout(reader.closed, 5_000, 'reader.closed');
        await withTimeout(closing, 5_000, 'close');
      } else {
        await reader.cancel();
        await withTimeout(fh.close(), 5_000, 'close after cancel');
      }
      expect(fh.fd).toBe(-1);
    }
  });

  it('cancel() releases the handle (close settles)', async () => {
    const run = async (side: Side) => {
      const fh = await open(side, small);
      const rs = fh.readableWebStream(BYTES) as ReadableStream<unknown>;
      const reader = rs.getReader();
      await reader.read();
      await reader.cancel();
      await withTimeout(fh.close(), 5_000, 'close after cancel');
      return fh.fd;
    };
    expect(await run('uring')).toBe(await run('node'));
  });

  it('autoClose (where the running Node has it): closes the handle at the end and on cancel', async () => {
    const run = async (side: Side, cancel: boolean) => {
      const fh = await open(side, small);
      let thrown: Record<string, unknown> | null = null;
      let rs: ReadableStream<unknown> | undefined;
      try {
        rs = fh.readableWebStream({ autoClose: true, ...BYTES } as never) as ReadableStream<unknown>;
      } catch (err) {
        thrown = errorShape(err);
      }
      if (rs) {
        if (cancel) {
          const reader = rs.getReader();
          await reader.read();
          await reader.cancel();
        } else {
          await drain(rs);
        }
      }
      await new Promise((r) => setTimeout(r, 10));
      const fd = fh.fd;
      await withTimeout(fh.close(), 5_000, 'close');
      return { thrown, closedByStream: fd === -1 };
    };
    for (const cancel of [false, true]) {
      const ours = await run('uring', cancel);
      expect(ours).toStrictEqual(await run('node', cancel));
    }
  });

  it('invalid options: node`s error', async () => {
    // On Node 20, options that are not refused make its default stream (see BYTES).
    for (const options of NODE_MAJOR < 22 ? [null, { type: 5 }] : [null, 'bytes', { autoClose: 1 }, { type: 5 }]) {
      const fh = await ufsp.open(small);
      const nh = await nfsp.open(small);
      const shape = (h: AnyHandle) => {
        try {
          h.readableWebStream(options as never);
          return null;
        } catch (err) {
          return errorShape(err);
        }
      };
      const ours = shape(fh);
      const theirs = shape(nh);
      expect(ours).toStrictEqual(theirs);
      await withTimeout(fh.close(), 5_000, 'close');
      await withTimeout(nh.close(), 5_000, 'node close');
    }
  });

  it.runIf(NODE_MAJOR >= 22)('a non-bytes type warns as node warns', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const fh = await ufsp.open(small);
      const nh = await nfsp.open(small);
      fh.readableWebStream({ type: 'foo' } as never);
      nh.readableWebStream({ type: 'foo' } as never);
      await new Promise((r) => setTimeout(r, 10));
      expect(warnings.length).toBe(2);
      expect(warnings[0]).toBe(warnings[1]);
      await fh.close();
      await nh.close();
    } finally {
      process.off('warning', onWarning);
    }
  });
});
