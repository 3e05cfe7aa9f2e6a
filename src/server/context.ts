// Per-call context for served methods, like Pyro4's `current_context`: which connection and client address a
// call came from, its correlation id and request annotations, and the annotations to add to the response.
// Backed by AsyncLocalStorage so it follows `await`s inside async methods and oneway calls.
import type { PeerCertificate } from "node:tls";

import { AsyncLocalStorage } from "node:async_hooks";
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
    if (this._correlationId === null && this.correlationBytes) this._correlationId = bytesToUuid(this.correlationBytes);
    return this._correlationId;
  }
  set correlationId(id: string | null) {
    this._correlationId = id;
    this.correlationBytes = null;
  }
  /** The CORR annotation value for the response, or null when there is no correlation id. */
  correlationAnnotation(): Buffer | null {
    if (this.correlationBytes) return this.correlationBytes;
    return this._correlationId ? uuidToBytes(this._correlationId) : null;
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
