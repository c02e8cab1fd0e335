'use strict';
// Compiles src/ to CommonJS in dist/cjs, then writes a thin ES module wrapper in
// dist/esm that re-exports the CommonJS build. One module instance serves both
// `import` and `require`, so there is one ring per thread whichever way it is loaded.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });

const cjs = require(path.join(root, 'dist/cjs/index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule');
const esmDir = path.join(root, 'dist/esm');
fs.mkdirSync(esmDir, { recursive: true });
fs.writeFileSync(
  path.join(esmDir, 'index.mjs'),
  `import cjs from '../cjs/index.js';\n` +
    `export const { ${names.join(', ')} } = cjs;\n` +
    `export default cjs;\n`,
);
fs.writeFileSync(path.join(esmDir, 'index.d.mts'), `export * from '../cjs/index.js';\n`);

// uring-fs/promises: every export node:fs/promises has on any supported Node
// line (20 to 26), so `import { glob } from 'uring-fs/promises'` links on every
// line; a name the running Node lacks is undefined there, as the CommonJS
// object has no such key. Listed here rather than read off the building Node,
// which is one line only.
const PROMISES_EXPORTS = [
  'access', 'appendFile', 'chmod', 'chown', 'constants', 'copyFile', 'cp', 'glob', 'lchmod', 'lchown',
  'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp', 'mkdtempDisposable', 'open', 'opendir', 'readFile',
  'readdir', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'statfs', 'symlink', 'truncate',
  'unlink', 'utimes', 'watch', 'writeFile',
];
const promisesNames = [...new Set([...PROMISES_EXPORTS, ...Object.keys(require(path.join(root, 'dist/cjs/promises/index.js')))])].sort();
fs.writeFileSync(
  path.join(esmDir, 'promises.mjs'),
  `import cjs from '../cjs/promises/index.js';\n` +
    `export const { ${promisesNames.join(', ')} } = cjs;\n` +
    `export default cjs;\n`,
);
fs.writeFileSync(
  path.join(esmDir, 'promises.d.mts'),
  `export * from 'node:fs/promises';\nexport { default } from 'node:fs/promises';\n`,
);
