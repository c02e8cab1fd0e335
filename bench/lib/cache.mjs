// The page-cache state of the hot data: measured before every hot case, rebuilt the same way for
// every case, and topped up between runs when a run found part of it gone.
//
// Why it matters (bench/README.md, "Page cache"): on Linux 6.x ext4 caches a file read
// sequentially in large folios (up to 2 MiB) and one read at random 4 KiB offsets in 4 KiB
// folios, and the two cost very different amounts per byte: on the VM this was written on,
// sequential 1 MiB reads took ~45 µs of CPU from large folios and 220-450 µs from 4 KiB ones
// (all contenders alike), and 4 KiB overwrites cost ~3x more in large folios (ext4's buffer heads
// are walked per folio). Pages evicted mid-suite (DAMON pageout of idle memory on that VM, or
// memory pressure) and read back by a random reader come back as 4 KiB folios, so a "hot" file
// is only the same file for every contender if the suite rebuilds it the same way each time.
//
// Page-cache modes (--page-cache):
//   seq   (default) before each hot case over the read or write file: drop the file's pages
//         (fdatasync + POSIX_FADV_DONTNEED) and read the span back sequentially in 4 MiB reads
//   rand  the same, but read back in 4 KiB reads in shuffled order with readahead off (4 KiB
//         folios; slow: every page is a separate device read)
//   keep  never drop; only read back what is missing (the suite's behaviour before this module)
// Small files (4 KiB each: one small folio, nothing to normalise) are only topped up.
// While a case runs, its data is pinned (mlock, see pin()) unless --no-pin.
import { execFileSync, spawn } from 'node:child_process';
import { warmFile, warmSmall } from './data.mjs';

function runJson(bin, args) {
  try {
    const out = execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (err) {
    const out = String(err.stdout || '').trim();
    try {
      return JSON.parse(out.split('\n').pop());
    } catch {
      return { ok: false, error: String(err.stderr || err.message).trim().slice(0, 200) };
    }
  }
}

export class PageCache {
  /**
   * cachectl: path of bench/bin/cachectl, or null (then residency comes from util-linux's
   * fincore if installed, and dropping is impossible: the mode degrades to keep, with a note).
   */
  constructor({ cachectl, mode, log }) {
    this.cachectl = cachectl;
    this.mode = mode;
    this.log = log;
    this.fincore = cachectl ? null : hasFincore();
    this.note = null;
    if (mode !== 'keep' && !cachectl) {
      this.note = `page cache not rebuilt before hot cases (--page-cache ${mode} needs bench/bin/cachectl, which did not build); only topped up`;
      this.mode = 'keep';
    }
    this.seconds = 0;
  }

  /** { pages, resident } of the target now, or null if it cannot be measured. */
  resident(t) {
    if (this.cachectl) {
      const args = t.filesDir ? ['resident', '--files-dir', t.filesDir, '--nfiles', String(t.nfiles)] : ['resident', t.file, String(t.span)];
      const r = runJson(this.cachectl, args);
      return r.ok ? { pages: r.pages, resident: r.resident } : null;
    }
    if (this.fincore && t.file) {
      // fincore reports the whole file; for the suite's own files span = size.
      try {
        const out = execFileSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES,SIZE', t.file], { encoding: 'utf8' });
        const [res, size] = out.trim().split(/\s+/).map(Number);
        const span = Math.min(size, t.span || size);
        return { pages: Math.ceil(span / 4096), resident: Math.min(Math.ceil(span / 4096), Math.floor(res / 4096)) };
      } catch {
        return null;
      }
    }
    return null;
  }

  /**
   * Brings the target to the case's starting state. rebuild: drop and read back (the first case
   * of a workload on this target in a round); otherwise only read back what is missing. Returns
   * { action: 'rebuilt-seq' | 'rebuilt-rand' | 'topped-up' | 'none', pages, resident,
   * residentBefore } (resident: pages in the cache after it, out of pages).
   */
  prepareCase(t, { rebuild }) {
    const t0 = performance.now();
    const before = this.resident(t);
    let action = 'none';
    let after = before;
    if (rebuild && !t.filesDir && this.mode !== 'keep') {
      const dropped = runJson(this.cachectl, ['drop', t.file]);
      if (!dropped.ok) throw new Error(`cachectl drop ${t.file}: ${dropped.error}`);
      if (this.mode === 'rand') {
        const r = runJson(this.cachectl, ['load-rand', t.file, String(t.span)]);
        if (!r.ok) throw new Error(`cachectl load-rand ${t.file}: ${r.error}`);
        action = 'rebuilt-rand';
      } else {
        warmFile(t.file, t.span);
        action = 'rebuilt-seq';
      }
      after = this.resident(t);
    } else if (!before || before.resident < before.pages) {
      this.topUp(t);
      action = 'topped-up';
      after = this.resident(t);
    }
    this.seconds += (performance.now() - t0) / 1000;
    return { action, ...(after ?? { pages: null, resident: null }), residentBefore: before?.resident ?? null };
  }

  /**
   * Pins the target's pages in memory (mlock by a cachectl child) until release(): nothing can
   * evict them while a case runs, so every contender reads the same page cache and no "hot" run
   * reads from storage. Resolves { ok: true, release } or { ok: false, error } (say EPERM without
   * CAP_IPC_LOCK: the suite then runs unpinned and repeats any run that read from storage).
   */
  pin(t) {
    if (!this.cachectl) return Promise.resolve({ ok: false, error: 'bench/bin/cachectl is not built' });
    const args = t.filesDir ? ['pin', '--files-dir', t.filesDir, '--nfiles', String(t.nfiles)] : ['pin', t.file, String(t.span)];
    const t0 = performance.now();
    return new Promise((resolve) => {
      const child = spawn(this.cachectl, args, { stdio: ['pipe', 'pipe', 'ignore'] });
      let out = '';
      let settled = false;
      const release = () =>
        new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.stdin.end(); // cachectl exits on EOF, which unlocks everything
        });
      child.stdout.on('data', (d) => {
        out += d;
        if (settled || !out.includes('\n')) return;
        settled = true;
        this.seconds += (performance.now() - t0) / 1000;
        let j;
        try {
          j = JSON.parse(out.split('\n')[0]);
        } catch {
          j = { ok: false, error: out.trim() };
        }
        resolve(j.ok ? { ok: true, bytes: j.pinnedBytes, release } : { ok: false, error: j.error });
      });
      child.on('error', (err) => !settled && ((settled = true), resolve({ ok: false, error: err.message })));
      child.on('exit', (code) => !settled && ((settled = true), resolve({ ok: false, error: `cachectl pin exited (${code}): ${out.trim()}` })));
    });
  }

  /** Reads back whatever is missing (sequential reads of the whole span, or every small file). */
  topUp(t) {
    const t0 = performance.now();
    if (t.filesDir) warmSmall(t.filesDir, t.nfiles);
    else warmFile(t.file, t.span);
    this.seconds += (performance.now() - t0) / 1000;
  }
}

function hasFincore() {
  try {
    execFileSync('fincore', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The hot data a case reads or writes: { file, span } or { filesDir, nfiles }; null if none.
 * data.bs: the case's block size (which readfile set).
 */
export function cacheTarget(spec, data) {
  if (spec.cache !== 'hot') return null;
  if (spec.data === 'read') return { key: 'read', file: data.readFile, span: data.readSpan };
  if (spec.data === 'write') return { key: `write:${data.writeFile}`, file: data.writeFile, span: data.writeSpan };
  if (spec.data === 'small') return { key: 'small', filesDir: data.filesDir, nfiles: data.nfiles };
  // readfile: the set of files of the case's size (data.bs); 4 KiB is the small files' set.
  if (spec.data === 'files') {
    const set = data.fileSets?.[data.bs];
    return set ? { key: set.key, filesDir: set.dir, nfiles: set.count } : null;
  }
  return null;
}

/** "100%", "99.7%", or "?" for a { pages, resident } record. */
export const fmtResident = (c) => (c?.pages ? `${((100 * c.resident) / c.pages).toFixed(c.resident === c.pages ? 0 : 1)}%` : '?');
