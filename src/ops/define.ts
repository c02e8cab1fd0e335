// The registry's machinery. Each op module (src/ops/<op>.ts) declares, next to
// its Op class, everything the TypeScript side needs of it: the Ring methods it
// adds, its batch entries, its validation (in the functions those call) and its
// node:fs fallback (the class's viaFs). src/ops/index.ts lists the modules;
// Ring, batch() and features.fsFallbackOps are built from that list.

import type { Engine } from '../engine';
import type { Ring } from '../ring';
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
 * Runs the op `make` builds on the ring. Validation errors (thrown by `make`)
 * become a rejected promise, never a throw, as node:fs/promises does.
 */
export function run<T>(ring: Ring, make: () => Op<T>): Promise<T> {
  let engine: Engine;
  let op: Op<T>;
  try {
    engine = engineOf(ring);
    op = make();
  } catch (err) {
    return Promise.reject(err);
  }
  return engine.run(op);
}
