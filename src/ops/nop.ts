import type { NativeRing } from '../binding';
import { Op, STAGE_NOP } from './op';

/** A no-op through the ring: the cost of one round trip between JS and the kernel. */
export class NopOp extends Op<void> {
  readonly native = 'nop';
  readonly syscall = 'nop';

  override get breaksLink(): boolean {
    return true;
  }

  override get stageKind(): number {
    return STAGE_NOP;
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    return ring.nop(tag, gen);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return Promise.resolve();
  }
}

export function nop(): NopOp {
  return new NopOp();
}
