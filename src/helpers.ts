// Root-level helpers that mirror node:fs/promises over the calling thread's ring.

import { loadBinding } from './binding';
import { readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';

import { argumentError, invalidArgValue, ownError, uvError } from './errors';
import { readWholeFile } from './readfile';
import { getRing } from './ring';
import type { PathLike } from './ring';
import { toPathArg, validateFd } from './validate';
import { readFilePath } from './promises/files';

export interface ReadFileOptions {
  encoding?: BufferEncoding | null;
  flag?: string | number;
  /** As fs.promises.readFile's: checked before the open and between reads (node's steps). */
  signal?: AbortSignal;
}

const CHUNK = 64 * 1024;
// node:fs's kIoMaxLength: readFile refuses files larger than this.
const MAX_FILE = 2 ** 31 - 1;

/** `options` as fs.promises.readFile reads them (node's getOptions). */
function readFileOptions(options: unknown): { encoding?: BufferEncoding | null; flag: string | number } {
  if (options == null || typeof options === 'function') return { flag: 'r' };
  if (typeof options === 'string') {
    if (Buffer.isEncoding(options)) return { encoding: options, flag: 'r' };
  } else if (typeof options === 'object') {
    const { encoding, flag } = options as ReadFileOptions;
    if (!encoding || Buffer.isEncoding(encoding)) return { encoding, flag: flag || 'r' };
  }
  // What node:fs refuses: its error, from the same options for a path that cannot exist.
  throw argumentError(() => readFileSync('', options as never), options, 'options', 'options', readFile);
}

// Whether fs.promises.readFile names the path in the errors of its read step (Node 26
// does: `EISDIR: illegal operation on a directory, read '/x'`; earlier lines do not),
// learned once from the same failure on '/'.
let readErrorsNamePath: Promise<boolean> | undefined;

export async function asReadFileError(err: unknown, path: PathLike): Promise<unknown> {
  readErrorsNamePath ??= fsp.readFile('/').then(
    () => false,
    (e: unknown) => (e as NodeJS.ErrnoException).path !== undefined,
  );
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.errno !== 'number' || typeof e.syscall !== 'string' || e.path !== undefined || !(await readErrorsNamePath)) return err;
  return uvError(e.errno, e.syscall, toPathArg(path));
}

/**
 * `fs.promises.readFile(path, options)` over the thread's ring: open, fstat,
 * read until EOF (files that report size 0, like /proc's, are read in
 * chunks), close. Errors are node:fs's (ENOENT from `open`, EISDIR from `read`).
 */
export async function readFile(path: PathLike, options?: ReadFileOptions | BufferEncoding | null): Promise<Buffer | string> {
  if (options !== null && typeof options === 'object' && (options as ReadFileOptions).signal !== undefined) {
    // With a signal: uring-fs/promises' readFile, which takes node's steps so an
    // abort lands where node's would (a cycle of imports: used at call time only).
    return readFilePath(path, options);
  }
  const { encoding, flag } = readFileOptions(options);
  const ring = getRing();
  // One submission for files that fit its first read (src/readfile.ts).
  let whole: Buffer | null;
  try {
    whole = await readWholeFile(ring, path, flag, async () => (await ring.stat(path)).size);
  } catch (err) {
    throw await asReadFileError(err, path);
  }
  if (whole !== null) return encoding ? whole.toString(encoding) : whole;
  const fd = await ring.open(path, flag, 0o666);
  try {
    const st = await ring.fstat(fd);
    if (st.size > MAX_FILE) {
      throw ownError('RangeError', 'ERR_FS_FILE_TOO_LARGE', `File size (${st.size}) is greater than 2 GiB`, readFile);
    }
    let buf = Buffer.allocUnsafe(st.size > 0 ? st.size : CHUNK);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      let n: number;
      try {
        n = await ring.read(fd, buf.subarray(len), -1);
      } catch (err) {
        throw await asReadFileError(err, path);
      }
      if (n === 0) break;
      len += n;
      // A regular file read to its reported size is done (one read, no EOF probe).
      if (st.size > 0 && len === st.size && st.isFile()) break;
    }
    const data = len === buf.length ? buf : buf.subarray(0, len);
    return encoding ? data.toString(encoding) : data;
  } finally {
    await ring.close(fd);
  }
}

/**
 * A zero-filled Buffer whose memory starts on an `alignment` boundary (a power of
 * two, default 4096), as O_DIRECT needs. Needs the native addon.
 */
export function allocAligned(size: number, alignment = 4096): Buffer {
  validateFd(size, 'size'); // an int32 >= 0
  validateFd(alignment, 'alignment');
  if (alignment < 8 || alignment > 1 << 30 || (alignment & (alignment - 1)) !== 0) {
    throw invalidArgValue('alignment', alignment, 'must be a power of two from 8 to 1073741824', allocAligned);
  }
  const loaded = loadBinding();
  if (!loaded.binding) throw new Error(`uring-fs: allocAligned needs the native addon: ${loaded.error}`);
  const buf = loaded.binding.allocAligned(size, alignment) as Buffer | undefined;
  if (buf === undefined) throw new Error('uring-fs: allocAligned could not create the buffer');
  return buf;
}
