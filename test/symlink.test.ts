// ring.symlink(target, path, type) against fs.promises.symlink: the link, its
// target text, and every failure with node:fs's code, errno, syscall, both
// paths and message.

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

import { opFixture, runsOnRing } from './support/op-fixture';
import { expectSameFailure, pathForms } from './support/parity';

const fx = opFixture('symlink');
const { ring } = fx;

describe('symlink: results', () => {
  it('creates a link whose target is the given text, relative or absolute, existing or not', async () => {
    for (const target of ['relative/target', '/absolute/nowhere', fx.path('exists')]) {
      const p = fx.path();
      expect(await ring.symlink(target, p)).toBeUndefined();
      expect(fs.lstatSync(p).isSymbolicLink()).toBe(true);
      expect(fs.readlinkSync(p)).toBe(target);
    }
  });

  for (const [form, make] of [['string', (p: string) => p], ['Buffer', (p: string) => Buffer.from(p)], ['URL', (p: string) => pathForms(p)[2][1]]] as const) {
    it(`takes the link path as a ${form}`, async () => {
      const p = fx.path();
      await ring.symlink('t', make(p) as never);
      expect(fs.readlinkSync(p)).toBe('t');
    });
  }

  it("a type ('file', 'dir', 'junction', null) changes nothing on Linux", async () => {
    for (const type of ['file', 'dir', 'junction', null] as const) {
      const p = fx.path();
      await ring.symlink('t', p, type);
      expect(fs.readlinkSync(p)).toBe('t');
    }
  });

  it('runs on the ring where the kernel has IORING_OP_SYMLINKAT (5.15)', () => {
    expect(runsOnRing(ring, 'symlink')).toBe(ring.backend === 'io_uring' && ring.features.ops.symlinkat);
  });
});

describe('symlink: errors as fs.promises.symlink gives them', () => {
  it('EEXIST when the path exists (a file, a link, a directory)', async () => {
    for (const make of [(p: string) => fs.writeFileSync(p, ''), (p: string) => fs.symlinkSync('x', p), (p: string) => fs.mkdirSync(p)]) {
      const p = fx.path();
      make(p);
      const err = await expectSameFailure(() => ring.symlink('target', p), () => fsp.symlink('target', p));
      expect(err.message).toBe(`EEXIST: file already exists, symlink 'target' -> '${p}'`);
    }
  });

  it('ENOENT when the directory of the path does not exist', async () => {
    const p = path.join(fx.path(), 'sub', 'link');
    await expectSameFailure(() => ring.symlink('t', p), () => fsp.symlink('t', p));
  });

  it('ENOTDIR when a component of the path is a file', async () => {
    const f = fx.path();
    fs.writeFileSync(f, '');
    const p = path.join(f, 'link');
    await expectSameFailure(() => ring.symlink('t', p), () => fsp.symlink('t', p));
  });

  it('ENOENT for an empty target or path', async () => {
    const p = fx.path();
    await expectSameFailure(() => ring.symlink('', p), () => fsp.symlink('', p));
    await expectSameFailure(() => ring.symlink('t', ''), () => fsp.symlink('t', ''));
  });

  it('invalid arguments: node:fs validation errors, nothing created', async () => {
    const p = fx.path();
    await expectSameFailure(() => ring.symlink(1 as never, p), () => fsp.symlink(1 as never, p));
    await expectSameFailure(() => ring.symlink('t', {} as never), () => fsp.symlink('t', {} as never));
    await expectSameFailure(() => ring.symlink('t\0x', p), () => fsp.symlink('t\0x', p));
    expect(fs.existsSync(p)).toBe(false);
  });

  it('in a batch, and in a linked chain (a failure cancels the rest)', async () => {
    const a = fx.path();
    const b = fx.path();
    const ok = await ring.batch([{ op: 'symlink', target: 'ta', path: a }, { op: 'symlink', target: 'tb', path: b }]);
    expect(ok.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect([fs.readlinkSync(a), fs.readlinkSync(b)]).toEqual(['ta', 'tb']);
    const c = fx.path();
    const chain = await ring.batch([{ op: 'symlink', target: 'x', path: a }, { op: 'symlink', target: 'y', path: c }], { link: true });
    expect(chain[0]).toMatchObject({ status: 'rejected', reason: { code: 'EEXIST' } });
    expect(chain[1]).toMatchObject({ status: 'rejected', reason: { code: 'ECANCELED' } });
    expect(fs.existsSync(c)).toBe(false);
  });
});
