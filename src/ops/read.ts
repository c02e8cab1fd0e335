import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { withDirectHint } from '../dio';
import { destroyedError } from '../errors';
import { type View, call } from '../fallback';
import type { Position, Ring } from '../ring';
import type { Stager } from '../stage';
import { normalizePosition, validateFd, validateReadBuffer } from '../validate';
import { defineOp, engineOf, ioOptions, run } from './define';
import { MAX_RW, Op } from './op';

/**
 * read(fd, view, position): up to view.byteLength bytes into the view (or into
 * the window `length` bytes long at byte `offset` of it, as FileHandle.read takes).
 */
export class ReadOp<T = number> extends Op<T> {
  readonly native = 'read';
  readonly syscall = 'read';
  /** The bytes the kernel may fill: the view's byte length when the call was made, or the window's. */
  readonly length: number;

  override get breaksLink(): boolean {
    return true;
  }

  constructor(
    override readonly fd: number,
    readonly view: ArrayBufferView,
    readonly position: number | bigint,
    readonly offset = 0,
    length = view.byteLength,
  ) {
    super();
    this.length = length;
    if (position === -1) this.curFd = fd;
  }

  override get takesFixedFile(): boolean {
    return true;
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
    s.obj(0, this.view);
    s.offset(0, this.position);
    s.float(1, this.offset);
    s.float(2, this.length);
    s.fixedIndex(this.view, this.offset, this.length);
    if (this.curFd >= 0) s.advanceChain(this.fd, Math.min(this.length, MAX_RW));
  }

  complete(res: number): T {
    return this.value(res);
  }

  /** node:fs's error; a misaligned O_DIRECT read's EINVAL says what alignment the file needs. */
  override error(res: number): Error {
    return withDirectHint(super.error(res), this.fd);
  }

  /** The promised value for `n` bytes read (FileHandle.read wraps it in an object). */
  value(n: number): T {
    return n as T;
  }

  /** A read that returned less than asked for: the kernel breaks a linked chain there. */
  override isShort(value: unknown): boolean {
    return (value as number) < Math.min(this.length, MAX_RW);
  }

  viaFs(): Promise<T> {
    const { view, position } = this;
    return call<number>((cb) => fs.read(this.fd, view as View, this.offset, this.length, position === -1 ? null : position, cb)).then(
      (n) => this.value(n),
      (err: unknown) => {
        throw withDirectHint(err, this.fd);
      },
    );
  }
}

export function read(fd: unknown, view: unknown, position: unknown): ReadOp {
  const validFd = validateFd(fd);
  validateReadBuffer(view);
  return new ReadOp(validFd, view, normalizePosition(position, view.byteLength));
}

export const def = defineOp({
  native: 'read',
  methods: {
    /**
     * Reads up to `view.byteLength` bytes at `position` (undefined, null or -1: the
     * file's current position) into `view`; resolves with the bytes read (0 at EOF).
     */
    read(this: Ring, fd: number, view: ArrayBufferView, position?: Position, options?: IoOptions): Promise<number> {
      let op: ReadOp;
      try {
        op = read(fd, view, position);
        // node:fs resolves zero-length reads without a syscall.
        if (op.length === 0) {
          ioOptions(options);
          return engineOf(this).destroyed ? Promise.reject(destroyedError('read')) : Promise.resolve(0);
        }
      } catch (err) {
        return Promise.reject(err);
      }
      return run(this, () => op, options);
    },
  },
  batch: {
    read: (e: { fd: number; buffer: ArrayBufferView; position?: Position }) => read(e.fd, e.buffer, e.position),
  },
});
