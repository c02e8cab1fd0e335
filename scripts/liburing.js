'use strict';
// Where liburing is, for binding.gyp, scripts/install.js and scripts/prebuild.js.
//
//   node scripts/liburing.js version | include_dirs | libraries
//
// pkg-config finds it ($PKG_CONFIG, else `pkg-config`; PKG_CONFIG_LIBDIR picks
// another architecture's .pc files when cross-compiling). The addon links
// liburing.a where it exists, so the built addon needs no liburing at run time;
// where it does not (Fedora's liburing-devel ships only the shared library) it
// links -luring instead of failing. URING_FS_LIBURING_LINK=shared|static forces
// one or the other.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const MIN = [2, 2];

function pkgConfig(args) {
  const bin = process.env.PKG_CONFIG || 'pkg-config';
  return execFileSync(bin, [...args, 'liburing'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/**
 * { version, includeDirs, libdir, staticLib, link: 'static' | 'shared', libraries }
 * or { error } when pkg-config or liburing's .pc file is missing, or liburing is too old.
 */
function find() {
  let version;
  try {
    version = pkgConfig(['--modversion']);
  } catch (err) {
    const noTool = err && err.code === 'ENOENT';
    return { error: noTool ? 'pkg-config was not found' : 'pkg-config found no liburing (liburing-dev is not installed)' };
  }
  const [maj, min] = version.split('.').map(Number);
  if (maj < MIN[0] || (maj === MIN[0] && min < MIN[1])) {
    return { error: `liburing ${version} is too old; ${MIN.join('.')} or newer is needed` };
  }
  const includeDirs = pkgConfig(['--cflags-only-I'])
    .split(/\s+/)
    .filter(Boolean)
    .map((flag) => flag.replace(/^-I/, ''));
  const libdir = pkgConfig(['--variable=libdir']);
  const staticLib = path.join(libdir, 'liburing.a');
  const forced = process.env.URING_FS_LIBURING_LINK;
  const link = forced === 'shared' || forced === 'static' ? forced : fs.existsSync(staticLib) ? 'static' : 'shared';
  const libraries = link === 'static' ? [staticLib] : [`-L${libdir}`, '-luring'];
  return { version, includeDirs, libdir, staticLib, link, libraries };
}

module.exports = { find, MIN };

if (require.main === module) {
  const what = process.argv[2];
  const found = find();
  if (found.error) {
    console.error(`uring-fs: ${found.error}.`);
    console.error('  Debian/Ubuntu: apt-get install liburing-dev pkg-config');
    console.error('  Fedora/RHEL:   dnf install liburing-devel pkgconf');
    console.error('  Alpine:        apk add liburing-dev pkgconf');
    process.exit(1);
  }
  if (what === 'version') console.log(found.version);
  else if (what === 'include_dirs') console.log(found.includeDirs.join(' '));
  else if (what === 'libraries') console.log(found.libraries.join(' '));
  else {
    console.error('usage: node scripts/liburing.js version|include_dirs|libraries');
    process.exit(2);
  }
}
