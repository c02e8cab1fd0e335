// ring.stat / lstat / fstat against fs.promises.stat / lstat and fs.fstat on the
// same paths and fds: the very same Stats / BigIntStats, field for field.

import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

import { opFixture, closedFd, NEVER_OPEN_FD } from './support/op-fixture';
import { writePatternFile } from './support/pattern';
import { expectSameFailure, nodeFd, pathForms, show, BAD_FDS } from './support/parity';

const fx = opFixture('stat');
const { ring } = fx;

type AnyStats = fs.Stats | fs.BigIntStats;
const PREDICATES = ['isFile', 'isDirectory', 'isSymbolicLink', 'isBlockDevice', 'isCharacterDevice', 'isFIFO', 'isSocket'] as const;

function expectSameStats(ours: AnyStats, theirs: AnyStats, what: string): void {
  expect(Object.getPrototypeOf(ours), `${what}: prototype`).toBe(Object.getPrototypeOf(theirs));
  expect(ours instanceof fs.Stats, `${what}: instanceof fs.Stats`).toBe(theirs instanceof fs.Stats);
  expect(Object.keys(ours), `${what}: keys`).toEqual(Object.keys(theirs));
  // Every field, Dates included (own fields on Node 20, getters later: read them all).
  const fields = (s: AnyStats): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of [...Object.keys(s), 'atime', 'mtime', 'ctime', 'birthtime']) {
      const v = (s as unknown as Record<string, unknown>)[k];
      out[k] = v instanceof Date ? `Date(${v.getTime()})` : v;
    }
    for (const p of PREDICATES) out[`${p}()`] = s[p]();
    return out;
  };
  expect(fields(ours), what).toStrictEqual(fields(theirs));
  expect(ours, what).toStrictEqual(theirs);
}

/**
 * Stats of the same object taken twice can differ if something touched it in
 * between (another process writing /dev/null, say): compare again a few times
 * before believing a difference.
 */
async function expectSame(ourCall: () => Promise<AnyStats>, theirCall: () => Promise<AnyStats>, what: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const ours = await ourCall();
    const theirs = await theirCall();
    try {
      expectSameStats(ours, theirs, what);
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

let file: string;
let emptyFile: string;
let dir: string;
let fileLink: string;
let dirLink: string;
let dangling: string;
let fifo: string;
let timed: string;

beforeAll(() => {
  file = fx.path('file');
  writePatternFile(file, 12345);
  emptyFile = fx.path('empty');
  fs.writeFileSync(emptyFile, '');
  dir = fx.path('dir');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'inside'), 'x');
  fileLink = fx.path('file-link');
  fs.symlinkSync(file, fileLink);
  dirLink = fx.path('dir-link');
  fs.symlinkSync('dir', dirLink); // relative target
  dangling = fx.path('dangling');
  fs.symlinkSync(fx.path('nowhere'), dangling);
  fifo = fx.path('fifo');
  execFileSync('mkfifo', [fifo]);
  // Times with sub-millisecond parts, and one before 1970.
  timed = fx.path('timed');
  fs.writeFileSync(timed, 't');
  fs.utimesSync(timed, 1234567890.123456, -86400.5);
});

const targets = (): [string, string][] => [
  ['a file', file],
  ['an empty file', emptyFile],
  ['a directory', dir],
  ['a symlink to a file', fileLink],
  ['a symlink to a directory', dirLink],
  ['/dev/null', '/dev/null'],
  ['a FIFO', fifo],
  ['a file with odd times', timed],
  ['/', '/'],
  ['/proc/self', '/proc/self'],
];

describe('stat, lstat: the same Stats as fs.promises', () => {
  for (const bigint of [false, true]) {
    const opts = bigint ? { bigint: true } : undefined;
    it(`stat${bigint ? ' {bigint: true}' : ''} of files, dirs, symlinks, devices`, async () => {
      for (const [label, p] of targets()) {
        await expectSame(() => ring.stat(p, opts), () => fsp.stat(p, opts), `stat ${label}`);
      }
    });

    it(`lstat${bigint ? ' {bigint: true}' : ''} of files, dirs, symlinks (dangling too), devices`, async () => {
      for (const [label, p] of [...targets(), ['a dangling symlink', dangling] as [string, string]]) {
        await expectSame(() => ring.lstat(p, opts), () => fsp.lstat(p, opts), `lstat ${label}`);
      }
    });
  }

  it('stat follows symlinks, lstat does not', async () => {
    expect((await ring.stat(fileLink)).isFile()).toBe(true);
    expect((await ring.lstat(fileLink)).isSymbolicLink()).toBe(true);
    expect((await ring.stat(dirLink)).isDirectory()).toBe(true);
    expect((await ring.lstat(dangling)).isSymbolicLink()).toBe(true);
    expect((await ring.stat(file)).size).toBe(12345);
    expect((await ring.stat(file, { bigint: true })).size).toBe(12345n);
  });

  it('options: undefined, {}, {bigint: false} give Stats; {bigint: true} BigIntStats', async () => {
    for (const opts of [undefined, {}, { bigint: false }]) {
      await expectSame(() => ring.stat(file, opts), () => fsp.stat(file, opts), `stat options ${JSON.stringify(opts)}`);
    }
    const big = await ring.stat(file, { bigint: true });
    expect(typeof big.size).toBe('bigint');
    expect(typeof big.atimeNs).toBe('bigint');
  });

  it('the stats follow a change (a write, a truncate) made just before', async () => {
    const p = fx.path();
    writePatternFile(p, 10);
    expect((await ring.stat(p)).size).toBe(10);
    fs.truncateSync(p, 99999);
    await expectSame(() => ring.stat(p), () => fsp.stat(p), 'after truncate');
    expect((await ring.stat(p)).size).toBe(99999);
  });

  it('string, Buffer and file: URL paths', async () => {
    const p = path.join(fx.dir, 'spaced ü %20 name');
    writePatternFile(p, 3);
    for (const [label, form] of pathForms(p)) {
      await expectSame(() => ring.stat(form), () => fsp.stat(form), `stat via ${label}`);
      await expectSame(() => ring.lstat(form, { bigint: true }), () => fsp.lstat(form, { bigint: true }), `lstat via ${label}`);
    }
  });

  it('a relative path', async () => {
    const rel = path.relative(process.cwd(), file);
    await expectSame(() => ring.stat(rel), () => fsp.stat(rel), 'relative stat');
  });

  it('the comparison itself sees a difference (a file vs a directory, ms vs bigint)', async () => {
    expect(() => expectSameStats(fs.statSync(file), fs.statSync(dir), 'file vs dir')).toThrow();
    expect(() => expectSameStats(fs.statSync(file), fs.statSync(file, { bigint: true }), 'ms vs bigint')).toThrow();
    const a = fs.statSync(file);
    const b = fs.statSync(file);
    (b as { atimeMs: number }).atimeMs += 0.001;
    expect(() => expectSameStats(a, b, 'atimeMs off by a microsecond')).toThrow();
  });

  it('many at once', async () => {
    const all = await Promise.all(Array.from({ length: 600 }, (_, i) => ring.stat(i % 2 ? file : dir)));
    all.forEach((s, i) => expect(s.isDirectory()).toBe(i % 2 === 0));
  });
});

describe('fstat: the same Stats as fs.fstat', () => {
  for (const bigint of [false, true]) {
    const opts = bigint ? { bigint: true } : undefined;
    it(`fstat${bigint ? ' {bigint: true}' : ''} of a file, a dir, /dev/null, a FIFO, a symlink's target`, async () => {
      const fds: [string, number][] = [
        ['a file', fx.openSync(file)],
        ['an empty file opened for writing', fx.openSync(emptyFile, 'a')],
        ['a directory', fx.openSync(dir)],
        ['/dev/null', fx.openSync('/dev/null', 'r+')],
        ['a FIFO', fx.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)],
        ['a symlink (its target)', fx.openSync(fileLink)],
        ['a file with odd times', fx.openSync(timed)],
      ];
      for (const [label, fd] of fds) {
        await expectSame(() => ring.fstat(fd, opts), () => nodeFd.fstat(fd, opts), `fstat ${label}`);
      }
    });
  }

  it('fstat of an fd equals stat of its path', async () => {
    const fd = fx.openSync(file);
    await expectSame(() => ring.fstat(fd), () => ring.stat(file), 'fstat vs stat');
  });

  it('fstat of an fd opened O_PATH-free but unlinked still works (nlink 0)', async () => {
    const p = fx.path();
    writePatternFile(p, 8);
    const fd = fx.openSync(p, 'r');
    fs.unlinkSync(p);
    const st = await ring.fstat(fd);
    expect(st.nlink).toBe(0);
    await expectSame(() => ring.fstat(fd), () => nodeFd.fstat(fd), 'fstat unlinked');
  });

  it('an O_PATH fd: fstat works as in node', async () => {
    const O_PATH = 0o10000000;
    const fd = fx.track(await ring.open(file, O_PATH));
    await expectSame(() => ring.fstat(fd), () => nodeFd.fstat(fd), 'fstat O_PATH fd');
    await expectSame(() => ring.fstat(fd, { bigint: true }), () => nodeFd.fstat(fd, { bigint: true }), 'fstat O_PATH fd bigint');
    await expectSameFailure(() => ring.read(fd, Buffer.alloc(4), 0), () => nodeFd.read(fd, Buffer.alloc(4), 0));
  });

  it('-0 is fd 0, as node reads it', async () => {
    await expectSame(() => ring.fstat(-0), () => nodeFd.fstat(0), 'fstat(-0)');
  });
});

describe('stat, lstat, fstat: errors as node:fs gives them', () => {
  it('stat/lstat ENOENT, for each path form', async () => {
    const p = path.join(fx.dir, 'missing');
    for (const [, form] of pathForms(p)) {
      const err = await expectSameFailure(() => ring.stat(form), () => fsp.stat(form));
      expect(err.message).toBe(`ENOENT: no such file or directory, stat '${p}'`);
      await expectSameFailure(() => ring.lstat(form, { bigint: true }), () => fsp.lstat(form, { bigint: true }));
    }
  });

  it('stat of a dangling symlink: ENOENT (lstat succeeds)', async () => {
    const err = await expectSameFailure(() => ring.stat(dangling), () => fsp.stat(dangling));
    expect(err.path).toBe(dangling);
  });

  it('ENOTDIR through a file', async () => {
    const p = path.join(file, 'x');
    const err = await expectSameFailure(() => ring.stat(p), () => fsp.stat(p));
    expect(err.code).toBe('ENOTDIR');
    await expectSameFailure(() => ring.lstat(p), () => fsp.lstat(p));
  });

  it('a trailing slash: ENOTDIR on a file, followed on a symlink to a directory', async () => {
    const err = await expectSameFailure(() => ring.stat(`${file}/`), () => fsp.stat(`${file}/`));
    expect(err.code).toBe('ENOTDIR');
    await expectSameFailure(() => ring.lstat(`${fileLink}/`), () => fsp.lstat(`${fileLink}/`));
    await expectSame(() => ring.lstat(`${dirLink}/`), () => fsp.lstat(`${dirLink}/`), 'lstat of dir-link/');
  });

  it('a path with a lone surrogate: ENOENT with U+FFFD in path and message, as node', async () => {
    const p = path.join(fx.dir, 'lone \uD800 surrogate');
    const err = await expectSameFailure(() => ring.stat(p), () => fsp.stat(p));
    expect(err.path).toContain('\uFFFD');
  });

  it('ELOOP on a symlink loop', async () => {
    const a = fx.path();
    const b = fx.path();
    fs.symlinkSync(a, b);
    fs.symlinkSync(b, a);
    const err = await expectSameFailure(() => ring.stat(a), () => fsp.stat(a));
    expect(err.code).toBe('ELOOP');
  });

  it('ENAMETOOLONG and the empty path', async () => {
    const long = path.join(fx.dir, 'x'.repeat(256));
    await expectSameFailure(() => ring.stat(long), () => fsp.stat(long));
    await expectSameFailure(() => ring.stat(''), () => fsp.stat(''));
    await expectSameFailure(() => ring.lstat(''), () => fsp.lstat(''));
  });

  it('fstat EBADF on a closed fd and a never-open fd', async () => {
    const fd = closedFd(file);
    const err = await expectSameFailure(() => ring.fstat(fd), () => nodeFd.fstat(fd));
    expect(err.syscall).toBe('fstat');
    await expectSameFailure(() => ring.fstat(NEVER_OPEN_FD, { bigint: true }), () => nodeFd.fstat(NEVER_OPEN_FD, { bigint: true }));
  });
});

describe('stat, lstat, fstat: argument validation', () => {
  for (const p of [123, undefined, null, {}, '/tmp/a\u0000b', Buffer.from('/tmp/\u0000'), new URL('http://x/y')]) {
    it(`stat and lstat path ${show(p)}`, async () => {
      const err = await expectSameFailure(() => ring.stat(p as string), () => fsp.stat(p as string));
      expect(err.code).toMatch(/^ERR_/);
      await expectSameFailure(() => ring.lstat(p as string), () => fsp.lstat(p as string));
    });
  }

  for (const fd of BAD_FDS) {
    it(`fstat fd ${show(fd)}`, async () => {
      // fs.fstat checks the fd in C++ (a bigint shows as `(3)`).
      const err = await expectSameFailure(() => ring.fstat(fd as number), () => fs.fstat(fd as number, () => {}));
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  // Options that are objects: node:fs passes `options.bigint` to C++, which checks
  // IsTrue(), so anything but `true` gives number Stats.
  it('object options node:fs takes as they are: {bigint: 1}, {bigint: "yes"}', async () => {
    for (const opts of [{ bigint: 1 }, { bigint: 'yes' }] as unknown[]) {
      await expectSame(
        () => ring.stat(file, opts as fs.StatOptions),
        () => fsp.stat(file, opts as fs.StatOptions),
        `stat options ${JSON.stringify(opts)}`,
      );
    }
  });

  // Other options: Node 26 refuses them (ERR_INVALID_ARG_TYPE), earlier lines take
  // them as no options (null is a TypeError): whatever this Node does, the ring does.
  it('other options as this Node takes them: "x", [], 1, true, null', async () => {
    for (const opts of ['x', [], 1, true, null] as unknown[]) {
      let theirs: unknown;
      try {
        theirs = await fsp.stat(file, opts as fs.StatOptions);
      } catch (err) {
        const ours = await ring.stat(file, opts as fs.StatOptions).then(
          () => expect.fail(`stat options ${JSON.stringify(opts)}: node:fs refused them, the ring took them`),
          (e: unknown) => e,
        );
        expect((ours as Error).message).toBe((err as Error).message);
        expect((ours as Error).constructor).toBe((err as Error).constructor);
        continue;
      }
      expect(theirs).toBeInstanceOf(fs.Stats);
      await expectSame(() => ring.stat(file, opts as fs.StatOptions), () => fsp.stat(file, opts as fs.StatOptions), `stat options ${JSON.stringify(opts)}`);
    }
  });
});
