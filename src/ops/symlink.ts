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
 * symlink(target, path, type): a symbolic link at `path` pointing to `target`
 * (IORING_OP_SYMLINKAT, Linux 5.15). `type` only matters on Windows; node:fs
 * checks it, and so does this, by node:fs's own rule. Errors name both paths
 * (`symlink 'target' -> 'path'`), as node:fs's do.
 */
export class SymlinkOp extends PathOp<void> {
  readonly native = 'symlinkat';
  readonly syscall = 'symlink';
  readonly clink: Buffer;

  constructor(
    target: string | Buffer,
    readonly link: string | Buffer,
    readonly type: string | null,
  ) {
    super(target, pathToCString(target));
    this.clink = pathToCString(link);
  }

  stage(s: Stager): void {
    s.obj(0, this.cpath);
    s.obj(1, this.clink);
  }

  complete(): void {}

  override error(res: number): Error {
    return uvError(res, this.syscall, this.path, this.link);
  }

  viaFs(): Promise<void> {
    return callVoid((cb) => fs.symlink(this.path, this.link, this.type as fs.symlink.Type | null, cb));
  }
}

export function symlink(target: unknown, path: unknown, type: unknown): SymlinkOp {
  const t = toPathArg(target, 'target');
  const p = toPathArg(path);
  return new SymlinkOp(t, p, typeof type === 'string' ? type : null);
}

export const def = defineOp({
  native: 'symlinkat',
  methods: {
    /** Creates a symbolic link at `path` to `target`. */
    symlink(this: Ring, target: PathLike, path: PathLike, type?: 'dir' | 'file' | 'junction' | null, options?: IoOptions): Promise<void> {
      return run(this, () => symlink(target, path, type), options);
    },
  },
  batch: {
    symlink: (e: { target: PathLike; path: PathLike }) => symlink(e.target, e.path, undefined),
  },
});
