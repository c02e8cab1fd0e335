// ring.rename(oldPath, newPath) against fs.promises.rename.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

import { opFixture } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes } from './support/pattern';
import { expectSameFailure, pathForms, show } from './support/parity';

const fx = opFixture('rename');
const { ring } = fx;

describe('rename: results', () => {
  it('moves a file: the old name is gone (ENOENT), the new one has the bytes', async () => {
    const from = fx.path();
    const to = fx.path();
    writePatternFile(from, 5000);
    const ino = fs.statSync(from).ino;
    expect(await ring.rename(from, to)).toBeUndefined();
    expect(fs.statSync(to).ino).toBe(ino);
    expectBytes(fs.readFileSync(to), pattern(5000));
    await expectSameFailure(() => ring.stat(from), () => fsp.stat(from));
  });

  it('over an existing file replaces it', async () => {
    const from = fx.path();
    const to = fx.path();
    writePatternFile(from, 64);
    fs.writeFileSync(to, 'old contents that must disappear');
    await ring.rename(from, to);
    expectBytes(fs.readFileSync(to), pattern(64));
    expect(fs.existsSync(from)).toBe(false);
  });

  it('a directory, onto an empty directory, and into another directory', async () => {
    const d = fx.path();
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'inner'), 'i');
    const empty = fx.path();
    fs.mkdirSync(empty);
    await ring.rename(d, empty);
    expect(fs.readFileSync(path.join(empty, 'inner'), 'utf8')).toBe('i');
    const parent = fx.path();
    fs.mkdirSync(parent);
    await ring.rename(empty, path.join(parent, 'moved'));
    expect(fs.readFileSync(path.join(parent, 'moved', 'inner'), 'utf8')).toBe('i');
  });

  it('a symlink itself (not its target)', async () => {
    const target = fx.path();
    writePatternFile(target, 4);
    const link = fx.path();
    fs.symlinkSync(target, link);
    const to = fx.path();
    await ring.rename(link, to);
    expect(fs.lstatSync(to).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(target)).toBe(true);
  });

  it('onto itself, and onto a hard link of itself: nothing changes, as in node', async () => {
    const p = fx.path();
    writePatternFile(p, 4);
    await ring.rename(p, p);
    expectBytes(fs.readFileSync(p), pattern(4));
    const hard = fx.path();
    fs.linkSync(p, hard);
    await ring.rename(p, hard);
    expect(fs.existsSync(p)).toBe(true);
    expect(fs.existsSync(hard)).toBe(true);
  });

  it('every combination of string, Buffer and file: URL paths', async () => {
    const a = path.join(fx.dir, 'name ü %41 a');
    const b = path.join(fx.dir, 'name ü %41 b');
    writePatternFile(a, 8);
    for (const [fl, from] of pathForms(a)) {
      for (const [tl, to] of pathForms(b)) {
        await ring.rename(from, to);
        expect(fs.existsSync(b), `${fl} -> ${tl}`).toBe(true);
        fs.renameSync(b, a);
      }
    }
    expectBytes(fs.readFileSync(a), pattern(8));
  });

  it('many at once', async () => {
    const names = Array.from({ length: 300 }, () => [fx.path(), fx.path()] as const);
    for (const [from] of names) fs.writeFileSync(from, from);
    await Promise.all(names.map(([from, to]) => ring.rename(from, to)));
    for (const [from, to] of names) expect(fs.readFileSync(to, 'utf8')).toBe(from);
  });
});

describe('rename: errors as fs.promises.rename gives them (with dest)', () => {
  it('ENOENT for a missing source, for each form of each path', async () => {
    const from = path.join(fx.dir, 'missing');
    const to = path.join(fx.dir, 'target');
    for (const [, f] of pathForms(from)) {
      for (const [, t] of pathForms(to)) {
        const err = await expectSameFailure(() => ring.rename(f, t), () => fsp.rename(f, t));
        expect(err.message).toBe(`ENOENT: no such file or directory, rename '${from}' -> '${to}'`);
        expect(err.path).toBe(from);
        expect(err.dest).toBe(to);
      }
    }
  });

  it('ENOENT for a missing target directory', async () => {
    const from = fx.path();
    fs.writeFileSync(from, '');
    const to = path.join(fx.dir, 'no-such-dir', 'x');
    await expectSameFailure(() => ring.rename(from, to), () => fsp.rename(from, to));
    expect(fs.existsSync(from)).toBe(true);
  });

  it('ENOTDIR: a directory onto a file, and a path through a file', async () => {
    const d = fx.path();
    fs.mkdirSync(d);
    const f = fx.path();
    fs.writeFileSync(f, '');
    const err = await expectSameFailure(() => ring.rename(d, f), () => fsp.rename(d, f));
    expect(err.code).toBe('ENOTDIR');
    const to = fx.path();
    await expectSameFailure(() => ring.rename(path.join(f, 'x'), to), () => fsp.rename(path.join(f, 'x'), to));
  });

  it('EISDIR: a file onto a directory', async () => {
    const f = fx.path();
    fs.writeFileSync(f, '');
    const d = fx.path();
    fs.mkdirSync(d);
    const err = await expectSameFailure(() => ring.rename(f, d), () => fsp.rename(f, d));
    expect(err.code).toBe('EISDIR');
  });

  it('ENOTEMPTY: a directory onto a non-empty directory', async () => {
    const a = fx.path();
    const b = fx.path();
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    fs.writeFileSync(path.join(b, 'x'), '');
    const err = await expectSameFailure(() => ring.rename(a, b), () => fsp.rename(a, b));
    expect(['ENOTEMPTY', 'EEXIST']).toContain(err.code);
  });

  it('EINVAL: a directory into itself', async () => {
    const a = fx.path();
    fs.mkdirSync(a);
    const err = await expectSameFailure(() => ring.rename(a, path.join(a, 'sub')), () => fsp.rename(a, path.join(a, 'sub')));
    expect(err.code).toBe('EINVAL');
  });

  it('EXDEV across filesystems (when /dev/shm is another filesystem)', async (ctx) => {
    if (!fs.existsSync('/dev/shm') || fs.statSync('/dev/shm').dev === fs.statSync(fx.dir).dev) {
      ctx.skip('no second filesystem at /dev/shm');
      return;
    }
    const from = fx.path();
    fs.writeFileSync(from, '');
    const to = `/dev/shm/uring-fs-rename-test-${process.pid}`;
    try {
      const err = await expectSameFailure(() => ring.rename(from, to), () => fsp.rename(from, to));
      expect(err.code).toBe('EXDEV');
    } finally {
      fs.rmSync(to, { force: true });
    }
  });

  it('the empty path on either side', async () => {
    const f = fx.path();
    fs.writeFileSync(f, '');
    await expectSameFailure(() => ring.rename('', f), () => fsp.rename('', f));
    await expectSameFailure(() => ring.rename(f, ''), () => fsp.rename(f, ''));
    expect(fs.existsSync(f)).toBe(true);
  });

  // Found by the differential fuzzer: io_uring copies both paths in when the
  // SQE is submitted and fails an empty (or PATH_MAX-long) one there, before
  // the source is looked up; rename(2) looks the source up first. node:fs's
  // answer is rename(2)'s.
  it("the source's error comes first when the destination is empty or too long, as rename(2) gives it", async () => {
    const f = fx.path();
    fs.writeFileSync(f, '');
    const long = path.join(fx.dir, 'x'.repeat(4096));
    for (const [from, to] of [
      [path.join(f, 'x'), ''], // ENOTDIR from the source, not ENOENT from ''
      [path.join(fx.dir, 'missing'), long], // ENOENT from the source, not ENAMETOOLONG
      [path.join(f, 'x'), long],
    ]) {
      await expectSameFailure(() => ring.rename(from, to), () => fsp.rename(from, to));
    }
  });
});

describe('rename: argument validation as fs.promises.rename does it', () => {
  const ok = '/nonexistent-uring-fs/x';
  for (const bad of [123, undefined, null, {}, 'a\u0000b', Buffer.from('\u0000'), new URL('http://x/y'), new URL('file:///a%2Fb')]) {
    it(`oldPath ${show(bad)}`, async () => {
      const err = await expectSameFailure(() => ring.rename(bad as string, ok), () => fsp.rename(bad as string, ok));
      expect(err.code).toMatch(/^ERR_/);
      if (!(bad instanceof URL)) expect(err.message).toMatch(/"oldPath"|'oldPath'/);
    });
    it(`newPath ${show(bad)}`, async () => {
      const err = await expectSameFailure(() => ring.rename(ok, bad as string), () => fsp.rename(ok, bad as string));
      expect(err.code).toMatch(/^ERR_/);
      if (!(bad instanceof URL)) expect(err.message).toMatch(/"newPath"|'newPath'/);
    });
  }

  it('both bad: oldPath is reported, as in node', async () => {
    await expectSameFailure(() => ring.rename(1 as unknown as string, 2 as unknown as string), () => fsp.rename(1 as unknown as string, 2 as unknown as string));
  });
});
