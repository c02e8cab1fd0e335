// Parity of src/validate.ts with node:fs: each bad input goes through a node:fs (or
// other node) function that applies the same validator, and through ours; both must
// throw the same class, code and message. Node calls below use fds and paths that
// cannot succeed (fd 2^31-1, /nonexistent/...), so nothing on disk changes.

import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import {
  validateInt32,
  validateUint32,
  validateInteger,
  validateBoolean,
  validateObject,
  validateFd,
  validatePosition,
  normalizePosition,
  validateBufferView,
  toPathArg,
  pathToCString,
  stringToFlags,
  parseFileMode,
  kValidateObjectAllowNullable,
  kValidateObjectAllowArray,
  kValidateObjectAllowFunction,
  kValidateObjectAllowObjectsAndNull,
} from '../src/validate';

type Outcome = { threw: false; value: unknown } | { threw: true; ctor: unknown; name: string; code: unknown; message: string };

function outcome(fn: () => unknown): Outcome {
  try {
    return { threw: false, value: fn() };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    return { threw: true, ctor: e.constructor, name: e.name, code: e.code, message: e.message };
  }
}

// Node must throw exactly what we throw; where node accepts the input (and then fails
// later, at the syscall with EBADF/ENOENT, or on another argument), we must accept it too.
function expectParity(ours: () => unknown, theirs: () => unknown, arg?: string): void {
  const a = outcome(ours);
  const b = outcome(theirs);
  const aboutArg = (m: string): boolean => arg === undefined || m.includes(`"${arg}"`) || m.includes(`'${arg}'`);
  if (b.threw && typeof b.code === 'string' && b.code.startsWith('ERR_') && aboutArg(b.message)) {
    expect(a).toEqual(b);
  } else {
    expect(a.threw ? a : { threw: false }).toEqual({ threw: false });
  }
}

const BADFD = 0x7fffffff; // a valid int32 that is never an open fd: EBADF at the syscall
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-validate-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

class Foo {}
// Inputs that are wrong in every way a caller can get them wrong.
const junk: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['false', false],
  ["'1'", '1'],
  ["''", ''],
  ["'abc'", 'abc'],
  ['long string', 'z'.repeat(40)],
  ['5n', 5n],
  ['-1n', -1n],
  ['2n**64n', 2n ** 64n],
  ['Symbol', Symbol('s')],
  ['{}', {}],
  ['[]', []],
  ['[1]', [1]],
  ['arrow', () => 1],
  ['class', Foo],
  ['instance', new Foo()],
  ['Object.create(null)', Object.create(null)],
  ['Date', new Date(0)],
  ['Buffer', Buffer.from('x')],
  ['Promise', Promise.resolve(1)],
];
const numbers: [string, number][] = [
  ['0', 0],
  ['-0', -0],
  ['1', 1],
  ['-1', -1],
  ['-2', -2],
  ['1.5', 1.5],
  ['-0.5', -0.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['2**31 - 1', 2 ** 31 - 1],
  ['2**31', 2 ** 31],
  ['-(2**31)', -(2 ** 31)],
  ['-(2**31) - 1', -(2 ** 31) - 1],
  ['2**32 - 1', 2 ** 32 - 1],
  ['2**32', 2 ** 32],
  ['2**32 + 1', 2 ** 32 + 1],
  ['2**53 - 1', 2 ** 53 - 1],
  ['2**53', 2 ** 53],
  ['-(2**53)', -(2 ** 53)],
  ['1e21', 1e21],
  ['Number.MAX_VALUE', Number.MAX_VALUE],
  ['Number.EPSILON', Number.EPSILON],
];
const everything: [string, unknown][] = [...junk, ...numbers];

describe('validateFd (getValidatedFd) like fs.readSync', () => {
  it.each(everything)('%s', (_l, value) => {
    expectParity(
      () => validateFd(value),
      () => fs.readSync(value as number, Buffer.alloc(1)),
    );
  });
  it('returns the fd, with -0 as 0', () => {
    expect(Object.is(validateFd(-0), 0)).toBe(true);
    expect(validateFd(7)).toBe(7);
    expect(validateFd(2 ** 31 - 1)).toBe(2 ** 31 - 1);
  });
  it('names the argument as asked', () => {
    expect(() => validateFd('x', 'handle.fd')).toThrow('The "handle.fd" property must be of type number');
  });
});

// fs.openSync(p, -0) aborts Node 20.20 (a C++ CHECK that flags IsInt32), so -0 is never
// sent to node as flags.
const notMinusZero = ([, v]: [string, unknown]): boolean => !Object.is(v, -0);

// Node 20.20 validates modes as uint32, then aborts the process (a C++ CHECK that the
// mode IsInt32) for -0 and for valid modes >= 2^31: those never go to node.
function nodeSurvivesMode(value: unknown): boolean {
  const r = outcome(() => parseFileMode(value, 'mode', 0));
  return r.threw || (!Object.is(value, -0) && (r.value as number) < 2 ** 31);
}

describe('validateInt32 like fs.openSync numeric flags', () => {
  it.each(numbers.filter(notMinusZero))('%s', (_l, value) => {
    // A nonexistent directory: even O_CREAT cannot create anything.
    expectParity(
      () => validateInt32(value, 'flags'),
      () => fs.openSync('/nonexistent/dir/x', value),
    );
  });
  it('honours min and max', () => {
    expectParity(() => validateInt32(-1, 'fd', 0), () => fs.readSync(-1, Buffer.alloc(1)));
    expect(() => validateInt32(11, 'x', 0, 10)).toThrow('The value of "x" is out of range. It must be >= 0 && <= 10. Received 11');
  });
});

describe('validateUint32 like parseFileMode / v8', () => {
  it.each(everything.filter(([, v]) => typeof v !== 'string' && v != null))('%s', (_l, value) => {
    expectParity(
      () => validateUint32(value, 'mode'),
      () => (nodeSurvivesMode(value) ? fs.openSync('/nonexistent/dir/x', 'r', value as number) : undefined),
    );
  });
  it.each([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['2**32', 2 ** 32],
    ["'1'", '1'],
  ] as [string, unknown][])('positive: %s', (_l, value) => {
    expectParity(
      () => validateUint32(value, 'limit', true),
      // Only values that fail validation ever reach node here.
      () => (outcome(() => validateUint32(value, 'limit', true)).threw ? v8.setHeapSnapshotNearHeapLimit(value as number) : undefined),
    );
  });
});

describe('validateInteger like fs.ftruncateSync / readSync offset', () => {
  it.each(everything.filter(([, v]) => v !== undefined))('%s (default range)', (_l, value) => {
    expectParity(
      () => validateInteger(value, 'len'),
      () => fs.ftruncateSync(BADFD, value as number),
    );
  });
  it.each(numbers)('%s (min 0)', (_l, value) => {
    expectParity(
      () => validateInteger(value, 'offset', 0),
      () => fs.readSync(BADFD, Buffer.alloc(4), value, 1, 0),
      'offset',
    );
  });
});

describe('validateBoolean like fs.mkdirSync options.recursive', () => {
  it.each(everything.filter(([, v]) => v !== undefined))('%s', (_l, value) => {
    expectParity(
      () => validateBoolean(value, 'options.recursive'),
      // Under /dev/null (a file) even a recursive mkdir that passes validation fails
      // with ENOTDIR, so nothing is ever created.
      () => fs.mkdirSync('/dev/null/dir/x', { recursive: value as boolean }),
    );
  });
});

describe('validateObject', () => {
  it.each(everything.filter(([, v]) => v !== undefined))('default options like fs.openAsBlob: %s', (_l, value) => {
    expectParity(
      () => validateObject(value, 'options'),
      () => fs.openAsBlob('/dev/null', value as object),
    );
  });
  it.each(everything.filter(([, v]) => v !== undefined))('nullable like fs.readSync options: %s', (_l, value) => {
    expectParity(
      () => validateObject(value, 'options', kValidateObjectAllowNullable),
      () => fs.readSync(BADFD, Buffer.alloc(1), value as fs.ReadSyncOptions),
      'options',
    );
  });
  it('option bits for arrays and functions', () => {
    expect(() => validateObject([], 'o', kValidateObjectAllowArray)).not.toThrow();
    expect(() => validateObject(() => 1, 'o', kValidateObjectAllowFunction)).not.toThrow();
    expect(() => validateObject(null, 'o', kValidateObjectAllowObjectsAndNull)).not.toThrow();
    expect(() => validateObject(() => 1, 'o', kValidateObjectAllowArray)).toThrow(
      'The "o" argument must be of type object. Received function',
    );
    expect(() => validateObject(null, 'o', kValidateObjectAllowArray)).toThrow(
      'The "o" argument must be of type object. Received null',
    );
  });
});

describe('validatePosition / normalizePosition like fs.readSync position', () => {
  const positions: [string, unknown][] = [
    ...everything,
    ['-2n', -2n],
    ['0n', 0n],
    ['2n**53n', 2n ** 53n],
    ['2n**63n - 2n', 2n ** 63n - 2n],
    ['2n**63n - 1n', 2n ** 63n - 1n],
    ['2n**63n', 2n ** 63n],
    ['-(2n**63n)', -(2n ** 63n)],
    ['-(2n**63n) - 1n', -(2n ** 63n) - 1n],
    ['-(2n**64n)', -(2n ** 64n)],
  ];
  it.each(positions)('%s', (_l, value) => {
    expectParity(
      () => normalizePosition(value, 1),
      () => fs.readSync(BADFD, Buffer.alloc(1), 0, 1, value as number),
    );
    if (value != null) {
      expectParity(
        () => validatePosition(value, 'position', 1),
        () => fs.readSync(BADFD, Buffer.alloc(1), 0, 1, value as number),
      );
    }
  });

  it('normalizes to what the kernel gets', () => {
    expect(normalizePosition(undefined)).toBe(-1);
    expect(normalizePosition(null)).toBe(-1);
    expect(normalizePosition(-1)).toBe(-1);
    expect(normalizePosition(-1n)).toBe(-1);
    expect(normalizePosition(0)).toBe(0);
    expect(normalizePosition(0n)).toBe(0);
    expect(normalizePosition(123n)).toBe(123);
    expect(normalizePosition(2n ** 53n - 1n)).toBe(2 ** 53 - 1);
    expect(normalizePosition(2n ** 53n)).toBe(2n ** 53n);
    expect(normalizePosition(2 ** 53 - 1)).toBe(2 ** 53 - 1);
  });

  it('maps a negative bigint to -1 exactly when node reads at the current position', () => {
    const file = path.join(tmp, 'pos');
    fs.writeFileSync(file, 'abcdef');
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, Buffer.alloc(2), 0, 2, null); // file position is now 2
      const buf = Buffer.alloc(1);
      const r = outcome(() => fs.readSync(fd, buf, 0, 1, -5n));
      const ours = outcome(() => normalizePosition(-5n, 1));
      if (r.threw) {
        // Newer node: -5n is out of range, and so it is for us.
        expect(ours).toEqual(r);
      } else {
        // Node 20: libuv reads at the current position for any negative offset.
        expect(buf.toString()).toBe('c');
        expect(ours).toEqual({ threw: false, value: -1 });
      }
    } finally {
      fs.closeSync(fd);
    }
  });

  it('errors name the argument as given', () => {
    expect(() => validatePosition('x', 'options.position')).toThrow(
      'The "options.position" property must be of type bigint or integer. Received type string (\'x\')',
    );
  });
});

describe('validateBufferView like fs.readSync buffer', () => {
  const views: [string, unknown][] = [
    ...junk,
    ['ArrayBuffer', new ArrayBuffer(4)],
    ['SharedArrayBuffer', new SharedArrayBuffer(4)],
    ['Uint8Array', new Uint8Array(4)],
    ['Uint8ClampedArray', new Uint8ClampedArray(4)],
    ['Int16Array', new Int16Array(4)],
    ['Float64Array', new Float64Array(4)],
    ['BigInt64Array', new BigInt64Array(4)],
    ['DataView', new DataView(new ArrayBuffer(4))],
    ['array-like', { length: 4, byteLength: 4 }],
  ];
  it.each(views)('%s', (_l, value) => {
    expectParity(
      () => validateBufferView(value),
      () => fs.readSync(BADFD, value as Buffer, 0, 1, null),
    );
  });
  it('names the argument as asked', () => {
    expect(() => validateBufferView(1, 'buffers[0]')).toThrow('The "buffers[0]" argument must be an instance of Buffer, TypedArray, or DataView');
  });
});

describe('toPathArg (getValidatedPath) like fs.openSync path', () => {
  const urlLike = { href: 'file:///nonexistent/a', protocol: 'file:', hostname: '', pathname: '/nonexistent/a' };
  const paths: [string, unknown][] = [
    ...junk.filter(([, v]) => typeof v !== 'string'),
    ['1', 1],
    ['NUL in string', '/nonexistent/a\0b'],
    ['NUL alone', '\0'],
    ['NUL in Buffer', Buffer.from('/nonexistent/a\0b')],
    ['NUL in Uint8Array', new Uint8Array([0x2f, 0, 0x61])],
    ['long NUL string', '/nonexistent/' + 'x'.repeat(200) + '\0'],
    ['Uint8ClampedArray', new Uint8ClampedArray([0x2f])],
    ['Uint16Array', new Uint16Array([0x2f])],
    ['DataView', new DataView(new ArrayBuffer(1))],
    ['http: URL', new URL('http://example.com/x')],
    ['data: URL', new URL('data:text/plain,hi')],
    ['file: URL with host', new URL('file://host/x')],
    ['file: URL with %2F', new URL('file:///a%2Fb')],
    ['file: URL with %2f', new URL('file:///a%2fb')],
    ['file: URL with %00', new URL('file:///a%00b')],
    ['file: URL', new URL('file:///nonexistent/%C3%A9')],
    ['file://localhost URL', new URL('file://localhost/nonexistent/x')],
    ['URL-like object', urlLike],
    ['URL-like object, http', { ...urlLike, href: 'http://x/', protocol: 'http:' }],
    ['URL-like object with auth', { ...urlLike, auth: 'u' }],
    ['URL-like object with path', { ...urlLike, path: '/x' }],
    ['URL string (not converted)', 'file:///nonexistent/x'],
    ['plain string', '/nonexistent/x'],
    ['Buffer', Buffer.from('/nonexistent/x')],
    ['Uint8Array', new Uint8Array([0x2f, 0x6e, 0x6f])],
    ['empty string', ''],
  ];
  it.each(paths)('%s', (_l, value) => {
    expectParity(
      () => toPathArg(value),
      () => fs.openSync(value as string, 'r'),
    );
  });

  it('returns what node opens', () => {
    expect(toPathArg('/a/b')).toBe('/a/b');
    const buf = Buffer.from('/a');
    expect(toPathArg(buf)).toBe(buf);
    const u8 = new Uint8Array([0x2f, 0x61, 0x62]);
    const asBuffer = toPathArg(u8) as Buffer;
    expect(Buffer.isBuffer(asBuffer)).toBe(true);
    expect(asBuffer.buffer).toBe(u8.buffer); // a view, not a copy
    expect(asBuffer.toString()).toBe('/ab');
    expect(toPathArg(new URL('file:///tmp/%C3%A9%20x'))).toBe('/tmp/é x');
    expect(toPathArg(urlLike)).toBe('/nonexistent/a');
    // The same path node reports in its own ENOENT for the URL.
    const e = outcome(() => fs.openSync(new URL('file:///nonexistent/%C3%A9'), 'r'));
    expect(e.threw && e.message).toBe(`ENOENT: no such file or directory, open '${toPathArg(new URL('file:///nonexistent/%C3%A9'))}'`);
  });

  it('uses the given name', () => {
    expectParity(
      () => toPathArg(5, 'oldPath'),
      () => fs.renameSync(5 as unknown as string, '/x'),
    );
    expectParity(
      () => toPathArg('a\0', 'newPath'),
      () => fs.renameSync('/nonexistent/x', 'a\0'),
    );
  });
});

describe('pathToCString', () => {
  it('NUL-terminates UTF-8, as node hands paths to C', () => {
    expect([...pathToCString('ab')]).toEqual([0x61, 0x62, 0]);
    expect([...pathToCString('')]).toEqual([0]);
    expect([...pathToCString('é')]).toEqual([0xc3, 0xa9, 0]);
    expect([...pathToCString('\u{1F600}')]).toEqual([0xf0, 0x9f, 0x98, 0x80, 0]);
    expect([...pathToCString('a\uD800b')]).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62, 0]);
    const long = 'x'.repeat(5000);
    const c = pathToCString(long);
    expect(c.length).toBe(5001);
    expect(c[5000]).toBe(0);
  });
  it('copies a Buffer', () => {
    const src = Buffer.from([0x2f, 0xff, 0x61]);
    const c = pathToCString(src);
    expect([...c]).toEqual([0x2f, 0xff, 0x61, 0]);
    c[0] = 0x41;
    expect(src[0]).toBe(0x2f);
  });
  it('gives the kernel the bytes node gives it', () => {
    // A file named with a lone surrogate: node creates it as U+FFFD; so must our bytes.
    const name = path.join(tmp, 'lone\uD800');
    fs.writeFileSync(name, '');
    const listed = fs.readdirSync(tmp, { encoding: 'buffer' }).map((b) => b.toString('latin1'));
    const ours = pathToCString(name).subarray(0, -1);
    expect(listed).toContain(ours.subarray(Buffer.byteLength(tmp) + 1).toString('latin1'));
  });
});

describe('stringToFlags like fs.openSync flags', () => {
  const { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_SYNC, O_TRUNC, O_WRONLY } = fs.constants;
  // Node's table (lib/internal/fs/utils.js), written out from fs.constants.
  const table: [string, number][] = [
    ['r', O_RDONLY],
    ['rs', O_RDONLY | O_SYNC],
    ['sr', O_RDONLY | O_SYNC],
    ['r+', O_RDWR],
    ['rs+', O_RDWR | O_SYNC],
    ['sr+', O_RDWR | O_SYNC],
    ['w', O_TRUNC | O_CREAT | O_WRONLY],
    ['wx', O_TRUNC | O_CREAT | O_WRONLY | O_EXCL],
    ['xw', O_TRUNC | O_CREAT | O_WRONLY | O_EXCL],
    ['w+', O_TRUNC | O_CREAT | O_RDWR],
    ['wx+', O_TRUNC | O_CREAT | O_RDWR | O_EXCL],
    ['xw+', O_TRUNC | O_CREAT | O_RDWR | O_EXCL],
    ['a', O_APPEND | O_CREAT | O_WRONLY],
    ['ax', O_APPEND | O_CREAT | O_WRONLY | O_EXCL],
    ['xa', O_APPEND | O_CREAT | O_WRONLY | O_EXCL],
    ['as', O_APPEND | O_CREAT | O_WRONLY | O_SYNC],
    ['sa', O_APPEND | O_CREAT | O_WRONLY | O_SYNC],
    ['a+', O_APPEND | O_CREAT | O_RDWR],
    ['ax+', O_APPEND | O_CREAT | O_RDWR | O_EXCL],
    ['xa+', O_APPEND | O_CREAT | O_RDWR | O_EXCL],
    ['as+', O_APPEND | O_CREAT | O_RDWR | O_SYNC],
    ['sa+', O_APPEND | O_CREAT | O_RDWR | O_SYNC],
  ];
  it.each(table)('%s', (flag, expected) => {
    expect(stringToFlags(flag)).toBe(expected);
  });

  it.each(table)('%s opens a file the way node does', (flag) => {
    // Same observable effect: same success/failure (EEXIST for x, EISDIR never, etc.),
    // same resulting content (truncate/append), same readability/writability.
    const probe = (how: string | number): string => {
      const f = path.join(tmp, `flags-${flag}-${typeof how}`);
      fs.writeFileSync(f, 'old');
      const r: string[] = [];
      let fd: number | undefined;
      try {
        fd = fs.openSync(f, how);
        r.push('opened');
        r.push(outcome(() => fs.writeSync(fd as number, 'N')).threw ? 'no-write' : 'write');
        r.push(outcome(() => fs.readSync(fd as number, Buffer.alloc(8), 0, 8, 0)).threw ? 'no-read' : 'read');
      } catch (err) {
        r.push((err as NodeJS.ErrnoException).code ?? 'error');
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
      r.push(fs.readFileSync(f, 'latin1'));
      fs.rmSync(f);
      return r.join(',');
    };
    expect(probe(stringToFlags(flag))).toBe(probe(flag));
  });

  it('null/undefined read only; numbers pass through', () => {
    expect(stringToFlags(undefined)).toBe(O_RDONLY);
    expect(stringToFlags(null)).toBe(O_RDONLY);
    expect(stringToFlags(O_RDWR | O_CREAT)).toBe(O_RDWR | O_CREAT);
    expect(stringToFlags(-1)).toBe(-1);
    expect(Object.is(stringToFlags(-0), 0)).toBe(true);
  });

  const bad: [string, unknown][] = [
    ...junk.filter(([, v]) => v != null),
    ...numbers.filter(notMinusZero),
    ['R', 'R'],
    ['rw', 'rw'],
    [' r', ' r'],
    ['r ', 'r '],
    ['x', 'x'],
    ['+', '+'],
    ['String object', new String('r')],
  ];
  it.each(bad)('%s', (_l, value) => {
    expectParity(
      () => stringToFlags(value),
      () => fs.openSync('/nonexistent/dir/x', value as string),
    );
  });

  it('uses `name` for number errors but always says "flags" for bad values, as node', () => {
    expectParity(
      () => stringToFlags(1.5, 'options.flag'),
      () => fs.readFile('/nonexistent/x', { flag: 1.5 as unknown as string }, () => {}),
    );
    expectParity(
      () => stringToFlags('bogus', 'options.flag'),
      () => fs.readFile('/nonexistent/x', { flag: 'bogus' }, () => {}),
    );
    expect(() => stringToFlags('bogus', 'options.flag')).toThrow("The argument 'flags' is invalid. Received 'bogus'");
  });
});

describe('parseFileMode like fs.openSync / fs.mkdirSync mode', () => {
  const modes: [string, unknown][] = [
    ...everything,
    ["'777'", '777'],
    ["'0777'", '0777'],
    ["'0o777'", '0o777'],
    ["'8'", '8'],
    ["'-1'", '-1'],
    ["' 7'", ' 7'],
    ["'7\\n'", '7\n'],
    ["'77777777777' (> uint32)", '77777777777'],
    ["'37777777777' (uint32 max)", '37777777777'],
    ['0o777', 0o777],
  ];
  it.each(modes)('open: %s', (_l, value) => {
    expectParity(
      () => parseFileMode(value, 'mode', 0o666),
      () => (nodeSurvivesMode(value) ? fs.openSync('/nonexistent/dir/x', 'r', value as number) : undefined),
    );
  });
  it.each(modes)('mkdir: %s', (_l, value) => {
    expectParity(
      // mkdirSync defaults only an undefined mode (null is passed on and rejected).
      () => parseFileMode(value === undefined ? 0o777 : value, 'mode'),
      () => (nodeSurvivesMode(value) ? fs.mkdirSync('/nonexistent/dir/x', { mode: value as number }) : undefined),
    );
  });
  it('parses and defaults like node', () => {
    expect(parseFileMode('755', 'mode')).toBe(0o755);
    expect(parseFileMode('37777777777', 'mode')).toBe(2 ** 32 - 1);
    expect(parseFileMode(undefined, 'mode', 0o666)).toBe(0o666);
    expect(parseFileMode(null, 'mode', 0o777)).toBe(0o777);
    expect(parseFileMode(0o644, 'mode', 0o777)).toBe(0o644);
    expect(Object.is(parseFileMode(-0, 'mode'), 0)).toBe(true);
    expect(parseFileMode(2 ** 32 - 1, 'mode')).toBe(2 ** 32 - 1);
    expect(() => parseFileMode(undefined, 'mode')).toThrow('The "mode" argument must be of type number. Received undefined');
  });
});

describe('validator stacks start in the caller, as node hides its validator frames', () => {
  it.each([
    ['validateFd', () => validateFd('x')],
    ['validateInt32', () => validateInt32('x', 'n')],
    ['normalizePosition', () => normalizePosition(1.5)],
    ['validatePosition', () => validatePosition(1.5, 'position')],
    ['toPathArg', () => toPathArg(1)],
    ['toPathArg (URL)', () => toPathArg(new URL('http://x/'))],
    ['stringToFlags', () => stringToFlags('bogus')],
    ['parseFileMode', () => parseFileMode('x', 'mode')],
  ] as [string, () => unknown][])('%s', (_l, fn) => {
    const r = outcome(fn);
    expect(r.threw).toBe(true);
    let stack = '';
    try {
      fn();
    } catch (err) {
      stack = String((err as Error).stack);
    }
    const firstFrame = stack.split('\n').find((l) => l.startsWith('    at ')) ?? '';
    expect(firstFrame).toMatch(/validate\.test\.ts/);
    expect(stack).not.toMatch(/src[\\/]validate\.ts/);
  });
});
