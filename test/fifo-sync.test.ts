// No deadlock between a ring op waiting on a pipe and a synchronous call on the
// pipe's other end in the same thread. With IORING_SETUP_DEFER_TASKRUN the
// waiting read could only make progress when this thread entered the ring, so
// fs.writeSync of more than the pipe buffer into the FIFO blocked forever; the
// ring is set up without it (see native/ring.cc), and every setup rung is
// checked here.
//
// (The other direction cannot work and is documented: a ring write into a pipe
// that is larger than the pipe buffer is cut short by the kernel and continued
// from the event loop, which a synchronous read in the same thread blocks.)

import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CRASH, FIXTURES, describeChild, ensureDist, lastJson, runNode, tmpDir } from './fixtures/helpers';

ensureDist();
const dir = tmpDir('fifo-sync');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rungs = process.env.URING_FS_BACKEND === 'fs' ? [undefined] : ['0', '1', '2', '3'];

describe('a ring read on a FIFO and fs.writeSync into it, same thread', () => {
  for (const rung of rungs) {
    it(`both finish${rung === undefined ? '' : ` (setup candidate ${rung})`}`, async () => {
      const r = await runNode(path.join(FIXTURES, 'fifo-sync-child.mjs'), {
        args: [dir],
        env: rung === undefined ? {} : { URING_FS_SETUP_CANDIDATE: rung },
        timeoutMs: 15_000,
      });
      const why = describeChild(r);
      expect(r.timedOut, `deadlocked: ${why}`).toBe(false);
      expect(r.stderr, why).not.toMatch(CRASH);
      expect(r.code, why).toBe(0);
      const out = lastJson(r.stdout) as Record<string, unknown>;
      expect(out.wroteSync).toBe(100_000);
      expect(out.read as number).toBeGreaterThan(0);
    });
  }
});
