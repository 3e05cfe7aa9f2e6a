// The engine behind a Proxy: URI resolution, connect + CONNECT handshake, metadata, the FIFO request queue
// (one request on the wire at a time, Pyro4 semantics, so Promise.all on one proxy is safe), oneway flushes,
// timeouts, AbortSignal, MAX_RETRIES and lazy reconnect. The JS Proxy wrapper in proxy.ts only translates
// property access into calls on this class. The per-call path allocates the request object and its promise,
// nothing else: listeners are bound once per connection and queue entries carry their own state.

import { addAutoproxyHook, autoproxyHooks } from "../serializers/autoproxy.js";
import { config } from "../config.js";
import {
  CommunicationError,
  ConnectionClosedError,
  PyroError,
  ProtocolError,
  SecurityError,
  SerializeError,
  TimeoutError,
  RemoteError,
  attachCallSite,
  type CallSite,
} from "../errors.js";
import {
  FLAGS_EXCEPTION,
  FLAGS_ITEMSTREAMRESULT,
  DAEMON_NAME,
  FLAGS_META_ON_CONNECT,
  FLAGS_ONEWAY,
  MSG_CONNECT,
  MSG_CONNECTFAIL,
  MSG_CONNECTOK,
  MSG_INVOKE,
  MSG_RESULT,
  encodeMessage,
  type Payload,
  bytesToUuid,
  uuidToBytes,
  type Annotations,
  type Message,
} from "../protocol/message.js";
import { type Serializer, type SerializerName } from "../serializers/index.js";
import { PYRO5, wireFormat, type WireFormat } from "../protocol/wire.js";
import { serializerFor } from "../serializers/pyro5.js";
import { abortReason, connectSocket, describeTarget } from "../transport/connect.js";
import { ReadRelay } from "../transport/relay.js";
import { tlsClientOptions, type TlsSettings } from "../transport/tls.js";
import { URI } from "../uri.js";
import { Connection, type ConnectionOwner, type FlushWaiter } from "./connection.js";
import { AttributeError, CallPromise, newCallPromise, toError } from "./support.js";
import { resolve as resolveUri } from "./resolve.js";
import { RemoteIterator } from "./stream.js";
import { clientConnect, clientCall, tracingActive, type ClientConnectMessage } from "../observe/channels.js";
import { CallTrace, traceSettle, traceStart } from "../observe/tracing.js";
import { ambientCorrelation } from "../server/context.js";
import "../observe/setup.js";

export { DAEMON_NAME };
const OWNED = { zeroCopy: true } as const;

export interface ProxyOptions {
  /** "serpent" (default: config.SERIALIZER), "json", "marshal" or "msgpack". */
  serializer?: SerializerName;
  /**
   * Record the caller's stack frames on every call, so that a remote error's `stack` shows the line that made the
   * call (default true). Costs one Error.captureStackTrace per call (see bench/profile/callsite.ts); turn it off
   * for hot paths where the remote error's stack does not matter.
   */
  captureCallSite?: boolean;
  /**
   * Reply/connect timeout in milliseconds; 0 = wait forever (default: config.COMMTIMEOUT * 1000; the config item
   * and the `_pyroTimeout` alias are in seconds, as in Pyro4).
   */
  timeout?: number;
  /** Re-send a call this many times after ConnectionClosedError/TimeoutError (default config.MAX_RETRIES). */
  maxRetries?: number;
  /** Shared HMAC key (a string is UTF-8 encoded). */
  hmacKey?: string | Uint8Array | null;
  /** Data sent in the CONNECT handshake (default "hello"). */
  handshake?: unknown;
  /** Inspect the daemon's handshake response; throw to refuse the connection. */
  validateHandshake?: (response: unknown) => void | Promise<void>;
  /** UUID string sent as CORR annotation on every message. */
  correlationId?: string | null;
  /** Extra annotations (4-character ASCII keys) sent with every message. */
  annotations?: Record<string, Uint8Array> | null;
  /** zlib-compress large requests (default config.COMPRESSION). */
  compression?: boolean;
  /** Use object metadata (default config.METADATA). */
  metadata?: boolean;
  /**
   * Replace objects in call arguments before they are serialized (autoproxy: a Daemon's registered objects
   * become Proxy dicts). Global hooks from addAutoproxyHook apply to every proxy as well.
   */
  replace?: ((value: object) => unknown) | null;
  /**
   * TLS (Pyro4's SSL): true to use the SSL_* config items, or settings that override them
   * (default: config.SSL).
   */
  ssl?: boolean | TlsSettings;
  /** 4 (default): Pyro4, wire protocol 48. 5: Pyro5, wire protocol 502 (no HMAC; see docs/pyro5.md). */
  protocol?: 4 | 5;
}

export { addAutoproxyHook };

/** Per-call options (`proxy.$with({...})`). */
export interface CallOptions {
  timeout?: number;
  signal?: AbortSignal;
  oneway?: boolean;
  /** Send the call with this correlation id (CORR annotation, a UUID string) instead of the proxy's. */
  correlationId?: string | null;
}

const KIND_INVOKE = 0;
const KIND_RELEASE = 1;
const KIND_BIND = 2;

export const CHECK_NONE = 0;
export const CHECK_METHOD = 1;
export const CHECK_GETATTR = 2;
export const CHECK_SETATTR = 3;

/** One queued request. Implements FlushWaiter so oneway writes need no closure. */
export class Request implements FlushWaiter {
  seq = 0;
  attempt = 0;
  resolve!: (v: unknown) => void;
  reject!: (e: unknown) => void;
  done = false;
  abortListener: (() => void) | null = null;
  /** Where the call was made, for the stack of a remote error (see ProxyCore.invoke). */
  site: CallSite | null = null;
  /**
   * CORR for this call taken when it was made: CallOptions.correlationId, else (the proxy having none) the id of
   * the call this daemon was serving then (Pyro4's current_context). Null: the proxy's own setting applies.
   */
  corrBytes: Buffer | null = null;
  /** CORR bytes the request frame carried (copied onto errors as `correlationId`). */
  sentCorr: Buffer | null = null;
  /** The diagnostics_channel payload while someone subscribes to pyro4:client:call. */
  trace: CallTrace | null = null;
  constructor(
    readonly core: ProxyCore,
    readonly kind: number,
    readonly method: string,
    readonly vargs: readonly unknown[],
    readonly kwargs: Record<string, unknown> | null,
    readonly objectId: string | null,
    readonly flags: number,
    readonly oneway: boolean,
    readonly check: number,
    readonly timeout: number,
    readonly signal: AbortSignal | null,
  ) {}
  flushed(err: Error | null | undefined): void {
    if (err) this.core.settle(this, err);
    else this.finish(undefined);
  }
  finish(value: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.abortListener) this.signal!.removeEventListener("abort", this.abortListener);
    if (this.trace) traceSettle(this.trace, value, undefined, false, () => this.resolve(value));
    else this.resolve(value);
  }
  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.abortListener) this.signal!.removeEventListener("abort", this.abortListener);
    if (err instanceof Error && (err as { correlationId?: unknown }).correlationId === undefined) {
      const b = this.sentCorr ?? this.corrBytes;
      const corr = b ? bytesToUuid(b) : this.core.correlationId;
      if (corr) (err as { correlationId?: string }).correlationId = corr;
    }
    if (this.trace) traceSettle(this.trace, undefined, err, true, () => this.reject(err));
    else this.reject(err);
  }
}

/** " (exposed: a(), b(), x)": what the metadata says the object has, for an AttributeError's message. */
function exposedList(methods: ReadonlySet<string>, attrs: ReadonlySet<string>): string {
  const names = [...[...methods].sort().map((m) => `${m}()`), ...[...attrs].sort()];
  if (names.length === 0) return " (it exposes nothing)";
  const shown = names.length > 30 ? [...names.slice(0, 30), `... ${names.length - 30} more`] : names;
  return ` (exposed: ${shown.join(", ")})`;
}

export class ProxyCore implements ConnectionOwner {
  /** The URI as given (PYRONAME/PYROMETA are resolved again on every connect unless bound). */
  uri: URI;
  /** Protocol 48 (Pyro4) or 502 (Pyro5): framing, serializer ids and value class names. */
  readonly wire: WireFormat;
  serializer: Serializer;
  timeout: number;
  captureCallSite: boolean;
  maxRetries: number;
  hmacKey: Buffer | null = null;
  handshake: unknown;
  validateHandshake: ((response: unknown) => void | Promise<void>) | null;
  compression: boolean;
  metadata: boolean;
  methods = new Set<string>();
  oneways = new Set<string>();
  attrs = new Set<string>();
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
  private correlation: string | null = null;
  private userAnnotations: Record<string, Uint8Array> | null = null;
  private annotations: Annotations | null = null;
  private queue: Request[] = [];
  private current: Request | null = null;
  replace: ((value: object) => unknown) | null;
  ssl: boolean | TlsSettings;
  private readonly serializeOptions: { replace: (value: object) => unknown };

  constructor(uri: string | URI, options: ProxyOptions = {}) {
    if (typeof uri === "string") this.uri = new URI(uri);
    else if (uri instanceof URI) this.uri = new URI(uri);
    else throw new TypeError("expected Pyro URI");
    this.wire = wireFormat(options.protocol);
    this.serializer = serializerFor(this.wire.values, options.serializer ?? config.SERIALIZER);
    this.timeout = options.timeout ?? Math.round(config.COMMTIMEOUT * 1000);
    this.captureCallSite = options.captureCallSite ?? true;
    this.maxRetries = options.maxRetries ?? config.MAX_RETRIES;
    this.setHmacKey(options.hmacKey ?? null);
    this.handshake = options.handshake === undefined ? "hello" : options.handshake;
    this.validateHandshake = options.validateHandshake ?? null;
    this.compression = options.compression ?? config.COMPRESSION;
    this.metadata = options.metadata ?? config.METADATA;
    this.correlation = options.correlationId ?? null;
    this.userAnnotations = options.annotations ?? null;
    this.replace = options.replace ?? null;
    this.ssl = options.ssl ?? config.SSL;
    this.serializeOptions = { replace: (v: object) => this.replaceValue(v) };
    this.rebuildAnnotations();
  }

  private replaceValue(v: object): unknown {
    if (this.replace) {
      const r = this.replace(v);
      if (r !== undefined) return r;
    }
    for (let i = 0; i < autoproxyHooks.length; i++) {
      const r = autoproxyHooks[i]!(v);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- settings

  setSerializer(name: string): void {
    this.serializer = serializerFor(this.wire.values, name);
  }

  setHmacKey(key: string | Uint8Array | null): void {
    this.hmacKey = key == null || key.length === 0 ? null : typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
    if (this.hmacKey && !this.wire.hmac) throw new SecurityError(`${this.wire.name} has no HMAC signing (removed in Pyro5): use TLS (ssl option) instead`);
    if (this.conn) this.conn.reader.hmacKey = this.hmacKey;
  }
  get correlationId(): string | null {
    return this.correlation;
  }
  /** Correlation id of the last reply received (the daemon's CORR annotation), or null. */
  get lastCorrelationId(): string | null {
    const b = this.lastCorrelation;
    return b && b.length === 16 ? bytesToUuid(b) : null;
  }
  set correlationId(id: string | null) {
    this.correlation = id;
    this.rebuildAnnotations();
  }
  get extraAnnotations(): Record<string, Uint8Array> | null {
    return this.userAnnotations;
  }
  set extraAnnotations(a: Record<string, Uint8Array> | null) {
    this.userAnnotations = a;
    this.rebuildAnnotations();
  }
  private rebuildAnnotations(): void {
    let ann: Annotations | null = null;
    if (this.userAnnotations)
      for (const [k, v] of Object.entries(this.userAnnotations)) (ann ??= new Map()).set(k, Buffer.from(v));
    if (this.correlation) (ann ??= new Map()).set("CORR", uuidToBytes(this.correlation));
    this.annotations = ann;
  }
  get metaKnown(): boolean {
    return this.methods.size > 0 || this.attrs.size > 0;
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
    const p = newCallPromise<unknown>((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
    });
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
    const p = newCallPromise<unknown>((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
    });
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
        if (conn) conn.end().then(() => req.finish(undefined));
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
      const opts = this.replace || autoproxyHooks.length ? this.serializeOptions : undefined;
      const data = ser.serializeCallParts
        ? ser.serializeCallParts(objectId, name, req.vargs, req.kwargs, opts)
        : ser.serializeCall(objectId, name, req.vargs, req.kwargs, opts);
      const annotations = req.trace !== null || req.corrBytes !== null ? this.callAnnotations(req) : this.annotations;
      [head, payload] = encodeMessage(MSG_INVOKE, ser.id, seq, data, {
        flags,
        annotations,
        hmacKey: this.hmacKey,
        compress: this.compression,
        maxMessageSize: config.MAX_MESSAGE_SIZE,
        whole: true,
        wire: this.wire,
      });
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

  /**
   * The request annotations of one call when they differ from the proxy's: a per-call correlation id, one set
   * by a pyro4:client:call subscriber, annotations it added, or (Pyro4's current_context) the correlation id of
   * the call this daemon is serving when the proxy has none of its own. Notes the CORR sent on the request.
   */
  private callAnnotations(req: Request): Annotations | null {
    const own = this.correlation !== null ? this.annotations!.get("CORR")! : null;
    let corrBytes = req.corrBytes ?? own;
    const t = req.trace;
    if (t) {
      // a start subscriber may have set another id (or none)
      const want = t.correlationId;
      if (want !== (corrBytes ? bytesToUuid(corrBytes) : null)) {
        const b = want ? uuidToBytes(want) : null;
        corrBytes = b && b.length === 16 ? b : null;
      }
      t.correlationId = corrBytes ? bytesToUuid(corrBytes) : null;
    }
    req.sentCorr = corrBytes;
    const extra = t?.extraAnnotations ?? null;
    if (corrBytes === own && extra === null) return this.annotations;
    const ann: Annotations = new Map(this.annotations ?? []);
    if (extra) for (const [k, v] of extra) ann.set(k, v);
    if (corrBytes) ann.set("CORR", corrBytes);
    else ann.delete("CORR");
    return ann;
  }

  private validate(name: string, check: number): PyroError | null {
    if (check === CHECK_METHOD) {
      if (this.methods.has(name)) return null;
      const hint = this.attrs.has(name) ? ` ('${name}' is an attribute: read it with await proxy.${name})` : exposedList(this.methods, this.attrs);
      return new AttributeError(`remote object '${this.uri.asString()}' has no exposed attribute or method '${name}'${hint}`);
    }
    const attr = check === CHECK_GETATTR || check === CHECK_SETATTR ? (this.attrs.has(name) ? null : name) : null;
    if (attr === null) return null;
    const hint = this.methods.has(name) ? ` ('${name}' is a method: call it)` : exposedList(this.methods, this.attrs);
    return new AttributeError(`remote object '${this.uri.asString()}' has no exposed attribute '${name}'${hint}`);
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
        value = ser.deserializeData(msg.data, OWNED); // the reader made msg.data for this message only
      } catch (e) {
        err = e instanceof Error ? e : new SerializeError(String(e));
      }
    }
    if (err) {
      // Pyro4 releases the connection on every communication error: a later reply could belong to this call
      this.dropConnection();
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
    this.connect(head.timeout).then(
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

  /** connectOnce, reported on pyro4:client:connect. */
  private async connect(timeoutMs: number): Promise<Connection> {
    if (!clientConnect.hasSubscribers) return this.connectOnce(timeoutMs, null);
    const t0 = performance.now();
    const info: ConnectInfo = { uri: null, where: "" };
    let conn: Connection | null = null;
    let error: Error | null = null;
    try {
      conn = await this.connectOnce(timeoutMs, info);
      return conn;
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
      throw e;
    } finally {
      const msg: ClientConnectMessage = {
        uri: this.uri.asString(),
        connectedUri: info.uri ? info.uri.asString() : null,
        location: info.where,
        serializer: this.serializer.name,
        tls: !!this.ssl,
        connectionId: conn ? conn.id : 0,
        error,
        durationMs: performance.now() - t0,
      };
      if (conn) msg.handshakeResponse = this.handshakeResponse;
      clientConnect.publish(msg);
    }
  }

  /** Resolve the URI, open the socket, do the CONNECT handshake and read metadata. */
  private async connectOnce(timeoutMs: number, info: ConnectInfo | null): Promise<Connection> {
    const uri = this.uri.protocol === "PYRO" ? this.uri : await resolveUri(this.uri, { hmacKey: this.hmacKey, timeout: this.timeout, protocol: this.wire === PYRO5 ? 5 : 4 });
    const target = { host: uri.host, port: uri.port, sockname: uri.sockname };
    const where = describeTarget(target);
    if (info) {
      info.uri = uri;
      info.where = where;
    }
    const tls = this.ssl ? tlsClientOptions(uri.host, this.ssl === true ? {} : this.ssl) : null;
    const relay = tls ? null : new ReadRelay();
    const socket = await connectSocket(target, { timeoutMs, noDelay: true, tls, relay });
    const waiter = new HandshakeWaiter();
    const conn = new Connection(socket, where, waiter, this.hmacKey, config.MAX_MESSAGE_SIZE, relay, this.wire);
    try {
      const ser = this.serializer;
      const data: Record<string, unknown> = { handshake: this.handshake };
      if (this.metadata || this.wire === PYRO5) data.object = uri.object; // Pyro5's daemon always reads it
      const [h, p] = encodeMessage(MSG_CONNECT, ser.id, this.seq, ser.serializeData(data), {
        flags: this.metadata ? FLAGS_META_ON_CONNECT : 0,
        annotations: this.annotations,
        hmacKey: this.hmacKey,
        compress: this.compression,
        maxMessageSize: config.MAX_MESSAGE_SIZE,
        whole: true,
        wire: this.wire,
      });
      conn.armTimer(timeoutMs, "to the CONNECT handshake");
      conn.write(h, p, null);
      const msg = await waiter.next();
      conn.disarm();
      if (msg.annotations) this.responseAnnotations = msg.annotations;
      if (msg.type === MSG_CONNECTFAIL) throw this.rejection(where, msg);
      if (msg.type !== MSG_CONNECTOK) throw new ProtocolError(`cannot connect to ${where}: invalid msg type ${msg.type} received`);
      let response: unknown = msg.data.length ? serializerFor(this.wire.values, msg.serializerId).deserializeData(msg.data) : "?";
      if (msg.flags & FLAGS_META_ON_CONNECT) {
        const r = response as { meta?: unknown; handshake?: unknown };
        this.processMetadata(r.meta);
        response = r.handshake;
      } else if (this.metadata && !this.metaKnown) {
        // daemons that do not piggyback metadata on CONNECTOK answer Pyro.Daemon.get_metadata
        this.processMetadata(await this.rawInvoke(conn, waiter, uri.object, timeoutMs));
      }
      this.handshakeResponse = response;
      if (this.validateHandshake) await this.validateHandshake(response);
      this.connectedUri = uri;
      return conn;
    } catch (e) {
      conn.destroy();
      throw this.connectError(where, e);
    }
  }

  private connectError(where: string, e: unknown): Error {
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

  private rejection(where: string, msg: Message): CommunicationError {
    let text: string;
    try {
      const v = serializerFor(this.wire.values, msg.serializerId).deserializeData(msg.data);
      text = typeof v === "string" ? v : String(v);
    } catch {
      text = fallbackText(msg.data);
    }
    let hint = "";
    if (/serializer that is not accepted/.test(text))
      hint = ` (this proxy uses serializer '${this.serializer.name}' (id ${this.serializer.id}); the daemon's SERIALIZERS_ACCEPTED does not include it)`;
    else if (text === "unknown object") hint = ` (no object '${this.connectedUriObject(msg)}' is registered in that daemon)`;
    if (/hmac/.test(text)) return new SecurityError(`connection to ${where} rejected: ${text}`);
    return new CommunicationError(`connection to ${where} rejected: ${text}${hint}`);
  }

  private connectedUriObject(_msg: Message): string {
    return this.uri.protocol === "PYRO" ? this.uri.object : this.uri.asString();
  }

  private async rawInvoke(conn: Connection, waiter: HandshakeWaiter, objectId: string, timeoutMs: number): Promise<unknown> {
    const ser = this.serializer;
    const seq = (this.seq + 1) & 0xffff;
    const [h, p] = encodeMessage(MSG_INVOKE, ser.id, seq, ser.serializeCall(DAEMON_NAME, "get_metadata", [objectId], {}), {
      annotations: this.annotations,
      hmacKey: this.hmacKey,
      whole: true,
      wire: this.wire,
    });
    this.seq = seq;
    conn.armTimer(timeoutMs, "to get_metadata");
    conn.write(h, p, null);
    const msg = await waiter.next();
    conn.disarm();
    if (msg.seq !== seq) throw new ProtocolError(`invoke: reply sequence out of sync, got ${msg.seq} expected ${seq}`);
    const v = ser.deserializeData(msg.data);
    if (msg.flags & FLAGS_EXCEPTION) throw toError(v);
    return v;
  }

  processMetadata(meta: unknown): void {
    if (!meta || typeof meta !== "object") return;
    const m = meta as { methods?: Iterable<string>; oneway?: Iterable<string>; attrs?: Iterable<string> };
    this.oneways = new Set(m.oneway ?? []);
    this.methods = new Set(m.methods ?? []);
    this.attrs = new Set(m.attrs ?? []);
    if (!this.metaKnown)
      throw new PyroError("remote object doesn't expose any methods or attributes. Did you forget setting @expose on them?");
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
    const c = new ProxyCore(this.uri, {
      serializer: this.serializer.name,
      timeout: this.timeout,
      captureCallSite: this.captureCallSite,
      maxRetries: this.maxRetries,
      hmacKey: this.hmacKey,
      handshake: this.handshake,
      validateHandshake: this.validateHandshake ?? undefined,
      correlationId: this.correlation,
      annotations: this.userAnnotations,
      compression: this.compression,
      metadata: this.metadata,
      replace: this.replace,
      ssl: this.ssl,
      protocol: this.wire === PYRO5 ? 5 : 4,
    });
    c.methods = new Set(this.methods);
    c.oneways = new Set(this.oneways);
    c.attrs = new Set(this.attrs);
    return c;
  }
}

/** What a connection attempt got as far as, for pyro4:client:connect. */
interface ConnectInfo {
  uri: URI | null;
  where: string;
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
