// ring.read(fd, view, position) against fs.read on the same files.

import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

import { opFixture, closedFd, runsOnRing, NEVER_OPEN_FD } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes, wholeBuffer } from './support/pattern';
import { expectSameError, expectSameFailure, failureOf, nodeFd, show } from './support/parity';
import type { Failure } from './support/parity';

const fx = opFixture('read');
const { ring } = fx;
const SIZE = 256 * 1024 + 13; // not a multiple of anything convenient
let file: string;

beforeAll(() => {
  file = fx.path('data');
  writePatternFile(file, SIZE);
});

describe('read: bytes and results', () => {
  it('reads the whole file at position 0 like fs.read', async () => {
    const fd = fx.openSync(file);
    const ours = Buffer.alloc(SIZE);
    const theirs = Buffer.alloc(SIZE);
    expect(await ring.read(fd, ours, 0)).toBe(await nodeFd.read(fd, theirs, 0));
    expectBytes(ours, pattern(SIZE));
    expectBytes(ours, theirs);
  });

  it('reads at unaligned number and bigint positions', async () => {
    const fd = fx.openSync(file);
    for (const [pos, len] of [
      [1, 7],
      [4093, 4099],
      [65537, 3],
      [SIZE - 100, 100],
    ] as const) {
      const a = Buffer.alloc(len);
      const b = Buffer.alloc(len);
      expect(await ring.read(fd, a, pos)).toBe(len);
      expectBytes(a, pattern(len, pos), `number position ${pos}`);
      expect(await ring.read(fd, b, BigInt(pos))).toBe(len);
      expectBytes(b, pattern(len, pos), `bigint position ${pos}n`);
    }
  });

  it('a positioned read does not move the file position', async () => {
    const fd = fx.openSync(file);
    const a = Buffer.alloc(16);
    await ring.read(fd, a, 1000);
    expect(await ring.read(fd, a, null)).toBe(16);
    expectBytes(a, pattern(16, 0));
  });

  for (const [label, pos] of [
    ['undefined', undefined],
    ['null', null],
    ['-1', -1],
    ['-1n', -1n],
  ] as const) {
    it(`position ${label} reads sequentially from the file position, like fs.read`, async () => {
      const ours = fx.openSync(file);
      const theirs = fx.openSync(file);
      let at = 0;
      for (const len of [5, 4096, 3, 10000]) {
        const a = Buffer.alloc(len);
        const b = Buffer.alloc(len);
        const n = await ring.read(ours, a, pos);
        expect(n).toBe(await nodeFd.read(theirs, b, pos === undefined ? null : pos));
        expect(n).toBe(len);
        expectBytes(a, pattern(len, at), `read at file position ${at}`);
        expectBytes(a, b);
        at += len;
      }
      expect(fs.readSync(ours, Buffer.alloc(0))).toBe(0);
      // Where the file position is now: the next byte read is at `at`.
      const next = Buffer.alloc(4);
      expect(fs.readSync(ours, next, 0, 4, null)).toBe(4);
      expectBytes(next, pattern(4, at), 'file position after the reads');
    });
  }

  it('a negative bigint position other than -1n reads like fs.read does', async () => {
    // Node 20 lets any int64 bigint through and libuv reads at the file position for
    // every negative offset; newer Node rejects it. Either way: the same as fs.read.
    const ours = fx.openSync(file);
    const theirs = fx.openSync(file);
    const a = Buffer.alloc(8);
    const b = Buffer.alloc(8);
    let nodeResult: unknown;
    try {
      nodeResult = await nodeFd.read(theirs, b, -2n);
    } catch (err) {
      nodeResult = err;
    }
    if (nodeResult instanceof Error) {
      await expectSameFailure(() => ring.read(ours, a, -2n), () => nodeFd.read(theirs, b, -2n));
    } else {
      expect(await ring.read(ours, a, -2n)).toBe(nodeResult);
      expectBytes(a, b);
    }
  });

  it('reads past the end resolve 0 and leave the view alone', async () => {
    const fd = fx.openSync(file);
    const a = Buffer.alloc(64, 0xaa);
    expect(await ring.read(fd, a, SIZE)).toBe(0);
    expect(await ring.read(fd, a, SIZE + 1_000_000)).toBe(0);
    expect(await ring.read(fd, a, 2n ** 40n)).toBe(0);
    expectBytes(a, Buffer.alloc(64, 0xaa));
  });

  it('bigint positions past 2^53 and at the int64 limit: as fs.read', async () => {
    const fd = fx.openSync(file);
    for (const pos of [2n ** 53n + 1n, 2n ** 60n, 2n ** 63n - 8n, 2n ** 63n - 1n]) {
      const a = Buffer.alloc(8, 0xaa);
      const b = Buffer.alloc(8, 0xaa);
      let theirs: unknown;
      try {
        theirs = await nodeFd.read(fd, b, pos);
      } catch (err) {
        theirs = err;
      }
      if (theirs instanceof Error) {
        await expectSameFailure(() => ring.read(fd, a, pos), () => nodeFd.read(fd, b, pos));
      } else {
        expect(await ring.read(fd, a, pos), `position ${pos}n`).toBe(theirs);
      }
      expectBytes(a, b);
    }
  });

  it('position -0 is position 0 (and does not move the file position)', async () => {
    const fd = fx.openSync(file);
    const a = Buffer.alloc(8);
    expect(await ring.read(fd, a, -0)).toBe(8);
    expectBytes(a, pattern(8, 0));
    fs.readSync(fd, a, 0, 8, null);
    expectBytes(a, pattern(8, 0), 'the file position was still 0');
  });

  it('a number position past 4 GiB in a sparse file', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w+');
    const at = 2 ** 33 + 5;
    fs.writeSync(fd, pattern(12, 100), 0, 12, at);
    const a = Buffer.alloc(16, 0xaa);
    expect(await ring.read(fd, a, at)).toBe(12);
    expectBytes(a.subarray(0, 12), pattern(12, 100));
    expect(await ring.read(fd, a, BigInt(at - 4))).toBe(16);
    expectBytes(a, Buffer.concat([Buffer.alloc(4), pattern(12, 100)]));
  });

  it('a relative-path file opened after process.chdir() reads the same (fds are what count)', async () => {
    const cwd = process.cwd();
    process.chdir(fx.dir);
    try {
      const fd = fx.track(await ring.open('data'));
      const a = Buffer.alloc(8);
      expect(await ring.read(fd, a, 4)).toBe(8);
      expectBytes(a, pattern(8, 4));
    } finally {
      process.chdir(cwd);
    }
  });

  it('into a view whose buffer was detached: 0 bytes, as fs.read', async () => {
    const fd = fx.openSync(file);
    const ab = new ArrayBuffer(16);
    const view = new Uint8Array(ab);
    structuredClone(ab, { transfer: [ab] });
    expect(view.byteLength).toBe(0);
    expect(await nodeFd.read(fd, view, 0)).toBe(0);
    expect(await ring.read(fd, view, 0)).toBe(0);
  });

  it('into a SharedArrayBuffer-backed view', async () => {
    const fd = fx.openSync(file);
    const view = new Uint8Array(new SharedArrayBuffer(32), 4, 20);
    expect(await ring.read(fd, view, 40)).toBe(20);
    expectBytes(view, pattern(20, 40));
  });

  it('a read straddling the end gives the remainder', async () => {
    const fd = fx.openSync(file);
    const a = Buffer.alloc(100, 0xaa);
    const b = Buffer.alloc(100, 0xaa);
    const n = await ring.read(fd, a, SIZE - 37);
    expect(n).toBe(37);
    expect(n).toBe(await nodeFd.read(fd, b, SIZE - 37));
    expectBytes(a.subarray(0, 37), pattern(37, SIZE - 37));
    expectBytes(a.subarray(37), Buffer.alloc(63, 0xaa), 'bytes after the short read');
    expectBytes(a, b);
  });

  it('sequential reads at the end: the remainder, then 0', async () => {
    const fd = fx.openSync(file);
    fs.readSync(fd, Buffer.alloc(SIZE - 10), 0, SIZE - 10, null);
    const a = Buffer.alloc(64);
    expect(await ring.read(fd, a, null)).toBe(10);
    expectBytes(a.subarray(0, 10), pattern(10, SIZE - 10));
    expect(await ring.read(fd, a, null)).toBe(0);
  });

  it('a zero-length read resolves 0, like fs.read, even on a bad fd', async () => {
    const fd = fx.openSync(file);
    const empty = Buffer.alloc(0);
    expect(await ring.read(fd, empty, 0)).toBe(0);
    expect(await ring.read(fd, empty, null)).toBe(0);
    expect(await ring.read(fd, new Uint8Array(new ArrayBuffer(8), 8, 0))).toBe(0);
    // fs.read resolves a zero-length read without a syscall.
    expect(await nodeFd.read(NEVER_OPEN_FD, empty, 0)).toBe(0);
    expect(await ring.read(NEVER_OPEN_FD, empty, 0)).toBe(0);
    // And it did not move the position.
    const a = Buffer.alloc(4);
    expect(await ring.read(fd, a)).toBe(4);
    expectBytes(a, pattern(4, 0));
  });

  it('reads into a DataView, a Uint32Array, a Float64Array and windows of them', async () => {
    const fd = fx.openSync(file);
    const cases: [string, () => ArrayBufferView][] = [
      ['DataView', () => new DataView(new ArrayBuffer(64), 12, 40)],
      ['Uint32Array', () => new Uint32Array(new ArrayBuffer(64), 8, 10)],
      ['Float64Array', () => new Float64Array(new ArrayBuffer(80), 16, 6)],
      ['Buffer subarray', () => Buffer.alloc(100).subarray(17, 60)],
      ['Uint16Array subarray', () => new Uint16Array(50).subarray(3, 40)],
      ['Int8Array', () => new Int8Array(new ArrayBuffer(33), 1, 31)],
    ];
    for (const [label, make] of cases) {
      const view = make();
      const all = wholeBuffer(view);
      all.fill(0xaa);
      const pos = 1001;
      expect(await ring.read(fd, view, pos)).toBe(view.byteLength);
      const want = Buffer.alloc(all.byteLength, 0xaa);
      pattern(view.byteLength, pos).copy(want, view.byteOffset);
      expectBytes(all, want, `${label}: the whole ArrayBuffer`);
    }
  });

  it('reads 8 MiB in one call', async () => {
    const big = fx.path('big');
    writePatternFile(big, 8 << 20);
    const fd = fx.openSync(big);
    const a = Buffer.alloc(8 << 20);
    expect(await ring.read(fd, a, 0)).toBe(8 << 20);
    expectBytes(a, pattern(8 << 20));
  });

  it('reads /dev/zero at the file position', async () => {
    const zero = fx.openSync('/dev/zero');
    const a = Buffer.alloc(4096, 1);
    expect(await ring.read(zero, a, null)).toBe(4096);
    expectBytes(a, Buffer.alloc(4096));
  });

  it('a read of an empty pipe waits for data without blocking the event loop', async () => {
    const fifo = fx.path();
    execFileSync('mkfifo', [fifo]);
    const fd = fx.openSync(fifo, 'r+'); // O_RDWR: opens without a peer, reads block
    const a = Buffer.alloc(64, 0xaa);
    let done = false;
    const pending = ring.read(fd, a, null).then((n) => {
      done = true;
      return n;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    fs.writeSync(fd, 'late data');
    expect(await pending).toBe(9);
    expect(a.subarray(0, 9).toString()).toBe('late data');
    expectBytes(a.subarray(9), Buffer.alloc(55, 0xaa));
  });

  // Documented difference (docs/api.md, Positions): on Linux 6.x io_uring arms a
  // poll for a pollable file even when it was opened O_NONBLOCK, so the read waits
  // for data instead of failing with EAGAIN as read(2), and so fs.read, does.
  it('an empty O_NONBLOCK pipe: EAGAIN on node:fs, waits for data on io_uring', async () => {
    const fifo = fx.path();
    execFileSync('mkfifo', [fifo]);
    const fd = fx.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const theirs = await failureOf(() => nodeFd.read(fd, Buffer.alloc(8), null));
    expect(theirs.code).toBe('EAGAIN');
    if (runsOnRing(ring, 'read')) {
      const b = Buffer.alloc(8);
      const waiting = ring.read(fd, b, null);
      let settled = false;
      void waiting.finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(settled).toBe(false);
      fs.writeSync(fd, 'unblock');
      expect(await waiting).toBe(7);
      expect(b.subarray(0, 7).toString()).toBe('unblock');
      return;
    }
    const outcome = ring.read(fd, Buffer.alloc(8), null).then(
      (n) => ({ resolved: n }),
      (err: Failure) => ({ rejected: err }),
    );
    const first = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('pending'), 200))]);
    if (first === 'pending') {
      fs.writeSync(fd, 'unblock'); // let the stuck read finish before failing
      await outcome;
      expect.fail('ring.read on an empty O_NONBLOCK pipe was still pending after 200 ms (fs.read: EAGAIN)');
    }
    expect(first).toHaveProperty('rejected');
    expectSameError((first as { rejected: Failure }).rejected, theirs);
  });

  it('many concurrent reads at different positions each get their own bytes', async () => {
    const fd = fx.openSync(file);
    const views = Array.from({ length: 600 }, () => Buffer.alloc(97));
    const counts = await Promise.all(views.map((v, i) => ring.read(fd, v, i * 400)));
    counts.forEach((n) => expect(n).toBe(97));
    views.forEach((v, i) => expectBytes(v, pattern(97, i * 400), `read #${i}`));
  });
});

describe('read: errors as fs.read gives them', () => {
  it('EBADF on a closed fd', async () => {
    const fd = closedFd(file);
    await expectSameFailure(() => ring.read(fd, Buffer.alloc(8), 0), () => nodeFd.read(fd, Buffer.alloc(8), 0));
  });

  it('EBADF on an fd that was never open, at the file position too', async () => {
    await expectSameFailure(() => ring.read(NEVER_OPEN_FD, Buffer.alloc(8), null), () => nodeFd.read(NEVER_OPEN_FD, Buffer.alloc(8), null));
  });

  it('EBADF on an O_WRONLY fd', async () => {
    const fd = fx.openSync(fx.path(), 'w');
    await expectSameFailure(() => ring.read(fd, Buffer.alloc(8), 0), () => nodeFd.read(fd, Buffer.alloc(8), 0));
  });

  it('EISDIR on a directory fd', async () => {
    const fd = fx.openSync(fx.dir);
    const err = await expectSameFailure(() => ring.read(fd, Buffer.alloc(8), 0), () => nodeFd.read(fd, Buffer.alloc(8), 0));
    expect(err.code).toBe('EISDIR');
    await expectSameFailure(() => ring.read(fd, Buffer.alloc(8)), () => nodeFd.read(fd, Buffer.alloc(8), null));
  });

  // Documented difference (docs/api.md, Positions): IORING_OP_READ ignores the
  // offset on a stream (FMODE_STREAM) file and reads the pipe, where pread(2), and
  // so fs.read, fails with ESPIPE. On node:fs the ring gives ESPIPE like node.
  it('a pipe read at a position: ESPIPE on node:fs, the position ignored on io_uring', async () => {
    const [r, w] = pipe();
    try {
      fs.writeSync(w, 'hello, pipe');
      if (runsOnRing(ring, 'read')) {
        const b = Buffer.alloc(8);
        expect(await ring.read(r, b, 0)).toBe(8);
        expect(b.toString()).toBe('hello, p');
        return;
      }
      await expectSameFailure(() => ring.read(r, Buffer.alloc(8), 0), () => nodeFd.read(r, Buffer.alloc(8), 0));
    } finally {
      fs.closeSync(r);
      fs.closeSync(w);
    }
  });
});

describe('read: argument validation as fs.read does it', () => {
  const nodeRead = (fd: unknown, buffer: unknown, position: unknown) => () =>
    fs.read(fd as number, buffer as Buffer, 0, 4, position as number, () => {});
  // fs.read checks the fd after the buffer; give it a valid buffer when the fd is the point.
  const buf = Buffer.alloc(4);

  for (const fd of ['x', -1, 1.5, 2 ** 31, -(2 ** 31) - 1, NaN, null, undefined, 1n, {}]) {
    it(`fd ${show(fd)}`, async () => {
      const err = await expectSameFailure(() => ring.read(fd as number, buf, 0), nodeRead(fd, buf, 0));
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  for (const [label, view] of [
    ['a string', 'abcd'],
    ['an ArrayBuffer', new ArrayBuffer(4)],
    ['an array', [1, 2, 3, 4]],
    ['an object', { length: 4 }],
    ['undefined', undefined],
    ['null', null],
  ] as const) {
    it(`buffer ${label}`, async () => {
      const fd = fx.openSync(file);
      // fs.read(fd, buffer, offset, length, position) with length 4 but a non-view
      // fails on the buffer before anything else.
      const ours = await expectSameFailure(() => ring.read(fd, view as unknown as Buffer, 0), () =>
        fs.read(fd, view as unknown as Buffer, 0, 4, 0, () => {}),
      );
      expect(ours.code).toBe('ERR_INVALID_ARG_TYPE');
    });
  }

  for (const pos of [1.5, -2, '0', 2n ** 63n, 2n ** 64n, -(2n ** 63n) - 1n, 2 ** 53, Infinity, NaN, {}, true]) {
    it(`position ${typeof pos === 'bigint' ? `${pos}n` : typeof pos === 'string' ? `'${pos}'` : String(pos)}`, async () => {
      const fd = fx.openSync(file);
      const err = await expectSameFailure(() => ring.read(fd, buf, pos as number), nodeRead(fd, buf, pos));
      expect(err.code).toMatch(/^ERR_/);
    });
  }
});

function pipe(): [number, number] {
  // A pipe through a FIFO in the temp dir (node has no pipe(2)).
  const fifo = fx.path();
  execFileSync('mkfifo', [fifo]);
  const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const w = fs.openSync(fifo, 'w');
  return [r, w];
}
