// Every kind of ArrayBufferView the running V8 has, over every kind of buffer:
// the kernel touches exactly the view's byteLength bytes from its start, for
// reads and writes, single, vectored and batched. Canary bytes on both sides of
// each view show any byte the kernel wrote outside it; the file shows any byte
// it sent from outside it. (A Float16Array once let the kernel write 32 bytes
// into an 8-byte view: its element size was not in the addon's table.)

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';

import { mkfifo, patternBuffer, withTimeout } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';

const fx = opFixture('views');
const { ring } = fx;

type ViewCtor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => ArrayBufferView;

const g = globalThis as unknown as Record<string, ViewCtor | undefined>;
const KINDS: [string, ViewCtor, number][] = (
  [
    ['Int8Array', 1],
    ['Uint8Array', 1],
    ['Uint8ClampedArray', 1],
    ['Int16Array', 2],
    ['Uint16Array', 2],
    ['Float16Array', 2],
    ['Int32Array', 4],
    ['Uint32Array', 4],
    ['Float32Array', 4],
    ['Float64Array', 8],
    ['BigInt64Array', 8],
    ['BigUint64Array', 8],
    ['Buffer', 1],
  ] as [string, number][]
)
  .filter(([name]) => name === 'Buffer' || typeof g[name] === 'function')
  .map(([name, size]) => [name, name === 'Buffer' ? (Buffer as unknown as ViewCtor) : (g[name] as ViewCtor), size]);

function tryMake<T>(make: () => T): T | null {
  try {
    return make();
  } catch {
    return null;
  }
}

// Backing stores: plain, shared, resizable (fixed-length and length-tracking
// views) and growable shared, as far as this V8 has them.
const CANARY = 0xee;
const TOTAL = 64;
const OFFSET = 16;
const BYTES = 16;
interface Backing {
  name: string;
  make(): ArrayBufferLike;
  /** Whether views over it are made without a length (length-tracking: its current byteLength - OFFSET). */
  tracking: boolean;
}
const BACKINGS: Backing[] = [
  { name: 'ArrayBuffer', make: () => new ArrayBuffer(TOTAL), tracking: false },
  { name: 'SharedArrayBuffer', make: () => new SharedArrayBuffer(TOTAL), tracking: false },
];
const AB = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
const SAB = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;
if (tryMake(() => new AB(8, { maxByteLength: 16 }))) {
  BACKINGS.push({ name: 'resizable ArrayBuffer', make: () => new AB(TOTAL, { maxByteLength: 4 * TOTAL }), tracking: false });
  // Length-tracking: the view runs to the buffer's end, so the canary is past the buffer itself.
  BACKINGS.push({ name: 'resizable ArrayBuffer, length-tracking view', make: () => new AB(OFFSET + BYTES, { maxByteLength: 4 * TOTAL }), tracking: true });
}
if (tryMake(() => new SAB(8, { maxByteLength: 16 }))) {
  BACKINGS.push({ name: 'growable SharedArrayBuffer', make: () => new SAB(TOTAL, { maxByteLength: 4 * TOTAL }), tracking: false });
}

function viewOf(kind: [string, ViewCtor, number], buffer: ArrayBufferLike, tracking: boolean): ArrayBufferView {
  const [name, Ctor, size] = kind;
  if (name === 'Buffer') return tracking ? Buffer.from(buffer as ArrayBuffer, OFFSET) : Buffer.from(buffer as ArrayBuffer, OFFSET, BYTES);
  return tracking ? new Ctor(buffer, OFFSET) : new Ctor(buffer, OFFSET, BYTES / size);
}

const ALL_KINDS: [string, (buffer: ArrayBufferLike, tracking: boolean) => ArrayBufferView][] = [
  ...KINDS.map((k): [string, (b: ArrayBufferLike, t: boolean) => ArrayBufferView] => [k[0], (b, t) => viewOf(k, b, t)]),
  ['DataView', (b, t) => (t ? new DataView(b, OFFSET) : new DataView(b, OFFSET, BYTES))],
];

/** The whole backing store's bytes (what must be canary outside the view). */
function bytesOf(buffer: ArrayBufferLike): Uint8Array {
  return new Uint8Array(buffer);
}

const source = fx.path('source');
const SOURCE = patternBuffer(4096);
fs.writeFileSync(source, SOURCE);
const AT = 1000; // read from here in the source file

function expectOnlyView(buffer: ArrayBufferLike, what: string): void {
  const all = bytesOf(buffer);
  const want = new Uint8Array(all.length).fill(CANARY);
  want.set(SOURCE.subarray(AT, AT + BYTES), OFFSET);
  expect(Buffer.from(all).toString('hex'), what).toBe(Buffer.from(want).toString('hex'));
}

function filledForWrite(buffer: ArrayBufferLike): Buffer {
  const all = bytesOf(buffer);
  all.fill(CANARY);
  for (let i = 0; i < BYTES; i++) all[OFFSET + i] = 0x10 + i;
  return Buffer.from(all.subarray(OFFSET, OFFSET + BYTES));
}

describe('every view kind over every buffer kind', () => {
  const fd = fx.openSync(source);
  for (const backing of BACKINGS) {
    for (const [kind, make] of ALL_KINDS) {
      const label = `${kind} over ${backing.name}`;
      it(`${label}: read, readv and a batch read fill exactly the view`, async () => {
        for (const how of ['read', 'readv', 'batch'] as const) {
          const buffer = backing.make();
          bytesOf(buffer).fill(CANARY);
          const view = make(buffer, backing.tracking);
          expect(view.byteLength).toBe(BYTES);
          let n: unknown;
          if (how === 'read') n = await ring.read(fd, view, AT);
          else if (how === 'readv') n = await ring.readv(fd, [view], AT);
          else n = (await ring.batch([{ op: 'read', fd, buffer: view, position: AT }]))[0];
          expect(how === 'batch' ? n : { status: 'fulfilled', value: n }, `${label} ${how}`).toEqual({ status: 'fulfilled', value: BYTES });
          expectOnlyView(buffer, `${label} ${how}`);
          // node:fs reads the same bytes into the same kind of view.
          const ref = backing.make();
          bytesOf(ref).fill(CANARY);
          expect(fs.readSync(fd, make(ref, backing.tracking), 0, BYTES, AT)).toBe(BYTES);
          expect(Buffer.from(bytesOf(buffer)).equals(Buffer.from(bytesOf(ref))), `${label} ${how} vs node:fs`).toBe(true);
        }
      });

      it(`${label}: write, writev and a batch write send exactly the view`, async () => {
        for (const how of ['write', 'writev', 'batch'] as const) {
          const buffer = backing.make();
          const want = filledForWrite(buffer);
          const view = make(buffer, backing.tracking);
          const out = fx.path();
          const wfd = fx.openSync(out, 'w');
          let n: unknown;
          if (how === 'write') n = await ring.write(wfd, view, 0);
          else if (how === 'writev') n = await ring.writev(wfd, [view], 0);
          else n = (await ring.batch([{ op: 'write', fd: wfd, buffer: view, position: 0 }]))[0];
          expect(how === 'batch' ? n : { status: 'fulfilled', value: n }, `${label} ${how}`).toEqual({ status: 'fulfilled', value: BYTES });
          expect(fs.readFileSync(out).toString('hex'), `${label} ${how}`).toBe(want.toString('hex'));
        }
      });
    }
  }

  it('readv and writev of views of mixed kinds', async () => {
    const buffers = ALL_KINDS.map(() => new ArrayBuffer(TOTAL));
    buffers.forEach((b) => bytesOf(b).fill(CANARY));
    const views = ALL_KINDS.map(([, make], i) => make(buffers[i], false));
    expect(await ring.readv(fd, views, AT)).toBe(BYTES * views.length);
    views.forEach((v, i) => {
      const all = bytesOf(buffers[i]);
      expect(Buffer.from(all.subarray(0, OFFSET)).every((b) => b === CANARY), ALL_KINDS[i][0]).toBe(true);
      expect(Buffer.from(all.subarray(OFFSET + BYTES)).every((b) => b === CANARY), ALL_KINDS[i][0]).toBe(true);
      expect(Buffer.from(all.subarray(OFFSET, OFFSET + BYTES)).equals(SOURCE.subarray(AT + i * BYTES, AT + (i + 1) * BYTES))).toBe(true);
    });
    const out = fx.path();
    const wfd = fx.openSync(out, 'w');
    expect(await ring.writev(wfd, views, 0)).toBe(BYTES * views.length);
    expect(fs.readFileSync(out).equals(SOURCE.subarray(AT, AT + BYTES * views.length))).toBe(true);
  });
});

describe('views that change or lie', () => {
  const fd = fx.openSync(source);

  it('a view whose byteLength getter lies is refused (EFAULT) and nothing past it is touched', async () => {
    class Lying extends Uint8Array {
      override get byteLength(): number {
        return 4096;
      }
    }
    const buffer = new ArrayBuffer(TOTAL);
    bytesOf(buffer).fill(CANARY);
    const view = new Lying(buffer, OFFSET, BYTES);
    if (ring.backend === 'io_uring') {
      await expect(ring.read(fd, view, 0)).rejects.toMatchObject({ code: 'EFAULT', syscall: 'read' });
      expect(bytesOf(buffer).every((b) => b === CANARY)).toBe(true);
      const out = fx.path();
      const wfd = fx.openSync(out, 'w');
      await expect(ring.write(wfd, view, 0)).rejects.toMatchObject({ code: 'EFAULT', syscall: 'write' });
      expect(fs.readFileSync(out).length).toBe(0);
    }
  });

  it('a resizable buffer shrunk while a read into it waits: the read settles once, nothing crashes', async () => {
    const ab = tryMake(() => new AB(65536, { maxByteLength: 65536 }));
    if (!ab) return;
    const view = new Uint8Array(ab);
    const fifo = fx.path();
    mkfifo(fifo);
    const rfd = fx.openSync(fifo, fs.constants.O_RDWR);
    const wfd = fx.openSync(fifo, 'w');
    let settled = 0;
    const pending = ring.read(rfd, view, -1).then(
      (n) => {
        settled++;
        return n;
      },
      (err: NodeJS.ErrnoException) => {
        settled++;
        return err.code;
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    (ab as unknown as { resize(n: number): void }).resize(16);
    fs.writeSync(wfd, Buffer.alloc(65536, 7));
    const result = await withTimeout(pending, 5000, 'read into a shrunk buffer');
    // The kernel either filled what it was given (the memory stays reserved to
    // the buffer) or found the shrunk part inaccessible (EFAULT).
    expect(typeof result === 'number' ? result > 0 : result === 'EFAULT', String(result)).toBe(true);
    expect(settled).toBe(1);
    expect(ab.byteLength).toBe(16);
  });
});
