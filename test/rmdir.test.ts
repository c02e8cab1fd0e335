// ring.rmdir(path) against fs.promises.rmdir.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

import { opFixture } from './support/op-fixture';
import { expectSameFailure, pathForms, show } from './support/parity';

const fx = opFixture('rmdir');
const { ring } = fx;

describe('rmdir: results', () => {
  it('removes an empty directory; stat then fails as after fs.promises.rmdir', async () => {
    const ours = fx.path();
    const theirs = fx.path();
    fs.mkdirSync(ours);
    fs.mkdirSync(theirs);
    expect(await ring.rmdir(ours)).toBeUndefined();
    await fsp.rmdir(theirs);
    expect(fs.existsSync(ours)).toBe(false);
    const err = await expectSameFailure(() => ring.stat(ours), () => fsp.stat(ours));
    expect(err.code).toBe('ENOENT');
  });

  it('string, Buffer and file: URL paths; a trailing slash', async () => {
    const d = path.join(fx.dir, 'dir ü %41');
    for (const [label, form] of pathForms(d)) {
      fs.mkdirSync(d);
      await ring.rmdir(form);
      expect(fs.existsSync(d), label).toBe(false);
    }
    fs.mkdirSync(d);
    await ring.rmdir(`${d}/`);
    expect(fs.existsSync(d)).toBe(false);
  });

  it('many at once', async () => {
    const dirs = Array.from({ length: 200 }, () => fx.path());
    for (const d of dirs) fs.mkdirSync(d);
    await Promise.all(dirs.map((d) => ring.rmdir(d)));
    for (const d of dirs) expect(fs.existsSync(d)).toBe(false);
  });
});

describe('rmdir: errors as fs.promises.rmdir gives them', () => {
  it('ENOTEMPTY (the directory and its file stay)', async () => {
    const d = fx.path();
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'f'), 'x');
    const err = await expectSameFailure(() => ring.rmdir(d), () => fsp.rmdir(d));
    expect(err.code).toBe('ENOTEMPTY');
    expect(err.message).toBe(`ENOTEMPTY: directory not empty, rmdir '${d}'`);
    expect(fs.readFileSync(path.join(d, 'f'), 'utf8')).toBe('x');
  });

  it('ENOTDIR on a file and on a symlink to a directory', async () => {
    const f = fx.path();
    fs.writeFileSync(f, '');
    const err = await expectSameFailure(() => ring.rmdir(f), () => fsp.rmdir(f));
    expect(err.code).toBe('ENOTDIR');
    const d = fx.path();
    fs.mkdirSync(d);
    const link = fx.path();
    fs.symlinkSync(d, link);
    await expectSameFailure(() => ring.rmdir(link), () => fsp.rmdir(link));
    expect(fs.statSync(d).isDirectory()).toBe(true);
  });

  it('ENOENT, for each path form', async () => {
    const p = path.join(fx.dir, 'never made');
    for (const [, form] of pathForms(p)) {
      await expectSameFailure(() => ring.rmdir(form), () => fsp.rmdir(form));
    }
  });

  it("EINVAL for '.', EBUSY/ENOTEMPTY for '/' and the empty path, as node gets them", async () => {
    const d = fx.path();
    fs.mkdirSync(d);
    const dot = `${d}/.`; // not path.join, which would drop the '.'
    const err = await expectSameFailure(() => ring.rmdir(dot), () => fsp.rmdir(dot));
    expect(err.code).toBe('EINVAL');
    expect(fs.statSync(d).isDirectory()).toBe(true);
    await expectSameFailure(() => ring.rmdir('/'), () => fsp.rmdir('/'));
    await expectSameFailure(() => ring.rmdir(''), () => fsp.rmdir(''));
  });
});

describe('rmdir: argument validation', () => {
  for (const p of [123, undefined, null, {}, '/tmp/a\u0000b', new URL('http://x/y')]) {
    it(`path ${show(p)}`, async () => {
      const err = await expectSameFailure(() => ring.rmdir(p as string), () => fsp.rmdir(p as string));
      expect(err.code).toMatch(/^ERR_/);
    });
  }
});
