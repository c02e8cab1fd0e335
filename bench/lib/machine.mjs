// Machine facts printed at the top of every report: a figure without its context is not a result.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function tryRead(p) {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return null;
  }
}

function tryExec(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const unescapeMount = (s) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));

/** The mount holding `p` (longest mount point prefix in /proc/self/mountinfo). */
function mountOf(p) {
  const real = fs.realpathSync(p);
  let best = null;
  for (const line of (tryRead('/proc/self/mountinfo') || '').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const f = pre.split(' ');
    const mountPoint = unescapeMount(f[4]);
    const [fstype, source] = post.split(' ');
    const inside = mountPoint === '/' || real === mountPoint || real.startsWith(mountPoint + '/');
    if (inside && (!best || mountPoint.length >= best.mountPoint.length))
      best = { mountPoint, fstype, source: unescapeMount(source), majmin: f[2], options: f[5] };
  }
  return best;
}

/** Block device facts from sysfs for major:minor (partitions report their disk's queue). */
function blockDevice(majmin) {
  let dir;
  try {
    dir = fs.realpathSync(`/sys/dev/block/${majmin}`);
  } catch {
    return null;
  }
  const disk = fs.existsSync(path.join(dir, 'partition')) ? path.dirname(dir) : dir;
  const sched = tryRead(path.join(disk, 'queue/scheduler'));
  return {
    name: path.basename(dir),
    disk: path.basename(disk),
    model: tryRead(path.join(disk, 'device/model')),
    rotational: tryRead(path.join(disk, 'queue/rotational')) === '1',
    scheduler: sched ? (/\[(.+?)\]/.exec(sched)?.[1] ?? sched) : null,
    logicalBlockSize: Number(tryRead(path.join(disk, 'queue/logical_block_size'))) || null,
    sizeBytes: Number(tryRead(path.join(dir, 'size'))) * 512 || null,
  };
}

/** Filesystem and device of a path (a directory, a file, or a block device node). */
export function storageOf(p) {
  const st = fs.statSync(p);
  if (st.isBlockDevice()) {
    const rdev = BigInt(st.rdev);
    const majmin = `${(rdev >> 8n) & 0xfffn}:${(rdev & 0xffn) | ((rdev >> 12n) & 0xfff00n)}`;
    return { path: p, filesystem: null, mountPoint: null, source: p, device: blockDevice(majmin) };
  }
  const m = mountOf(p);
  return {
    path: p,
    filesystem: m?.fstype ?? null,
    mountPoint: m?.mountPoint ?? null,
    mountOptions: m?.options ?? null,
    source: m?.source ?? null,
    device: m ? blockDevice(m.majmin) : null,
  };
}

/**
 * Proactive reclaim that can evict "hot" page cache between runs: a DAMON pageout scheme
 * (seen on VMs whose host reclaims idle guest memory). Read-only: reported, never changed.
 */
function proactiveReclaim() {
  const base = '/sys/kernel/mm/damon/admin/kdamonds';
  const list = (d) => {
    try {
      return fs.readdirSync(d).filter((n) => /^\d+$/.test(n));
    } catch {
      return [];
    }
  };
  for (const k of list(base)) {
    if (tryRead(`${base}/${k}/state`) !== 'on') continue;
    for (const c of list(`${base}/${k}/contexts`)) {
      const ctx = `${base}/${k}/contexts/${c}`;
      for (const sc of list(`${ctx}/schemes`)) {
        if (tryRead(`${ctx}/schemes/${sc}/action`) !== 'pageout') continue;
        const aggrUs = Number(tryRead(`${ctx}/monitoring_attrs/intervals/aggr_us`));
        const minAge = Number(tryRead(`${ctx}/schemes/${sc}/access_pattern/age/min`));
        return { damonPageout: true, idleSecondsBeforePageout: aggrUs && minAge ? (aggrUs * minAge) / 1e6 : null };
      }
    }
  }
  return { damonPageout: false };
}

/** Transparent huge pages and the large-folio state of the page cache (system-wide). */
function hugePages() {
  const thp = tryRead('/sys/kernel/mm/transparent_hugepage/enabled');
  const mem = tryRead('/proc/meminfo') ?? '';
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(mem)?.[1] ?? NaN) * 1024;
  return {
    thpEnabled: thp ? (/\[(.+?)\]/.exec(thp)?.[1] ?? thp) : null,
    anonHugeBytes: kb('AnonHugePages') || 0,
    fileHugeBytes: kb('FileHugePages') || 0, // PMD-sized page-cache folios, every file
  };
}

export function collectMachine({ dataDir, readTarget, cProbe, uringProbe, uvProbe, fioVersion, ccVersion, nodeLines = {}, writeTargets = [], directTargets = [] }) {
  const cpus = os.cpus();
  const pkgLiburing = tryExec('pkg-config', ['--modversion', 'liburing']);
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    kernel: { release: os.release(), version: os.version(), arch: os.arch() },
    cpu: { model: cpus[0]?.model?.trim() ?? null, count: cpus.length, availableParallelism: os.availableParallelism() },
    memory: { totalBytes: os.totalmem(), freeBytesAtStart: os.freemem() },
    loadAverageAtStart: os.loadavg(),
    node: { version: process.version, uv: process.versions.uv, v8: process.versions.v8, threadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4 },
    liburing: { pkgConfig: pkgLiburing },
    ioUringDisabledSysctl: tryRead('/proc/sys/kernel/io_uring_disabled'),
    proactiveReclaim: proactiveReclaim(),
    hugePages: hugePages(),
    dataDir: dataDir ? storageOf(dataDir) : null,
    readTarget: readTarget ? storageOf(readTarget) : null,
    writeTargets: writeTargets.slice(1).map((t) => storageOf(t.writeFile ?? t.writeFilesDir)),
    directTargets: (directTargets ?? []).map((t) => storageOf(t.readFile)),
    nodeLines: Object.fromEntries(Object.entries(nodeLines).map(([l, v]) => [l, v.binary ? { version: v.version, uv: v.uv, binary: v.binary } : { error: v.error }])),
    ring: {
      'uring-fs': uringProbe,
      'c-liburing': cProbe,
    },
    libuvIoUring: uvProbe,
    fio: fioVersion,
    cc: ccVersion,
  };
}

export const fmtBytes = (n) =>
  n == null ? '?' : n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(0)} MiB` : `${n} B`;

function describeStorage(s) {
  if (!s) return 'n/a';
  const d = s.device;
  const dev = d ? `${d.name}${d.model ? ` (${d.model})` : ''}, ${d.rotational ? 'rotational' : 'non-rotational'}, scheduler ${d.scheduler}` : s.source;
  return `${s.path}: ${s.filesystem ?? 'block device'}${s.mountPoint ? ` on ${s.mountPoint}` : ''}, ${dev}`;
}

/** Lines describing the machine, for the console and the Markdown report. */
export function machineLines(m) {
  const u = m.ring['uring-fs'];
  const c = m.ring['c-liburing'];
  const uv = m.libuvIoUring;
  return [
    `kernel ${m.kernel.release} (${m.kernel.arch}), io_uring_disabled=${m.ioUringDisabledSysctl ?? 'n/a'}` +
      (m.proactiveReclaim?.damonPageout
        ? `, DAMON pageout of memory idle ${m.proactiveReclaim.idleSecondsBeforePageout ?? '?'}s (hot data is rebuilt, pinned and checked: bench/README.md, Page cache)`
        : ''),
    `CPU ${m.cpu.model} x ${m.cpu.count}, memory ${fmtBytes(m.memory.totalBytes)}, load at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`,
    `Node ${m.node.version}, libuv ${m.node.uv}, UV_THREADPOOL_SIZE ${m.node.threadpoolSize}` +
      (m.nodeLines && Object.keys(m.nodeLines).length
        ? `; other Node lines for node:fs: ${Object.entries(m.nodeLines).map(([l, v]) => (v.version ? `${v.version} (libuv ${v.uv})` : `${l}: ${v.error}`)).join(', ')}`
        : ''),
    ...(m.hugePages
      ? [`transparent huge pages: ${m.hugePages.thpEnabled ?? 'n/a'}; at start AnonHugePages ${fmtBytes(m.hugePages.anonHugeBytes)}, FileHugePages ${fmtBytes(m.hugePages.fileHugeBytes)} (page cache in 2 MiB folios)`]
      : []),
    `liburing ${m.liburing.pkgConfig ?? 'not found'} (pkg-config); fio ${m.fio ?? 'not installed'}; cc ${m.cc ?? 'not found'}`,
    `data dir ${describeStorage(m.dataDir)}`,
    ...(m.readTarget && m.readTarget.path !== m.dataDir?.path ? [`read target ${describeStorage(m.readTarget)}`] : []),
    ...(m.writeTargets ?? []).map((t) => `write target ${describeStorage(t)}`),
    ...(m.directTargets ?? []).map((t) => `direct read target ${describeStorage(t)}`),
    `ring flags: uring-fs ${u?.ok ? `${(u.setupFlags ?? []).join('|') || 'none'} (backend ${u.backend}, batch ${u.batch ? 'yes' : 'no'})` : `unavailable: ${u?.error}`}; ` +
      `c-liburing ${c?.ok ? (c.setup_flags ?? []).join('|') || 'none' : `unavailable: ${c?.error}`}`,
    `libuv io_uring: UV_USE_IO_URING=1 ${
      uv?.ok
        ? (uv.sqpollThreads ?? uv.ioUringFds) > 0
          ? `honoured (${uv.ioUringFds} io_uring fds, ${uv.sqpollThreads} SQPOLL thread(s) in the child)`
          : `NOT honoured (no SQPOLL file ring in the child; ${uv.ioUringFds} io_uring fds)`
        : `probe failed: ${uv?.error}`
    }`,
  ];
}
