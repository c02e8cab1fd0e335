// The swap behind `npm run test:node-parity` (test/node-parity/swap.cjs):
// with it preloaded, every way a Node test reaches fs/promises (CommonJS
// require of 'fs/promises' and 'node:fs/promises', require('fs').promises,
// ES module imports of both names and of `promises` from 'fs') hands out
// uring-fs/promises, and the marker it leaves says so; without it, node's.
// A harness whose swap silently failed would test node:fs and pass.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ensureDist, tmpDir } from './fixtures/helpers';

const ROOT = path.join(__dirname, '..');
const SWAP = path.join(ROOT, 'test', 'node-parity', 'swap.cjs');
const DIST = path.join(ROOT, 'dist', 'cjs', 'promises', 'index.js');

let dir: string;
beforeAll(() => {
  ensureDist();
  dir = tmpDir('node-parity');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(file: string, source: string, preload: boolean, env: Record<string, string> = {}) {
  const script = path.join(dir, file);
  fs.writeFileSync(script, source);
  const marker = path.join(dir, `${file}.marker`);
  fs.rmSync(marker, { force: true });
  // The backend is the case's, whatever the pass of the suite running this sets.
  const base = { ...process.env };
  delete base.URING_FS_BACKEND;
  delete base.URING_FS_STRICT;
  const r = spawnSync(process.execPath, [...(preload ? ['--require', SWAP] : []), script], {
    encoding: 'utf8',
    env: { ...base, URING_FS_PARITY_MARKER: marker, ...env },
  });
  const lines = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  return { status: r.status, stderr: r.stderr, out: r.stdout.trim(), marker: lines.find((l) => l.pid === r.pid) };
}

const CJS = `
const ours = require(${JSON.stringify(DIST)});
console.log(JSON.stringify({
  fsPromises: require('fs/promises') === ours,
  nodeFsPromises: require('node:fs/promises') === ours,
  property: require('fs').promises === ours,
}));`;

const ESM = `
import { createRequire } from 'node:module';
import fspDefault, { open } from 'node:fs/promises';
import fsp2 from 'fs/promises';
import { promises } from 'node:fs';
const ours = createRequire(import.meta.url)(${JSON.stringify(DIST)});
console.log(JSON.stringify({
  nodeFsPromises: fspDefault === ours,
  fsPromises: fsp2 === ours,
  named: open === ours.open,
  promisesExport: promises === ours,
}));`;

describe('test/node-parity/swap.cjs', () => {
  it.each([
    ['io_uring', { URING_FS_STRICT: '1' }],
    ['fs', { URING_FS_BACKEND: 'fs' }],
  ])('swaps every CommonJS route (%s backend) and leaves its marker', (backend, env) => {
    const r = run('cjs.js', CJS, true, env);
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.out);
    expect([seen.fsPromises, seen.nodeFsPromises, seen.property]).toEqual([true, true, true]);
    expect(r.marker).toMatchObject({ backend });
    expect(r.marker.hits.require + r.marker.hits.property).toBeGreaterThan(0);
  });

  it('swaps ES module imports of fs/promises, node:fs/promises and fs.promises', () => {
    const r = run('esm.mjs', ESM, true, { URING_FS_STRICT: '1' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ nodeFsPromises: true, fsPromises: true, named: true, promisesExport: true });
    expect(r.marker.hits.import).toBeGreaterThan(0);
  });

  it('without the preload the same scripts get node:fs/promises, and no marker', () => {
    const cjs = run('plain.js', CJS, false);
    expect(cjs.status, cjs.stderr).toBe(0);
    expect(JSON.parse(cjs.out)).toMatchObject({ fsPromises: false, nodeFsPromises: false, property: false });
    const esm = run('plain.mjs', ESM, false);
    expect(JSON.parse(esm.out)).toEqual({ nodeFsPromises: false, fsPromises: false, named: false, promisesExport: false });
    expect([cjs.marker, esm.marker]).toEqual([undefined, undefined]);
  });
});
