// Pyro4's asynchronous calls (asyncproxy / FutureResult) and Future helper, the TypeScript way: results are
// promises; AsyncResult adds what promises lack (a synchronous `ready`, `wait(timeout)`, Pyro-style call
// chains with extra arguments, `iferror`), and Future adds `delay` and `cancel` for any local function.
// An async proxy call runs on its own connection (a clone of the proxy), as in Pyro4, so it really runs in
// parallel with other calls on the same proxy.

import { CommunicationError, PyroError } from "../errors.js";
import type { CallOptions, ProxyCore } from "./core.js";

const PENDING = 0;
const OK = 1;
const FAILED = 2;

/** A result that arrives later (Pyro4.futures.FutureResult). Awaitable; failures are ignored unless observed. */
export class AsyncResult<T = unknown> implements PromiseLike<T> {
  private current!: Promise<T>;
  private state = PENDING;
  private val: T | undefined;
  private err: unknown;
  private handler: ((err: unknown) => void) | null = null;

  constructor(source: PromiseLike<T> | (() => PromiseLike<T> | T)) {
    this.track(typeof source === "function" ? Promise.resolve().then(source) : Promise.resolve(source));
  }

  private track(p: Promise<T>): void {
    this.current = p;
    this.state = PENDING;
    p.then(
      (v) => {
        if (this.current !== p) return;
        this.state = OK;
        this.val = v;
      },
      (e) => {
        if (this.current !== p) return;
        this.state = FAILED;
        this.err = e;
        this.handler?.(e);
      },
    );
  }

  /** True once the value (or error) is available, including the whole call chain. */
  get ready(): boolean {
    return this.state !== PENDING;
  }

  /** Wait up to `timeoutMs` (undefined = forever); true when ready. Never throws for a failed call. */
  wait(timeoutMs?: number): Promise<boolean> {
    if (this.state !== PENDING) return Promise.resolve(true);
    const settled = this.current.then(
      () => true,
      () => true,
    );
    if (timeoutMs === undefined || timeoutMs === null) return settled;
    let timer: NodeJS.Timeout;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(this.state !== PENDING), timeoutMs)));
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  }

  /** The value (after the call chain); rejects with the remote/local error. */
  get value(): Promise<T> {
    return this.current;
  }

  /** The value synchronously: throws when not ready yet, or the error when the call failed. */
  get result(): T {
    if (this.state === OK) return this.val as T;
    if (this.state === FAILED) throw this.err;
    throw new PyroError("the asynchronous result is not ready yet (await it, or read .value)");
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.current.then(onfulfilled, onrejected);
  }
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.current.catch(onrejected);
  }
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.current.finally(onfinally);
  }

  /**
   * Pyro4's `then(callable, *args)`: when the value arrives, call `fn(value, ...args)`; its result becomes this
   * object's value. Returns this, so chains read `r.chain(f).chain(g, 10)`.
   */
  chain<A extends unknown[]>(fn: (value: any, ...args: A) => unknown, ...args: A): AsyncResult<any> {
    this.track(this.current.then((v) => fn(v, ...args)) as Promise<T>);
    return this;
  }

  /** Handler called with the error when the call (or a chained call) fails. Returns this. */
  iferror(handler: (err: unknown) => void): this {
    this.handler = handler;
    if (this.state === FAILED) handler(this.err);
    return this;
  }
}

/** Raised (as the result) for a Future that was cancelled before it ran. */
import { CancelledError } from "../errors.js";
export { CancelledError };

/** Pyro4.Future: run any function asynchronously, with a call chain, delay and cancel. */
export class Future<A extends unknown[] = unknown[], R = unknown> {
  private chainCalls: [(value: any, ...args: any[]) => unknown, unknown[]][] = [];
  private handler: ((err: unknown) => void) | null = null;
  private delayMs = 0;
  private started = false;
  private completed = false;
  private cancelled = false;
  private wake: (() => void) | null = null;

  constructor(private readonly fn: (...args: A) => R | PromiseLike<R>) {}

  /** Add `fn(previousValue, ...args)` to the chain (Pyro4's Future.then). Returns this. */
  chain<B extends unknown[]>(fn: (value: any, ...args: B) => unknown, ...args: B): this {
    if (this.started) throw new PyroError("the future has already been evaluated");
    this.chainCalls.push([fn as (value: any, ...args: any[]) => unknown, args]);
    return this;
  }

  iferror(handler: (err: unknown) => void): this {
    this.handler = handler;
    return this;
  }

  /** Delay evaluation; false when it already ran. */
  delay(ms: number): boolean {
    if (this.completed) return false;
    this.delayMs = ms;
    return true;
  }

  /** Cancel before it runs; false when it already ran. */
  cancel(): boolean {
    if (this.completed) return false;
    this.cancelled = true;
    this.wake?.();
    return true;
  }

  /** Start the call; returns immediately. */
  call(...args: A): AsyncResult<any> {
    if (this.started || this.completed) throw new PyroError("the future has already been evaluated");
    if (this.cancelled) throw new CancelledError("the future has been cancelled");
    this.started = true;
    return new AsyncResult(this.run(args));
  }

  private async run(args: A): Promise<unknown> {
    await new Promise<void>((r) => setImmediate(r));
    while (this.delayMs > 0 && !this.cancelled) {
      const ms = this.delayMs;
      this.delayMs = 0;
      await new Promise<void>((r) => {
        const t = setTimeout(r, ms);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = null;
    }
    this.completed = true;
    if (this.cancelled) throw new CancelledError();
    try {
      let value: unknown = await this.fn(...args);
      for (const [fn, extra] of this.chainCalls) value = await fn(value, ...extra);
      return value;
    } catch (e) {
      this.handler?.(e);
      throw e;
    }
  }
}

/** Run one call on a fresh connection (a clone of the proxy), released afterwards. */
export function callOnClone(
  core: ProxyCore,
  run: (clone: ProxyCore) => PromiseLike<unknown>,
): AsyncResult<any> {
  return new AsyncResult(
    (async () => {
      const clone = core.clone();
      try {
        // a thread-pool daemon refuses connections with "no free workers" when busy: wait a bit and retry
        let delay = 100 + Math.random() * 200;
        for (;;) {
          try {
            await clone.bind(false);
            break;
          } catch (e) {
            if (!(e instanceof CommunicationError) || !e.message.includes("no free workers")) throw e;
            await new Promise((r) => setTimeout(r, delay));
            delay += 400 + Math.random() * 500;
            if (core.timeout > 0 && delay > core.timeout / 2) throw e;
          }
        }
        return await run(clone);
      } finally {
        await clone.release();
      }
    })(),
  );
}

export type { CallOptions };
