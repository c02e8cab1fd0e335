// The package as users load it: require() from CommonJS and import from ESM,
// one module instance behind both; the root helpers readFile (parity with
// fs.promises.readFile) and allocAligned (checked with O_DIRECT).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Ring, allocAligned, readFile } from '../src/index';
import { CRASH, FIXTURES, ROOT, STRICT, WANT_FS, describeChild, ensureDist, lastJson, patternBuffer, runNode, tmpDir } from './fixtures/helpers';

let dir: string;
let sample: string;

beforeAll(() => {
  ensureDist();
  dir = tmpDir('package');
  sample = path.join(dir, 'sample.txt');
  fs.writeFileSync(sample, 'héllo wörld ✓ 𝄞\n'.repeat(5000));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const expectedBackend = WANT_FS ? 'fs' : STRICT ? 'io_uring' : undefined;
const PUBLIC = ['Ring', 'allocAligned', 'getRing', 'readFile'];

async function child(script: string): Promise<Record<string, unknown>> {
  const r = await runNode(path.join(FIXTURES, script), { args: [sample], timeoutMs: 20_000 });
  const why = describeChild(r);
  expect(r.stderr, why).not.toMatch(CRASH);
  expect({ code: r.code, signal: r.signal }, why).toEqual({ code: 0, signal: null });
  expect(r.stderr.trim(), why).toBe('');
  const out = lastJson(r.stdout);
  expect(out, why).not.toBeNull();
  return out as Record<string, unknown>;
}

describe('loading the package', () => {
  it('declares types first in each exports condition, and the files exist', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('uring-fs');
    for (const cond of ['import', 'require']) {
      const entry = pkg.exports['.'][cond];
      expect(Object.keys(entry)[0], cond).toBe('types');
      expect(fs.existsSync(path.join(ROOT, entry.types)), entry.types).toBe(true);
      expect(fs.existsSync(path.join(ROOT, entry.default)), entry.default).toBe(true);
    }
  });

  it('works with require() from CommonJS, and import() there gives the same instance', async () => {
    const out = await child('pkg-cjs.cjs');
    expect(out.resolved).toBe(path.join(ROOT, 'dist/cjs/index.js'));
    expect(out.types).toEqual({ Ring: 'function', getRing: 'function', readFile: 'function', allocAligned: 'function' });
    expect(out.keys).toEqual(PUBLIC);
    if (expectedBackend) expect(out.backend).toBe(expectedBackend);
    expect(out).toMatchObject({
      sameRing: true,
      readFileOk: true,
      readFileUtf8Ok: true,
      importSameRing: true,
      importSameClass: true,
      importDefaultIsCjs: true,
      aligned: { isBuffer: true, length: 8192, zero: true },
    });
  });

  it('works with import from ESM, and require() there gives the same instance', async () => {
    const out = await child('pkg-esm.mjs');
    expect(out.resolved).toBe(`file://${path.join(ROOT, 'dist/esm/index.mjs')}`);
    expect(out.requireResolved).toBe(path.join(ROOT, 'dist/cjs/index.js'));
    expect(out.types).toEqual({ Ring: 'function', getRing: 'function', readFile: 'function', allocAligned: 'function' });
    expect(out.keys).toEqual(PUBLIC);
    if (expectedBackend) expect(out.backend).toBe(expectedBackend);
    expect(out).toMatchObject({
      sameRing: true,
      readFileOk: true,
      readFileUtf8Ok: true,
      requireSameRing: true,
      requireSameClass: true,
      instanceAcross: true,
      afterDestroySame: true,
      aligned: { isBuffer: true, length: 8192, zero: true },
    });
  });
});

/** What a caller can see of an error. */
function shape(err: unknown): Record<string, unknown> {
  const e = err as NodeJS.ErrnoException;
  return { ctor: e?.constructor?.name, message: e?.message, code: e?.code, errno: e?.errno, syscall: e?.syscall, path: e?.path };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
}

describe('readFile()', () => {
  it('returns what fs.readFileSync returns, as a Buffer and as text', async () => {
    const bin = path.join(dir, 'pattern.bin');
    fs.writeFileSync(bin, patternBuffer((1 << 20) + 3));
    const buf = await readFile(bin);
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect((buf as Buffer).equals(fs.readFileSync(bin))).toBe(true);
    expect(await readFile(sample, 'utf8')).toBe(fs.readFileSync(sample, 'utf8'));
    expect(await readFile(sample, { encoding: 'utf8' })).toBe(fs.readFileSync(sample, 'utf8'));
    expect(await readFile(sample, { encoding: 'base64' })).toBe(fs.readFileSync(sample, 'base64'));
    expect(((await readFile(sample, null)) as Buffer).equals(fs.readFileSync(sample))).toBe(true);
  });

  it('reads empty files and files of exactly one chunk', async () => {
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    expect(await readFile(empty)).toEqual(Buffer.alloc(0));
    expect(await readFile(empty, 'utf8')).toBe('');
    for (const size of [1, 4095, 4096, 65535, 65536, 65537]) {
      const f = path.join(dir, `size-${size}`);
      fs.writeFileSync(f, patternBuffer(size));
      expect(((await readFile(f)) as Buffer).equals(fs.readFileSync(f)), `size ${size}`).toBe(true);
    }
  });

  it('reads /proc/self/status (which reports size 0) as this process sees it', async () => {
    expect(fs.statSync('/proc/self/status').size).toBe(0);
    const text = (await readFile('/proc/self/status', 'utf8')) as string;
    expect(text).toMatch(/^Name:\t/);
    expect(text).toContain(`\nPid:\t${process.pid}\n`);
    expect(text.endsWith('\n')).toBe(true);
    // The same fields as node:fs sees, in the same order (values change between reads).
    const keys = (s: string): string[] => s.trim().split('\n').map((l) => l.split(':')[0]);
    expect(keys(text)).toEqual(keys(fs.readFileSync('/proc/self/status', 'utf8')));
  });

  it('reads a size-0 /proc file longer than its first chunk', async (ctx) => {
    const syncLen = fs.readFileSync('/proc/self/smaps').length;
    if (syncLen <= 65536) ctx.skip(`/proc/self/smaps is only ${syncLen} bytes here: nothing to grow past`);
    const text = (await readFile('/proc/self/smaps', 'utf8')) as string;
    expect(text.length).toBeGreaterThan(65536);
    expect(text.endsWith('\n')).toBe(true);
    // Every line is a mapping header or a "Key: value" line: no seams where chunks were joined.
    const lines = text.slice(0, -1).split('\n');
    const odd = lines.filter((l) => !/^([0-9a-f]+-[0-9a-f]+ |[A-Za-z_]+:)/.test(l));
    expect(odd.slice(0, 5)).toEqual([]);
  });

  it('rejects a missing file exactly as fs.promises.readFile does', async () => {
    const missing = path.join(dir, 'no-such-file');
    const ours = await rejection(readFile(missing));
    const theirs = await rejection(fs.promises.readFile(missing));
    expect(shape(ours)).toEqual(shape(theirs));
    expect(shape(ours)).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'open', path: missing });
  });

  it('rejects a directory exactly as fs.promises.readFile does', async () => {
    const ours = await rejection(readFile(dir));
    const theirs = await rejection(fs.promises.readFile(dir));
    expect(shape(ours)).toEqual(shape(theirs));
    expect((ours as NodeJS.ErrnoException).code).toBe('EISDIR');
  });

  it('rejects an unknown encoding with node:fs’s error', async () => {
    const ours = await rejection(readFile(sample, 'bogus' as BufferEncoding));
    const theirs = await rejection(fs.promises.readFile(sample, 'bogus' as BufferEncoding));
    expect(shape(ours)).toEqual(shape(theirs));
  });

  it("honours the flag option ('a+' creates the file)", async () => {
    const created = path.join(dir, 'created-by-a+');
    expect(await readFile(created, { flag: 'a+', encoding: 'utf8' })).toBe('');
    expect(fs.existsSync(created)).toBe(true);
  });

  it('leaves no fd open behind it, whether it succeeds or fails', async () => {
    const count = (): number => fs.readdirSync('/proc/self/fd').length;
    await readFile(sample);
    const before = count();
    for (let i = 0; i < 50; i++) {
      await readFile(sample);
      await readFile(dir).catch(() => {});
    }
    expect(count()).toBe(before);
  });
});

describe('allocAligned()', () => {
  it('returns a zero-filled Buffer of the size asked for', () => {
    for (const size of [0, 1, 4096, 8192, 100_000]) {
      const b = allocAligned(size);
      expect(Buffer.isBuffer(b)).toBe(true);
      expect(b.length).toBe(size);
      expect(b.byteOffset).toBe(0);
      expect(b.every((x) => x === 0)).toBe(true);
    }
    expect(allocAligned(100, 65536).length).toBe(100);
  });

  it('validates its arguments', () => {
    expect(() => allocAligned(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => allocAligned(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => allocAligned('8' as unknown as number)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => allocAligned(8192, 3000)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('is 4096-aligned: an O_DIRECT read into it succeeds where a misaligned one fails', async (ctx) => {
    // A disk filesystem (ext4 for /tmp here) accepts O_DIRECT; tmpfs would not.
    const file = path.join(dir, 'odirect.bin');
    fs.writeFileSync(file, patternBuffer(1 << 16));
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_DIRECT);
    } catch (err) {
      fs.rmSync(file, { force: true });
      ctx.skip(`this filesystem refuses O_DIRECT: ${(err as Error).message}`);
      return;
    }
    try {
      // A deliberately misaligned window must fail, or this filesystem does not
      // check alignment and the aligned read below would prove nothing.
      const misaligned = Buffer.alloc(8192 + 1).subarray(1);
      let refused: string | undefined;
      try {
        fs.readSync(fd, misaligned, 0, 8192, 0);
      } catch (err) {
        refused = (err as NodeJS.ErrnoException).code;
      }
      if (refused !== 'EINVAL') {
        ctx.skip('this filesystem does not enforce O_DIRECT alignment');
        return;
      }
      for (let i = 0; i < 8; i++) {
        const buf = allocAligned(8192);
        expect(fs.readSync(fd, buf, 0, 8192, 4096)).toBe(8192);
        expect(buf.equals(patternBuffer(4096 + 8192).subarray(4096))).toBe(true);
        // And through the ring.
        const ring = new Ring();
        try {
          const again = allocAligned(8192);
          await expect(ring.read(fd, again, 0)).resolves.toBe(8192);
          expect(again.equals(patternBuffer(8192))).toBe(true);
          await expect(ring.read(fd, misaligned, 0)).rejects.toMatchObject({ code: 'EINVAL', syscall: 'read' });
        } finally {
          await ring.destroy();
        }
      }
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
  });
});
