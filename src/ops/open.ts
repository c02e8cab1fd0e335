import { viaFs } from '../fallback';
import { parseFileMode, pathToCString, stringToFlags, toPathArg } from '../validate';
import type { Stager } from '../stage';
import { PathOp } from './op';


/** open(path, flags, mode) → fd. O_CLOEXEC is added, as node:fs does. */
export class OpenOp extends PathOp<number> {
  readonly native = 'openat';
  readonly syscall = 'open';

  override get breaksLink(): boolean {
    return true;
  }

  constructor(
    path: string | Buffer,
    readonly openFlags: number,
    readonly mode: number,
  ) {
    super(path, pathToCString(path));
  }

  stage(s: Stager): void {
    s.obj(0, this.cpath);
    s.int(0, this.openFlags);
    s.int(1, this.mode);
  }

  complete(res: number): number {
    return res;
  }

  viaFs(): Promise<number> {
    return viaFs.open(this.path, this.openFlags, this.mode);
  }
}

export function open(path: unknown, flags: unknown, mode: unknown): OpenOp {
  const p = toPathArg(path);
  const f = stringToFlags(flags);
  return new OpenOp(p, f, parseFileMode(mode, 'mode', 0o666));
}
