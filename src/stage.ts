// The staging area: where JavaScript describes each op for the addon, one
// fixed-size record per op, so that every op queued in one turn reaches the
// native ring in one call (native/ops/common.h has the same layout):
//   int32   [tag, gen, op | status, int64Mask, I0, I1, I2, I3]
//   float64 [F0, F1, F2, F3]
//   objects [O0, O1]
// An op's `stage(s)` fills I/F/O through the setters below; the engine writes
// the header. Records reach the kernel in the order they were written.

export const STAGE_INTS = 8;
export const STAGE_FLOATS = 4;
export const STAGE_OBJECTS = 2;
const FIRST_INT = 4;
/** A bit of the int64Mask field: the record's op has a linked timeout (native kHasTimeout). */
const HAS_TIMEOUT = 1 << 8;

const MAX_EXACT = 2 ** 53;

/** Native helpers an op may need while it describes itself (src/binding.ts). */
export interface FdPositions {
  fdPosition(fd: number): number;
}

/** The registered buffers as the stager sees them (src/buffers.ts BufferPool). */
export interface FixedBuffers {
  readonly bytes: ArrayBufferLike;
  readonly size: number;
  readonly count: number;
}

export class Stager {
  /** The ring's registered buffers while ops may name them, set by the engine per op; or null. */
  pool: FixedBuffers | null = null;
  /** The registered buffer the op just staged names (fixedIndex), or -1. */
  fixed = -1;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Two per record, at fixed places (the array keeps its length: no resize per flush). */
  readonly objects: unknown[];
  readonly #i64: BigInt64Array;
  /** Record being written. */
  #k = 0;
  /**
   * Inside a linked chain: where each fd's file position will be when the next
   * current-position op on it runs (every earlier member must have moved all of
   * its bytes, or the chain stops). Null outside chains.
   */
  chainPositions: Map<number, number> | null = null;

  constructor(
    capacity: number,
    private readonly positions: FdPositions | null,
  ) {
    this.i32 = new Int32Array(STAGE_INTS * capacity);
    this.f64 = new Float64Array(STAGE_FLOATS * capacity);
    this.objects = new Array<unknown>(STAGE_OBJECTS * capacity).fill(undefined);
    this.#i64 = new BigInt64Array(this.f64.buffer);
  }

  /**
   * Starts record k: the header. Fields the op does not set keep stale values:
   * each native prep reads only the fields its op defines.
   */
  begin(k: number, tag: number, gen: number, op: number): void {
    this.#k = k;
    const b = STAGE_INTS * k;
    this.i32[b] = tag;
    this.i32[b + 1] = gen;
    this.i32[b + 2] = op;
    this.i32[b + 3] = 0;
  }

  /** The slot in record k's tag. */
  slot(k: number): number {
    return this.i32[STAGE_INTS * k] & 0xffff;
  }

  /** Outcome of record k after the native call: 0 queued, or -errno. */
  status(k: number): number {
    return this.i32[STAGE_INTS * k + 2];
  }

  int(i: number, v: number): void {
    this.i32[STAGE_INTS * this.#k + FIRST_INT + i] = v;
  }

  float(i: number, v: number): void {
    this.f64[STAGE_FLOATS * this.#k + i] = v;
  }

  /** A file offset: a number, a bigint (exact past 2^53), or -1 for the current position. */
  offset(i: number, v: number | bigint): void {
    if (typeof v === 'number') {
      this.f64[STAGE_FLOATS * this.#k + i] = v;
    } else if (v < MAX_EXACT && v >= -1) {
      this.f64[STAGE_FLOATS * this.#k + i] = Number(v);
    } else {
      this.#i64[STAGE_FLOATS * this.#k + i] = v;
      this.i32[STAGE_INTS * this.#k + 3] |= 1 << i;
    }
  }

  /** A linked timeout of `ms` (0..2^32-1) milliseconds for this record's op (in I3, which no op uses). */
  timeout(ms: number): void {
    const b = STAGE_INTS * this.#k;
    this.i32[b + 3] |= HAS_TIMEOUT;
    this.i32[b + FIRST_INT + 3] = ms | 0;
  }

  /**
   * I1 of a read or write: the index of the registered buffer that the window
   * [offset, offset + length) of `view` lies wholly inside, or -1 (the addon
   * checks it again against what it registered).
   */
  fixedIndex(view: ArrayBufferView, offset: number, length: number): void {
    const p = this.pool;
    let idx = -1;
    if (p !== null && view.buffer === p.bytes) {
      const start = view.byteOffset + offset;
      const i = Math.floor(start / p.size);
      if (i < p.count && start + length <= (i + 1) * p.size) idx = i;
    }
    this.fixed = idx;
    this.i32[STAGE_INTS * this.#k + FIRST_INT + 1] = idx;
  }

  obj(i: number, v: unknown): void {
    this.objects[STAGE_OBJECTS * this.#k + i] = v;
  }

  /**
   * Where the file position of `fd` is now (or will be, inside a chain, when
   * this member runs), or a negative errno (-ESPIPE: a pipe, socket or tty).
   * `advance` is how far this op moves it if it moves all of its bytes.
   */
  positionOf(fd: number, advance: number): number {
    const chain = this.chainPositions;
    let pos = chain?.get(fd);
    if (pos === undefined) pos = this.positions ? this.positions.fdPosition(fd) : -95;
    if (chain && pos >= 0) chain.set(fd, pos + advance);
    return pos;
  }

  /** A current-position op inside a chain that does not need its start moves the position too. */
  advanceChain(fd: number, by: number): void {
    const chain = this.chainPositions;
    if (chain === null) return;
    const pos = chain.has(fd) ? (chain.get(fd) as number) : this.positions ? this.positions.fdPosition(fd) : -95;
    if (pos >= 0) chain.set(fd, pos + by);
  }

  /** Drops the references of the first n records (the ops themselves keep what the kernel needs). */
  clear(n: number): void {
    const o = this.objects;
    for (let i = 0; i < STAGE_OBJECTS * n; i++) o[i] = undefined;
  }
}
