import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { uvError } from '../errors';
import { callVoid } from '../fallback';
import type { PathLike, Ring } from '../ring';
import type { Stager } from '../stage';
import { pathToCString, toPathArg } from '../validate';
import { defineOp, run } from './define';
import { PathOp } from './op';

/** rename(from, to); errors carry both as `path` and `dest`, as node:fs's do. */
export class RenameOp extends PathOp<void> {
  readonly native = 'renameat';
  readonly syscall = 'rename';
  readonly cdest: Buffer;

  constructor(
    from: string | Buffer,
    readonly dest: string | Buffer,
  ) {
    super(from, pathToCString(from));
    this.cdest = pathToCString(dest);
  }

  /**
   * io_uring copies both paths in when the SQE is submitted and fails an empty
   * or PATH_MAX-long one there, before the source is looked up; rename(2) looks
   * the source up first, so its error (ENOTDIR, ENOENT, …) wins. node:fs
   * answers those, as rename(2) does.
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
    return callVoid((cb) => fs.rename(this.path, this.dest, cb));
  }
}

export function rename(from: unknown, to: unknown): RenameOp {
  const oldPath = toPathArg(from, 'oldPath');
  const newPath = toPathArg(to, 'newPath');
  return new RenameOp(oldPath, newPath);
}

export const def = defineOp({
  native: 'renameat',
  methods: {
    rename(this: Ring, oldPath: PathLike, newPath: PathLike, options?: IoOptions): Promise<void> {
      return run(this, () => rename(oldPath, newPath), options);
    },
  },
  batch: {
    rename: (e: { from: PathLike; to: PathLike }) => rename(e.from, e.to),
  },
});
