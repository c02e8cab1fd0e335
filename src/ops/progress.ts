// Continuing short writes: where the next piece starts.

/** The position `n` bytes on; -1 (the file's current position) stays -1. */
export function advance(position: number | bigint, n: number): number | bigint {
  if (position === -1) return -1;
  return typeof position === 'bigint' ? position + BigInt(n) : position + n;
}

/** An error after partial progress says how much was written before it. */
export function withBytesWritten(err: Error, done: number): Error {
  if (done > 0) (err as Error & { bytesWritten?: number }).bytesWritten = done;
  return err;
}

/** The views left after skipping the first `skip` bytes of `views`. */
export function remainingViews(views: readonly ArrayBufferView[], skip: number): ArrayBufferView[] {
  const out: ArrayBufferView[] = [];
  for (const v of views) {
    if (skip >= v.byteLength) {
      skip -= v.byteLength;
      continue;
    }
    out.push(skip === 0 ? v : new Uint8Array(v.buffer, v.byteOffset + skip, v.byteLength - skip));
    skip = 0;
  }
  return out;
}
