// One client connection of a daemon: a MessageReader over the socket, the CONNECT handshake, then requests
// handled strictly in order (a oneway call is started and the next request proceeds, like ONEWAY_THREADED).
// Failures follow Pyro4's handleRequest: user errors are answered and the connection stays; serialization and
// security errors are answered and then the connection closes; read/protocol errors close it silently
// (before the handshake they get a marshal-encoded CONNECTFAIL).

import type { PeerCertificate, TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { DaemonError, ProtocolError, PyroError, SerializeError } from "../errors.js";
import {
  FLAGS_BATCH,
  FLAGS_EXCEPTION,
  FLAGS_ITEMSTREAMRESULT,
  FLAGS_KEEPSERIALIZED,
  FLAGS_META_ON_CONNECT,
  FLAGS_ONEWAY,
  MSG_CONNECT,
  MSG_CONNECTFAIL,
  MSG_CONNECTOK,
  MSG_INVOKE,
  MSG_PING,
  MSG_RESULT,
  encodeMessage,
  writeMessage,
  type Annotations,
  type Payload,
  type Message,
} from "../protocol/message.js";
import { MessageReader, type ErrorWithMessage } from "../protocol/reader.js";
import { getSerializer, type Serializer } from "../serializers/index.js";
import { serializerFor } from "../serializers/pyro5.js";
import { ExceptionWrapper, errorToDict, isPlainObject, tuple } from "../serializers/values.js";
import { Context, contextStorage, type CallContext, type ClientConnection, type Resource } from "./context.js";
import { callMethod, getRemoteAttribute, resolveMethod, setRemoteAttribute } from "./dispatch.js";
import { PythonError } from "../python/exceptions.js";
import { asStreamable, closeIterator, drain } from "./streams.js";
import { detailedTraceback } from "./traceback.js";
import type { DaemonCore, Registration } from "./daemon-core.js";
import type { Exposure, MethodInfo } from "./expose.js";
import { debug } from "../observe/log.js";
import { frameReceive, frameSend, serverRequest, tracingActive } from "../observe/channels.js";
import { publishReceive, publishSend } from "../observe/frames.js";
import { requestDone, requestStart, type RequestTrace } from "../observe/tracing.js";
const OWNED = { zeroCopy: true } as const;

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

function errorCode(e: unknown): string | undefined {
  return (e as { code?: unknown } | null)?.code as string | undefined;
}
const COMMUNICATION_CODES = new Set(["ERR_PYRO4_COMMUNICATION", "ERR_PYRO4_CONNECTION_CLOSED", "ERR_PYRO4_TIMEOUT", "ERR_PYRO4_PROTOCOL", "ERR_PYRO4_MESSAGE_TOO_LARGE", "ERR_PYRO4_SERIALIZE"]);
const isCommunicationError = (e: unknown) => COMMUNICATION_CODES.has(errorCode(e) ?? "");

/** Anything thrown becomes an Error (Python raises only exceptions; JavaScript can throw any value). */
export function asError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === "string" ? e : String(e));
}

let nextConnectionId = 1;

export class Connection implements ClientConnection {
  readonly id = nextConnectionId++;
  objectId: string | null = null;
  readonly peer: ClientConnection["peer"];
  readonly pyroInstances = new Map<Function, object>();
  readonly trackedResources = new Set<Resource>();
  readonly data = new Map<unknown, unknown>();
  private reader: MessageReader;
  private queue: Message[] = [];
  private messageTimer: NodeJS.Timeout | null = null;
  private pumping = false;
  private handshaken = false;
  /** marshal's wire id in this daemon's protocol (3 in Pyro4, 2 in Pyro5): early CONNECTFAILs use it. */
  private get marshalId(): number {
    return this.daemon.wire.values.ids.marshal!;
  }
  private busy = false;
  private closed = false;
  private paused = false;
  /** Waiting for 'drain': more than writeHighWaterMark bytes of replies are unsent, so nothing is read or handled. */
  private writeBlocked = false;
  private readonly onDrain = (): void => {
    this.writeBlocked = false;
    if (this.closed) return;
    debug("connection %d: replies drained, reading again", this.id);
    if (!this.paused && !this.readFailed) this.socket.resume();
    this.pump();
  };
  private readFailed = false;

  constructor(
    readonly socket: Socket,
    private daemon: DaemonCore<Connection>,
    private deniedReason: string | null = null,
  ) {
    this.peer = socket.remoteAddress
      ? { address: socket.remoteAddress, port: socket.remotePort, family: socket.remoteFamily }
      : { path: daemon.locationStr.startsWith("./u:") ? daemon.locationStr.slice(4) : undefined };
    this.reader = new MessageReader({ maxMessageSize: daemon.maxMessageSize, hmacKey: daemon.hmacKey, wire: daemon.wire });
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", (e) => debug("connection %d socket error: %s", this.id, e.message));
    socket.on("close", () => this.onClose());
    socket.setKeepAlive(true);
    // Replies are written whole (header + payload in one writev): Nagle can only delay the tail of a large
    // reply until the client's (possibly delayed) ACK, never save a packet. Invisible on the wire otherwise.
    if (socket.remoteAddress) socket.setNoDelay(true);
    if (daemon.commTimeout > 0) {
      socket.setTimeout(daemon.commTimeout);
      socket.on("timeout", () => {
        if (!this.busy) {
          debug("connection %d: idle timeout", this.id);
          this.close();
        }
      });
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  getPeerCertificate(): PeerCertificate | null {
    const s = this.socket as Partial<TLSSocket>;
    if (typeof s.getPeerCertificate !== "function") return null;
    const cert = s.getPeerCertificate();
    return cert && Object.keys(cert).length ? cert : null;
  }

  close(): void {
    if (this.messageTimer) clearTimeout(this.messageTimer);
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.socket.destroy();
  }

  /** Close after everything written so far is flushed. */
  private closeAfterWrite(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.socket.end();
    this.socket.destroySoon?.();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.readFailed) return;
    let msgs: Message[];
    try {
      msgs = this.reader.push(chunk);
    } catch (e) {
      this.onReadError(e as ErrorWithMessage);
      return;
    }
    this.armMessageTimer();
    if (!msgs.length) return;
    if (frameReceive.hasSubscribers) for (const m of msgs) publishReceive("server", this.id, m);
    for (const m of msgs) this.queue.push(m);
    if (this.queue.length > 64 && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (this.reader.failure) {
      // Requests read before the bad bytes still get their answer (Pyro4's one-thread-per-connection loop):
      // the pump closes the connection once it has handled them.
      debug("connection %d: read error: %s", this.id, this.reader.failure.message);
      this.readFailed = true;
      this.socket.pause();
    }
    if (!this.pumping && !this.writeBlocked) this.pump();
  }

  /** Slowloris guard: a started message must complete within the daemon's messageTimeout. */
  private armMessageTimer(): void {
    const limit = this.daemon.messageTimeout;
    if (limit <= 0) return;
    if (this.reader.pending === 0) {
      if (this.messageTimer) {
        clearTimeout(this.messageTimer);
        this.messageTimer = null;
      }
    } else if (!this.messageTimer) {
      this.messageTimer = setTimeout(() => {
        debug("connection %d: message not complete within %d ms, closing", this.id, limit);
        this.close();
      }, limit);
      this.messageTimer.unref();
    }
  }

  private onReadError(e: ErrorWithMessage): void {
    debug("connection %d: read error: %s", this.id, e.message);
    if (!this.handshaken && !this.pumping && errorCode(e) !== "ERR_PYRO4_MESSAGE_TOO_LARGE") {
      // Pyro4 answers a bad first message with a marshal-encoded CONNECTFAIL (seq 0), then hangs up.
      this.queue.length = 0;
      this.sendConnectFail(0, this.marshalId, String(e.message), null);
      this.closeAfterWrite();
    } else if (this.pumping) {
      // Like Pyro4's one-thread-per-connection loop: requests read before the bad bytes still get their answer.
      this.readFailed = true;
      this.socket.pause();
    } else this.close();
  }

  private onClose(): void {
    if (this.messageTimer) clearTimeout(this.messageTimer);
    this.closed = true;
    this.queue.length = 0;
    this.daemon.connectionClosed(this);
    this.pyroInstances.clear();
    for (const r of this.trackedResources) {
      try {
        const p = r.close();
        if (p && typeof (p as Promise<unknown>).then === "function") (p as Promise<unknown>).then(undefined, () => {});
      } catch {
        // Pyro4 ignores errors of tracked resources on disconnect
      }
    }
    this.trackedResources.clear();
  }

  /**
   * Handle queued messages in order. Runs synchronously as long as requests complete synchronously (the common
   * case: no promise, no microtask per call); a request that returns a promise resumes the loop when it settles.
   */
  private pump(): void {
    this.pumping = true;
    try {
      while (this.queue.length && !this.closed) {
        if (this.repliesPiledUp()) return;
        const msg = this.queue.shift()!;
        if (this.paused && this.queue.length < 16) {
          this.paused = false;
          if (!this.writeBlocked) this.socket.resume();
        }
        if (!this.handshaken) {
          this.handshake(msg).then(
            (ok) => {
              if (ok) this.handshaken = true;
              else this.closeAfterWrite();
              this.pump();
            },
            (e: unknown) => this.pumpFailed(e),
          );
          return;
        }
        const pending = this.handleRequest(msg);
        if (pending) {
          pending.then(
            () => {
              this.daemon.requestDone();
              this.pump();
            },
            (e: unknown) => this.pumpFailed(e),
          );
          return;
        }
        this.daemon.requestDone();
      }
    } catch (e) {
      this.pumpFailed(e);
      return;
    }
    this.pumpDone();
  }

  /**
   * Write backpressure: with more unsent reply bytes than the high-water mark, stop reading and handling this
   * connection's requests until the socket drains (a client that never reads cannot make us buffer every reply).
   * The pump stays marked as running meanwhile, so new data is only queued; 'drain' restarts it.
   */
  private repliesPiledUp(): boolean {
    const hwm = this.daemon.writeHighWaterMark;
    const unsent = this.socket.writableLength;
    if (hwm <= 0 || !(unsent > hwm)) return false;
    // 'drain' comes only once a write() has returned false, i.e. above the socket's own high-water mark (16 KiB)
    if (!(unsent >= this.socket.writableHighWaterMark)) return false;
    debug("connection %d: %d bytes of replies unsent, pausing reads until drained", this.id, unsent);
    this.writeBlocked = true;
    this.socket.pause();
    this.socket.once("drain", this.onDrain);
    return true;
  }

  private pumpFailed(e: unknown): void {
    debug("connection %d: closing after error: %s", this.id, (e as Error)?.message);
    this.close();
    this.pumpDone();
  }

  private pumpDone(): void {
    this.pumping = false;
    if (this.readFailed) this.closeAfterWrite();
  }

  private write(type: number, serializerId: number, seq: number, data: Payload, flags: number, annotations: Annotations | null, compress: boolean): void {
    const [head, body] = encodeMessage(type, serializerId, seq, data, {
      flags,
      annotations,
      hmacKey: this.daemon.hmacKey,
      compress,
      maxMessageSize: this.daemon.maxMessageSize,
      whole: true,
      wire: this.daemon.wire,
    });
    if (this.closed) return;
    if (frameSend.hasSubscribers) publishSend("server", this.id, head, body);
    writeMessage(this.socket, head, body);
  }

  /** Response annotations: the call's own, then CORR, then the daemon's annotations() hook. */
  private responseAnnotations(ctx: Context | null, withCorr: boolean): Annotations | null {
    const user = this.daemon.userAnnotations();
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

  private sendConnectFail(seq: number, serializerId: number, text: string, ctx: Context | null): void {
    let data: Buffer;
    try {
      data = serializerId === this.marshalId ? marshalString(text) : serializerFor(this.daemon.wire.values, serializerId).serializeData(text);
    } catch {
      serializerId = this.marshalId;
      data = marshalString(text);
    }
    try {
      this.write(MSG_CONNECTFAIL, serializerId, seq, data, 0, this.responseAnnotations(ctx, !!ctx), false);
    } catch (e) {
      debug("connection %d: cannot send CONNECTFAIL: %s", this.id, (e as Error).message);
    }
  }

  private newContext(msg: Message): Context {
    const ctx = new Context(this);
    ctx.seq = msg.seq;
    ctx.msgFlags = msg.flags;
    ctx.serializerId = msg.serializerId;
    const ann = msg.annotations;
    if (ann) ctx.annotations = ann;
    const corr = ann?.get("CORR");
    ctx.correlationBytes = corr && corr.length === 16 ? corr : randomUuidBytes();
    return ctx;
  }

  /** The CONNECT message: validate, answer CONNECTOK (with metadata) or CONNECTFAIL. True when accepted. */
  private async handshake(msg: Message): Promise<boolean> {
    let serializerId = this.marshalId;
    let seq = 0;
    let ctx: Context | null = null;
    try {
      if (msg.type !== MSG_CONNECT) throw new ProtocolError(`invalid msg type ${msg.type} received`);
      seq = msg.seq;
      if (this.deniedReason) throw new PyroError(this.deniedReason);
      if (!this.daemon.acceptedSerializers.has(msg.serializerId))
        throw new SerializeError(`message used serializer that is not accepted: ${msg.serializerId}`);
      ctx = this.newContext(msg);
      serializerId = msg.serializerId;
      const serializer = serializerFor(this.daemon.wire.values, serializerId);
      const data = serializer.deserializeData(msg.data);
      let handshakeData: unknown = null;
      let objectId: unknown = null;
      if (data instanceof Map) {
        handshakeData = data.get("handshake");
        objectId = data.get("object");
      } else if (data && typeof data === "object" && isPlainObject(data)) {
        handshakeData = (data as Record<string, unknown>).handshake;
        objectId = (data as Record<string, unknown>).object;
      } else throw new ProtocolError("invalid handshake data");
      if (typeof objectId === "string") this.objectId = objectId;
      let response = await contextStorage.run(ctx, () => this.daemon.validateHandshake(this, handshakeData));
      let flags = 0;
      if (msg.flags & FLAGS_META_ON_CONNECT) {
        const meta = this.daemon.metadataFor(String(objectId), true);
        if (!meta) throw new DaemonError("unknown object");
        response = { handshake: response, meta };
        flags = FLAGS_META_ON_CONNECT;
      }
      const payload = serializer.serializeData(response, { replace: this.daemon.replacer });
      this.write(MSG_CONNECTOK, serializerId, seq, payload, flags, this.responseAnnotations(ctx, true), this.daemon.compression);
      return true;
    } catch (e) {
      const err = asError(e);
      debug("connection %d: handshake failed: %s", this.id, err.message);
      if (errorCode(err) === "ERR_PYRO4_CONNECTION_CLOSED") return false;
      this.sendConnectFail(seq, serializerId, err.message, ctx);
      return false;
    }
  }

  private sendException(seq: number, serializer: Serializer, err: Error, flags: number, annotations: Annotations | null, traceback?: string[] | null): void {
    const tb = traceback !== undefined ? traceback : this.daemon.detailedTraceback ? detailedTraceback(err) : undefined;
    let data: Buffer;
    try {
      data = serializer.serializeData(errorToDict(err, tb, this.daemon.wire.values));
    } catch (e2) {
      const fallback = new PyroError(
        `Error serializing exception: ${(e2 as Error).message}. Original exception: ${err.name}: ${err.message}`,
      );
      data = serializer.serializeData(errorToDict(fallback, tb ?? null, this.daemon.wire.values));
    }
    const user = this.daemon.userAnnotations();
    let ann = annotations;
    if (user) {
      ann = new Map(ann ?? []);
      for (const [k, v] of user) ann.set(k, v);
    }
    this.write(MSG_RESULT, serializer.id, seq, data, flags | FLAGS_EXCEPTION, ann, false);
  }

  /**
   * One INVOKE or PING after the handshake. Throws (closing the connection) where Pyro4 drops the client.
   * Returns a promise only when the call did not complete synchronously (async method, async instance creation).
   */
  private handleRequest(msg: Message): Promise<void> | void {
    if (msg.type !== MSG_INVOKE && msg.type !== MSG_PING) throw new ProtocolError(`invalid msg type ${msg.type} received`);
    const ctx = this.newContext(msg);
    if (msg.type === MSG_PING) {
      this.write(MSG_PING, msg.serializerId, msg.seq, Buffer.from("pong"), 0, this.responseAnnotations(ctx, true), false);
      return;
    }
    const oneway = (msg.flags & FLAGS_ONEWAY) !== 0;
    let serializer: Serializer | null = null;
    this.busy = true;
    this.callbackCall = false;
    try {
      if (!this.daemon.acceptedSerializers.has(msg.serializerId))
        throw new SerializeError(`message used serializer that is not accepted: ${msg.serializerId}`);
      serializer = serializerFor(this.daemon.wire.values, msg.serializerId);
      if (msg.flags & FLAGS_KEEPSERIALIZED)
        throw new PyroError("this daemon does not support SerializedBlob calls (FLAGS_KEEPSERIALIZED)");
      if (msg.data.length === 0) throw emptyCallError(serializer.name);
      const call = serializer.deserializeCall(msg.data, OWNED); // the reader made msg.data for this message only
      if (tracingActive(serverRequest)) return this.tracedRequest(msg, ctx, serializer, call, oneway);
      const reg = this.daemon.lookup(call.object);
      if (!reg) throw new DaemonError("unknown object");
      const vargs = Array.isArray(call.vargs) ? call.vargs : [];
      const kwargs = call.kwargs && typeof call.kwargs === "object" ? kwargsRecord(call.kwargs) : null;
      const outcome = contextStorage.run(ctx, () => this.invoke(ctx, reg, call.method, vargs, kwargs, msg.flags, oneway));
      if (isThenable(outcome)) {
        const ser = serializer;
        return (outcome as Promise<Outcome>).then(
          (o) => this.respond(msg, ctx, ser, o, oneway),
          (e: unknown) => this.requestFailed(msg, ser, e, oneway),
        );
      }
      this.respond(msg, ctx, serializer, outcome as Outcome, oneway);
    } catch (e) {
      this.requestFailed(msg, serializer, e, oneway);
    }
  }

  /** The pyro4:server:request payload of the request being handled, while someone subscribes. */
  private trace: RequestTrace | null = null;

  /** handleRequest's path while pyro4:server:request has subscribers: the same steps inside start/end. */
  private tracedRequest(msg: Message, ctx: Context, serializer: Serializer, call: { object: string; method: string; vargs: unknown; kwargs: unknown }, oneway: boolean): Promise<void> | void {
    const vargs = Array.isArray(call.vargs) ? call.vargs : [];
    const t: RequestTrace = {
      connectionId: this.id, peer: this.peer, daemon: this.daemon.locationStr, objectId: call.object, method: call.method,
      args: vargs, kwargs: null, seq: msg.seq, flags: msg.flags, oneway, serializerId: msg.serializerId,
      correlationId: ctx.correlationId, annotations: msg.annotations,
    };
    this.trace = t;
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = requestStart(t, () => {
        const reg = this.daemon.lookup(call.object);
        if (!reg) throw new DaemonError("unknown object");
        const kwargs = call.kwargs && typeof call.kwargs === "object" ? kwargsRecord(call.kwargs) : null;
        t.kwargs = kwargs;
        return contextStorage.run(ctx, () => this.invoke(ctx, reg, call.method, vargs, kwargs, msg.flags, oneway));
      });
    } catch (e) {
      this.requestFailed(msg, serializer, e, oneway);
      return;
    }
    if (isThenable(outcome)) {
      return (outcome as Promise<Outcome>).then(
        (o) => this.respond(msg, ctx, serializer, o, oneway),
        (e: unknown) => this.requestFailed(msg, serializer, e, oneway),
      );
    }
    this.respond(msg, ctx, serializer, outcome as Outcome, oneway);
  }

  /** The traced request is over (answered, failed or started oneway). */
  private traceDone(value: unknown, err: unknown, failed: boolean): void {
    const t = this.trace!;
    this.trace = null;
    requestDone(t, value, err, failed);
  }

  /** Whether the request being handled called a @callback method (its errors close the connection). */
  private callbackCall = false;

  /** Run the call inside its context; synchronous unless something on the way returns a promise. */
  private invoke(
    ctx: Context, reg: Registration, method: string, vargs: unknown[], kwargs: Record<string, unknown> | null, flags: number, oneway: boolean,
  ): Outcome | Promise<Outcome> {
    const obj = this.daemon.instanceFor(reg, this);
    if (isThenable(obj)) return Promise.resolve(obj).then((o) => this.invokeOn(ctx, o, reg.exposure, method, vargs, kwargs, flags, oneway));
    return this.invokeOn(ctx, obj, reg.exposure, method, vargs, kwargs, flags, oneway);
  }

  private invokeOn(
    ctx: Context, obj: object, exposure: Exposure, method: string, vargs: unknown[], kwargs: Record<string, unknown> | null, flags: number, oneway: boolean,
  ): Outcome | Promise<Outcome> {
    if (flags & FLAGS_BATCH) {
      const max = this.daemon.maxBatchSize;
      if (max > 0 && vargs.length > max) throw new PyroError(`batch too large: ${vargs.length} calls where max=${max}`);
      return this.runBatch(obj, exposure, vargs, 0, []);
    }
    if (method === "__getattr__") return valueOutcome(getRemoteAttribute(obj, exposure, vargs[0]));
    if (method === "__setattr__") return valueOutcome(setRemoteAttribute(obj, exposure, vargs[0], vargs[1]));
    const m = resolveMethod(obj, exposure, method);
    if (oneway && this.daemon.onewayThreaded) {
      // Runs on its own: the connection goes on with its next request meanwhile (Pyro4's ONEWAY_THREADED).
      const onewayCtx = ctx.copy();
      setImmediate(() => {
        contextStorage.run(onewayCtx, async () => {
          try {
            await callMethod(obj, exposure.typeName, m, vargs, kwargs);
          } catch (e) {
            debug("exception in oneway call %s: %s", m.name, asError(e).message);
          }
        });
      });
      return NONE_OUTCOME;
    }
    this.callbackCall = m.callback;
    const result = callMethod(obj, exposure.typeName, m, vargs, kwargs);
    if (isThenable(result)) return Promise.resolve(result).then((r) => this.resultOutcome(r, oneway));
    return this.resultOutcome(result, oneway);
  }

  private resultOutcome(result: unknown, oneway: boolean): Outcome | Promise<Outcome> {
    if (!oneway) {
      const it = asStreamable(result);
      if (it) {
        if (this.daemon.iterStreaming) {
          const max = this.daemon.maxStreamsPerConnection;
          if (max > 0 && this.daemon.streams.countFor(this) >= max) {
            closeIterator(it);
            throw new PyroError(`too many open item streams on this connection (max=${max})`);
          }
          return { kind: "stream", data: this.daemon.streams.add(this, it) };
        }
        if (this.daemon.streamFallback === "list") return drain(it).then((data) => ({ kind: "value", data }));
        return { kind: "stream", data: null };
      }
    }
    return { kind: "value", data: result };
  }

  /** The calls of a batch in order; stops at the first error, which becomes the last result. */
  private runBatch(obj: object, exposure: Exposure, vargs: unknown[], start: number, results: unknown[]): Outcome | Promise<Outcome> {
    for (let i = start; i < vargs.length; i++) {
      const item = vargs[i];
      // index reads, not destructuring: decoded tuples have Tuple's prototype, where destructuring takes the slow
      // iterator path
      const isArr = Array.isArray(item);
      const name: unknown = isArr ? item[0] : undefined;
      const args: unknown = isArr ? item[1] : undefined;
      const kw: unknown = isArr ? item[2] : undefined;
      const m = resolveMethod(obj, exposure, String(name));
      let r: unknown;
      try {
        r = callMethod(obj, exposure.typeName, m, Array.isArray(args) ? args : [], kw && typeof kw === "object" ? kwargsRecord(kw) : null);
      } catch (e) {
        results.push(this.batchError(m, e));
        return { kind: "batch", data: results };
      }
      if (isThenable(r)) {
        return Promise.resolve(r).then(
          (v) => {
            results.push(v);
            return this.runBatch(obj, exposure, vargs, i + 1, results);
          },
          (e: unknown) => {
            results.push(this.batchError(m, e));
            return { kind: "batch", data: results } as Outcome;
          },
        );
      }
      results.push(r);
    }
    return { kind: "batch", data: results };
  }

  private batchError(m: MethodInfo, e: unknown): ExceptionWrapper {
    const err = asError(e);
    debug("exception in batched call %s: %s", m.name, err.message);
    if (this.daemon.detailedTraceback && !(err as { remoteTraceback?: unknown }).remoteTraceback)
      (err as { remoteTraceback?: string[] }).remoteTraceback = detailedTraceback(err);
    return new ExceptionWrapper(err);
  }

  /** Send the outcome of a call (nothing for oneway calls). */
  private respond(msg: Message, ctx: Context, serializer: Serializer, outcome: Outcome, oneway: boolean): void {
    this.sendOutcome(msg, ctx, serializer, outcome, oneway);
    if (this.trace) this.traceDone(outcome.data, undefined, false);
  }

  private sendOutcome(msg: Message, ctx: Context, serializer: Serializer, outcome: Outcome, oneway: boolean): void {
    this.busy = false;
    try {
      if (oneway) return;
      if (outcome.kind === "stream") {
        const ann: Annotations | null = outcome.data ? new Map([["STRM", Buffer.from(outcome.data as string, "latin1")]]) : null;
        this.sendException(msg.seq, serializer, new ProtocolError("result of call is an iterator"), FLAGS_ITEMSTREAMRESULT, ann, null);
        return;
      }
      // big bytes in the result go out by reference: the socket takes the parts right away
      const sopts = { replace: this.daemon.replacer };
      const payload = serializer.serializeDataParts ? serializer.serializeDataParts(outcome.data, sopts) : serializer.serializeData(outcome.data, sopts);
      const flags = outcome.kind === "batch" ? FLAGS_BATCH : 0;
      this.write(MSG_RESULT, serializer.id, msg.seq, payload, flags, this.responseAnnotations(ctx, true), this.daemon.compression);
    } catch (e) {
      this.requestFailed(msg, serializer, e, oneway);
    }
  }

  /** Answer a failed request with its exception where Pyro4 does, and drop the connection where Pyro4 does. */
  private requestFailed(msg: Message, serializer: Serializer | null, e: unknown, oneway: boolean): void {
    this.busy = false;
    const err = asError(e);
    const code = errorCode(err);
    debug("connection %d: exception while handling request: %s", this.id, err.message);
    if (code !== "ERR_PYRO4_CONNECTION_CLOSED" && !oneway && (code === "ERR_PYRO4_SERIALIZE" || !isCommunicationError(err))) {
      let ser = serializer;
      if (!ser) {
        try {
          ser = serializerFor(this.daemon.wire.values, msg.serializerId);
        } catch {
          ser = null;
        }
      }
      if (ser) this.sendException(msg.seq, ser, err, 0, null);
    }
    const isCallback = this.callbackCall;
    if (isCallback || isCommunicationError(err) || code === "ERR_PYRO4_SECURITY") {
      if (isCallback) this.daemon.callbackError(err);
      this.closeAfterWrite();
    }
    if (this.trace) this.traceDone(undefined, err, true);
  }
}

type Outcome = { kind: "value" | "batch" | "stream" | "none"; data: unknown };
const CORR_ONLY: Annotations = new Map();
const NONE_OUTCOME: Outcome = { kind: "none", data: null };

function valueOutcome(v: unknown): Outcome | Promise<Outcome> {
  if (isThenable(v)) return Promise.resolve(v).then((data) => ({ kind: "value", data }));
  return { kind: "value", data: v };
}

function isThenable(v: unknown): boolean {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as { then?: unknown }).then === "function";
}

/**
 * An INVOKE with no data at all: what Pyro4's own serializer raises for empty input. Python's daemon answers it
 * and keeps the connection (it is not a Pyro CommunicationError), so we do the same with the same exception.
 */
function emptyCallError(serializer: string): PythonError {
  switch (serializer) {
    case "serpent":
      return new PythonError("SyntaxError", "invalid syntax", tuple("<unknown>", 0, 0, "", 0, 0));
    case "json":
      return new PythonError("json.decoder.JSONDecodeError", "Expecting value: line 1 column 1 (char 0)");
    case "marshal":
      return new PythonError("EOFError", "EOF read where object expected");
    default:
      return new PythonError("ValueError", "Unpack failed: incomplete input");
  }
}

/** kwargs as a plain record (a Map arrives when a serializer decoded non-string keys). */
function kwargsRecord(kw: object): Record<string, unknown> {
  if (kw instanceof Map) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of kw) {
      if (typeof k !== "string") throw new PythonError("TypeError", "keywords must be strings");
      out[k] = v;
    }
    return out;
  }
  return kw as Record<string, unknown>;
}

