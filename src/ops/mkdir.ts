import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { call } from '../fallback';
import type { PathLike, Ring } from '../ring';
import type { Stager } from '../stage';
import { parseFileMode, pathToCString, toPathArg, validateBoolean } from '../validate';
import { defineOp, embeddedIo, run } from './define';
import { PathOp } from './op';

/**
 * mkdir(path, mode). `{ recursive: true }` creates parents like node:fs does and
 * runs on node:fs (a chain of mkdirat calls that each depend on the last gains
 * nothing from a ring).
 */
export class MkdirOp extends PathOp<string | undefined> {
  readonly native = 'mkdirat';
  readonly syscall = 'mkdir';

  constructor(
    path: string | Buffer,
    readonly mode: number,
    readonly recursive: boolean,
  ) {
    super(path, pathToCString(path));
  }

  override get fsOnly(): boolean {
    return this.recursive;
  }

  stage(s: Stager): void {
    s.obj(0, this.cpath);
    s.int(0, this.mode);
  }

  complete(): undefined {
    return undefined;
  }

  viaFs(): Promise<string | undefined> {
    return call((cb) => fs.mkdir(this.path, { mode: this.mode, recursive: this.recursive }, cb));
  }
}

/**
 * `options` as node:fs/promises reads it: a mode (number or octal string) or
 * `{ mode, recursive }` (any other truthy value is an options object, so `true` means
 * the defaults); then the path, `recursive` and `mode` are checked in that order.
 */
export function mkdir(path: unknown, options: unknown): MkdirOp {
  const o = (typeof options === 'number' || typeof options === 'string' ? { mode: options } : options || {}) as {
    mode?: unknown;
    recursive?: unknown;
  };
  const { recursive = false, mode = 0o777 } = o;
  const p = toPathArg(path);
  validateBoolean(recursive, 'options.recursive');
  return new MkdirOp(p, parseFileMode(mode, 0o777), recursive);
}

export interface MkdirOptions {
  mode?: number | string;
  recursive?: boolean;
}

export const def = defineOp({
  native: 'mkdirat',
  methods: {
    /**
     * Creates a directory. `options`: a mode (default 0o777) or `{ mode, recursive }`;
     * with `recursive` resolves with the first directory created, as node:fs does.
     */
    mkdir(this: Ring, path: PathLike, options?: number | string | (MkdirOptions & IoOptions)): Promise<string | undefined> {
      return run(this, () => mkdir(path, options), embeddedIo(options));
    },
  },
  batch: {
    mkdir: (e: { path: PathLike; mode?: string | number }) => mkdir(e.path, e.mode),
  },
});
