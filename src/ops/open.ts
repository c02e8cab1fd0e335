import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { call } from '../fallback';
import type { PathLike, Ring } from '../ring';
import type { Stager } from '../stage';
import { parseFileMode, pathToCString, stringToFlags, toPathArg } from '../validate';
import { defineOp, run } from './define';
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

  /** A fixed-file slot to open into (the result is then 0), or -1 for an ordinary fd. */
  directSlot = -1;

  stage(s: Stager): void {
    s.obj(0, this.cpath);
    s.int(0, this.openFlags);
    s.int(1, this.mode);
    s.int(2, this.directSlot + 1);
  }

  complete(res: number): number {
    return res;
  }

  viaFs(): Promise<number> {
    return call((cb) => fs.open(this.path, this.openFlags, this.mode, cb));
  }
}

export function open(path: unknown, flags: unknown, mode: unknown): OpenOp {
  const p = toPathArg(path);
  const f = stringToFlags(flags);
  return new OpenOp(p, f, parseFileMode(mode, 0o666));
}

export const def = defineOp({
  native: 'openat',
  methods: {
    /** Opens `path`; resolves with the fd. Flags and mode as node:fs takes them. */
    open(this: Ring, path: PathLike, flags: string | number = 'r', mode: string | number = 0o666, options?: IoOptions): Promise<number> {
      return run(this, () => open(path, flags, mode), options);
    },
  },
  batch: {
    open: (e: { path: PathLike; flags?: string | number; mode?: string | number }) => open(e.path, e.flags, e.mode),
  },
});
