import type { NativeRing } from '../binding';
import { viaFs } from '../fallback';
import { parseFileMode, pathToCString, stringToFlags, toPathArg } from '../validate';
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

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    return ring.openat(tag, gen, this.cpath, this.openFlags, this.mode);
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
