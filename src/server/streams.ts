// Streamed results (Pyro4's item streams): a method that returns an iterator, generator or async iterable
// gets a stream id; the client pulls items through Pyro.Daemon.get_next_stream_item. Streams belong to a
// connection, linger after a disconnect (ITER_STREAM_LINGER) and expire (ITER_STREAM_LIFETIME).

import { randomUUID } from "node:crypto";
import { PyroError } from "../errors.js";
import { stopIteration } from "../python/exceptions.js";
import type { ClientConnection } from "./context.js";

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

interface StreamEntry {
  client: ClientConnection | null;
  created: number;
  /** Time the owning connection went away (0 = still connected). */
  lingerSince: number;
  iterator: AnyIterator;
  /** Serialises next() calls so two pulls never interleave. */
  pending: Promise<unknown> | null;
}

/** An iterator (sync or async) or an async iterable: what gets streamed instead of serialized. */
export function asStreamable(value: unknown): AnyIterator | null {
  if (value === null || typeof value !== "object") return null;
  const v = value as Record<PropertyKey, unknown>;
  if (Array.isArray(value) || ArrayBuffer.isView(value) || value instanceof Map || value instanceof Set) return null;
  if (typeof v.next === "function" && (typeof v[Symbol.iterator] === "function" || typeof v[Symbol.asyncIterator] === "function"))
    return value as AnyIterator;
  if (typeof v[Symbol.asyncIterator] === "function") return (v[Symbol.asyncIterator] as () => AsyncIterator<unknown>).call(value);
  return null;
}

/** Drain an iterator into an array (the fallback when streaming is off). */
export async function drain(it: AnyIterator, limit = 10_000_000): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return out;
    out.push(r.value);
    if (out.length > limit) throw new PyroError("iterator result too long to convert to a list");
  }
}

export function closeIterator(it: AnyIterator): void {
  try {
    const r = it.return?.();
    if (r && typeof (r as Promise<unknown>).then === "function") (r as Promise<unknown>).then(undefined, () => {});
  } catch {
    // a generator that throws while closing: nothing to report to anyone
  }
}

export class StreamRegistry {
  private streams = new Map<string, StreamEntry>();
  constructor(
    /** Seconds; 0 = unlimited. */
    public lifetime: number,
    /** Seconds a stream survives its connection; 0 = closed with it. */
    public linger: number,
  ) {}

  get size(): number {
    return this.streams.size;
  }
  ids(): string[] {
    return [...this.streams.keys()];
  }

  /** Open streams owned by one connection (for the per-connection cap). */
  countFor(client: ClientConnection): number {
    let n = 0;
    for (const e of this.streams.values()) if (e.client === client) n++;
    return n;
  }

  add(client: ClientConnection | null, iterator: AnyIterator): string {
    const id = randomUUID();
    this.streams.set(id, { client, created: Date.now(), lingerSince: 0, iterator, pending: null });
    return id;
  }

  private expired(e: StreamEntry, now: number): boolean {
    if (this.lifetime > 0 && now - e.created > this.lifetime * 1000) return true;
    if (this.linger > 0 && e.lingerSince && now - e.lingerSince > this.linger * 1000) return true;
    return false;
  }

  /** Next item; throws StopIteration at the end (the stream is gone then) or PyroError for unknown ids. */
  async next(id: string, client: ClientConnection | null): Promise<unknown> {
    const e = this.streams.get(id);
    if (!e || this.expired(e, Date.now())) {
      if (e) this.remove(id);
      throw new PyroError("item stream terminated");
    }
    if (e.client === null) {
      e.client = client;
      e.lingerSince = 0;
    }
    const run = async (): Promise<unknown> => {
      let r: IteratorResult<unknown>;
      try {
        r = await e.iterator.next();
      } catch (err) {
        this.streams.delete(id);
        throw err;
      }
      if (r.done) {
        this.streams.delete(id);
        throw stopIteration();
      }
      return r.value;
    };
    const p = e.pending ? e.pending.then(run, run) : run();
    e.pending = p.then(
      () => null,
      () => null,
    );
    return p;
  }

  remove(id: string): void {
    const e = this.streams.get(id);
    if (e) {
      this.streams.delete(id);
      closeIterator(e.iterator);
    }
  }

  /** A connection went away: its streams linger, or close now when linger is 0. */
  disconnect(client: ClientConnection): void {
    const now = Date.now();
    for (const [id, e] of this.streams) {
      if (e.client !== client) continue;
      if (this.linger > 0) {
        e.client = null;
        e.lingerSince = now;
      } else this.remove(id);
    }
  }

  /** Drop expired streams (run periodically). */
  sweep(): void {
    if (!this.streams.size) return;
    const now = Date.now();
    for (const [id, e] of this.streams) if (this.expired(e, now)) this.remove(id);
  }

  clear(): void {
    for (const id of [...this.streams.keys()]) this.remove(id);
  }
}
