// Batched calls (Pyro4's _BatchProxyAdapter): calls on a batch are recorded, `$send()` ships them as one
// `<batch>` request, and each recorded call's promise settles with its own result. The daemon stops at the
// first failing call: that call rejects with the remote error and every later call rejects with a
// BatchSkippedError. A per-call promise is marked as handled right before it is rejected, so awaiting only
// `$send()` never produces unhandled rejections (marking every call up front cost a promise and a microtask each).

import { FLAGS_BATCH } from "../protocol/message.js";
import { BatchSkippedError, PyroError } from "../errors.js";
import { ExceptionWrapper, newTuple, toTuple } from "../serializers/values.js";
import type { ProxyCore } from "./core.js";
import { AsyncResult, callOnClone } from "./async.js";
import { splitArgs } from "./support.js";

/** A batched call that did not run because an earlier call in the same batch failed. */
export { BatchSkippedError };

interface Recorded {
  method: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  promise: Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Reject a recorded call whose promise the caller may never look at. */
function rejectCall(c: Recorded, e: unknown): void {
  c.promise.catch(noop);
  c.reject(e);
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

export class BatchRecorder {
  private calls: Recorded[] = [];
  constructor(private readonly core: ProxyCore) {}

  get size(): number {
    return this.calls.length;
  }

  /** "Pyro4" or "Pyro5", for the batch's description. */
  get profileName(): string {
    return this.core.profile.name;
  }

  record(method: string, rawArgs: unknown[]): Promise<unknown> {
    const [args, kwargs] = splitArgs(rawArgs);
    let resolve!: (v: unknown) => void, reject!: (e: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.calls.push({ method, args, kwargs, promise, resolve, reject });
    return promise;
  }

  send(options: BatchSendOptions = {}): Promise<unknown[] | undefined> | AsyncResult<unknown[]> {
    if (options.oneway && options.asynchronous) throw new PyroError("async oneway calls make no sense");
    const calls = this.calls;
    this.calls = []; // the batch object can be reused for a new batch
    if (options.asynchronous) return callOnClone(this.core, (clone) => execute(clone, calls, false)) as AsyncResult<unknown[]>;
    return execute(this.core, calls, options.oneway === true);
  }
}

async function execute(core: ProxyCore, calls: Recorded[], oneway: boolean): Promise<unknown[] | undefined> {
  const triples: unknown[] = new Array(calls.length);
  // where the format has no tuple type (a tuple goes as an array anyway), plain arrays are cheaper to build
  const tuples = core.serializer.tuples;
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]!;
    if (!tuples) {
      triples[i] = [c.method, c.args, c.kwargs];
      continue;
    }
    const t = newTuple(3);
    t[0] = c.method;
    t[1] = c.args.length ? toTuple(c.args) : EMPTY_ARGS;
    t[2] = c.kwargs;
    triples[i] = t;
  }
  let results: unknown;
  try {
    results = await core.invoke("<batch>", triples, null, oneway ? { oneway: true } : null, FLAGS_BATCH);
  } catch (e) {
    for (const c of calls) rejectCall(c, e);
    throw e;
  }
  if (oneway) {
    for (const c of calls) c.resolve(undefined);
    return undefined;
  }
  const list = Array.isArray(results) ? results : [];
  let failure: unknown = null;
  const values: unknown[] = [];
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]!;
    if (failure !== null) {
      rejectCall(c, new BatchSkippedError(c.method, failure));
      continue;
    }
    if (i >= list.length) {
      failure = new PyroError(`batch reply has ${list.length} results for ${calls.length} calls`);
      rejectCall(c, failure);
      continue;
    }
    const r = list[i];
    if (r instanceof ExceptionWrapper) {
      failure = r.exception;
      rejectCall(c, r.exception);
    } else {
      values.push(r);
      c.resolve(r);
    }
  }
  if (failure !== null) throw failure;
  return values;
}
