// ring.unlink(path) against fs.promises.unlink.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

import { opFixture } from './support/op-fixture';
import { pattern, writePatternFile, expectBytes } from './support/pattern';
import { expectSameFailure, pathForms, show } from './support/parity';

const fx = opFixture('unlink');
const { ring } = fx;

describe('unlink: results', () => {
  it('removes a file; stat then fails with ENOENT, as after fs.promises.unlink', async () => {
    const ours = fx.path();
    const theirs = fx.path();
    writePatternFile(ours, 10);
    writePatternFile(theirs, 10);
    expect(await ring.unlink(ours)).toBeUndefined();
    await fsp.unlink(theirs);
    expect(fs.existsSync(ours)).toBe(false);
    const err = await expectSameFailure(() => ring.stat(ours), () => fsp.stat(ours));
    expect(err.code).toBe('ENOENT');
    await expectSameFailure(() => ring.stat(theirs), () => fsp.stat(theirs));
  });

  it('removes a symlink, not its target; a dangling symlink; a FIFO', async () => {
    const target = fx.path();
    writePatternFile(target, 8);
    const link = fx.path();
    fs.symlinkSync(target, link);
    await ring.unlink(link);
    expect(fs.existsSync(link)).toBe(false);
    expectBytes(fs.readFileSync(target), pattern(8));
    const dangling = fx.path();
    fs.symlinkSync(fx.path('nowhere'), dangling);
    await ring.unlink(dangling);
    expect(() => fs.lstatSync(dangling)).toThrow(/ENOENT/);
    const fifo = fx.path();
    execFileSync('mkfifo', [fifo]);
    await ring.unlink(fifo);
    expect(fs.existsSync(fifo)).toBe(false);
  });

  it('an open fd still reads the unlinked file', async () => {
    const p = fx.path();
    writePatternFile(p, 4096);
    const fd = fx.openSync(p);
    await ring.unlink(p);
    const buf = Buffer.alloc(4096);
    expect(await ring.read(fd, buf, 0)).toBe(4096);
    expectBytes(buf, pattern(4096));
  });

  it('one of two hard links: the other stays', async () => {
    const a = fx.path();
    const b = fx.path();
    writePatternFile(a, 4);
    fs.linkSync(a, b);
    await ring.unlink(a);
    expect(fs.statSync(b).nlink).toBe(1);
  });

  it('string, Buffer and file: URL paths', async () => {
    for (const [label, form] of pathForms(path.join(fx.dir, 'to remove ü %41'))) {
      fs.writeFileSync(path.join(fx.dir, 'to remove ü %41'), label);
      await ring.unlink(form);
      expect(fs.existsSync(path.join(fx.dir, 'to remove ü %41')), label).toBe(false);
    }
  });

  it('many at once', async () => {
    const paths = Array.from({ length: 300 }, () => fx.path());
    for (const p of paths) fs.writeFileSync(p, '');
    await Promise.all(paths.map((p) => ring.unlink(p)));
    for (const p of paths) expect(fs.existsSync(p)).toBe(false);
  });
});

describe('unlink: errors as fs.promises.unlink gives them', () => {
  it('ENOENT, for each path form (unlinking twice too)', async () => {
    const p = fx.path();
    fs.writeFileSync(p, '');
    await ring.unlink(p);
    for (const [, form] of pathForms(p)) {
      const err = await expectSameFailure(() => ring.unlink(form), () => fsp.unlink(form));
      expect(err.message).toBe(`ENOENT: no such file or directory, unlink '${p}'`);
    }
  });

  it('EISDIR (Linux) on a directory, which stays', async () => {
    const d = fx.path();
    fs.mkdirSync(d);
    const err = await expectSameFailure(() => ring.unlink(d), () => fsp.unlink(d));
    expect(['EISDIR', 'EPERM']).toContain(err.code);
    expect(fs.statSync(d).isDirectory()).toBe(true);
  });

  it('ENOTDIR through a file; ENAMETOOLONG; the empty path', async () => {
    const f = fx.path();
    fs.writeFileSync(f, '');
    await expectSameFailure(() => ring.unlink(path.join(f, 'x')), () => fsp.unlink(path.join(f, 'x')));
    const long = path.join(fx.dir, 'y'.repeat(300));
    await expectSameFailure(() => ring.unlink(long), () => fsp.unlink(long));
    await expectSameFailure(() => ring.unlink(''), () => fsp.unlink(''));
  });

  it('EBUSY/EPERM/EROFS: what node gets for a mount point or /proc entry, the ring gets too', async () => {
    await expectSameFailure(() => ring.unlink('/proc/self/status'), () => fsp.unlink('/proc/self/status'));
  });
});

describe('unlink: argument validation', () => {
  for (const p of [123, undefined, null, {}, '/tmp/a\u0000b', Buffer.from('a\u0000'), new URL('http://x/y'), new URL('file:///a%2f')]) {
    it(`path ${show(p)}`, async () => {
      const err = await expectSameFailure(() => ring.unlink(p as string), () => fsp.unlink(p as string));
      expect(err.code).toMatch(/^ERR_/);
    });
  }
});
