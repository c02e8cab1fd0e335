// ring.fallocate(fd, offset, len, mode). node:fs has no fallocate: results are
// checked against what fallocate(2) does (the fs backend emulates the modes whose
// visible effect node:fs can produce), errors against node's system-error shape.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';

import { opFixture, closedFd, runsOnRing, NEVER_OPEN_FD } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes } from './support/pattern';
import { expectSameError, rejectionOf, systemError, expectSameFailure, show, BAD_FDS } from './support/parity';

const fx = opFixture('fallocate');
const { ring } = fx;
const KEEP_SIZE = 0x01;
const PUNCH_HOLE = 0x02;

function patternFile(len: number, flags = 'r+'): { p: string; fd: number } {
  const p = fx.path();
  writePatternFile(p, len);
  return { p, fd: fx.openSync(p, flags) };
}

describe('fallocate: results', () => {
  it('mode 0 on an empty file extends it with zeros and allocates the blocks', async () => {
    const { p, fd } = patternFile(0);
    expect(await ring.fallocate(fd, 0, 1 << 20)).toBeUndefined();
    const st = fs.statSync(p);
    expect(st.size).toBe(1 << 20);
    expectBytes(fs.readFileSync(p), Buffer.alloc(1 << 20));
    if (runsOnRing(ring, 'fallocate')) expect(st.blocks * 512).toBeGreaterThanOrEqual(1 << 20);
  });

  it('mode 0 inside the file changes neither size nor bytes; past the end extends to offset + len', async () => {
    const { p, fd } = patternFile(10000);
    await ring.fallocate(fd, 100, 5000, 0);
    expectBytes(fs.readFileSync(p), pattern(10000));
    await ring.fallocate(fd, 9000, 3001);
    const got = fs.readFileSync(p);
    expect(got.length).toBe(12001);
    expectBytes(got.subarray(0, 10000), pattern(10000));
    expectBytes(got.subarray(10000), Buffer.alloc(2001), 'the extension');
  });

  it('mode 0 at an offset past the end: size offset + len, zeros between', async () => {
    const { p, fd } = patternFile(16);
    await ring.fallocate(fd, 100_000, 7);
    const got = fs.readFileSync(p);
    expect(got.length).toBe(100_007);
    expectBytes(got.subarray(0, 16), pattern(16));
    expectBytes(got.subarray(16), Buffer.alloc(100_007 - 16));
  });

  it('KEEP_SIZE (1) leaves size and bytes as they were', async () => {
    const { p, fd } = patternFile(5000);
    await ring.fallocate(fd, 0, 1 << 20, KEEP_SIZE);
    await ring.fallocate(fd, 4000, 100_000, KEEP_SIZE);
    expect(fs.statSync(p).size).toBe(5000);
    expectBytes(fs.readFileSync(p), pattern(5000));
  });

  it('PUNCH_HOLE | KEEP_SIZE (3) zeros exactly the range, keeps the size', async () => {
    const { p, fd } = patternFile(3 * 65536 + 100);
    const from = 1001;
    const len = 2 * 65536 + 7; // unaligned at both ends
    await ring.fallocate(fd, from, len, PUNCH_HOLE | KEEP_SIZE);
    const got = fs.readFileSync(p);
    const want = pattern(3 * 65536 + 100);
    want.fill(0, from, from + len);
    expect(got.length).toBe(want.length);
    expectBytes(got, want, 'after the punch');
  });

  it('PUNCH_HOLE | KEEP_SIZE past the end: zeros to the end, size kept', async () => {
    const { p, fd } = patternFile(4096);
    await ring.fallocate(fd, 4000, 10_000, PUNCH_HOLE | KEEP_SIZE);
    const want = pattern(4096);
    want.fill(0, 4000);
    expectBytes(fs.readFileSync(p), want);
  });

  it("works on an 'a' fd", async () => {
    const { p, fd } = patternFile(8, 'a');
    await ring.fallocate(fd, 0, 64);
    expect(fs.statSync(p).size).toBe(64);
  });

  // Found by the differential fuzzer: on node:fs the emulation zeroed the range
  // with pwrite, which an O_APPEND fd turns into appends (the file grew by the
  // range's length instead of having it zeroed).
  for (const flags of ['a', 'a+']) {
    it(`PUNCH_HOLE | KEEP_SIZE and ZERO_RANGE on an '${flags}' fd zero the range in place`, async () => {
      const { p, fd } = patternFile(10000, flags);
      await ring.fallocate(fd, 1000, 2000, PUNCH_HOLE | KEEP_SIZE);
      await ring.fallocate(fd, 5000, 1000, 0x10);
      const want = pattern(10000);
      want.fill(0, 1000, 3000);
      want.fill(0, 5000, 6000);
      expectBytes(fs.readFileSync(p), want);
    });
  }
});

describe('fallocate: errors (as fallocate(2) gives them, shaped as node:fs errors)', () => {
  // On node:fs the emulation (src/fallback.ts) must still fail as fallocate(2):
  // EBADF for an fd not open for writing, errors named fallocate.
  const itFs = it;

  itFs('EBADF on a closed fd and a never-open fd', async () => {
    const fd = closedFd('/dev/null');
    expectSameError(await rejectionOf(() => ring.fallocate(fd, 0, 4096)), systemError('EBADF', 'fallocate'));
    expectSameError(await rejectionOf(() => ring.fallocate(NEVER_OPEN_FD, 0, 4096, KEEP_SIZE)), systemError('EBADF', 'fallocate'));
  });

  itFs('EBADF on an O_RDONLY fd, for every mode (file unchanged)', async () => {
    const { p, fd } = patternFile(100, 'r');
    for (const mode of [0, KEEP_SIZE, PUNCH_HOLE | KEEP_SIZE]) {
      expectSameError(await rejectionOf(() => ring.fallocate(fd, 0, 4096, mode)), systemError('EBADF', 'fallocate'));
    }
    expectBytes(fs.readFileSync(p), pattern(100));
  });

  it('EINVAL for len 0', async () => {
    const { fd } = patternFile(100);
    expectSameError(await rejectionOf(() => ring.fallocate(fd, 0, 0)), systemError('EINVAL', 'fallocate'));
  });

  it('EOPNOTSUPP for PUNCH_HOLE without KEEP_SIZE (file unchanged)', async () => {
    const { p, fd } = patternFile(100);
    expectSameError(await rejectionOf(() => ring.fallocate(fd, 0, 50, PUNCH_HOLE)), systemError('EOPNOTSUPP', 'fallocate'));
    expectBytes(fs.readFileSync(p), pattern(100));
  });

  // Found by the differential fuzzer: the node:fs emulation checked len and mode
  // before the fd, where fallocate(2) looks the fd up first (then EINVAL, then
  // EOPNOTSUPP, then EBADF for an fd not open for writing).
  itFs('EBADF before EINVAL and EOPNOTSUPP on a never-open fd; EINVAL before EBADF on a read-only one', async () => {
    expectSameError(await rejectionOf(() => ring.fallocate(NEVER_OPEN_FD, 0, 0)), systemError('EBADF', 'fallocate'));
    expectSameError(await rejectionOf(() => ring.fallocate(NEVER_OPEN_FD, 0, 10, PUNCH_HOLE)), systemError('EBADF', 'fallocate'));
    const { fd } = patternFile(100, 'r');
    expectSameError(await rejectionOf(() => ring.fallocate(fd, 0, 0)), systemError('EINVAL', 'fallocate'));
    expectSameError(await rejectionOf(() => ring.fallocate(fd, 0, 10, PUNCH_HOLE)), systemError('EOPNOTSUPP', 'fallocate'));
  });

  it('ENODEV on /dev/null', async () => {
    const fd = fx.openSync('/dev/null', 'w');
    expectSameError(await rejectionOf(() => ring.fallocate(fd, 0, 10)), systemError('ENODEV', 'fallocate'));
  });

  itFs('EFBIG past the largest file size', async () => {
    const { fd } = patternFile(0);
    expectSameError(await rejectionOf(() => ring.fallocate(fd, Number.MAX_SAFE_INTEGER - 10, 5)), systemError('EFBIG', 'fallocate'));
  });
});

describe('fallocate: argument validation', () => {
  for (const fd of BAD_FDS) {
    it(`fd ${show(fd)}`, async () => {
      // node:fs has no fallocate: the fd is checked as fs.read checks its own.
      const err = await expectSameFailure(() => ring.fallocate(fd as number, 0, 1), () => fs.read(fd as number, Buffer.alloc(1), 0, 1, 0, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  // node's validateInteger(value, name, 0) / validateInt32(mode, 'mode', 0) wording.
  const cases: [string, unknown, unknown, unknown, string, string][] = [
    ['offset -1', -1, 1, 0, 'ERR_OUT_OF_RANGE', 'The value of "offset" is out of range. It must be >= 0 && <= 9007199254740991. Received -1'],
    ['offset 1.5', 1.5, 1, 0, 'ERR_OUT_OF_RANGE', 'The value of "offset" is out of range. It must be an integer. Received 1.5'],
    ["offset '0'", '0', 1, 0, 'ERR_INVALID_ARG_TYPE', `The "offset" argument must be of type number. Received type string ('0')`],
    ['offset 2 ** 53', 2 ** 53, 1, 0, 'ERR_OUT_OF_RANGE', 'The value of "offset" is out of range. It must be >= 0 && <= 9007199254740991. Received 9_007_199_254_740_992'],
    ['len -1', 0, -1, 0, 'ERR_OUT_OF_RANGE', 'The value of "len" is out of range. It must be >= 0 && <= 9007199254740991. Received -1'],
    ['len undefined', 0, undefined, 0, 'ERR_INVALID_ARG_TYPE', 'The "len" argument must be of type number. Received undefined'],
    ['len 1n', 0, 1n, 0, 'ERR_INVALID_ARG_TYPE', 'The "len" argument must be of type number. Received type bigint (1n)'],
    ['mode -1', 0, 1, -1, 'ERR_OUT_OF_RANGE', 'The value of "mode" is out of range. It must be >= 0 && <= 2147483647. Received -1'],
    ["mode 'x'", 0, 1, 'x', 'ERR_INVALID_ARG_TYPE', `The "mode" argument must be of type number. Received type string ('x')`],
    ['mode 0.5', 0, 1, 0.5, 'ERR_OUT_OF_RANGE', 'The value of "mode" is out of range. It must be an integer. Received 0.5'],
  ];
  for (const [label, offset, len, mode, code, message] of cases) {
    it(label, async () => {
      const fd = fx.openSync('/dev/null', 'w');
      const err = await rejectionOf(() => ring.fallocate(fd, offset as number, len as number, mode as number));
      expect({ code: err.code, message: err.message, ctor: err.constructor }).toStrictEqual({
        code,
        message,
        ctor: code === 'ERR_OUT_OF_RANGE' ? RangeError : TypeError,
      });
    });
  }
});
