// Public exports only.
export { Ring, getRing } from './ring';
export type { CompletionHandler, CompletionQueue } from './queue';
export type { Backend, PathLike, Position, RingFeatures, RingOptions } from './ring';
export type { SqpollOptions } from './polling';
export type { BufferPool, BufferPoolHandle } from './buffers';
export type { DioAlignment } from './dio';
export type { BatchOp, BatchOptions, BatchResult, BatchResults, BatchValue, BatchValueOf } from './batch';
export type { UringFsError } from './error-type';
export type { StatOptions } from './ops/stat';
export type { IoOptions } from './abort';
export type { MkdirOptions } from './ops/mkdir';
export { readFile, allocAligned } from './helpers';
export type { ReadFileOptions } from './helpers';
