import type { NativeRing } from '../binding';
import { viaFs } from '../fallback';
import { normalizePosition, validateFd } from '../validate';
import { AGAIN, Again, Op } from './op';
import { advance, remainingViews, withBytesWritten } from './progress';
import { IOV_MAX, validateViews } from './readv';

/** writev(fd, views, position): all of every view, short writes continued. */
export class WritevOp extends Op<number> {
  readonly native = 'writev';
  readonly syscall = 'write';

  override get breaksLink(): boolean {
    return true;
  }
  done = 0;
  readonly total: number;
  pending: ArrayBufferView[];

  constructor(
    readonly fd: number,
    readonly views: ArrayBufferView[],
    public position: number | bigint,
  ) {
    super();
    this.total = views.reduce((n, v) => n + v.byteLength, 0);
    this.pending = views;
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    const views = this.pending.length > IOV_MAX ? this.pending.slice(0, IOV_MAX) : this.pending;
    return ring.writev(tag, gen, this.fd, views, this.position);
  }

  override get needsContinuation(): boolean {
    return this.pending.length > IOV_MAX;
  }

  complete(res: number): number | Again {
    this.done += res;
    if (res === 0 || this.done >= this.total) return this.done;
    this.position = advance(this.position, res);
    this.pending = remainingViews(this.pending, res);
    return AGAIN;
  }

  override error(res: number): Error {
    return withBytesWritten(super.error(res), this.done);
  }

  viaFs(): Promise<number> {
    return viaFs.writev(this.fd, this.views, this.position);
  }
}

export function writev(fd: unknown, views: unknown, position: unknown): WritevOp {
  const validFd = validateFd(fd);
  return new WritevOp(validFd, validateViews(views), normalizePosition(position));
}
