// src/errors.ts against the errors node:fs itself produces on the Node running the
// suite: every system-error case provokes a real failure through node:fs and compares
// it with what uvError builds for the same errno, syscall and paths (uvError learned
// its layout from three other failures: an fstat, an open and a rename of paths that
// cannot exist). Our own codes and reasons are compared with node's own coded errors.

import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as url from 'node:url';
import * as util from 'node:util';
import { uvError, destroyedError, invalidArgValue, ownError, URING_ERR_DESTROYED } from '../src/errors';

type Thrown = Error & { code?: unknown };

function thrown(fn: () => unknown): Thrown {
  try {
    fn();
  } catch (err) {
    return err as Thrown;
  }
  throw new Error('expected a throw');
}

async function rejected(p: Promise<unknown>): Promise<Thrown> {
  try {
    await p;
  } catch (err) {
    return err as Thrown;
  }
  throw new Error('expected a rejection');
}

function descriptors(err: object): Record<string, { enumerable?: boolean; writable?: boolean; configurable?: boolean }> {
  const out: Record<string, { enumerable?: boolean; writable?: boolean; configurable?: boolean }> = {};
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(err))) {
    out[k] = { enumerable: d.enumerable, writable: d.writable, configurable: d.configurable };
  }
  return out;
}

// Everything but the stack frames, which necessarily differ.
function expectSameError(ours: Thrown, theirs: Thrown): void {
  expect(ours.message).toBe(theirs.message);
  expect(ours.name).toBe(theirs.name);
  expect(ours.code).toBe(theirs.code);
  expect(ours.constructor).toBe(theirs.constructor);
  expect(ours).toBeInstanceOf(theirs.constructor as new () => unknown);
  expect(Object.getOwnPropertyNames(ours)).toEqual(Object.getOwnPropertyNames(theirs));
  expect(Object.keys(ours)).toEqual(Object.keys(theirs));
  const { stack: _a, ...ourDescriptors } = descriptors(ours);
  const { stack: _b, ...theirDescriptors } = descriptors(theirs);
  expect(ourDescriptors).toEqual(theirDescriptors);
  for (const k of Object.keys(theirs)) {
    expect((ours as unknown as Record<string, unknown>)[k]).toStrictEqual((theirs as unknown as Record<string, unknown>)[k]);
  }
  expect(String(ours)).toBe(String(theirs));
  expect(ours.stack?.split('\n')[0]).toBe(theirs.stack?.split('\n')[0]);
  // util.inspect shows the same thing once the frames are the same.
  expect(util.inspect(withStack(ours, theirs.stack))).toBe(util.inspect(withStack(theirs, theirs.stack)));
}

// A copy of `err` (same prototype, same own properties) with `stack` set.
function withStack(err: Thrown, stack: string | undefined): Thrown {
  const copy = Object.create(Object.getPrototypeOf(err)) as Thrown;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(err));
  Object.defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
  return copy;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-errors-'));
const file = path.join(tmp, 'file');
const dir = path.join(tmp, 'dir');
const loop = path.join(tmp, 'loop');
fs.writeFileSync(file, 'hello');
fs.mkdirSync(dir);
fs.writeFileSync(path.join(dir, 'inner'), '');
fs.symlinkSync(loop, loop);

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('uvError matches node:fs system errors', () => {
  type Case = [label: string, provoke: () => Promise<unknown>, syscall: string, p?: string | Buffer, dest?: string | Buffer];
  const badUtf8 = Buffer.from([0x2f, 0x6e, 0x6f, 0x2f, 0xc3, 0x28, 0xe2, 0x82, 0xff]);
  const cases: Case[] = [
    ['ENOENT open', () => fsp.open('/nonexistent/x'), 'open', '/nonexistent/x'],
    ['ENOTDIR open', () => fsp.open(`${file}/x`), 'open', `${file}/x`],
    ['EISDIR open for write', () => fsp.open(dir, 'w'), 'open', dir],
    ['EEXIST open wx', () => fsp.open(file, 'wx'), 'open', file],
    ['ELOOP open', () => fsp.open(loop), 'open', loop],
    ['ENAMETOOLONG open', () => fsp.open(`/${'n'.repeat(300)}`), 'open', `/${'n'.repeat(300)}`],
    ['EEXIST mkdir', () => fsp.mkdir(dir), 'mkdir', dir],
    ['ENOTEMPTY rmdir', () => fsp.rmdir(dir), 'rmdir', dir],
    ['ENOTDIR rmdir', () => fsp.rmdir(file), 'rmdir', file],
    ['EISDIR unlink', () => fsp.unlink(dir), 'unlink', dir],
    ['ENOENT stat', () => fsp.stat('/nonexistent/y'), 'stat', '/nonexistent/y'],
    ['ENOENT lstat', () => fsp.lstat('/nonexistent/y'), 'lstat', '/nonexistent/y'],
    ['ENOTDIR readdir', () => fsp.readdir(file), 'scandir', file],
    ['ENOENT rename (dest)', () => fsp.rename('/nonexistent/a', '/nonexistent/b'), 'rename', '/nonexistent/a', '/nonexistent/b'],
    ['EINVAL rename into itself (dest)', () => fsp.rename(dir, path.join(dir, 'sub')), 'rename', dir, path.join(dir, 'sub')],
    ['ENOTDIR rename (dest)', () => fsp.rename(dir, file), 'rename', dir, file],
    ['ENOENT link (dest)', () => fsp.link('/nonexistent/a', path.join(tmp, 'l')), 'link', '/nonexistent/a', path.join(tmp, 'l')],
    ['EEXIST symlink (dest)', () => fsp.symlink('/target', file), 'symlink', '/target', file],
    ['Buffer path, invalid UTF-8', () => fsp.open(badUtf8), 'open', badUtf8],
    ['Uint8Array path', () => fsp.open(new Uint8Array([0x2f, 0x6e, 0x6f, 0x2f, 0x78]) as Buffer), 'open', Buffer.from('/no/x')],
    ['lone surrogate', () => fsp.open('/nonexistent/\uD800x'), 'open', '/nonexistent/\uD800x'],
    ['non-ASCII', () => fsp.open('/nonexistent/é日本'), 'open', '/nonexistent/é日本'],
    ['file: URL', () => fsp.open(new URL('file:///nonexistent/%C3%A9')), 'open', url.fileURLToPath('file:///nonexistent/%C3%A9')],
    ['empty path', () => fsp.open(''), 'open', ''],
    ['empty Buffer path', () => fsp.open(Buffer.alloc(0)), 'open', Buffer.alloc(0)],
    ['quote in path', () => fsp.open("/nonexistent/it's"), 'open', "/nonexistent/it's"],
  ];

  it.each(cases.map((c) => [c[0], c] as const))('%s', async (_label, [, provoke, syscall, p, dest]) => {
    const theirs = await rejected(provoke());
    const ours = uvError((theirs as NodeJS.ErrnoException).errno ?? 0, syscall, p, dest);
    expectSameError(ours, theirs);
    expect(ours.syscall).toBe(syscall);
  });

  it('matches the sync and callback APIs too', async () => {
    const sync = thrown(() => fs.openSync('/nonexistent/x', 'r'));
    expectSameError(uvError(-2, 'open', '/nonexistent/x'), sync);
    const cb = await new Promise<Thrown>((resolve) => fs.open('/nonexistent/x', (err) => resolve(err as Thrown)));
    expectSameError(uvError(-2, 'open', '/nonexistent/x'), cb);
  });

  it('matches fd-only failures (no path)', () => {
    const d = fs.openSync(dir, 'r');
    const r = fs.openSync(file, 'r');
    try {
      for (const [syscall, provoke] of [
        ['read', () => fs.readSync(0x7fffffff, Buffer.alloc(1))],
        ['read', () => fs.readSync(d, Buffer.alloc(1))],
        ['ftruncate', () => fs.ftruncateSync(r, 0)],
        ['fstat', () => fs.fstatSync(0x7fffffff)],
      ] as const) {
        const theirs = thrown(provoke) as NodeJS.ErrnoException;
        expectSameError(uvError(theirs.errno as number, syscall), theirs);
      }
    } finally {
      fs.closeSync(d);
      fs.closeSync(r);
    }
    expect(Object.keys(uvError(-9, 'read'))).toEqual(['errno', 'code', 'syscall']);
  });

  it('takes the name and description of an errno from this Node', () => {
    for (const errno of [-1, -2, -13, -95, -125]) {
      const err = uvError(errno, 'open', '/p');
      expect(err.code).toBe(util.getSystemErrorName(errno));
      expect(err.message.startsWith(`${util.getSystemErrorName(errno)}: `)).toBe(true);
      expect(err.message.endsWith(", open '/p'")).toBe(true);
    }
    // libuv's wording for a number it does not know, code and message alike.
    const unknown = uvError(-200, 'read');
    expect(unknown.code).toBe(util.getSystemErrorName(-200));
    expect(unknown.message).toBe(`${unknown.code}: ${unknown.code}, read`);
  });

  it('stops a Buffer path at its NUL terminator, as the C string node reports would', () => {
    const err = uvError(-2, 'open', Buffer.from('/a/b\0junk'));
    expect(err.path).toBe('/a/b');
    expect(err.message).toBe(uvError(-2, 'open', '/a/b').message);
  });

  it('starts the stack at the caller', () => {
    const err = uvError(-2, 'open', '/x');
    expect(err.stack?.split('\n')[0]).toBe(`Error: ${err.message}`);
    expect(err.stack?.split('\n')[1]).not.toMatch(/errors\.ts/);
    expect(err.stack?.split('\n')[1]).toMatch(/errors\.test\.ts/);
  });
});

describe('errors for our own arguments and codes are node’s own coded errors', () => {
  it('invalidArgValue is exactly node’s ERR_INVALID_ARG_VALUE for the same argument, reason and value', () => {
    for (const v of ['bogus', "it's", { a: 1 }, [1, 2], 10n, Symbol('f'), 'q'.repeat(300), Buffer.from('abc')]) {
      const theirs = thrown(() => fs.openSync('/nonexistent/x', v as string));
      expectSameError(invalidArgValue('flags', v, 'is invalid', expect), theirs);
    }
    const mode = thrown(() => fs.openSync('/nonexistent/x', 'r', 'zz'));
    expectSameError(invalidArgValue('mode', 'zz', 'must be a 32-bit unsigned integer or an octal string', expect), mode);
  });

  it('invalidArgValue names a dotted argument a property, as node does', () => {
    const err = invalidArgValue('options.backend', 'x', "must be 'auto', 'io_uring' or 'fs'", expect);
    expect(err.message).toBe("The property 'options.backend' must be 'auto', 'io_uring' or 'fs'. Received 'x'");
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
  });

  // A node coded Error to compare the shape with: ERR_DIR_CLOSED from a closed Dir.
  function nodeCodedError(): Thrown {
    const d = fs.opendirSync(tmp);
    d.closeSync();
    return thrown(() => d.closeSync());
  }

  it('destroyedError has the shape of node’s coded Errors', () => {
    const err = destroyedError('read');
    const theirs = nodeCodedError();
    expect(err).toBeInstanceOf(Error);
    expect(err.constructor).toBe(Error);
    expect(err.name).toBe('Error');
    expect(err.code).toBe(URING_ERR_DESTROYED);
    expect(err.message).toBe('The ring has been destroyed, cannot read');
    expect(String(err)).toBe('Error [ERR_URING_DESTROYED]: The ring has been destroyed, cannot read');
    expect(Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf(err)))).toBe(Object.getPrototypeOf(Object.getPrototypeOf(theirs)));
    expect(Object.getOwnPropertyNames(err)).toEqual(Object.getOwnPropertyNames(theirs));
    expect(Object.keys(err)).toEqual(Object.keys(theirs));
    expect(err.stack, String(err.stack)).toMatch(/\n {4}at .*errors\.test\.ts/);
  });

  it('ownError works for each base class', () => {
    for (const base of ['Error', 'TypeError', 'RangeError'] as const) {
      const err = ownError(base, 'ERR_X', 'went wrong', expect);
      expect(err.constructor.name).toBe(base);
      expect(String(err)).toBe(`${base} [ERR_X]: went wrong`);
      expect(Object.keys(err)).toEqual(['code']);
    }
  });

  // Node's default formatter prints `Name [CODE]: msg` for its coded errors; a userland
  // Error.prepareStackTrace (vitest installs one) prints what it likes. Ours are node's
  // errors, so they read as node's do under each.
  const formatters: [string, typeof Error.prepareStackTrace][] = [
    ["node's default (Error.prepareStackTrace unset)", undefined as unknown as typeof Error.prepareStackTrace],
    ['the one installed now', Error.prepareStackTrace],
    ['a custom one', (err: Error, frames: NodeJS.CallSite[]) => `${err}\n    at ${frames.join('\n    at ')}`],
  ];
  it.each(formatters)('stack headers under %s', (_l, formatter) => {
    const saved = Error.prepareStackTrace;
    Error.prepareStackTrace = formatter;
    try {
      const theirs = nodeCodedError();
      const ours = destroyedError('read');
      const header = (e: Thrown): string => String(e.stack).split('\n')[0];
      expect(header(ours)).toBe(header(theirs).replace(`[${String(theirs.code)}]`, `[${URING_ERR_DESTROYED}]`).replace(theirs.message, ours.message));
      const flags = invalidArgValue('flags', 'bogus', 'is invalid', expect);
      expect(header(flags)).toBe(header(thrown(() => fs.openSync('/nonexistent/x', 'bogus'))));
      expect(header(uvError(-2, 'open', '/nonexistent/x'))).toBe(header(thrown(() => fs.openSync('/nonexistent/x', 'r'))));
    } finally {
      Error.prepareStackTrace = saved;
    }
  });
});
