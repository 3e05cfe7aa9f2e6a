// Request execution on a daemon connection after its handshake: one INVOKE or PING at a time, run inside its
// call context, answered with its result, its batch results, an item-stream id or its exception. The
// connection (connection.ts) hands each request to RequestHandler.handle and waits only when that returns a
// promise. Failures follow Python's handleRequest (Pyro4 and Pyro5): user errors, and call data that does not
// decode (decode-errors.ts), are answered and the connection stays; a refused class, security errors and errors of
// @callback methods are answered and then the connection closes; communication errors close it without an answer.

import { decodeBlobInfo, receivedBlob } from "../client/blob.js";
import { DaemonError, ProtocolError, PyroError, SerializeError } from "../errors.js";
import {
  FLAGS_BATCH,
  FLAGS_EXCEPTION,
  FLAGS_ITEMSTREAMRESULT,
  FLAGS_KEEPSERIALIZED,
  FLAGS_ONEWAY,
  MSG_INVOKE,
  MSG_PING,
  MSG_RESULT,
  type Annotations,
  type Message,
} from "../protocol/message.js";
import type { Serializer } from "../serializers/index.js";
import type { DeserializeOptions } from "../serializers/types.js";
import { BATCH_NO_KWARGS } from "../serializers/batch-calls.js";
import { ExceptionWrapper, errorToDict, pythonBuiltinSerializeError } from "../serializers/values.js";
import { contextStorage, type Context } from "./context.js";
import { callMethod, getRemoteAttribute, resolveMethod, setRemoteAttribute } from "./dispatch.js";
import { PythonError } from "../python/exceptions.js";
import { asStreamable, closeIterator, drain } from "./streams.js";
import { detailedTraceback } from "./traceback.js";
import type { DaemonCore, Registration } from "./daemon-core.js";
import type { Exposure, MethodInfo } from "./expose.js";
import { debug } from "../observe/log.js";
import { serverRequest, tracingActive } from "../observe/channels.js";
import { requestDone, requestStart, type RequestTrace } from "../observe/tracing.js";
import { asError, errorCode, newContext, responseAnnotations, type ServedConnection } from "./reply.js";
import { callDecodeError, emptyCallError } from "./decode-errors.js";
import { lendScratch, returnScratch } from "./frame-scratch.js";

const COMMUNICATION_CODES = new Set(["ERR_PYRO4_COMMUNICATION", "ERR_PYRO4_CONNECTION_CLOSED", "ERR_PYRO4_TIMEOUT", "ERR_PYRO4_PROTOCOL", "ERR_PYRO4_MESSAGE_TOO_LARGE", "ERR_PYRO4_SERIALIZE"]);
// a serializer's refusal that Python raises as a builtin exception (TypeError...) is no CommunicationError there
const isCommunicationError = (e: unknown) => COMMUNICATION_CODES.has(errorCode(e) ?? "") && pythonBuiltinSerializeError(e) === null;

/** Runs the requests of one connection (one per connection, made by it; requests never overlap). */
export class RequestHandler {
  /** A request is being handled: the connection's idle timeout does not apply. */
  busy = false;
  /** Whether the request being handled called a @callback method (its errors close the connection). */
  private callbackCall = false;
  /** The pyro4:server:request payload of the request being handled, while someone subscribes. */
  private trace: RequestTrace | null = null;
  /** The daemon's decode options plus `batch` (DeserializeOptions.batch), made for the first batch. */
  private batchOptions: DeserializeOptions | null = null;

  constructor(
    private readonly conn: ServedConnection,
    private readonly daemon: DaemonCore,
  ) {}

  /**
   * One INVOKE or PING after the handshake. Throws (closing the connection) where Pyro4 drops the client.
   * Returns a promise only when the call did not complete synchronously (async method, async instance creation).
   */
  handle(msg: Message): Promise<void> | void {
    if (msg.type !== MSG_INVOKE && msg.type !== MSG_PING) throw new ProtocolError(`invalid msg type ${msg.type} received`);
    const ctx = newContext(this.conn, msg);
    if (msg.type === MSG_PING) {
      this.conn.write(MSG_PING, msg.serializerId, msg.seq, Buffer.from("pong"), 0, responseAnnotations(this.daemon, ctx, true), false);
      return;
    }
    const oneway = (msg.flags & FLAGS_ONEWAY) !== 0;
    let serializer: Serializer | null = null;
    this.busy = true;
    this.callbackCall = false;
    try {
      if (!this.daemon.acceptedSerializers.has(msg.serializerId))
        throw new SerializeError(`message used serializer that is not accepted: ${msg.serializerId}`);
      serializer = this.daemon.profile.serializer(msg.serializerId);
      let call;
      if (msg.flags & FLAGS_KEEPSERIALIZED) {
        // a SerializedBlob call: the method gets the call data undecoded (client/blob.ts); object and method
        // travel in the BLBI annotation. msg.data belongs to this message only, so the blob may keep it.
        let blobInfo;
        try {
          blobInfo = decodeBlobInfo(msg.annotations?.get("BLBI"), this.daemon.limits);
        } catch (e) {
          // Python's KeyError, marshal.loads and unpacking errors: answered, the connection stays
          throw e instanceof PythonError ? e : callDecodeError("marshal", e);
        }
        const [info, object, method] = blobInfo;
        call = { object, method, vargs: [receivedBlob(info, msg.data, serializer, this.daemon.limits)], kwargs: null };
      } else {
        if (msg.data.length === 0) throw emptyCallError(serializer.name);
        try {
          // zeroCopy: the reader made msg.data for this message only. A batch's call tuples only reach runBatch,
          // unless pyro4:server:request subscribers get the vargs (they see tuples as ever)
          const batch = (msg.flags & FLAGS_BATCH) !== 0 && !tracingActive(serverRequest);
          call = serializer.deserializeCall(msg.data, batch ? (this.batchOptions ??= { ...this.daemon.deserializeOptions, batch }) : this.daemon.deserializeOptions);
        } catch (e) {
          throw callDecodeError(serializer.name, e);
        }
      }
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
          (e: unknown) => this.requestFailed(msg, ctx, ser, e, oneway),
        );
      }
      this.respond(msg, ctx, serializer, outcome as Outcome, oneway);
    } catch (e) {
      this.requestFailed(msg, ctx, serializer, e, oneway);
    }
  }

  /** handle()'s path while pyro4:server:request has subscribers: the same steps inside start/end. */
  private tracedRequest(msg: Message, ctx: Context, serializer: Serializer, call: { object: string; method: string; vargs: unknown; kwargs: unknown }, oneway: boolean): Promise<void> | void {
    const vargs = Array.isArray(call.vargs) ? call.vargs : [];
    const t: RequestTrace = {
      connectionId: this.conn.id, peer: this.conn.peer, daemon: this.daemon.locationStr, objectId: call.object, method: call.method,
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
      this.requestFailed(msg, ctx, serializer, e, oneway);
      return;
    }
    if (isThenable(outcome)) {
      return (outcome as Promise<Outcome>).then(
        (o) => this.respond(msg, ctx, serializer, o, oneway),
        (e: unknown) => this.requestFailed(msg, ctx, serializer, e, oneway),
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

  /** Run the call inside its context; synchronous unless something on the way returns a promise. */
  private invoke(
    ctx: Context, reg: Registration, method: string, vargs: unknown[], kwargs: Record<string, unknown> | null, flags: number, oneway: boolean,
  ): Outcome | Promise<Outcome> {
    const obj = this.daemon.instanceFor(reg, this.conn);
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
      // Runs on its own: the connection goes on with its next request meanwhile (Pyro4's ONEWAY_THREADED), but
      // the call starts now, as Python's thread does, not on a later tick: what it does before its first await
      // (all of a daemon-internal close_stream) has happened before the next message on this connection is read.
      const onewayCtx = ctx.copy();
      void contextStorage.run(onewayCtx, async () => {
        try {
          await callMethod(obj, exposure.typeName, m, vargs, kwargs);
        } catch (e) {
          debug("exception in oneway call %s: %s", m.name, asError(e).message);
        }
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
          if (max > 0 && this.daemon.streams.countFor(this.conn) >= max) {
            closeIterator(it);
            throw new PyroError(`too many open item streams on this connection (max=${max})`);
          }
          return new Special("stream", this.daemon.streams.add(this.conn, it));
        }
        if (this.daemon.streamFallback === "list") return drain(it);
        return new Special("stream", null);
      }
    }
    return result;
  }

  /** The calls of a batch in order; stops at the first error, which becomes the last result. */
  private runBatch(obj: object, exposure: Exposure, vargs: unknown[], start: number, results: unknown[]): Outcome | Promise<Outcome> {
    // a batch mostly repeats one method: resolved again only when the name changes (resolveMethod depends on
    // nothing else, and throws for a name it refuses, which is then not remembered)
    let last: string | null = null;
    let m: MethodInfo | null = null;
    for (let i = start; i < vargs.length; i++) {
      const item = vargs[i];
      // index reads, not destructuring: decoded tuples have Tuple's prototype, where destructuring takes the slow
      // iterator path
      const isArr = Array.isArray(item);
      const name = String(isArr ? item[0] : undefined);
      const args: unknown = isArr ? item[1] : undefined;
      const kw: unknown = isArr ? item[2] : undefined;
      if (m === null || name !== last) {
        m = resolveMethod(obj, exposure, name);
        last = name;
      }
      const mi = m;
      let r: unknown;
      try {
        r = callMethod(obj, exposure.typeName, mi, Array.isArray(args) ? args : [], kw === BATCH_NO_KWARGS ? null : kw && typeof kw === "object" ? kwargsRecord(kw) : null);
      } catch (e) {
        results.push(this.batchError(mi, e));
        return new Special("batch", results);
      }
      if (isThenable(r)) {
        return Promise.resolve(r).then(
          (v) => {
            results.push(v);
            return this.runBatch(obj, exposure, vargs, i + 1, results);
          },
          (e: unknown) => {
            results.push(this.batchError(mi, e));
            return new Special("batch", results);
          },
        );
      }
      results.push(r);
    }
    return new Special("batch", results);
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
    if (this.trace) this.traceDone(outcomeData(outcome), undefined, false);
  }

  private sendOutcome(msg: Message, ctx: Context, serializer: Serializer, outcome: Outcome, oneway: boolean): void {
    this.busy = false;
    try {
      if (oneway) return;
      const special = outcome instanceof Special ? outcome : null;
      if (special !== null && special.kind === "stream") {
        const ann: Annotations | null = special.data ? new Map([["STRM", Buffer.from(special.data as string, "latin1")]]) : null;
        this.sendException(msg.seq, ctx, serializer, new ProtocolError("result of call is an iterator"), FLAGS_ITEMSTREAMRESULT, ann, null);
        return;
      }
      // a binary format writes the result into the reused scratch, after room for the header (the message is built
      // around it); big bytes in the result go out by reference: the socket takes the parts right away; a text
      // format's text is encoded straight into the message buffer
      const sopts = this.daemon.serializeOptions;
      const flags = special !== null && special.kind === "batch" ? FLAGS_BATCH : 0;
      const data = special !== null ? special.data : outcome;
      if (serializer.serializeDataFramed) {
        const scratch = lendScratch();
        let held = false;
        try {
          const parts = serializer.serializeDataFramed(data, sopts, scratch);
          const ann = responseAnnotations(this.daemon, ctx, true);
          held = parts === null
            ? this.conn.writeAround(MSG_RESULT, serializer.id, msg.seq, scratch.buf, scratch.room, scratch.end, flags, ann, this.daemon.compression)
            : this.conn.write(MSG_RESULT, serializer.id, msg.seq, parts, flags, ann, this.daemon.compression);
        } finally {
          returnScratch(scratch, held);
        }
        return;
      }
      const payload = serializer.serializeDataParts ? serializer.serializeDataParts(data, sopts)
        : serializer.serializeDataText ? serializer.serializeDataText(data, sopts) : serializer.serializeData(data, sopts);
      this.conn.write(MSG_RESULT, serializer.id, msg.seq, payload, flags, responseAnnotations(this.daemon, ctx, true), this.daemon.compression);
    } catch (e) {
      this.requestFailed(msg, ctx, serializer, e, oneway);
    }
  }

  /** Answer a failed request with its exception where Pyro4 does, and drop the connection where Pyro4 does. */
  private requestFailed(msg: Message, ctx: Context, serializer: Serializer | null, e: unknown, oneway: boolean): void {
    this.busy = false;
    const err = asError(e);
    const code = errorCode(err);
    debug("connection %d: exception while handling request: %s", this.conn.id, err.message);
    if (code !== "ERR_PYRO4_CONNECTION_CLOSED" && !oneway && (code === "ERR_PYRO4_SERIALIZE" || !isCommunicationError(err))) {
      let ser = serializer;
      if (!ser) {
        try {
          ser = this.daemon.profile.serializer(msg.serializerId);
        } catch {
          ser = null;
        }
      }
      if (ser) this.sendException(msg.seq, ctx, ser, err, 0, null);
    }
    const isCallback = this.callbackCall;
    if (isCallback || isCommunicationError(err) || code === "ERR_PYRO4_SECURITY") {
      if (isCallback) this.daemon.callbackError(err);
      this.conn.closeAfterWrite();
    }
    if (this.trace) this.traceDone(undefined, err, true);
  }

  /**
   * An exception reply: the exception dict, the given annotations (STRM) and the daemon's annotations() hook, not the
   * call's response annotations (as in Python). The correlation id goes with it where the protocol sends it on
   * every reply (Pyro5); Pyro4's exception replies carry no CORR.
   */
  private sendException(
    seq: number, ctx: Context, serializer: Serializer, err: Error, flags: number, annotations: Annotations | null, traceback?: string[] | null,
  ): void {
    const tb = traceback !== undefined ? traceback : this.daemon.detailedTraceback ? detailedTraceback(err) : undefined;
    let data: Buffer;
    try {
      data = serializer.serializeData(errorToDict(err, tb, this.daemon.profile.values), this.daemon.serializeOptions);
    } catch (e2) {
      const fallback = new PyroError(
        `Error serializing exception: ${(e2 as Error).message}. Original exception: ${err.name}: ${err.message}`,
      );
      data = serializer.serializeData(errorToDict(fallback, tb ?? null, this.daemon.profile.values), this.daemon.serializeOptions);
    }
    const user = this.daemon.userAnnotations();
    const corr = this.daemon.profile.correlationOnEveryReply ? ctx.correlationAnnotation() : null;
    let ann = annotations;
    if (user || corr) {
      ann = new Map(ann ?? []);
      if (user) for (const [k, v] of user) ann.set(k, v);
      if (corr) ann.set("CORR", corr);
    }
    this.conn.write(MSG_RESULT, serializer.id, seq, data, flags | FLAGS_EXCEPTION, ann, false);
  }
}

/**
 * What a call produced: a batch's results, an item stream's id (or null when streaming is off), nothing (oneway).
 * A plain result is its own outcome (no object per call); user code cannot make instances of this class.
 */
class Special {
  constructor(
    readonly kind: "batch" | "stream" | "none",
    readonly data: unknown,
  ) {}
}
/** A call's outcome: its result, or a Special. */
type Outcome = unknown;
const NONE_OUTCOME = new Special("none", null);

function valueOutcome(v: unknown): Outcome | Promise<Outcome> {
  if (isThenable(v)) return Promise.resolve(v);
  return v;
}

/** The value an outcome sends. */
function outcomeData(o: Outcome): unknown {
  return o instanceof Special ? o.data : o;
}

function isThenable(v: unknown): boolean {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as { then?: unknown }).then === "function";
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