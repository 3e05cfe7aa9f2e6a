// What the CONNECT handshake (handshake.ts) and request handling (requests.ts) share when they answer a client:
// the view of the connection they write through, the per-call Context with its correlation id, the response
// annotations, and how a thrown value becomes an Error. Kept apart from connection.ts so that neither of them
// imports the socket code that drives them (no import cycle).

import { randomBytes } from "node:crypto";
import type { Annotations, Message, Payload } from "../protocol/message.js";
import { Context, type ClientConnection } from "./context.js";
import type { DaemonCore } from "./daemon-core.js";

/** The connection as the handshake and the request handler use it (Connection in connection.ts). */
export interface ServedConnection extends ClientConnection {
  /** Set by the handshake from the client's CONNECT data. */
  objectId: string | null;
  /** Encode and send one message (dropped once the connection is closed). */
  write(type: number, serializerId: number, seq: number, data: Payload, flags: number, annotations: Annotations | null, compress: boolean): void;
  /** Close after everything written so far is flushed. */
  closeAfterWrite(): void;
}

// Correlation ids for requests that bring none: version-4 UUID bytes made of a random per-process base with a
// counter in the last six bytes. A correlation id must be unique, not secret; drawing 16 random bytes per call
// (Pyro4's uuid4()) showed up in the daemon's profile.
const uuidBase = randomBytes(16);
uuidBase[6] = (uuidBase[6]! & 0x0f) | 0x40;
uuidBase[8] = (uuidBase[8]! & 0x3f) | 0x80;
let uuidCounter = uuidBase.readUIntBE(10, 6);
function randomUuidBytes(): Buffer {
  const b = Buffer.allocUnsafe(16);
  uuidBase.copy(b, 0, 0, 10);
  uuidCounter = (uuidCounter + 1) % 0x1000000000000;
  b.writeUIntBE(uuidCounter, 10, 6);
  return b;
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
  ctx.correlationBytes = corr && corr.length === 16 ? corr : randomUuidBytes();
  return ctx;
}

const CORR_ONLY: Annotations = new Map();

/** Response annotations: the call's own, then CORR, then the daemon's annotations() hook. */
export function responseAnnotations(daemon: DaemonCore, ctx: Context | null, withCorr: boolean): Annotations | null {
  const user = daemon.userAnnotations();
  const ctxAnn = ctx ? ctx.responseAnnotationsIfAny : null;
  const corr = withCorr && ctx ? ctx.correlationAnnotation() : null;
  if (!user && !(ctxAnn && ctxAnn.size)) {
    if (!corr) return null;
    // the common case, once per call: one map reused (encodeMessage reads it at once and keeps nothing)
    CORR_ONLY.set("CORR", corr);
    return CORR_ONLY;
  }
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
