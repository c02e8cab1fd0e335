'use strict';
// Preloaded (`node --require test/node-parity/swap.cjs test-x.js`) so that an
// unmodified Node test of fs/promises runs on uring-fs/promises instead:
//
//   require('fs/promises'), require('node:fs/promises')  -> uring-fs/promises
//   require('fs').promises (and `import { promises } from 'fs'`)
//   import ... from 'fs/promises' / 'node:fs/promises'     (resolve hook)
//
// The built package (dist/) is what runs: `npm run build:ts` first. uring-fs's
// own modules keep node's module (they were loaded, and captured it, before
// the swap; later requires from dist/ pass through), so the drop-in's calls
// into node:fs/promises still reach node.
//
// A swap that silently did not happen would make the parity run worthless, so
// this file checks it and leaves evidence: it throws at startup unless every
// route above hands out uring-fs/promises, and at exit it appends one JSON line
// to $URING_FS_PARITY_MARKER with the pid, the backend the ring really runs on
// and how many times the test obtained the swapped module by each route
// (scripts/test-node-parity.js refuses a swapped run without its line, or with
// no hit, or on another backend than the one asked for).

const assert = require('node:assert');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { isMainThread } = require('node:worker_threads');

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'dist') + path.sep;
const entry = path.join(dist, 'cjs', 'promises', 'index.js');
if (!fs.existsSync(entry)) {
  throw new Error(`node-parity: ${entry} is missing: build first (npm run build:ts)`);
}

const nodeFsp = require('node:fs/promises');
const ours = require(entry);
const { getRing } = require(path.join(dist, 'cjs', 'index.js'));
assert.notStrictEqual(ours, nodeFsp, 'uring-fs/promises is node:fs/promises itself');

// Counted per route; shared with swap-target.mjs (the ESM route) through globalThis.
const hits = { require: 0, property: 0, import: 0 };
globalThis[Symbol.for('uring-fs.node-parity.hits')] = hits;

function fromDist(parent) {
  return parent != null && typeof parent.filename === 'string' && parent.filename.startsWith(dist);
}

const load = Module._load;
Module._load = function swapLoad(request, parent, isMain) {
  if ((request === 'fs/promises' || request === 'node:fs/promises') && !fromDist(parent)) {
    hits.require++;
    return ours;
  }
  return load.apply(this, arguments);
};

const before = Object.getOwnPropertyDescriptor(fs, 'promises');
Object.defineProperty(fs, 'promises', {
  configurable: true,
  enumerable: before === undefined ? true : before.enumerable,
  get() {
    hits.property++;
    return ours;
  },
});
// ESM's view of the builtin 'fs' (its named export `promises`) follows the change.
Module.syncBuiltinESMExports();

// ESM imports of fs/promises: in-thread hooks where the running Node has them
// (module.registerHooks, 22.15+; module.register is deprecated from 26, with
// a warning that would upset tests counting warnings), else swap-hooks.mjs.
const target = pathToFileURL(path.join(__dirname, 'swap-target.mjs')).href;
const distURL = pathToFileURL(dist).href;
const selfURL = pathToFileURL(__dirname + path.sep).href;
let esmHooks = 'none';
if (typeof Module.registerHooks === 'function') {
  Module.registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL ?? '';
      if ((specifier === 'fs/promises' || specifier === 'node:fs/promises') && !parent.startsWith(distURL) && !parent.startsWith(selfURL)) {
        return { url: target, format: 'module', shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
  esmHooks = 'registerHooks';
} else if (typeof Module.register === 'function') {
  Module.register(pathToFileURL(path.join(__dirname, 'swap-hooks.mjs')), {
    parentURL: pathToFileURL(__filename),
    data: { target, dist: distURL },
  });
  esmHooks = 'register';
}

// The swap is in place on every CommonJS route, or this process stops here.
assert.strictEqual(require('fs/promises'), ours);
assert.strictEqual(require('node:fs/promises'), ours);
assert.strictEqual(require('fs').promises, ours);
hits.require = 0;
hits.property = 0;

const backend = getRing().backend;
const wanted = process.env.URING_FS_BACKEND === 'fs' ? 'fs' : process.env.URING_FS_STRICT === '1' ? 'io_uring' : null;
if (wanted !== null && backend !== wanted) {
  throw new Error(`node-parity: the ring runs on '${backend}', not on the '${wanted}' backend asked for`);
}

const marker = process.env.URING_FS_PARITY_MARKER;
if (marker && isMainThread) {
  process.on('exit', () => {
    fs.appendFileSync(marker, `${JSON.stringify({ pid: process.pid, backend, hits, esmHooks })}\n`);
  });
}
