import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { callVoid } from '../fallback';
import type { Ring } from '../ring';
import type { Stager } from '../stage';
import { validateNativeFd } from '../validate';
import { defineOp, run } from './define';
import { Op } from './op';

/** close(fd). */
export class CloseOp extends Op<void> {
  readonly native = 'close';
  readonly syscall = 'close';

  constructor(override readonly fd: number) {
    super();
  }

  /** A fixed-file slot to empty instead of an fd, or -1. */
  directSlot = -1;

  /** Closing an fd (not a registered-file slot). */
  override get closesFd(): boolean {
    return this.directSlot < 0;
  }

  stage(s: Stager): void {
    if (this.directSlot >= 0) {
      s.int(0, this.directSlot);
      s.int(1, 1);
    } else {
      s.int(0, this.fd);
      s.int(1, 0);
    }
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return callVoid((cb) => fs.close(this.fd, cb));
  }
}

export function close(fd: unknown): CloseOp {
  return new CloseOp(validateNativeFd(fd));
}

export const def = defineOp({
  native: 'close',
  methods: {
    close(this: Ring, fd: number, options?: IoOptions): Promise<void> {
      return run(this, () => close(fd), options);
    },
  },
  batch: {
    close: (e: { fd: number }) => close(e.fd),
  },
});
