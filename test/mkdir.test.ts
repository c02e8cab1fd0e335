// ring.mkdir(path, options) against fs.promises.mkdir.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { opFixture } from './support/op-fixture';
import { expectSameFailure, pathForms } from './support/parity';

const fx = opFixture('mkdir');
const { ring } = fx;

/** Two fresh sibling roots, one for the ring and one for node:fs. */
function roots(): [string, string] {
  const a = fx.path();
  const b = fx.path();
  fs.mkdirSync(a);
  fs.mkdirSync(b);
  return [a, b];
}

describe('mkdir: results', () => {
  it('creates a directory and resolves undefined, as fs.promises.mkdir', async () => {
    const [a, b] = roots();
    expect(await ring.mkdir(path.join(a, 'd'))).toBe(await fsp.mkdir(path.join(b, 'd')));
    expect(await ring.mkdir(path.join(a, 'e'))).toBeUndefined();
    expect(fs.statSync(path.join(a, 'd')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(a, 'd')).mode).toBe(fs.statSync(path.join(b, 'd')).mode);
  });

  it('with a mode (number, octal string, in an options object), umask applied as by node', async () => {
    for (const mode of [0o700, 0o755, 0o1777, 0o2750, 0, '751', '0640']) {
      for (const opts of [mode, { mode }]) {
        const [a, b] = roots();
        await ring.mkdir(path.join(a, 'd'), opts);
        await fsp.mkdir(path.join(b, 'd'), opts);
        expect(fs.statSync(path.join(a, 'd')).mode.toString(8), `mode ${JSON.stringify(opts)}`).toBe(
          fs.statSync(path.join(b, 'd')).mode.toString(8),
        );
      }
    }
  });

  it('{recursive: true} resolves the first directory created, as fs.promises.mkdir does', async () => {
    const [a, b] = roots();
    for (const rel of ['x/y/z', 'x/y/z/w', 'x', 'x/y', 'p', 'x/q/r']) {
      const ours = await ring.mkdir(path.join(a, rel), { recursive: true });
      const theirs = await fsp.mkdir(path.join(b, rel), { recursive: true });
      expect(ours === undefined ? undefined : path.relative(a, ours), rel).toBe(theirs === undefined ? undefined : path.relative(b, theirs));
      expect(fs.statSync(path.join(a, rel)).isDirectory()).toBe(true);
    }
  });

  it('{recursive: true} with a mode, and with Buffer and URL paths', async () => {
    const [a, b] = roots();
    await ring.mkdir(path.join(a, 'm/n'), { recursive: true, mode: 0o711 });
    await fsp.mkdir(path.join(b, 'm/n'), { recursive: true, mode: 0o711 });
    expect(fs.statSync(path.join(a, 'm/n')).mode).toBe(fs.statSync(path.join(b, 'm/n')).mode);
    expect(fs.statSync(path.join(a, 'm')).mode).toBe(fs.statSync(path.join(b, 'm')).mode);
    const ours = await ring.mkdir(Buffer.from(path.join(a, 'buf/one')), { recursive: true });
    const theirs = await fsp.mkdir(Buffer.from(path.join(b, 'buf/one')), { recursive: true });
    expect(typeof ours).toBe(typeof theirs);
    expect(ours).toBe(path.join(a, 'buf'));
    expect(await ring.mkdir(pathToFileURL(path.join(a, 'url/one')), { recursive: true })).toBe(path.join(a, 'url'));
  });

  it('{recursive: false} and {} behave as plain mkdir', async () => {
    const [a] = roots();
    expect(await ring.mkdir(path.join(a, 'd'), { recursive: false })).toBeUndefined();
    expect(await ring.mkdir(path.join(a, 'e'), {})).toBeUndefined();
    await expectSameFailure(() => ring.mkdir(path.join(a, 'no/such'), {}), () => fsp.mkdir(path.join(a, 'no/such'), {}));
  });

  it('string, Buffer and file: URL paths', async () => {
    const [a] = roots();
    for (const [label, form] of pathForms(path.join(a, `dir ü %41`))) {
      await ring.mkdir(form);
      expect(fs.statSync(path.join(a, 'dir ü %41')).isDirectory(), label).toBe(true);
      fs.rmdirSync(path.join(a, 'dir ü %41'));
    }
  });

  it('many at once', async () => {
    const [a] = roots();
    const dirs = Array.from({ length: 300 }, (_, i) => path.join(a, `d${i}`));
    expect(await Promise.all(dirs.map((d) => ring.mkdir(d)))).toEqual(new Array(300).fill(undefined));
    expect(fs.readdirSync(a).length).toBe(300);
  });
});

describe('mkdir: errors as fs.promises.mkdir gives them', () => {
  it('EEXIST on an existing directory, file and symlink, for each path form', async () => {
    const [a] = roots();
    const d = path.join(a, 'd');
    fs.mkdirSync(d);
    for (const [, form] of pathForms(d)) {
      const err = await expectSameFailure(() => ring.mkdir(form), () => fsp.mkdir(form));
      expect(err.message).toBe(`EEXIST: file already exists, mkdir '${d}'`);
    }
    const f = path.join(a, 'f');
    fs.writeFileSync(f, '');
    await expectSameFailure(() => ring.mkdir(f, 0o700), () => fsp.mkdir(f, 0o700));
    const l = path.join(a, 'l');
    fs.symlinkSync(path.join(a, 'nowhere'), l);
    await expectSameFailure(() => ring.mkdir(l), () => fsp.mkdir(l));
  });

  it('ENOENT when the parent is missing; ENOTDIR when it is a file', async () => {
    const [a] = roots();
    const err = await expectSameFailure(() => ring.mkdir(path.join(a, 'no/such')), () => fsp.mkdir(path.join(a, 'no/such')));
    expect(err.code).toBe('ENOENT');
    fs.writeFileSync(path.join(a, 'file'), '');
    const err2 = await expectSameFailure(() => ring.mkdir(path.join(a, 'file/sub')), () => fsp.mkdir(path.join(a, 'file/sub')));
    expect(err2.code).toBe('ENOTDIR');
  });

  it('{recursive: true} through a file, and onto a file', async () => {
    const [a] = roots();
    fs.writeFileSync(path.join(a, 'file'), '');
    for (const rel of ['file/sub/deeper', 'file/sub', 'file']) {
      const p = path.join(a, rel);
      await expectSameFailure(() => ring.mkdir(p, { recursive: true }), () => fsp.mkdir(p, { recursive: true }));
    }
  });

  it('ENAMETOOLONG and the empty path', async () => {
    const long = path.join(fx.dir, 'z'.repeat(300));
    await expectSameFailure(() => ring.mkdir(long), () => fsp.mkdir(long));
    await expectSameFailure(() => ring.mkdir(''), () => fsp.mkdir(''));
    await expectSameFailure(() => ring.mkdir('', { recursive: true }), () => fsp.mkdir('', { recursive: true }));
  });
});

describe('mkdir: argument validation as fs.promises.mkdir does it', () => {
  const good = path.join('/nonexistent-uring-fs', 'x');
  const cases: [string, unknown, unknown][] = [
    ["mode 'abc'", good, 'abc'],
    ['mode -1', good, -1],
    ['mode 1.5', good, 1.5],
    ['mode 2 ** 32', good, 2 ** 32],
    ['{recursive: 1}', good, { recursive: 1 }],
    ["{recursive: 'yes'}", good, { recursive: 'yes' }],
    ['path with a NUL byte', '/tmp/a\u0000b', undefined],
    ['path 123', 123, undefined],
    ['path undefined', undefined, undefined],
    ['path {}', {}, undefined],
    ['an http: URL', new URL('http://x/y'), undefined],
  ];
  for (const [label, p, opts] of cases) {
    it(label, async () => {
      const err = await expectSameFailure(
        () => ring.mkdir(p as string, opts as number),
        () => fsp.mkdir(p as string, opts as number),
      );
      expect(err.code).toMatch(/^ERR_/);
    });
  }

  // node:fs says "The argument 'mode' must be ..." for both forms.
  it("{mode: 'abc'}", async () => {
    await expectSameFailure(() => ring.mkdir(good, { mode: 'abc' } as unknown as number), () => fsp.mkdir(good, { mode: 'abc' } as unknown as number));
  });

  it('options true is an options object with the defaults, as in node', async () => {
    const [a, b] = roots();
    expect(await ring.mkdir(path.join(a, 'd'), true as unknown as number)).toBe(await fsp.mkdir(path.join(b, 'd'), true as unknown as number));
    const d = path.join(a, 'd');
    const err = await expectSameFailure(() => ring.mkdir(d, true as unknown as number), () => fsp.mkdir(d, true as unknown as number));
    expect(err.code).toBe('EEXIST');
  });

  it('options null is plain mkdir, as in node', async () => {
    const [a, b] = roots();
    expect(await ring.mkdir(path.join(a, 'd'), null as unknown as number)).toBe(await fsp.mkdir(path.join(b, 'd'), null as unknown as number));
    expect(fs.statSync(path.join(a, 'd')).mode).toBe(fs.statSync(path.join(b, 'd')).mode);
  });
});
