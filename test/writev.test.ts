// ring.writev(fd, views, position) against fs.writev on the same kind of files.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

import { opFixture, closedFd, runsOnRing, NEVER_OPEN_FD } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes } from './support/pattern';
import { expectSameFailure, nodeFd, show } from './support/parity';

const fx = opFixture('writev');
const { ring } = fx;

/**
 * Views of assorted kinds over pattern data, together holding the pattern bytes
 * for [at, at + total) in order.
 */
function patternViews(at: number, sizes = [7, 20, 0, 41, 113, 32, 4099]): ArrayBufferView[] {
  const views: ArrayBufferView[] = [];
  let off = at;
  sizes.forEach((n, i) => {
    // Each window sits inside a larger buffer whose other bytes must not be written.
    const outer = Buffer.alloc(n + 24, 0xee);
    pattern(n, off).copy(outer, 8);
    switch (i % 4) {
      case 0:
        views.push(outer.subarray(8, 8 + n));
        break;
      case 1:
        views.push(new DataView(outer.buffer, outer.byteOffset + 8, n));
        break;
      case 2:
        views.push(new Uint8Array(outer.buffer, outer.byteOffset + 8, n));
        break;
      default:
        views.push(n % 4 === 0 ? new Uint32Array(outer.buffer, 8, n / 4) : new Int8Array(outer.buffer, 8, n));
    }
    off += n;
  });
  return views;
}

const total = (views: ArrayBufferView[]): number => views.reduce((n, v) => n + v.byteLength, 0);

describe('writev: bytes and results', () => {
  it('writes the views in order at position 0, as fs.writev does', async () => {
    const ours = fx.path();
    const theirs = fx.path();
    const a = fx.openSync(ours, 'w');
    const b = fx.openSync(theirs, 'w');
    const views = patternViews(0);
    const n = await ring.writev(a, views, 0);
    expect(n).toBe(total(views));
    expect(n).toBe(await nodeFd.writev(b, views, 0));
    expectBytes(fs.readFileSync(ours), pattern(n));
    expectBytes(fs.readFileSync(ours), fs.readFileSync(theirs));
  });

  it('at unaligned number and bigint positions', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const first = patternViews(0, [3, 5]);
    expect(await ring.writev(fd, first, 0)).toBe(8);
    const second = patternViews(8, [1, 17, 300]);
    expect(await ring.writev(fd, second, 8n)).toBe(318);
    const third = patternViews(1001, [9, 9]);
    expect(await ring.writev(fd, third, 1001)).toBe(18);
    const got = fs.readFileSync(p);
    expect(got.length).toBe(1019);
    expectBytes(got.subarray(0, 326), pattern(326));
    expectBytes(got.subarray(326, 1001), Buffer.alloc(1001 - 326), 'the hole');
    expectBytes(got.subarray(1001), pattern(18, 1001));
  });

  for (const [label, pos] of [
    ['undefined', undefined],
    ['null', null],
    ['-1', -1],
    ['-1n', -1n],
  ] as const) {
    it(`position ${label} writes sequentially at the file position`, async () => {
      const p = fx.path();
      const fd = fx.openSync(p, 'w');
      let at = 0;
      for (const sizes of [[1, 2, 3], [4096, 1], [77, 0, 5]]) {
        const views = patternViews(at, sizes);
        expect(await ring.writev(fd, views, pos)).toBe(total(views));
        at += total(views);
      }
      expect(fs.writeSync(fd, pattern(4, at), 0, 4, null)).toBe(4);
      expectBytes(fs.readFileSync(p), pattern(at + 4));
    });
  }

  it("position null on an 'a' fd appends in order, as fs.writev does", async () => {
    const ours = fx.path();
    const theirs = fx.path();
    writePatternFile(ours, 12);
    writePatternFile(theirs, 12);
    const a = fx.openSync(ours, 'a');
    const b = fx.openSync(theirs, 'a');
    let at = 12;
    for (const sizes of [[4, 4], [1], [5000, 3, 2]]) {
      const views = patternViews(at, sizes);
      expect(await ring.writev(a, views, null)).toBe(total(views));
      expect(await nodeFd.writev(b, views, null)).toBe(total(views));
      at += total(views);
    }
    expectBytes(fs.readFileSync(ours), pattern(at));
    expectBytes(fs.readFileSync(ours), fs.readFileSync(theirs));
  });

  it('zero-length views write nothing and resolve 0', async () => {
    const p = fx.path();
    writePatternFile(p, 8);
    const fd = fx.openSync(p, 'r+');
    expect(await ring.writev(fd, [Buffer.alloc(0), new Uint8Array(0)], 4)).toBe(0);
    expect(await nodeFd.writev(fd, [Buffer.alloc(0)], 4)).toBe(0);
    expectBytes(fs.readFileSync(p), pattern(8));
  });

  it('an empty list fails as fs.writev does', async () => {
    const fd = fx.openSync(fx.path(), 'w');
    let theirs: unknown;
    try {
      theirs = await nodeFd.writev(fd, [], 0);
    } catch (err) {
      theirs = err;
    }
    if (theirs instanceof Error) {
      await expectSameFailure(() => ring.writev(fd, [], 0), () => nodeFd.writev(fd, [], 0));
    } else {
      expect(await ring.writev(fd, [], 0)).toBe(theirs);
    }
  });

  it('an empty list on a read-only fd resolves 0 as fs.writev does (no syscall, so no EBADF)', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const ro = fx.openSync(p, 'r');
    expect(await nodeFd.writev(ro, [], 0)).toBe(0);
    expect(await ring.writev(ro, [], 0)).toBe(0);
    expect(await ring.writev(ro, [])).toBe(0);
    expect(await ring.writev(fd, [], null)).toBe(0);
    // One zero-length view does reach the kernel, in node:fs too: EBADF.
    await expectSameFailure(() => ring.writev(ro, [Buffer.alloc(0)], 0), () => nodeFd.writev(ro, [Buffer.alloc(0)], 0));
  });

  it('more than 1024 views: everything is written, as fs.writev does', async () => {
    const ours = fx.path();
    const theirs = fx.path();
    const a = fx.openSync(ours, 'w');
    const b = fx.openSync(theirs, 'w');
    const sizes = Array.from({ length: 3000 }, (_, i) => 1 + ((i * 7) % 29));
    const views = patternViews(0, sizes);
    const n = await ring.writev(a, views, 0);
    expect(n).toBe(total(views));
    expect(await nodeFd.writev(b, views, 0)).toBe(n);
    expectBytes(fs.readFileSync(ours), pattern(n));
    expectBytes(fs.readFileSync(ours), fs.readFileSync(theirs));
  });

  it('more than 1024 views at the file position, and appending', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const first = patternViews(0, Array.from({ length: 2050 }, () => 2));
    expect(await ring.writev(fd, first, null)).toBe(4100);
    const second = patternViews(4100, Array.from({ length: 1025 }, () => 4));
    expect(await ring.writev(fd, second, undefined)).toBe(4100);
    expectBytes(fs.readFileSync(p), pattern(8200));

    const q = fx.path();
    writePatternFile(q, 4);
    const app = fx.openSync(q, 'a');
    const views = patternViews(4, Array.from({ length: 1500 }, () => 3));
    expect(await ring.writev(app, views, null)).toBe(4500);
    expectBytes(fs.readFileSync(q), pattern(4504));
  });

  it('more than 1024 views at a bigint position', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const views = patternViews(10, Array.from({ length: 1300 }, (_, i) => 1 + (i % 5)));
    const n = await ring.writev(fd, views, 10n);
    expect(n).toBe(total(views));
    const got = fs.readFileSync(p);
    expectBytes(got.subarray(0, 10), Buffer.alloc(10));
    expectBytes(got.subarray(10), pattern(n, 10));
  });

  it('the same view several times is written each time', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const v = Buffer.from('ab');
    expect(await ring.writev(fd, [v, v, v], 0)).toBe(6);
    expect(fs.readFileSync(p, 'latin1')).toBe('ababab');
  });

  it('two 32 MiB views in one call', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const half = 32 << 20;
    const data = pattern(2 * half);
    const n = await ring.writev(fd, [data.subarray(0, half), new DataView(data.buffer, half, half)], 0);
    expect(n).toBe(2 * half);
    expectBytes(fs.readFileSync(p), data, '64 MiB file');
  });
});

describe('writev: errors as fs.writev gives them', () => {
  it('EBADF on a closed fd', async () => {
    const fd = closedFd('/dev/null');
    const err = await expectSameFailure(() => ring.writev(fd, [Buffer.alloc(8)], 0), () => nodeFd.writev(fd, [Buffer.alloc(8)], 0));
    expect(err.syscall).toBe('write');
  });

  it('EBADF on a never-open fd, at the file position', async () => {
    await expectSameFailure(() => ring.writev(NEVER_OPEN_FD, [Buffer.alloc(8)], null), () => nodeFd.writev(NEVER_OPEN_FD, [Buffer.alloc(8)], null));
  });

  it('EBADF on an O_RDONLY fd', async () => {
    const p = fx.path();
    writePatternFile(p, 8);
    const fd = fx.openSync(p, 'r');
    await expectSameFailure(() => ring.writev(fd, [Buffer.alloc(8)], 0), () => nodeFd.writev(fd, [Buffer.alloc(8)], 0));
    expectBytes(fs.readFileSync(p), pattern(8));
  });

  it('EFBIG writing past the largest file size', async () => {
    const fd = fx.openSync(fx.path(), 'w');
    const at = Number.MAX_SAFE_INTEGER - 4;
    await expectSameFailure(() => ring.writev(fd, [Buffer.alloc(8)], at), () => nodeFd.writev(fd, [Buffer.alloc(8)], at));
  });

  // Documented difference (docs/api.md, Positions): IORING_OP_WRITEV ignores the offset
  // on a pipe and writes into it; pwritev(2), and so fs.writev, fails with ESPIPE.
  it('ESPIPE writing a pipe at a position', async () => {
    const fifo = fx.path();
    execFileSync('mkfifo', [fifo]);
    const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const w = fs.openSync(fifo, 'w');
    try {
      if (runsOnRing(ring, 'writev')) {
        // io_uring ignores the position on a pipe.
        expect(await ring.writev(w, [Buffer.from('abc')], 0)).toBe(3);
        return;
      }
      await expectSameFailure(() => ring.writev(w, [Buffer.from('abc')], 0), () => nodeFd.writev(w, [Buffer.from('abc')], 0));
    } finally {
      fs.closeSync(r);
      fs.closeSync(w);
    }
  });
});

describe('writev: argument validation as fs.writev does it', () => {
  const views = [Buffer.alloc(4)];
  for (const fd of ['x', -1, 1.5, 2 ** 31, null, undefined]) {
    it(`fd ${show(fd)}`, async () => {
      const err = await expectSameFailure(() => ring.writev(fd as number, views, 0), () => fs.writev(fd as number, views, 0, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  for (const [label, list] of [
    ['a string', 'abcd'],
    ['a single Buffer', Buffer.alloc(4)],
    ['an array holding a string', ['abcd']],
    ['an array holding an ArrayBuffer', [new ArrayBuffer(4)]],
    ['undefined', undefined],
  ] as const) {
    it(`buffers ${label}`, async () => {
      const fd = fx.openSync('/dev/null', 'w');
      const err = await expectSameFailure(() => ring.writev(fd, list as unknown as Buffer[], 0), () =>
        fs.writev(fd, list as unknown as Buffer[], 0, () => {}),
      );
      expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
    });
  }

  // fs.writev turns any non-number position into "the file position"; the ring
  // validates writev positions as fs.read validates its own.
  for (const pos of [1.5, -2, '0', 2n ** 64n, 2 ** 53]) {
    it(`position ${typeof pos === 'bigint' ? `${pos}n` : typeof pos === 'string' ? `'${pos}'` : String(pos)} as fs.read checks it`, async () => {
      const fd = fx.openSync('/dev/null', 'r+');
      const b = Buffer.alloc(4);
      const err = await expectSameFailure(() => ring.writev(fd, views, pos as number), () => fs.read(fd, b, 0, 4, pos as number, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }
});
