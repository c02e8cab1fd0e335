// A write cut short (here by RLIMIT_FSIZE: EFBIG past the limit, as ENOSPC or
// EDQUOT would) is continued from where it stopped, and when the continuation
// fails the call rejects with that error and `bytesWritten`, the bytes written
// are the first ones, and the file position is where write(2) leaves it. At the
// current position too: Linux (6.18) reports such a cut-short io_uring write
// without moving the file position, so a blind continuation used to overwrite
// the first piece with the last and resolve as if all was written.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { execFile } from 'node:child_process';

import { CRASH, FIXTURES, childEnv, ensureDist, lastJson, tmpDir } from './fixtures/helpers';

const MiB = 1 << 20;
let dir: string;
let out: Record<string, { result: unknown; file: string; unreadBeforeEof: number }>;

beforeAll(async () => {
  ensureDist();
  dir = tmpDir('short-write');
  // POSIX sh's ulimit -f counts 512-byte blocks: a 1 MiB file-size limit.
  const script = `ulimit -f 2048 && exec "$0" "$1" "$2"`;
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', script, process.execPath, path.join(FIXTURES, 'short-write-child.mjs'), dir],
      { env: childEnv({ LIMIT_BYTES: String(MiB) }), timeout: 30_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  const why = `code=${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  expect(r.stderr, why).not.toMatch(CRASH);
  expect(r.code, why).toBe(0);
  const json = lastJson(r.stdout);
  expect(json, why).not.toBeNull();
  out = (json as { cases: typeof out }).cases;
}, 60_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const efbig = { code: 'EFBIG', syscall: 'write', bytesWritten: MiB };

describe('a write cut short by the file-size limit', () => {
  it('node:fs for reference: the first MiB lands, the next write fails with EFBIG', () => {
    expect(out['fs-writeSync']).toMatchObject({ result: { first: MiB, second: 'EFBIG' }, file: `A×${MiB}`, unreadBeforeEof: 0 });
  });

  for (const name of ['write-current', 'write-null', 'writev-current', 'write-append']) {
    it(`${name}: rejects with EFBIG and bytesWritten, the file holds the first MiB, the position is after it`, () => {
      expect(out[name].result).toMatchObject(efbig);
      expect((out[name].result as { message: string }).message).toBe('EFBIG: file too large, write');
      expect(out[name].file).toBe(`A×${MiB}`);
      expect(out[name].unreadBeforeEof).toBe(0);
    });
  }

  it('write-positional: the same, and the file position stays where it was (0)', () => {
    expect(out['write-positional']).toMatchObject({ result: efbig, file: `A×${MiB}`, unreadBeforeEof: MiB });
  });

  it('a batch entry at the current position: the same', () => {
    expect(out['batch-current']).toMatchObject({ result: efbig, file: `A×${MiB}`, unreadBeforeEof: 0 });
  });

  it('the second current-position write of a linked chain: continued at the right offset, then EFBIG', () => {
    expect(out['chain-current']).toMatchObject({
      result: [{ value: MiB / 2 }, { code: 'EFBIG', bytesWritten: MiB / 2 }],
      file: `A×${MiB / 2} B×${MiB / 2}`,
      unreadBeforeEof: 0,
    });
  });
});
