// ring.link(existingPath, newPath) against fs.promises.link: a second name for
// the same inode, and every failure with node:fs's code, errno, syscall, both
// paths and message.

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

import { opFixture, runsOnRing } from './support/op-fixture';
import { expectSameFailure } from './support/parity';
import { pattern, writePatternFile, expectBytes } from './support/pattern';

const fx = opFixture('link');
const { ring } = fx;

describe('link: results', () => {
  it('a second name for the same inode: same bytes, nlink 2', async () => {
    const a = fx.path();
    writePatternFile(a, 3000);
    const b = fx.path();
    expect(await ring.link(a, b)).toBeUndefined();
    expect(fs.statSync(b).ino).toBe(fs.statSync(a).ino);
    expect(fs.statSync(a).nlink).toBe(2);
    expectBytes(fs.readFileSync(b), pattern(3000));
  });

  it('links a symlink itself, not its target (as link(2) and node:fs do)', async () => {
    const target = fx.path();
    fs.writeFileSync(target, 't');
    const sym = fx.path();
    fs.symlinkSync(target, sym);
    const b = fx.path();
    await ring.link(sym, b);
    expect(fs.lstatSync(b).isSymbolicLink()).toBe(true);
    expect(fs.lstatSync(b).ino).toBe(fs.lstatSync(sym).ino);
  });

  it('runs on the ring where the kernel has IORING_OP_LINKAT (5.15)', () => {
    expect(runsOnRing(ring, 'link')).toBe(ring.backend === 'io_uring' && ring.features.ops.linkat);
  });
});

describe('link: errors as fs.promises.link gives them', () => {
  it('ENOENT for a missing existing path', async () => {
    const a = fx.path();
    const b = fx.path();
    const err = await expectSameFailure(() => ring.link(a, b), () => fsp.link(a, b));
    expect(err.message).toBe(`ENOENT: no such file or directory, link '${a}' -> '${b}'`);
  });

  it('EEXIST when the new path exists', async () => {
    const a = fx.path();
    const b = fx.path();
    fs.writeFileSync(a, '');
    fs.writeFileSync(b, '');
    await expectSameFailure(() => ring.link(a, b), () => fsp.link(a, b));
  });

  it('EPERM for a directory', async () => {
    const d = fx.path();
    fs.mkdirSync(d);
    const b = fx.path();
    await expectSameFailure(() => ring.link(d, b), () => fsp.link(d, b));
  });

  it("ENOENT when the new path's directory is missing; ENOTDIR through a file", async () => {
    const a = fx.path();
    fs.writeFileSync(a, '');
    const missing = path.join(fx.path(), 'x');
    await expectSameFailure(() => ring.link(a, missing), () => fsp.link(a, missing));
    await expectSameFailure(() => ring.link(a, path.join(a, 'x')), () => fsp.link(a, path.join(a, 'x')));
  });

  // Found by the differential fuzzer: io_uring copies both paths in when the
  // SQE is submitted and fails an empty (or PATH_MAX-long) one there, before
  // the existing path is looked up; link(2) looks it up first.
  it("the existing path's error comes first when the new path is empty or too long, as link(2) gives it", async () => {
    const f = fx.path();
    fs.writeFileSync(f, '');
    const long = path.join(fx.dir, 'x'.repeat(4096));
    for (const [from, to] of [
      [path.join(f, 'x'), ''],
      [path.join(fx.dir, 'missing'), long],
      [path.join(f, 'x'), long],
    ]) {
      await expectSameFailure(() => ring.link(from, to), () => fsp.link(from, to));
    }
  });

  it('invalid arguments: node:fs validation errors', async () => {
    const a = fx.path();
    await expectSameFailure(() => ring.link(1 as never, a), () => fsp.link(1 as never, a));
    await expectSameFailure(() => ring.link(a, null as never), () => fsp.link(a, null as never));
  });

  it('in a batch', async () => {
    const a = fx.path();
    fs.writeFileSync(a, 'x');
    const b = fx.path();
    const [r] = await ring.batch([{ op: 'link', from: a, to: b }]);
    expect(r).toEqual({ status: 'fulfilled', value: undefined });
    expect(fs.statSync(b).ino).toBe(fs.statSync(a).ino);
  });
});
