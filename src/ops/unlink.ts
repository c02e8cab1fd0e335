import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { callVoid } from '../fallback';
import type { PathLike, Ring } from '../ring';
import type { Stager } from '../stage';
import { pathToCString, toPathArg } from '../validate';
import { defineOp, run } from './define';
import { PathOp } from './op';

const AT_REMOVEDIR = 0x200;

/** unlink(path), and rmdir(path) as unlinkat(AT_REMOVEDIR). */
export class UnlinkOp extends PathOp<void> {
  readonly native = 'unlinkat';

  constructor(
    readonly syscall: 'unlink' | 'rmdir',
    path: string | Buffer,
  ) {
    super(path, pathToCString(path));
  }

  stage(s: Stager): void {
    s.obj(0, this.cpath);
    s.int(0, this.syscall === 'rmdir' ? AT_REMOVEDIR : 0);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return callVoid((cb) => (this.syscall === 'rmdir' ? fs.rmdir(this.path, cb) : fs.unlink(this.path, cb)));
  }
}


export function unlink(kind: 'unlink' | 'rmdir', path: unknown): UnlinkOp {
  return new UnlinkOp(kind, toPathArg(path));
}

export const def = defineOp({
  native: 'unlinkat',
  methods: {
    unlink(this: Ring, path: PathLike, options?: IoOptions): Promise<void> {
      return run(this, () => unlink('unlink', path), options);
    },
    rmdir(this: Ring, path: PathLike, options?: IoOptions): Promise<void> {
      return run(this, () => unlink('rmdir', path), options);
    },
  },
  batch: {
    unlink: (e: { path: PathLike }) => unlink('unlink', e.path),
    rmdir: (e: { path: PathLike }) => unlink('rmdir', e.path),
  },
});
