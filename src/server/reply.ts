// What the CONNECT handshake (handshake.ts) and request handling (requests.ts) share when they answer a client:
// the view of the connection they write through, the per-call Context with its correlation id, the response
// annotations, and how a thrown value becomes an Error. Kept apart from connection.ts so that neither of them
// imports the socket code that drives them (no import cycle).

import type { Annotations, Message, Payload } from "../protocol/message.js";
import { Context, nextCorrelation, type ClientConnection } from "./context.js";
import type { DaemonCore } from "./daemon-core.js";

/** The connection as the handshake and the request handler use it (Connection in connection.ts). */
export interface ServedConnection extends ClientConnection {
  /** Set by the handshake from the client's CONNECT data. */
  objectId: string | null;
  /**
   * Encode and send one message (dropped once the connection is closed); text data is sent as UTF-8. Returns whether
   * the socket (or a frame subscriber) may still read the buffers it was given after this returns: false once
   * they are with the kernel.
   */
  write(type: number, serializerId: number, seq: number, data: Payload | string, flags: number, annotations: Annotations | null, compress: boolean): boolean;
  /** `write` of the payload `buf[start, end)`, with the bytes in front of it free for the header (encodeFrameAround). */
  writeAround(type: number, serializerId: number, seq: number, buf: Buffer, start: number, end: number, flags: number, annotations: Annotations | null, compress: boolean): boolean;
  /** Close after everything written so far is flushed. */
  closeAfterWrite(): void;
}

/** The context of one received message: its request annotations and correlation id (the client's, else a new one). */
export function newContext(conn: ClientConnection, msg: Message): Context {
  const ctx = new Context(conn);
  ctx.seq = msg.seq;
  ctx.msgFlags = msg.flags;
  ctx.serializerId = msg.serializerId;
  const ann = msg.annotations;
  if (ann) ctx.annotations = ann;
  const corr = ann?.get("CORR");
  if (corr && corr.length === 16) ctx.correlationBytes = corr;
  else ctx.correlationCounter = nextCorrelation();
  return ctx;
}

const CORR_ONLY: Annotations = new Map();

/** Response annotations: the call's own, then CORR, then the daemon's annotations() hook. */
export function responseAnnotations(daemon: DaemonCore, ctx: Context | null, withCorr: boolean): Annotations | null {
  const user = daemon.userAnnotations();
  const ctxAnn = ctx ? ctx.responseAnnotationsIfAny : null;
  if (!user && !(ctxAnn && ctxAnn.size)) {
    // the common case, once per call: one map reused, and a generated id's bytes in a reused buffer (the message
    // is encoded at once: encodeFrame copies the annotations into it and keeps nothing)
    const corr = withCorr && ctx ? ctx.correlationAnnotationNow() : null;
    if (!corr) return null;
    CORR_ONLY.set("CORR", corr);
    return CORR_ONLY;
  }
  const corr = withCorr && ctx ? ctx.correlationAnnotation() : null;
  const ann: Annotations = new Map(ctxAnn ?? []);
  if (corr) ann.set("CORR", corr);
  else ann.delete("CORR");
  if (user) for (const [k, v] of user) ann.set(k, v);
  return ann;
}

export function errorCode(e: unknown): string | undefined {
  return (e as { code?: unknown } | null)?.code as string | undefined;
}

/** Anything thrown becomes an Error (Python raises only exceptions; JavaScript can throw any value). */
export function asError(e: unknown): Error {
  if (e instanceof Error) return e;
  // a plain Error on purpose: a thrown non-Error value reaches Python as builtins.Exception(value) (errors.test.ts)
  // eslint-disable-next-line no-restricted-syntax
  return new Error(typeof e === "string" ? e : String(e));
}
