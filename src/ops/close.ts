import type { NativeRing } from '../binding';
import { viaFs } from '../fallback';
import { validateFd } from '../validate';
import { Op } from './op';

/** close(fd). */
export class CloseOp extends Op<void> {
  readonly native = 'close';
  readonly syscall = 'close';

  constructor(readonly fd: number) {
    super();
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    return ring.close(tag, gen, this.fd);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return viaFs.close(this.fd);
  }
}

export function close(fd: unknown): CloseOp {
  return new CloseOp(validateFd(fd));
}
