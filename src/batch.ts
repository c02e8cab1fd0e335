// ring.batch(): many ops queued in one go, so they reach the kernel in one
// io_uring_enter; results in the order given, in Promise.allSettled's shape.
// With { link: true } the ops form one IOSQE_IO_LINK chain.

import { Io, type IoOptions, abortError, ioFrom, learnTimeoutReason } from './abort';
import type { Engine } from './engine';
import { argumentNameOf, destroyedError, invalidArgValue, reanchor, recaptureAll, renameArgument } from './errors';
import type { Entry } from './ops/define';
import type { Op } from './ops/op';
import { OPS } from './ops/registry';
import type { BatchMakers } from './ops/registry';
import { validateArray, validateBoolean, validateObject } from './validate';

/** One batch entry: `{ op: 'read', fd, buffer, position }` and so on, one kind per op module's batch maker. */
export type BatchOp = { [K in keyof BatchMakers]: { op: K } & Parameters<BatchMakers[K]>[0] }[keyof BatchMakers];

export interface BatchOptions extends IoOptions {
  /** Run the ops as one chain: each starts after the previous succeeded; after a failure the rest settle with ECANCELED. */
  link?: boolean;
}

/** What an entry of kind `K` resolves with (a number for read and write, Stats for stat, …). */
export type BatchValueOf<K extends keyof BatchMakers> = ReturnType<BatchMakers[K]> extends Op<infer V> ? V : never;
/** What any entry may resolve with. */
export type BatchValue = BatchValueOf<keyof BatchMakers>;
export type BatchResult = PromiseSettledResult<BatchValue>;
/** A batch's results, typed entry by entry: `[PromiseSettledResult<number>, PromiseSettledResult<Stats>, …]`. */
export type BatchResults<T extends readonly BatchOp[]> = {
  -readonly [I in keyof T]: T[I] extends { op: infer K extends keyof BatchMakers } ? PromiseSettledResult<BatchValueOf<K>> : BatchResult;
};

const ECANCELED = -125;

const makerOf = new Map<string, (e: Entry) => Op<BatchValue>>();
for (const def of OPS) {
  for (const [name, make] of Object.entries(def.batch)) makerOf.set(name, make as (e: Entry) => Op<BatchValue>);
}
const kinds = [...makerOf.keys()];

/**
 * A validation error raised for entry `index` names it: `The "ops[3].fd" property …`,
 * and carries `index`. Any other error (a getter of the entry threw it) passes through
 * as it is.
 */
function atIndex(err: unknown, index: number): unknown {
  const name = argumentNameOf(err);
  if (name === undefined) return err;
  const prefix = `ops[${index}]`;
  if (!name.startsWith(prefix)) renameArgument(err as Error, name, `${prefix}.${name}`);
  (err as Error & { index?: number }).index = index;
  reanchor(err as Error, runBatch);
  return err;
}

function makeOps(list: unknown): Op<BatchValue>[] {
  validateArray(list, 'ops');
  const ops: Op<BatchValue>[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const entry: unknown = list[i];
    try {
      // The entry's name is only built when it is needed for an error.
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) validateObject(entry, `ops[${i}]`);
      const kind = (entry as Entry).op;
      const make = typeof kind === 'string' ? makerOf.get(kind) : undefined;
      if (!make) throw invalidArgValue(`ops[${i}].op`, kind, `must be one of: ${kinds.join(', ')}`, makeOps);
      ops[i] = make(entry as Entry);
    } catch (err) {
      throw atIndex(err, i);
    }
  }
  return ops;
}

function settled(ops: Op<BatchValue>[]): Promise<BatchValue>[] {
  return ops.map(
    (op) =>
      new Promise<BatchValue>((resolve, reject) => {
        op.resolve = resolve;
        op.reject = reject;
      }),
  );
}

export async function runBatch(engine: Engine, list: unknown, options?: unknown): Promise<BatchResult[]> {
  let link = false;
  let io: Io | null = null;
  if (options !== undefined) {
    validateObject(options, 'options');
    link = (options as BatchOptions).link ?? false;
    validateBoolean(link, 'options.link');
    io = ioFrom(options);
  }
  const ops = makeOps(list);
  if (engine.destroyed) throw destroyedError('batch');
  if (io !== null) {
    // Aborted already: nothing is started.
    if (io.signal !== null && io.signal.aborted) throw abortError(io.signal);
    if (io.timeoutMs >= 0) learnTimeoutReason();
    // Each op its own Io (its own timeout, counted from its own submission);
    // one listener for the batch, removed when the batch is done.
    for (const op of ops) op.io = new Io(io.signal, io.timeoutMs);
    engine.listen(io, ops);
  }
  try {
    if (!link) return await runUnlinked(engine, ops);
    const promises = settled(ops);
    await runChain(engine, ops, promises, io);
    return await chainResults(promises);
  } finally {
    io?.detach?.();
  }
}

async function chainResults(promises: Promise<BatchValue>[]): Promise<BatchResult[]> {
  const results = await Promise.allSettled(promises);
  // Here, in the caller's async chain: the failures' stacks reach the caller.
  recaptureAll(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason), runBatch);
  return results;
}

/**
 * Collects an unlinked batch's results without a promise per op: each op
 * settles into its place in one array, and the batch's one promise resolves
 * when the last has. resolve/reject are two shared functions (`this` is the
 * op), so nothing is allocated per op beyond the op and its result object.
 */
class Sink {
  readonly results: BatchResult[];
  left: number;
  failed = 0;
  done!: (results: BatchResult[] | Promise<BatchResult[]>) => void;

  constructor(n: number) {
    this.results = new Array<BatchResult>(n);
    this.left = n;
  }

  put(index: number, result: BatchResult): void {
    this.results[index] = result;
    if (--this.left === 0) this.done(this.failed === 0 ? this.results : withCallerStacks(this.results));
  }
}

/**
 * The results, two microtask turns on: by then the batch's promise has taken this one
 * up, and the failures' stacks, taken again here, list the async functions awaiting it
 * (as errors.ts rejectionFor does for one op). Only batches with a failure pay for it.
 */
function withCallerStacks(results: BatchResult[]): Promise<BatchResult[]> {
  return Promise.resolve(results)
    .then(passResults)
    .then(function recaptureResults(r: BatchResult[]): BatchResult[] {
      recaptureAll(r.filter((x) => x.status === 'rejected').map((x) => (x as PromiseRejectedResult).reason), recaptureResults);
      return r;
    });
}

function passResults(r: BatchResult[]): BatchResult[] {
  return r;
}

type SinkOp = Op<BatchValue> & { sink: Sink; index: number };

function sinkResolve(this: SinkOp, value: BatchValue): void {
  this.sink.put(this.index, { status: 'fulfilled', value });
}

function sinkReject(this: SinkOp, reason: unknown): void {
  this.sink.failed++;
  this.sink.put(this.index, { status: 'rejected', reason });
}

function runUnlinked(engine: Engine, ops: Op<BatchValue>[]): Promise<BatchResult[]> {
  if (ops.length === 0) return Promise.resolve([]);
  const sink = new Sink(ops.length);
  const all = new Promise<BatchResult[]>((resolve) => {
    sink.done = resolve;
  });
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as SinkOp;
    op.sink = sink;
    op.index = i;
    op.resolve = sinkResolve;
    op.reject = sinkReject;
  }
  for (const op of ops) {
    // node:fs resolves zero-length reads without a syscall; so do we.
    if (isEmptyRead(op)) op.resolve(0);
    else engine.start(op);
  }
  return all;
}

/**
 * Whether the kernel may refuse `op` when its SQE is submitted rather than
 * when it runs: io_uring copies a path in at submission (an empty one fails
 * ENOENT, one of PATH_MAX bytes or more ENAMETOOLONG) and openat checks its
 * flags there. A member refused at submission makes the kernel fail the
 * members linked before it with ECANCELED although they never ran (seen on
 * Linux 6.18: [write, stat('')] gave ECANCELED, ENOENT), so such an op begins a
 * kernel group of its own, after the members before it have succeeded.
 */
function refusedAtSubmission(op: Op<BatchValue>): boolean {
  if (op.native === 'openat') return true;
  if (op.fd >= 0) return false; // fstat's empty path goes with AT_EMPTY_PATH
  const { cpath, cdest, clink } = op as unknown as { cpath?: unknown; cdest?: unknown; clink?: unknown };
  for (const p of [cpath, cdest, clink]) {
    if (p instanceof Uint8Array && (p.length <= 1 || p.length > 4096)) return true;
  }
  return false;
}

function isEmptyRead(op: Op<BatchValue>): boolean {
  return op.native === 'read' && (op as unknown as { view: ArrayBufferView }).view.byteLength === 0;
}

/**
 * Runs `ops` as one chain. On the ring: groups of up to `groupLimit` linked
 * SQEs (a link cannot span submissions), each group started after the last
 * succeeded. Ops that must run on node:fs (fs backend, missing opcode) are
 * chained in JavaScript with the same rule.
 */
type GroupOutcome = PromiseSettledResult<BatchValue> | { status: 'again' } | { status: 'cancelled' };

/**
 * Starts `group` as one kernel chain and waits for every member. A member the
 * kernel cancelled only because one before it was cut short (or interrupted)
 * and continued on its own is not settled by the engine (op.onAgain): its
 * outcome is 'again', for runChain to run it once that member is done.
 */
async function runGroup(engine: Engine, group: Op<BatchValue>[], promises: Promise<BatchValue>[]): Promise<GroupOutcome[]> {
  const outcomes: GroupOutcome[] = new Array(group.length);
  const waits = group.map(
    (op, k) =>
      new Promise<void>((done) => {
        op.onAgain = () => {
          outcomes[k] = { status: 'cancelled' };
          done();
        };
        promises[k].then(
          (value) => {
            outcomes[k] = { status: 'fulfilled', value };
            done();
          },
          (reason: unknown) => {
            outcomes[k] = { status: 'rejected', reason };
            done();
          },
        );
      }),
  );
  engine.startLinked(group);
  await Promise.all(waits);
  // The kernel cancelled the members after one that broke the chain: run them
  // again if that one was continued to success; any other cancelled member
  // settles with ECANCELED, as the engine would have settled it.
  let broke = false;
  let brokeOk = false;
  for (let k = 0; k < group.length; k++) {
    const op = group[k];
    const o = outcomes[k];
    if (o.status === 'cancelled') {
      if (broke && brokeOk) outcomes[k] = { status: 'again' };
      else {
        const reason = op.error(ECANCELED);
        outcomes[k] = { status: 'rejected', reason };
        op.reject(reason);
      }
    } else if (!broke && op.brokeChain) {
      broke = true;
      brokeOk = o.status === 'fulfilled';
    }
  }
  for (const op of group) {
    op.onAgain = null;
    op.brokeChain = false;
  }
  return outcomes;
}

async function runChain(engine: Engine, ops: Op<BatchValue>[], promises: Promise<BatchValue>[], io: Io | null): Promise<void> {
  // A timed member takes two SQEs (itself and its linked timeout), and a kernel
  // group must fit in the SQ.
  const limit = io !== null && io.timeoutMs >= 0 ? Math.max(1, engine.groupLimit >> 1) : engine.groupLimit;
  let i = 0;
  while (i < ops.length) {
    if (engine.destroyed || ops[i].io?.aborted) break;
    if (isEmptyRead(ops[i])) {
      // As fs.read: 0, without a syscall (the kernel would check the fd first).
      ops[i++].resolve(0);
      continue;
    }
    let end = i;
    if (engine.onRing(ops[i])) {
      // A kernel group ends at the SQ limit, before an op that runs on node:fs,
      // after an op whose failure the kernel does not propagate down the link,
      // and after a write too big for one SQE (JavaScript checks the result, or
      // waits for the continuation, before the chain goes on); and before an
      // empty read or an op the kernel may refuse at submission.
      while (end < ops.length && end - i < limit && engine.onRing(ops[end])) {
        const op = ops[end];
        if (end > i && (isEmptyRead(op) || refusedAtSubmission(op))) break;
        end++;
        if (!op.breaksLink || op.needsContinuation) break;
      }
      const group = ops.slice(i, end);
      const outcomes = await runGroup(engine, group, promises.slice(i, end));
      const again = outcomes.findIndex((o) => o.status === 'again');
      const first = i;
      if (again >= 0) {
        // A member was cut short (or interrupted) and continued on its own: the
        // kernel had cancelled the members after it, which never ran. If it then
        // succeeded they run now, as a chain of their own; if not, they are
        // cancelled as after any failure.
        const settledBefore = outcomes.slice(0, again) as PromiseSettledResult<BatchValue>[];
        if (!settledBefore.some((r, k) => r.status === 'rejected' || group[k].isShort(r.value))) {
          i = first + again;
          continue;
        }
        for (let k = again; k < group.length; k++) if (outcomes[k].status === 'again') group[k].reject(group[k].error(ECANCELED));
        i = end;
        break;
      }
      i = end;
      if (outcomes.some((r, k) => r.status === 'rejected' || group[k].isShort((r as PromiseFulfilledResult<BatchValue>).value))) break;
      continue;
    } else {
      end = i + 1;
      engine.start(ops[i]);
    }
    const results = await Promise.allSettled(promises.slice(i, end));
    const first = i;
    i = end;
    // A failure, or a short read (which the kernel treats as one inside a chain).
    if (results.some((r, k) => r.status === 'rejected' || ops[first + k].isShort(r.value))) break;
  }
  for (; i < ops.length; i++) {
    const op = ops[i];
    if (engine.destroyed) op.reject(destroyedError(op.syscall));
    else if (op.io?.aborted) op.reject(abortError(io?.signal ?? null));
    else op.reject(op.error(ECANCELED));
  }
}
