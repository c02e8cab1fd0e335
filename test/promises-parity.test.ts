// Regression tests for the differences between uring-fs/promises and
// node:fs/promises that Node's own tests found (npm run test:node-parity,
// test/node-parity/): each case runs the same calls on node:fs/promises and on
// the drop-in and expects the same outcome.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nfsp from 'node:fs/promises';
import * as path from 'node:path';

import * as ufspModule from '../src/promises/index';
import type { FileHandle as UringFileHandle } from '../src/promises/filehandle';
import { ensureDist, tmpDir } from './fixtures/helpers';

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

describe("a drop-in FileHandle where node:fs takes one (test-fs-read-stream-file-handle.js)", () => {
  // node:fs takes a FileHandle only if it is an instance of node's own class;
  // it refused the drop-in's with ERR_INVALID_ARG_TYPE.
  it('is an instance of node:fs/promises FileHandle', async () => {
    const nodeFh = await nfsp.open(__filename);
    const fh = await ufsp.open(__filename);
    try {
      expect(fh).toBeInstanceOf(nodeFh.constructor);
    } finally {
      await fh.close();
      await nodeFh.close();
    }
  });

  it.each(SIDES)('%s: fs.createReadStream(null, { fd: filehandle }) reads it and closes with it', async (side) => {
    const file = path.join(dir, `stream-fd-${side}`);
    fs.writeFileSync(file, 'hello world'.repeat(1000));
    const fh = await api(side).open(file, 'r');
    let handleClosed = 0;
    fh.on('close', () => handleClosed++);
    const stream = fs.createReadStream(null as unknown as string, { fd: fh as never });
    let out = '';
    for await (const chunk of stream) out += chunk;
    expect(out).toBe('hello world'.repeat(1000));
    if (!stream.closed) await new Promise((resolve) => stream.once('close', resolve));
    expect([handleClosed, fh.fd]).toEqual([1, -1]);
  });

  it.each(SIDES)('%s: closing the handle mid-stream closes the stream', async (side) => {
    const file = path.join(dir, `stream-close-${side}`);
    fs.writeFileSync(file, 'x'.repeat(1 << 20));
    const fh = await api(side).open(file, 'r');
    const stream = fs.createReadStream(null as unknown as string, { fd: fh as never, highWaterMark: 1024 });
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.once('data', () => void fh.close());
    stream.resume();
    await closed;
    expect(fh.fd).toBe(-1);
  });

  it.each(SIDES)('%s: fs.createWriteStream(null, { fd: filehandle }) writes through it', async (side) => {
    const file = path.join(dir, `wstream-fd-${side}`);
    const fh = await api(side).open(file, 'w');
    const stream = fs.createWriteStream(null as unknown as string, { fd: fh as never });
    stream.end('written through the handle');
    await new Promise((resolve, reject) => stream.once('close', resolve).once('error', reject));
    expect(fs.readFileSync(file, 'utf8')).toBe('written through the handle');
    expect(fh.fd).toBe(-1);
  });

  it('node:fs/promises readFile and writeFile take the drop-in handle', async () => {
    const file = path.join(dir, 'node-readfile-ours');
    const fh = await ufsp.open(file, 'w+');
    try {
      await nfsp.writeFile(fh, 'via node');
      expect(await nfsp.readFile(file, 'utf8')).toBe('via node');
      expect(await nfsp.readFile(fh, 'utf8')).toBe('');
    } finally {
      await fh.close();
    }
  });

  it("a node FileHandle's custom fs option is still refused as node refuses it", async () => {
    const fh = await ufsp.open(__filename);
    try {
      expect(() => fs.createReadStream(null as unknown as string, { fd: fh as never, fs })).toThrow(
        expect.objectContaining({ code: 'ERR_METHOD_NOT_IMPLEMENTED' }),
      );
    } finally {
      await fh.close();
    }
  });
});

describe('filehandle.read with a length that is not an int32', () => {
  // Node 20 and 22 pass such a length (a string, a fraction) past their
  // JavaScript checks to C++, which aborts the process; the drop-in used to
  // hand the call to node's own read to get its error, and so aborted too.
  // In a child process (the built package), so an abort fails this test.
  it('never aborts the process', () => {
    ensureDist();
    const file = path.join(dir, 'int32-child');
    fs.writeFileSync(file, 'xyz\n');
    const built = path.join(__dirname, '..', 'dist', 'cjs', 'promises', 'index.js');
    const script = `const ufsp = require(${JSON.stringify(built)});
      (async () => {
        const fh = await ufsp.open(${JSON.stringify(file)});
        const out = [];
        for (const length of ['1', 1.5]) {
          try { out.push((await fh.read(Buffer.alloc(4), 0, length, 0)).bytesRead); }
          catch (err) { out.push(err.code); }
        }
        await fh.close();
        console.log(JSON.stringify(out));
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
    // node's coercion where the running line has it (one byte read), else the int32 check's error.
    for (const v of JSON.parse(r.stdout) as unknown[]) expect([1, 'ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE']).toContain(v);
  });
});

describe('filehandle.read length coercion (test-fs-promises-file-handle-read.js)', () => {
  // Node 24.x/26 coerce a read's length as fs.read does (`length |= 0`); older
  // lines pass it to C++, which aborts on a non-int32 (so only lengths their
  // JavaScript checks refuse are tried there).
  async function nodeCoerces(): Promise<boolean> {
    const fh = await nfsp.open('/dev/null');
    try {
      return await fh.read(Buffer.alloc(0), 0, '0' as unknown as number, null).then(
        () => true,
        () => false,
      );
    } finally {
      await fh.close();
    }
  }

  async function readOutcome(side: Side, file: string, offset: number, length: unknown, options: boolean): Promise<string> {
    const fh = await api(side).open(file, 'r');
    try {
      const buffer = Buffer.alloc(4);
      const r = options
        ? await fh.read({ buffer, offset, length: length as number, position: 0 })
        : await fh.read(buffer, offset, length as number, 0);
      return `bytesRead ${r.bytesRead} ${buffer.toString('hex')}`;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return `${e.name} ${e.code} ${e.message}`;
    } finally {
      await fh.close();
    }
  }

  it('reads with the lengths node takes, refuses the others with its error', async () => {
    const file = path.join(dir, 'xyz');
    fs.writeFileSync(file, 'xyz\n');
    const coerces = await nodeCoerces();
    const refusedEverywhere: unknown[][] = [[0, 2 ** 32 + 8], [0, -1], [0, '-1'], [0, 5.5], [0, '4.9'], [1, '4']];
    const coercedOnly: unknown[][] = [[0, '1'], [0, 1.5], [0, '1x'], [0, true], [0, 2 ** 32], [0, '3'], [1, '2']];
    const cases = coerces ? [...refusedEverywhere, ...coercedOnly] : refusedEverywhere.filter(([, l]) => typeof l === 'number' || Number(l) < 0 || Number(l) > 4);
    for (const [offset, length] of cases) {
      for (const options of [false, true]) {
        const mine = await readOutcome('uring', file, offset as number, length, options);
        const theirs = await readOutcome('node', file, offset as number, length, options);
        expect({ offset, length, options, result: mine }).toEqual({ offset, length, options, result: theirs });
      }
    }
    if (!coerces) {
      // node would abort the process here; the drop-in refuses with the int32 check's error.
      expect(await readOutcome('uring', file, 0, '1', false)).toMatch(/^TypeError ERR_INVALID_ARG_TYPE/);
    }
  });
});

describe('FileHandle methods called on something else (test-fs-promises.js)', () => {
  // node rejects with ERR_INTERNAL_ASSERTION ('handle must be an instance of
  // FileHandle'); the drop-in threw V8's TypeError for a private field.
  async function callOn(side: Side, name: string, receiver: unknown): Promise<string> {
    const fh = await api(side).open(__filename);
    try {
      const method = (fh as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      const r = method.call(receiver);
      await r;
      return 'resolved';
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return `${e.name} ${e.code} ${e.message.split('\n')[0]}`;
    } finally {
      await fh.close();
    }
  }

  it.each(['stat', 'read', 'write', 'readFile', 'truncate', 'sync', 'datasync', 'chmod', 'writev'])('%s.call({})', async (name) => {
    const theirs = await callOn('node', name, {});
    expect(await callOn('uring', name, {})).toBe(theirs);
    expect(theirs).toMatch(/ERR_INTERNAL_ASSERTION|ERR_INVALID_ARG_TYPE/);
  });
});

describe('readFile(path, { signal }) (test-fs-promises-readfile.js)', () => {
  // The path form ignored its signal: the ring's one-submission read ran to
  // the end whatever the signal said, and a signal of the wrong type passed.
  let file: string;
  beforeAll(() => {
    file = path.join(dir, 'readfile-signal');
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024 + 19, 7));
  });

  it.each(SIDES)('%s: an already aborted signal rejects with AbortError', async (side) => {
    expect(await outcome(api(side).readFile(file, { signal: AbortSignal.abort() }))).toBe('rejected AbortError ABORT_ERR');
  });

  it.each(SIDES)('%s: a signal aborted on the next tick rejects with AbortError', async (side) => {
    const controller = new AbortController();
    process.nextTick(() => controller.abort());
    expect(await outcome(api(side).readFile(file, { signal: controller.signal }))).toBe('rejected AbortError ABORT_ERR');
  });

  it.each(SIDES)('%s: a signal never aborted reads the file', async (side) => {
    expect(await outcome(api(side).readFile(file, { signal: new AbortController().signal }))).toBe('resolved 1048595');
  });

  it('a signal that is not an AbortSignal: the same TypeError as node', async () => {
    const theirs = await nfsp.readFile(file, { signal: 'hello' as never }).catch((e: Error) => e);
    const mine = await ufsp.readFile(file, { signal: 'hello' as never }).catch((e: Error) => e);
    expect(mine).toBeInstanceOf(TypeError);
    expect([(mine as NodeJS.ErrnoException).code, (mine as Error).message]).toEqual([(theirs as NodeJS.ErrnoException).code, (theirs as Error).message]);
  });

  it.each(SIDES)('%s: errors keep their shape with a signal (EISDIR reading a directory)', async (side) => {
    const r = await api(side).readFile(dir, { signal: new AbortController().signal }).catch((e: NodeJS.ErrnoException) => e);
    const e = r as NodeJS.ErrnoException;
    const n = (await nfsp.readFile(dir).catch((x: NodeJS.ErrnoException) => x)) as NodeJS.ErrnoException;
    expect([e.code, e.syscall, e.message]).toEqual([n.code, n.syscall, n.message]);
  });
});

describe('an abort after the last step of a readFile/writeFile', () => {
  // node checks the signal before each step, never after the last: a read or
  // write that finished resolves even if the signal aborts while it ran.
  it.each(SIDES)('%s: filehandle.writeFile resolves when the signal aborts during its only write', async (side) => {
    const file = path.join(dir, `write-abort-after-${side}`);
    const fh = await api(side).open(file, 'w');
    try {
      const controller = new AbortController();
      const p = fh.writeFile('0123456789', { signal: controller.signal });
      setImmediate(() => controller.abort());
      expect(await outcome(p)).toBe('resolved undefined');
      await new Promise((resolve) => setImmediate(resolve));
      expect(fs.readFileSync(file, 'utf8')).toBe('0123456789');
    } finally {
      await fh.close();
    }
  });

  it.each(SIDES)('%s: readFile(path, { encoding: bogus, signal }) refuses the encoding before opening', async (side) => {
    const r = await api(side).readFile(path.join(dir, 'does-not-exist'), { encoding: 'bogus' as never, signal: new AbortController().signal }).catch((e: NodeJS.ErrnoException) => e);
    expect((r as NodeJS.ErrnoException).code).toBe('ERR_INVALID_ARG_VALUE');
  });
});
