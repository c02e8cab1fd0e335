import type { NativeRing } from '../binding';
import { viaFs } from '../fallback';
import { validateFd, validateInteger } from '../validate';
import { Op } from './op';

/** ftruncate(fd, len). IORING_OP_FTRUNCATE needs Linux 6.9; older kernels use node:fs. */
export class FtruncateOp extends Op<void> {
  readonly native = 'ftruncate';
  readonly syscall = 'ftruncate';

  constructor(
    readonly fd: number,
    readonly len: number,
  ) {
    super();
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    return ring.ftruncate(tag, gen, this.fd, this.len);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return viaFs.ftruncate(this.fd, this.len);
  }
}

/** As node:fs: `len` an integer, negative lengths truncate to 0. */
export function ftruncate(fd: unknown, len: unknown = 0): FtruncateOp {
  const validFd = validateFd(fd);
  validateInteger(len, 'len');
  return new FtruncateOp(validFd, Math.max(0, len));
}
