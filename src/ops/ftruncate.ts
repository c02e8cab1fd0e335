import { viaFs } from '../fallback';
import { validateFd, validateInteger } from '../validate';
import type { Stager } from '../stage';
import { Op } from './op';

/** ftruncate(fd, len). IORING_OP_FTRUNCATE needs Linux 6.9; older kernels use node:fs. */
export class FtruncateOp extends Op<void> {
  readonly native = 'ftruncate';
  readonly syscall = 'ftruncate';

  constructor(
    override readonly fd: number,
    readonly len: number,
  ) {
    super();
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
    s.offset(0, this.len);
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
