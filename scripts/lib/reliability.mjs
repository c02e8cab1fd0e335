// Shared by the reliability tools (scripts/soak.mjs, scripts/crash.mjs,
// scripts/fuzz.mjs): a seeded random generator, self-describing block
// contents, the process counters the soak samples, and the settle instrument.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

/** The built package (dist/), as `import 'uring-fs'` would load it. */
export function loadPackage() {
  const entry = path.join(ROOT, 'dist/cjs/index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build:ts\` (npm ci does it)`);
  return require(entry);
}

// ---------------------------------------------------------------------------
// A seeded generator (sfc32: small, fast, good enough for test schedules).

export function rng(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  const r = {
    /** [0, 1) */
    next,
    /** An integer in [0, n). */
    int: (n) => Math.floor(next() * n),
    /** An integer in [lo, hi]. */
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    /** A key of `weights` ({ name: weight }), with probability proportional to its weight. */
    weighted(weights) {
      let total = 0;
      for (const k in weights) total += weights[k];
      let x = next() * total;
      for (const k in weights) {
        x -= weights[k];
        if (x < 0) return k;
      }
      return Object.keys(weights)[0];
    },
    shuffle(list) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [list[i], list[j]] = [list[j], list[i]];
      }
      return list;
    },
  };
  return r;
}

/** A seed from the command line (a number), or a fresh one. */
export function seedOf(value) {
  if (value === undefined || value === null || value === '') return (Math.random() * 2 ** 31) >>> 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--seed must be a non-negative integer, not ${value}`);
  return n >>> 0;
}

// ---------------------------------------------------------------------------
// Blocks that say what they are. Every block of every file holds a header
// (magic, file, block, version) and a body derived from those three, so a read
// is verified without keeping a copy, a misplaced block says where it came
// from, and a torn one (body not matching its header) is caught.

export const MAGIC = 0x55524653; // "URFS"
const HEADER_WORDS = 4;

function keyOf(f, b, v) {
  let x = Math.imul(f + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca77) ^ Math.imul(v + 1, 0xc2b2ae3d);
  x ^= x >>> 15;
  return Math.imul(x, 0x2c1b3c6d) >>> 0;
}

function bodyWord(key, i) {
  let x = (key + Math.imul(i, 0x9e3779b1)) | 0;
  x ^= x >>> 16;
  return Math.imul(x, 0x7feb352d) >>> 0;
}

/** Fills `bs` bytes of `bytes` (a Uint8Array) at byte offset `at` with block (f, b, v). */
export function fillBlock(bytes, at, bs, f, b, v) {
  const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset + at, bs >>> 2);
  u32[0] = MAGIC;
  u32[1] = f;
  u32[2] = b;
  u32[3] = v;
  const key = keyOf(f, b, v);
  for (let i = HEADER_WORDS; i < u32.length; i++) u32[i] = bodyWord(key, i);
}

/** A new Uint8Array (own, aligned memory) holding blocks b0, b0+1, … of file f at versions vs[i]. */
export function makeBlocks(bs, f, b0, vs) {
  const out = new Uint8Array(new ArrayBuffer(bs * vs.length));
  for (let i = 0; i < vs.length; i++) fillBlock(out, i * bs, bs, f, b0 + i, vs[i]);
  return out;
}

/**
 * What a block holds: { f, b, v, intact } (intact: the body matches the header),
 * or { magic: false } when it is not a block at all (zeros, garbage).
 */
export function decodeBlock(bytes, at, bs) {
  if (((bytes.byteOffset + at) & 3) !== 0) {
    bytes = bytes.slice(at, at + bs); // a copy, aligned
    at = 0;
  }
  const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset + at, bs >>> 2);
  if (u32[0] !== MAGIC) return { magic: false, first: u32[0] };
  const f = u32[1];
  const b = u32[2];
  const v = u32[3];
  const key = keyOf(f, b, v);
  for (let i = HEADER_WORDS; i < u32.length; i++) {
    if (u32[i] !== bodyWord(key, i)) return { magic: true, f, b, v, intact: false, badWord: i };
  }
  return { magic: true, f, b, v, intact: true };
}

/** null when the block at `at` is exactly (f, b, v), else what is wrong. */
export function checkBlock(bytes, at, bs, f, b, v) {
  const d = decodeBlock(bytes, at, bs);
  if (!d.magic) return `file ${f} block ${b}: want version ${v}, found no block header (first word 0x${d.first.toString(16)})`;
  if (d.f !== f || d.b !== b || d.v !== v) {
    return `file ${f} block ${b}: want version ${v}, found file ${d.f} block ${d.b} version ${d.v}${d.intact ? '' : ' (torn)'}`;
  }
  if (!d.intact) return `file ${f} block ${b} version ${v}: torn (word ${d.badWord} differs)`;
  return null;
}

// ---------------------------------------------------------------------------
// What the process holds: resident memory, open fds, io_uring instances.

/** { rss (bytes), fds, rings }: rings are fds that are io_uring instances (anon_inode:[io_uring]). */
export function processCounts() {
  let fds = 0;
  let rings = 0;
  for (const name of fs.readdirSync('/proc/self/fd')) {
    let target;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the directory's own fd, closed by now
    }
    fds++;
    if (target === 'anon_inode:[io_uring]') rings++;
  }
  return { rss: process.memoryUsage.rss(), fds, rings };
}

// ---------------------------------------------------------------------------
// The settle instrument. Every op the engine runs gets its `resolve` and
// `reject` assigned (Engine.run, a batch's sink, a chain's promises) before it
// can settle. An accessor on Op.prototype wraps each assigned function, so the
// number of times an op is settled is counted where the engine settles it: a
// second settle, which a promise would silently swallow (and a `.then`
// counter could never see), is counted and described.

/**
 * Installs the instrument on `Op` (the class of the build in use: by default
 * dist's). Returns the counters, and `uninstall()`.
 */
export function installSettleCounter(Op = require(path.join(ROOT, 'dist/cjs/ops/op.js')).Op) {
  const kResolve = Symbol('resolve');
  const kReject = Symbol('reject');
  const kCount = Symbol('settles');
  const stats = { armed: 0, settled: 0, doubles: 0, examples: [] };
  const wrap = (fn, kind) =>
    function settleCounted(value) {
      const n = (this[kCount] = (this[kCount] ?? 0) + 1);
      if (n === 1) stats.settled++;
      else {
        stats.doubles++;
        if (stats.examples.length < 5) {
          stats.examples.push(`${this.constructor.name} (${this.syscall}, fd ${this.fd}) settled ${n} times, the last by ${kind}(${value instanceof Error ? value.message : String(value)})`);
        }
      }
      return fn.call(this, value);
    };
  Object.defineProperty(Op.prototype, 'resolve', {
    configurable: true,
    get() {
      return this[kResolve];
    },
    set(fn) {
      if (this[kResolve] === undefined && this[kReject] === undefined) stats.armed++;
      this[kCount] = 0;
      this[kResolve] = wrap(fn, 'resolve');
    },
  });
  Object.defineProperty(Op.prototype, 'reject', {
    configurable: true,
    get() {
      return this[kReject];
    },
    set(fn) {
      if (this[kResolve] === undefined && this[kReject] === undefined) stats.armed++;
      this[kCount] = 0;
      this[kReject] = wrap(fn, 'reject');
    },
  });
  stats.uninstall = () => {
    delete Op.prototype.resolve;
    delete Op.prototype.reject;
  };
  return stats;
}

// ---------------------------------------------------------------------------
// Formatting.

export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

export function mib(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
