// Loads the native addon, typed. Nothing here throws: a missing or broken addon
// is reported as a reason, and the caller decides between the node:fs backend
// and (in strict mode) an error.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { NativeBinding } from './native';

export type { NativeBinding, NativeOpName, NativeRing, NativeRingInfo } from './native';

export type LoadResult = { binding: NativeBinding; error?: undefined } | { binding?: undefined; error: string };

let cached: LoadResult | undefined;

// The package root holds build/ (node-gyp's output). Walk up from this file so the
// same code works from dist/cjs/ and from src/ (tests run the TypeScript directly).
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) return __dirname;
    dir = up;
  }
}

/** Loads build/Release/uring_fs.node (or build/Debug) once per thread. */
export function loadBinding(): LoadResult {
  if (cached) return cached;
  const root = packageRoot();
  const req = createRequire(join(root, 'package.json'));
  const candidates = process.env.URING_FS_ADDON
    ? [process.env.URING_FS_ADDON]
    : [join(root, 'build/Release/uring_fs.node'), join(root, 'build/Debug/uring_fs.node')];
  let error = `the native addon was not found (looked for ${candidates.join(', ')}); run \`npm rebuild uring-fs\``;
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      cached = { binding: req(file) as NativeBinding };
      return cached;
    } catch (err) {
      error = `the native addon ${file} failed to load: ${(err as Error).message}`;
    }
  }
  cached = { error };
  return cached;
}
