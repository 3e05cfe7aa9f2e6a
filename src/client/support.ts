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

/**
 * What a remote call returns: a Promise that is also async-iterable. Iterating it awaits the call and then
 * walks the remote iterator it produced (streaming), or the list/tuple it returned (non-streaming servers).
 */
/**
 * A CallPromise without running the subclass constructor: `new CallPromise(...)` on every call made V8 abort
 * optimizing the calling functions in a loop ("dependency change"); a plain Promise given CallPromise's prototype
 * behaves the same (then/catch still derive plain Promises through the species getter).
 */
export function newCallPromise<T>(executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void): CallPromise<T> {
  return Object.setPrototypeOf(new Promise<T>(executor), CallPromise.prototype) as CallPromise<T>;
}

/**
 * The promise a remote call returns: a plain Promise that can also be walked with `for await` when the call returns
 * a remote iterator or a list.
 */
export class CallPromise<T> extends Promise<T> {
  // then/catch/finally derive plain Promises: only the call's own promise carries the iterator protocol
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
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

// `await` takes V8's fast path only for a promise whose constructor is Promise itself; anything else is awaited
// through its `then` in extra microtasks (about 0.2 µs more per call in a microbenchmark, near doubling the cost of
// an await). CallPromise adds no behaviour to then/catch/finally (its species is Promise), so it says it is one.
// eslint-disable-next-line @typescript-eslint/no-floating-promises -- returns the prototype object, not a promise
Object.defineProperty(CallPromise.prototype, "constructor", { value: Promise, writable: true, configurable: true, enumerable: false });

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
