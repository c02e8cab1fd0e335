import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { type View, call, pos } from '../fallback';
import type { Position, Ring } from '../ring';
import type { Stager } from '../stage';
import { normalizePosition, totalLength, validateFd, validateViews } from '../validate';
import { defineOp, run } from './define';
import { AGAIN, Again, MAX_RW, Op } from './op';
import { ContinuedWrite, remainingViews, withBytesWritten } from './progress';
import { IOV_MAX, ViewList, stageViews, viewList } from './readv';

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

  override get takesFixedFile(): boolean {
    return true;
  }

  stage(s: Stager): void {
    const { progress } = this;
    if (progress.done === 0 && this.curFd >= 0) progress.start = s.positionOf(this.fd, this.total);
    stageViews(s, this.fd, this.pending, progress.position);
  }

  // node:fs resolves an empty writev with 0 and no syscall (the kernel would check the
  // fd first: EBADF on a read-only one); running it there also keeps it in its place in
  // a linked batch.
  override get fsOnly(): boolean {
    return this.views.length === 0;
  }

  override get retriesEintr(): boolean {
    return true;
  }

  override get needsContinuation(): boolean {
    return this.pending.views.length > IOV_MAX;
  }

  complete(res: number): number | Again {
    const { progress } = this;
    progress.advance(res, res > 0 && progress.done + res < this.total);
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

  override partial(err: Error): Error {
    return this.progress.withBytesWritten(err);
  }

  /**
   * Writes all of every view, continuing short writes like the ring does, in
   * calls of at most IOV_MAX views and MAX_RW_COUNT bytes: node:fs passes more
   * to writev(2), which writes at most that, and reports a total past 2^31-1 as
   * a negative number.
   */
  async viaFs(): Promise<number> {
    const { fd, total } = this;
    const position = this.progress.position;
    if (this.views.length === 0) return call((cb) => fs.writev(fd, [], pos(position), cb));
    let pending = viewList(this.views);
    let done = 0;
    do {
      const chunk: ArrayBufferView[] = [];
      let bytes = 0;
      for (let i = 0; i < pending.views.length && chunk.length < IOV_MAX && bytes < MAX_RW; i++) {
        const v = pending.views[i];
        const take = Math.min(pending.lengths[i], MAX_RW - bytes);
        chunk.push(take === v.byteLength ? v : new Uint8Array(v.buffer, v.byteOffset, take));
        bytes += take;
      }
      const at = position === -1 ? null : Number(position) + done;
      let n: number;
      try {
        n = await call<number>((cb) => fs.writev(fd, chunk as View[], at, cb));
      } catch (err) {
        throw withBytesWritten(err as Error, done);
      }
      done += n;
      if (n === 0 || done >= total) break;
      pending = viewList(remainingViews(pending.views, pending.lengths, n));
    } while (done < total);
    return done;
  }
}

export function writev(fd: unknown, views: unknown, position: unknown): WritevOp {
  const validFd = validateFd(fd);
  const list = validateViews(views);
  return new WritevOp(validFd, list, normalizePosition(position, totalLength(list)));
}

export const def = defineOp({
  native: 'writev',
  methods: {
    /** Gather write: writes all of every view, in order, continuing short writes; resolves with the total. */
    writev(this: Ring, fd: number, views: readonly ArrayBufferView[], position?: Position, options?: IoOptions): Promise<number> {
      return run(this, () => writev(fd, views, position), options);
    },
  },
  batch: {
    writev: (e: { fd: number; buffers: readonly ArrayBufferView[]; position?: Position }) => writev(e.fd, e.buffers, e.position),
  },
});
