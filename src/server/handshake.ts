// The CONNECT handshake of a daemon connection, Pyro4's Daemon._handshake: check the message and its serializer,
// run the daemon's validateHandshake hook inside the call's context, and answer CONNECTOK (with the object's
// metadata when asked) or CONNECTFAIL. Also the early CONNECTFAIL for a first message that cannot even be read,
// which Pyro4 sends marshal-encoded. Runs once per connection, so it favours clarity over speed.

import { DaemonError, ProtocolError, PyroError, SerializeError } from "../errors.js";
import { FLAGS_META_ON_CONNECT, MSG_CONNECT, MSG_CONNECTFAIL, MSG_CONNECTOK, type Message } from "../protocol/message.js";
import { getSerializer } from "../serializers/index.js";
import { isPlainObject } from "../serializers/values.js";
import { contextStorage, type Context } from "./context.js";
import type { DaemonCore } from "./daemon-core.js";
import { debug } from "../observe/log.js";
import { asError, errorCode, newContext, responseAnnotations, type ServedConnection } from "./reply.js";

/** marshal of a str, for early CONNECTFAILs when the marshal serializer is unavailable: TYPE_UNICODE 'u'. */
function marshalString(s: string): Buffer {
  try {
    return getSerializer("marshal").serializeData(s);
  } catch {
    const body = Buffer.from(s, "utf8");
    const out = Buffer.allocUnsafe(5 + body.length);
    out[0] = 0x75;
    out.writeUInt32LE(body.length, 1);
    body.copy(out, 5);
    return out;
  }
}

/** marshal's wire id in the daemon's protocol (3 in Pyro4, 2 in Pyro5): early CONNECTFAILs use it. */
function marshalId(daemon: DaemonCore): number {
  return daemon.profile.values.ids.marshal!;
}

/** Answer CONNECTFAIL with `text`, in the client's serializer when possible, else in marshal. */
function sendConnectFail(conn: ServedConnection, daemon: DaemonCore, seq: number, serializerId: number, text: string, ctx: Context | null): void {
  let data: Buffer;
  try {
    data = serializerId === marshalId(daemon) ? marshalString(text) : daemon.profile.serializer(serializerId).serializeData(text, daemon.serializeOptions);
  } catch {
    serializerId = marshalId(daemon);
    data = marshalString(text);
  }
  try {
    conn.write(MSG_CONNECTFAIL, serializerId, seq, data, 0, responseAnnotations(daemon, ctx, !!ctx), false);
  } catch (e) {
    debug("connection %d: cannot send CONNECTFAIL: %s", conn.id, (e as Error).message);
  }
}

/** The answer to a first message that could not be read: a marshal-encoded CONNECTFAIL with seq 0. */
export function refuseUnreadable(conn: ServedConnection, daemon: DaemonCore, text: string): void {
  sendConnectFail(conn, daemon, 0, marshalId(daemon), text, null);
}

/**
 * The first message of a connection: validate, answer CONNECTOK (with metadata) or CONNECTFAIL. True when
 * accepted; `deniedReason` refuses every client (the daemon has no free connection slot).
 */
export async function handshake(conn: ServedConnection, daemon: DaemonCore, deniedReason: string | null, msg: Message): Promise<boolean> {
  let serializerId = marshalId(daemon);
  let seq = 0;
  let ctx: Context | null = null;
  try {
    if (msg.type !== MSG_CONNECT) throw new ProtocolError(`invalid msg type ${msg.type} received`);
    seq = msg.seq;
    if (deniedReason) throw new PyroError(deniedReason);
    if (!daemon.acceptedSerializers.has(msg.serializerId))
      throw new SerializeError(`message used serializer that is not accepted: ${msg.serializerId}`);
    ctx = newContext(conn, msg);
    serializerId = msg.serializerId;
    const serializer = daemon.profile.serializer(serializerId);
    const data = serializer.deserializeData(msg.data, { limits: daemon.limits });
    let handshakeData: unknown = null;
    let objectId: unknown = null;
    if (data instanceof Map) {
      handshakeData = data.get("handshake");
      objectId = data.get("object");
    } else if (data && typeof data === "object" && isPlainObject(data)) {
      handshakeData = (data as Record<string, unknown>).handshake;
      objectId = (data as Record<string, unknown>).object;
    } else throw new ProtocolError("invalid handshake data");
    if (typeof objectId === "string") conn.objectId = objectId;
    let response = await contextStorage.run(ctx, () => daemon.validateHandshake(conn, handshakeData));
    let flags = 0;
    if (msg.flags & FLAGS_META_ON_CONNECT) {
      const meta = daemon.metadataFor(String(objectId), daemon.profile.handshakeMetaAsLists);
      if (!meta) throw new DaemonError("unknown object");
      response = { handshake: response, meta };
      flags = FLAGS_META_ON_CONNECT;
    }
    const payload = serializer.serializeData(response, daemon.serializeOptions);
    conn.write(MSG_CONNECTOK, serializerId, seq, payload, flags, responseAnnotations(daemon, ctx, true), daemon.compression);
    return true;
  } catch (e) {
    const err = asError(e);
    debug("connection %d: handshake failed: %s", conn.id, err.message);
    if (errorCode(err) === "ERR_PYRO4_CONNECTION_CLOSED") return false;
    sendConnectFail(conn, daemon, seq, serializerId, err.message, ctx);
    return false;
  }
}
