// uring-fs/promises: a drop-in for node:fs/promises. Every export of the
// running Node's node:fs/promises is here (named and default, ESM and CJS);
// those with an io_uring opcode run on the calling thread's ring, the rest are
// node:fs/promises' own functions (docs/api.md has the table).

import * as nodeFsp from 'node:fs/promises';

import { getRing } from '../ring';
import type { PathLike } from '../ring';
import { FileHandle, nodeClassAdopted } from './filehandle';
import { readFileHandle, readFilePath, writeFileHandle, writeFilePath } from './files';

type NodeFsp = typeof import('node:fs/promises');

/** open(path, flags = 'r', mode = 0o666): resolves a FileHandle (IORING_OP_OPENAT). */
function open(path: PathLike, flags?: string | number, mode?: string | number): Promise<FileHandle> {
  const ring = getRing();
  const opened = ring.open(path, flags === undefined ? 'r' : flags, mode === undefined ? 0o666 : mode);
  // The first handle waits until FileHandle is one of node's (filehandle.ts).
  const ready = nodeClassAdopted();
  return ready === null ? opened.then((fd) => new FileHandle(fd, ring, path)) : Promise.all([opened, ready]).then(([fd]) => new FileHandle(fd, ring, path));
}

/** readFile(path | filehandle, options): open, read to EOF, close, all on the ring. */
function readFile(path: PathLike | FileHandle, options?: unknown): Promise<string | Buffer> {
  if (path instanceof FileHandle) return path.readFile(options as never);
  return readFilePath(path, options);
}

/** writeFile(path | filehandle, data, options): open, write all (fsync with `flush`), close. */
function writeFile(path: PathLike | FileHandle, data: unknown, options?: unknown): Promise<void> {
  if (path instanceof FileHandle) return path.writeFile(data, options as never);
  return writeFilePath(path, data, options, 'w');
}

function appendFile(path: PathLike | FileHandle, data: unknown, options?: unknown): Promise<void> {
  if (path instanceof FileHandle) return path.appendFile(data, options as never);
  return writeFilePath(path, data, options, 'a');
}

function stat(path: PathLike, options?: unknown): Promise<unknown> {
  return getRing().stat(path, options as never);
}

function lstat(path: PathLike, options?: unknown): Promise<unknown> {
  return getRing().lstat(path, options as never);
}

function rename(oldPath: PathLike, newPath: PathLike): Promise<void> {
  return getRing().rename(oldPath, newPath);
}

function unlink(path: PathLike): Promise<void> {
  return getRing().unlink(path);
}

/** rmdir(path): IORING_OP_UNLINKAT(AT_REMOVEDIR); with options (the deprecated `recursive`), node's. */
function rmdir(path: PathLike, options?: unknown): Promise<void> {
  if (options !== undefined) return nodeFsp.rmdir(path, options as never);
  return getRing().rmdir(path);
}

/** mkdir(path, options): IORING_OP_MKDIRAT; `recursive` runs on node:fs. */
function mkdir(path: PathLike, options?: unknown): Promise<string | undefined> {
  return getRing().mkdir(path, options as never);
}

function symlink(target: PathLike, path: PathLike, type?: string | null): Promise<void> {
  return getRing().symlink(target, path, type as never);
}

function link(existingPath: PathLike, newPath: PathLike): Promise<void> {
  return getRing().link(existingPath, newPath);
}

/** truncate(path, len): open, ftruncate, close on the ring, as node:fs/promises does them. */
async function truncate(path: PathLike, len: number = 0): Promise<void> {
  const fh = await open(path, 'r+');
  let failure: unknown;
  try {
    await fh.truncate(len);
  } catch (err) {
    failure = err;
  }
  await fh.close().catch((closeErr: unknown) => {
    if (failure === undefined) failure = closeErr;
  });
  if (failure !== undefined) throw failure;
}

const onRing = { open, readFile, writeFile, appendFile, stat, lstat, rename, unlink, rmdir, mkdir, truncate, symlink, link };

// Everything the running Node's node:fs/promises exports, ours where the ring
// serves it. An own, writable, enumerable property each, as on node's object.
const api: Record<string, unknown> = {};
for (const key of Object.keys(nodeFsp)) {
  if (key === 'default') continue;
  api[key] = Object.hasOwn(onRing, key) ? onRing[key as keyof typeof onRing] : (nodeFsp as Record<string, unknown>)[key];
}
for (const [key, fn] of Object.entries(onRing)) api[key] = fn;

export = api as unknown as NodeFsp;
