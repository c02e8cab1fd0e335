import type { IoOptions } from '../abort';
import * as fs from 'node:fs';
import type { BigIntStats, Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';

import { forArgument, nodeRejection, nodeRejectionAsync, uvError } from '../errors';
import { type Cb, call } from '../fallback';
import type { PathLike, Ring } from '../ring';
import type { Stager } from '../stage';
import { STATX_SIZE, statsFromStatx } from '../stats';
import { pathToCString, toPathArg, validateNativeFd } from '../validate';
import { defineOp, embeddedIo, run } from './define';
import { Op } from './op';

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const EMPTY_PATH = Buffer.from([0]);

export interface StatOptions extends IoOptions {
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
    if (typeof target === 'number') this.fd = target;
  }

  stage(s: Stager): void {
    const { target } = this;
    s.obj(0, this.cpath);
    s.obj(1, this.out);
    if (typeof target === 'number') {
      s.int(0, target);
      s.int(1, AT_EMPTY_PATH);
    } else {
      s.int(0, AT_FDCWD);
      s.int(1, this.syscall === 'lstat' ? AT_SYMLINK_NOFOLLOW : 0);
    }
  }

  complete(): Stats | BigIntStats {
    return statsFromStatx(this.out, this.bigint);
  }

  override error(res: number): Error {
    const { target } = this;
    return typeof target === 'number' ? uvError(res, this.syscall) : uvError(res, this.syscall, target);
  }

  viaFs(): Promise<Stats | BigIntStats> {
    const { target, bigint } = this;
    type StatsCb = Cb<Stats | BigIntStats>;
    if (typeof target === 'number') return call((cb) => fs.fstat(target, { bigint }, cb as StatsCb));
    const kind = this.syscall as 'stat' | 'lstat';
    return call((cb) => fs[kind](target, { bigint }, cb as StatsCb));
  }
}

// node:fs passes `options.bigint` to C++, which checks IsTrue(): anything but `true`
// gives number Stats.
function bigintOption(options: unknown): boolean {
  return options == null ? false : (options as StatOptions).bigint === true;
}

/**
 * What fs.promises.stat/lstat make of options that are not an object: Node 26 refuses
 * them (ERR_INVALID_ARG_TYPE, before the path), earlier lines read `options.bigint`
 * from them after checking the path (so null is a TypeError, anything else no options).
 * Asked of the running Node with the same, read-only call; undefined for options every
 * Node takes as they are.
 */
export function statOptionsVerdict(kind: 'stat' | 'lstat', path: unknown, options: unknown): Promise<void> | undefined {
  if (options === undefined || (typeof options === 'object' && options !== null && !Array.isArray(options))) return undefined;
  return nodeRejectionAsync(() => fsp[kind](path as string, options as never)).then((err) => {
    if (err) throw forArgument(err, 'options', 'options', statOptionsVerdict);
  });
}

export function stat(kind: 'stat' | 'lstat', path: unknown, options: unknown): StatOp {
  const p = toPathArg(path);
  return new StatOp(kind, p, bigintOption(options));
}

/**
 * fs.fstat reads `options.bigint` from what it is given: null is a TypeError up to Node
 * 24 and no options on 26. Asked of the running Node, with a real fstat of fd 2^31-1
 * (EBADF, to a callback that ignores it), for options that are not an object.
 */
export function fstat(fd: unknown, options: unknown): StatOp {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    const err = nodeRejection(() => fs.fstat(0x7fffffff, options as never, () => {}));
    if (err) throw forArgument(err, 'options', 'options', fstat);
  }
  return new StatOp('fstat', validateNativeFd(fd), bigintOption(options));
}

/** Runs stat or lstat, after this Node's verdict on options that are not an object. */
function runStat(ring: Ring, kind: 'stat' | 'lstat', path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats> {
  const verdict = statOptionsVerdict(kind, path, options);
  const io = embeddedIo(options);
  if (verdict) return verdict.then(() => run(ring, () => stat(kind, path, options), io));
  return run(ring, () => stat(kind, path, options), io);
}

type StatMethod = {
  (path: PathLike, options?: StatOptions & { bigint?: false }): Promise<Stats>;
  (path: PathLike, options: StatOptions & { bigint: true }): Promise<BigIntStats>;
  (path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats>;
};
type FstatMethod = {
  (fd: number, options?: StatOptions & { bigint?: false }): Promise<Stats>;
  (fd: number, options: StatOptions & { bigint: true }): Promise<BigIntStats>;
  (fd: number, options?: StatOptions): Promise<Stats | BigIntStats>;
};

export const def = defineOp({
  native: 'statx',
  methods: {
    stat: function (this: Ring, path: PathLike, options?: StatOptions) {
      return runStat(this, 'stat', path, options);
    } as StatMethod,
    lstat: function (this: Ring, path: PathLike, options?: StatOptions) {
      return runStat(this, 'lstat', path, options);
    } as StatMethod,
    fstat: function (this: Ring, fd: number, options?: StatOptions) {
      return run(this, () => fstat(fd, options), embeddedIo(options));
    } as FstatMethod,
  },
  batch: {
    stat: (e: { path: PathLike; bigint?: boolean }) => stat('stat', e.path, { bigint: e.bigint ?? false }),
    lstat: (e: { path: PathLike; bigint?: boolean }) => stat('lstat', e.path, { bigint: e.bigint ?? false }),
    fstat: (e: { fd: number; bigint?: boolean }) => fstat(e.fd, { bigint: e.bigint ?? false }),
  },
});
