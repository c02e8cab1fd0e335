import { viaFs } from '../fallback';
import { pathToCString, toPathArg } from '../validate';
import type { Stager } from '../stage';
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
    return this.syscall === 'rmdir' ? viaFs.rmdir(this.path) : viaFs.unlink(this.path);
  }
}


export function unlink(kind: 'unlink' | 'rmdir', path: unknown): UnlinkOp {
  return new UnlinkOp(kind, toPathArg(path));
}
