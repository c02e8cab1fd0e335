import type { NativeRing } from '../binding';
import { viaFs } from '../fallback';
import { normalizePosition, validateBufferView, validateFd } from '../validate';
import { AGAIN, Again, MAX_RW, Op, STAGE_WRITE } from './op';
import { advance, withBytesWritten } from './progress';

/**
 * write(fd, view, position): all of the view. A short write (a full disk, a
 * signal, a pipe) is continued from where it stopped; the promise resolves with
 * the total, or rejects with the error and `bytesWritten` set to what did land.
 */
export class WriteOp extends Op<number> {
  readonly native = 'write';
  readonly syscall = 'write';

  override get breaksLink(): boolean {
    return true;
  }
  done = 0;

  constructor(
    readonly fd: number,
    readonly view: ArrayBufferView,
    public position: number | bigint,
  ) {
    super();
  }

  override get stageKind(): number {
    return this.done === 0 && typeof this.position === 'number' ? STAGE_WRITE : -1;
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    const { view, done } = this;
    // The first attempt writes the whole view (clamped natively to MAX_RW, the
    // common case in five arguments); continuations name their window.
    if (done === 0) return ring.write(tag, gen, this.fd, view, this.position);
    return ring.write(tag, gen, this.fd, view, this.position, done, Math.min(view.byteLength - done, MAX_RW));
  }

  override get needsContinuation(): boolean {
    return this.view.byteLength - this.done > MAX_RW;
  }

  complete(res: number): number | Again {
    this.done += res;
    if (res === 0 || this.done >= this.view.byteLength) return this.done;
    this.position = advance(this.position, res);
    return AGAIN;
  }

  override error(res: number): Error {
    return withBytesWritten(super.error(res), this.done);
  }

  viaFs(): Promise<number> {
    return viaFs.write(this.fd, this.view, this.position);
  }
}

export function write(fd: unknown, view: unknown, position: unknown): WriteOp {
  const validFd = validateFd(fd);
  validateBufferView(view, 'buffer');
  return new WriteOp(validFd, view, normalizePosition(position, view.byteLength));
}
