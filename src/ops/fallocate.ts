import { viaFs } from '../fallback';
import { validateFd, validateInt32, validateInteger } from '../validate';
import type { Stager } from '../stage';
import { Op } from './op';

/**
 * fallocate(fd, offset, len, mode): reserve (mode 0), or with FALLOC_FL_* flags
 * keep the size, punch holes, zero ranges. node:fs has no equivalent; the fs
 * backend emulates the modes whose visible effect it can produce.
 */
export class FallocateOp extends Op<void> {
  readonly native = 'fallocate';
  readonly syscall = 'fallocate';

  constructor(
    override readonly fd: number,
    readonly offset: number,
    readonly len: number,
    readonly mode: number,
  ) {
    super();
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
    s.int(1, this.mode);
    s.offset(0, this.offset);
    s.offset(1, this.len);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return viaFs.fallocate(this.fd, this.offset, this.len, this.mode);
  }
}

export function fallocate(fd: unknown, offset: unknown, len: unknown, mode: unknown = 0): FallocateOp {
  const validFd = validateFd(fd);
  validateInteger(offset, 'offset', 0);
  validateInteger(len, 'len', 0);
  validateInt32(mode, 'mode', 0);
  return new FallocateOp(validFd, offset, len, mode);
}
