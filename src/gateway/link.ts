// One raw Pyro connection for the gateway, the way Python's gateway uses its Proxy with _pyroRawWireResponse:
// handshake with metadata on connect (json serializer, correlation id, optional HMAC for Pyro4; protocol 48 or
// 502 as the gateway's GatewayProtocol says), then calls whose reply is
// kept as the backend's own JSON bytes, so a result reaches the HTTP client exactly as the backend serialized it.
// A fresh link per HTTP request, as in Python (new Proxy per request), so session-mode objects behave the same.

import type { Socket } from "node:net";
import { connectSocket, type ConnectTarget } from "../transport/connect.js";
import {
  encodeMessageBuffer, FLAGS_META_ON_CONNECT, FLAGS_ONEWAY, MSG_CONNECT, MSG_CONNECTFAIL, MSG_CONNECTOK, MSG_INVOKE,
  MSG_RESULT, type Annotations, type Message,
} from "../protocol/message.js";
import { MessageReader } from "../protocol/reader.js";
import { MessageTooLargeError } from "../errors.js";
import type { Limits } from "../limits.js";
import { ReadRelay, type ReadSink } from "../transport/relay.js";
import { PyException } from "./errors.js";
import { str as pyStr } from "../python/repr.js";
import type { GatewayProtocol } from "./protocol.js";
import type { TlsConnector } from "./tls.js";

export interface ObjectMeta {
  methods: string[];
  oneway: string[];
  attrs: string[];
}

export interface LinkOptions {
  /** Pyro4 or Pyro5: framing, json serializer id, error class names. */
  proto: GatewayProtocol;
  hmacKey: Uint8Array | null;
  /** TLS to the peer (the gateway's SSL setting), null = plain TCP. */
  tls?: TlsConnector | null;
  /** ms, 0 = none (Pyro4's COMMTIMEOUT 0.0). */
  timeoutMs: number;
  /** 16 bytes for the CORR annotation. */
  correlation: Buffer | null;
  /**
   * The gateway's limits (its `limits` option over config MAX_MESSAGE_SIZE): maxMessageSize for the messages it
   * writes and reads, maxInflatedSize for compressed replies, the decoding limits for the metadata it decodes.
   */
  limits: Limits;
}

/** A message over the limit as the gateway's Python counterpart reports it (see GatewayProtocol.tooLarge). */
function pythonTooLarge(proto: GatewayProtocol, e: MessageTooLargeError): PyException {
  const t = proto.tooLarge;
  return new PyException(t.pythonClass, [e.sizes ? t.text(e.sizes.size, e.sizes.max) : e.message]);
}

/** Python's repr of the connect location, as it appears in CommunicationError messages. */
export function connectLocation(t: ConnectTarget): string {
  return t.sockname ? t.sockname : `('${t.host}', ${t.port})`;
}

/** `PyroLink.failure` of a link whose socket closed: the ConnectionClosedError is built only when someone needs it. */
const CLOSED = Symbol("closed");

/**
 * Per object id: the handshake body sent for it and the last CONNECTOK payload received with the metadata decoded
 * from it. In default mode every request handshakes with the same object and gets the same bytes back; equal bytes
 * decode to equal metadata, so the JSON is encoded and decoded once, not per request (the bytes are still compared
 * every time, so a changed object is decoded afresh). Entries are read-only for their users.
 */
interface HandshakeCache {
  json: GatewayProtocol["json"];
  body: Buffer;
  reply: Buffer | null;
  meta: ObjectMeta | null;
}
const handshakes = new Map<string, HandshakeCache>();
const HANDSHAKES_MAX = 4096;
/** A body missing at least this much is read straight into its own buffer (as the client's Connection does). */
const IN_PLACE_READ_MIN = 64 * 1024;

function handshakeCache(json: GatewayProtocol["json"], objectId: string): HandshakeCache {
  let c = handshakes.get(objectId);
  if (c?.json !== json) {
    if (handshakes.size >= HANDSHAKES_MAX) handshakes.clear();
    c = { json, body: json.serializeData(new Map<string, unknown>([["handshake", "hello"], ["object", objectId]])), reply: null, meta: null };
    handshakes.set(objectId, c);
  }
  return c;
}

export class PyroLink implements ReadSink {
  private readonly reader: MessageReader;
  /** Replies arrive in request order (a Pyro connection answers one message at a time): FIFO of waiters. */
  private readonly waiters: { resolve: (m: Message) => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown = null;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly options: LinkOptions,  // own copy (see open)
    private readonly where: string,
    relay: ReadRelay | null,
  ) {
    this.reader = new MessageReader({ hmacKey: options.hmacKey, limits: options.limits, wire: options.proto.wire });
    // a plain socket's reads come through its relay (no readable-stream machinery, no buffer per read); TLS: 'data'
    if (relay) relay.attach(this);
    else socket.on("data", (chunk: Buffer) => this.received(chunk, chunk.length, false));
    const errors = options.proto.errors;
    socket.on("error", (e) => this.fail(new PyException(errors + "ConnectionClosedError", [`receiving: connection lost: ${e.message}`])));
    // Every link ends with a close (in default mode: one per request); its error is built only if a request
    // waits for it or comes later, not on every close (an exception object and its stack per request).
    socket.on("close", () => this.fail(CLOSED));
  }

  /** ReadSink: a read into the relay's shared buffer (valid only during the call: the reader copies what it keeps). */
  onRead(buf: Buffer, n: number): void {
    this.received(buf, n, true);
  }
  /** ReadSink: the large body being assembled, when the next read should go straight into it. */
  readTarget(): Buffer | null {
    return this.failure === null ? this.reader.readTarget(IN_PLACE_READ_MIN) : null;
  }
  /** ReadSink: `n` bytes were read straight into the buffer readTarget() gave. */
  onReadInPlace(n: number): void {
    this.received(null, n, false);
  }

  /**
   * `chunk` null: `n` bytes were read straight into the body being assembled; else the first `n` bytes of `chunk`
   * arrived (`transient`: in the relay's buffer, decoded in place without a view of it).
   */
  private received(chunk: Buffer | null, n: number, transient: boolean): void {
    if (this.failure !== null) return;
    let msgs: Message[];
    try {
      msgs = chunk === null ? this.reader.filledInPlace(n) : transient ? this.reader.pushTransient(chunk, n) : this.reader.push(chunk);
    } catch (e) {
      return this.fail(e instanceof MessageTooLargeError ? pythonTooLarge(this.options.proto, e) : e);
    }
    for (const m of msgs) {
      const w = this.waiters.shift();
      this.clearTimer();
      if (this.waiters.length) this.armTimer();
      w?.resolve(m);
    }
  }

  private fail(e: unknown): void {
    if (this.failure === null) this.failure = e;
    this.clearTimer();
    if (this.waiters.length) {
      const err = this.failureError();
      for (const w of this.waiters.splice(0)) w.reject(err);
    }
    this.socket.destroy();
  }

  /** The error a request on this failed link gets (the close error is built on first use). */
  private failureError(): unknown {
    if (this.failure === CLOSED) this.failure = new PyException(this.options.proto.errors + "ConnectionClosedError", ["receiving: not enough data"]);
    return this.failure;
  }

  private armTimer(): void {
    if (this.options.timeoutMs > 0) {
      this.timer = setTimeout(
        () => this.fail(new PyException(this.options.proto.errors + "TimeoutError", ["receiving: timeout"])),
        this.options.timeoutMs,
      );
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Connect and handshake; returns the link and the object's metadata (from the connect response). */
  static async open(target: ConnectTarget & { text?: string }, objectId: string, options: LinkOptions): Promise<{ link: PyroLink; meta: ObjectMeta }> {
    const link = await PyroLink.connect(target, options);
    const meta = await link.handshake(target, objectId);
    return { link, meta };
  }

  /** The TCP (or unix socket) connection alone; Python's words when it fails. */
  static async connect(target: ConnectTarget, options: LinkOptions): Promise<PyroLink> {
    const where = connectLocation(target);
    let socket: Socket;
    const tls = options.tls?.forHost(target.host) ?? null;
    const relay = tls ? null : new ReadRelay();
    try {
      socket = await connectSocket(target, { timeoutMs: options.timeoutMs, tls, relay });
    } catch (e) {
      throw new PyException(options.proto.errors + "CommunicationError", [`cannot connect to ${where}: ${pythonSocketError(e)}`]);
    }
    return new PyroLink(socket, { ...options }, where, relay);
  }

  /**
   * Send the CONNECT message (handshake with metadata) and resolve with the metadata. Messages written after this
   * call and before it resolves are pipelined: the daemon reads them after its handshake, and their replies queue
   * behind the CONNECTOK (a CONNECTFAIL closes the connection and rejects them with this handshake's error).
   */
  handshake(target: ConnectTarget & { text?: string }, objectId: string): Promise<ObjectMeta> {
    const { errors, json } = this.options.proto;
    const where = this.where;
    const cache = handshakeCache(json, objectId);
    return this.exchange(MSG_CONNECT, FLAGS_META_ON_CONNECT, cache.body).then(
      (reply) => {
        if (reply.type === MSG_CONNECTOK && cache.meta && cache.reply?.equals(reply.data)) return cache.meta;
        const data = reply.data.length ? json.deserializeData(reply.data, { limits: this.options.limits }) : "?";
        if (reply.type === MSG_CONNECTFAIL) {
          this.close();
          throw new PyException(errors + "CommunicationError", [`connection to ${where} rejected: ${pyStr(data)}`]);
        }
        if (reply.type !== MSG_CONNECTOK) {
          this.close();
          throw new PyException(errors + "ProtocolError", [`cannot connect to ${where}: invalid msg type ${reply.type} received`]);
        }
        const meta = data as Map<string, unknown> | Record<string, unknown>;
        const m = (meta instanceof Map ? meta.get("meta") : meta["meta"]) as Record<string, unknown> | Map<string, unknown> | undefined;
        const field = (k: string): string[] => {
          const v = m instanceof Map ? m.get(k) : m?.[k];
          return Array.isArray(v) ? v.map(String) : v instanceof Set ? [...v].map(String) : [];
        };
        const result = { methods: field("methods"), oneway: field("oneway"), attrs: field("attrs") };
        if (!result.methods.length && !result.attrs.length) {
          this.close();
          throw new PyException(errors + "PyroError", [this.options.proto.noExposedMessage(target.text ?? `PYRO:${objectId}@${where}`)]);
        }
        cache.reply = Buffer.from(reply.data); // own copy: the message's bytes may be a view of a larger read
        cache.meta = result; // shared by the requests that get the same bytes: never changed after this
        Object.freeze(result.methods);
        Object.freeze(result.oneway);
        Object.freeze(result.attrs);
        return result;
      },
      (e) => {
        this.close();
        if (e instanceof PyException && e.pythonClass.startsWith(errors)) throw e;
        throw new PyException(errors + "CommunicationError", [`cannot connect to ${where}: ${(e as Error).message}`]);
      },
    );
  }

  private annotations(): Annotations | null {
    return this.options.correlation ? new Map([["CORR", this.options.correlation]]) : null;
  }

  /**
   * One frame to write. A message over maxMessageSize is refused before anything is sent, with the Python error the
   * gateway's counterpart raises (its Message / SendingMessage constructor checks the size too); the link stays usable.
   */
  private encode(type: number, seq: number, flags: number, body: Buffer): Buffer {
    const { json, wire } = this.options.proto;
    try {
      return encodeMessageBuffer(type, json.id, seq, body, {
        wire,
        flags,
        annotations: this.annotations(),
        hmacKey: this.options.hmacKey,
        maxMessageSize: this.options.limits.maxMessageSize,
      });
    } catch (e) {
      throw e instanceof MessageTooLargeError ? pythonTooLarge(this.options.proto, e) : e;
    }
  }

  private exchange(type: number, flags: number, body: Buffer): Promise<Message> {
    if (this.failure !== null) return Promise.reject(this.failureError());
    const seq = (this.seq = (this.seq + 1) & 0xffff);
    let frame: Buffer;
    try {
      frame = this.encode(type, seq, flags, body);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<Message>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.timer) this.armTimer();
      this.socket.write(frame);
    });
  }

  /** A call; resolves with the raw reply, or null for a oneway call (sent, not answered). */
  async invoke(objectId: string, method: string, vargs: unknown[], kwargs: Record<string, unknown>, oneway = false): Promise<Message | null> {
    const { json, errors } = this.options.proto;
    const body = json.serializeCall(objectId, method, vargs, kwargs);
    if (oneway) {
      const frame = this.encode(MSG_INVOKE, (this.seq = (this.seq + 1) & 0xffff), FLAGS_ONEWAY, body);
      await new Promise<void>((res, rej) => this.socket.write(frame, (e) => (e ? rej(e) : res())));
      return null;
    }
    const reply = await this.exchange(MSG_INVOKE, 0, body);
    if (reply.type !== MSG_RESULT) throw new PyException(errors + "ProtocolError", [`invalid msg type ${reply.type} received`]);
    return reply;
  }

  /** The CORR annotation of the following messages (a pooled name-server link serves many HTTP requests). */
  setCorrelation(c: Buffer | null): void {
    this.options.correlation = c;
  }

  /** A pooled backend link serving another HTTP request: its correlation id and call timeout. */
  setRequest(c: Buffer | null, timeoutMs: number): void {
    this.options.correlation = c;
    this.options.timeoutMs = timeoutMs;
  }

  /** The connection failed or was closed (by either side): not reusable. */
  get dead(): boolean {
    return this.failure !== null || this.socket.destroyed || !this.socket.writable;
  }

  /** No request outstanding. */
  get idle(): boolean {
    return this.waiters.length === 0;
  }

  close(): void {
    this.clearTimer();
    // close(2) at once, as Python's proxy closes its socket (shutdown and close): the kernel still sends what was
    // written and then the FIN. end() + destroySoon() cost a shutdown request, its callback and the 'finish'
    // events on every request of default mode, for the same bytes on the wire.
    this.socket.destroy();
  }

  get location(): string {
    return this.where;
  }
}


const ERRNO: Record<string, string> = {
  ECONNREFUSED: "[Errno 111] Connection refused",
  ENOENT: "[Errno 2] No such file or directory",
  EHOSTUNREACH: "[Errno 113] No route to host",
  ENETUNREACH: "[Errno 101] Network is unreachable",
  ECONNRESET: "[Errno 104] Connection reset by peer",
  EACCES: "[Errno 13] Permission denied",
};

/** Node's codes for a server certificate that failed verification (OpenSSL X509_V_ERR_* names, and the host name check). */
const CERT_VERIFY = /^(UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|ERR_TLS_CERT_ALTNAME_INVALID$)/;

/** The socket error text Python would show for a failed connect (errno and strerror). */
function pythonSocketError(e: unknown): string {
  for (let x = e as (Error & { code?: string; cause?: unknown }) | undefined; x; x = x.cause as typeof x) {
    if (x.code && ERRNO[x.code]) return ERRNO[x.code]!;
    if (x.name === "TimeoutError" || x.code === "ERR_PYRO4_TIMEOUT" || x.code === "ETIMEDOUT") return "timed out";
    // OpenSSL's verify text, as Python's ssl module words it (without its "(_ssl.c:NNN)" suffix)
    // (Node 24 appends a hint about --use-system-ca to OpenSSL's text: not part of the verify error, and Python has none)
    if (x.code && CERT_VERIFY.test(x.code)) return `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${x.message.replace(/; if the root CA is installed locally.*$/s, "")}`;
  }
  for (let x = e as (Error & { cause?: unknown }) | undefined; x; x = x.cause as typeof x) {
    if (!x.cause) return x.message; // the innermost cause: the socket's own words, not our wrapper's
  }
  return (e as Error)?.message ?? String(e);
}
