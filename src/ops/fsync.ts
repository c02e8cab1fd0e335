import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { callVoid } from '../fallback';
import type { Ring } from '../ring';
import type { Stager } from '../stage';
import { validateNativeFd } from '../validate';
import { defineOp, run } from './define';
import { Op } from './op';

/** fsync(fd) or, with datasync, fdatasync(fd). */
export class FsyncOp extends Op<void> {
  override get retriesEintr(): boolean {
    return true;
  }

  readonly native = 'fsync';
  readonly syscall: string;

  constructor(
    override readonly fd: number,
    readonly datasync: boolean,
  ) {
    super();
    this.syscall = datasync ? 'fdatasync' : 'fsync';
  }

  override get takesFixedFile(): boolean {
    return true;
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
    s.int(1, this.datasync ? 1 : 0);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return callVoid((cb) => (this.datasync ? fs.fdatasync(this.fd, cb) : fs.fsync(this.fd, cb)));
  }
}

export function fsync(fd: unknown, datasync: boolean): FsyncOp {
  return new FsyncOp(validateNativeFd(fd), datasync);
}

export const def = defineOp({
  native: 'fsync',
  methods: {
    fsync(this: Ring, fd: number, options?: IoOptions): Promise<void> {
      return run(this, () => fsync(fd, false), options);
    },
    fdatasync(this: Ring, fd: number, options?: IoOptions): Promise<void> {
      return run(this, () => fsync(fd, true), options);
    },
  },
  batch: {
    fsync: (e: { fd: number }) => fsync(e.fd, false),
    fdatasync: (e: { fd: number }) => fsync(e.fd, true),
  },
});
