import type { IoOptions } from '../abort';
import type { Ring } from '../ring';
import type { Stager } from '../stage';
import { defineOp, run } from './define';
import { Op } from './op';

/** A no-op through the ring: the cost of one round trip between JS and the kernel. */
export class NopOp extends Op<void> {
  readonly native = 'nop';
  readonly syscall = 'nop';

  override get breaksLink(): boolean {
    return true;
  }

  stage(_s: Stager): void {}

  complete(): void {}

  viaFs(): Promise<void> {
    return Promise.resolve();
  }
}

export const def = defineOp({
  native: 'nop',
  methods: {
    /** A no-op through the ring. */
    nop(this: Ring, options?: IoOptions): Promise<void> {
      return run(this, () => new NopOp(), options);
    },
  },
  batch: {
    nop: (_e: object) => new NopOp(),
  },
});
