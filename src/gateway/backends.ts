// How the gateway reaches a backend object for one HTTP request.
//
// Default (Python's semantics): a name-server lookup per request and a fresh connection with a handshake per
// request, closed afterwards, so a session-mode object gets a fresh instance per request. What is cut is waiting:
// - the connection to the location this name had last time is opened (TCP connect + handshake) while the lookup
//   runs; it is used only if the lookup answers that same URI, else closed unused and the answered URI connected;
// - when the metadata this URI gave last time says the method is a plain method, the call is written right behind
//   the handshake (pipelined) instead of after its answer; the fresh metadata is still checked, and if it no longer
//   agrees the reply is dropped and the request answered from the fresh metadata, as Python would.
// Opt-in (GatewayOptions.reuse / --reuse, poolSize / --pool-size): a bounded pool of connections per backend URI
// for the object names matching a regex; and nsCacheSecs / --ns-cache: lookups answered from a cache, a cached
// location that fails to connect is dropped and the request retried once with a fresh lookup.

import type { Message } from "../protocol/message.js";
import { PyException } from "./errors.js";
import { PyroLink, type LinkOptions, type ObjectMeta } from "./link.js";
import type { PyroTarget } from "./nameserver.js";
import type { GatewayProtocol } from "./protocol.js";
import type { TlsConnector } from "./tls.js";
import { pythonMatch } from "../python/regex.js";
import type { Limits } from "../limits.js";

export interface BackendOptions {
  proto: GatewayProtocol;
  hmacKey: Uint8Array | null;
  tls: TlsConnector | null;
  /** Object names (Python regex, re.match) whose backend connections are pooled and reused; null = none. */
  reuse: RegExp | null;
  /** Connections per backend URI in a pool (busy + idle); more requests wait for one. */
  poolSize: number;
  /** The gateway's limits (maxMessageSize for calls and replies). */
  limits: Limits;
  /** Lookup cache lifetime in ms; 0 = a lookup per request (Python). */
  nsCacheMs: number;
  /** The name-server lookup. */
  lookup: (name: string, corr: Buffer) => Promise<PyroTarget>;
}

/** The call to pipeline behind the handshake, when the previous metadata of the URI allows it. */
export interface EarlyCall {
  method: string;
  vargs: unknown[];
  kwargs: Record<string, unknown>;
}

export interface Session {
  link: PyroLink;
  meta: ObjectMeta;
  target: PyroTarget;
  /** The pipelined call's reply when one was sent (the request must not send it again). */
  early: Promise<Message | null> | null;
  pooled: boolean;
  /** Hand the link back: to its pool when `reusable` and pooled, else closed. */
  done(reusable: boolean): void;
}

/** Phase timings of the last requests (ms), for bench/profile. */
export type PhaseHook = (phase: string, ms: number) => void;

const HINTS_MAX = 4096;

/** A connection opened to a name's previous location while its lookup runs. */
interface Speculation {
  target: PyroTarget;
  link: Promise<PyroLink>;
  meta: Promise<ObjectMeta>;
}

interface PoolEntry {
  link: PyroLink;
  meta: ObjectMeta;
}

/** Connections to one backend URI: at most `size` open, idle ones reused LIFO, waiters served FIFO. */
class Pool {
  private readonly idle: PoolEntry[] = [];
  private open = 0;
  private readonly waiting: ((e: PoolEntry | null) => void)[] = [];

  constructor(readonly size: number) {}

  /** An idle live connection, or null with a permit to open one (after waiting for a slot if all are busy). */
  acquire(): Promise<PoolEntry | null> | PoolEntry | null {
    while (this.idle.length) {
      const e = this.idle.pop()!;
      if (!e.link.dead) return e;
      this.open--;
      e.link.close();
    }
    if (this.open < this.size) {
      this.open++;
      return null;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Give back a slot: with a live connection to reuse, or null when it was closed (or never opened). */
  release(e: PoolEntry | null): void {
    if (e && e.link.dead) {
      e.link.close();
      e = null;
    }
    const w = this.waiting.shift();
    if (w) return w(e); // the slot passes on (a null entry: the waiter opens a new connection in it)
    if (e) this.idle.push(e);
    else this.open--;
  }

  /** The backend went away: close the idle connections (busy ones are closed when they fail). */
  flush(): void {
    for (const e of this.idle.splice(0)) {
      e.link.close();
      this.open--;
    }
  }

  close(): void {
    this.flush();
    for (const w of this.waiting.splice(0)) w(null);
  }

  get stats(): { open: number; idle: number; waiting: number } {
    return { open: this.open, idle: this.idle.length, waiting: this.waiting.length };
  }
}

function connectionLost(e: unknown): boolean {
  return e instanceof PyException && /\.(CommunicationError|ConnectionClosedError)$/.test(e.pythonClass);
}

export class Backends {
  /** name -> where the last lookup of it pointed (speculative connect; never answers a request by itself). */
  private readonly lastTarget = new Map<string, PyroTarget>();
  /** URI -> the metadata its last handshake returned (pipelining hint; each request checks the fresh one). */
  private readonly lastMeta = new Map<string, ObjectMeta>();
  /** Opt-in lookup cache: name -> target and expiry. */
  private readonly nsCache = new Map<string, { target: PyroTarget; until: number }>();
  private readonly pools = new Map<string, Pool>();
  phaseHook: PhaseHook | null = null;

  constructor(private readonly o: BackendOptions) {}

  /** Whether requests for this object name use pooled connections. */
  reuses(name: string): boolean {
    return this.o.reuse !== null && pythonMatch(this.o.reuse, name);
  }

  /** The cached location of `name` while it is fresh (nsCacheSecs), else null. */
  private cached(name: string): PyroTarget | null {
    if (this.o.nsCacheMs <= 0) return null;
    const c = this.nsCache.get(name);
    return c && c.until > Date.now() ? c.target : null;
  }

  private async resolve(name: string, corr: Buffer): Promise<{ target: PyroTarget; cached: boolean }> {
    const c = this.cached(name);
    if (c) return { target: c, cached: true };
    return { target: await this.lookupFresh(name, corr), cached: false };
  }

  /** A name-server lookup (kept in the cache when nsCacheSecs is set). */
  private async lookupFresh(name: string, corr: Buffer): Promise<PyroTarget> {
    const t0 = this.phaseHook ? performance.now() : 0;
    const target = await this.o.lookup(name, corr);
    if (this.phaseHook) this.phaseHook("lookup", performance.now() - t0);
    if (this.o.nsCacheMs > 0) {
      if (this.nsCache.size >= HINTS_MAX) this.nsCache.clear();
      this.nsCache.set(name, { target, until: Date.now() + this.o.nsCacheMs });
    }
    return target;
  }

  /** Drop a cached location (its backend failed). */
  invalidate(name: string): void {
    this.nsCache.delete(name);
    this.lastTarget.delete(name);
  }

  private remember<K, V>(m: Map<K, V>, k: K, v: V): void {
    if (m.size >= HINTS_MAX && !m.has(k)) m.clear();
    m.set(k, v);
  }

  /**
   * A connection to the object `name` for one request. `early` is sent pipelined behind a fresh handshake when
   * the URI's previous metadata lists it as a plain two-way method.
   */
  open(name: string, corr: Buffer, timeoutMs: number, early: EarlyCall | null): Promise<Session> {
    return this.reuses(name) ? this.openPooled(name, corr, timeoutMs) : this.openFresh(name, corr, timeoutMs, early);
  }

  private linkOptions(corr: Buffer, timeoutMs: number): LinkOptions {
    return { proto: this.o.proto, hmacKey: this.o.hmacKey, tls: this.o.tls, timeoutMs, correlation: corr, limits: this.o.limits };
  }

  /**
   * A pooled connection. The hot path of `reuse` mode (a cached location, an idle connection) allocates only the
   * session and awaits nothing but the pool; a location that fails is handled as in openFresh.
   */
  private async openPooled(name: string, corr: Buffer, timeoutMs: number): Promise<Session> {
    for (let attempt = 0; ; attempt++) {
      let target = this.cached(name);
      const cached = target !== null;
      target ??= await this.lookupFresh(name, corr);
      try {
        return await this.fromPool(target, corr, timeoutMs);
      } catch (e) {
        if (!connectionLost(e)) throw e;
        this.invalidate(name);
        this.pools.get(target.text)?.flush();
        if (!cached || attempt > 0) throw e;
      }
    }
  }

  private async openFresh(name: string, corr: Buffer, timeoutMs: number, early: EarlyCall | null): Promise<Session> {
    const opts = this.linkOptions(corr, timeoutMs);
    for (let attempt = 0; ; attempt++) {
      const { target, cached, spec } = this.o.nsCacheMs > 0 ? { ...(await this.resolve(name, corr)), spec: null } : await this.resolveSpeculating(name, corr, opts);
      try {
        return await this.fresh(target, opts, early, spec);
      } catch (e) {
        if (!connectionLost(e)) throw e;
        this.invalidate(name);
        this.pools.get(target.text)?.flush();
        // only a location that came from the cache is worth a second try: a fresh lookup's answer would repeat
        if (!cached || attempt > 0) throw e;
      }
    }
  }

  /** The lookup, with the connection to the name's previous location opened meanwhile. */
  private async resolveSpeculating(name: string, corr: Buffer, opts: LinkOptions): Promise<{ target: PyroTarget; cached: boolean; spec: Speculation | null }> {
    const guess = this.lastTarget.get(name);
    let spec: Speculation | null = null;
    if (guess) {
      const link = PyroLink.connect(guess, opts);
      const meta = link.then((l) => l.handshake(guess, guess.object));
      link.catch(() => {});
      meta.catch(() => {});
      spec = { target: guess, link, meta };
    }
    let r;
    try {
      r = await this.resolve(name, corr);
    } catch (e) {
      if (spec) void spec.link.then((l) => l.close(), () => {});
      throw e;
    }
    if (spec && spec.target.text !== r.target.text) {
      void spec.link.then((l) => l.close(), () => {});
      spec = null;
    }
    this.remember(this.lastTarget, name, r.target);
    return { ...r, spec };
  }

  private async fresh(target: PyroTarget, opts: LinkOptions, early: EarlyCall | null, spec: Speculation | null): Promise<Session> {
    const hook = this.phaseHook;
    const t0 = hook ? performance.now() : 0;
    let link: PyroLink;
    let metaP: Promise<ObjectMeta>;
    if (spec) {
      link = await spec.link;
      link.setRequest(opts.correlation, opts.timeoutMs);
      metaP = spec.meta;
    } else {
      link = await PyroLink.connect(target, opts);
      metaP = link.handshake(target, target.object);
    }
    if (hook) hook(spec ? "connect (speculative, awaited)" : "connect", performance.now() - t0);
    const hint = this.lastMeta.get(target.text);
    let earlyReply: Promise<Message | null> | null = null;
    if (early && hint && hint.methods.includes(early.method) && !hint.attrs.includes(early.method) && !hint.oneway.includes(early.method)) {
      earlyReply = link.invoke(target.object, early.method, early.vargs, early.kwargs, false);
      earlyReply.catch(() => {});
    }
    const t1 = hook ? performance.now() : 0;
    let meta: ObjectMeta;
    try {
      meta = await metaP;
    } catch (e) {
      link.close();
      this.lastMeta.delete(target.text);
      throw e;
    }
    if (hook) hook("handshake", performance.now() - t1);
    this.remember(this.lastMeta, target.text, meta);
    return { link, meta, target, early: earlyReply, pooled: false, done: () => link.close() };
  }

  private async fromPool(target: PyroTarget, corr: Buffer, timeoutMs: number): Promise<Session> {
    let pool = this.pools.get(target.text);
    if (!pool) {
      if (this.pools.size >= HINTS_MAX) this.closePools();
      this.pools.set(target.text, (pool = new Pool(this.o.poolSize)));
    }
    const p = pool;
    const got = p.acquire();
    let entry = got instanceof Promise ? await got : got;
    if (entry) {
      entry.link.setRequest(corr, timeoutMs);
    } else {
      try {
        const { link, meta } = await PyroLink.open(target, target.object, this.linkOptions(corr, timeoutMs));
        entry = { link, meta };
      } catch (e) {
        p.release(null);
        throw e;
      }
    }
    const e = entry;
    let given = false;
    return {
      link: e.link, meta: e.meta, target, early: null, pooled: true,
      done: (reusable) => {
        if (given) return;
        given = true;
        if (!reusable || !e.link.idle) {
          e.link.close();
          p.release(null);
        } else p.release(e);
      },
    };
  }

  /** Pool figures per backend URI (tests, diagnostics). */
  poolStats(): Record<string, { open: number; idle: number; waiting: number }> {
    return Object.fromEntries([...this.pools].map(([k, p]) => [k, p.stats]));
  }

  private closePools(): void {
    for (const p of this.pools.values()) p.close();
    this.pools.clear();
  }

  close(): void {
    this.closePools();
  }
}
