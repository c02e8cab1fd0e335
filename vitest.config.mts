import { defineConfig } from 'vitest/config';

// Tests run in forked processes: the addon is a native module with per-process
// (per-environment) state, and several tests kill or exit processes on purpose.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
