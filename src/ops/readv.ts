import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { type View, call, pos } from '../fallback';
import type { Position, Ring } from '../ring';
import type { Stager } from '../stage';
import { normalizePosition, totalLength, validateFd, validateViews } from '../validate';
import { defineOp, run } from './define';
import { Op } from './op';

/** The kernel takes at most IOV_MAX (1024) iovecs per call; libuv reads only those too. */
export const IOV_MAX = 1024;

/** Views and their byte lengths when the call was made (what the kernel may touch). */
export interface ViewList {
  views: ArrayBufferView[];
  lengths: Float64Array;
  total: number;
}

export function viewList(views: ArrayBufferView[]): ViewList {
  const lengths = new Float64Array(views.length);
  let total = 0;
  for (let i = 0; i < views.length; i++) total += lengths[i] = views[i].byteLength;
  return { views, lengths, total };
}

/** Stages I0 fd, O0 views, O1 lengths (at most IOV_MAX of them), F0 position. */
export function stageViews(s: Stager, fd: number, list: ViewList, position: number | bigint): void {
  const { views, lengths } = list;
  s.int(0, fd);
  s.obj(0, views.length > IOV_MAX ? views.slice(0, IOV_MAX) : views);
  s.obj(1, lengths.length > IOV_MAX ? lengths.subarray(0, IOV_MAX) : lengths);
  s.offset(0, position);
}

/** Bytes the first IOV_MAX views hold: what one SQE can move. */
export function firstSqeBytes(list: ViewList): number {
  if (list.views.length <= IOV_MAX) return list.total;
  let n = 0;
  for (let i = 0; i < IOV_MAX; i++) n += list.lengths[i];
  return n;
}

/** readv(fd, views, position): fills the views in order; resolves with the bytes read. */
export class ReadvOp extends Op<number> {
  readonly native = 'readv';
  readonly syscall = 'read';
  readonly list: ViewList;

  override get breaksLink(): boolean {
    return true;
  }

  constructor(
    override readonly fd: number,
    readonly views: ArrayBufferView[],
    readonly position: number | bigint,
  ) {
    super();
    this.list = viewList(views);
    if (position === -1) this.curFd = fd;
  }

  override get takesFixedFile(): boolean {
    return true;
  }

  /**
   * Two lists io_uring answers differently from node:fs, so node:fs answers them: none
   * (libuv refuses it, EINVAL; IORING_OP_READV would read nothing), and one zero-length
   * view (libuv reads a single view with read(2), which fails EISDIR on a directory even
   * for zero bytes; io_uring's read returns 0). Either way the op keeps its place in a
   * linked batch: it runs after what came before, or not at all.
   */
  override get fsOnly(): boolean {
    const { views } = this;
    return views.length === 0 || (views.length === 1 && views[0].byteLength === 0);
  }

  stage(s: Stager): void {
    stageViews(s, this.fd, this.list, this.position);
    if (this.curFd >= 0) s.advanceChain(this.fd, firstSqeBytes(this.list));
  }

  complete(res: number): number {
    return res;
  }

  override isShort(value: unknown): boolean {
    return (value as number) < firstSqeBytes(this.list);
  }

  viaFs(): Promise<number> {
    return call((cb) => fs.readv(this.fd, this.views as View[], pos(this.position), cb));
  }
}

export function readv(fd: unknown, views: unknown, position: unknown): ReadvOp {
  const validFd = validateFd(fd);
  const list = validateViews(views);
  return new ReadvOp(validFd, list, normalizePosition(position, totalLength(list)));
}

export const def = defineOp({
  native: 'readv',
  methods: {
    /** Scatter read: fills the views in order; resolves with the total bytes read. */
    readv(this: Ring, fd: number, views: readonly ArrayBufferView[], position?: Position, options?: IoOptions): Promise<number> {
      return run(this, () => readv(fd, views, position), options);
    },
  },
  batch: {
    readv: (e: { fd: number; buffers: readonly ArrayBufferView[]; position?: Position }) => readv(e.fd, e.buffers, e.position),
  },
});
