// Cancellation: `{ signal, timeout }` after an op's own arguments.
//
// An op given a signal that aborts before it reaches the kernel never gets
// there: it rejects at once. One in flight on the ring is cancelled by the
// kernel (IORING_OP_ASYNC_CANCEL); it rejects with the AbortError once the
// kernel has let go of it (its buffer is untouched from then on), or settles
// with its own result if the kernel had finished it. A timeout is the
// kernel's (IORING_OP_LINK_TIMEOUT): counted from when the op is submitted,
// it cancels the op and the op rejects with an AbortError whose cause is a
// TimeoutError, as with `AbortSignal.timeout`. On node:fs (the fallback
// backend, or an op the kernel lacks) a started op cannot be cancelled: it
// settles with its own result, as node:fs's own `signal` options behave.
//
// The errors are Node's own: the AbortError class node:events throws for an
// aborted signal, and the TimeoutError `AbortSignal.timeout` aborts with.

import { EventEmitter, on } from 'node:events';

import { argumentError } from './errors';

/** `{ signal, timeout }`: what every op and batch() take after their own arguments. */
export interface IoOptions {
  /** Cancels the op: it rejects with an `AbortError` (`code: 'ABORT_ERR'`, `cause: signal.reason`). */
  signal?: AbortSignal;
  /**
   * Milliseconds the op may run in the kernel, from its submission (io_uring's
   * IORING_OP_LINK_TIMEOUT); then it is cancelled and rejects with an `AbortError`
   * whose `cause` is a `TimeoutError` DOMException. An integer 0 to 2^32-1.
   */
  timeout?: number;
}

/** The parsed options of one op (or one batch): shared by the op and the engine. */
export class Io {
  /** Set once the kernel has been asked to cancel the op (or the op was taken out of the queue). */
  aborted = false;
  /** When a timed op's time is up (performance.now() ms), set when it is first submitted. */
  deadline = -1;
  /** Removes the abort listener (set while one is installed). */
  detach: (() => void) | null = null;

  constructor(
    readonly signal: AbortSignal | null,
    /** The timeout in ms, or -1. */
    readonly timeoutMs: number,
  ) {}

  /** The ms left for a (continued) submission of a timed op: at least 1 once it has begun. */
  msLeft(): number {
    const now = performance.now();
    if (this.deadline < 0) {
      this.deadline = now + this.timeoutMs;
      return this.timeoutMs;
    }
    return Math.max(1, Math.ceil(this.deadline - now));
  }
}

const emitter = new EventEmitter();

/** Node's check of an `options.signal` (validateAbortSignal), with its error. */
function validateSignal(value: unknown, name: string): asserts value is AbortSignal | undefined {
  if (value === undefined || (value !== null && typeof value === 'object' && 'aborted' in value)) return;
  throw argumentError(() => on(emitter, 'x', { signal: value as AbortSignal }), value, name, 'options.signal', validateSignal);
}

/** A timeout in ms: an integer 0..2^32-1, as `AbortSignal.timeout(delay)` checks it. */
function validateTimeout(value: unknown, name: string): asserts value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return;
  throw argumentError(() => AbortSignal.timeout(value as number), value, name, 'delay', validateTimeout);
}

/**
 * Reads `{ signal, timeout }` from an options object that has been checked to be
 * one (or is undefined); null when neither is given.
 */
export function ioFrom(options: object | undefined, prefix = 'options'): Io | null {
  if (options === undefined) return null;
  const { signal, timeout } = options as IoOptions;
  if (signal === undefined && timeout === undefined) return null;
  validateSignal(signal, `${prefix}.signal`);
  if (timeout !== undefined) validateTimeout(timeout, `${prefix}.timeout`);
  return new Io(signal ?? null, timeout ?? -1);
}

// ---------------------------------------------------------------------------
// The errors

type AbortErrorCtor = new (message?: string, options?: { cause?: unknown }) => Error;
let AbortErrorClass: AbortErrorCtor | undefined;

/** Node's AbortError for `signal` (`cause`: its reason), as node:events and fs/promises give it. */
export function abortError(signal: AbortSignal | null): Error {
  if (AbortErrorClass === undefined) {
    const c = new AbortController();
    c.abort();
    try {
      on(emitter, 'x', { signal: c.signal });
    } catch (err) {
      AbortErrorClass = (err as Error).constructor as AbortErrorCtor;
    }
    if (AbortErrorClass === undefined) throw new Error('uring-fs: cannot learn node\'s AbortError');
  }
  return new AbortErrorClass(undefined, { cause: signal?.reason });
}

let timeoutReason: ((ms: number) => unknown) | undefined;

/** Learns the reason `AbortSignal.timeout` aborts with on this Node (it arrives a timer later). */
export function learnTimeoutReason(): void {
  if (timeoutReason !== undefined) return;
  // Until it is learned (only the first timeout in a process, and only within the
  // first millisecond, can miss it): the same DOMException, worded as Node has
  // worded it since 17.3.
  timeoutReason = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  const s = AbortSignal.timeout(0);
  s.addEventListener('abort', () => {
    const sample = s.reason as DOMException;
    timeoutReason = () => new DOMException(sample.message, sample.name);
  });
}

/** The AbortError a timed-out op rejects with: its cause is a TimeoutError DOMException. */
export function timeoutError(ms: number): Error {
  learnTimeoutReason();
  const err = abortError(null);
  Object.defineProperty(err, 'cause', {
    value: (timeoutReason as (ms: number) => unknown)(ms),
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return err;
}
