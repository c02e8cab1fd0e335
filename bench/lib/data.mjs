// Test data: created once, reused when present with the right size, and only ever written
// inside a directory the suite owns (marked by a manifest it wrote itself).
//
//   <dir>/.uring-fs-bench.json   the manifest: every file listed here was created by the suite
//   <dir>/data-1g.bin            1 GiB, read workloads (unless --file)
//   <dir>/write-128m.bin         128 MiB, the only file the random-write workloads write to
//   <dir>/small/f00000..f09999   10,000 files of 4 KiB: small-file, stat and 4 KiB readfile workloads
//   <dir>/files-64k/f00000..f01023, <dir>/files-1m/f00000..f00063: the 64 KiB and 1 MiB readfile workloads
//   <dir>/writefile/f00000..     the writefile workload's files, one per slot (written by the runs)
//
// Every 4-byte word of a data file holds its own offset (liburing's test pattern), so the
// content is deterministic and a misplaced block would say where it came from.
import fs from 'node:fs';
import path from 'node:path';

const MANIFEST = '.uring-fs-bench.json';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const DATA = {
  readName: 'data-1g.bin',
  readSize: 1 * GiB,
  writeName: 'write-128m.bin',
  writeSize: 128 * MiB,
  smallDir: 'small',
  smallCount: 10000,
  smallSize: 4096,
  // readfile: a set of files of each size, in rotation (4 KiB: the small files above).
  fileSets: {
    4096: { name: 'small', count: 10000 },
    65536: { name: 'files-64k', count: 1024 },
    1048576: { name: 'files-1m', count: 64 },
  },
  writeFilesDir: 'writefile',
};

function loadManifest(dir) {
  const p = path.join(dir, MANIFEST);
  if (fs.existsSync(p)) return JSON.parse(fs.readFileSync(p, 'utf8'));
  let entries = [];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    fs.mkdirSync(dir, { recursive: true });
  }
  if (entries.length)
    throw new Error(
      `refusing to create data in ${dir}: it is not empty and has no ${MANIFEST}, so the suite did not create it. ` +
        `Pass a new or empty --dir.`,
    );
  const m = { createdBy: 'uring-fs bench (bench/cli.mjs)', files: {} };
  saveManifest(dir, m);
  return m;
}

function saveManifest(dir, m) {
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
}

/** Fills buf with the offset pattern for data starting at file offset `base`. */
function pattern(buf, base) {
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  for (let i = 0; i < words.length; i++) words[i] = (base + i * 4) >>> 0;
}

function sizeOf(p) {
  try {
    return fs.statSync(p).size;
  } catch {
    return -1;
  }
}

/** Claims `name` in the manifest before touching it; refuses files the suite did not create. */
function claim(dir, m, name, what) {
  const p = path.join(dir, name);
  if (!(name in m.files) && fs.existsSync(p))
    throw new Error(`refusing to overwrite ${p}: not listed in ${MANIFEST}, so the suite did not create it`);
  m.files[name] = what;
  saveManifest(dir, m);
  return p;
}

function createPatternFile(p, size, log) {
  const chunk = Buffer.allocUnsafe(8 * MiB);
  const fd = fs.openSync(p, 'w');
  try {
    for (let off = 0; off < size; off += chunk.length) {
      const n = Math.min(chunk.length, size - off);
      pattern(chunk, off);
      fs.writeSync(fd, chunk, 0, n, off);
      if (off % (128 * MiB) === 0) log(`  writing ${path.basename(p)}: ${Math.round((off / size) * 100)}%`);
    }
    fs.fsyncSync(fd); // on disk before O_DIRECT reads it, and no writeback left to disturb runs
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Makes sure the data the chosen workloads need exists. needs: { read, write, small, files:
 * [sizes], wfiles }.
 * Returns paths and sizes; `created` lists what had to be made this time.
 */
export function ensureData(dir, needs, log = () => {}) {
  const out = { dir, created: [] };
  if (!needs.read && !needs.write && !needs.small && !needs.files?.length && !needs.wfiles) return out;
  const m = loadManifest(dir);
  const file = (name, size) => {
    const p = path.join(dir, name);
    if (m.files[name] === size && sizeOf(p) === size) return p;
    claim(dir, m, name, size);
    log(`creating ${p} (${size / MiB} MiB)`);
    createPatternFile(p, size, log);
    out.created.push(p);
    return p;
  };
  if (needs.read) out.readFile = file(DATA.readName, DATA.readSize);
  if (needs.write) out.writeFile = file(DATA.writeName, DATA.writeSize);
  // A directory of `count` files f00000.. of `size` bytes each, listed in the manifest as one entry.
  const fileSet = (name, count, size) => {
    const sdir = path.join(dir, name);
    const want = { count, size };
    const names = Array.from({ length: count }, (_, i) => `f${String(i).padStart(5, '0')}`);
    const ok = JSON.stringify(m.files[name]) === JSON.stringify(want) && names.every((n) => sizeOf(path.join(sdir, n)) === size);
    if (!ok) {
      claim(dir, m, name, want);
      log(`creating ${count} files of ${size} bytes in ${sdir}`);
      fs.mkdirSync(sdir, { recursive: true });
      const buf = Buffer.alloc(size);
      names.forEach((n, i) => {
        pattern(buf, i * size);
        fs.writeFileSync(path.join(sdir, n), buf);
        // The larger sets (64 MiB each) go to disk now, not as writeback during the runs.
        if (size >= 65536) flushFile(path.join(sdir, n));
      });
      out.created.push(sdir);
    }
    return sdir;
  };
  if (needs.small) {
    out.filesDir = fileSet(DATA.smallDir, DATA.smallCount, DATA.smallSize);
    out.nfiles = DATA.smallCount;
    out.fileSize = DATA.smallSize;
  }
  // readfile: { [size]: { key, dir, count, size } } for each size asked for.
  if (needs.files?.length) {
    out.fileSets = {};
    for (const size of needs.files) {
      const set = DATA.fileSets[size];
      if (!set) throw new Error(`no readfile data set of ${size} bytes (sizes: ${Object.keys(DATA.fileSets).join(', ')})`);
      out.fileSets[size] = { key: set.name, dir: fileSet(set.name, set.count, Number(size)), count: set.count, size: Number(size) };
    }
  }
  // writefile: a directory the suite owns; the runs create and rewrite the files in it.
  if (needs.wfiles) {
    const wdir = path.join(dir, DATA.writeFilesDir);
    if (m.files[DATA.writeFilesDir] !== 'dir' || !fs.existsSync(wdir)) {
      claim(dir, m, DATA.writeFilesDir, 'dir');
      fs.mkdirSync(wdir, { recursive: true });
    }
    out.writeFilesDir = wdir;
  }
  return out;
}

/** Size of a regular file or block device (block devices report 0 in stat). */
export function deviceOrFileSize(p) {
  const st = fs.statSync(p);
  if (st.isFile()) return st.size;
  if (st.isBlockDevice()) {
    const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
    const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
    const sectors = Number(fs.readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8').trim());
    return sectors * 512;
  }
  throw new Error(`--file ${p}: not a regular file or block device`);
}

/** Reads [0, span) once so the page cache holds it (hot-cache workloads). */
export function warmFile(p, span) {
  const buf = Buffer.allocUnsafe(4 * MiB);
  const fd = fs.openSync(p, 'r');
  try {
    for (let off = 0; off < span; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, span - off), off);
      if (n <= 0) break;
      off += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function warmSmall(filesDir, n) {
  for (let i = 0; i < n; i++) fs.readFileSync(`${filesDir}/f${String(i).padStart(5, '0')}`);
}

/** Flushes the write file's dirty pages between runs, so one run's writeback does not land in the next. */
export function flushFile(p) {
  const fd = fs.openSync(p, 'r+');
  try {
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The same after a writefile run, for each slot's file that exists (f00000 .. f<n-1>). */
export function flushFiles(dir, n) {
  for (let i = 0; i < n; i++) {
    const p = path.join(dir, `f${String(i).padStart(5, '0')}`);
    if (fs.existsSync(p)) flushFile(p);
  }
}

/** null if O_DIRECT opens work for this path, else the reason it is refused. */
export function probeDirect(p) {
  const { O_RDONLY, O_DIRECT } = fs.constants;
  if (O_DIRECT === undefined) return 'O_DIRECT is not defined on this platform';
  try {
    fs.closeSync(fs.openSync(p, O_RDONLY | O_DIRECT));
    return null;
  } catch (err) {
    return `O_DIRECT refused for ${p} (${err.code}: ${err.message})`;
  }
}
