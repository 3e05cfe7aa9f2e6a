// One client connection of a daemon: a MessageReader over the socket, the CONNECT handshake, then requests
// handled strictly in order (a oneway call is started and the next request proceeds, like ONEWAY_THREADED).
// Failures follow Pyro4's handleRequest: user errors are answered and the connection stays; serialization and
// security errors are answered and then the connection closes; read/protocol errors close it silently
// (before the handshake they get a marshal-encoded CONNECTFAIL).

import type { PeerCertificate, TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { randomUUID } from "node:crypto";
import { debuglog } from "node:util";
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
  bytesToUuid,
  encodeMessage,
  uuidToBytes,
  type Annotations,
  type Message,
} from "../protocol/message.js";
import { MessageReader, type ErrorWithMessage } from "../protocol/reader.js";
import { getSerializer, type Serializer } from "../serializers/index.js";
import { ExceptionWrapper, errorToDict, isPlainObject } from "../serializers/values.js";
import { contextStorage, makeContext, type CallContext, type ClientConnection, type Resource } from "./context.js";
import { callMethod, getRemoteAttribute, resolveMethod, setRemoteAttribute } from "./dispatch.js";
import { PythonError } from "./pyerrors.js";
import { asStreamable, closeIterator, drain } from "./streams.js";
import { detailedTraceback } from "./traceback.js";
import type { DaemonCore } from "./daemon.js";

const debug = debuglog("pyro4");
const MARSHAL_ID = 3;

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

function errorCode(e: unknown): string | undefined {
  return (e as { code?: unknown } | null)?.code as string | undefined;
}
const COMMUNICATION_CODES = new Set(["COMMUNICATION_ERROR", "CONNECTION_CLOSED", "TIMEOUT", "PROTOCOL_ERROR", "MESSAGE_TOO_LARGE", "SERIALIZE_ERROR"]);
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
  private busy = false;
  private closed = false;
  private paused = false;
  private readFailed = false;

  constructor(
    readonly socket: Socket,
    private daemon: DaemonCore,
    private deniedReason: string | null = null,
  ) {
    this.peer = socket.remoteAddress
      ? { address: socket.remoteAddress, port: socket.remotePort, family: socket.remoteFamily }
      : { path: daemon.locationStr.startsWith("./u:") ? daemon.locationStr.slice(4) : undefined };
    this.reader = new MessageReader({ maxMessageSize: daemon.maxMessageSize, hmacKey: daemon.hmacKey });
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", (e) => debug("connection %d socket error: %s", this.id, e.message));
    socket.on("close", () => this.onClose());
    socket.setKeepAlive(true);
    if (daemon.commTimeout > 0) {
      socket.setTimeout(daemon.commTimeout * 1000);
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
    for (const m of msgs) this.queue.push(m);
    if (this.queue.length > 64 && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (!this.pumping) void this.pump();
    if (this.reader.failure) this.onReadError(this.reader.failure);
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
        debug("connection %d: message not complete within %ds, closing", this.id, limit);
        this.close();
      }, limit * 1000);
      this.messageTimer.unref();
    }
  }

  private onReadError(e: ErrorWithMessage): void {
    debug("connection %d: read error: %s", this.id, e.message);
    if (!this.handshaken && !this.pumping && errorCode(e) !== "MESSAGE_TOO_LARGE") {
      // Pyro4 answers a bad first message with a marshal-encoded CONNECTFAIL (seq 0), then hangs up.
      this.queue.length = 0;
      this.sendConnectFail(0, MARSHAL_ID, String(e.message), null);
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

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length && !this.closed) {
        const msg = this.queue.shift()!;
        if (this.paused && this.queue.length < 16) {
          this.paused = false;
          this.socket.resume();
        }
        if (!this.handshaken) {
          if (await this.handshake(msg)) this.handshaken = true;
          else this.closeAfterWrite();
        } else {
          await this.handleRequest(msg);
          this.daemon.requestDone();
        }
      }
    } catch (e) {
      debug("connection %d: closing after error: %s", this.id, (e as Error)?.message);
      this.close();
    } finally {
      this.pumping = false;
      if (this.readFailed) this.closeAfterWrite();
    }
  }

  private write(type: number, serializerId: number, seq: number, data: Buffer, flags: number, annotations: Annotations | null, compress: boolean): void {
    const [head, body] = encodeMessage(type, serializerId, seq, data, {
      flags,
      annotations,
      hmacKey: this.daemon.hmacKey,
      compress,
      maxMessageSize: this.daemon.maxMessageSize,
    });
    if (this.closed) return;
    this.socket.cork();
    this.socket.write(head);
    if (body.length) this.socket.write(body);
    this.socket.uncork();
  }

  /** Response annotations: the call's own, then CORR, then the daemon's annotations() hook. */
  private responseAnnotations(ctx: CallContext | null, withCorr: boolean): Annotations | null {
    const user = this.daemon.userAnnotations();
    const ctxAnn = ctx?.responseAnnotations;
    if (!user && !(ctxAnn && ctxAnn.size) && !(withCorr && ctx?.correlationId)) return null;
    const ann: Annotations = new Map(ctxAnn ?? []);
    if (withCorr && ctx?.correlationId) ann.set("CORR", uuidToBytes(ctx.correlationId));
    else ann.delete("CORR");
    if (user) for (const [k, v] of user) ann.set(k, v);
    return ann;
  }

  private sendConnectFail(seq: number, serializerId: number, text: string, ctx: CallContext | null): void {
    let data: Buffer;
    try {
      data = serializerId === MARSHAL_ID ? marshalString(text) : getSerializer(serializerId).serializeData(text);
    } catch {
      serializerId = MARSHAL_ID;
      data = marshalString(text);
    }
    try {
      this.write(MSG_CONNECTFAIL, serializerId, seq, data, 0, this.responseAnnotations(ctx, !!ctx), false);
    } catch (e) {
      debug("connection %d: cannot send CONNECTFAIL: %s", this.id, (e as Error).message);
    }
  }

  private newContext(msg: Message): CallContext {
    const corr = msg.annotations?.get("CORR");
    return makeContext(this, {
      seq: msg.seq,
      msgFlags: msg.flags,
      serializerId: msg.serializerId,
      annotations: msg.annotations ?? new Map(),
      correlationId: corr && corr.length === 16 ? bytesToUuid(corr) : randomUUID(),
    });
  }

  /** The CONNECT message: validate, answer CONNECTOK (with metadata) or CONNECTFAIL. True when accepted. */
  private async handshake(msg: Message): Promise<boolean> {
    let serializerId = MARSHAL_ID;
    let seq = 0;
    let ctx: CallContext | null = null;
    try {
      if (msg.type !== MSG_CONNECT) throw new ProtocolError(`invalid msg type ${msg.type} received`);
      seq = msg.seq;
      if (this.deniedReason) throw new PyroError(this.deniedReason);
      if (!this.daemon.acceptedSerializers.has(msg.serializerId))
        throw new SerializeError(`message used serializer that is not accepted: ${msg.serializerId}`);
      ctx = this.newContext(msg);
      serializerId = msg.serializerId;
      const serializer = getSerializer(serializerId);
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
      if (errorCode(err) === "CONNECTION_CLOSED") return false;
      this.sendConnectFail(seq, serializerId, err.message, ctx);
      return false;
    }
  }

  private sendException(seq: number, serializer: Serializer, err: Error, flags: number, annotations: Annotations | null, traceback?: string[] | null): void {
    const tb = traceback !== undefined ? traceback : this.daemon.detailedTraceback ? detailedTraceback(err) : undefined;
    let data: Buffer;
    try {
      data = serializer.serializeData(errorToDict(err, tb));
    } catch (e2) {
      const fallback = new PyroError(
        `Error serializing exception: ${(e2 as Error).message}. Original exception: ${err.name}: ${err.message}`,
      );
      data = serializer.serializeData(errorToDict(fallback, tb ?? null));
    }
    const user = this.daemon.userAnnotations();
    let ann = annotations;
    if (user) {
      ann = new Map(ann ?? []);
      for (const [k, v] of user) ann.set(k, v);
    }
    this.write(MSG_RESULT, serializer.id, seq, data, flags | FLAGS_EXCEPTION, ann, false);
  }

  /** One INVOKE or PING after the handshake. Throws (closing the connection) where Pyro4 drops the client. */
  private async handleRequest(msg: Message): Promise<void> {
    if (msg.type !== MSG_INVOKE && msg.type !== MSG_PING) throw new ProtocolError(`invalid msg type ${msg.type} received`);
    const ctx = this.newContext(msg);
    if (msg.type === MSG_PING) {
      this.write(MSG_PING, msg.serializerId, msg.seq, Buffer.from("pong"), 0, this.responseAnnotations(ctx, true), false);
      return;
    }
    const oneway = (msg.flags & FLAGS_ONEWAY) !== 0;
    let isCallback = false;
    let serializer: Serializer | null = null;
    this.busy = true;
    try {
      if (!this.daemon.acceptedSerializers.has(msg.serializerId))
        throw new SerializeError(`message used serializer that is not accepted: ${msg.serializerId}`);
      serializer = getSerializer(msg.serializerId);
      if (msg.flags & FLAGS_KEEPSERIALIZED)
        throw new PyroError("this daemon does not support SerializedBlob calls (FLAGS_KEEPSERIALIZED)");
      const call = serializer.deserializeCall(msg.data);
      const reg = this.daemon.lookup(call.object);
      if (!reg) throw new DaemonError("unknown object");
      const vargs = Array.isArray(call.vargs) ? call.vargs : [];
      const kwargs = call.kwargs && typeof call.kwargs === "object" ? kwargsRecord(call.kwargs) : null;
      const outcome = await contextStorage.run(ctx, async () => {
        const obj = await this.daemon.instanceFor(reg, this);
        const exposure = reg.exposure;
        if (msg.flags & FLAGS_BATCH) {
          const max = this.daemon.maxBatchSize;
          if (max > 0 && vargs.length > max) throw new PyroError(`batch too large: ${vargs.length} calls where max=${max}`);
          const results: unknown[] = [];
          for (const item of vargs) {
            const [name, args, kw] = Array.isArray(item) ? item : [];
            const m = resolveMethod(obj, exposure, String(name));
            try {
              results.push(await callMethod(obj, exposure.typeName, m, Array.isArray(args) ? args : [], kw && typeof kw === "object" ? kwargsRecord(kw) : null));
            } catch (e) {
              const err = asError(e);
              debug("exception in batched call %s: %s", m.name, err.message);
              if (this.daemon.detailedTraceback && !(err as { remoteTraceback?: unknown }).remoteTraceback)
                (err as { remoteTraceback?: string[] }).remoteTraceback = detailedTraceback(err);
              results.push(new ExceptionWrapper(err));
              break;
            }
          }
          return { kind: "batch" as const, data: results };
        }
        if (call.method === "__getattr__") return { kind: "value" as const, data: await getRemoteAttribute(obj, exposure, vargs[0]) };
        if (call.method === "__setattr__") return { kind: "value" as const, data: await setRemoteAttribute(obj, exposure, vargs[0], vargs[1]) };
        const m = resolveMethod(obj, exposure, call.method);
        if (oneway && this.daemon.onewayThreaded) {
          // Runs on its own: the connection goes on with its next request meanwhile (Pyro4's ONEWAY_THREADED).
          const onewayCtx = makeContext(this, { ...ctx, responseAnnotations: new Map() });
          setImmediate(() => {
            contextStorage.run(onewayCtx, async () => {
              try {
                await callMethod(obj, exposure.typeName, m, vargs, kwargs);
              } catch (e) {
                debug("exception in oneway call %s: %s", m.name, asError(e).message);
              }
            });
          });
          return { kind: "none" as const, data: null };
        }
        isCallback = m.callback;
        const result = await callMethod(obj, exposure.typeName, m, vargs, kwargs);
        if (!oneway) {
          const it = asStreamable(result);
          if (it) {
            if (this.daemon.iterStreaming) {
              const max = this.daemon.maxStreamsPerConnection;
              if (max > 0 && this.daemon.streams.countFor(this) >= max) {
                closeIterator(it);
                throw new PyroError(`too many open item streams on this connection (max=${max})`);
              }
              return { kind: "stream" as const, data: this.daemon.streams.add(this, it) };
            }
            if (this.daemon.streamFallback === "list") return { kind: "value" as const, data: await drain(it) };
            return { kind: "stream" as const, data: null };
          }
        }
        return { kind: "value" as const, data: result };
      });
      if (oneway) return;
      if (outcome.kind === "stream") {
        const ann: Annotations | null = outcome.data ? new Map([["STRM", Buffer.from(outcome.data, "latin1")]]) : null;
        this.sendException(msg.seq, serializer, new ProtocolError("result of call is an iterator"), FLAGS_ITEMSTREAMRESULT, ann, null);
        return;
      }
      const payload = serializer.serializeData(outcome.data, { replace: this.daemon.replacer });
      const flags = outcome.kind === "batch" ? FLAGS_BATCH : 0;
      this.write(MSG_RESULT, serializer.id, msg.seq, payload, flags, this.responseAnnotations(ctx, true), this.daemon.compression);
    } catch (e) {
      const err = asError(e);
      const code = errorCode(err);
      debug("connection %d: exception while handling request: %s", this.id, err.message);
      if (code !== "CONNECTION_CLOSED" && !oneway && (code === "SERIALIZE_ERROR" || !isCommunicationError(err))) {
        let ser = serializer;
        if (!ser) {
          try {
            ser = getSerializer(msg.serializerId);
          } catch {
            ser = null;
          }
        }
        if (ser) this.sendException(msg.seq, ser, err, 0, null);
      }
      if (isCallback || isCommunicationError(err) || code === "SECURITY_ERROR") {
        if (isCallback) this.daemon.callbackError(err);
        this.closeAfterWrite();
      }
    } finally {
      this.busy = false;
    }
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

