// ring.write(fd, view, position) against fs.write on the same kind of files.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

import { opFixture, closedFd, runsOnRing, NEVER_OPEN_FD } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes, bytesOf } from './support/pattern';
import { expectSameFailure, nodeFd, show } from './support/parity';

const fx = opFixture('write');
const { ring } = fx;

describe('write: bytes and results', () => {
  it('writes at position 0 and at unaligned number and bigint positions', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w+');
    expect(await ring.write(fd, pattern(10000, 0), 0)).toBe(10000);
    expect(await ring.write(fd, pattern(777, 5003), 5003)).toBe(777);
    expect(await ring.write(fd, pattern(13, 9999), 9999n)).toBe(13);
    expectBytes(fs.readFileSync(p), pattern(10012));
  });

  it('a write past the end leaves a hole of zeros, as fs.write does', async () => {
    const ours = fx.path();
    const theirs = fx.path();
    const a = fx.openSync(ours, 'w');
    const b = fx.openSync(theirs, 'w');
    const data = pattern(100, 70000);
    expect(await ring.write(a, data, 70000)).toBe(await nodeFd.write(b, data, 70000));
    const got = fs.readFileSync(ours);
    expect(got.length).toBe(70100);
    expectBytes(got.subarray(0, 70000), Buffer.alloc(70000), 'the hole');
    expectBytes(got.subarray(70000), data);
    expectBytes(got, fs.readFileSync(theirs));
  });

  it('a write at a large bigint position lands there', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const at = 2n ** 33n + 3n; // past 4 GiB: a sparse file
    expect(await ring.write(fd, pattern(64, 8), at)).toBe(64);
    expect(fs.fstatSync(fd).size).toBe(Number(at) + 64);
    const back = Buffer.alloc(64);
    expect(fs.readSync(fx.openSync(p, 'r'), back, 0, 64, Number(at))).toBe(64);
    expectBytes(back, pattern(64, 8));
  });

  for (const [label, pos] of [
    ['undefined', undefined],
    ['null', null],
    ['-1', -1],
    ['-1n', -1n],
  ] as const) {
    it(`position ${label} writes sequentially at the file position, like fs.write`, async () => {
      const ours = fx.path();
      const theirs = fx.path();
      const a = fx.openSync(ours, 'w');
      const b = fx.openSync(theirs, 'w');
      let at = 0;
      for (const len of [3, 4096, 1, 9999]) {
        const data = pattern(len, at);
        expect(await ring.write(a, data, pos)).toBe(len);
        expect(await nodeFd.write(b, data, null)).toBe(len);
        at += len;
      }
      // The file position is where the writes ended.
      expect(fs.writeSync(a, pattern(4, at), 0, 4, null)).toBe(4);
      expectBytes(fs.readFileSync(ours), pattern(at + 4));
      expectBytes(fs.readFileSync(ours).subarray(0, at), fs.readFileSync(theirs));
    });
  }

  it("a positioned write does not move the file position", async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    await ring.write(fd, pattern(8, 0), null);
    await ring.write(fd, Buffer.from('XXXX'), 100);
    await ring.write(fd, pattern(8, 8), null);
    const got = fs.readFileSync(p);
    expectBytes(got.subarray(0, 16), pattern(16));
  });

  it("writes with position null on an 'a' fd append in order", async () => {
    const ours = fx.path();
    const theirs = fx.path();
    writePatternFile(ours, 100);
    writePatternFile(theirs, 100);
    const a = fx.openSync(ours, 'a');
    const b = fx.openSync(theirs, 'a');
    let at = 100;
    for (const len of [4, 1, 5000, 3]) {
      const data = pattern(len, at);
      expect(await ring.write(a, data, null)).toBe(len);
      expect(await nodeFd.write(b, data, null)).toBe(len);
      at += len;
    }
    expectBytes(fs.readFileSync(ours), pattern(at));
    expectBytes(fs.readFileSync(ours), fs.readFileSync(theirs));
  });

  it("an explicit position on an 'a' fd still appends, as with fs.write (O_APPEND)", async () => {
    const ours = fx.path();
    const theirs = fx.path();
    writePatternFile(ours, 40);
    writePatternFile(theirs, 40);
    const a = fx.openSync(ours, 'a');
    const b = fx.openSync(theirs, 'a');
    expect(await ring.write(a, pattern(8, 40), 0)).toBe(8);
    expect(await nodeFd.write(b, pattern(8, 40), 0)).toBe(8);
    expectBytes(fs.readFileSync(ours), fs.readFileSync(theirs));
    expectBytes(fs.readFileSync(ours), pattern(48));
  });

  it('a zero-length write resolves 0 and changes nothing', async () => {
    const p = fx.path();
    writePatternFile(p, 16);
    const fd = fx.openSync(p, 'r+');
    const before = fs.fstatSync(fd);
    expect(await ring.write(fd, Buffer.alloc(0), 0)).toBe(0);
    expect(await ring.write(fd, Buffer.alloc(0), 1000)).toBe(0);
    expect(await ring.write(fd, new Uint8Array(new ArrayBuffer(8), 8, 0), null)).toBe(0);
    expect(await nodeFd.write(fd, Buffer.alloc(0), 1000)).toBe(0);
    expect(fs.fstatSync(fd).size).toBe(before.size);
    expectBytes(fs.readFileSync(p), pattern(16));
  });

  it('a zero-length write on a bad fd fails as fs.write does', async () => {
    await expectSameFailure(() => ring.write(NEVER_OPEN_FD, Buffer.alloc(0), 0), () => nodeFd.write(NEVER_OPEN_FD, Buffer.alloc(0), 0));
  });

  it('writes from a DataView, a Uint32Array, a Float64Array and windows: exactly the window', async () => {
    const cases: [string, ArrayBufferView][] = [
      ['DataView', new DataView(pattern(64).buffer, 12, 40)],
      ['Uint32Array', new Uint32Array(pattern(64).buffer, 8, 10)],
      ['Float64Array', new Float64Array(pattern(80).buffer, 16, 6)],
      ['Buffer subarray', pattern(100).subarray(17, 60)],
      ['Uint16Array subarray', new Uint16Array(pattern(100).buffer).subarray(3, 40)],
      ['Int8Array', new Int8Array(pattern(33).buffer, 1, 31)],
    ];
    for (const [label, view] of cases) {
      const p = fx.path();
      const fd = fx.openSync(p, 'w');
      expect(await ring.write(fd, view, 5)).toBe(view.byteLength);
      const got = fs.readFileSync(p);
      expect(got.length, label).toBe(5 + view.byteLength);
      expectBytes(got.subarray(0, 5), Buffer.alloc(5), `${label}: the hole before`);
      expectBytes(got.subarray(5), bytesOf(view), `${label}: the window`);
    }
  });

  it('writes a 64 MiB buffer in one call, every byte in place', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const size = 64 << 20;
    const data = pattern(size);
    expect(await ring.write(fd, data, 0)).toBe(size);
    expect(fs.fstatSync(fd).size).toBe(size);
    expectBytes(fs.readFileSync(p), data, '64 MiB file');
  });

  it('many concurrent writes at different positions each land at their own', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const n = 700;
    const counts = await Promise.all(Array.from({ length: n }, (_, i) => ring.write(fd, pattern(100, i * 100), i * 100)));
    counts.forEach((c) => expect(c).toBe(100));
    expectBytes(fs.readFileSync(p), pattern(n * 100));
  });

  it('from a view whose buffer was detached: 0 bytes written, as fs.write', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const ab = new ArrayBuffer(16);
    const view = new Uint8Array(ab);
    structuredClone(ab, { transfer: [ab] });
    expect(await nodeFd.write(fd, view, 0)).toBe(0);
    expect(await ring.write(fd, view, 0)).toBe(0);
    expect(fs.statSync(p).size).toBe(0);
  });

  it('from a SharedArrayBuffer-backed view', async () => {
    const p = fx.path();
    const fd = fx.openSync(p, 'w');
    const view = new Uint8Array(new SharedArrayBuffer(40), 8, 24);
    view.set(pattern(24, 0));
    expect(await ring.write(fd, view, 0)).toBe(24);
    expectBytes(fs.readFileSync(p), pattern(24));
  });

  it('position -0 is position 0', async () => {
    const p = fx.path();
    writePatternFile(p, 8);
    const fd = fx.openSync(p, 'r+');
    expect(await ring.write(fd, Buffer.from('ZZ'), -0)).toBe(2);
    expect(fs.readFileSync(p).subarray(0, 2).toString()).toBe('ZZ');
  });

  it('writes to /dev/null', async () => {
    const fd = fx.openSync('/dev/null', 'w');
    expect(await ring.write(fd, pattern(4096), null)).toBe(4096);
  });
});

describe('write: errors as fs.write gives them', () => {
  it('EBADF on a closed fd', async () => {
    const fd = closedFd('/dev/null');
    const err = await expectSameFailure(() => ring.write(fd, Buffer.alloc(8), 0), () => nodeFd.write(fd, Buffer.alloc(8), 0));
    expect(err.code).toBe('EBADF');
  });

  it('EBADF on an O_RDONLY fd, at a position and at the file position', async () => {
    const p = fx.path();
    writePatternFile(p, 8);
    const fd = fx.openSync(p, 'r');
    await expectSameFailure(() => ring.write(fd, Buffer.alloc(8), 0), () => nodeFd.write(fd, Buffer.alloc(8), 0));
    await expectSameFailure(() => ring.write(fd, Buffer.alloc(8)), () => nodeFd.write(fd, Buffer.alloc(8), null));
    expectBytes(fs.readFileSync(p), pattern(8));
  });

  it('EBADF on a directory fd', async () => {
    const fd = fx.openSync(fx.dir);
    await expectSameFailure(() => ring.write(fd, Buffer.alloc(8), 0), () => nodeFd.write(fd, Buffer.alloc(8), 0));
  });

  it('EFBIG writing past the largest file size', async () => {
    const fd = fx.openSync(fx.path(), 'w');
    const at = Number.MAX_SAFE_INTEGER - 4;
    await expectSameFailure(() => ring.write(fd, Buffer.alloc(8), at), () => nodeFd.write(fd, Buffer.alloc(8), at));
  });

  // Documented difference (docs/api.md, Positions): IORING_OP_WRITE ignores the offset
  // on a stream (FMODE_STREAM) file and writes into the pipe; pwrite(2), and so
  // fs.write, fails with ESPIPE.
  it('ESPIPE writing a pipe at a position', async () => {
    const fifo = fx.path();
    execFileSync('mkfifo', [fifo]);
    const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const w = fs.openSync(fifo, 'w');
    try {
      if (runsOnRing(ring, 'write')) {
        // io_uring ignores the position on a pipe.
        expect(await ring.write(w, Buffer.from('abc'), 0)).toBe(3);
        return;
      }
      await expectSameFailure(() => ring.write(w, Buffer.from('abc'), 0), () => nodeFd.write(w, Buffer.from('abc'), 0));
    } finally {
      fs.closeSync(r);
      fs.closeSync(w);
    }
  });
});

describe('write: argument validation', () => {
  const buf = Buffer.alloc(4);

  for (const fd of ['x', -1, 1.5, 2 ** 31, NaN, null, undefined, {}]) {
    it(`fd ${show(fd)} as fs.write`, async () => {
      const err = await expectSameFailure(() => ring.write(fd as number, buf, 0), () =>
        fs.write(fd as number, buf, 0, 4, 0, () => {}),
      );
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  // A buffer that is not a view fails as fs.write's check fails it (its message names
  // strings too, which fs.write writes).
  for (const [label, view] of [
    ['an ArrayBuffer', new ArrayBuffer(4)],
    ['an array', [1, 2, 3, 4]],
    ['undefined', undefined],
    ['a number', 5],
    ['an object', {}],
  ] as const) {
    it(`buffer ${label} as fs.write checks it`, async () => {
      const fd = fx.openSync('/dev/null', 'w');
      const err = await expectSameFailure(() => ring.write(fd, view as unknown as Buffer, 0), () =>
        fs.write(fd, view as unknown as Buffer, 0, 4, 0, () => {}),
      );
      expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
      expect(err.message).toMatch(/^The "buffer" argument must be of type string or an instance of Buffer/);
    });
  }

  // Ring.write takes views only: a string, which fs.write would write, fails as
  // fs.read's buffer check fails it (documented in docs/api.md).
  it('buffer a string as fs.read checks it', async () => {
    const fd = fx.openSync('/dev/null', 'w');
    const err = await expectSameFailure(() => ring.write(fd, 'abcd' as unknown as Buffer, 0), () =>
      fs.read(fd, 'abcd' as unknown as Buffer, 0, 4, 0, () => {}),
    );
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
  });

  // fs.write turns any non-number position into "the file position" (and truncates
  // 1.5 to 1); the ring validates write positions as fs.read validates read ones.
  for (const pos of [1.5, -2, '0', 2n ** 63n, 2n ** 64n, 2 ** 53, NaN, {}]) {
    it(`position ${typeof pos === 'bigint' ? `${pos}n` : typeof pos === 'string' ? `'${pos}'` : String(pos)} as fs.read checks it`, async () => {
      const fd = fx.openSync('/dev/null', 'r+');
      const err = await expectSameFailure(() => ring.write(fd, buf, pos as number), () =>
        fs.read(fd, buf, 0, 4, pos as number, () => {}),
      );
      expect(err.code).toMatch(/^ERR_/);
    });
  }
});

// Found by the differential fuzzer: node:fs takes a bigint position past 2^63-1
// for a zero-length write (libuv gets it as a negative int64: the current
// position) and writes nothing; the ring sent it to the kernel (EINVAL).
describe('a zero-length write at a bigint position past 2^63-1', () => {
  it('resolves 0 as node:fs does, and leaves the file alone', async () => {
    const p = fx.path();
    fs.writeFileSync(p, 'abc');
    const fd = fx.openSync(p, 'a+');
    const node = fs.writeSync(fd, Buffer.alloc(16), 8, 0, 2n ** 63n as unknown as number);
    expect(await ring.write(fd, new Uint8Array(16).subarray(8, 8), 2n ** 63n)).toBe(node);
    expect(fs.readFileSync(p, 'latin1')).toBe('abc');
  });
});
