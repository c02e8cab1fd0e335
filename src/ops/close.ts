import * as fs from 'node:fs';

import { callVoid } from '../fallback';
import type { Ring } from '../ring';
import type { Stager } from '../stage';
import { validateFd } from '../validate';
import { defineOp, run } from './define';
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
    return callVoid((cb) => fs.close(this.fd, cb));
  }
}

export function close(fd: unknown): CloseOp {
  return new CloseOp(validateFd(fd));
}

export const def = defineOp({
  native: 'close',
  methods: {
    close(this: Ring, fd: number): Promise<void> {
      return run(this, () => close(fd));
    },
  },
  batch: {
    close: (e: { fd: number }) => close(e.fd),
  },
});
