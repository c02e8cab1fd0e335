import { viaFs } from '../fallback';
import { validateFd } from '../validate';
import type { Stager } from '../stage';
import { Op } from './op';

/** close(fd). */
export class CloseOp extends Op<void> {
  readonly native = 'close';
  readonly syscall = 'close';

  constructor(override readonly fd: number) {
    super();
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return viaFs.close(this.fd);
  }
}

export function close(fd: unknown): CloseOp {
  return new CloseOp(validateFd(fd));
}
