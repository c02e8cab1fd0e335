// ring.open(path, flags, mode) against fs.promises.open on the same paths.

import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { opFixture } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes } from './support/pattern';
import { expectSameFailure, pathForms } from './support/parity';

const fx = opFixture('open');
const { ring } = fx;

/** The open file's status flags and position as the kernel reports them. */
function fdinfo(fd: number): { flags: string; pos: string } {
  const text = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  return {
    flags: /^flags:\s*(\S+)/m.exec(text)?.[1] ?? '?',
    pos: /^pos:\s*(\S+)/m.exec(text)?.[1] ?? '?',
  };
}

/** Opens through node:fs/promises; returns the fd, kept open until the file ends. */
async function nodeOpen(p: fs.PathLike, flags?: string | number, mode?: string | number): Promise<number> {
  const fh = await fsp.open(p, flags, mode);
  // Keep the handle from being garbage-collected (which would close the fd).
  handles.push(fh);
  return fh.fd;
}
const handles: fsp.FileHandle[] = [];
afterAll(async () => {
  await Promise.all(handles.map((fh) => fh.close()));
});

describe('open: results', () => {
  it("opens an existing file ('r' by default) and the fd reads it", async () => {
    const p = fx.path();
    writePatternFile(p, 100);
    const fd = fx.track(await ring.open(p));
    expect(Number.isInteger(fd) && fd >= 0).toBe(true);
    expect(fs.fstatSync(fd).ino).toBe(fs.statSync(p).ino);
    const buf = Buffer.alloc(100);
    expect(fs.readSync(fd, buf, 0, 100, 0)).toBe(100);
    expectBytes(buf, pattern(100));
  });

  const flagStrings = ['r', 'rs', 'sr', 'r+', 'rs+', 'sr+', 'w', 'wx', 'xw', 'w+', 'wx+', 'xw+', 'a', 'ax', 'xa', 'as', 'sa', 'a+', 'ax+', 'xa+', 'as+', 'sa+'];
  for (const flags of flagStrings) {
    it(`flags '${flags}': the same open file status, size and mode as fs.promises.open`, async () => {
      const ours = fx.path();
      const theirs = fx.path();
      if (!flags.includes('x')) {
        // existing files with data, to see truncation (w) and appending (a)
        writePatternFile(ours, 64);
        writePatternFile(theirs, 64);
      }
      const a = fx.track(await ring.open(ours, flags, 0o640));
      const b = await nodeOpen(theirs, flags, 0o640);
      // O_CLOEXEC is added, as libuv adds it; everything else as node passes it.
      expect(fdinfo(a)).toEqual(fdinfo(b));
      expect(Number.parseInt(fdinfo(a).flags, 8) & 0o2000000).toBe(0o2000000);
      const sa = fs.statSync(ours);
      const sb = fs.statSync(theirs);
      expect(sa.size).toBe(sb.size);
      expect(sa.mode).toBe(sb.mode);
    });
  }

  it('numeric flags, as fs.promises.open takes them', async () => {
    const { O_CREAT, O_RDWR, O_EXCL, O_TRUNC, O_WRONLY, O_APPEND, O_NOFOLLOW, O_DSYNC } = fs.constants;
    const UNKNOWN_BIT = 0x40000000; // open(2) ignores flag bits it does not know
    for (const flags of [O_RDWR | O_CREAT, O_WRONLY | O_CREAT | O_EXCL, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, O_WRONLY | O_CREAT | O_NOFOLLOW | O_DSYNC, O_RDWR | O_CREAT | UNKNOWN_BIT]) {
      const ours = fx.path();
      const theirs = fx.path();
      const a = fx.track(await ring.open(ours, flags));
      const b = await nodeOpen(theirs, flags);
      expect(fdinfo(a)).toEqual(fdinfo(b));
    }
  });

  it('the mode (number and octal string), with the umask applied like fs.promises.open', async () => {
    for (const mode of [0o600, 0o755, 0o4711, '640', '0777', 0]) {
      const ours = fx.path();
      const theirs = fx.path();
      fx.track(await ring.open(ours, 'wx', mode));
      await nodeOpen(theirs, 'wx', mode);
      expect(fs.statSync(ours).mode.toString(8)).toBe(fs.statSync(theirs).mode.toString(8));
    }
    // Default mode 0o666.
    const ours = fx.path();
    const theirs = fx.path();
    fx.track(await ring.open(ours, 'w'));
    await nodeOpen(theirs, 'w');
    expect(fs.statSync(ours).mode).toBe(fs.statSync(theirs).mode);
  });

  it("a directory opens read-only ('r'), as with fs.promises.open", async () => {
    const fd = fx.track(await ring.open(fx.dir, 'r'));
    expect(fs.fstatSync(fd).isDirectory()).toBe(true);
  });

  it('/dev/null and symlinks open', async () => {
    const fd = fx.track(await ring.open('/dev/null', 'r+'));
    expect(fs.fstatSync(fd).isCharacterDevice()).toBe(true);
    const target = fx.path();
    writePatternFile(target, 4);
    const link = fx.path();
    fs.symlinkSync(target, link);
    const lfd = fx.track(await ring.open(link));
    expect(fs.fstatSync(lfd).ino).toBe(fs.statSync(target).ino);
  });

  it('string, Buffer and file: URL paths all open the same file', async () => {
    const p = path.join(fx.dir, 'name with spaces ü %41#');
    writePatternFile(p, 8);
    for (const [label, form] of pathForms(p)) {
      const fd = fx.track(await ring.open(form, 'r'));
      expect(fs.fstatSync(fd).ino, label).toBe(fs.statSync(p).ino);
    }
  });

  it('a Buffer path with bytes that are not UTF-8', async () => {
    const name = Buffer.concat([Buffer.from(fx.dir + '/'), Buffer.from([0xff, 0xfe, 0x41])]);
    const fd = fx.track(await ring.open(name, 'wx'));
    fs.writeSync(fd, 'x');
    expect(fs.readFileSync(name, 'latin1')).toBe('x');
  });

  it('a relative path resolves against the current directory', async () => {
    const p = fx.path();
    writePatternFile(p, 4);
    const rel = path.relative(process.cwd(), p);
    const fd = fx.track(await ring.open(rel));
    expect(fs.fstatSync(fd).ino).toBe(fs.statSync(p).ino);
  });

  it('many concurrent opens each get their own fd', async () => {
    const p = fx.path();
    writePatternFile(p, 4);
    const fds = await Promise.all(Array.from({ length: 300 }, () => ring.open(p)));
    fds.forEach((fd) => fx.track(fd));
    expect(new Set(fds).size).toBe(300);
    for (const fd of fds) fs.closeSync(fd);
  });
});

describe('open: errors as fs.promises.open gives them', () => {
  it('ENOENT, for each path form', async () => {
    const p = path.join(fx.dir, 'missing');
    for (const [, form] of pathForms(p)) {
      const err = await expectSameFailure(() => ring.open(form), () => nodeOpen(form));
      expect(err.code).toBe('ENOENT');
      expect(err.path).toBe(p);
    }
  });

  it('ENOENT for a relative path keeps the path as given', async () => {
    const rel = path.relative(process.cwd(), path.join(fx.dir, 'missing-relative'));
    const err = await expectSameFailure(() => ring.open(rel), () => nodeOpen(rel));
    expect(err.path).toBe(rel);
  });

  it('O_TMPFILE in a directory: an unnamed file, as with fs.promises.open', async () => {
    const O_TMPFILE = 0o20000000 | fs.constants.O_DIRECTORY;
    const flags = O_TMPFILE | fs.constants.O_RDWR;
    const a = fx.track(await ring.open(fx.dir, flags, 0o600));
    const b = await nodeOpen(fx.dir, flags, 0o600);
    expect(fdinfo(a)).toEqual(fdinfo(b));
    expect(fs.fstatSync(a).nlink).toBe(0);
  });

  it("EEXIST with 'wx' and 'ax+' on an existing file", async () => {
    const p = fx.path();
    writePatternFile(p, 4);
    for (const flags of ['wx', 'ax+']) {
      const err = await expectSameFailure(() => ring.open(p, flags), () => nodeOpen(p, flags));
      expect(err.code).toBe('EEXIST');
    }
  });

  it("EISDIR opening a directory for writing ('w', 'r+', 'a')", async () => {
    for (const flags of ['w', 'r+', 'a']) {
      const err = await expectSameFailure(() => ring.open(fx.dir, flags), () => nodeOpen(fx.dir, flags));
      expect(err.code).toBe('EISDIR');
    }
  });

  it('ENOTDIR for a path through a file, and O_DIRECTORY on a file', async () => {
    const p = fx.path();
    writePatternFile(p, 4);
    await expectSameFailure(() => ring.open(path.join(p, 'x')), () => nodeOpen(path.join(p, 'x')));
    const flags = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY;
    const err = await expectSameFailure(() => ring.open(p, flags), () => nodeOpen(p, flags));
    expect(err.code).toBe('ENOTDIR');
  });

  it('ELOOP for a symlink loop and for O_NOFOLLOW on a symlink', async () => {
    const a = fx.path();
    const b = fx.path();
    fs.symlinkSync(a, b);
    fs.symlinkSync(b, a);
    await expectSameFailure(() => ring.open(a), () => nodeOpen(a));
    const target = fx.path();
    writePatternFile(target, 4);
    const link = fx.path();
    fs.symlinkSync(target, link);
    const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;
    const err = await expectSameFailure(() => ring.open(link, flags), () => nodeOpen(link, flags));
    expect(err.code).toBe('ELOOP');
  });

  it('ENAMETOOLONG', async () => {
    const p = path.join(fx.dir, 'n'.repeat(300));
    await expectSameFailure(() => ring.open(p), () => nodeOpen(p));
  });

  it('ENOENT for the empty path', async () => {
    const err = await expectSameFailure(() => ring.open(''), () => nodeOpen(''));
    expect(err.message).toBe("ENOENT: no such file or directory, open ''");
  });

  it('ENOENT for a Buffer path that is not UTF-8 (decoded in the message as node does)', async () => {
    const p = Buffer.concat([Buffer.from(fx.dir + '/missing-'), Buffer.from([0xff, 0xc3])]);
    await expectSameFailure(() => ring.open(p), () => nodeOpen(p));
  });

  it.skipIf(process.getuid?.() === 0)('EACCES on a file without permission (skipped as root: root bypasses file modes)', async () => {
    const p = fx.path();
    writePatternFile(p, 4);
    fs.chmodSync(p, 0);
    const err = await expectSameFailure(() => ring.open(p, 'r'), () => nodeOpen(p, 'r'));
    expect(err.code).toBe('EACCES');
  });
});

describe('open: argument validation as fs.promises.open does it', () => {
  const good = '/dev/null';
  const cases: [string, unknown, unknown, unknown][] = [
    ["flags 'bogus'", good, 'bogus', 0o666],
    ['flags 1.5', good, 1.5, 0o666],
    ['flags 2 ** 31', good, 2 ** 31, 0o666],
    ['flags true', good, true, 0o666],
    ['flags {}', good, {}, 0o666],
    ["mode 'abc'", good, 'r', 'abc'],
    ["mode '999'", good, 'r', '999'],
    ['mode -1', good, 'r', -1],
    ['mode 1.5', good, 'r', 1.5],
    ['mode 2 ** 32', good, 'r', 2 ** 32],
    ['mode true', good, 'r', true],
    ['path with a NUL byte', '/tmp/a\u0000b', 'r', 0o666],
    ['Buffer path with a NUL byte', Buffer.from('/tmp/a\u0000b'), 'r', 0o666],
    ['path 123', 123, 'r', 0o666],
    ['path undefined', undefined, 'r', 0o666],
    ['path null', null, 'r', 0o666],
    ['path {}', {}, 'r', 0o666],
    ['an http: URL', new URL('http://example.com/x'), 'r', 0o666],
    ['a file: URL with an encoded slash', new URL('file:///tmp/a%2Fb'), 'r', 0o666],
    ['a file: URL with a host', new URL('file://host/tmp/x'), 'r', 0o666],
  ];
  for (const [label, p, flags, mode] of cases) {
    it(label, async () => {
      const err = await expectSameFailure(
        () => ring.open(p as string, flags as string, mode as number),
        () => nodeOpen(p as string, flags as string, mode as number),
      );
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  it('flags and mode null/undefined take the defaults, as in node', async () => {
    const p = fx.path();
    writePatternFile(p, 4);
    const fd = fx.track(await ring.open(p, undefined, undefined));
    const fd2 = fx.track(await ring.open(p, null as unknown as string, null as unknown as number));
    expect(fdinfo(fd).flags).toBe(fdinfo(await nodeOpen(p)).flags);
    expect(fdinfo(fd2).flags).toBe(fdinfo(fd).flags);
    const q = fx.path();
    fx.track(await ring.open(pathToFileURL(q), 'w', undefined));
    const r = fx.path();
    await nodeOpen(r, 'w');
    expect(fs.statSync(q).mode).toBe(fs.statSync(r).mode);
  });
});
