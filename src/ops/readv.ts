import type { NativeRing } from '../binding';
import { ERR_INVALID_ARG_TYPE } from '../errors';
import { viaFs } from '../fallback';
import { normalizePosition, validateBufferView, validateFd } from '../validate';
import { Op } from './op';

/** The kernel takes at most IOV_MAX (1024) iovecs per call; libuv reads only those too. */
export const IOV_MAX = 1024;

/** readv(fd, views, position): fills the views in order; resolves with the bytes read. */
export class ReadvOp extends Op<number> {
  readonly native = 'readv';
  readonly syscall = 'read';

  override get breaksLink(): boolean {
    return true;
  }

  constructor(
    readonly fd: number,
    readonly views: ArrayBufferView[],
    readonly position: number | bigint,
  ) {
    super();
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    // libuv (so node:fs) refuses zero buffers with EINVAL; IORING_OP_READV would read nothing.
    if (this.views.length === 0) return -22;
    const views = this.views.length > IOV_MAX ? this.views.slice(0, IOV_MAX) : this.views;
    return ring.readv(tag, gen, this.fd, views, this.position);
  }

  complete(res: number): number {
    return res;
  }

  override isShort(value: unknown): boolean {
    let asked = 0;
    for (let i = 0; i < Math.min(this.views.length, IOV_MAX); i++) asked += this.views[i].byteLength;
    return (value as number) < asked;
  }

  viaFs(): Promise<number> {
    return viaFs.readv(this.fd, this.views, this.position);
  }
}

/** node:fs's validateBufferArray: an array of ArrayBufferViews. */
export function validateViews(views: unknown, name = 'buffers'): ArrayBufferView[] {
  if (!Array.isArray(views)) throw ERR_INVALID_ARG_TYPE(name, 'ArrayBufferView[]', views);
  for (const v of views) {
    if (!ArrayBuffer.isView(v)) throw ERR_INVALID_ARG_TYPE(name, 'ArrayBufferView[]', views);
  }
  return views.slice();
}

export function readv(fd: unknown, views: unknown, position: unknown): ReadvOp {
  const validFd = validateFd(fd);
  const list = validateViews(views);
  list.forEach((v) => validateBufferView(v, 'buffers'));
  return new ReadvOp(validFd, list, normalizePosition(position));
}
