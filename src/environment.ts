// What the machine and the process say about io_uring, and the command that
// fixes each way it can be unavailable. Used by the loader's and the ring's
// fallback reasons and by `uring-fs doctor`. Nothing here throws.

import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The package manager that installed the package at `root`: pnpm's store
 * layout, the user agent of a package script, or the project's lockfile.
 */
export function packageManager(root: string): PackageManager {
  if (root.includes(`${sep}node_modules${sep}.pnpm${sep}`)) return 'pnpm';
  const agent = /^(npm|pnpm|yarn|bun)\//.exec(process.env.npm_config_user_agent ?? '');
  if (agent) return agent[1] as PackageManager;
  const i = root.indexOf(`${sep}node_modules${sep}`);
  if (i >= 0) {
    const project = root.slice(0, i);
    if (existsSync(join(project, 'pnpm-lock.yaml'))) return 'pnpm';
    if (existsSync(join(project, 'yarn.lock'))) return 'yarn';
    if (existsSync(join(project, 'bun.lock')) || existsSync(join(project, 'bun.lockb'))) return 'bun';
  }
  return 'npm';
}

/** The distribution's command for liburing's headers and a C++ toolchain. */
export function buildDepsCommand(): string {
  const osRelease = read('/etc/os-release') ?? '';
  const ids = [...osRelease.matchAll(/^ID(?:_LIKE)?="?([^"\n]*)"?$/gm)].flatMap((m) => m[1].split(/\s+/));
  if (ids.some((id) => id === 'debian' || id === 'ubuntu')) return 'apt-get install liburing-dev pkg-config g++ make python3';
  if (ids.some((id) => id === 'fedora' || id === 'rhel' || id === 'centos')) return 'dnf install liburing-devel pkgconf gcc-c++ make python3';
  if (ids.includes('alpine')) return 'apk add liburing-dev pkgconf build-base python3';
  if (ids.includes('arch')) return 'pacman -S liburing pkgconf base-devel python';
  return "install liburing's development files, pkg-config, a C++ compiler, make and python3";
}

/** Builds the addon from source where no prebuild fits: the command for this package manager. */
export function sourceBuildFix(pm: PackageManager): string {
  const rebuild = {
    npm: '`npm rebuild uring-fs`',
    // pnpm 10 runs no dependency build script it was not told to trust.
    // `pnpm approve-builds` records the approval and runs the build.
    pnpm: '`pnpm approve-builds` (choose uring-fs; pnpm then builds it)',
    yarn: '`yarn rebuild uring-fs`',
    bun: '`bun pm trust uring-fs`',
  }[pm];
  const deps = buildDepsCommand();
  return `${deps.startsWith('install ') ? deps : `\`${deps}\``}, then ${rebuild}`;
}

/** /proc/self/status: 0 none, 1 strict, 2 filter; and how many filters are stacked. */
export function seccomp(): { mode: number | null; filters: number | null } {
  const status = read('/proc/self/status') ?? '';
  const mode = /^Seccomp:\s+(\d+)/m.exec(status);
  const filters = /^Seccomp_filters:\s+(\d+)/m.exec(status);
  return { mode: mode ? Number(mode[1]) : null, filters: filters ? Number(filters[1]) : null };
}

export type ContainerRuntime = 'docker' | 'kubernetes' | 'podman' | 'containerd' | 'lxc' | 'container';

/** Which container this process runs in, as far as the usual marks tell, with the mark. */
export function container(): { runtime: ContainerRuntime; evidence: string } | null {
  if (process.env.KUBERNETES_SERVICE_HOST) return { runtime: 'kubernetes', evidence: 'KUBERNETES_SERVICE_HOST is set' };
  const cgroup = read('/proc/1/cgroup') ?? '';
  if (/kubepods/.test(cgroup)) return { runtime: 'kubernetes', evidence: '/proc/1/cgroup names kubepods' };
  if (existsSync('/run/.containerenv')) return { runtime: 'podman', evidence: '/run/.containerenv exists' };
  if (existsSync('/.dockerenv')) return { runtime: 'docker', evidence: '/.dockerenv exists' };
  if (/docker/.test(cgroup)) return { runtime: 'docker', evidence: '/proc/1/cgroup names docker' };
  if (/containerd/.test(cgroup)) return { runtime: 'containerd', evidence: '/proc/1/cgroup names containerd' };
  const env = process.env.container;
  if (env) return { runtime: env === 'lxc' ? 'lxc' : env === 'podman' ? 'podman' : 'container', evidence: `container=${env} is set` };
  return null;
}

/** kernel.io_uring_disabled (0, 1 or 2; Linux 6.6+) and kernel.io_uring_group, or null where absent. */
export function sysctls(): { ioUringDisabled: number | null; ioUringGroup: number | null } {
  const d = read('/proc/sys/kernel/io_uring_disabled');
  const g = read('/proc/sys/kernel/io_uring_group');
  return { ioUringDisabled: d === null ? null : Number(d.trim()), ioUringGroup: g === null ? null : Number(g.trim()) };
}

const SYSCALLS = 'io_uring_setup, io_uring_enter and io_uring_register';

/** The fix for a seccomp filter that refuses io_uring, for the container this runs in. */
export function seccompFix(where = container()): string {
  switch (where?.runtime) {
    case 'docker':
      return `Docker's default seccomp profile refuses io_uring (since Docker 25): run the container with a profile that allows ${SYSCALLS}: \`docker run --security-opt seccomp=/path/to/profile.json …\` (Compose: \`security_opt: ["seccomp=/path/to/profile.json"]\`)`;
    case 'kubernetes':
      return `the RuntimeDefault seccomp profile refuses io_uring (containerd 2.0+, CRI-O): give the pod a profile that allows ${SYSCALLS}: \`securityContext: { seccompProfile: { type: Localhost, localhostProfile: profiles/io-uring.json } }\``;
    case 'podman':
      return `Podman's default seccomp profile refuses io_uring: run the container with a profile that allows ${SYSCALLS}: \`podman run --security-opt seccomp=/path/to/profile.json …\``;
    case 'containerd':
      return `containerd's default seccomp profile refuses io_uring (since 2.0): run the container with a profile that allows ${SYSCALLS}`;
    default:
      return `allow ${SYSCALLS} in the seccomp filter this process runs under (a container runtime's default profile refuses them)`;
  }
}

/** The command that lets io_uring_setup succeed after it failed with `rc` (-errno), or null. */
export function setupFix(rc: number): string | null {
  if (rc === -1 || rc === -13) {
    const { ioUringDisabled, ioUringGroup } = sysctls();
    if (ioUringDisabled === 2) return '`sysctl -w kernel.io_uring_disabled=0` (as root, on the host)';
    if (ioUringDisabled === 1) {
      return `\`sysctl -w kernel.io_uring_disabled=0\`, or run as a member of group ${ioUringGroup ?? -1} (kernel.io_uring_group)`;
    }
    if (seccomp().mode === 2) return seccompFix();
    return null;
  }
  if (rc === -12) return 'raise RLIMIT_MEMLOCK (`ulimit -l unlimited`; Docker: `--ulimit memlock=-1`), which kernels before 5.12 charge rings to';
  if (rc === -38 || rc === -95) return 'Linux 5.6 or newer, built with CONFIG_IO_URING';
  return null;
}
