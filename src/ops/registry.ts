// What the registry (src/ops/index.ts) adds up to, for Ring and batch().
import * as defs from './index';

type Defs = (typeof defs)[keyof typeof defs];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every op module's definition. */
export const OPS: readonly Defs[] = Object.values(defs);
/** Every op module's Ring methods. */
export type RingMethods = UnionToIntersection<Defs['methods']>;
/** Every op module's batch entries: `op` name → the Op maker. */
export type BatchMakers = UnionToIntersection<Defs['batch']>;
