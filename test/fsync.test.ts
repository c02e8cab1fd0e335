// ring.fsync(fd) and ring.fdatasync(fd) against fs.fsync / fs.fdatasync.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

import { opFixture, closedFd, NEVER_OPEN_FD } from './support/op-fixture';
import { pattern, expectBytes } from './support/pattern';
import { expectSameFailure, nodeFd, show, BAD_FDS } from './support/parity';

const fx = opFixture('fsync');
const { ring } = fx;

for (const method of ['fsync', 'fdatasync'] as const) {
  const ours = (fd: number): Promise<void> => ring[method](fd);
  const theirs = (fd: number): Promise<void> => nodeFd[method](fd);

  describe(`${method}: results`, () => {
    it('resolves undefined after writes; the data is there', async () => {
      const p = fx.path();
      const fd = fx.openSync(p, 'w');
      await ring.write(fd, pattern(100_000), 0);
      expect(await ours(fd)).toBeUndefined();
      expectBytes(fs.readFileSync(p), pattern(100_000));
    });

    it('works on an O_RDONLY fd and a directory fd, as node:fs does', async () => {
      const p = fx.path();
      fs.writeFileSync(p, 'x');
      const r = fx.openSync(p, 'r');
      expect(await ours(r)).toBeUndefined();
      await theirs(r);
      const d = fx.openSync(fx.dir);
      expect(await ours(d)).toBeUndefined();
      await theirs(d);
    });

    it('many at once on the same fd and on different fds', async () => {
      const fds = Array.from({ length: 20 }, () => fx.openSync(fx.path(), 'w'));
      await Promise.all(fds.map((fd) => ring.write(fd, Buffer.from('data'), 0)));
      const done = await Promise.all([...fds.map(ours), ...fds.map(ours)]);
      expect(done).toEqual(new Array(40).fill(undefined));
    });
  });

  describe(`${method}: errors as fs.${method} gives them`, () => {
    it('EBADF on a closed fd and a never-open fd', async () => {
      const fd = closedFd('/dev/null');
      const err = await expectSameFailure(() => ours(fd), () => theirs(fd));
      expect(err.code).toBe('EBADF');
      expect(err.syscall).toBe(method);
      await expectSameFailure(() => ours(NEVER_OPEN_FD), () => theirs(NEVER_OPEN_FD));
    });

    it('EINVAL on /dev/null and on a FIFO (no fsync there)', async () => {
      const n = fx.openSync('/dev/null', 'w');
      const err = await expectSameFailure(() => ours(n), () => theirs(n));
      expect(err.code).toBe('EINVAL');
      const fifo = fx.path();
      execFileSync('mkfifo', [fifo]);
      const f = fx.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      await expectSameFailure(() => ours(f), () => theirs(f));
    });
  });

  describe(`${method}: argument validation`, () => {
    for (const fd of BAD_FDS) {
      it(`fd ${show(fd)}`, async () => {
        // fs.fsync and fs.fdatasync check the fd in C++ (a bigint shows as `(3)`).
        const err = await expectSameFailure(() => ours(fd as number), () => theirs(fd as number));
        expect(err.code).toMatch(/^ERR_/);
      });
    }
  });
}
