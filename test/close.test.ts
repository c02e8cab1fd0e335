// ring.close(fd) against fs.close.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';

import { opFixture, closedFd, NEVER_OPEN_FD } from './support/op-fixture';
import { writePatternFile } from './support/pattern';
import { expectSameFailure, nodeFd, show, BAD_FDS } from './support/parity';

const fx = opFixture('close');
const { ring } = fx;

function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EBADF') return false;
    throw err;
  }
}

describe('close: results', () => {
  it('closes an fd from ring.open and one from fs.openSync; resolves undefined', async () => {
    const p = fx.path();
    writePatternFile(p, 4);
    const a = await ring.open(p);
    const b = fs.openSync(p, 'r');
    expect(isOpen(a) && isOpen(b)).toBe(true);
    expect(await ring.close(a)).toBeUndefined();
    expect(isOpen(a)).toBe(false);
    expect(await ring.close(b)).toBeUndefined();
    expect(isOpen(b)).toBe(false);
  });

  it('closes a directory fd, /dev/null and a written file (data stays)', async () => {
    const d = fs.openSync(fx.dir, 'r');
    await ring.close(d);
    expect(isOpen(d)).toBe(false);
    const n = fs.openSync('/dev/null', 'w');
    await ring.close(n);
    expect(isOpen(n)).toBe(false);
    const p = fx.path();
    const w = await ring.open(p, 'w');
    await ring.write(w, Buffer.from('kept'), 0);
    await ring.close(w);
    expect(fs.readFileSync(p, 'utf8')).toBe('kept');
  });

  it('many fds closed at once', async () => {
    const fds = Array.from({ length: 200 }, () => fs.openSync('/dev/null', 'r'));
    await Promise.all(fds.map((fd) => ring.close(fd)));
    for (const fd of fds) expect(isOpen(fd)).toBe(false);
  });
});

describe('close: errors as fs.close gives them', () => {
  it('EBADF closing twice', async () => {
    const fd = await ring.open('/dev/null');
    await ring.close(fd);
    const err = await expectSameFailure(() => ring.close(fd), () => nodeFd.close(fd));
    expect(err.code).toBe('EBADF');
    expect(err.syscall).toBe('close');
  });

  it('EBADF on an fd that was never open', async () => {
    await expectSameFailure(() => ring.close(NEVER_OPEN_FD), () => nodeFd.close(NEVER_OPEN_FD));
  });
});

describe('close: argument validation as fs.close does it', () => {
  // fs.close checks its fd in C++, worded unlike fs.read's check: a bigint shows as
  // `(3)`, not `(3n)`. Every one of these fails that check, so nothing is closed.
  for (const fd of BAD_FDS) {
    it(`fd ${show(fd)}`, async () => {
      const err = await expectSameFailure(() => ring.close(fd as number), () => fs.close(fd as number, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }
});
