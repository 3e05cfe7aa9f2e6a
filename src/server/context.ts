// Per-call context for served methods, like Pyro4's `current_context`: which connection and client address a
// call came from, its correlation id and request annotations, and the annotations to add to the response.
// Backed by AsyncLocalStorage so it follows `await`s inside async methods and oneway calls.
import type { PeerCertificate } from "node:tls";

import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { PyroError } from "../errors.js";
import { bytesToUuid, uuidToBytes, type Annotations } from "../protocol/message.js";

/** Something with a close() method, closed when the client connection goes away. */
export interface Resource {
  close(): unknown;
}

/** What user code may see of a client connection (Pyro4's SocketConnection on the server side). */
export interface ClientConnection {
  /** Connection number within this daemon (1, 2, ...). */
  readonly id: number;
  /** Object id the client connected for (from its handshake), if it told us. */
  readonly objectId: string | null;
  /** Remote address: `{ address, port, family }` for TCP, `{ path }` for unix sockets. */
  readonly peer: { address?: string; port?: number; family?: string; path?: string };
  /** Session-mode instances, per registered class. */
  readonly pyroInstances: Map<Function, object>;
  /** Resources closed automatically when the connection ends (Pyro4's tracked_resources). */
  readonly trackedResources: Set<Resource>;
  /** Free-form per-connection storage for user code (e.g. a user session set in validateHandshake). */
  readonly data: Map<unknown, unknown>;
  /**
   * The client's TLS certificate when the daemon serves TLS and the client presented one (check it in
   * validateHandshake, like Pyro4's `conn.getpeercert()`); null otherwise.
   */
  getPeerCertificate(): PeerCertificate | null;
  /** Close this client connection. */
  close(): void;
}

/**
 * Pyro4's `current_context` during a call: the client connection, its address, the sequence number and the
 * annotations.
 */
export interface CallContext {
  client: ClientConnection | null;
  clientSockAddr: ClientConnection["peer"] | null;
  seq: number;
  msgFlags: number;
  serializerId: number;
  /** Annotations of the request message. */
  annotations: Annotations;
  /** Set entries here to send extra annotations (4-character ASCII keys) with the response. */
  responseAnnotations: Map<string, Buffer>;
  /** Correlation id (uuid string): from the request's CORR annotation, else freshly generated. */
  correlationId: string | null;
  trackResource(resource: Resource): void;
  untrackResource(resource: Resource): void;
}

export const contextStorage = new AsyncLocalStorage<CallContext>();

/** Set once this process has served a call: until then no proxy call looks for an ambient context. */
let served = false;

/**
 * CORR bytes of the call being served, for proxies used inside it (Pyro4's current_context.correlation_id,
 * which its proxies send): logs of a call chain across processes share one id. Null outside a served call.
 */
export function ambientCorrelation(): Buffer | null {
  if (!served) return null;
  const ctx = contextStorage.getStore();
  if (!ctx) return null;
  if (ctx instanceof Context) return ctx.correlationAnnotation();
  return ctx.correlationId ? uuidToBytes(ctx.correlationId) : null;
}

/** The context of the call being served, or undefined outside a served call. */
export function currentContext(): CallContext | undefined {
  return contextStorage.getStore();
}

const EMPTY_ANNOTATIONS: Annotations = new Map();

// Correlation ids for requests that bring none: version-4 UUID bytes made of a random per-process base with a
// counter in the last six bytes. A correlation id must be unique, not secret; drawing 16 random bytes per call
// (Pyro4's uuid4()) showed up in the daemon's profile. A context keeps only the counter until someone needs the
// bytes; the reply's CORR is written from it into one reused buffer.
const uuidBase = randomBytes(16);
uuidBase[6] = (uuidBase[6]! & 0x0f) | 0x40;
uuidBase[8] = (uuidBase[8]! & 0x3f) | 0x80;
let uuidCounter = uuidBase.readUIntBE(10, 6);
/** uuidBase with the counter of the id being sent, for messages encoded at once (correlationAnnotationNow). */
const uuidScratch = Buffer.from(uuidBase);

/** A fresh correlation id, as the counter of its bytes (Context.correlationCounter). */
export function nextCorrelation(): number {
  uuidCounter = (uuidCounter + 1) % 0x1000000000000;
  return uuidCounter;
}

function uuidBytes(counter: number, into: Buffer): Buffer {
  into.writeUIntBE(counter, 10, 6);
  return into;
}

/**
 * The context object of one call. A class (methods on the prototype, no closures per call) whose request
 * annotations, response annotations and correlation id string are made only when someone asks: most calls
 * need none of them, and the daemon sends the CORR bytes it already has.
 */
export class Context implements CallContext {
  client: ClientConnection | null;
  clientSockAddr: ClientConnection["peer"] | null;
  seq = 0;
  msgFlags = 0;
  serializerId = 0;
  private _annotations: Annotations | null = null;
  private _responseAnnotations: Map<string, Buffer> | null = null;
  private _correlationId: string | null = null;
  /** 16 raw bytes of the correlation id while `_correlationId` has not been formatted (or set) yet. */
  correlationBytes: Buffer | null = null;
  /** A generated correlation id whose bytes were not made yet (nextCorrelation), else -1. */
  correlationCounter = -1;

  constructor(client: ClientConnection | null) {
    served = true;
    this.client = client;
    this.clientSockAddr = client?.peer ?? null;
  }

  get annotations(): Annotations {
    return (this._annotations ??= new Map());
  }
  set annotations(a: Annotations) {
    this._annotations = a;
  }
  /** The request annotations without creating an empty map. */
  get requestAnnotations(): Annotations {
    return this._annotations ?? EMPTY_ANNOTATIONS;
  }
  get responseAnnotations(): Map<string, Buffer> {
    return (this._responseAnnotations ??= new Map());
  }
  set responseAnnotations(a: Map<string, Buffer>) {
    this._responseAnnotations = a;
  }
  /** Response annotations set so far, or null when none were (without creating a map). */
  get responseAnnotationsIfAny(): Map<string, Buffer> | null {
    return this._responseAnnotations;
  }
  get correlationId(): string | null {
    if (this._correlationId === null) {
      const b = this.correlationAnnotation();
      if (b) this._correlationId = bytesToUuid(b);
    }
    return this._correlationId;
  }
  set correlationId(id: string | null) {
    this._correlationId = id;
    this.correlationBytes = null;
    this.correlationCounter = -1;
  }
  /** The CORR annotation value for the response, or null when there is no correlation id. */
  correlationAnnotation(): Buffer | null {
    if (this.correlationBytes) return this.correlationBytes;
    if (this.correlationCounter >= 0) {
      this.correlationBytes = uuidBytes(this.correlationCounter, Buffer.from(uuidBase));
      this.correlationCounter = -1;
      return this.correlationBytes;
    }
    return this._correlationId ? uuidToBytes(this._correlationId) : null;
  }
  /**
   * correlationAnnotation() for a message encoded right away: a generated id's bytes come in a buffer reused by
   * the next call, so nothing is allocated per call.
   */
  correlationAnnotationNow(): Buffer | null {
    if (this.correlationCounter >= 0 && this.correlationBytes === null) return uuidBytes(this.correlationCounter, uuidScratch);
    return this.correlationAnnotation();
  }

  /** A context for work that outlives this call (a threaded oneway call): same request, fresh response annotations. */
  copy(): Context {
    const c = new Context(this.client);
    c.clientSockAddr = this.clientSockAddr;
    c.seq = this.seq;
    c.msgFlags = this.msgFlags;
    c.serializerId = this.serializerId;
    c._annotations = this._annotations;
    c._correlationId = this._correlationId;
    c.correlationBytes = this.correlationBytes;
    c.correlationCounter = this.correlationCounter;
    return c;
  }

  trackResource(resource: Resource): void {
    if (!this.client) throw new PyroError("cannot track resource on a connectionless call");
    this.client.trackedResources.add(resource);
  }
  untrackResource(resource: Resource): void {
    if (!this.client) throw new PyroError("cannot untrack resource on a connectionless call");
    this.client.trackedResources.delete(resource);
  }
}
