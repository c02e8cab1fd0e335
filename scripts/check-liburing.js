'use strict';
// Runs before node-gyp on install: a missing liburing should say what to install,
// not end in a compiler error about <liburing.h>.
const { execFileSync } = require('node:child_process');

if (process.platform !== 'linux') {
  console.error('uring-fs: io_uring is Linux-only; the native addon is not built here (the node:fs backend is used).');
  process.exit(1);
}
try {
  const version = execFileSync('pkg-config', ['--modversion', 'liburing'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const [maj, min] = version.split('.').map(Number);
  if (maj < 2 || (maj === 2 && min < 2)) {
    console.error(`uring-fs: liburing ${version} is too old; 2.2 or newer is needed (Debian/Ubuntu: apt-get install liburing-dev).`);
    process.exit(1);
  }
} catch {
  console.error(
    'uring-fs: liburing development files were not found by pkg-config.\n' +
      '  Debian/Ubuntu: apt-get install liburing-dev pkg-config\n' +
      '  Fedora/RHEL:   dnf install liburing-devel pkgconf\n' +
      '  Alpine:        apk add liburing-dev pkgconf\n' +
      'then run npm install again.',
  );
  process.exit(1);
}
