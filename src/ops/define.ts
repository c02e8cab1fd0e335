// The registry's machinery. Each op module (src/ops/<op>.ts) declares, next to
// its Op class, everything the TypeScript side needs of it: the Ring methods it
// adds, its batch entries, its validation (in the functions those call) and its
// node:fs fallback (the class's viaFs). src/ops/index.ts lists the modules;
// Ring, batch() and features.fsFallbackOps are built from that list.

import { type Io, ioFrom } from '../abort';
import type { Engine } from '../engine';
import type { Ring } from '../ring';
import { validateObject } from '../validate';
import type { Op } from './op';

/** Where a Ring keeps its engine (a symbol: the op modules reach it without importing ring.ts). */
export const kEngine: unique symbol = Symbol('uring-fs.engine');

/** A batch entry as given: its fields are validated by the op's own validation. */
export type Entry = Record<string, unknown>;

export interface OpDef<M, B> {
  /** The native op (native/ops/table.h) these methods run on. */
  readonly native: string;
  /** Ring methods, installed on Ring.prototype (so `this` is the ring). */
  readonly methods: M;
  /** Batch entries: `op` name → the Op for such an entry. */
  readonly batch: B;
}

type Method = (this: Ring, ...args: never[]) => Promise<unknown>;
type BatchMaker = (entry: never) => Op<unknown>;

export function defineOp<M extends Record<string, Method>, B extends Record<string, BatchMaker>>(def: OpDef<M, B>): OpDef<M, B> {
  return def;
}

export function engineOf(ring: Ring): Engine {
  const engine = (ring as unknown as { [kEngine]?: Engine })[kEngine];
  if (engine === undefined) throw new TypeError('Illegal invocation: not a Ring');
  return engine;
}

/**
 * The `{ signal, timeout }` options object an op method takes after its own
 * arguments (checked after them, as node:fs checks its options last).
 */
export function ioOptions(options: unknown): Io | null {
  if (options === undefined) return null;
  validateObject(options, 'options');
  return ioFrom(options);
}

/**
 * For methods whose own options object carries `{ signal, timeout }` too (stat,
 * fstat, mkdir): the object to read them from, once node's own rules took it.
 */
export function embeddedIo(options: unknown): IoHolder | undefined {
  return typeof options === 'object' && options !== null && !Array.isArray(options) ? { [kEmbedded]: options } : undefined;
}

const kEmbedded: unique symbol = Symbol('uring-fs.embedded-options');
type IoHolder = { [kEmbedded]: object };

/**
 * Runs the op `make` builds on the ring (with `options`: `{ signal, timeout }`). Validation errors (thrown by `make`)
 * become a rejected promise, never a throw, as node:fs/promises does.
 */
export function run<T>(ring: Ring, make: () => Op<T>, options?: unknown): Promise<T> {
  let engine: Engine;
  let op: Op<T>;
  try {
    engine = engineOf(ring);
    op = make();
    if (options !== undefined) {
      const embedded = typeof options === 'object' && options !== null ? (options as Partial<IoHolder>)[kEmbedded] : undefined;
      op.io = embedded !== undefined ? ioFrom(embedded) : ioOptions(options);
    }
  } catch (err) {
    return Promise.reject(err);
  }
  return engine.run(op);
}
