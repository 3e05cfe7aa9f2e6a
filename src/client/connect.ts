// Connecting a proxy: resolve its URI (PYRONAME/PYROMETA through the name server), open the socket (TLS or
// plain), do the CONNECT handshake, read the object's metadata (piggybacked on CONNECTOK, else by asking
// Pyro.Daemon.get_metadata) and run the user's handshake check; reported on pyro4:client:connect. Errors name
// the place and say what to change where that is known (HMAC key, serializer, object id). The request queue
// (core.ts) calls connect() when it needs a connection and owns the result from then on.

import { CommunicationError, PyroError, ProtocolError, RemoteError, SecurityError } from "../errors.js";
import { str as pyStr } from "../python/repr.js";
import {
  DAEMON_NAME,
  FLAGS_EXCEPTION,
  FLAGS_META_ON_CONNECT,
  MSG_CONNECT,
  MSG_CONNECTFAIL,
  MSG_CONNECTOK,
  MSG_INVOKE,
  encodeMessage,
  type Annotations,
  type Message,
} from "../protocol/message.js";
import { connectSocket, describeTarget } from "../transport/connect.js";
import { ReadRelay } from "../transport/relay.js";
import { tlsClientOptions } from "../transport/tls.js";
import type { URI } from "../uri.js";
import { Connection, type ConnectionOwner } from "./connection.js";
import { toError } from "./support.js";
import { resolve as resolveUri } from "./resolve.js";
import type { ProxySettings } from "./settings.js";
import { clientConnect, type ClientConnectMessage } from "../observe/channels.js";

/** What connecting needs of a proxy: its settings, and the state the handshake updates (ProxyCore). */
export interface ConnectingProxy extends ProxySettings {
  /** Message sequence number, shared with the calls (get_metadata takes the next one). */
  seq: number;
  /** The URI actually connected to (resolved), set when the connection is made. */
  connectedUri: URI | null;
  /** The daemon's handshake response. */
  handshakeResponse: unknown;
  /** Annotations of the daemon's last answer. */
  responseAnnotations: Annotations | null;
}

/** What a connection attempt got as far as, for pyro4:client:connect. */
interface ConnectInfo {
  uri: URI | null;
  where: string;
}

/** Connect `proxy` (connectOnce), reported on pyro4:client:connect when someone subscribes. */
export async function connect(proxy: ConnectingProxy, timeoutMs: number): Promise<Connection> {
  if (!clientConnect.hasSubscribers) return connectOnce(proxy, timeoutMs, null);
  const t0 = performance.now();
  const info: ConnectInfo = { uri: null, where: "" };
  let conn: Connection | null = null;
  let error: Error | null = null;
  try {
    conn = await connectOnce(proxy, timeoutMs, info);
    return conn;
  } catch (e) {
    error = e instanceof Error ? e : new CommunicationError(String(e));
    throw e;
  } finally {
    const msg: ClientConnectMessage = {
      uri: proxy.uri.asString(),
      connectedUri: info.uri ? info.uri.asString() : null,
      location: info.where,
      serializer: proxy.serializer.name,
      tls: !!proxy.ssl,
      connectionId: conn ? conn.id : 0,
      error,
      durationMs: performance.now() - t0,
    };
    if (conn) msg.handshakeResponse = proxy.handshakeResponse;
    clientConnect.publish(msg);
  }
}

/** Resolve the URI, open the socket, do the CONNECT handshake and read metadata. */
async function connectOnce(proxy: ConnectingProxy, timeoutMs: number, info: ConnectInfo | null): Promise<Connection> {
  const uri = proxy.uri.protocol === "PYRO" ? proxy.uri : await resolveUri(proxy.uri, { hmacKey: proxy.hmacKey, timeout: proxy.timeout, profile: proxy.profile, limits: proxy.limits });
  const target = { host: uri.host, port: uri.port, sockname: uri.sockname };
  const where = describeTarget(target);
  if (info) {
    info.uri = uri;
    info.where = where;
  }
  const tls = proxy.ssl ? tlsClientOptions(uri.host, proxy.ssl === true ? {} : proxy.ssl, proxy.profile.config) : null;
  const relay = tls ? null : new ReadRelay();
  const socket = await connectSocket(target, { timeoutMs, noDelay: true, tls, relay });
  const waiter = new HandshakeWaiter();
  const maxMessageSize = proxy.limits.maxMessageSize;
  const conn = new Connection(socket, where, waiter, proxy.hmacKey, proxy.limits, relay, proxy.wire);
  try {
    const ser = proxy.serializer;
    const data: Record<string, unknown> = { handshake: proxy.handshake };
    if (proxy.metadata || proxy.profile.connectNamesObject) data.object = uri.object;
    const [h, p] = encodeMessage(MSG_CONNECT, ser.id, proxy.seq, ser.serializeData(data, { dialect: proxy.profile.values }), {
      flags: proxy.metadata ? FLAGS_META_ON_CONNECT : 0,
      annotations: proxy.annotations,
      hmacKey: proxy.hmacKey,
      compress: proxy.compression,
      maxMessageSize,
      whole: true,
      wire: proxy.wire,
    });
    conn.armTimer(timeoutMs, "to the CONNECT handshake");
    conn.write(h, p, null);
    const msg = await waiter.next();
    conn.disarm();
    if (msg.annotations) proxy.responseAnnotations = msg.annotations;
    if (msg.type === MSG_CONNECTFAIL) throw rejection(proxy, where, msg);
    if (msg.type !== MSG_CONNECTOK) throw new ProtocolError(`cannot connect to ${where}: invalid msg type ${msg.type} received`);
    let response: unknown = msg.data.length ? proxy.profile.serializer(msg.serializerId).deserializeData(msg.data, { limits: proxy.limits }) : "?";
    if (msg.flags & FLAGS_META_ON_CONNECT) {
      const r = response as { meta?: unknown; handshake?: unknown };
      proxy.processMetadata(r.meta);
      response = r.handshake;
    } else if (proxy.metadata && !proxy.metaKnown) {
      // daemons that do not piggyback metadata on CONNECTOK answer Pyro.Daemon.get_metadata
      proxy.processMetadata(await getMetadata(proxy, conn, waiter, uri.object, timeoutMs));
    }
    proxy.handshakeResponse = response;
    if (proxy.validateHandshake) await proxy.validateHandshake(response);
    proxy.connectedUri = uri;
    return conn;
  } catch (e) {
    conn.destroy();
    throw connectError(where, e);
  }
}

/** A failure while connecting, as an error that says where it happened (and, for HMAC trouble, why). */
function connectError(where: string, e: unknown): Error {
  if (e instanceof SecurityError && !e.message.startsWith("cannot connect")) {
    const hint = /mismatch/.test(e.message)
      ? "this proxy's HMAC key differs from the daemon's"
      : /symmetric/.test(e.message)
        ? "one side has an HMAC key and the other has none"
        : "";
    return new SecurityError(`cannot connect to ${where}: ${e.message}${hint ? ` (${hint})` : ""}`, { cause: e });
  }
  if (e instanceof PyroError && !(e instanceof RemoteError)) {
    if (/^(cannot connect|connection to)/.test(e.message) || e.constructor === PyroError) return e;
    const Cls = e.constructor as new (m: string, o?: { cause?: unknown }) => PyroError;
    return new Cls(`cannot connect to ${where}: ${e.message}`, { cause: e });
  }
  return new CommunicationError(`cannot connect to ${where}: ${(e as Error)?.message ?? e}`, { cause: e });
}

/** The daemon's CONNECTFAIL as an error, with a hint for the refusals a proxy setting can cause. */
function rejection(proxy: ConnectingProxy, where: string, msg: Message): CommunicationError {
  let text: string;
  try {
    const v = proxy.profile.serializer(msg.serializerId).deserializeData(msg.data, { limits: proxy.limits });
    text = pyStr(v); // Python formats the answer with "%s"
  } catch {
    text = fallbackText(msg.data);
  }
  let hint = "";
  if (/serializer that is not accepted/.test(text))
    hint = ` (this proxy uses serializer '${proxy.serializer.name}' (id ${proxy.serializer.id}); the daemon's SERIALIZERS_ACCEPTED does not include it)`;
  else if (text === "unknown object") hint = ` (no object '${proxy.uri.protocol === "PYRO" ? proxy.uri.object : proxy.uri.asString()}' is registered in that daemon)`;
  if (/hmac/.test(text)) return new SecurityError(`connection to ${where} rejected: ${text}`);
  return new CommunicationError(`connection to ${where} rejected: ${text}${hint}`);
}

/** Pyro.Daemon.get_metadata(objectId) on the connection being set up (before the request queue owns it). */
async function getMetadata(proxy: ConnectingProxy, conn: Connection, waiter: HandshakeWaiter, objectId: string, timeoutMs: number): Promise<unknown> {
  const ser = proxy.serializer;
  const seq = (proxy.seq + 1) & 0xffff;
  const [h, p] = encodeMessage(MSG_INVOKE, ser.id, seq, ser.serializeCall(DAEMON_NAME, "get_metadata", [objectId], {}, { dialect: proxy.profile.values }), {
    annotations: proxy.annotations,
    hmacKey: proxy.hmacKey,
    whole: true,
    wire: proxy.wire,
  });
  proxy.seq = seq;
  conn.armTimer(timeoutMs, "to get_metadata");
  conn.write(h, p, null);
  const msg = await waiter.next();
  conn.disarm();
  if (msg.seq !== seq) throw new ProtocolError(`invoke: reply sequence out of sync, got ${msg.seq} expected ${seq}`);
  const v = ser.deserializeData(msg.data, { limits: proxy.limits });
  if (msg.flags & FLAGS_EXCEPTION) throw toError(v);
  return v;
}

/** Receives the messages of a connection that is still handshaking (not on the hot path). */
class HandshakeWaiter implements ConnectionOwner {
  private waiting: { resolve: (m: Message) => void; reject: (e: Error) => void } | null = null;
  private buffered: Message[] = [];
  private error: Error | null = null;
  next(): Promise<Message> {
    if (this.buffered.length) return Promise.resolve(this.buffered.shift()!);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }
  onMessage(_conn: Connection, msg: Message): void {
    const w = this.waiting;
    this.waiting = null;
    if (w) w.resolve(msg);
    else this.buffered.push(msg);
  }
  onFailure(_conn: Connection, err: Error): void {
    const w = this.waiting;
    this.waiting = null;
    if (w) w.reject(err);
    else this.error = err;
  }
}

/** Readable text from a CONNECTFAIL payload we could not decode (e.g. marshal before that serializer exists). */
function fallbackText(data: Buffer): string {
  const s = data.toString("latin1").replace(/^[\x00-\x1f\x80-\xff]+/, "");
  return s.replace(/[\x00-\x08\x0e-\x1f]/g, "").trim() || `<${data.length} undecodable bytes>`;
}
