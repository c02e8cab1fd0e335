import { viaFs } from '../fallback';
import type { Stager } from '../stage';
import { normalizePosition, validateBufferView, validateFd } from '../validate';
import { AGAIN, Again, MAX_RW, Op } from './op';
import { ContinuedWrite } from './progress';

/**
 * write(fd, view, position): all of the view. A short write (a full disk, a
 * signal, a pipe) is continued from where it stopped; the promise resolves with
 * the total, or rejects with the error and `bytesWritten` set to what did land.
 */
export class WriteOp extends Op<number> {
  readonly native = 'write';
  readonly syscall = 'write';
  /** The view's byte length when the call was made: what is written. */
  readonly length: number;
  readonly progress: ContinuedWrite;

  override get breaksLink(): boolean {
    return true;
  }

  constructor(
    override readonly fd: number,
    readonly view: ArrayBufferView,
    position: number | bigint,
  ) {
    super();
    this.length = view.byteLength;
    this.progress = new ContinuedWrite(position);
    if (position === -1) this.curFd = fd;
  }

  stage(s: Stager): void {
    const { progress } = this;
    if (progress.done === 0 && this.curFd >= 0) progress.start = s.positionOf(this.fd, this.length);
    s.int(0, this.fd);
    s.obj(0, this.view);
    s.offset(0, progress.position);
    s.float(1, progress.done);
    s.float(2, Math.min(this.length - progress.done, MAX_RW));
  }

  override get needsContinuation(): boolean {
    return this.length - this.progress.done > MAX_RW;
  }

  complete(res: number): number | Again {
    const { progress } = this;
    progress.advance(res);
    if (res === 0 || progress.done >= this.length) return progress.done;
    return AGAIN;
  }

  override settle(res: number): boolean {
    const finished = super.settle(res);
    if (finished) this.progress.finish(this.fd);
    return finished;
  }

  override error(res: number): Error {
    return this.progress.withBytesWritten(super.error(res));
  }

  viaFs(): Promise<number> {
    return viaFs.write(this.fd, this.view, this.progress.position);
  }
}

export function write(fd: unknown, view: unknown, position: unknown): WriteOp {
  const validFd = validateFd(fd);
  validateBufferView(view, 'buffer');
  return new WriteOp(validFd, view, normalizePosition(position, view.byteLength));
}
