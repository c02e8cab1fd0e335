// Command-line options of `npm run bench` (node bench/cli.mjs). Built-ins only.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export const HELP = `Usage: npm run bench -- [options]      (or: node bench/cli.mjs [options])

Benchmarks uring-fs against node:fs, libuv's io_uring, a C program over liburing and fio.

  --quick              reduced matrix, 1 round, short runs (under a minute)
  --filter LIST        comma-separated workloads and/or contenders, e.g.
                       --filter randread,stat,uring-fs,c-liburing
                       workloads: randread randread:hot randread:direct seqread randwrite
                                  randwrite:buffered randwrite:fdatasync-32 smallfiles stat nop
                       contenders: fs-promises fs-callback fs-sync fs-libuv-io-uring uring-fs
                                   uring-fs-batch c-liburing fio
                       (fs-promises is always kept: every ratio is against it)
  --qd LIST            queue depths for every workload (default: per workload, see README)
  --rounds N           rounds; contenders alternate within each round, medians are reported
                       (default 3, --quick 1)
  --duration SEC       measured seconds per run (default 0.4, --quick 0.15)
  --warmup SEC         un-measured seconds before each run (default 0.1, --quick 0.05)
  --dir DIR            where the suite creates its data (default: $TMPDIR/uring-fs-bench)
  --file PATH          read workloads read this existing file or block device, read-only
                       (writes, small files and stat still use --dir)
  --span BYTES         bytes of the read file to use (default: min(size, 1 GiB)); K/M/G suffixes
  --direct             add O_DIRECT variants of seqread and randwrite (randread:direct is
                       always in the matrix)
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
    out: path.join(BENCH_DIR, 'results'),
    json: null,
    list: false,
    report: null,
    verbose: false,
    help: false,
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
      default:
        throw new Error(`unknown option ${argv[i]} (see --help)`);
    }
  }
  o.rounds ??= o.quick ? 1 : 3;
  o.duration ??= o.quick ? 0.15 : 0.4;
  o.warmup ??= o.quick ? 0.05 : 0.1;
  return o;
}
