import { viaFs } from '../fallback';
import { validateFd } from '../validate';
import type { Stager } from '../stage';
import { Op } from './op';

/** fsync(fd) or, with datasync, fdatasync(fd). */
export class FsyncOp extends Op<void> {
  readonly native = 'fsync';
  readonly syscall: string;

  constructor(
    override readonly fd: number,
    readonly datasync: boolean,
  ) {
    super();
    this.syscall = datasync ? 'fdatasync' : 'fsync';
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
    s.int(1, this.datasync ? 1 : 0);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return viaFs.fsync(this.fd, this.datasync);
  }
}

export function fsync(fd: unknown, datasync: boolean): FsyncOp {
  return new FsyncOp(validateFd(fd), datasync);
}
