// Beyond 2 GiB in one call, both backends agree: a write of more than
// 2^31 - 1 bytes and a writev totalling more than 2 GiB are written whole and
// resolve with the true total. (One write(2) moves at most MAX_RW_COUNT,
// 0x7ffff000 bytes; node:fs refuses a write length over 2^31 - 1 and reports a
// writev total past 2^31 - 1 as a negative number, so the fs backend writes in
// pieces, as the ring continues short writes.)

import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { opFixture } from './support/op-fixture';

const fx = opFixture('large');
const { ring } = fx;
// tmpfs where there is one: gigabytes of disk writeback would time the disk, not the code.
const shm = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/uring-fs-large-') : null;
const file = (name: string): string => (shm ? path.join(shm, name) : fx.path(name));
afterAll(() => {
  if (shm) fs.rmSync(shm, { recursive: true, force: true });
});

const SIZE = 2 ** 31 + 3 * 65536 + 12345; // past 2 GiB and past two MAX_RW_COUNT pieces' boundary
const MAX_RW = 0x7ffff000;
// A repeating pattern of prime length: a piece written at the wrong offset
// (off by a page, by MAX_RW_COUNT, ...) shows as a mismatch.
const PERIOD = 65521;
let data: Buffer | undefined = Buffer.allocUnsafe(SIZE);
{
  const period = Buffer.alloc(PERIOD);
  for (let i = 0; i < PERIOD; i++) period[i] = (i * 7 + (i >> 8)) & 0xff;
  data.fill(period);
}
afterAll(() => {
  data = undefined;
});

function checkFile(p: string, view: Buffer): void {
  expect(fs.statSync(p).size).toBe(view.length);
  const fd = fs.openSync(p, 'r');
  try {
    for (const at of [0, MAX_RW - 65536, MAX_RW, 2 ** 31 - 65536, 2 ** 31, view.length - 65536]) {
      const got = Buffer.alloc(65536);
      const n = fs.readSync(fd, got, 0, got.length, at);
      expect(got.subarray(0, n).equals(view.subarray(at, at + n)), `bytes at ${at}`).toBe(true);
    }
  } finally {
    fs.closeSync(fd);
  }
}

describe(`one call of ${SIZE} bytes`, () => {
  it('write at a position', async () => {
    const p = file('write');
    const fd = fx.openSync(p, 'w');
    expect(await ring.write(fd, data as Buffer, 0)).toBe(SIZE);
    checkFile(p, data as Buffer);
    fs.rmSync(p);
  });

  it('writev of two views at the current position', async () => {
    const p = file('writev');
    const fd = fx.openSync(p, 'w');
    const d = data as Buffer;
    const cut = 1.25 * 2 ** 30;
    expect(await ring.writev(fd, [d.subarray(0, cut), d.subarray(cut)], null)).toBe(SIZE);
    checkFile(p, d);
    // The position is after everything written.
    expect(fs.writeSync(fd, Buffer.from('!'), 0, 1, null)).toBe(1);
    expect(fs.statSync(p).size).toBe(SIZE + 1);
    fs.rmSync(p);
  });
});
