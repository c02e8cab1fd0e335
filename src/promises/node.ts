// Errors of the running Node for the drop-in, without carrying its text.
//
// A FileHandle method decides whether its arguments are valid (a port of
// node:fs/promises' rules, which are the same from Node 20 to 26 in what they
// accept); what it refuses, it refuses with the error node's own FileHandle
// gives for the same call: the same method, the same arguments, on a node
// FileHandle over /dev/null (where a call that does get through reads nothing
// and writes nowhere). Its message, code and class are the running Node's.

import * as fsp from 'node:fs/promises';

let dummy: Promise<fsp.FileHandle> | undefined;

export function devNull(): Promise<fsp.FileHandle> {
  dummy ??= fsp.open('/dev/null', 'r+').then((fh) => {
    // Kept open for the process's life, never keeping it alive.
    (fh as unknown as { [k: symbol]: unknown })[Symbol.for('uring-fs.devnull')] = true;
    return fh;
  });
  return dummy;
}

type Method = 'read' | 'write' | 'readv' | 'writev';

/**
 * Rejects with node's error for `method(...args)`. `ours` is what our own check
 * threw; it is used only if node takes the arguments after all (a difference to
 * report as a bug, never a call made on the real fd with arguments we refused).
 */
export async function nodeCheck<T>(method: Method, ours: unknown, ...args: unknown[]): Promise<T> {
  const fh = await devNull();
  const fn = fh[method] as (...a: unknown[]) => Promise<unknown>;
  await fn.apply(fh, args);
  throw ours;
}

let closedShape: { message: string } | undefined;

/**
 * node's rejection for a call on a closed FileHandle: `Error('file closed')`
 * with code EBADF and the method's syscall name, read off a node FileHandle
 * closed for the purpose the first time it is needed.
 */
export async function closedError<T>(syscall: string): Promise<T> {
  if (closedShape === undefined) {
    const fh = await fsp.open('/dev/null');
    await fh.close();
    try {
      await fh.stat();
      closedShape = { message: 'file closed' };
    } catch (err) {
      closedShape = { message: (err as Error).message };
    }
  }
  const err = new Error(closedShape.message) as NodeJS.ErrnoException;
  err.code = 'EBADF';
  err.syscall = syscall;
  throw err;
}
