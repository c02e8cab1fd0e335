import type { BigIntStats, Stats } from 'node:fs';

import type { NativeRing } from '../binding';
import { uvError } from '../errors';
import { viaFs } from '../fallback';
import { STATX_SIZE, statsFromStatx } from '../stats';
import { pathToCString, toPathArg, validateFd } from '../validate';
import { Op } from './op';

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const EMPTY_PATH = Buffer.from([0]);

export interface StatOptions {
  bigint?: boolean;
}

/**
 * stat, lstat and fstat, all as statx(2) into a 256-byte struct that the op
 * owns until its CQE; decoded into node:fs Stats / BigIntStats.
 */
export class StatOp extends Op<Stats | BigIntStats> {
  readonly native = 'statx';
  readonly out = new Uint8Array(STATX_SIZE);
  readonly cpath: Buffer;

  constructor(
    readonly syscall: 'stat' | 'lstat' | 'fstat',
    readonly target: string | Buffer | number,
    readonly bigint: boolean,
  ) {
    super();
    this.cpath = typeof target === 'number' ? EMPTY_PATH : pathToCString(target);
  }

  submit(ring: NativeRing, tag: number, gen: number): number | undefined {
    const { target } = this;
    if (typeof target === 'number') {
      return ring.statx(tag, gen, target, this.cpath, AT_EMPTY_PATH, this.out);
    }
    const flags = this.syscall === 'lstat' ? AT_SYMLINK_NOFOLLOW : 0;
    return ring.statx(tag, gen, AT_FDCWD, this.cpath, flags, this.out);
  }

  complete(): Stats | BigIntStats {
    return statsFromStatx(this.out, this.bigint);
  }

  override error(res: number): Error {
    const { target } = this;
    return typeof target === 'number' ? uvError(res, this.syscall) : uvError(res, this.syscall, target);
  }

  viaFs(): Promise<Stats | BigIntStats> {
    const { target } = this;
    return typeof target === 'number'
      ? viaFs.fstat(target, this.bigint)
      : viaFs.stat(this.syscall as 'stat' | 'lstat', target, this.bigint);
  }
}

// node:fs/promises does not validate stat options: it passes `options.bigint`
// to C++, which checks IsTrue(). Mirror that, so the same calls succeed.
function bigintOption(options: unknown): boolean {
  if (options === undefined || options === null) return false;
  return (options as StatOptions).bigint === true;
}

export function stat(kind: 'stat' | 'lstat', path: unknown, options: unknown): StatOp {
  const bigint = bigintOption(options);
  return new StatOp(kind, toPathArg(path), bigint);
}

export function fstat(fd: unknown, options: unknown): StatOp {
  const bigint = bigintOption(options);
  return new StatOp('fstat', validateFd(fd), bigint);
}
