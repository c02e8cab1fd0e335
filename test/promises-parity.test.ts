// Regression tests for the differences between uring-fs/promises and
// node:fs/promises that Node's own tests found (npm run test:node-parity,
// test/node-parity/): each case runs the same calls on node:fs/promises and on
// the drop-in and expects the same outcome.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as nfsp from 'node:fs/promises';
import * as path from 'node:path';

import * as ufspModule from '../src/promises/index';
import type { FileHandle as UringFileHandle } from '../src/promises/filehandle';
import { tmpDir } from './fixtures/helpers';

const ufsp = ufspModule as unknown as typeof nfsp;
type Side = 'node' | 'uring';
const SIDES: Side[] = ['node', 'uring'];
const api = (side: Side): typeof nfsp => (side === 'node' ? nfsp : ufsp);

let dir: string;
beforeAll(() => {
  dir = tmpDir('promises-parity');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    const v = await p;
    return `resolved ${typeof v === 'string' ? v.length : Buffer.isBuffer(v) ? v.length : String(v)}`;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `rejected ${e.name} ${e.code}`;
  }
}

describe('filehandle.readFile (test-fs-promises-file-handle-readFile.js)', () => {
  // node's readFile takes a loop turn per step (fstat, each read), so an abort
  // from setImmediate lands between them; the ring used to finish the whole
  // read inside one turn and resolve.
  it.each(SIDES)('%s: a signal aborted on the next turn rejects with AbortError', async (side) => {
    const file = path.join(dir, `abort-next-turn-${side}`);
    fs.writeFileSync(file, Buffer.from('Dogs running'.repeat(1000)));
    const fh = await api(side).open(file, 'r');
    try {
      const controller = new AbortController();
      setImmediate(() => controller.abort());
      expect(await outcome(fh.readFile({ signal: controller.signal, encoding: 'utf8' }))).toBe('rejected AbortError ABORT_ERR');
    } finally {
      await fh.close();
    }
  });

  it.each(SIDES)('%s: without a signal the same read resolves', async (side) => {
    const file = path.join(dir, `no-signal-${side}`);
    fs.writeFileSync(file, Buffer.from('Dogs running'.repeat(1000)));
    const fh = await api(side).open(file, 'r');
    try {
      expect(await outcome(fh.readFile('utf8'))).toBe('resolved 12000');
    } finally {
      await fh.close();
    }
  });

  // node refuses a regular file over 2 GiB from its fstat, before reading a
  // byte; the drop-in used to read 2 GiB first.
  it.each(SIDES)('%s: a file over 2 GiB is refused before anything is read', async (side) => {
    const file = path.join(dir, `big-${side}`);
    fs.writeFileSync(file, 'A');
    fs.truncateSync(file, 2 ** 31);
    const fh = await api(side).open(file, 'r');
    try {
      expect(await outcome(fh.readFile())).toBe('rejected RangeError ERR_FS_FILE_TOO_LARGE');
      // The file position did not move: the next read still starts at byte 0.
      const { bytesRead, buffer } = await fh.read(Buffer.alloc(1), 0, 1, null);
      expect([bytesRead, buffer.toString()]).toEqual([1, 'A']);
    } finally {
      await fh.close();
    }
  });

  it.each(SIDES)('%s: reads from the current position to EOF, in pieces past 512 KiB', async (side) => {
    const file = path.join(dir, `pieces-${side}`);
    const data = Buffer.alloc(1300 * 1024);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i, i);
    fs.writeFileSync(file, data);
    const fh = (await api(side).open(file, 'r')) as nfsp.FileHandle | UringFileHandle;
    try {
      await fh.read(Buffer.alloc(4096), 0, 4096, null);
      const rest = (await fh.readFile()) as Buffer;
      expect(rest.equals(data.subarray(4096))).toBe(true);
    } finally {
      await fh.close();
    }
  });
});
