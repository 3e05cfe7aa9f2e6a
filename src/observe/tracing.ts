// The TracingChannel life cycle of client calls and served requests, published by hand because a call's
// promise is settled from the socket (not by a function we could wrap with tracePromise): start (stores bound
// with runStores, so AsyncLocalStorage-based tracers see their context in what the call starts), end when the
// call has been queued / the method has returned, then error, asyncStart and asyncEnd when the reply is known.

import { clientCall, serverRequest, type ClientCallMessage, type ServerRequestMessage } from "./channels.js";
import type { Annotations } from "../protocol/message.js";
import { InvalidArgumentError } from "../errors.js";

/** The payload object of one traced client call; Request keeps it and reports the outcome to it. */
export class CallTrace implements ClientCallMessage {
  objectId: string | null;
  correlationId: string | null;
  seq = 0;
  connectionId = 0;
  responseAnnotations: Annotations | null = null;
  result?: unknown;
  error?: unknown;
  /** Annotations added by subscribers, merged into the request frame. */
  extraAnnotations: Annotations | null = null;
  constructor(
    readonly uri: string,
    objectId: string | null,
    readonly method: string,
    readonly args: readonly unknown[],
    readonly kwargs: Record<string, unknown> | null,
    readonly oneway: boolean,
    readonly serializer: string,
    correlationId: string | null,
  ) {
    this.objectId = objectId;
    this.correlationId = correlationId;
  }
  addAnnotation(key: string, value: Uint8Array | string): void {
    if (typeof key !== "string" || key.length !== 4) throw new InvalidArgumentError("annotation key must be 4 characters");
    (this.extraAnnotations ??= new Map()).set(key, typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value));
  }
}

/** Publish start, run `fn` (the call being queued) with the start channel's stores bound, then end. */
export function traceStart<T>(trace: CallTrace, fn: () => T): T {
  return clientCall.start.runStores(trace, () => {
    try {
      return fn();
    } catch (e) {
      trace.error = e;
      clientCall.error.publish(trace);
      throw e;
    } finally {
      clientCall.end.publish(trace);
    }
  });
}

/** The call's outcome is known: error (if it failed), asyncStart, `settle` (resolves the caller's promise), asyncEnd. */
export function traceSettle(trace: CallTrace, value: unknown, err: unknown, failed: boolean, settle: () => void): void {
  if (failed) {
    trace.error = err;
    clientCall.error.publish(trace);
  } else trace.result = value;
  clientCall.asyncStart.runStores(trace, () => {
    try {
      settle();
    } finally {
      clientCall.asyncEnd.publish(trace);
    }
  });
}

export type RequestTrace = ServerRequestMessage;

/** Publish start for a served request and run it with the start channel's stores bound; end follows. */
export function requestStart<T>(trace: RequestTrace, fn: () => T): T {
  return serverRequest.start.runStores(trace, () => {
    try {
      return fn();
    } catch (e) {
      trace.error = e;
      serverRequest.error.publish(trace);
      throw e;
    } finally {
      serverRequest.end.publish(trace);
    }
  });
}

/** The request is answered (or failed, or was oneway): error (if it failed), asyncStart, asyncEnd. */
export function requestDone(trace: RequestTrace, value: unknown, err: unknown, failed: boolean): void {
  if (failed) {
    if (trace.error === undefined) {
      trace.error = err;
      serverRequest.error.publish(trace);
    }
  } else trace.result = value;
  serverRequest.asyncStart.publish(trace);
  serverRequest.asyncEnd.publish(trace);
}
