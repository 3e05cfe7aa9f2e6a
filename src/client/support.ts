// Small client-side building blocks shared by the proxy, batch, stream and async modules: the keyword-argument
// marker, the AttributeError Pyro4 raises for names the remote object does not expose, the promise type calls
// return (async-iterable so `for await (x of proxy.gen())` works without an extra await) and the mapping of
// received exception values to Error objects.

import { PyroError, RemoteError, InvalidArgumentError } from "../errors.js";
import { dictToError } from "../serializers/values.js";

/** Python keyword arguments for a call: `proxy.method(1, kwargs({ flag: true }))`. */
export class Kwargs {
  constructor(readonly values: Record<string, unknown>) {}
}
/** Marks the last argument of a call as Python keyword arguments: `proxy.echo(kwargs({ message: "hi" }))`. */
export function kwargs(values: Record<string, unknown>): Kwargs {
  return new Kwargs(values);
}

/** Split a trailing Kwargs marker off a call's arguments. */
export function splitArgs(args: unknown[]): [unknown[], Record<string, unknown>] {
  const n = args.length;
  if (n > 0 && args[n - 1] instanceof Kwargs) return [args.slice(0, n - 1), (args[n - 1] as Kwargs).values];
  return [args, EMPTY_KWARGS];
}
export const EMPTY_KWARGS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

// AttributeError lives with the other error classes; re-exported for the client modules that raise it.
export { AttributeError } from "../errors.js";

/** What a call's promise is settled through (a queued request: core.ts). */
export interface Settler {
  resolve: (value: any) => void;
  reject: (reason?: unknown) => void;
}

/**
 * The promise a remote call returns: a Promise that is also async-iterable. Iterating it awaits the call and then
 * walks the remote iterator it produced (streaming), or the list/tuple it returned (non-streaming servers). A call's
 * promise is a native Promise carrying the iterator method as its own property (newCallPromise), and
 * `instanceof CallPromise` recognises it by that; the class is its type and holds the method.
 */
export class CallPromise<T> extends Promise<T> {
  // then/catch/finally derive plain Promises: only the call's own promise carries the iterator protocol
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Promise && (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === iterateCall;
  }
  [Symbol.asyncIterator](): AsyncIterator<T extends AsyncIterable<infer E> ? E : T extends Iterable<infer E> ? E : unknown> {
    let inner: AsyncIterator<any> | Iterator<any> | null = null;
    const start = async () => {
      if (inner) return inner;
      const v: unknown = await this;
      if (v && typeof v === "object" && Symbol.asyncIterator in v) inner = (v as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      else if (v && typeof v === "object" && Symbol.iterator in v) inner = (v as Iterable<unknown>)[Symbol.iterator]();
      else throw new InvalidArgumentError("the remote call did not return an iterable result");
      return inner;
    };
    return {
      next: async () => (await start()).next() as IteratorResult<any>,
      return: async (value?: unknown) => {
        const it = inner;
        if (it?.return) return (await it.return(value)) as IteratorResult<any>;
        return { done: true, value: undefined } as IteratorResult<any>;
      },
    };
  }
}

const iterateCall = CallPromise.prototype[Symbol.asyncIterator];

/**
 * The resolving functions of the promise being made go to this Settler: one shared executor instead of a closure
 * (and the context it captures) per call. Promise runs the executor synchronously, so it is set just before.
 */
let settling: Settler | null = null;
function capture(resolve: (value: any) => void, reject: (reason?: unknown) => void): void {
  settling!.resolve = resolve;
  settling!.reject = reject;
}

/**
 * A call's promise, settled through `into.resolve`/`into.reject`. A native Promise with the iterator method as an
 * own property rather than an instance of the subclass: `await` takes V8's fast path only for a promise whose
 * constructor is Promise itself, `new CallPromise(...)` on every call made V8 abort optimizing the calling functions
 * in a loop ("dependency change"), and giving a Promise CallPromise's prototype (Object.setPrototypeOf) cost about
 * 900 instructions per call under callgrind, the own property none measurable.
 */
export function newCallPromise<T>(into: Settler): CallPromise<T> {
  settling = into;
  const p = new Promise<T>(capture);
  settling = null;
  (p as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] = iterateCall;
  return p as CallPromise<T>;
}

/** A received exception value as an Error (the serializers already turned exception dicts into errors). */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (value && typeof value === "object" && (value as Record<string, unknown>).__exception__ === true)
    return dictToError(value as Record<string, unknown>);
  return new PyroError(`remote call failed with a non-exception value: ${String(value)}`);
}

/** True for the remote exceptions that end an iteration (Python's StopIteration and friends). */
export function isStopIteration(err: unknown): boolean {
  if (err instanceof RemoteError) {
    const n = err.pythonName;
    return n === "StopIteration" || n === "GeneratorExit" || n === "StopAsyncIteration";
  }
  return false;
}
