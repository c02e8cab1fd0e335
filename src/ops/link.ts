import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { uvError } from '../errors';
import { callVoid } from '../fallback';
import type { PathLike, Ring } from '../ring';
import type { Stager } from '../stage';
import { pathToCString, toPathArg } from '../validate';
import { defineOp, run } from './define';
import { PathOp } from './op';

/**
 * link(existingPath, newPath): a hard link (IORING_OP_LINKAT, Linux 5.15).
 * Errors name both paths (`link 'existing' -> 'new'`), as node:fs's do.
 */
export class LinkOp extends PathOp<void> {
  readonly native = 'linkat';
  readonly syscall = 'link';
  readonly cdest: Buffer;

  constructor(
    existing: string | Buffer,
    readonly dest: string | Buffer,
  ) {
    super(existing, pathToCString(existing));
    this.cdest = pathToCString(dest);
  }

  /**
   * io_uring copies both paths in when the SQE is submitted and fails an empty
   * or PATH_MAX-long one there, before the existing path is looked up; link(2)
   * looks it up first, so its error (ENOTDIR, ENOENT, …) wins. node:fs answers
   * those, as link(2) does (as rename does).
   */
  override get fsOnly(): boolean {
    const refused = (c: Buffer): boolean => c.length <= 1 || c.length > 4096;
    return refused(this.cpath) || refused(this.cdest);
  }

  stage(s: Stager): void {
    s.obj(0, this.cpath);
    s.obj(1, this.cdest);
  }

  complete(): void {}

  override error(res: number): Error {
    return uvError(res, this.syscall, this.path, this.dest);
  }

  viaFs(): Promise<void> {
    return callVoid((cb) => fs.link(this.path, this.dest, cb));
  }
}

export function link(existingPath: unknown, newPath: unknown): LinkOp {
  return new LinkOp(toPathArg(existingPath, 'existingPath'), toPathArg(newPath, 'newPath'));
}

export const def = defineOp({
  native: 'linkat',
  methods: {
    /** Creates a hard link `newPath` to `existingPath`. */
    link(this: Ring, existingPath: PathLike, newPath: PathLike, options?: IoOptions): Promise<void> {
      return run(this, () => link(existingPath, newPath), options);
    },
  },
  batch: {
    link: (e: { from: PathLike; to: PathLike }) => link(e.from, e.to),
  },
});
