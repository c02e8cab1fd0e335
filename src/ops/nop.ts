import type { NativeRing } from '../binding';
import { Op } from './op';

/** A no-op through the ring: the cost of one round trip between JS and the kernel. */
export class NopOp extends Op<void> {
  readonly native = 'nop';
  readonly syscall = 'nop';

  submit(ring: NativeRing, slot: number, gen: number): number {
    return ring.nop(slot, gen, this.flags);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return Promise.resolve();
  }
}

export function nop(): NopOp {
  return new NopOp();
}
