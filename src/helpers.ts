// Root-level helpers that mirror node:fs/promises over the calling thread's ring.

import { loadBinding } from './binding';
import { ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, nodeError } from './errors';
import { readWholeFile } from './readfile';
import { getRing } from './ring';
import type { PathLike } from './ring';
import { validateInteger } from './validate';

export interface ReadFileOptions {
  encoding?: BufferEncoding | null;
  flag?: string | number;
}

const CHUNK = 64 * 1024;
// node:fs's kIoMaxLength: readFile refuses files larger than this.
const MAX_FILE = 2 ** 31 - 1;

/**
 * `fs.promises.readFile(path, options)` over the thread's ring: open, fstat,
 * read until EOF (files that report size 0, like /proc's, are read in
 * chunks), close. Errors are node:fs's (ENOENT from `open`, EISDIR from `read`).
 */
export async function readFile(path: PathLike, options?: ReadFileOptions | BufferEncoding | null): Promise<Buffer | string> {
  let encoding: BufferEncoding | null | undefined;
  let flag: string | number = 'r';
  if (typeof options === 'string') {
    encoding = options;
  } else if (options != null) {
    if (typeof options !== 'object') throw ERR_INVALID_ARG_TYPE('options', ['string', 'Object'], options);
    encoding = options.encoding;
    flag = options.flag ?? 'r';
  }
  if (encoding != null && !Buffer.isEncoding(encoding)) {
    throw ERR_INVALID_ARG_VALUE('encoding', encoding, 'is invalid encoding');
  }
  const ring = getRing();
  // One submission for files that fit its first read (src/readfile.ts).
  const whole = await readWholeFile(ring, path, flag, async () => (await ring.stat(path)).size);
  if (whole !== null) return encoding ? whole.toString(encoding) : whole;
  const fd = await ring.open(path, flag, 0o666);
  try {
    const st = await ring.fstat(fd);
    if (st.size > MAX_FILE) {
      throw nodeError(RangeError, 'ERR_FS_FILE_TOO_LARGE', `File size (${st.size}) is greater than 2 GiB`);
    }
    let buf = Buffer.allocUnsafe(st.size > 0 ? st.size : CHUNK);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = await ring.read(fd, buf.subarray(len), -1);
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
  validateInteger(size, 'size', 0, 2 ** 31 - 1);
  validateInteger(alignment, 'alignment', 8, 1 << 30);
  if ((alignment & (alignment - 1)) !== 0) throw ERR_INVALID_ARG_VALUE('alignment', alignment, 'must be a power of two');
  const loaded = loadBinding();
  if (!loaded.binding) throw new Error(`uring-fs: allocAligned needs the native addon: ${loaded.error}`);
  const buf = loaded.binding.allocAligned(size, alignment) as Buffer | undefined;
  if (buf === undefined) throw new Error('uring-fs: allocAligned could not create the buffer');
  return buf;
}
