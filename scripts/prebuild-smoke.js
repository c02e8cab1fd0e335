'use strict';
// Run by scripts/prebuild.js with URING_FS_ADDON=<a prebuild>, under a Node of
// that prebuild's architecture: loads it through the package's own loader,
// opens a ring and reads a file back. Prints one JSON line.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist', 'cjs');

async function main() {
  const { loadBinding } = require(path.join(dist, 'binding.js'));
  const { Ring } = require(path.join(dist, 'index.js'));
  const loaded = loadBinding();
  const out = {
    node: process.version,
    arch: process.arch,
    loaded: Boolean(loaded.binding) && loaded.path === process.env.URING_FS_ADDON,
    loadError: loaded.error ?? null,
    liburing: loaded.binding ? loaded.binding.liburingVersion : null,
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-smoke-'));
  const file = path.join(dir, 'data');
  const data = Buffer.alloc(65536 + 7);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
  fs.writeFileSync(file, data);
  const ring = new Ring();
  out.backend = ring.backend;
  out.fallbackReason = ring.fallbackReason;
  try {
    const fd = await ring.open(file, 'r');
    const view = Buffer.alloc(data.length);
    const n = await ring.read(fd, view, 0);
    await ring.close(fd);
    out.readOk = n === data.length && view.equals(data);
  } finally {
    await ring.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.log(JSON.stringify({ loaded: false, error: String(err && err.stack) }));
  process.exitCode = 1;
});
