import { uvError } from '../errors';
import { viaFs } from '../fallback';
import { pathToCString, toPathArg } from '../validate';
import type { Stager } from '../stage';
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

  stage(s: Stager): void {
    s.obj(0, this.cpath);
    s.obj(1, this.cdest);
  }

  complete(): void {}

  override error(res: number): Error {
    return uvError(res, this.syscall, this.path, this.dest);
  }

  viaFs(): Promise<void> {
    return viaFs.rename(this.path, this.dest);
  }
}

export function rename(from: unknown, to: unknown): RenameOp {
  const oldPath = toPathArg(from, 'oldPath');
  const newPath = toPathArg(to, 'newPath');
  return new RenameOp(oldPath, newPath);
}
