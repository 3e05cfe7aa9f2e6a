// Per-call context for served methods, like Pyro4's `current_context`: which connection and client address a
// call came from, its correlation id and request annotations, and the annotations to add to the response.
// Backed by AsyncLocalStorage so it follows `await`s inside async methods and oneway calls.
import type { PeerCertificate } from "node:tls";

import { AsyncLocalStorage } from "node:async_hooks";
import { PyroError } from "../errors.js";
import type { Annotations } from "../protocol/message.js";

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

export interface CallContext {
  client: ClientConnection | null;
  clientSockAddr: ClientConnection["peer"] | null;
  seq: number;
  msgFlags: number;
  serializerId: number;
  /** Annotations of the request message. */
  annotations: Annotations;
  /** Set entries here to send extra annotations (4-character keys) with the response. */
  responseAnnotations: Map<string, Buffer>;
  /** Correlation id (uuid string): from the request's CORR annotation, else freshly generated. */
  correlationId: string | null;
  trackResource(resource: Resource): void;
  untrackResource(resource: Resource): void;
}

export const contextStorage = new AsyncLocalStorage<CallContext>();

/** The context of the call being served, or undefined outside a served call. */
export function currentContext(): CallContext | undefined {
  return contextStorage.getStore();
}

export function makeContext(client: ClientConnection | null, init: Partial<CallContext> = {}): CallContext {
  return {
    client,
    clientSockAddr: client?.peer ?? null,
    seq: 0,
    msgFlags: 0,
    serializerId: 0,
    annotations: new Map(),
    responseAnnotations: new Map(),
    correlationId: null,
    ...init,
    trackResource(resource: Resource) {
      if (!this.client) throw new PyroError("cannot track resource on a connectionless call");
      this.client.trackedResources.add(resource);
    },
    untrackResource(resource: Resource) {
      if (!this.client) throw new PyroError("cannot untrack resource on a connectionless call");
      this.client.trackedResources.delete(resource);
    },
  };
}
