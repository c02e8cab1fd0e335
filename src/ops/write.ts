import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { withDirectHint } from '../dio';
import { type View, call, pos } from '../fallback';
import type { Position, Ring } from '../ring';
import type { Stager } from '../stage';
import { normalizePosition, validateFd, validateWriteBuffer } from '../validate';
import { defineOp, run } from './define';
import { AGAIN, Again, MAX_RW, Op } from './op';
import { ContinuedWrite, withBytesWritten } from './progress';

/**
 * write(fd, view, position): all of the view. A short write (a full disk, a
 * signal, a pipe) is continued from where it stopped; the promise resolves with
 * the total, or rejects with the error and `bytesWritten` set to what did land.
 */
export class WriteOp<T = number> extends Op<T> {
  readonly native = 'write';
  readonly syscall = 'write';
  /** What is written: the view's byte length when the call was made, or the window's. */
  readonly length: number;
  readonly progress: ContinuedWrite;

  override get breaksLink(): boolean {
    return true;
  }

  constructor(
    override readonly fd: number,
    readonly view: ArrayBufferView,
    position: number | bigint,
    readonly offset = 0,
    length = view.byteLength,
  ) {
    super();
    this.length = length;
    this.progress = new ContinuedWrite(position);
    if (position === -1) this.curFd = fd;
  }

  override get takesFixedFile(): boolean {
    return true;
  }

  stage(s: Stager): void {
    const { progress } = this;
    if (progress.done === 0 && this.curFd >= 0) progress.start = s.positionOf(this.fd, this.length);
    s.int(0, this.fd);
    s.obj(0, this.view);
    s.offset(0, progress.position);
    s.float(1, this.offset + progress.done);
    s.float(2, Math.min(this.length - progress.done, MAX_RW));
    s.fixedIndex(this.view, this.offset + progress.done, Math.min(this.length - progress.done, MAX_RW));
  }

  override get retriesEintr(): boolean {
    return true;
  }

  override get needsContinuation(): boolean {
    return this.length - this.progress.done > MAX_RW;
  }

  complete(res: number): T | Again {
    const { progress } = this;
    progress.advance(res, res > 0 && progress.done + res < this.length);
    if (res === 0 || progress.done >= this.length) return this.value(progress.done);
    return AGAIN;
  }

  /** The promised value for `n` bytes written (FileHandle.write wraps it in an object). */
  value(n: number): T {
    return n as T;
  }

  override settle(res: number): boolean {
    const finished = super.settle(res);
    if (finished) this.progress.finish(this.fd);
    return finished;
  }

  override error(res: number): Error {
    return this.progress.withBytesWritten(withDirectHint(super.error(res), this.fd));
  }

  override partial(err: Error): Error {
    return this.progress.withBytesWritten(err);
  }

  /**
   * Writes all of the view, continuing short writes like the ring does, in
   * pieces of at most MAX_RW_COUNT bytes (node:fs refuses lengths over 2^31-1,
   * which the ring writes).
   */
  async viaFs(): Promise<T> {
    const { fd, view, length } = this;
    const position = this.progress.position;
    // A view over a detached buffer has no bytes (and cannot be re-viewed): node writes 0.
    if (length === 0) return this.value(await call<number>((cb) => fs.write(fd, view as View, 0, 0, pos(position), cb)));
    const bytes = new Uint8Array(view.buffer, view.byteOffset + this.offset, length);
    let done = 0;
    do {
      const at = position === -1 ? null : Number(position) + done;
      const len = Math.min(length - done, MAX_RW);
      let n: number;
      try {
        n = await call<number>((cb) => fs.write(fd, bytes, done, len, at, cb));
      } catch (err) {
        throw withBytesWritten(withDirectHint(err as Error, fd), done);
      }
      if (n === 0) break;
      done += n;
    } while (done < length);
    return this.value(done);
  }
}

export function write(fd: unknown, view: unknown, position: unknown): WriteOp {
  const validFd = validateFd(fd);
  validateWriteBuffer(view);
  return new WriteOp(validFd, view, normalizePosition(position, view.byteLength, 'write'));
}

export const def = defineOp({
  native: 'write',
  methods: {
    /** Writes all of `view` at `position`, continuing short writes; resolves with the bytes written. */
    write(this: Ring, fd: number, view: ArrayBufferView, position?: Position, options?: IoOptions): Promise<number> {
      return run(this, () => write(fd, view, position), options);
    },
  },
  batch: {
    write: (e: { fd: number; buffer: ArrayBufferView; position?: Position }) => write(e.fd, e.buffer, e.position),
  },
});
