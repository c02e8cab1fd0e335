// Comparing what the ring does with what node:fs does for the same call.

import { expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';

export type Failure = Error & {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  path?: unknown;
  dest?: unknown;
};

/**
 * The rejection of a ring call. The call must return a promise (a ring method
 * never throws synchronously, not even for bad arguments) that rejects.
 */
export async function rejectionOf(call: () => unknown): Promise<Failure> {
  let result: unknown;
  try {
    result = call();
  } catch (err) {
    expect.fail(`threw synchronously instead of rejecting: ${String(err)}`);
  }
  expect(result).toBeInstanceOf(Promise);
  try {
    const value = await result;
    expect.fail(`resolved with ${String(value)} instead of rejecting`);
  } catch (err) {
    if ((err as Error).name === 'AssertionError') throw err;
    return err as Failure;
  }
  throw new Error('unreachable');
}

/** What node:fs threw or rejected with for the same call (it must fail). */
export async function failureOf(call: () => unknown): Promise<Failure> {
  try {
    const value = await call();
    expect.fail(`node:fs succeeded (${String(value)}) where a failure was expected`);
  } catch (err) {
    if ((err as Error).name === 'AssertionError') throw err;
    return err as Failure;
  }
  throw new Error('unreachable');
}

/**
 * The same error in every way a caller can see, but the stack frames: class, name,
 * code, errno, syscall, path, dest, message, and the own enumerable keys in order.
 */
export function expectSameError(ours: Failure, theirs: Failure): void {
  expect({
    ctor: ours.constructor,
    name: ours.name,
    message: ours.message,
    code: ours.code,
    errno: ours.errno,
    syscall: ours.syscall,
    path: ours.path,
    dest: ours.dest,
    keys: Object.keys(ours),
  }).toStrictEqual({
    ctor: theirs.constructor,
    name: theirs.name,
    message: theirs.message,
    code: theirs.code,
    errno: theirs.errno,
    syscall: theirs.syscall,
    path: theirs.path,
    dest: theirs.dest,
    keys: Object.keys(theirs),
  });
  expect(ours).toBeInstanceOf(theirs.constructor as new () => unknown);
}

/** Provokes a failure through the ring and through node:fs; they must be the same. */
export async function expectSameFailure(ours: () => unknown, theirs: () => unknown): Promise<Failure> {
  const [a, b] = await Promise.all([rejectionOf(ours), failureOf(theirs)]);
  expectSameError(a, b);
  return a;
}

/** The description in a real node:fs error's message: `ENOENT: <this>, open '/x'`. */
function descriptionIn(e: Failure): string {
  const m = e.message;
  return m.slice(`${String(e.code)}: `.length, m.indexOf(`, ${String(e.syscall)}`));
}

function thrownBy(fn: () => unknown): Failure | undefined {
  try {
    fn();
  } catch (err) {
    return err as Failure;
  }
  return undefined;
}

/** A real node:fs failure with this errno, where the suite knows how to provoke one. */
function realFailure(errnoName: string): Failure | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-errno-'));
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'x');
  try {
    switch (errnoName) {
      case 'EBADF':
        return thrownBy(() => fs.fstatSync(0x7fffffff));
      case 'EINVAL': {
        const fd = fs.openSync(file, 'r');
        try {
          return thrownBy(() => fs.ftruncateSync(fd, 0)); // not open for writing
        } finally {
          fs.closeSync(fd);
        }
      }
      case 'EFBIG': {
        const fd = fs.openSync(file, 'w');
        try {
          return thrownBy(() => fs.writeSync(fd, Buffer.alloc(1), 0, 1, Number.MAX_SAFE_INTEGER - 1));
        } finally {
          fs.closeSync(fd);
        }
      }
      case 'EOPNOTSUPP': // libuv's ENOTSUP; copy-on-write clones are refused where unsupported
        return thrownBy(() => fs.copyFileSync(file, path.join(dir, 'g'), fs.constants.COPYFILE_FICLONE_FORCE));
      default:
        return undefined;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A system error as node:fs builds it for an fd-only call it has no counterpart of (as
 * fallocate), from real node:fs failures rather than from src/errors.ts's way of
 * building one: the frame (class, own keys, message layout) of a failed fstat of a
 * never-open fd, with this errno's code and description as a real node:fs failure with
 * it words them (util's words for an errno the suite cannot provoke), and `syscall`.
 */
export function systemError(errnoName: string, syscall: string): Failure {
  const frame = thrownBy(() => fs.fstatSync(0x7fffffff)) as Failure;
  const errno = -(os.constants.errno as Record<string, number>)[errnoName];
  const real = realFailure(errnoName);
  if (real && real.errno !== errno) throw new Error(`provoked ${String(real.code)} for ${errnoName}`);
  const code = real ? String(real.code) : getSystemErrorName(errno);
  const description = real ? descriptionIn(real) : (getSystemErrorMap().get(errno) as [string, string])[1];
  const message = frame.message
    .replace(String(frame.code), code)
    .replace(descriptionIn(frame), description)
    .replace(`, ${String(frame.syscall)}`, `, ${syscall}`);
  const err = new (frame.constructor as ErrorConstructor)(message) as Failure;
  const fields: Record<string, unknown> = { errno, code, syscall };
  for (const k of Object.keys(frame)) (err as unknown as Record<string, unknown>)[k] = fields[k];
  return err;
}

/** The three forms a path can take: string, Buffer, file: URL. */
export function pathForms(p: string): [string, string | Buffer | URL][] {
  return [
    ['string', p],
    ['Buffer', Buffer.from(p)],
    ['URL', pathToFileURL(p)],
  ];
}

// node:fs callbacks as promises with node:fs's own errors (node:fs/promises has
// no fd-number API; its FileHandle methods fail the same way for the same fd).
function cb<T>(fn: (done: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

export const nodeFd = {
  read: (fd: number, view: ArrayBufferView, position: number | bigint | null): Promise<number> =>
    cb((d) => fs.read(fd, view as NodeJS.ArrayBufferView, 0, view.byteLength, position as number | null, (e, n) => d(e, n))),
  write: (fd: number, view: ArrayBufferView, position: number | null): Promise<number> =>
    cb((d) => fs.write(fd, view as NodeJS.ArrayBufferView, 0, view.byteLength, position, (e, n) => d(e, n))),
  readv: (fd: number, views: ArrayBufferView[], position: number | null): Promise<number> =>
    cb((d) => fs.readv(fd, views as NodeJS.ArrayBufferView[], position, (e, n) => d(e, n))),
  writev: (fd: number, views: ArrayBufferView[], position: number | null): Promise<number> =>
    cb((d) => fs.writev(fd, views as NodeJS.ArrayBufferView[], position, (e, n) => d(e, n))),
  close: (fd: number): Promise<void> => cb((d) => fs.close(fd, (e) => d(e))),
  fsync: (fd: number): Promise<void> => cb((d) => fs.fsync(fd, (e) => d(e))),
  fdatasync: (fd: number): Promise<void> => cb((d) => fs.fdatasync(fd, (e) => d(e))),
  ftruncate: (fd: number, len?: number): Promise<void> => cb((d) => fs.ftruncate(fd, len, (e) => d(e))),
  fstat: (fd: number, options?: fs.StatOptions): Promise<fs.Stats | fs.BigIntStats> =>
    cb((d) => fs.fstat(fd, options ?? {}, (e, st) => d(e, st))),
};

/** Bad fd arguments, each rejected by node's fd validator. */
export const BAD_FDS: readonly unknown[] = ['x', -1, 1.5, 2 ** 31, -(2 ** 31) - 1, NaN, Infinity, null, undefined, 3n, {}, [1], true];

/** A label for a value in a test name. */
export function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof URL) return `URL ${v.href}`;
  if (Buffer.isBuffer(v)) return `Buffer ${JSON.stringify(v.toString('latin1'))}`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v !== null && typeof v === 'object') return v.constructor === Object ? '{}' : `a ${v.constructor?.name}`;
  return String(v);
}
