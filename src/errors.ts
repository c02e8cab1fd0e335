// Errors with node:fs's exact shape, on the Node that runs this code.
//
// Nothing here carries Node's wording. Each error is one of:
//  - a system error (`uvError`), laid out as node:fs lays out the failures it was seen
//    to produce on this Node (one real failure of each form, provoked once);
//  - a validation error node:fs itself threw for the same value (validate.ts provokes
//    it: `argumentError`), renamed when our argument has another name;
//  - an error for an argument node:fs has no counterpart for, or with a code of our own:
//    one of Node's own coded errors, given our name, reason or code (`ownError` and the
//    helpers below), so its class, fields and formatting stay Node's.
// Only public `node:` APIs are used.

import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import * as util from 'node:util';

/** What `uvError` returns: an `Error` carrying node:fs's system-error fields. */
export interface UvError extends NodeJS.ErrnoException {
  errno: number;
  code: string;
  syscall: string;
  path?: string;
  dest?: string;
}

/** An error carrying a Node-style `code` (`ERR_*`). */
export type NodeError<E extends Error = Error> = E & { code: string };

/** Any function, as a stack-trace anchor (`Error.captureStackTrace`'s second argument). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type StackAnchor = Function;

// ---------------------------------------------------------------------------
// System errors

// A path that cannot exist, so the failures below are the ones node:fs reports for it.
const ABSENT = `/nonexistent-uring-fs-${process.pid}-${Math.random().toString(36).slice(2)}`;
const NEVER_FD = 0x7fffffff; // a valid fd number above any RLIMIT_NOFILE: EBADF

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

interface Layout {
  // Constructor and own keys of node:fs's system errors, in node's order.
  Ctor: new (message: string) => Error;
  keys: string[];
  // The literal text around code, description, syscall[, path[, dest]] in the message.
  bare: string[];
  withPath: string[];
  withDest: string[];
}

let layout: Layout | undefined;

/** The description node gives `errno` (`no such file or directory`). */
export function describe(errno: number): string {
  // Node 22.12+ and 23.1+ have getSystemErrorMessage; before that the map holds the
  // same text. Numbers libuv does not know read "Unknown system error -N", like the code.
  const viaMessage = (util as { getSystemErrorMessage?: (n: number) => string }).getSystemErrorMessage;
  if (viaMessage) return viaMessage(errno);
  return util.getSystemErrorMap().get(errno)?.[1] ?? util.getSystemErrorName(errno);
}

function split(err: unknown, parts: string[]): string[] {
  const message = (err as Error | undefined)?.message;
  if (typeof message !== 'string') throw new Error(`uring-fs: cannot read node:fs's error layout from ${String(err)}`);
  const lits: string[] = [];
  let at = 0;
  for (const part of parts) {
    const i = message.indexOf(part, at);
    if (i === -1) throw new Error(`uring-fs: cannot read node:fs's error layout from "${message}"`);
    lits.push(message.slice(at, i));
    at = i + part.length;
  }
  lits.push(message.slice(at));
  return lits;
}

// One failure of each form through node:fs: no path (EBADF from fstat), a path (ENOENT
// from open), a path and a destination (ENOENT from rename). Each is split at its own
// fields, so only the text around them is taken.
function learnLayout(): Layout {
  const at = (err: unknown): string[] => {
    const e = err as UvError;
    const parts = [e.code, describe(e.errno), e.syscall];
    if (e.path !== undefined) parts.push(e.path);
    if (e.dest !== undefined) parts.push(e.dest);
    return split(e, parts);
  };
  const renamed = thrownBy(() => fs.renameSync(`${ABSENT}/a`, `${ABSENT}/b`)) as UvError;
  return {
    Ctor: renamed.constructor as new (message: string) => Error,
    keys: Object.keys(renamed),
    bare: at(thrownBy(() => fs.fstatSync(NEVER_FD))),
    withPath: at(thrownBy(() => fs.openSync(`${ABSENT}/a`, 'r'))),
    withDest: at(renamed),
  };
}

// U+D800..U+DFFF: only strings containing surrogates can change on a UTF-8 round trip.
const surrogate = /[\uD800-\uDFFF]/;

// Node hands the kernel the path as UTF-8 bytes and builds the error's `path` from the
// C string it passed (`StringFromPath` → `String::NewFromUtf8`). So a Buffer path comes
// back as a string decoded up to its first NUL, and a string with a lone surrogate comes
// back with U+FFFD in its place. Buffer#toString('utf8') uses that same V8 decoder.
function pathText(p: string | Uint8Array): string {
  if (typeof p === 'string') {
    return surrogate.test(p) ? Buffer.from(p, 'utf8').toString('utf8') : p;
  }
  const bytes = Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  const nul = bytes.indexOf(0);
  return bytes.toString('utf8', 0, nul === -1 ? bytes.length : nul);
}

/**
 * The error node:fs rejects with when `syscall` fails with `errno` (negative, `-errno`
 * as io_uring reports it): on every Node so far `ENOENT: no such file or directory, open
 * '/x'`, with own enumerable `errno`, `code`, `syscall`, `path`, `dest`. The layout, class
 * and key order are read from real node:fs failures on the running Node; the code and
 * description come from `util.getSystemErrorName` / `getSystemErrorMessage`.
 */
export function uvError(
  errno: number,
  syscall: string,
  path?: string | Buffer,
  dest?: string | Buffer,
): UvError {
  const l = (layout ??= learnLayout());
  const code = util.getSystemErrorName(errno);
  // C++ tests for a non-null pointer, so an empty path still appears (`open ''`).
  const pathStr = path == null ? undefined : pathText(path);
  const destStr = dest == null ? undefined : pathText(dest);
  const parts = [code, describe(errno), syscall];
  let lits = l.bare;
  if (pathStr !== undefined) {
    parts.push(pathStr);
    lits = l.withPath;
    if (destStr !== undefined) {
      parts.push(destStr);
      lits = l.withDest;
    }
  }
  let message = lits[0];
  for (let i = 0; i < parts.length; i++) message += parts[i] + lits[i + 1];
  const err = new l.Ctor(message) as UvError;
  const fields: Record<string, unknown> = { errno, code, syscall, path: pathStr, dest: destStr };
  for (const key of l.keys) {
    if (fields[key] !== undefined) (err as unknown as Record<string, unknown>)[key] = fields[key];
  }
  // The frames of this factory say nothing to the user.
  Error.captureStackTrace(err, uvError);
  return err;
}

// ---------------------------------------------------------------------------
// Validation errors: node's own

// Every validation error this library raised for an argument, with the argument's name
// (batch() prefixes it with the entry: `ops[3].fd`). Errors that are not in here (a
// user's getter threw) pass through untouched.
const argumentOf = new WeakMap<object, string>();

/** The name of the argument `err` was raised for, if this library raised it for one. */
export function argumentNameOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? argumentOf.get(err) : undefined;
}

/**
 * The value of a carrier's last argument: passed where node:fs wants a callback, it
 * makes a call that got through validation stop there (ERR_INVALID_ARG_TYPE about the
 * callback, recognised by this description), before anything reaches the kernel.
 */
export const NOT_A_CALLBACK: symbol = Symbol('uring-fs: validation probe');
const NOT_A_CALLBACK_TEXT = 'uring-fs: validation probe';

/**
 * Runs `provoke`, a node:fs call that validates `value` as node:fs does and has no
 * effect if it accepts it (its other arguments are valid, it ends at an invalid callback
 * or a failing syscall on a target that cannot exist). Returns the validation error node
 * threw, or undefined when node accepted the value.
 */
export function nodeRejection(provoke: () => unknown): Error | undefined {
  return refusal(thrownBy(provoke));
}

/** `nodeRejection` for a node:fs/promises call (read-only, as fsp.stat). */
export async function nodeRejectionAsync(provoke: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await provoke();
    return undefined;
  } catch (err) {
    return refusal(err);
  }
}

function refusal(err: unknown): Error | undefined {
  if (!(err instanceof Error)) return undefined;
  // A system error: the call got as far as the kernel, so node took the arguments.
  if (typeof (err as { errno?: unknown }).errno === 'number') return undefined;
  // The callback that stands in for "got through validation".
  if (err.message.includes(NOT_A_CALLBACK_TEXT)) return undefined;
  return err;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Gives node's error our argument's name: `"fd"` → `"mode"`, and node's wording for a
 * dotted name (`The "options.link" property`, `The property 'options.backend'`).
 */
export function renameArgument(err: Error, from: string, to: string): void {
  if (from === to) return;
  const dotted = to.includes('.');
  const re = new RegExp(`(argument |property )?(["'])${escapeRe(from)}\\2( argument| property)?`);
  err.message = err.message.replace(re, (_m, pre: string | undefined, q: string, post: string | undefined) => {
    const word = dotted ? 'property' : 'argument';
    return `${pre ? `${word} ` : ''}${q}${to}${q}${post ? ` ${word}` : ''}`;
  });
}

/**
 * Marks `err` as raised for argument `name`, renaming it from node's `nodeName`, with
 * its stack starting at the caller of `anchor`.
 */
export function forArgument<E extends Error>(err: E, name: string, nodeName: string, anchor: StackAnchor): E {
  renameArgument(err, nodeName, name);
  argumentOf.set(err, name);
  reanchor(err, anchor);
  return err;
}

/** Re-captures `err`'s stack at the caller of `anchor` (the header follows its message). */
export function reanchor(err: Error, anchor: StackAnchor): void {
  if (Error.stackTraceLimit) Error.captureStackTrace(err, anchor);
}

/**
 * node's validation error for `value` through `provoke` (see `nodeRejection`), given our
 * argument name; throws an internal error if node accepted what we were about to refuse
 * (our checks and node's disagree: a bug to report, never a silent pass).
 */
export function argumentError(
  provoke: () => unknown,
  value: unknown,
  name: string,
  nodeName: string,
  anchor: StackAnchor,
): Error {
  const err = nodeRejection(provoke);
  if (err === undefined) {
    return new Error(
      `uring-fs: node:fs accepted ${util.inspect(value)} as "${nodeName}" where uring-fs refuses it; please report this with your Node version (${process.version})`,
    );
  }
  return forArgument(err, name, nodeName, anchor);
}

// ---------------------------------------------------------------------------
// Errors for our own arguments and codes, in the clothes of node's

// Fresh coded errors of node's, one per base class, provoked through public APIs that
// raise them synchronously and do nothing else.
const nodeCoded = {
  Error: (): Error =>
    thrownBy(() => (new Writable() as unknown as { _write(c: Buffer, e: string, cb: () => void): void })._write(Buffer.alloc(0), 'utf8', () => {})) as Error,
  TypeError: (): Error => thrownBy(() => fs.openSync('', `${NOT_A_CALLBACK_TEXT} flags`)) as Error,
  RangeError: (): Error => thrownBy(() => fs.writev(-1, [], NOT_A_CALLBACK as never)) as Error,
};

function checkedCoded(base: keyof typeof nodeCoded): NodeError {
  const err = nodeCoded[base]() as NodeError;
  if (!(err instanceof Error) || typeof err.code !== 'string' || err.constructor.name !== base) {
    throw new Error(`uring-fs: cannot provoke a coded ${base} from node (got ${String(err)})`);
  }
  return err;
}

// Node gives each of its codes a class whose toString() names that code. For codes of
// our own, one prototype per base class over node's, with a toString() that reads the
// error's own code the way node's reads its (learned from one: `Name [CODE]: message`).
const ownPrototypes = new Map<string, object>();

function ownPrototype(base: keyof typeof nodeCoded, sample: NodeError): object {
  let proto = ownPrototypes.get(base);
  if (proto === undefined) {
    const lits = split({ message: String(sample) }, [sample.name, sample.code, sample.message]);
    proto = Object.create(Object.getPrototypeOf(sample), {
      toString: {
        value: function toString(this: NodeError): string {
          return `${lits[0]}${this.name}${lits[1]}${this.code}${lits[2]}${this.message}${lits[3]}`;
        },
        writable: true,
        configurable: true,
      },
    }) as object;
    ownPrototypes.set(base, proto);
  }
  return proto;
}

/**
 * An error with a code of our own (`ERR_URING_DESTROYED`…) or one node uses where
 * node:fs has no call to provoke it: one of Node's own coded errors of class `base`
 * with `code` and `message` set, so it has node's fields, class and stack header
 * (`Error [ERR_URING_DESTROYED]: …` under node's default formatter), and a toString()
 * that names its code as node's do.
 */
export function ownError(base: keyof typeof nodeCoded, code: string, message: string, anchor: StackAnchor): NodeError {
  const err = checkedCoded(base);
  Object.setPrototypeOf(err, ownPrototype(base, err));
  err.code = code;
  err.message = message;
  reanchor(err, anchor);
  return err;
}

// How node's ERR_INVALID_ARG_VALUE reads, learned from one: the text around the
// argument, the reason and the value, and how long a shown value may get.
let valueLayout: { lits: string[]; maxShown: number } | undefined;

function learnValueLayout(): { lits: string[]; maxShown: number } {
  const shortValue = `${NOT_A_CALLBACK_TEXT} flags`;
  const lits = split(checkedCoded('TypeError'), ["'flags'", 'is invalid', util.inspect(shortValue)]);
  // A value too long to show whole: how much of it node keeps.
  const long = nodeRejection(() => fs.openSync('', 'q'.repeat(1000)));
  const message = long?.message ?? '';
  const head = lits[0].length + "'flags'".length + lits[1].length + 'is invalid'.length + lits[2].length;
  const shown = message.slice(head, message.length - lits[3].length);
  return { lits, maxShown: shown.endsWith('...') ? shown.length - 3 : Infinity };
}

/**
 * node's ERR_INVALID_ARG_VALUE (a TypeError) for an argument of ours with our own
 * reason: `The property 'options.backend' must be 'auto', 'io_uring' or 'fs'. Received 'x'`.
 */
export function invalidArgValue(name: string, value: unknown, reason: string, anchor: StackAnchor): NodeError<TypeError> {
  const l = (valueLayout ??= learnValueLayout());
  let shown = util.inspect(value);
  if (shown.length > l.maxShown) shown = `${shown.slice(0, l.maxShown)}...`;
  const err = checkedCoded('TypeError') as NodeError<TypeError>;
  err.message = `${l.lits[0]}'flags'${l.lits[1]}${reason}${l.lits[2]}${shown}${l.lits[3]}`;
  renameArgument(err, 'flags', name);
  argumentOf.set(err, name);
  reanchor(err, anchor);
  return err;
}

// ---------------------------------------------------------------------------
// Stacks that reach the caller

function rethrow(err: unknown): never {
  throw err;
}

function recapture(err: unknown): never {
  if (err instanceof Error) reanchor(err, recapture);
  throw err;
}

/**
 * A promise that rejects with `err`, for an op's promise to settle with: the error was
 * made where the completion arrived (the ring's reap, a node:fs callback), with no frame
 * of the caller's. Two microtask turns on, when the op's promise has taken this one up,
 * its stack is taken again inside a promise reaction, and V8 then lists the async
 * functions awaiting it (as node:fs/promises' own rejections do). Only failures pay for
 * the extra promises.
 */
export function rejectionFor(err: unknown): Promise<never> {
  return Promise.reject(err).then(undefined, rethrow).then(undefined, recapture);
}

/** Re-captures the stacks of `errors` from inside an async function (batch results). */
export function recaptureAll(errors: readonly unknown[], anchor: StackAnchor): void {
  for (const err of errors) if (err instanceof Error) reanchor(err, anchor);
}

/** Our own code for any call on a ring after `destroy()`. */
export const URING_ERR_DESTROYED = 'ERR_URING_DESTROYED';

/** `Error [ERR_URING_DESTROYED]: The ring has been destroyed, cannot <syscall>`. */
export function destroyedError(syscall: string): NodeError {
  return ownError('Error', URING_ERR_DESTROYED, `The ring has been destroyed, cannot ${syscall}`, destroyedError);
}
