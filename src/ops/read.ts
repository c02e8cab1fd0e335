import type { NativeRing } from '../binding';
import { viaFs } from '../fallback';
import { normalizePosition, validateBufferView, validateFd } from '../validate';
import { MAX_RW, Op, STAGE_READ } from './op';

/** read(fd, view, position): up to view.byteLength bytes into the view. */
export class ReadOp extends Op<number> {
  readonly native = 'read';
  readonly syscall = 'read';

  override get breaksLink(): boolean {
    return true;
  }

  constructor(
    readonly fd: number,
    readonly view: ArrayBufferView,
    readonly position: number | bigint,
  ) {
    super();
  }

  override get stageKind(): number {
    return typeof this.position === 'number' ? STAGE_READ : -1;
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    // The native side reads the whole view, clamped to MAX_RW.
    return ring.read(tag, gen, this.fd, this.view, this.position);
  }

  complete(res: number): number {
    return res;
  }

  /** A read that returned less than asked for: the kernel breaks a linked chain there. */
  override isShort(value: unknown): boolean {
    return (value as number) < Math.min(this.view.byteLength, MAX_RW);
  }

  viaFs(): Promise<number> {
    return viaFs.read(this.fd, this.view, this.position);
  }
}

export function read(fd: unknown, view: unknown, position: unknown): ReadOp {
  const validFd = validateFd(fd);
  validateBufferView(view, 'buffer');
  return new ReadOp(validFd, view, normalizePosition(position, view.byteLength));
}
