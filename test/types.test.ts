// The public types: batch() results typed per entry (checked by compiling
// test/fixtures/batch-types.ts with tsc), and the values at run time matching
// those types.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stats } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Ring } from '../src/index';
import { ROOT, WANT_FS, tmpDir } from './fixtures/helpers';

let dir: string;

beforeAll(() => {
  dir = tmpDir('types');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('batch() result types', () => {
  // The compiler's verdict does not depend on the backend: once, in the io_uring pass.
  it.skipIf(WANT_FS)('compile entry by entry (tsc on test/fixtures/batch-types.ts)', () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const fixture = path.join(ROOT, 'test/fixtures/batch-types.ts');
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node10', '--types', 'node', '--lib', 'ES2022,ESNext.Disposable', '--skipLibCheck', fixture], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout) + String((err as { stderr?: string }).stderr);
    }
    expect(out).toBe('');
  });

  it('resolve at run time with what the types say', async () => {
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'hello');
    const ring = new Ring();
    try {
      const fd = await ring.open(file, 'r');
      const sub = path.join(dir, 'sub');
      const results = await ring.batch([
        { op: 'read', fd, buffer: Buffer.alloc(16), position: 0 },
        { op: 'open', path: file },
        { op: 'stat', path: file },
        { op: 'fstat', fd, bigint: true },
        { op: 'mkdir', path: sub },
      ]);
      const values = results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason));
      expect(values[0]).toBe(5);
      expect(typeof values[1]).toBe('number');
      expect(values[2]).toBeInstanceOf(Stats);
      expect(typeof (values[3] as { size: unknown }).size).toBe('bigint');
      expect(typeof (values[2] as { size: unknown }).size).toBe('number');
      expect(values[4]).toBeUndefined();
      const closed = await ring.batch([{ op: 'close', fd }, { op: 'close', fd: values[1] as number }]);
      expect(closed).toEqual([{ status: 'fulfilled', value: undefined }, { status: 'fulfilled', value: undefined }]);
    } finally {
      await ring.destroy();
    }
  });
});
