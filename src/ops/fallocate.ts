import type { NativeRing } from '../binding';
import { viaFs } from '../fallback';
import { validateFd, validateInt32, validateInteger } from '../validate';
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
    readonly fd: number,
    readonly offset: number,
    readonly len: number,
    readonly mode: number,
  ) {
    super();
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    return ring.fallocate(tag, gen, this.fd, this.offset, this.len, this.mode);
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
