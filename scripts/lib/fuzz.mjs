// The differential fuzzer's engine (scripts/fuzz.mjs, test/fuzz.test.ts).
//
// An episode is a sequence of steps run on three twin file sets that start
// identical: one driven by the Ring under test, one by node:fs callbacks, one
// by node:fs/promises (FileHandle for fd ops). Every step's result or error
// (class, code, errno, syscall, message, path, dest, own keys, bytesWritten),
// every byte of every view it touched, and then every open fd's position and
// flags (/proc/self/fdinfo) and every file of the tree are compared. Steps are
// plain data (JSON), so an episode replays exactly, and a failing one is
// minimised by delta debugging (ddmin) to the fewest steps that still fail.
//
// Which node:fs call a Ring call is compared with is its documented
// counterpart (README's table): ring.read(fd, view, pos) is fs.read(fd, view,
// 0, view.byteLength, pos) and filehandle.read(view, 0, view.byteLength, pos);
// a batch is its entries run one after another (unlinked batches only hold
// entries whose order does not matter), a linked one stops at the first
// failure or short read and the rest are ECANCELED; ring.fallocate, which
// node:fs lacks, is compared with the Ring's own node:fs backend on the twin.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getSystemErrorMap, isDeepStrictEqual } from 'node:util';

import { rng } from './reliability.mjs';

const C = fs.constants;
/** A valid int32 that is never an open fd (above any RLIMIT_NOFILE): EBADF. */
export const BADFD = 2147483647;
const SLOTS = 6;
/**
 * How often arguments are invalid, relative to the built-in rates (1: about
 * one step in six has a bad argument; every one ends an episode while argument
 * checks differ from node:fs's, so long runs go deeper with fewer).
 */
let BAD = 1;
const MAX_RW = 0x7ffff000;
const ECANCELED = -125;
const SYS_ERRORS = getSystemErrorMap();

// ---------------------------------------------------------------------------
// Step arguments are JSON: special values are tagged.

function enc(v) {
  if (v === undefined) return { $u: 1 };
  if (typeof v === 'bigint') return { $b: String(v) };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
  if (Object.is(v, -0)) return { $n: '-0' };
  return v;
}

function dec(v) {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if ('$u' in v) return undefined;
    if ('$b' in v) return BigInt(v.$b);
    if ('$n' in v) return Number(v.$n);
  }
  return v;
}

// ---------------------------------------------------------------------------
// Views: described by { k: kind, len, off, pad }, built the same in every twin
// over an ArrayBuffer filled with a canary (reads) or the step's data (writes).

const CANARY = 0xa5;
const VIEW_KINDS = ['buf', 'buf', 'u8', 'dv', 'f64', 'u16', 'i32'];
const ELEM = { buf: 1, u8: 1, dv: 1, f64: 8, u16: 2, i32: 4 };

function fillData(u8, from, len, seed) {
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u8[from + i] = x & 0xff;
  }
}

function makeView(d) {
  switch (d.k) {
    case 'str':
      return 'abc';
    case 'null':
      return null;
    case 'obj':
      return { length: 4, byteLength: 4 };
    case 'num':
      return 7;
    case 'arr':
      return [1, 2, 3];
    default:
      break;
  }
  const ab = new ArrayBuffer(d.off + d.len + d.pad);
  const u8 = new Uint8Array(ab);
  u8.fill(CANARY);
  if (d.seed !== undefined) fillData(u8, d.off, d.len, d.seed);
  const e = ELEM[d.k];
  switch (d.k) {
    case 'buf':
      return Buffer.from(ab, d.off, d.len);
    case 'u8':
      return new Uint8Array(ab, d.off, d.len);
    case 'dv':
      return new DataView(ab, d.off, d.len);
    case 'f64':
      return new Float64Array(ab, d.off, d.len / e);
    case 'u16':
      return new Uint16Array(ab, d.off, d.len / e);
    case 'i32':
      return new Int32Array(ab, d.off, d.len / e);
    default:
      throw new Error(`unknown view kind ${d.k}`);
  }
}

function viewBytes(v) {
  return ArrayBuffer.isView(v) ? Buffer.from(new Uint8Array(v.buffer).slice()) : null;
}

function genView(r, maxLen, data) {
  // (fs.write takes a string and writes it; the Ring takes views only: no strings for writes.)
  if (r.chance(0.03 * BAD)) return { k: r.pick(data ? ['null', 'obj', 'num', 'arr'] : ['str', 'null', 'obj', 'num', 'arr']) };
  const k = r.pick(VIEW_KINDS);
  const e = ELEM[k];
  let len = r.chance(0.1) ? 0 : r.chance(0.7) ? r.int(Math.min(maxLen, 4096)) : r.int(maxLen);
  len -= len % e;
  const off = e * r.int(Math.floor(16 / e) + 1);
  const d = { k, len, off, pad: r.int(3) * e };
  if (data) d.seed = r.int(2 ** 31);
  return d;
}

function genViews(r, data) {
  if (r.chance(0.03 * BAD)) return { k: r.pick(['str', 'null', 'bad-item']) };
  const n = r.chance(0.05) ? 0 : r.range(1, 5);
  return Array.from({ length: n }, () => {
    const d = genView(r, 6000, data);
    return ELEM[d.k] ? d : { k: 'buf', len: 3, off: 0, pad: 0, seed: data ? 1 : undefined };
  });
}

function makeViews(list) {
  if (!Array.isArray(list)) return list.k === 'bad-item' ? [Buffer.alloc(2), 'x'] : makeView(list);
  return list.map(makeView);
}

// ---------------------------------------------------------------------------
// Argument generators.

const NAMES = ['f0', 'f1', 'f2', 'f3', 'd0', 'd0/f4', 'd0/d1', 'd0/d1/f5', 'link0', 'dangling', 'nope/x', 'f0/x', ''];

function genPath(r) {
  if (r.chance(0.04 * BAD)) return { raw: enc(r.pick([123, null, undefined, {}, 'nul\0byte'])) };
  const name = r.pick(NAMES);
  const kind = r.weighted({ str: 14, buf: 1, url: 1 });
  return { [kind]: name };
}

// `exact`: node:fs can express every position (read); write, readv and writev
// take numbers only in node:fs, so their bigints stay below 2^53.
function genPosition(r, write, exact = !write) {
  const b = BAD;
  const k = r.weighted({ undef: 6, null: 6, m1: 5, zero: 8, small: 30, bsmall: 8, bm1: 2, big: write ? 0 : 3, huge: exact ? 2 : 0, unsafe: b, bhuge: exact ? 1 : 0, bover: b, m2: 2 * b, frac: 2 * b, str: 2 * b, nan: b, inf: b, negz: 1 });
  switch (k) {
    case 'undef':
      return enc(undefined);
    case 'null':
      return null;
    case 'm1':
      return -1;
    case 'zero':
      return 0;
    case 'small':
      return r.int(70000);
    case 'bsmall':
      return enc(BigInt(r.int(70000)));
    case 'bm1':
      return enc(-1n);
    case 'big':
      return 2 ** 32 + r.int(1000);
    case 'huge':
      return enc(2n ** 62n); // past any file size: EFBIG on write, 0 on read
    case 'unsafe':
      return 2 ** 53;
    case 'bhuge':
      return enc(2n ** 63n - 1n);
    case 'bover':
      return enc(2n ** 63n);
    case 'm2':
      return -2;
    case 'frac':
      return 1.5;
    case 'str':
      return '0';
    case 'nan':
      return enc(NaN);
    case 'inf':
      return enc(Infinity);
    default:
      return enc(-0);
  }
}

function genFd(r, state) {
  if (r.chance(0.03)) return { raw: BADFD };
  if (r.chance(0.07 * BAD)) return { raw: enc(r.pick([-1, 1.5, '3', 2 ** 31, null, undefined])) };
  const open = state.slots.map((s, i) => (s.R !== null ? i : -1)).filter((i) => i >= 0);
  if (open.length && r.chance(0.85)) return { slot: r.pick(open) };
  return { slot: r.int(SLOTS) };
}

const FLAGS = ['r', 'r', 'r+', 'r+', 'w', 'w+', 'a', 'a+', 'wx', 'ax', 'rs+', 'as+',
  C.O_RDONLY, C.O_WRONLY | C.O_CREAT, C.O_RDWR | C.O_CREAT | C.O_TRUNC, C.O_RDWR | C.O_APPEND, C.O_RDONLY | C.O_DIRECTORY,
  C.O_WRONLY | C.O_CREAT | C.O_EXCL, C.O_RDWR | C.O_NOFOLLOW];

function genOpen(r) {
  const flags = r.chance(0.03 * BAD) ? r.pick(['bogus', 1.5, { $u: 1 }]) : r.pick(FLAGS);
  const mode = r.chance(0.5) ? { $u: 1 } : r.chance(0.3 * BAD) ? r.pick(['abc', -1]) : r.pick([0o666, 0o600, 0o444, '755', 0o1777]);
  return { flags, mode };
}

// ---------------------------------------------------------------------------
// The twins. Each runs a step's operation its own way; every adapter returns
// { ok: true, value } or { ok: false, err, sync } and the views it used.

function settle(fn) {
  let p;
  try {
    p = fn();
  } catch (err) {
    return Promise.resolve({ ok: false, err, sync: true });
  }
  return Promise.resolve(p).then((value) => ({ ok: true, value }), (err) => ({ ok: false, err, sync: false }));
}

/** A node:fs callback call as a promise; what it throws synchronously (bad arguments) is thrown, not turned into a rejection. */
function cb(fn) {
  let resolve;
  let reject;
  const p = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  fn((err, value) => (err ? reject(err) : resolve(value)));
  return p;
}

function isFdNumber(fd) {
  return Number.isInteger(fd) && fd >= 0 && fd <= 2 ** 31 - 1;
}

/**
 * write, readv and writev as docs/api.md#positions has them: fd and buffer(s)
 * checked as the node:fs call checks them (probed on /dev/null when the fd is a
 * valid number, so nothing lands), and the position as fs.read checks it for a
 * read of the same total length (node:fs's write, readv and writev take any
 * non-number as "the current position" and a bigint not at all; the Ring
 * rejects the one and honours the other). Throws what node:fs throws; returns
 * the position to hand node:fs (null: the current position).
 */
function checkedPosition(ctx, kind, fd, v, raw) {
  const probeFd = isFdNumber(fd) ? ctx.fuzzer.scratchFd : fd;
  const noop = () => {};
  if (kind === 'write') fs.write(probeFd, v, 0, ArrayBuffer.isView(v) ? v.byteLength : 0, null, noop);
  else if (kind === 'readv') fs.readv(probeFd, v, null, noop);
  else fs.writev(probeFd, v, null, noop);
  const n = kind === 'write' ? v.byteLength : v.reduce((sum, x) => sum + x.byteLength, 0);
  fs.readSync(ctx.fuzzer.scratchFd, new Uint8Array(n), 0, n, raw);
  if (typeof raw === 'bigint') return raw < 0n ? null : Number(raw);
  return Number.isSafeInteger(raw) && raw >= 0 ? raw : null;
}

/** The error a Ring gives a cancelled member of a chain (docs: "the rest settle with ECANCELED"). */
const SYSCALL = {
  open: 'open', close: 'close', read: 'read', readv: 'read', write: 'write', writev: 'write', fsync: 'fsync',
  fdatasync: 'fdatasync', fstat: 'fstat', stat: 'stat', lstat: 'lstat', ftruncate: 'ftruncate', fallocate: 'fallocate',
  unlink: 'unlink', rmdir: 'rmdir', mkdir: 'mkdir', rename: 'rename', nop: 'nop', symlink: 'symlink', link: 'link',
};

function cancelledError(kind, pathArg, destArg) {
  const [code, desc] = SYS_ERRORS.get(ECANCELED);
  let message = `${code}: ${desc}, ${SYSCALL[kind]}`;
  const text = (p) => (typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.toString() : p instanceof URL ? decodeURIComponent(p.pathname) : String(p));
  if (pathArg !== undefined) message += ` '${text(pathArg)}'`;
  if (destArg !== undefined) message += ` -> '${text(destArg)}'`;
  // node's own system errors: own enumerable errno, code, syscall, path, dest, in that order.
  const err = new Error(message);
  err.errno = ECANCELED;
  err.code = code;
  err.syscall = SYSCALL[kind];
  if (pathArg !== undefined) err.path = text(pathArg);
  if (destArg !== undefined) err.dest = text(destArg);
  return err;
}

class Twin {
  constructor(name, root) {
    this.name = name;
    this.root = root;
  }

  p(d) {
    if (d.raw !== undefined) return dec(d.raw);
    if (d.str !== undefined) return d.str === '' ? '' : path.join(this.root, d.str);
    if (d.buf !== undefined) return Buffer.from(d.buf === '' ? '' : path.join(this.root, d.buf));
    return pathToFileURL(path.join(this.root, d.url || '.'));
  }
}

// ---------------------------------------------------------------------------
// Known mismatches: bugs found and reported, each with a failing test. A
// mismatch they match ends its episode and is counted apart, so a long run
// still finds everything else. Remove an entry when its bug is fixed.

const sameSlot = (a, b) => a.fd?.slot !== undefined && a.fd.slot === b.fd?.slot;
export const KNOWN = [
  {
    id: 'validation-parity',
    what: "argument checks that differ from the running Node's node:fs (wording, order, which values are checked): issue 9 reworks them",
    match: (step, what) => /^(error|outcome|value): ring .*"code":"ERR_/.test(what) || /vs callbacks .*"code":"ERR_/.test(what),
  },
  {
    id: 'empty-vector-io',
    what: 'readv/writev of no views (or of one empty view) answered by the kernel where node:fs answers without it or with read(2): issue 9 (branch nodever, e57c242) runs them on node:fs',
    match: (step) => {
      const empty = (e) => (e.op === 'readv' || e.op === 'writev') && Array.isArray(e.views) && (e.views.length === 0 || e.views.every((v) => v.len === 0));
      return empty(step) || (step.entries ?? []).some(empty);
    },
  },
  {
    id: 'many-empty-view',
    what: 'readMany/writeMany hand a zero-length view to the kernel (EBADF on a bad fd, EISDIR on a directory) where fs.read and fs.write answer 0 without a syscall, and the node:fs backend does too',
    match: (step) => (step.op === 'readMany' || step.op === 'writeMany') && step.views.some((v) => v.len === 0),
  },
];

// ---------------------------------------------------------------------------
// Episodes.

/**
 * The fuzzer. `pkg` is the package under test ({ Ring, readFile }); `opts`:
 * { backend, dir }.
 */
export class Fuzzer {
  constructor(pkg, opts = {}) {
    this.pkg = pkg;
    this.opts = opts;
    this.base = fs.mkdtempSync(path.join(opts.dir ?? os.tmpdir(), 'uring-fs-fuzz-'));
    this.scratch = path.join(this.base, 'scratch');
    fs.mkdirSync(this.scratch);
    this.scratchFd = fs.openSync('/dev/null', 'r+');
    this.episodes = 0;
    if (opts.invalid !== undefined) BAD = opts.invalid;
    this.fsRing = new pkg.Ring({ backend: 'fs' });
  }

  async close() {
    fs.closeSync(this.scratchFd);
    await this.fsRing.destroy();
    fs.rmSync(this.base, { recursive: true, force: true });
  }

  /** Lays out the same tree under three roots. */
  #setup(seed) {
    const r = rng(seed ^ 0x5eed);
    const dir = path.join(this.base, `e${this.episodes++}`);
    const roots = ['R', 'C', 'P'].map((t) => path.join(dir, t));
    const files = [];
    for (const name of ['f0', 'f1', 'f2', 'f3']) {
      if (name !== 'f0' && r.chance(0.3)) continue;
      const data = Buffer.alloc(r.chance(0.2) ? 0 : r.int(name === 'f0' ? 20000 : 5000));
      fillData(data, 0, data.length, r.int(2 ** 31));
      files.push([name, data]);
    }
    const d1 = r.chance(0.6);
    for (const root of roots) {
      fs.mkdirSync(path.join(root, 'd0'), { recursive: true });
      for (const [name, data] of files) fs.writeFileSync(path.join(root, name), data);
      fs.writeFileSync(path.join(root, 'd0/f4'), 'four');
      if (d1) fs.mkdirSync(path.join(root, 'd0/d1'));
      fs.symlinkSync('f0', path.join(root, 'link0'));
      fs.symlinkSync('nope', path.join(root, 'dangling'));
    }
    return { dir, roots };
  }

  /**
   * Runs `steps` (an array to replay) or `count` generated steps from `seed`.
   * Returns { steps, mismatch: null | { index, step, what } }.
   */
  async episode({ seed, count = 0, steps = null, entries }) {
    const r = rng(seed);
    const { dir, roots } = this.#setup(seed);
    const ringEntries = entries ?? r.pick([1, 2, 4, 8, 64, 256]);
    const ring = new this.pkg.Ring({ entries: ringEntries, ...(this.opts.backend ? { backend: this.opts.backend } : {}) });
    const R = new Twin('ring', roots[0]);
    const Cb = new Twin('callbacks', roots[1]);
    const P = new Twin('promises', roots[2]);
    const state = { slots: Array.from({ length: SLOTS }, () => ({ R: null, C: null, P: null, ino: 0 })), fallocated: false };
    const ctx = { ring, R, Cb, P, state, fuzzer: this };
    const done = [];
    let mismatch = null;
    let split = null;
    let knownHit = null;
    const total = steps ? steps.length : count;
    try {
      for (let i = 0; i < total && !mismatch; i++) {
        const step = steps ? steps[i] : generate(r, state);
        done.push(step);
        const what = await runStep(ctx, step);
        const known = what ? KNOWN.find((k) => k.match(step, what)) : undefined;
        if (known) {
          knownHit = { id: known.id, step, what };
          break;
        }
        if (what) mismatch = { index: i, step, what };
        else if (ctx.split) {
          split = ctx.split;
          break;
        } else {
          const drift = compareFds(ctx) ?? compareTrees(ctx);
          if (drift?.split) {
            split = { step, what: drift.what };
            break;
          }
          if (drift) mismatch = { index: i, step, what: drift.what };
        }
      }
    } finally {
      for (const s of state.slots) {
        if (s.R !== null) await settle(() => ring.close(s.R));
        if (s.C !== null) await settle(() => cb((k) => fs.close(s.C, k)));
        if (s.P !== null) await settle(() => s.P.close());
      }
      await ring.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return { steps: done, mismatch, split, known: knownHit, entries: ringEntries };
  }

  /**
   * ddmin: the fewest steps of `steps` that still fail the same way (same op at
   * the failing step, same kind of difference).
   */
  async minimise(seed, steps, mismatch, entries, log = () => {}) {
    const sig = (m) => `${m.step.op}|${m.what.split(':')[0]}`;
    const want = sig(mismatch);
    const fails = async (list) => {
      const res = await this.episode({ seed, steps: list, entries });
      return res.mismatch !== null && sig(res.mismatch) === want;
    };
    let cur = steps.slice(0, mismatch.index + 1);
    let n = 2;
    while (cur.length >= 2) {
      const chunk = Math.ceil(cur.length / n);
      let reduced = false;
      for (let start = 0; start < cur.length; start += chunk) {
        const candidate = [...cur.slice(0, start), ...cur.slice(start + chunk)];
        if (candidate.length && (await fails(candidate))) {
          cur = candidate;
          n = Math.max(n - 1, 2);
          reduced = true;
          log(`minimising: ${cur.length} steps`);
          break;
        }
      }
      if (!reduced) {
        if (n >= cur.length) break;
        n = Math.min(cur.length, n * 2);
      }
    }
    // Then the entries of each batch, one at a time.
    for (let i = 0; i < cur.length; i++) {
      if (!cur[i].entries) continue;
      for (let j = cur[i].entries.length - 1; j >= 0 && cur[i].entries.length > 1; j--) {
        const step = { ...cur[i], entries: cur[i].entries.filter((_, k) => k !== j) };
        const candidate = cur.map((s, k) => (k === i ? step : s));
        if (await fails(candidate)) cur = candidate;
      }
    }
    const last = await this.episode({ seed, steps: cur, entries });
    return { steps: cur, mismatch: last.mismatch };
  }
}

// ---------------------------------------------------------------------------
// Generation.

const WEIGHTS = {
  open: 10, close: 5, read: 12, write: 12, readv: 6, writev: 6, fsync: 2, fdatasync: 2, fstat: 4, stat: 3, lstat: 2,
  ftruncate: 4, fallocate: 2, unlink: 2, rmdir: 1, mkdir: 2, rename: 3, nop: 1, readFile: 2, readMany: 3, writeMany: 3,
  batch: 6, chain: 6, symlink: 2, link: 2, register: 2,
};

function generate(r, state) {
  const op = r.weighted(WEIGHTS);
  switch (op) {
    case 'open':
      return { op, path: genPath(r), ...genOpen(r) };
    case 'close':
    case 'fsync':
    case 'fdatasync':
      return { op, fd: genFd(r, state) };
    case 'nop':
      return { op };
    case 'read':
      return { op, fd: genFd(r, state), view: genView(r, 70000, false), pos: genPosition(r, false) };
    case 'write':
      return { op, fd: genFd(r, state), view: genView(r, 20000, true), pos: genPosition(r, true) };
    case 'readv':
      return { op, fd: genFd(r, state), views: genViews(r, false), pos: genPosition(r, false, false) };
    case 'writev':
      return { op, fd: genFd(r, state), views: genViews(r, true), pos: genPosition(r, true) };
    case 'fstat':
      return { op, fd: genFd(r, state), bigint: r.chance(0.3) };
    case 'stat':
    case 'lstat':
      return { op, path: genPath(r), bigint: r.chance(0.3) };
    case 'ftruncate':
      return { op, fd: genFd(r, state), len: enc(r.pick([undefined, 0, r.int(70000), r.int(70000), -1, 1.5, '10', 2 ** 53, 1 << 20])) };
    case 'fallocate':
      return {
        op,
        fd: genFd(r, state),
        offset: r.chance(0.9) ? r.int(70000) : r.pick([-1, 1.5]),
        len: r.chance(0.9) ? r.range(1, 70000) : r.pick([0, -1]),
        mode: r.pick([0, 0, 0, 1, 3, 0x10, 2, -1]),
      };
    case 'unlink':
    case 'rmdir':
      return { op, path: genPath(r) };
    case 'mkdir':
      return { op, path: genPath(r), options: enc(r.pick([undefined, 0o755, '700', { recursive: true }, { mode: 0o700 }, { recursive: 'yes' }])) };
    case 'rename':
    case 'link':
      return { op, path: genPath(r), dest: genPath(r) };
    case 'symlink':
      // The target is stored as given: a name, a twin path, or nothing (never
      // one that leaves the twin's tree, which the three twins would share).
      return { op, target: r.chance(0.5) ? { raw: r.pick(['f0', 'nope', 'd0/f4', '']) } : genPath(r), path: genPath(r) };
    case 'register': {
      const open = state.slots.map((sl, i) => (sl.R !== null ? i : -1)).filter((i) => i >= 0);
      return { op, fd: { slot: open.length ? r.pick(open) : r.int(SLOTS) }, unregister: r.chance(0.3) };
    }
    case 'readFile':
      return { op, path: genPath(r), options: enc(r.pick([undefined, 'utf8', { encoding: 'latin1' }, { flag: 'r' }, { encoding: 'bogus' }, null])) };
    case 'readMany':
    case 'writeMany': {
      const n = r.range(1, 6);
      const write = op === 'writeMany';
      const views = Array.from({ length: n }, () => ({ k: 'buf', len: r.int(3000), off: r.int(8), pad: 1, seed: write ? r.int(2 ** 31) : undefined }));
      let positions;
      const fd = genFd(r, state);
      // On an O_APPEND fd every write appends, at a position or not: unordered
      // writes there land in completion order. Current-position ones run in call order.
      const append = write && fd.slot !== undefined && state.slots[fd.slot].append;
      if (append || r.chance(0.25)) positions = views.map(() => -1);
      else if (write) {
        let at = r.int(20000);
        positions = views.map((v) => {
          const p = at;
          at += v.len + r.int(100);
          return p;
        });
      } else positions = views.map(() => (r.chance(0.2) ? -1 : r.int(30000)));
      return { op, fd, views, positions, typed: r.pick(['array', 'f64', 'big']) };
    }
    case 'batch':
    case 'chain':
      return { op, entries: genEntries(r, state, op === 'chain') };
    default:
      throw new Error(op);
  }
}

const ENTRY_WEIGHTS = { read: 6, write: 6, readv: 2, writev: 2, fsync: 1, fdatasync: 1, fstat: 2, stat: 2, lstat: 1, open: 2, close: 1, ftruncate: 1, unlink: 1, rename: 1, mkdir: 1, rmdir: 1, nop: 1, symlink: 1, link: 1 };
const FD_WRITERS = new Set(['write', 'writev', 'ftruncate', 'close']);
const NS_WRITERS = new Set(['open', 'unlink', 'rename', 'mkdir', 'rmdir', 'symlink', 'link']);

function genEntries(r, state, link) {
  const n = r.range(1, 8);
  const entries = [];
  // Unlinked entries may run in any order: only ones whose order cannot matter go together.
  const perInode = new Map(); // ino -> { writer, curFd, count }
  let nsWriter = false;
  let paths = 0;
  for (let tries = 0; entries.length < n && tries < 4 * n; tries++) {
    const kind = r.weighted(ENTRY_WEIGHTS);
    let e;
    switch (kind) {
      case 'read':
        e = { op: kind, fd: genFd(r, state), view: genView(r, 20000, false), pos: genPosition(r, false) };
        break;
      case 'write':
        e = { op: kind, fd: genFd(r, state), view: genView(r, 8000, true), pos: genPosition(r, true) };
        break;
      case 'readv':
      case 'writev':
        e = { op: kind, fd: genFd(r, state), views: genViews(r, kind === 'writev'), pos: genPosition(r, kind === 'writev', false) };
        break;
      case 'fsync':
      case 'fdatasync':
      case 'close':
        e = { op: kind, fd: genFd(r, state) };
        break;
      case 'nop':
        e = { op: kind };
        break;
      case 'fstat':
        e = { op: kind, fd: genFd(r, state), bigint: r.chance(0.3) };
        break;
      case 'stat':
      case 'lstat':
        e = { op: kind, path: genPath(r), bigint: r.chance(0.3) };
        break;
      case 'ftruncate':
        e = { op: kind, fd: genFd(r, state), len: enc(r.pick([undefined, 0, r.int(20000), -1])) };
        break;
      case 'open':
        e = { op: kind, path: genPath(r), ...genOpen(r) };
        break;
      case 'mkdir':
        e = { op: kind, path: genPath(r), mode: enc(r.pick([undefined, 0o755, '700'])) };
        break;
      case 'rename':
      case 'link':
        e = { op: kind, path: genPath(r), dest: genPath(r) };
        break;
      case 'symlink':
        e = { op: kind, target: { raw: r.pick(['f0', 'nope', '']) }, path: genPath(r) };
        break;
      default:
        e = { op: kind, path: genPath(r) };
    }
    if (!link && !commutes(e, state, perInode, { nsWriter, paths })) continue;
    if (!link) {
      if (NS_WRITERS.has(e.op)) nsWriter = true;
      if (e.path) paths++;
    }
    entries.push(e);
  }
  return entries;
}

/** Whether an unlinked entry may join the others in any order (see genEntries). */
function commutes(e, state, perInode, ns) {
  if (e.path || e.op === 'open') {
    // Namespace: one changing entry and nothing else by path, or only lookups;
    // and no lookup beside a write through an fd (a stat of that file by name).
    if (NS_WRITERS.has(e.op)) return !ns.nsWriter && ns.paths === 0 && perInode.size === 0;
    return !ns.nsWriter && ![...perInode.values()].some((x) => x.writer);
  }
  if (e.op === 'nop' || e.op === 'fsync' || e.op === 'fdatasync') return true;
  if (ns.nsWriter) return false; // an fstat's nlink, an fd's file: keep them apart from renames
  const slot = e.fd.slot !== undefined ? state.slots[e.fd.slot] : null;
  if (!slot || slot.R === null) return true; // EBADF or invalid: no file touched
  const ino = slot.ino;
  const cur = dec(e.pos) == null || dec(e.pos) === -1 || dec(e.pos) === -1n;
  const writes = FD_WRITERS.has(e.op);
  if (writes && ns.paths > 0) return false;
  // On an O_APPEND fd a write at a position appends too: only current-position ones keep their order.
  if (writes && slot.append && !cur && (e.op === 'write' || e.op === 'writev') && perInode.has(ino)) return false;
  const seen = perInode.get(ino);
  if (!seen) {
    perInode.set(ino, { writer: writes, onlyCur: (e.op === 'read' || e.op === 'write' || e.op === 'readv' || e.op === 'writev') && cur, fd: e.fd.slot, count: 1 });
    return true;
  }
  const ioCur = (e.op === 'read' || e.op === 'write' || e.op === 'readv' || e.op === 'writev') && cur;
  // Current-position I/O on one fd runs one at a time in call order: any mix is fine.
  if (seen.onlyCur && ioCur && seen.fd === e.fd.slot) {
    seen.count++;
    seen.writer ||= writes;
    return true;
  }
  if (seen.writer || writes) return false;
  seen.onlyCur = false;
  seen.count++;
  return true;
}

// ---------------------------------------------------------------------------
// Running a step on the three twins, and comparing.

function fdOf(twin, d, state) {
  if (d.raw !== undefined) return { fd: dec(d.raw), raw: true };
  const s = state.slots[d.slot];
  const v = twin === 'R' ? s.R : twin === 'C' ? s.C : s.P;
  if (v === null) return { fd: BADFD, raw: true };
  return { fd: twin === 'P' ? v.fd : v, fh: twin === 'P' ? v : null, raw: false };
}

function positionArg(step) {
  return dec(step.pos);
}

function many(step) {
  const views = step.views.map(makeView);
  const list = step.positions;
  const positions = step.typed === 'f64' ? Float64Array.from(list) : step.typed === 'big' ? BigInt64Array.from(list.map((p) => BigInt(p))) : list.slice();
  return { views, positions };
}

/** The Ring twin. */
async function viaRing(ctx, step) {
  const { ring, R, state } = ctx;
  const fd = step.fd ? fdOf('R', step.fd, state).fd : undefined;
  switch (step.op) {
    case 'open':
      return { out: await settle(() => ring.open(R.p(step.path), dec(step.flags), dec(step.mode))) };
    case 'close':
      return { out: await settle(() => ring.close(fd)) };
    case 'read': {
      const v = makeView(step.view);
      return { out: await settle(() => ring.read(fd, v, positionArg(step))), bytes: [viewBytes(v)] };
    }
    case 'write':
      return { out: await settle(() => ring.write(fd, makeView(step.view), positionArg(step))) };
    case 'readv': {
      const vs = makeViews(step.views);
      return { out: await settle(() => ring.readv(fd, vs, positionArg(step))), bytes: Array.isArray(vs) ? vs.map(viewBytes) : [] };
    }
    case 'writev':
      return { out: await settle(() => ring.writev(fd, makeViews(step.views), positionArg(step))) };
    case 'fsync':
      return { out: await settle(() => ring.fsync(fd)) };
    case 'fdatasync':
      return { out: await settle(() => ring.fdatasync(fd)) };
    case 'fstat':
      return { out: await settle(() => ring.fstat(fd, { bigint: step.bigint })) };
    case 'stat':
    case 'lstat':
      return { out: await settle(() => ring[step.op](R.p(step.path), { bigint: step.bigint })) };
    case 'ftruncate':
      return { out: await settle(() => ring.ftruncate(fd, dec(step.len))) };
    case 'fallocate':
      return { out: await settle(() => ring.fallocate(fd, step.offset, step.len, step.mode)) };
    case 'unlink':
    case 'rmdir':
      return { out: await settle(() => ring[step.op](R.p(step.path))) };
    case 'mkdir':
      return { out: await settle(() => ring.mkdir(R.p(step.path), dec(step.options))) };
    case 'rename':
      return { out: await settle(() => ring.rename(R.p(step.path), R.p(step.dest))) };
    case 'link':
      return { out: await settle(() => ring.link(R.p(step.path), R.p(step.dest))) };
    case 'symlink':
      return { out: await settle(() => ring.symlink(R.p(step.target), R.p(step.path))) };
    case 'register': {
      // The ring's own business (no node:fs counterpart): it must answer with a boolean, never throw, for an open fd.
      const fd = fdOf('R', step.fd, state);
      if (fd.raw) return { out: { ok: true, value: 'skip' } };
      return { out: await settle(() => (step.unregister ? ring.unregisterFile(fd.fd) : ring.registerFile(fd.fd))) };
    }
    case 'nop':
      return { out: await settle(() => ring.nop()) };
    case 'readFile':
      return { out: await settle(() => ctx.fuzzer.pkg.readFile(R.p(step.path), dec(step.options))) };
    case 'readMany':
    case 'writeMany': {
      const { views, positions } = many(step);
      const out = await settle(() => ring[step.op](fd, views, positions));
      if (out.ok) out.value = Array.from(out.value);
      return { out, bytes: step.op === 'readMany' ? views.map(viewBytes) : [] };
    }
    case 'batch':
    case 'chain': {
      const made = step.entries.map((e) => ringEntry(ctx, e));
      const out = await settle(() => ring.batch(made.map((m) => m.entry), step.op === 'chain' ? { link: true } : undefined));
      return { out, bytes: made.flatMap((m) => m.views.map(viewBytes)) };
    }
    default:
      throw new Error(step.op);
  }
}

function ringEntry(ctx, e) {
  const { R, state } = ctx;
  const entry = { op: e.op };
  const views = [];
  if (e.fd) entry.fd = fdOf('R', e.fd, state).fd;
  if (e.path) entry.path = R.p(e.path);
  switch (e.op) {
    case 'read':
    case 'write':
      entry.buffer = makeView(e.view);
      if (e.op === 'read' && ArrayBuffer.isView(entry.buffer)) views.push(entry.buffer);
      entry.position = dec(e.pos);
      break;
    case 'readv':
    case 'writev':
      entry.buffers = makeViews(e.views);
      if (e.op === 'readv' && Array.isArray(entry.buffers)) views.push(...entry.buffers);
      entry.position = dec(e.pos);
      break;
    case 'fstat':
    case 'stat':
    case 'lstat':
      entry.bigint = e.bigint;
      break;
    case 'ftruncate':
      entry.len = dec(e.len);
      break;
    case 'open':
      entry.flags = dec(e.flags);
      entry.mode = dec(e.mode);
      break;
    case 'mkdir':
      entry.mode = dec(e.mode);
      break;
    case 'rename':
    case 'link':
      entry.from = R.p(e.path);
      entry.to = R.p(e.dest);
      delete entry.path;
      break;
    case 'symlink':
      entry.target = R.p(e.target);
      break;
    default:
      break;
  }
  for (const k of Object.keys(entry)) if (entry[k] === undefined) delete entry[k];
  return { entry, views };
}

/** One single op on the callbacks twin (C) or the promises twin (P); `scratch`: validation probe only. */
async function single(ctx, twin, e, scratch = false) {
  const T = twin === 'C' ? ctx.Cb : ctx.P;
  const { fd, fh, raw } = e.fd ? (scratch ? scratchFd(ctx, e.fd) : fdOf(twin, e.fd, ctx.state)) : {};
  const p = (d) => (scratch && d.raw === undefined ? path.join(ctx.fuzzer.scratch, `probe-${Math.random()}`) : T.p(d));
  const pos = dec(e.pos);
  const bytes = [];
  const prom = twin === 'P';
  if (prom && e.fd && raw) return { skip: true };
  // Where filehandle's methods answer differently from the fd-based calls (Node
  // 20: filehandle.read takes a bigint position as "the current position"; a
  // zero-length filehandle.write resolves 0 without the syscall that fs.write
  // makes), the promises twin gets the call the callbacks twin's means, or
  // sits the step out when it has no effect to mirror.
  let ppos = pos;
  if (prom && e.op === 'read' && typeof pos === 'bigint') {
    if (pos < -1n || pos > BigInt(Number.MAX_SAFE_INTEGER)) return { skip: true };
    ppos = Number(pos);
  }
  if (prom && e.op === 'write' && ELEM[e.view.k] && e.view.len === 0) return { skip: true };
  // A close has nothing to validate but its fd; probing it would close /dev/null.
  if (scratch && e.op === 'close' && fd === ctx.fuzzer.scratchFd) return { out: { ok: true, value: undefined }, bytes };
  let out;
  switch (e.op) {
    case 'open':
      out = await settle(() => (prom ? fsp.open(p(e.path), dec(e.flags), dec(e.mode)) : cb((k) => fs.open(p(e.path), dec(e.flags), dec(e.mode), k))));
      break;
    case 'close':
      out = await settle(() => (prom ? fh.close() : cb((k) => fs.close(fd, k))));
      break;
    case 'read': {
      const v = makeView(e.view);
      const len = ArrayBuffer.isView(v) ? v.byteLength : 0;
      out = await settle(() => (prom ? fh.read(v, 0, len, ppos).then((x) => x.bytesRead) : cb((k) => fs.read(fd, v, 0, len, pos, k))));
      bytes.push(viewBytes(v));
      break;
    }
    case 'write': {
      const v = makeView(e.view);
      out = await settle(() => {
        const at = checkedPosition(ctx, 'write', fd, v, pos);
        return prom ? fh.write(v, 0, v.byteLength, at).then((x) => x.bytesWritten) : cb((k) => fs.write(fd, v, 0, v.byteLength, at, k));
      });
      break;
    }
    case 'readv': {
      const vs = makeViews(e.views);
      out = await settle(() => {
        const at = checkedPosition(ctx, 'readv', fd, vs, pos);
        return prom ? fh.readv(vs, at).then((x) => x.bytesRead) : cb((k) => fs.readv(fd, vs, at, k));
      });
      if (Array.isArray(vs)) bytes.push(...vs.map(viewBytes));
      break;
    }
    case 'writev': {
      const vs = makeViews(e.views);
      out = await settle(() => {
        const at = checkedPosition(ctx, 'writev', fd, vs, pos);
        return prom ? fh.writev(vs, at).then((x) => x.bytesWritten) : cb((k) => fs.writev(fd, vs, at, k));
      });
      break;
    }
    case 'fsync':
      out = await settle(() => (prom ? fh.sync() : cb((k) => fs.fsync(fd, k))));
      break;
    case 'fdatasync':
      out = await settle(() => (prom ? fh.datasync() : cb((k) => fs.fdatasync(fd, k))));
      break;
    case 'fstat':
      out = await settle(() => (prom ? fh.stat({ bigint: e.bigint }) : cb((k) => fs.fstat(fd, { bigint: e.bigint }, k))));
      break;
    case 'stat':
    case 'lstat':
      out = await settle(() => (prom ? fsp[e.op](p(e.path), { bigint: e.bigint }) : cb((k) => fs[e.op](p(e.path), { bigint: e.bigint }, k))));
      break;
    case 'ftruncate':
      out = await settle(() => (prom ? fh.truncate(dec(e.len)) : cb((k) => fs.ftruncate(fd, dec(e.len), k))));
      break;
    case 'fallocate':
      // node:fs has none: the Ring's own node:fs backend is the reference.
      out = await settle(() => ctx.fuzzer.fsRing.fallocate(fd, e.offset, e.len, e.mode));
      break;
    case 'unlink':
    case 'rmdir':
      out = await settle(() => (prom ? fsp[e.op](p(e.path)) : cb((k) => fs[e.op](p(e.path), k))));
      break;
    case 'mkdir': {
      const o = e.options !== undefined ? dec(e.options) : dec(e.mode);
      out = await settle(() => (prom ? fsp.mkdir(p(e.path), o) : cb((k) => fs.mkdir(p(e.path), o, k))));
      break;
    }
    case 'rename':
      out = await settle(() => (prom ? fsp.rename(p(e.path), p(e.dest)) : cb((k) => fs.rename(p(e.path), p(e.dest), k))));
      break;
    case 'link':
      out = await settle(() => (prom ? fsp.link(p(e.path), p(e.dest)) : cb((k) => fs.link(p(e.path), p(e.dest), k))));
      break;
    case 'symlink':
      out = await settle(() => (prom ? fsp.symlink(p(e.target), p(e.path)) : cb((k) => fs.symlink(p(e.target), p(e.path), k))));
      break;
    case 'register':
      return { skip: true };
    case 'nop':
      out = { ok: true, value: undefined };
      break;
    case 'readFile':
      out = await settle(() => (prom ? fsp.readFile(p(e.path), dec(e.options)) : cb((k) => fs.readFile(p(e.path), dec(e.options), k))));
      break;
    default:
      throw new Error(e.op);
  }
  return { out, bytes };
}

function scratchFd(ctx, d) {
  const v = d.raw !== undefined ? dec(d.raw) : 0;
  // Validation depends on the value's type and range only: a valid fd probes on /dev/null.
  const fd = d.raw === undefined || (Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1) ? ctx.fuzzer.scratchFd : v;
  return { fd, raw: true };
}

/** readMany/writeMany on a twin: each view in order, raw results (bytes or -errno). */
async function manyVia(ctx, twin, step) {
  const { fd, fh, raw } = fdOf(twin, step.fd, ctx.state);
  if (twin === 'P' && raw) return { skip: true };
  const views = step.views.map(makeView);
  if (!isFdNumber(fd)) {
    // The fd is checked before anything is submitted, as fs.read checks it.
    const bad = await settle(() => cb((k) => fs.read(fd, Buffer.alloc(1), 0, 1, null, k)));
    return { out: bad, bytes: step.op === 'readMany' ? views.map(viewBytes) : [] };
  }
  const results = [];
  for (let i = 0; i < views.length; i++) {
    const v = views[i];
    const p = step.positions[i] === -1 ? null : step.positions[i];
    const write = step.op === 'writeMany';
    const o = await settle(() =>
      twin === 'P'
        ? (write ? fh.write(v, 0, v.byteLength, p).then((x) => x.bytesWritten) : fh.read(v, 0, v.byteLength, p).then((x) => x.bytesRead))
        : cb((k) => (write ? fs.write(fd, v, 0, v.byteLength, p, k) : fs.read(fd, v, 0, v.byteLength, p, k))),
    );
    results.push(o.ok ? o.value : o.err.errno);
  }
  return { out: { ok: true, value: results }, bytes: step.op === 'readMany' ? views.map(viewBytes) : [] };
}

/** A batch on a twin: validation first (entry by entry, on scratch), then the entries in order. */
async function batchVia(ctx, twin, step, cResults = null) {
  const link = step.op === 'chain';
  if (twin === 'C') {
    for (let i = 0; i < step.entries.length; i++) {
      const probe = await single(ctx, 'C', step.entries[i], true);
      if (!probe.out.ok && probe.out.sync) return { out: { ok: false, err: atIndex(probe.out.err, i) }, bytes: untouched(step.entries) };
    }
  } else if (ctx.lastBatchInvalid) {
    return { skip: true };
  }
  const results = [];
  const bytes = [];
  let broken = false;
  for (const e of step.entries) {
    if (broken) {
      const T = twin === 'C' ? ctx.Cb : ctx.P;
      const [cp, cd] = e.op === 'symlink' ? [T.p(e.target), T.p(e.path)] : [e.path ? T.p(e.path) : undefined, e.op === 'rename' || e.op === 'link' ? T.p(e.dest) : undefined];
      results.push({ status: 'rejected', reason: cancelledError(e.op, cp, cd) });
      // A cancelled read never touched its views.
      if (e.op === 'read' && ELEM[e.view.k]) bytes.push(viewBytes(makeView(e.view)));
      if (e.op === 'readv' && Array.isArray(e.views)) bytes.push(...makeViews(e.views).map(viewBytes));
      continue;
    }
    const res = await single(ctx, twin, e);
    if (res.skip) {
      // An entry this twin cannot express (an fd number, not a FileHandle): the
      // callbacks twin's outcome decides whether a chain goes on.
      const cr = cResults?.[results.length];
      results.push({ status: 'skip' });
      bytes.push(...untouched([e]).map(() => null));
      if (link && cr?.status === 'rejected') broken = true;
      continue;
    }
    bytes.push(...res.bytes);
    results.push(res.out.ok ? { status: 'fulfilled', value: res.out.value } : { status: 'rejected', reason: res.out.err });
    if (link) {
      if (!res.out.ok) broken = true;
      else if (e.op === 'read' && ArrayBuffer.isView(makeView(e.view)) && res.out.value < Math.min(makeView(e.view).byteLength, MAX_RW)) broken = true;
      else if (e.op === 'readv' && res.out.value < makeViews(e.views).reduce((s, v) => s + v.byteLength, 0)) broken = true;
    }
  }
  return { out: { ok: true, value: results }, bytes };
}

/** The views of a batch's read entries, as they are before anything reads into them. */
function untouched(entries) {
  const out = [];
  for (const e of entries) {
    if (e.op === 'read' && ELEM[e.view.k]) out.push(viewBytes(makeView(e.view)));
    if (e.op === 'readv') {
      const vs = makeViews(e.views);
      if (Array.isArray(vs)) out.push(...vs.map(viewBytes));
    }
  }
  return out;
}

/**
 * A batch names the invalid entry's field as node's validators name an object's
 * property: `The "ops[2].fd" property must be …`, `The property 'ops[0].mode' …`,
 * `The value of "ops[1].position" is out of range …`, and sets `index`.
 */
function atIndex(err, i) {
  if (!(err instanceof Error)) return err;
  const p = `ops[${i}]`;
  err.message = err.message
    .replace(/^The "([^"]+)" argument/, `The "${p}.$1" property`)
    .replace(/^The argument '([^']+)'/, `The property '${p}.$1'`)
    .replace(/^The value of "([^"]+)"/, `The value of "${p}.$1"`);
  err.index = i;
  return err;
}

async function runStep(ctx, step) {
  const { state } = ctx;
  let r;
  let c;
  let p;
  if (step.op === 'batch' || step.op === 'chain') {
    r = await viaRing(ctx, step);
    c = await batchVia(ctx, 'C', step);
    ctx.lastBatchInvalid = !c.out.ok;
    p = await batchVia(ctx, 'P', step, c.out.ok ? c.out.value : null);
  } else if (step.op === 'readMany' || step.op === 'writeMany') {
    r = await viaRing(ctx, step);
    c = await manyVia(ctx, 'C', step);
    p = await manyVia(ctx, 'P', step);
  } else if (step.op === 'register') {
    r = await viaRing(ctx, step);
    if (!r.out.ok) return `registerFile threw for an open fd: ${r.out.err?.message}`;
    if (r.out.value !== 'skip' && typeof r.out.value !== 'boolean') return `registerFile returned ${String(r.out.value)}`;
    return null;
  } else {
    r = await viaRing(ctx, step);
    c = await single(ctx, 'C', step);
    // Bad arguments: fs/promises reads some differently (a non-view "buffer" is an
    // options object to filehandle.read); the callbacks twin is the reference there.
    // readFile's counterpart is fs.promises.readFile (fs.readFile also takes an fd).
    p = c.out.sync && step.op !== 'readFile' ? { skip: true } : await single(ctx, 'P', step);
  }
  if (step.op === 'fallocate' && r.out.ok) state.fallocated = true;
  // Keep the slots in step with what each twin now has open (also after a mismatch, for the cleanup).
  track(ctx, step, r, c, p);
  if (r.out.sync) return `threw synchronously: the Ring threw ${r.out.err?.message} instead of rejecting`;
  if (step.op === 'readFile') {
    const diff = compareOutcomes(ctx, step, r, ctx.R.root, p, ctx.P.root, 'promises', true);
    if (diff) return diff;
    const other = compareOutcomes(ctx, step, p, ctx.P.root, c, ctx.Cb.root, 'callbacks', false);
    if (other) ctx.split = { step, what: other };
    return null;
  }
  const diff = compareOutcomes(ctx, step, r, ctx.R.root, c, ctx.Cb.root, 'callbacks', true);
  if (diff) return diff;
  const other = p.skip ? null : compareOutcomes(ctx, step, c, ctx.Cb.root, p, ctx.P.root, 'promises', false);
  // node:fs's two APIs answer this step differently (the Ring matched the
  // callbacks): the promises twin may now differ, so the episode ends here.
  if (other) ctx.split = { step, what: other };
  return null;
}

/** Fds opened and closed by a step go into and out of the slots. */
function track(ctx, step, r, c, p) {
  const { state } = ctx;
  const opened = [];
  const closed = [];
  if (step.op === 'open') opened.push([r.out, c.out, p.skip ? null : p.out]);
  if (step.op === 'close' && step.fd.slot !== undefined) closed.push([step.fd.slot, r.out, c.out, p.skip ? null : p.out]);
  if ((step.op === 'batch' || step.op === 'chain') && r.out.ok && c.out.ok) {
    step.entries.forEach((e, i) => {
      const rr = r.out.value[i];
      const cc = c.out.value[i];
      const pp = p.skip ? null : p.out.value[i];
      const asOut = (x) => (x && x.status !== 'skip' ? (x.status === 'fulfilled' ? { ok: true, value: x.value } : { ok: false }) : null);
      if (e.op === 'open') opened.push([asOut(rr), asOut(cc), asOut(pp)]);
      if (e.op === 'close' && e.fd.slot !== undefined) closed.push([e.fd.slot, asOut(rr), asOut(cc), asOut(pp)]);
    });
  }
  for (const [slot, ro, co, po] of closed) {
    const s = state.slots[slot];
    if (s.R !== null && ro?.ok) s.R = null;
    if (s.C !== null && co?.ok) s.C = null;
    if (s.P !== null && po?.ok) s.P = null;
  }
  for (const [ro, co, po] of opened) {
    const free = state.slots.find((s) => s.R === null && s.C === null && s.P === null);
    if (!free) {
      if (ro?.ok) ctx.ring.close(ro.value).catch(() => {});
      if (co?.ok) fs.close(co.value, () => {});
      if (po?.ok) po.value.close().catch(() => {});
      continue;
    }
    if (ro?.ok) free.R = ro.value;
    if (co?.ok) {
      free.C = co.value;
      free.ino = fs.fstatSync(co.value).ino;
      free.append = (parseInt(fdinfo(co.value).flags ?? '0', 8) & fs.constants.O_APPEND) !== 0;
    }
    if (po?.ok) free.P = po.value;
  }
}

// ---------------------------------------------------------------------------
// Comparison.

function replaceRoot(s, root) {
  return typeof s === 'string' ? s.split(root).join('<root>') : s;
}

function normError(err, root, full) {
  if (!(err instanceof Error)) return { notAnError: String(err) };
  const o = {
    class: err.constructor?.name,
    name: err.name,
    code: err.code,
    errno: err.errno,
    syscall: err.syscall,
    message: replaceRoot(err.message, root),
    path: replaceRoot(err.path, root),
    dest: replaceRoot(err.dest, root),
    bytesWritten: err.bytesWritten,
  };
  if (full) {
    o.keys = Object.keys(err).join(',');
    o.index = err.index;
  }
  return o;
}

function normStats(s, skipBlocks) {
  const o = { class: s.constructor.name, keys: Object.keys(s).join(',') };
  // Not blocks: ext4 allocates delayed and speculatively, so twins that did the
  // same writes may hold different block counts (seen: 80 and 88); its type is checked.
  for (const k of ['dev', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize']) {
    o[k] = typeof s[k] === 'bigint' ? `${s[k]}n` : s[k];
  }
  o.blocks = typeof s.blocks;
  void skipBlocks;
  o.types = ['isFile', 'isDirectory', 'isSymbolicLink', 'isFIFO', 'isSocket', 'isBlockDevice', 'isCharacterDevice'].map((m) => s[m]()).join(',');
  o.times = ['atime', 'mtime', 'ctime', 'birthtime'].map((t) => (s[t] instanceof Date ? 'Date' : typeof s[t])).join(',');
  o.timeNumbers = ['atimeMs', 'mtimeMs', 'ctimeMs', 'birthtimeMs'].map((t) => typeof s[t]).join(',');
  return o;
}

function normValue(v, ctx, root, full) {
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return replaceRoot(v, root);
  if (Buffer.isBuffer(v)) return { buffer: v.toString('hex') };
  if (v instanceof fs.Stats || v?.constructor?.name === 'BigIntStats' || v?.constructor?.name === 'Stats') return normStats(v, ctx.state.fallocated);
  if (typeof v === 'object' && typeof v.fd === 'number' && typeof v.close === 'function') return 'fd';
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (x && (x.status === 'fulfilled' || x.status === 'rejected' || x.status === 'skip')) {
        if (x.status === 'skip') return 'skip';
        return x.status === 'fulfilled' ? { status: 'fulfilled', value: normValue(x.value, ctx, root, full) } : { status: 'rejected', reason: normError(x.reason, root, full) };
      }
      return normValue(x, ctx, root, full);
    });
  }
  return { unknown: String(v) };
}

function compareOutcomes(ctx, step, r, rootR, other, rootO, against, full) {
  const left = full ? 'ring' : against === 'promises' ? 'callbacks' : 'promises';
  let a;
  let b;
  if (r.out.ok !== other.out.ok) {
    a = r.out.ok ? { value: normValue(r.out.value, ctx, rootR, full) } : { error: normError(r.out.err, rootR, full) };
    b = other.out.ok ? { value: normValue(other.out.value, ctx, rootO, full) } : { error: normError(other.out.err, rootO, full) };
    return `outcome: ${left} ${JSON.stringify(a)} vs ${against} ${JSON.stringify(b)}`;
  }
  if (r.out.ok) {
    a = normValue(r.out.value, ctx, rootR, full);
    b = normValue(other.out.value, ctx, rootO, full);
    if (step.op === 'open') a = b = 'fd';
    if ((step.op === 'batch' || step.op === 'chain') && Array.isArray(a)) {
      step.entries.forEach((e, i) => {
        if (e.op === 'open') {
          if (a[i]?.status === 'fulfilled') a[i].value = 'fd';
          if (b[i]?.status === 'fulfilled') b[i].value = 'fd';
        }
        if (b[i] === 'skip') a[i] = 'skip';
      });
    }
    if (!isDeepStrictEqual(a, b)) return `value: ${left} ${JSON.stringify(a)} vs ${against} ${JSON.stringify(b)}`;
  } else {
    a = normError(r.out.err, rootR, full);
    b = normError(other.out.err, rootO, full);
    if (!full) {
      delete a.class;
      delete b.class;
    }
    if (!isDeepStrictEqual(a, b)) return `error: ${left} ${JSON.stringify(a)} vs ${against} ${JSON.stringify(b)}`;
  }
  const ra = r.bytes ?? [];
  const ob = other.bytes ?? [];
  if (ra.length !== ob.length) return `views: ${left} touched ${ra.length} views, ${against} ${ob.length}`;
  for (let i = 0; i < ra.length; i++) {
    if (ra[i] === null || ob[i] === null) continue; // a view the other twin could not use (an entry the promises twin sat out)
    if (!ra[i] || !ob[i] || !ra[i].equals(ob[i])) {
      let at = 0;
      while (ra[i] && ob[i] && at < ra[i].length && ra[i][at] === ob[i][at]) at++;
      return `view bytes: view ${i} differs at byte ${at} (${left} ${ra[i]?.[at]}, ${against} ${ob[i]?.[at]})`;
    }
  }
  return null;
}

function fdinfo(fd) {
  try {
    const t = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    return { pos: /pos:\s+(\d+)/.exec(t)?.[1], flags: /flags:\s+(\d+)/.exec(t)?.[1] };
  } catch {
    return { pos: 'closed', flags: 'closed' };
  }
}

/** A difference in fds: { what, split } (split: only the promises twin differs from node:fs callbacks, which the Ring matched). */
function compareFds(ctx) {
  for (let i = 0; i < SLOTS; i++) {
    const s = ctx.state.slots[i];
    const open = [s.R !== null, s.C !== null, s.P !== null];
    if (open[0] !== open[1]) return { what: `fds: slot ${i} is ${open.map((o) => (o ? 'open' : 'closed')).join('/')} (ring/callbacks/promises)` };
    if (open[2] !== open[1]) return { split: true, what: `fds: slot ${i} is ${open.map((o) => (o ? 'open' : 'closed')).join('/')} (ring/callbacks/promises)` };
    if (!open[0]) continue;
    const a = fdinfo(s.R);
    const b = fdinfo(s.C);
    const c = s.P !== null ? fdinfo(s.P.fd) : b;
    const what = `slot ${i} at ${a.pos} (ring) vs ${b.pos} (callbacks) vs ${c.pos} (promises), flags 0${a.flags} / 0${b.flags} / 0${c.flags}`;
    if (a.pos !== b.pos || a.flags !== b.flags) return { what: `position: ${what}` };
    if (b.pos !== c.pos || b.flags !== c.flags) return { split: true, what: `position: ${what}` };
  }
  return null;
}

function snapshot(root) {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(root, rel);
    let names;
    try {
      names = fs.readdirSync(abs).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(root, r));
      const item = { name: r, mode: st.mode, size: st.size, nlink: st.nlink };
      if (st.isSymbolicLink()) item.link = replaceRoot(fs.readlinkSync(path.join(root, r)), root);
      else if (st.isFile()) {
        if (st.size <= 4 << 20) item.data = fs.readFileSync(path.join(root, r));
        else {
          const fd = fs.openSync(path.join(root, r), 'r');
          const head = Buffer.alloc(65536);
          const tail = Buffer.alloc(65536);
          fs.readSync(fd, head, 0, head.length, 0);
          fs.readSync(fd, tail, 0, tail.length, st.size - tail.length);
          fs.closeSync(fd);
          item.data = Buffer.concat([head, tail]);
        }
      }
      out.push(item);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

function compareTrees(ctx) {
  const a = snapshot(ctx.R.root);
  const b = snapshot(ctx.Cb.root);
  const rc = treeDiff(a, b, 'ring', 'callbacks');
  if (rc) return { what: rc };
  const cp = treeDiff(b, snapshot(ctx.P.root), 'callbacks', 'promises');
  return cp ? { split: true, what: cp } : null;
}

function treeDiff(a, b, left, right) {
  if (a.length !== b.length || a.some((x, i) => x.name !== b[i].name)) {
    return `tree: ${left} has [${a.map((x) => x.name)}], ${right} [${b.map((x) => x.name)}]`;
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.mode !== y.mode || x.size !== y.size || x.nlink !== y.nlink || x.link !== y.link) {
      return `tree: ${x.name} is mode ${x.mode.toString(8)} size ${x.size} nlink ${x.nlink} (${left}) vs mode ${y.mode.toString(8)} size ${y.size} nlink ${y.nlink} (${right})`;
    }
    if (x.data && !x.data.equals(y.data)) {
      let at = 0;
      while (x.data[at] === y.data[at]) at++;
      return `file bytes: ${x.name} differs at byte ${at} (${left} ${x.data[at]}, ${right} ${y.data[at]})`;
    }
  }
  return null;
}

/** A step as one readable line. */
export function describeStep(step) {
  return JSON.stringify(step);
}
