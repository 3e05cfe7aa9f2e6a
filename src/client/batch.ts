// Batched calls (Pyro4's _BatchProxyAdapter): calls on a batch are recorded, `$send()` ships them as one
// `<batch>` request, and each recorded call's promise settles with its own result. The daemon stops at the
// first failing call: that call rejects with the remote error and every later call rejects with a
// BatchSkippedError. A per-call promise is marked as handled right before it is rejected, so awaiting only
// `$send()` never produces unhandled rejections (marking every call up front cost a promise and a microtask each).

import { FLAGS_BATCH } from "../protocol/message.js";
import { BatchSkippedError, PyroError } from "../errors.js";
import { ExceptionWrapper, newTuple, toTuple, tuple } from "../serializers/values.js";
import { BATCH_NO_ARGS, BATCH_NO_KWARGS, batchCalls, type BatchCall } from "../serializers/batch-calls.js";
import { clientCall, tracingActive } from "../observe/channels.js";
import type { ProxyCore } from "./core.js";
import { AsyncResult, callOnClone } from "./async.js";
import { Kwargs } from "./support.js";

/** A batched call that did not run because an earlier call in the same batch failed. */
export { BatchSkippedError };

/** Reject a recorded call whose promise the caller may never look at. */
function rejectCall(settle: unknown[], i: number, e: unknown): void {
  (settle[3 * i] as Promise<unknown>).catch(noop);
  (settle[3 * i + 2] as (e: unknown) => void)(e);
}

/** How `$send()` ships a batch: a normal call (the default), oneway, or as an AsyncResult. */
export interface BatchSendOptions {
  /** Send as oneway: nothing comes back; resolves once sent, every call resolves to undefined. */
  oneway?: boolean;
  /** Run on a separate connection and return an AsyncResult right away (Pyro4's asynchronous batch). */
  asynchronous?: boolean;
}

const noop = () => {};
/** The argument tuple of calls without arguments (serializers only read it). */
const EMPTY_ARGS = Object.freeze(newTuple(0));

/**
 * The resolving functions of the promise just made: one shared executor instead of a closure (and the context
 * it captures) per recorded call. Promise runs the executor synchronously, so the slots are read right after.
 */
const captured = { resolve: noop as (v: unknown) => void, reject: noop as (e: unknown) => void };
function capture(resolve: (v: unknown) => void, reject: (e: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

export class BatchRecorder {
  /** The recorded calls, as they go on the wire (batch-calls.ts: plain arrays, written as tuples). */
  private calls: BatchCall[] = [];
  /** Per recorded call three slots: its promise, resolve and reject (no object per call). */
  private settle: unknown[] = [];
  constructor(private readonly core: ProxyCore) {}

  get size(): number {
    return this.calls.length;
  }

  /** "Pyro4" or "Pyro5", for the batch's description. */
  get profileName(): string {
    return this.core.profile.name;
  }

  /** Record a call with the call site's arguments (a trailing Kwargs holds its keyword arguments). */
  record(method: string, rawArgs: unknown[]): Promise<unknown> {
    const n = rawArgs.length;
    const last: unknown = n !== 0 ? rawArgs[n - 1] : undefined;
    if (last instanceof Kwargs) return this.add(method, rawArgs.slice(0, n - 1), last.values);
    return this.add(method, rawArgs, BATCH_NO_KWARGS);
  }

  /** Record a call without arguments: no array of its own (the encoders write the shared empties as `()`, `{}`). */
  recordNoArgs(method: string): Promise<unknown> {
    return this.add(method, BATCH_NO_ARGS, BATCH_NO_KWARGS);
  }

  private add(method: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): Promise<unknown> {
    const promise = new Promise<unknown>(capture);
    this.calls.push([method, args, kwargs]);
    this.settle.push(promise, captured.resolve, captured.reject);
    return promise;
  }

  send(options: BatchSendOptions = {}): Promise<unknown[] | undefined> | AsyncResult<unknown[]> {
    if (options.oneway && options.asynchronous) throw new PyroError("async oneway calls make no sense");
    const calls = this.calls, settle = this.settle;
    this.calls = []; // the batch object can be reused for a new batch
    this.settle = [];
    if (options.asynchronous) return callOnClone(this.core, (clone) => execute(clone, calls, settle, false)) as AsyncResult<unknown[]>;
    return execute(this.core, calls, settle, options.oneway === true);
  }
}

/**
 * The call list as the serializer gets it: marked for the formats with a tuple type (their encoders write each
 * entry as a tuple), plain for json and msgpack; Tuples as before while `pyro4:client:call` has subscribers, which
 * see the call's args.
 */
function wireCalls(core: ProxyCore, calls: BatchCall[]): unknown[] {
  if (!core.serializer.tuples) return calls;
  if (!tracingActive(clientCall)) return batchCalls(calls);
  return calls.map(([method, args, kwargs]) => tuple(method, args.length ? toTuple(args) : EMPTY_ARGS, kwargs));
}

async function execute(core: ProxyCore, calls: BatchCall[], settle: unknown[], oneway: boolean): Promise<unknown[] | undefined> {
  const n = calls.length;
  let results: unknown;
  try {
    results = await core.invoke("<batch>", wireCalls(core, calls), null, oneway ? { oneway: true } : null, FLAGS_BATCH);
  } catch (e) {
    for (let i = 0; i < n; i++) rejectCall(settle, i, e);
    throw e;
  }
  if (oneway) {
    for (let i = 0; i < n; i++) (settle[3 * i + 1] as (v: unknown) => void)(undefined);
    return undefined;
  }
  const list = Array.isArray(results) ? results : [];
  let failure: unknown = null;
  // the decoded result list itself when it is a plain list of exactly the calls' results (else a copy of those)
  const whole = list.length === n && Object.getPrototypeOf(list) === Array.prototype;
  const values: unknown[] = whole ? list : [];
  for (let i = 0; i < n; i++) {
    if (failure !== null) {
      rejectCall(settle, i, new BatchSkippedError(calls[i]![0], failure));
      continue;
    }
    if (i >= list.length) {
      failure = new PyroError(`batch reply has ${list.length} results for ${n} calls`);
      rejectCall(settle, i, failure);
      continue;
    }
    const r = list[i];
    if (r instanceof ExceptionWrapper) {
      failure = r.exception;
      rejectCall(settle, i, r.exception);
    } else {
      if (!whole) values.push(r);
      (settle[3 * i + 1] as (v: unknown) => void)(r);
    }
  }
  if (failure !== null) throw failure;
  return values;
}
