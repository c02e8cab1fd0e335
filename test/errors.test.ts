// Parity of src/errors.ts with the errors node:fs itself produces: every case provokes
// the real failure through node and compares it with what our factory builds.

import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as url from 'node:url';
import * as util from 'node:util';
import {
  uvError,
  nodeError,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_OUT_OF_RANGE,
  destroyedError,
  URING_ERR_DESTROYED,
  addNumericalSeparator,
  determineSpecificType,
} from '../src/errors';

type Thrown = Error & { code?: unknown };

// The stack header node's own coded errors get under the formatter installed now.
function header(name: string, code: string, message: string): string {
  const probe = thrown(() => Buffer.alloc(-1));
  const withCode = String(probe.stack).startsWith(`RangeError [${String(probe.code)}]`);
  return withCode ? `${name} [${code}]: ${message}` : `${name}: ${message}`;
}

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
  expect(ours instanceof theirs.constructor).toBe(true);
  expect(Object.getPrototypeOf(Object.getPrototypeOf(ours)) === Error.prototype).toBe(
    Object.getPrototypeOf(Object.getPrototypeOf(theirs)) === Error.prototype,
  );
  expect(Object.getOwnPropertyNames(ours)).toEqual(Object.getOwnPropertyNames(theirs));
  expect(Object.keys(ours)).toEqual(Object.keys(theirs));
  expect(descriptors(ours)).toEqual(descriptors(theirs));
  for (const k of Object.keys(theirs)) {
    expect((ours as unknown as Record<string, unknown>)[k]).toStrictEqual((theirs as unknown as Record<string, unknown>)[k]);
  }
  expect(String(ours)).toBe(String(theirs));
  expect(ours.stack?.split('\n')[0]).toBe(theirs.stack?.split('\n')[0]);
  // With the frames made equal, util.inspect must print both the same way.
  const copy = Object.assign(Object.create(Object.getPrototypeOf(ours)), ours);
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(ours));
  copy.stack = theirs.stack;
  expect(util.inspect(copy)).toBe(util.inspect(theirs));
}

// Created at load: it.each tables are built while collecting, before any hook runs.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-errors-'));
const file = path.join(tmp, 'file');
const dir = path.join(tmp, 'dir');
fs.writeFileSync(file, 'hello');
fs.mkdirSync(dir);
fs.writeFileSync(path.join(dir, 'inner'), '');

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('uvError matches node:fs system errors', () => {
  type Case = [label: string, provoke: () => Promise<unknown>, syscall: string, p?: string | Buffer, dest?: string | Buffer];
  const badUtf8 = Buffer.from([0x2f, 0x6e, 0x6f, 0x2f, 0xc3, 0x28, 0xe2, 0x82, 0xff]);
  const cases = (): Case[] => [
    ['ENOENT open', () => fsp.open('/nonexistent/x'), 'open', '/nonexistent/x'],
    ['ENOTDIR open', () => fsp.open(`${file}/x`), 'open', `${file}/x`],
    ['EISDIR open for write', () => fsp.open(dir, 'w'), 'open', dir],
    ['EEXIST open wx', () => fsp.open(file, 'wx'), 'open', file],
    ['EEXIST mkdir', () => fsp.mkdir(dir), 'mkdir', dir],
    ['ENOTEMPTY rmdir', () => fsp.rmdir(dir), 'rmdir', dir],
    ['ENOENT stat', () => fsp.stat('/nonexistent/y'), 'stat', '/nonexistent/y'],
    ['ENOENT lstat', () => fsp.lstat('/nonexistent/y'), 'lstat', '/nonexistent/y'],
    ['ENOENT unlink', () => fsp.unlink('/nonexistent/y'), 'unlink', '/nonexistent/y'],
    ['ENOTDIR readdir', () => fsp.readdir(file), 'scandir', file],
    ['ENOENT rename (dest)', () => fsp.rename('/nonexistent/a', '/nonexistent/b'), 'rename', '/nonexistent/a', '/nonexistent/b'],
    ['ENOENT link (dest)', () => fsp.link('/nonexistent/a', path.join(tmp, 'l')), 'link', '/nonexistent/a', path.join(tmp, 'l')],
    ['EEXIST symlink (dest)', () => fsp.symlink('/target', file), 'symlink', '/target', file],
    ['Buffer path, invalid UTF-8', () => fsp.open(badUtf8), 'open', badUtf8],
    ['Uint8Array path', () => fsp.open(new Uint8Array([0x2f, 0x6e, 0x6f, 0x78]) as Buffer), 'open', Buffer.from('/nox')],
    ['lone surrogate', () => fsp.open('/nonexistent/\uD800x'), 'open', '/nonexistent/\uD800x'],
    ['non-ASCII', () => fsp.open('/nonexistent/é日本'), 'open', '/nonexistent/é日本'],
    ['file: URL', () => fsp.open(new URL('file:///nonexistent/%C3%A9')), 'open', url.fileURLToPath('file:///nonexistent/%C3%A9')],
    ['empty path', () => fsp.open(''), 'open', ''],
    ['empty Buffer path', () => fsp.open(Buffer.alloc(0)), 'open', Buffer.alloc(0)],
    ['quote in path', () => fsp.open("/nonexistent/it's"), 'open', "/nonexistent/it's"],
  ];

  it.each(cases().map((c) => [c[0], c] as const))('%s', async (_label, [, provoke, syscall, p, dest]) => {
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

  it('matches an fd-only failure (no path)', () => {
    const theirs = thrown(() => fs.readSync(0x7fffffff, Buffer.alloc(1)));
    expectSameError(uvError(-9, 'read'), theirs);
    expect(Object.keys(uvError(-9, 'read'))).toEqual(['errno', 'code', 'syscall']);
  });

  it('names every errno node knows the way node does', () => {
    for (const [errno, [code, description]] of util.getSystemErrorMap()) {
      const err = uvError(errno, 'open', '/p');
      expect(err.code).toBe(code);
      expect(err.code).toBe(util.getSystemErrorName(errno));
      expect(err.errno).toBe(errno);
      expect(err.message).toBe(`${code}: ${description}, open '/p'`);
    }
  });

  it("uses libuv's wording for numbers it does not know", () => {
    const err = uvError(-200, 'read');
    expect(err.code).toBe(util.getSystemErrorName(-200));
    expect(err.code).toBe('Unknown system error -200');
    expect(err.message).toBe('Unknown system error -200: Unknown system error -200, read');
  });

  it('stops a Buffer path at its NUL terminator, as the C string node reports would', () => {
    const err = uvError(-2, 'open', Buffer.from('/a/b\0junk'));
    expect(err.path).toBe('/a/b');
    expect(err.message).toBe("ENOENT: no such file or directory, open '/a/b'");
  });

  it('starts the stack at the caller', () => {
    const err = uvError(-2, 'open', '/x');
    expect(err.stack?.split('\n')[0]).toBe("Error: ENOENT: no such file or directory, open '/x'");
    expect(err.stack?.split('\n')[1]).not.toMatch(/errors\.ts/);
    expect(err.stack?.split('\n')[1]).toMatch(/errors\.test\.ts/);
  });
});

// Values to push through node's validators; each one's description exercises a branch
// of determineSpecificType / inspect.
class Foo {}
const odd: [string, unknown][] = [
  ['0', 0],
  ['-0', -0],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['1.5', 1.5],
  ['2**53', 2 ** 53],
  ['-1e21', -1e21],
  ['5n', 5n],
  ['2n**64n', 2n ** 64n],
  ['true', true],
  ['false', false],
  ['Symbol()', Symbol()],
  ["Symbol('s')", Symbol('s')],
  ['arrow', () => {}],
  ['named function', function named(): void {}],
  ['class', Foo],
  ['instance', new Foo()],
  ['{}', {}],
  ['[]', []],
  ['[1,2]', [1, 2]],
  ['Map', new Map([[1, 2]])],
  ['Date', new Date(0)],
  ['RegExp', /re/g],
  ['Promise', Promise.resolve(1)],
  ['null prototype', Object.create(null)],
  ['null prototype with keys', Object.assign(Object.create(null), { a: 1, b: { c: 2 } })],
  ['fake constructor', { constructor: { name: 'Fake' } }],
  ['constructor without name', { constructor: {} }],
  ['null', null],
  ['undefined', undefined],
  ['Error', new Error('boom')],
];
const strings: [string, string][] = [
  ['empty string', ''],
  ['short string', 'abc'],
  ['quote', "it's"],
  ['28 chars', 'x'.repeat(28)],
  ['29 chars', 'x'.repeat(29)],
  ['long with quote', "it's " + 'y'.repeat(40)],
  ['double quote', 'say "hi"'],
  ['newline', 'a\nb'],
];

describe('ERR_INVALID_ARG_TYPE matches node', () => {
  const nonPaths = odd.filter(([, v]) => typeof v !== 'string');
  it.each(nonPaths)('path, received %s', (_l, v) => {
    expectSameError(ERR_INVALID_ARG_TYPE('path', ['string', 'Buffer', 'URL'], v), thrown(() => fs.openSync(v as string, 'r')));
  });

  // fs.readSync validates its fd in JS (getValidatedFd). Avoid fs.closeSync/fstatSync
  // here: Node 20.20 checks those in C++, whose messages differ from its JS ones (e.g.
  // `type bigint (5)`) and which abort the process for a Symbol.
  it.each([...odd.filter(([, v]) => typeof v !== 'number'), ...strings])('fd (number), received %s', (_l, v) => {
    expectSameError(ERR_INVALID_ARG_TYPE('fd', 'number', v), thrown(() => fs.readSync(v as number, Buffer.alloc(1))));
  });

  it.each(odd.filter(([, v]) => typeof v !== 'boolean' && v !== undefined))('property name, received %s', (_l, v) => {
    expectSameError(
      ERR_INVALID_ARG_TYPE('options.recursive', 'boolean', v),
      thrown(() => fs.mkdirSync(path.join(tmp, 'never'), { recursive: v as boolean })),
    );
  });

  it.each([...odd.filter(([, v]) => !ArrayBuffer.isView(v)), ...strings])('class list, received %s', (_l, v) => {
    expectSameError(
      ERR_INVALID_ARG_TYPE('buffer', ['Buffer', 'TypedArray', 'DataView'], v),
      thrown(() => fs.readSync(0x7fffffff, v as Buffer)),
    );
  });

  it.each([...odd.filter(([, v]) => typeof v !== 'number' && typeof v !== 'bigint' && v != null), ...strings])(
    "lower-case 'other' entry, received %s",
    (_l, v) => {
      expectSameError(
        ERR_INVALID_ARG_TYPE('position', ['integer', 'bigint'], v),
        thrown(() => fs.readSync(0x7fffffff, Buffer.alloc(1), 0, 1, v as number)),
      );
    },
  );

  it.each(odd.filter(([, v]) => typeof v !== 'function'))('Function, received %s', (_l, v) => {
    expectSameError(ERR_INVALID_ARG_TYPE('cb', 'Function', v), thrown(() => fs.stat('/', {}, v as () => void)));
  });

  const nonObjects = odd.filter(([, v]) => v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v)));
  it.each([...nonObjects, ...strings])(
    'Object, received %s',
    (_l, v) => {
      expectSameError(ERR_INVALID_ARG_TYPE('options', 'Object', v), thrown(() => fs.openAsBlob('/', v as object)));
    },
  );

  it('throws what node throws for a primitive `constructor`', () => {
    const v = { constructor: 5 };
    // Node sets Error.stackTraceLimit to 0 around building this error and, as building
    // it throws, never restores it: put it back ourselves.
    const limit = Error.stackTraceLimit;
    const theirs = thrown(() => fs.openSync(v as unknown as string, 'r'));
    Error.stackTraceLimit = limit;
    const ours = thrown(() => ERR_INVALID_ARG_TYPE('path', ['string', 'Buffer', 'URL'], v));
    expect(ours.constructor).toBe(theirs.constructor);
    expect(ours.message).toBe(theirs.message);
  });

  it('formats the expected list like node for other shapes', () => {
    // Messages straight from node's own tests (test/parallel/test-errors-*).
    expect(ERR_INVALID_ARG_TYPE('first argument', 'string', 1).message).toBe(
      'The first argument must be of type string. Received type number (1)',
    );
    expect(ERR_INVALID_ARG_TYPE('a', ['string', 'number', 'boolean'], null).message).toBe(
      'The "a" argument must be one of type string, number, or boolean. Received null',
    );
    expect(ERR_INVALID_ARG_TYPE('a', ['object', 'Foo'], null).message).toBe(
      'The "a" argument must be an instance of Foo or Object. Received null',
    );
    expect(ERR_INVALID_ARG_TYPE('a', ['a dictionary', 'x y'], null).message).toBe(
      'The "a" argument must be one of a dictionary or x y. Received null',
    );
    expect(ERR_INVALID_ARG_TYPE('a', 'ArrayBufferView[]', null).message).toBe(
      'The "a" argument must be an ArrayBufferView[]. Received null',
    );
  });
});

describe('ERR_OUT_OF_RANGE matches node', () => {
  const numbers: [string, number][] = [
    ['1.5', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['-0.5', -0.5],
    ['1e21 (node prints 1e_+21)', 1e21],
    ['2**53 + 0.5 is an integer', 2 ** 53],
  ];
  it.each(numbers)('not an integer / huge: %s', (_l, v) => {
    const theirs = thrown(() => fs.readSync(v, Buffer.alloc(1)));
    const range = Number.isInteger(v) ? '>= 0 && <= 2147483647' : 'an integer';
    expectSameError(ERR_OUT_OF_RANGE('fd', range, v), theirs);
  });

  const ints: [string, number][] = [
    ['-1', -1],
    ['2**31', 2 ** 31],
    ['2**32', 2 ** 32],
    ['2**32 + 1 (separators)', 2 ** 32 + 1],
    ['-(2**33)', -(2 ** 33)],
    ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
    ['1e300', 1e300],
  ];
  it.each(ints)('outside the range: %s', (_l, v) => {
    expectSameError(ERR_OUT_OF_RANGE('fd', '>= 0 && <= 2147483647', v), thrown(() => fs.readSync(v, Buffer.alloc(1))));
  });

  it.each([
    ['2n**64n', 2n ** 64n],
    ['-(2n**64n)', -(2n ** 64n)],
    ['2n**63n', 2n ** 63n],
  ] as [string, bigint][])('bigint received: %s', (_l, v) => {
    const theirs = thrown(() => fs.readSync(0x7fffffff, Buffer.alloc(1), 0, 1, v));
    // The range text is whatever this node's fs uses; the "Received" part is ours to get right.
    const range = /It must be (.*)\. Received/.exec(theirs.message)?.[1] ?? '';
    expectSameError(ERR_OUT_OF_RANGE('position', range, v), theirs);
  });

  it('matches a positive-uint32 range from another node module', () => {
    const theirs = thrown(() => require('node:v8').setHeapSnapshotNearHeapLimit(0));
    expectSameError(ERR_OUT_OF_RANGE('limit', '>= 1 && <= 4294967295', 0), theirs);
  });

  it('formats small bigints without separators and honours replaceDefaultBoolean', () => {
    expect(ERR_OUT_OF_RANGE('x', '>= 1', 5n).message).toBe('The value of "x" is out of range. It must be >= 1. Received 5n');
    expect(ERR_OUT_OF_RANGE('x', '>= 1', 2n ** 32n).message).toBe(
      'The value of "x" is out of range. It must be >= 1. Received 4294967296n',
    );
    expect(ERR_OUT_OF_RANGE('x', '>= 1', 'str').message).toBe(
      "The value of \"x\" is out of range. It must be >= 1. Received 'str'",
    );
    expect(ERR_OUT_OF_RANGE('Custom text.', '>= 1', 0, true).message).toBe('Custom text. It must be >= 1. Received 0');
  });
});

describe('ERR_INVALID_ARG_VALUE matches node', () => {
  const values: [string, unknown][] = [
    ['bogus', 'bogus'],
    ['{}', {}],
    ['[]', []],
    ['true', true],
    ['10n', 10n],
    ['Symbol', Symbol('f')],
    ['long string (truncated at 128)', 'q'.repeat(300)],
    ['nested object', { a: { b: { c: { d: 1 } } }, list: [1, 2, 3] }],
    ['big array', Array.from({ length: 200 }, (_, i) => i)],
    ['function', function flags(): void {}],
    ['Buffer', Buffer.from('abc')],
  ];
  it.each(values)('flags: %s', (_l, v) => {
    expectSameError(ERR_INVALID_ARG_VALUE('flags', v), thrown(() => fs.openSync('/nonexistent/x', v as string)));
  });

  it('with a reason and a NUL-bearing path', () => {
    const reason = 'must be a string, Uint8Array, or URL without null bytes';
    expectSameError(ERR_INVALID_ARG_VALUE('path', 'a\0b', reason), thrown(() => fs.openSync('a\0b', 'r')));
    const buf = Buffer.from('a\0b'.repeat(60));
    expectSameError(ERR_INVALID_ARG_VALUE('path', buf, reason), thrown(() => fs.openSync(buf, 'r')));
  });

  it('can be a RangeError like node’s ERR_INVALID_ARG_VALUE.RangeError', () => {
    const err = ERR_INVALID_ARG_VALUE('encoding', 'x', 'is invalid', RangeError);
    expect(err).toBeInstanceOf(RangeError);
    expect(err.name).toBe('RangeError');
    expect(err.constructor).toBe(RangeError);
    expect(String(err)).toBe("RangeError [ERR_INVALID_ARG_VALUE]: The argument 'encoding' is invalid. Received 'x'");
    expect(ERR_INVALID_ARG_VALUE('options.x', 1).message).toBe("The property 'options.x' is invalid. Received 1");
  });
});

describe('nodeError', () => {
  it("matches node's fixed-message coded errors", () => {
    const theirs = thrown(() => url.fileURLToPath('file:///a%2fb'));
    const ours = nodeError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
    expectSameError(ours, theirs);
    const host = thrown(() => url.fileURLToPath('file://host/x'));
    expectSameError(
      nodeError(TypeError, 'ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux'),
      host,
    );
  });

  it('works with any base and starts the stack at the caller', () => {
    const err = nodeError(RangeError, 'ERR_X', 'went wrong');
    expect(err).toBeInstanceOf(RangeError);
    expect(err.constructor).toBe(RangeError);
    expect(err.stack?.split('\n')[0]).toBe(header('RangeError', 'ERR_X', 'went wrong'));
    expect(err.stack, String(err.stack)).toMatch(/\n    at .*errors\.test\.ts/);
    expect(String(err)).toBe('RangeError [ERR_X]: went wrong');
    expect(Object.keys(err)).toEqual(['code']);
  });

  it('keeps the [CODE] header when Error.stackTraceLimit is 0', () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const ours = ERR_INVALID_ARG_TYPE('fd', 'number', 'x');
      const theirs = thrown(() => fs.readSync('x' as unknown as number, Buffer.alloc(1)));
      expect(ours.stack).toBe(theirs.stack);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
});

describe('stack headers follow the installed formatter, as node’s do', () => {
  // Node's default formatter prints `Name [CODE]: msg` for its coded errors; a userland
  // Error.prepareStackTrace (vitest installs one) prints `Name: msg`. Check both.
  const formatters: [string, typeof Error.prepareStackTrace][] = [
    ["node's default (Error.prepareStackTrace unset)", undefined as unknown as typeof Error.prepareStackTrace],
    ['the one installed now', Error.prepareStackTrace],
    ['a custom one', (err: Error, frames: NodeJS.CallSite[]) => `${err}\n    at ${frames.join('\n    at ')}`],
  ];
  it.each(formatters)('%s', (_l, formatter) => {
    const saved = Error.prepareStackTrace;
    Error.prepareStackTrace = formatter;
    try {
      const pairs: [Thrown, Thrown][] = [
        [ERR_INVALID_ARG_TYPE('fd', 'number', 'x'), thrown(() => fs.readSync('x' as unknown as number, Buffer.alloc(1)))],
        [ERR_OUT_OF_RANGE('fd', 'an integer', 1.5), thrown(() => fs.readSync(1.5, Buffer.alloc(1)))],
        [ERR_INVALID_ARG_VALUE('flags', 'bogus'), thrown(() => fs.openSync('/nonexistent/x', 'bogus'))],
        [
          nodeError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters'),
          thrown(() => url.fileURLToPath('file:///a%2fb')),
        ],
        [uvError(-2, 'open', '/nonexistent/x'), thrown(() => fs.openSync('/nonexistent/x', 'r'))],
      ];
      for (const [ours, theirs] of pairs) {
        expect(ours.stack?.split('\n')[0]).toBe(theirs.stack?.split('\n')[0]);
        expect(Object.getOwnPropertyNames(ours)).toEqual(Object.getOwnPropertyNames(theirs));
      }
      if (formatter === undefined) {
        expect(pairs[0][0].stack?.split('\n')[0]).toMatch(/^TypeError \[ERR_INVALID_ARG_TYPE\]: /);
      }
    } finally {
      Error.prepareStackTrace = saved;
    }
  });
});

describe('destroyedError', () => {
  it('is a coded Error', () => {
    const err = destroyedError('read');
    expect(err).toBeInstanceOf(Error);
    expect(err.constructor).toBe(Error);
    expect(err.name).toBe('Error');
    expect(err.code).toBe(URING_ERR_DESTROYED);
    expect(err.code).toBe('ERR_URING_DESTROYED');
    expect(err.message).toBe('The ring has been destroyed, cannot read');
    expect(String(err)).toBe('Error [ERR_URING_DESTROYED]: The ring has been destroyed, cannot read');
    expect(err.stack?.split('\n')[0]).toBe(header('Error', 'ERR_URING_DESTROYED', 'The ring has been destroyed, cannot read'));
    expect(Object.getOwnPropertyNames(err)).toEqual(['stack', 'message', 'code']);
    expect(Object.keys(err)).toEqual(['code']);
  });
});

describe('helpers', () => {
  it('addNumericalSeparator', () => {
    expect(addNumericalSeparator('1')).toBe('1');
    expect(addNumericalSeparator('1234')).toBe('1_234');
    expect(addNumericalSeparator('-1234567')).toBe('-1_234_567');
    expect(addNumericalSeparator('-123')).toBe('-123');
    expect(addNumericalSeparator('1e+21')).toBe('1e_+21');
  });

  it('determineSpecificType spot checks', () => {
    expect(determineSpecificType(-0)).toBe('type number (-0)');
    expect(determineSpecificType(1n)).toBe('type bigint (1n)');
    expect(determineSpecificType('x'.repeat(30))).toBe(`type string ('${'x'.repeat(25)}...')`);
    expect(determineSpecificType(Object.create(null))).toBe('[Object: null prototype] {}');
    expect(determineSpecificType(new Foo())).toBe('an instance of Foo');
  });
});
