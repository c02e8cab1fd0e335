// ring.ftruncate(fd, len) against fs.ftruncate on the same kind of files.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';

import { opFixture, closedFd, NEVER_OPEN_FD } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes } from './support/pattern';
import { expectSameFailure, nodeFd, show, BAD_FDS } from './support/parity';

const fx = opFixture('ftruncate');
const { ring } = fx;

/** Two identical pattern files, `len` bytes, opened 'r+'. */
function twoFiles(len: number): { ours: string; theirs: string; a: number; b: number } {
  const ours = fx.path();
  const theirs = fx.path();
  writePatternFile(ours, len);
  writePatternFile(theirs, len);
  return { ours, theirs, a: fx.openSync(ours, 'r+'), b: fx.openSync(theirs, 'r+') };
}

describe('ftruncate: results', () => {
  it('shrinks, keeping the bytes before the new end', async () => {
    const { ours, theirs, a, b } = twoFiles(65536);
    expect(await ring.ftruncate(a, 1001)).toBeUndefined();
    await nodeFd.ftruncate(b, 1001);
    expect(fs.statSync(ours).size).toBe(1001);
    expectBytes(fs.readFileSync(ours), pattern(1001));
    expectBytes(fs.readFileSync(ours), fs.readFileSync(theirs));
  });

  it('extends with zeros', async () => {
    const { ours, theirs, a, b } = twoFiles(100);
    await ring.ftruncate(a, 100_000);
    await nodeFd.ftruncate(b, 100_000);
    const got = fs.readFileSync(ours);
    expect(got.length).toBe(100_000);
    expectBytes(got.subarray(0, 100), pattern(100));
    expectBytes(got.subarray(100), Buffer.alloc(100_000 - 100), 'the extension');
    expectBytes(got, fs.readFileSync(theirs));
  });

  it('past 4 GiB (a sparse file)', async () => {
    const { ours, a } = twoFiles(8);
    await ring.ftruncate(a, 2 ** 32 + 5);
    expect(fs.statSync(ours).size).toBe(2 ** 32 + 5);
    await ring.ftruncate(a, 4);
    expectBytes(fs.readFileSync(ours), pattern(4));
  });

  it('len omitted and undefined truncate to 0, as fs.ftruncate does', async () => {
    const { ours, theirs, a, b } = twoFiles(500);
    await ring.ftruncate(a);
    await nodeFd.ftruncate(b);
    expect(fs.statSync(ours).size).toBe(0);
    expect(fs.statSync(theirs).size).toBe(0);
    const again = twoFiles(500);
    await ring.ftruncate(again.a, undefined);
    expect(fs.statSync(again.ours).size).toBe(0);
  });

  it('a negative len truncates to 0, as fs.ftruncate does', async () => {
    for (const len of [-1, -1000, Number.MIN_SAFE_INTEGER]) {
      const { ours, theirs, a, b } = twoFiles(300);
      await ring.ftruncate(a, len);
      await nodeFd.ftruncate(b, len);
      expect(fs.statSync(ours).size).toBe(0);
      expect(fs.statSync(theirs).size).toBe(0);
    }
  });

  it('to the same size changes nothing', async () => {
    const { ours, a } = twoFiles(777);
    await ring.ftruncate(a, 777);
    expectBytes(fs.readFileSync(ours), pattern(777));
  });

  it("works on an 'a' and a 'w' fd and leaves the file position alone", async () => {
    const { ours, a } = twoFiles(40);
    fs.readSync(a, Buffer.alloc(8), 0, 8, null); // position 8
    await ring.ftruncate(a, 20);
    const next = Buffer.alloc(4);
    expect(fs.readSync(a, next, 0, 4, null)).toBe(4);
    expectBytes(next, pattern(4, 8));
    const w = fx.openSync(ours, 'a');
    await ring.ftruncate(w, 10);
    expect(fs.statSync(ours).size).toBe(10);
  });
});

describe('ftruncate: errors as fs.ftruncate gives them', () => {
  it('EBADF on a closed fd and a never-open fd', async () => {
    const fd = closedFd('/dev/null');
    const err = await expectSameFailure(() => ring.ftruncate(fd, 0), () => nodeFd.ftruncate(fd, 0));
    expect(err.code).toBe('EBADF');
    expect(err.syscall).toBe('ftruncate');
    await expectSameFailure(() => ring.ftruncate(NEVER_OPEN_FD, 10), () => nodeFd.ftruncate(NEVER_OPEN_FD, 10));
  });

  it('EINVAL on an O_RDONLY fd (file unchanged)', async () => {
    const p = fx.path();
    writePatternFile(p, 64);
    const fd = fx.openSync(p, 'r');
    const err = await expectSameFailure(() => ring.ftruncate(fd, 1), () => nodeFd.ftruncate(fd, 1));
    expect(err.code).toBe('EINVAL');
    expectBytes(fs.readFileSync(p), pattern(64));
  });

  it('EINVAL on a directory fd and on /dev/null', async () => {
    const d = fx.openSync(fx.dir);
    await expectSameFailure(() => ring.ftruncate(d, 0), () => nodeFd.ftruncate(d, 0));
    const n = fx.openSync('/dev/null', 'w');
    await expectSameFailure(() => ring.ftruncate(n, 0), () => nodeFd.ftruncate(n, 0));
  });

  it('EFBIG past the largest file size', async () => {
    const { a } = twoFiles(0);
    const err = await expectSameFailure(() => ring.ftruncate(a, Number.MAX_SAFE_INTEGER), () => nodeFd.ftruncate(a, Number.MAX_SAFE_INTEGER));
    expect(err.code).toBe('EFBIG');
  });
});

describe('ftruncate: argument validation', () => {
  for (const fd of BAD_FDS) {
    it(`fd ${show(fd)}`, async () => {
      // fs.ftruncate checks the fd in C++ (a bigint shows as `(3)`), after `len`.
      const err = await expectSameFailure(() => ring.ftruncate(fd as number, 0), () => fs.ftruncate(fd as number, 0, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  for (const len of [1.5, '1', 2 ** 53, -(2 ** 53), NaN, Infinity, 1n, null, {}]) {
    it(`len ${show(len)} as fs.ftruncate`, async () => {
      const fd = fx.openSync('/dev/null', 'w');
      const err = await expectSameFailure(() => ring.ftruncate(fd, len as number), () => fs.ftruncate(fd, len as number, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }
});
