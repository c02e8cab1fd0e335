// Public exports only.
export { Ring, getRing } from './ring';
export type { Backend, PathLike, Position, RingFeatures, RingOptions } from './ring';
export type { BatchOp, BatchOptions, BatchResult, BatchValue } from './batch';
export type { StatOptions } from './ops/stat';
export { readFile, allocAligned } from './helpers';
export type { ReadFileOptions } from './helpers';
