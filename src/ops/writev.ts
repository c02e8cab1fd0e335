import { viaFs } from '../fallback';
import type { Stager } from '../stage';
import { normalizePosition, validateFd } from '../validate';
import { AGAIN, Again, Op } from './op';
import { ContinuedWrite, remainingViews } from './progress';
import { IOV_MAX, ViewList, stageViews, validateViews, viewList } from './readv';

/** writev(fd, views, position): all of every view, short writes continued. */
export class WritevOp extends Op<number> {
  readonly native = 'writev';
  readonly syscall = 'write';
  readonly progress: ContinuedWrite;
  readonly total: number;
  /** What is left to write. */
  pending: ViewList;

  override get breaksLink(): boolean {
    return true;
  }

  constructor(
    override readonly fd: number,
    readonly views: ArrayBufferView[],
    position: number | bigint,
  ) {
    super();
    this.pending = viewList(views);
    this.total = this.pending.total;
    this.progress = new ContinuedWrite(position);
    if (position === -1) this.curFd = fd;
  }

  stage(s: Stager): void {
    const { progress } = this;
    if (progress.done === 0 && this.curFd >= 0) progress.start = s.positionOf(this.fd, this.total);
    stageViews(s, this.fd, this.pending, progress.position);
  }

  override get needsContinuation(): boolean {
    return this.pending.views.length > IOV_MAX;
  }

  complete(res: number): number | Again {
    const { progress } = this;
    progress.advance(res);
    if (res === 0 || progress.done >= this.total) return progress.done;
    this.pending = viewList(remainingViews(this.pending.views, this.pending.lengths, res));
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
    return viaFs.writev(this.fd, this.views, this.progress.position);
  }
}

export function writev(fd: unknown, views: unknown, position: unknown): WritevOp {
  const validFd = validateFd(fd);
  return new WritevOp(validFd, validateViews(views), normalizePosition(position));
}
