// O_DIRECT made easy: what alignment a file's direct I/O needs (statx with
// STATX_DIOALIGN, Linux 6.1), and a hint in the error of a direct read or write
// the kernel refused with EINVAL.

import { constants, fstat } from 'node:fs';
import * as fsp from 'node:fs/promises';

import { loadBinding } from './binding';
import { featureDisabled } from './buffers';
import { uvError } from './errors';
import { pathToCString, toPathArg, validateFd } from './validate';

export interface DioAlignment {
  /** The alignment, in bytes, the memory of a direct read or write must have. */
  memory: number;
  /** The alignment, in bytes, its file offset and length must have. */
  offset: number;
}

const EINVAL = -22;

/**
 * statx(STATX_DIOALIGN) of a path or an fd: `{ memory, offset }`; both 0 when
 * the file does not support direct I/O; null when the kernel (before 6.1) or
 * the filesystem does not say, or without the native addon.
 */
export async function dioAlignment(pathOrFd: unknown, anchor: (...args: never[]) => unknown): Promise<DioAlignment | null> {
  let fd = -1;
  let path: string | Buffer | undefined;
  if (typeof pathOrFd === 'number') fd = validateFd(pathOrFd);
  else path = toPathArg(pathOrFd, 'pathOrFd');
  const binding = loadBinding().binding;
  if (binding === undefined || typeof binding.dioAlign !== 'function') {
    // No addon: node:fs still answers whether the file is there (its errors).
    if (path !== undefined) await fsp.stat(path);
    else await new Promise<void>((resolve, reject) => fstat(fd, (err) => (err ? reject(err) : resolve())));
    return null;
  }
  const [rc, memory, offset] = binding.dioAlign(fd, path === undefined ? null : pathToCString(path));
  if (rc < 0) throw uvError(rc, 'statx', path);
  if (memory < 0 || featureDisabled('dioAlign')) return null;
  return { memory, offset };
}

/**
 * An EINVAL from a read or write on an fd opened with O_DIRECT: the same error
 * (code, errno, syscall unchanged) with what the file's direct I/O needs
 * appended to its message. Other errors are returned untouched.
 */
export function withDirectHint<E>(err: E, fd: number): E {
  const e = err as unknown as { errno?: unknown; message?: unknown; stack?: unknown };
  if (typeof e !== 'object' || e === null || e.errno !== EINVAL || typeof e.message !== 'string' || fd < 0) return err;
  const binding = loadBinding().binding;
  if (binding === undefined || typeof binding.fdFlags !== 'function') return err;
  const flags = binding.fdFlags(fd);
  if (flags < 0 || (flags & constants.O_DIRECT) === 0) return err;
  const [rc, memory, offset] = binding.dioAlign(fd, null);
  const hint =
    rc === 0 && memory > 0 && !featureDisabled('dioAlign')
      ? `; the file is open with O_DIRECT, which here needs memory aligned to ${memory} bytes and a position and length that are multiples of ${offset} (ring.dioAlignment(); allocAligned() or ring.registerBuffers() give aligned memory)`
      : '; the file is open with O_DIRECT, which needs aligned memory, position and length (usually to the logical block size; ring.dioAlignment() could not tell for this file)';
  const old = e.message;
  const message = old + hint;
  e.message = message;
  if (typeof e.stack === 'string') e.stack = e.stack.replace(old, message);
  return err;
}
