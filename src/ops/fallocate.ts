import type { IoOptions } from '../abort';
import * as fs from 'node:fs';
import type { Stats } from 'node:fs';

import { uvError } from '../errors';
import { call, callVoid } from '../fallback';
import type { Ring } from '../ring';
import type { Stager } from '../stage';
import { validateFd, validateOffset } from '../validate';
import { defineOp, run } from './define';
import { Op } from './op';

/**
 * fallocate(fd, offset, len, mode): reserve (mode 0), or with FALLOC_FL_* flags
 * keep the size, punch holes, zero ranges. node:fs has no equivalent; the fs
 * backend emulates the modes whose visible effect it can produce.
 */
export class FallocateOp extends Op<void> {
  readonly native = 'fallocate';
  readonly syscall = 'fallocate';

  constructor(
    override readonly fd: number,
    readonly offset: number,
    readonly len: number,
    readonly mode: number,
  ) {
    super();
  }

  override get takesFixedFile(): boolean {
    return true;
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
    s.int(1, this.mode);
    s.offset(0, this.offset);
    s.offset(1, this.len);
  }

  complete(): void {}

  async viaFs(): Promise<void> {
    try {
      await emulateFallocate(this.fd, this.offset, this.len, this.mode);
    } catch (err) {
      // The emulation's own steps (fstat, write, ftruncate) fail as fallocate(2) would.
      const errno = (err as NodeJS.ErrnoException).errno;
      throw typeof errno === 'number' && (err as NodeJS.ErrnoException).syscall !== 'fallocate' ? uvError(errno, 'fallocate') : err;
    }
  }
}

/**
 * node:fs has no fallocate. The modes whose visible effect node:fs can produce
 * are emulated: 0 and ZERO_RANGE extend the file (ZERO_RANGE and PUNCH_HOLE also
 * zero the range), KEEP_SIZE alone changes nothing visible. Others: EOPNOTSUPP.
 */
async function emulateFallocate(fd: number, offset: number, len: number, mode: number): Promise<void> {
  const KEEP_SIZE = 0x01;
  const PUNCH_HOLE = 0x02;
  const ZERO_RANGE = 0x10;
  // fallocate(2)'s order: the fd is looked up (EBADF), then the range (EINVAL)
  // and the mode (EOPNOTSUPP) are checked, then that the fd is open for writing.
  const st = await call<Stats>((cb) => fs.fstat(fd, cb));
  if (len <= 0 || offset < 0) throw uvError(-22, 'fallocate');
  if ((mode & ~(KEEP_SIZE | PUNCH_HOLE | ZERO_RANGE)) !== 0 || (mode & PUNCH_HOLE && !(mode & KEEP_SIZE))) {
    throw uvError(-95, 'fallocate');
  }
  // fallocate(2) needs an fd open for writing (EBADF otherwise) whatever the
  // mode; a zero-length write checks exactly that and changes nothing.
  await call<number>((cb) => fs.write(fd, Buffer.alloc(0), 0, 0, null, cb));
  if (!st.isFile()) throw uvError(st.isDirectory() ? -21 : -19, 'fallocate');
  const end = offset + len;
  if (mode & (PUNCH_HOLE | ZERO_RANGE)) {
    const zeroEnd = mode & KEEP_SIZE ? Math.min(end, st.size) : end;
    const zeros = Buffer.alloc(Math.min(1 << 20, Math.max(0, zeroEnd - offset)));
    const target = await positionalFd(fd);
    try {
      for (let at = offset; at < zeroEnd; at += zeros.length) {
        const n = Math.min(zeros.length, zeroEnd - at);
        await call<number>((cb) => fs.write(target, zeros, 0, n, at, cb));
      }
    } finally {
      if (target !== fd) await callVoid((cb) => fs.close(target, cb));
    }
  }
  if (!(mode & KEEP_SIZE) && end > st.size) {
    await callVoid((cb) => fs.ftruncate(fd, end, cb));
  }
}

/**
 * An fd whose writes land where pwrite says: `fd` itself, or, for an O_APPEND
 * fd (whose every write goes to the end of the file, pwrite's too), a second
 * descriptor of the same file opened without it.
 */
async function positionalFd(fd: number): Promise<number> {
  let flags = 0;
  try {
    const info = await call<string>((cb) => fs.readFile(`/proc/self/fdinfo/${fd}`, 'latin1', cb));
    flags = parseInt(/flags:\s+(\d+)/.exec(info)?.[1] ?? '0', 8);
  } catch {
    return fd; // no /proc: nothing better to do
  }
  if (!(flags & fs.constants.O_APPEND)) return fd;
  return call<number>((cb) => fs.open(`/proc/self/fd/${fd}`, fs.constants.O_WRONLY, cb));
}

export function fallocate(fd: unknown, offset: unknown, len: unknown, mode: unknown = 0): FallocateOp {
  const validFd = validateFd(fd);
  validateOffset(offset, 'offset');
  validateOffset(len, 'len');
  return new FallocateOp(validFd, offset, len, validateFd(mode, 'mode'));
}

export const def = defineOp({
  native: 'fallocate',
  methods: {
    /** fallocate(2): `mode` 0 allocates (extending the size), or FALLOC_FL_* flags. */
    fallocate(this: Ring, fd: number, offset: number, len: number, mode = 0, options?: IoOptions): Promise<void> {
      return run(this, () => fallocate(fd, offset, len, mode), options);
    },
  },
  batch: {
    fallocate: (e: { fd: number; offset: number; len: number; mode?: number }) => fallocate(e.fd, e.offset, e.len, e.mode ?? 0),
  },
});
