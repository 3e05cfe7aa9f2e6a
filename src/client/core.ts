// A proxy's request queue, the engine behind a Proxy: calls queued FIFO with one request on the wire at a time
// (Pyro4 semantics, so Promise.all on one proxy is safe), each sent when the one before it is answered; replies
// matched to their call; oneway flushes, timeouts, AbortSignal, MAX_RETRIES; a connection made (connect.ts)
// when a request needs one and after a failure, released in queue order. Settings and metadata are in
// settings.ts (the base class); the JS Proxy wrapper in proxy.ts only translates property access into calls on
// this class. The per-call path allocates the request object and its promise, nothing else: listeners are
// bound once per connection and queue entries carry their own state.

// the module binding, not the global: Node 20 defines globalThis.Buffer as a getter, which optimized code
// cannot inline (a LoadGlobalIC call and the getter on every use, ~170 instructions each)
import { Buffer } from "node:buffer";
import { isClassRefusal } from "../serializers/dialect.js";
import { SerializedBlob, blobCallData, checkBlobCall, encodeBlobInfo } from "./blob.js";
import { addAutoproxyHook, autoproxyHooks } from "../serializers/autoproxy.js";
import {
  CommunicationError,
  ConnectionClosedError,
  PyroError,
  ProtocolError,
  SerializeError,
  TimeoutError,
  attachCallSite,
  type CallSite,
} from "../errors.js";
import {
  FLAGS_EXCEPTION,
  FLAGS_ITEMSTREAMRESULT,
  FLAGS_ONEWAY,
  FLAGS_KEEPSERIALIZED,
  MSG_INVOKE,
  MSG_RESULT,
  encodeFrame,
  type Frame,
  type Payload,
  bytesToUuid,
  uuidToBytes,
  type Annotations,
  type Message,
} from "../protocol/message.js";
import { abortReason } from "../transport/connect.js";
import type { URI } from "../uri.js";
import type { Connection, ConnectionOwner } from "./connection.js";
import { connect, type ConnectingProxy } from "./connect.js";
import { KIND_BIND, KIND_INVOKE, KIND_RELEASE, Request, type RequestOwner } from "./request.js";
import { CHECK_METHOD, CHECK_NONE, ProxySettings } from "./settings.js";
import { CallPromise, newCallPromise, toError } from "./support.js";
import { RemoteIterator } from "./stream.js";
import { clientCall, tracingActive } from "../observe/channels.js";
import { CallTrace, traceStart } from "../observe/tracing.js";
import { ambientCorrelation } from "../server/context.js";
import "../observe/setup.js";

export { addAutoproxyHook };
export { CHECK_NONE, CHECK_METHOD, CHECK_GETATTR, CHECK_SETATTR, type ProxyOptions } from "./settings.js";

/** Per-call options (`proxy.$with({...})`). */
export interface CallOptions {
  timeout?: number;
  signal?: AbortSignal;
  oneway?: boolean;
  /** Send the call with this correlation id (CORR annotation, a UUID string) instead of the proxy's. */
  correlationId?: string | null;
}

const NO_BYTES = Buffer.alloc(0);

export class ProxyCore extends ProxySettings implements ConnectionOwner, RequestOwner, ConnectingProxy {
  /** The daemon's last handshake response. */
  handshakeResponse: unknown = undefined;
  responseAnnotations: Annotations | null = null;
  seq = 0;
  /** CORR of the last reply (the id the daemon used for the last call), raw. */
  lastCorrelation: Buffer | null = null;
  conn: Connection | null = null;
  connecting = false;
  /** The URI actually connected to (resolved). */
  connectedUri: URI | null = null;
  private queue: Request[] = [];
  private current: Request | null = null;
  /** Reused by send(): encoding a call allocates its bytes only. */
  private readonly frame: Frame = { head: NO_BYTES, body: NO_BYTES };

  setHmacKey(key: string | Uint8Array | null): void {
    this.assignHmacKey(key);
    if (this.conn) this.conn.reader.hmacKey = this.hmacKey;
  }
  /** Correlation id of the last reply received (the daemon's CORR annotation), or null. */
  get lastCorrelationId(): string | null {
    const b = this.lastCorrelation;
    return b && b.length === 16 ? bytesToUuid(b) : null;
  }
  /** Connected, connecting, or with work queued: a stream may continue. */
  get live(): boolean {
    return this.conn !== null || this.connecting || this.current !== null;
  }

  // ---------------------------------------------------------------- requests

  /** Queue a remote call. Resolves with the result (undefined for oneway calls, once flushed). */
  invoke(
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
    opts: CallOptions | null,
    flags = 0,
    objectId: string | null = null,
    check = CHECK_NONE,
  ): CallPromise<any> {
    const timeout = opts?.timeout ?? this.timeout;
    const req = new Request(this, KIND_INVOKE, method, vargs, kwargs, objectId, flags, opts?.oneway === true, check, timeout, opts?.signal ?? null);
    // The caller's frames, so a remote error's stack shows the line that made the call instead of the socket
    // handler that decoded the reply. captureStackTrace on a plain object only records the frames; V8 formats
    // them into text when `stack` is read, i.e. only for calls that fail (cost: see bench/profile/callsite.ts).
    if (this.captureCallSite) {
      const site: CallSite = {};
      Error.captureStackTrace(site, ProxyCore.prototype.invoke);
      req.site = site;
    }
    const corr = opts?.correlationId;
    if (corr) {
      const b = uuidToBytes(corr);
      if (b.length !== 16) return this.rejected(req, new PyroError(`invalid correlation id (expected a UUID): ${JSON.stringify(corr)}`));
      req.corrBytes = b;
    } else if (this.correlation === null) req.corrBytes = ambientCorrelation();
    if (tracingActive(clientCall)) {
      const uriObject = this.uri.protocol === "PYRO" ? this.uri.object : null;
      const t = new CallTrace(this.uri.asString(), objectId ?? this.connectedUri?.object ?? uriObject, method, vargs, kwargs,
        req.oneway, this.serializer.name, req.corrBytes ? bytesToUuid(req.corrBytes) : this.correlation);
      req.trace = t;
      return traceStart(t, () => this.enqueue(req));
    }
    return this.enqueue(req);
  }

  private rejected(req: Request, err: Error): CallPromise<any> {
    const p = newCallPromise<unknown>(req);
    req.fail(err);
    return p;
  }

  /** Close the connection after everything queued before this call has been sent (and answered). */
  release(): Promise<void> {
    if (!this.conn && !this.connecting && !this.current && this.queue.length === 0) return Promise.resolve();
    const req = new Request(this, KIND_RELEASE, "", [], null, null, 0, false, CHECK_NONE, 0, null);
    return this.enqueue(req) as Promise<void>;
  }

  /** Connect now (in queue order). Resolves true when a new connection was made. */
  bind(replaceUri: boolean): Promise<boolean> {
    const req = new Request(this, KIND_BIND, replaceUri ? "replace" : "", [], null, null, 0, false, CHECK_NONE, this.timeout, null);
    return this.enqueue(req) as Promise<boolean>;
  }

  private enqueue(req: Request): CallPromise<any> {
    const p = newCallPromise<unknown>(req);
    const signal = req.signal;
    if (signal) {
      if (signal.aborted) {
        req.fail(abortReason(signal));
        return p;
      }
      req.abortListener = () => this.abort(req);
      signal.addEventListener("abort", req.abortListener, { once: true });
    }
    this.queue.push(req);
    if (this.current === null && !this.connecting) this.pump();
    return p;
  }

  private abort(req: Request): void {
    if (req.done) return;
    const i = this.queue.indexOf(req);
    if (i >= 0) this.queue.splice(i, 1);
    else if (this.current === req) {
      // the reply would arrive out of turn: the connection cannot be reused
      this.current = null;
      this.dropConnection();
    }
    req.abortListener = null;
    req.fail(abortReason(req.signal!));
    if (!this.connecting && this.current === null) this.pump();
  }

  private pump(): void {
    const q = this.queue;
    while (this.current === null && !this.connecting && q.length) {
      const req = q[0]!;
      if (req.kind === KIND_RELEASE) {
        q.shift();
        const conn = this.conn;
        this.conn = null;
        if (conn) void conn.end().then(() => req.finish(undefined));
        else req.finish(undefined);
        continue;
      }
      if (this.conn === null) {
        this.startConnect(req);
        return;
      }
      q.shift();
      if (req.kind === KIND_BIND) {
        if (req.method === "replace" && this.connectedUri) this.uri = this.connectedUri;
        req.finish(req.seq === 1);
        continue;
      }
      this.send(this.conn, req);
    }
    if (this.current === null && this.conn && q.length === 0) this.conn.busy(false);
  }

  private send(conn: Connection, req: Request): void {
    const name = req.method;
    if (req.check !== CHECK_NONE && this.metadata && this.metaKnown) {
      const err = this.validate(req.check === CHECK_METHOD ? name : String(req.vargs[0]), req.check);
      if (err) {
        req.fail(err);
        return;
      }
    }
    let flags = req.flags;
    const oneway = req.oneway || (req.objectId === null && this.oneways.has(name));
    if (oneway) flags |= FLAGS_ONEWAY;
    const ser = this.serializer;
    const seq = (this.seq + 1) & 0xffff;
    let head: Buffer, payload: Payload;
    try {
      // big bytes arguments go out by reference: the socket takes the parts right away
      const objectId = req.objectId ?? this.connectedUri!.object;
      const opts = this.replace || autoproxyHooks.length ? this.serializeOptions : this.plainOptions;
      const blob = req.vargs[0] instanceof SerializedBlob ? req.vargs[0] : null;
      let data: Payload;
      if (blob) {
        // the whole call is the blob (client/blob.ts): its bytes go out as they are, object and method in BLBI
        checkBlobCall(req.vargs, req.kwargs);
        data = Buffer.from(blobCallData(blob, ser, objectId, name, opts));
        flags |= FLAGS_KEEPSERIALIZED;
      } else
        data = ser.serializeCallParts
          ? ser.serializeCallParts(objectId, name, req.vargs, req.kwargs, opts)
          : ser.serializeCall(objectId, name, req.vargs, req.kwargs, opts);
      let annotations =
        req.trace !== null || req.corrBytes !== null
          ? req.callAnnotations(this.annotations, this.correlation !== null ? this.annotations!.get("CORR")! : null)
          : this.annotations;
      if (blob) annotations = new Map(annotations ?? []).set("BLBI", encodeBlobInfo(blob.info, objectId, name));
      const f = this.frame;
      encodeFrame(f, MSG_INVOKE, ser.id, seq, data, flags, annotations, this.hmacKey, this.compression, this.limits.maxMessageSize, true, this.wire);
      head = f.head;
      payload = f.body;
      f.head = f.body = NO_BYTES; // the frame must not keep a call's bytes alive
    } catch (e) {
      req.fail(e); // nothing was sent: the connection stays in sync
      return;
    }
    this.seq = seq;
    req.seq = seq;
    if (req.trace) {
      req.trace.seq = seq;
      req.trace.connectionId = conn.id;
      if (req.objectId === null) req.trace.objectId = this.connectedUri!.object;
    }
    conn.busy(true);
    if (oneway) {
      conn.write(head, payload, req);
    } else {
      this.current = req;
      conn.armTimer(req.timeout, name);
      conn.write(head, payload, null);
    }
  }

  onMessage(conn: Connection, msg: Message): void {
    const req = this.current;
    if (conn !== this.conn || req === null) {
      if (conn === this.conn) this.failConnection(conn, new ProtocolError(`unexpected message (type ${msg.type}) with no request waiting`));
      return;
    }
    this.current = null;
    conn.disarm();
    const ser = this.serializer;
    let err: Error | null = null;
    let keepConnection = false;
    let value: unknown;
    if (msg.type !== MSG_RESULT) err = new ProtocolError(`invoke: unexpected message type ${msg.type} (expected RESULT)`);
    else if (msg.seq !== req.seq) err = new ProtocolError(`invoke: reply sequence out of sync, got ${msg.seq} expected ${req.seq}`);
    else if (msg.serializerId !== ser.id) err = new SerializeError(`invalid serializer in response: ${msg.serializerId}`);
    else {
      if (msg.annotations) {
        this.responseAnnotations = msg.annotations;
        const corr = msg.annotations.get("CORR");
        if (corr) {
          this.lastCorrelation = corr;
          req.sentCorr = corr; // errors of this call carry the daemon's id
          if (req.trace) req.trace.correlationId = corr.length === 16 ? bytesToUuid(corr) : null;
        }
        if (req.trace) req.trace.responseAnnotations = msg.annotations;
      }
      try {
        value = ser.deserializeData(msg.data, this.deserializeOptions); // zeroCopy: the reader made msg.data for this message only
      } catch (e) {
        err = e instanceof Error ? e : new SerializeError(String(e));
        // The reply was read whole, so the connection is in step. Python releases it only when the decoder raised
        // a CommunicationError (a refused class: SerializeError); malformed data raises the serializer's own
        // ValueError & co. there, and the next call reuses the connection (and a session-mode object) as Python's.
        keepConnection = !(isClassRefusal(e) && e instanceof CommunicationError);
      }
    }
    if (err) {
      // Pyro4 releases the connection on every communication error: a later reply could belong to this call
      if (!keepConnection) this.dropConnection();
      this.settle(req, err);
    } else if (msg.flags & FLAGS_ITEMSTREAMRESULT) {
      const strm = msg.annotations?.get("STRM");
      if (!strm || strm.length === 0)
        req.fail(new ProtocolError("result of call is an iterator, but the server is not configured to allow streaming"));
      else req.finish(new RemoteIterator(this, strm.toString("latin1"), req.timeout, req.signal));
    } else if (msg.flags & FLAGS_EXCEPTION) {
      const e = toError(value);
      if (e instanceof CommunicationError) this.dropConnection();
      req.fail(attachCallSite(e, req.site));
    } else req.finish(value);
    this.pump();
  }

  onFailure(conn: Connection, err: Error): void {
    if (conn !== this.conn) return;
    this.conn = null;
    const req = this.current;
    this.current = null;
    if (req) this.settle(req, err);
    this.pump();
  }

  private failConnection(conn: Connection, err: Error): void {
    conn.destroy();
    this.onFailure(conn, err);
  }

  private dropConnection(): void {
    const conn = this.conn;
    this.conn = null;
    conn?.destroy();
  }

  /** Reject a request, or queue it again when MAX_RETRIES allows (only for closed connections and timeouts). */
  settle(req: Request, err: unknown): void {
    if (
      req.kind === KIND_INVOKE &&
      !req.done &&
      req.attempt < this.maxRetries &&
      (err instanceof ConnectionClosedError || err instanceof TimeoutError)
    ) {
      req.attempt++;
      this.queue.unshift(req);
      return;
    }
    req.fail(err);
  }

  // ---------------------------------------------------------------- connecting

  private startConnect(head: Request): void {
    this.connecting = true;
    connect(this, head.timeout).then(
      (conn) => {
        this.connecting = false;
        this.conn = conn;
        conn.owner = this;
        if (head.kind === KIND_BIND) head.seq = 1; // marks "new connection made"
        this.pump();
      },
      (err: Error) => {
        this.connecting = false;
        const q = this.queue;
        this.queue = [];
        for (const req of q) {
          if (req.kind === KIND_RELEASE) req.finish(undefined);
          else if (req.kind === KIND_INVOKE && req.attempt < this.maxRetries && (err instanceof ConnectionClosedError || err instanceof TimeoutError)) {
            req.attempt++;
            this.queue.push(req);
          } else req.fail(err);
        }
        this.pump();
      },
    );
  }

  // ---------------------------------------------------------------- control

  /** Release, then try to connect up to `tries` times, `intervalMs` apart. */
  async reconnect(tries = 100_000_000, intervalMs = 2000): Promise<void> {
    await this.release();
    for (;;) {
      try {
        await this.bind(false);
        return;
      } catch (e) {
        if (!(e instanceof CommunicationError)) throw e;
        if (--tries <= 0) throw new ConnectionClosedError("failed to reconnect", { cause: e });
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    }
  }

  /** Settings, URI and metadata copied; no connection (Pyro4's copy.copy(proxy)). */
  clone(): ProxyCore {
    const c = new ProxyCore(this.uri, this.options());
    c.methods = new Set(this.methods);
    c.oneways = new Set(this.oneways);
    c.attrs = new Set(this.attrs);
    return c;
  }
}
