// Continuing short writes: where the next piece starts, and where the file
// position must be left.

import { loadBinding } from '../binding';

/**
 * The progress of a write that is continued until all of it is written.
 *
 * At an explicit position the next piece goes `done` bytes further on. At the
 * file's current position (-1) it cannot simply go to "the current position"
 * again: when the kernel cuts an io_uring write short and its retry fails
 * (EFBIG past RLIMIT_FSIZE, ENOSPC, EDQUOT), Linux (seen on 6.18) reports the
 * bytes written but leaves the file position where the write began, so a
 * second current-position write would overwrite them. So a current-position
 * write on a seekable file learns its start (`start`, from lseek when it is
 * issued) and continues at an explicit offset, and afterwards the file position
 * is put where write(2) would have left it. Pipes, sockets and terminals have
 * no position (`start` < 0): there the next piece just follows.
 */
export class ContinuedWrite {
  done = 0;
  /** Where a current-position write began (>= 0), or < 0 if unknown or not seekable. */
  start = -1;
  #moved = false;

  constructor(public position: number | bigint) {}

  /** `n` more bytes landed; `more`: the write goes on with another piece. */
  advance(n: number, more: boolean): void {
    this.done += n;
    if (this.position === -1) {
      // A write that is done in one piece left the position where write(2)
      // leaves it, and its fd must not be touched once its CQE is in: a close
      // called after it may have run already, and the number been given to an
      // unrelated file by an open.
      if (this.start < 0 || !more) return;
      this.position = this.start + this.done;
      this.#moved = true;
    } else {
      this.position = typeof this.position === 'bigint' ? this.position + BigInt(n) : this.position + n;
    }
  }

  /** After the last piece: the file position as write(2) would have left it. */
  finish(fd: number): void {
    if (!this.#moved) return;
    this.#moved = false;
    loadBinding().binding?.setFdPosition(fd, this.start + this.done);
  }

  /** An error after partial progress says how much was written before it. */
  withBytesWritten(err: Error): Error {
    return withBytesWritten(err, this.done);
  }
}

export function withBytesWritten(err: Error, done: number): Error {
  if (done > 0) (err as Error & { bytesWritten?: number }).bytesWritten = done;
  return err;
}

/** The views left after skipping the first `skip` bytes of `views` (whose lengths were `lengths`). */
export function remainingViews(views: readonly ArrayBufferView[], lengths: Float64Array, skip: number): ArrayBufferView[] {
  const out: ArrayBufferView[] = [];
  for (let i = 0; i < views.length; i++) {
    const v = views[i];
    const len = lengths[i];
    if (skip >= len) {
      skip -= len;
      continue;
    }
    out.push(skip === 0 && len === v.byteLength ? v : new Uint8Array(v.buffer, v.byteOffset + skip, len - skip));
    skip = 0;
  }
  return out;
}
