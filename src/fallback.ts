// Shared by the op modules' node:fs sides (each op's viaFs(): what the `fs`
// backend runs, and what a single op runs when the kernel lacks its opcode).
// Callbacks rather than fs/promises: no FileHandle objects, and the errors are
// node:fs's own.

export type Cb<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

/** A node:fs callback call as a promise. */
export function call<T>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/** A node:fs callback call that passes no value. */
export function callVoid(fn: (cb: (err: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

export type View = NodeJS.ArrayBufferView;

/**
 * A position as node:fs's write/readv/writev take it: null for the current
 * position, else a number (they read a bigint as "current position"; offsets
 * past 2^53 bytes stay theoretical).
 */
export function pos(position: number | bigint): number | null {
  return position === -1 ? null : Number(position);
}
