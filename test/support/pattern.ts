// Deterministic data (liburing's test pattern): every 4-byte little-endian word of a
// pattern file holds its own file offset, so any byte says where it came from.

import { expect } from 'vitest';
import * as fs from 'node:fs';

/** The bytes a pattern file holds at [fileOffset, fileOffset + length). */
export function pattern(length: number, fileOffset = 0): Buffer {
  const out = Buffer.from(new ArrayBuffer(length)); // its own memory, offset 0
  const lead = (4 - (fileOffset % 4)) % 4;
  for (let i = 0; i < Math.min(lead, length); i++) out[i] = byteAt(fileOffset + i);
  const words = Math.max(0, Math.floor((length - lead) / 4));
  const dv = new DataView(out.buffer, 0, length);
  for (let w = 0; w < words; w++) dv.setUint32(lead + 4 * w, fileOffset + lead + 4 * w, true);
  for (let i = lead + 4 * words; i < length; i++) out[i] = byteAt(fileOffset + i);
  return out;
}

/** The pattern byte at file offset `at`. */
export function byteAt(at: number): number {
  const word = at - (at % 4);
  return Math.floor(word / 2 ** (8 * (at % 4))) & 0xff;
}

/** Writes a pattern file of `length` bytes. */
export function writePatternFile(p: string, length: number): Buffer {
  const data = pattern(length);
  fs.writeFileSync(p, data);
  return data;
}

function describeByte(buf: Uint8Array, i: number): string {
  const b = buf[i];
  if (b === undefined) return 'nothing';
  const start = i - (i % 4);
  if (start + 4 <= buf.length) {
    const word = buf[start] | (buf[start + 1] << 8) | (buf[start + 2] << 16) | (buf[start + 3] * 2 ** 24);
    return `0x${b.toString(16).padStart(2, '0')} (its word reads ${word}, i.e. pattern offset ${word + (i % 4)})`;
  }
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * Asserts `actual` holds exactly `expected`; on a mismatch says where the first
 * wrong byte is and, read as pattern data, where it came from.
 */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.length === e.length && a.equals(e)) return;
  let i = 0;
  const n = Math.min(a.length, e.length);
  while (i < n && a[i] === e[i]) i++;
  expect.fail(
    `${what}: ${a.length} bytes vs ${e.length} expected; first difference at byte ${i}: ` +
      `got ${describeByte(a, i)}, want ${describeByte(e, i)}`,
  );
}

/** All of a view's underlying ArrayBuffer, as bytes. */
export function wholeBuffer(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, 0, view.buffer.byteLength);
}

/** The bytes of a view's window. */
export function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
