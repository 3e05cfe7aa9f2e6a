// Remote iterators/generators (Pyro4 >= 4.49 item streaming): a call answered with ITEMSTREAMRESULT + STRM
// becomes an async iterator that pulls one item per `Pyro.Daemon.get_next_stream_item` round trip and sends a
// oneway `close_stream` when the consumer stops early (break/return/asyncDispose), so the daemon frees it.

import { ConnectionClosedError, PyroError } from "../errors.js";
import { isStopIteration } from "./support.js";

import { DAEMON_NAME } from "../protocol/message.js";

/** What a RemoteIterator needs from the proxy that made the call (ProxyCore; declared here to avoid an import cycle). */
export interface StreamOwner {
  readonly live: boolean;
  invoke(
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
    opts: { timeout?: number; signal?: AbortSignal; oneway?: boolean } | null,
    flags?: number,
    objectId?: string | null,
  ): Promise<any>;
}

/**
 * A remote iterator (Pyro4 item streaming): what a call to a remote generator gives; `for await` walks it, and
 * leaving the loop early closes it on the server.
 */
export class RemoteIterator<T = unknown> implements AsyncIterableIterator<T> {
  private finished = false;
  constructor(
    private readonly core: StreamOwner,
    /** The daemon's stream id (a uuid string). */
    readonly streamId: string,
    private readonly timeout: number,
    private readonly signal: AbortSignal | null,
  ) {}

  /** True once the remote iterator is exhausted, failed or was closed. */
  get done(): boolean {
    return this.finished;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    if (!this.core.live)
      return Promise.reject(new ConnectionClosedError("the proxy for this stream result has been closed"));
    const opts = { timeout: this.timeout, signal: this.signal ?? undefined };
    return this.core.invoke("get_next_stream_item", [this.streamId], {}, opts, 0, DAEMON_NAME).then(
      (value: T) => ({ done: false, value }),
      (err: unknown) => {
        // the daemon drops a stream on StopIteration and on any error, so no close_stream afterwards
        this.finished = true;
        if (isStopIteration(err)) return { done: true, value: undefined } as IteratorResult<T>;
        if (err instanceof PyroError && err.message === "item stream terminated")
          throw new PyroError(
            `remote iterator ${this.streamId} is gone: item stream terminated (the daemon discarded it: ` +
              `its ITER_STREAM_LIFETIME or ITER_STREAM_LINGER expired, or it was closed)`,
            { cause: err },
          );
        throw err;
      },
    );
  }

  /** Stop early: tells the daemon to close the stream (oneway, resolves once sent). */
  async return(value?: unknown): Promise<IteratorResult<T>> {
    if (!this.finished) {
      this.finished = true;
      if (this.core.live) {
        try {
          await this.core.invoke("close_stream", [this.streamId], {}, { oneway: true }, 0, DAEMON_NAME);
        } catch {
          // closing is best effort: a dead connection already made the daemon drop (or linger) the stream
        }
      }
    }
    return { done: true, value: value as T };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** Collect the remaining items (for finite streams). */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const x of this) out.push(x);
    return out;
  }
}
