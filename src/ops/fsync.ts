import type { NativeRing } from '../binding';
import { viaFs } from '../fallback';
import { validateFd } from '../validate';
import { Op } from './op';

/** fsync(fd) or, with datasync, fdatasync(fd). */
export class FsyncOp extends Op<void> {
  readonly native = 'fsync';
  readonly syscall: string;

  constructor(
    readonly fd: number,
    readonly datasync: boolean,
  ) {
    super();
    this.syscall = datasync ? 'fdatasync' : 'fsync';
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    return ring.fsync(tag, gen, this.fd, this.datasync ? 1 : 0);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return viaFs.fsync(this.fd, this.datasync);
  }
}

export function fsync(fd: unknown, datasync: boolean): FsyncOp {
  return new FsyncOp(validateFd(fd), datasync);
}
