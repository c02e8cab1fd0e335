// ring.readv(fd, views, position) against fs.readv on the same files.

import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

import { opFixture, closedFd, runsOnRing, NEVER_OPEN_FD } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes, wholeBuffer } from './support/pattern';
import { expectSameFailure, nodeFd, show } from './support/parity';

const fx = opFixture('readv');
const { ring } = fx;
const SIZE = 200_003;
let file: string;

beforeAll(() => {
  file = fx.path('data');
  writePatternFile(file, SIZE);
});

/** Views of assorted kinds and sizes, with sentinel bytes around each window. */
function assortedViews(): ArrayBufferView[] {
  const views: ArrayBufferView[] = [
    Buffer.alloc(7),
    new Uint32Array(new ArrayBuffer(64), 8, 5),
    new DataView(new ArrayBuffer(50), 3, 41),
    Buffer.alloc(0),
    Buffer.alloc(300).subarray(100, 213),
    new Float64Array(4),
    new Uint8Array(4099),
  ];
  for (const v of views) wholeBuffer(v).fill(0xaa);
  return views;
}

function total(views: ArrayBufferView[]): number {
  return views.reduce((n, v) => n + v.byteLength, 0);
}

/** Checks each view holds the file bytes from `at` on, in order, and nothing outside its window changed. */
function expectFilled(views: ArrayBufferView[], at: number, filled = total(views)): void {
  let off = at;
  let left = filled;
  views.forEach((v, i) => {
    const n = Math.min(left, v.byteLength);
    const whole = wholeBuffer(v);
    const want = Buffer.alloc(whole.byteLength, 0xaa);
    pattern(n, off).copy(want, v.byteOffset);
    expectBytes(whole, want, `view #${i} (window ${v.byteOffset}+${v.byteLength})`);
    off += n;
    left -= n;
  });
}

describe('readv: bytes and results', () => {
  it('fills the views in order at position 0, as fs.readv does', async () => {
    const fd = fx.openSync(file);
    const ours = assortedViews();
    const theirs = assortedViews();
    const n = await ring.readv(fd, ours, 0);
    expect(n).toBe(total(ours));
    expect(n).toBe(await nodeFd.readv(fd, theirs, 0));
    expectFilled(ours, 0);
    ours.forEach((v, i) => expectBytes(wholeBuffer(v), wholeBuffer(theirs[i]), `view #${i} vs fs.readv`));
  });

  it('at unaligned number and bigint positions', async () => {
    const fd = fx.openSync(file);
    for (const pos of [3, 4097, 100_001]) {
      const a = assortedViews();
      expect(await ring.readv(fd, a, pos)).toBe(total(a));
      expectFilled(a, pos);
      const b = assortedViews();
      expect(await ring.readv(fd, b, BigInt(pos))).toBe(total(b));
      expectFilled(b, pos);
    }
  });

  for (const [label, pos] of [
    ['undefined', undefined],
    ['null', null],
    ['-1', -1],
    ['-1n', -1n],
  ] as const) {
    it(`position ${label} reads sequentially from the file position`, async () => {
      const ours = fx.openSync(file);
      const theirs = fx.openSync(file);
      let at = 0;
      for (let round = 0; round < 3; round++) {
        const a = assortedViews();
        const b = assortedViews();
        const n = await ring.readv(ours, a, pos);
        expect(n).toBe(await nodeFd.readv(theirs, b, null));
        expect(n).toBe(total(a));
        expectFilled(a, at);
        at += n;
      }
      const next = Buffer.alloc(4);
      expect(fs.readSync(ours, next, 0, 4, null)).toBe(4);
      expectBytes(next, pattern(4, at), 'file position after the reads');
    });
  }

  it('straddling the end fills what there is; past the end gives 0', async () => {
    const fd = fx.openSync(file);
    const a = assortedViews();
    const start = SIZE - 150;
    expect(await ring.readv(fd, a, start)).toBe(150);
    expectFilled(a, start, 150);
    const b = assortedViews();
    expect(await ring.readv(fd, b, SIZE)).toBe(0);
    expectFilled(b, SIZE, 0);
  });

  // IORING_OP_READV with no iovecs would resolve 0; libuv refuses nbufs == 0 with
  // EINVAL, so fs.readv rejects, and so does the ring.
  it('an empty list fails with EINVAL, as fs.readv does (libuv refuses nbufs 0)', async () => {
    const fd = fx.openSync(file);
    await expectSameFailure(() => ring.readv(fd, [], 0), () => nodeFd.readv(fd, [], 0));
    await expectSameFailure(() => ring.readv(fd, []), () => nodeFd.readv(fd, [], null));
  });

  it('zero-length views resolve 0, as fs.readv does', async () => {
    const fd = fx.openSync(file);
    expect(await nodeFd.readv(fd, [Buffer.alloc(0)], 0)).toBe(0);
    expect(await ring.readv(fd, [Buffer.alloc(0), new Uint8Array(0)], null)).toBe(0);
    const a = Buffer.alloc(4);
    expect(await ring.readv(fd, [a], null)).toBe(4);
    expectBytes(a, pattern(4, 0), 'the file position did not move');
  });

  it('the same view twice gets the later bytes', async () => {
    const fd = fx.openSync(file);
    const v = Buffer.alloc(8);
    const w = Buffer.alloc(8);
    expect(await ring.readv(fd, [v, v], 16)).toBe(16);
    expect(await nodeFd.readv(fd, [w, w], 16)).toBe(16);
    expectBytes(v, w);
    expectBytes(v, pattern(8, 24));
  });

  it('more than 1024 views: only the first 1024 are read, as libuv does for fs.readv', async () => {
    const count = 1500;
    const ours = Array.from({ length: count }, () => Buffer.alloc(4, 0xaa));
    const theirs = Array.from({ length: count }, () => Buffer.alloc(4, 0xaa));
    const fd = fx.openSync(file);
    const n = await ring.readv(fd, ours, 0);
    const m = await nodeFd.readv(fd, theirs, 0);
    expect(n).toBe(m);
    expect(n).toBe(4096);
    ours.forEach((v, i) => expectBytes(v, theirs[i], `view #${i}`));
    ours.slice(0, 1024).forEach((v, i) => expectBytes(v, pattern(4, 4 * i), `view #${i}`));
    ours.slice(1024).forEach((v, i) => expectBytes(v, Buffer.alloc(4, 0xaa), `view #${1024 + i} (not read)`));
  });

  it('more than 1024 views at the file position moves it by what was read', async () => {
    const fd = fx.openSync(file);
    const views = Array.from({ length: 1100 }, () => Buffer.alloc(2));
    expect(await ring.readv(fd, views, null)).toBe(2048);
    const next = Buffer.alloc(4);
    fs.readSync(fd, next, 0, 4, null);
    expectBytes(next, pattern(4, 2048));
  });

  it('many views of many sizes (1000 views, 190 KiB)', async () => {
    const fd = fx.openSync(file);
    const views = Array.from({ length: 1000 }, (_, i) => new Uint8Array((i * 37) % 391));
    const n = await ring.readv(fd, views, 5);
    expect(n).toBe(Math.min(total(views), SIZE - 5));
    expectFilled(views, 5, n);
  });
});

describe('readv: errors as fs.readv gives them', () => {
  it('EBADF on a closed fd', async () => {
    const fd = closedFd(file);
    const err = await expectSameFailure(() => ring.readv(fd, [Buffer.alloc(8)], 0), () => nodeFd.readv(fd, [Buffer.alloc(8)], 0));
    expect(err.syscall).toBe('read');
  });

  it('EBADF on an fd that was never open and on an O_WRONLY fd', async () => {
    await expectSameFailure(() => ring.readv(NEVER_OPEN_FD, [Buffer.alloc(8)]), () => nodeFd.readv(NEVER_OPEN_FD, [Buffer.alloc(8)], null));
    const fd = fx.openSync(fx.path(), 'w');
    await expectSameFailure(() => ring.readv(fd, [Buffer.alloc(8)], 0), () => nodeFd.readv(fd, [Buffer.alloc(8)], 0));
  });

  it('EISDIR on a directory fd', async () => {
    const fd = fx.openSync(fx.dir);
    const err = await expectSameFailure(() => ring.readv(fd, [Buffer.alloc(8)], 0), () => nodeFd.readv(fd, [Buffer.alloc(8)], 0));
    expect(err.code).toBe('EISDIR');
  });

  it('EISDIR on a directory fd for one zero-length view, and 0 for two, as fs.readv (libuv reads one view with read(2))', async () => {
    const fd = fx.openSync(fx.dir);
    const err = await expectSameFailure(() => ring.readv(fd, [Buffer.alloc(0)], 0), () => nodeFd.readv(fd, [Buffer.alloc(0)], 0));
    expect(err.code).toBe('EISDIR');
    await expectSameFailure(() => ring.readv(fd, [Buffer.alloc(0)]), () => nodeFd.readv(fd, [Buffer.alloc(0)], null));
    const two = [Buffer.alloc(0), Buffer.alloc(0)];
    expect(await nodeFd.readv(fd, two, 0)).toBe(0);
    expect(await ring.readv(fd, two, 0)).toBe(0);
  });

  // Documented difference (docs/api.md, Positions): IORING_OP_READV ignores the offset on
  // a pipe and reads it; preadv(2), and so fs.readv, fails with ESPIPE.
  it('ESPIPE reading a pipe at a position', async () => {
    const fifo = fx.path();
    execFileSync('mkfifo', [fifo]);
    const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const w = fs.openSync(fifo, 'w');
    try {
      fs.writeSync(w, 'data in the pipe');
      if (runsOnRing(ring, 'readv')) {
        // io_uring ignores the position on a pipe.
        expect(await ring.readv(r, [Buffer.alloc(4)], 0)).toBe(4);
        return;
      }
      await expectSameFailure(() => ring.readv(r, [Buffer.alloc(4)], 0), () => nodeFd.readv(r, [Buffer.alloc(4)], 0));
    } finally {
      fs.closeSync(r);
      fs.closeSync(w);
    }
  });
});

describe('readv: argument validation as fs.readv does it', () => {
  const views = [Buffer.alloc(4)];
  for (const fd of ['x', -1, 1.5, 2 ** 31, null, undefined]) {
    it(`fd ${show(fd)}`, async () => {
      const err = await expectSameFailure(() => ring.readv(fd as number, views, 0), () => fs.readv(fd as number, views, 0, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  for (const [label, list] of [
    ['a string', 'abcd'],
    ['a single Buffer', Buffer.alloc(4)],
    ['an array holding a string', ['abcd']],
    ['an array holding an ArrayBuffer', [new ArrayBuffer(4)]],
    ['an array with a hole of undefined', [Buffer.alloc(4), undefined]],
    ['undefined', undefined],
  ] as const) {
    it(`buffers ${label}`, async () => {
      const fd = fx.openSync(file);
      const err = await expectSameFailure(() => ring.readv(fd, list as unknown as Buffer[], 0), () =>
        fs.readv(fd, list as unknown as Buffer[], 0, () => {}),
      );
      expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
    });
  }

  // fs.readv turns any non-number position into "the file position"; the ring
  // validates readv positions as fs.read validates its own.
  for (const pos of [1.5, -2, '0', 2n ** 64n, 2 ** 53]) {
    it(`position ${typeof pos === 'bigint' ? `${pos}n` : typeof pos === 'string' ? `'${pos}'` : String(pos)} as fs.read checks it`, async () => {
      const fd = fx.openSync(file);
      const b = Buffer.alloc(4);
      const err = await expectSameFailure(() => ring.readv(fd, views, pos as number), () => fs.read(fd, b, 0, 4, pos as number, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  it('the views list is read once: later changes to the array do not matter', async () => {
    const fd = fx.openSync(file);
    const a = Buffer.alloc(4);
    const list: ArrayBufferView[] = [a];
    const p = ring.readv(fd, list, 8);
    list.push(Buffer.alloc(100));
    list[0] = Buffer.alloc(1);
    expect(await p).toBe(4);
    expectBytes(a, pattern(4, 8));
  });
});
