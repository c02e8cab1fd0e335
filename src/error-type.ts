// The shape of every error uring-fs rejects or throws with, for TypeScript
// callers: `catch (err) { const e = err as UringFsError; … }`.

/**
 * node:fs's error shape. Operating-system errors carry `code` ('ENOENT'),
 * `errno` (-2), `syscall` ('open'), `path` and, for rename, `dest`, with
 * node:fs's exact message. Bad arguments are TypeError/RangeError with Node's
 * `ERR_*` code. uring-fs's own codes: `ERR_URING_DESTROYED` (the ring was
 * destroyed), `ERR_URING_UNAVAILABLE` (strict mode and no io_uring).
 */
export interface UringFsError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
  /** A write that failed after part of it landed: the bytes that did. */
  bytesWritten?: number;
  /** `batch()`: the entry an argument error is about. */
  index?: number;
}
