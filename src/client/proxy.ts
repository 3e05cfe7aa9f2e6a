// The user-facing Proxy: a JavaScript Proxy object over a ProxyCore. Every remote name is a member that is
// callable (a method call -> Promise) AND thenable (`await proxy.attr` reads a remote attribute); control
// members start with `$` (never a Python identifier) with Pyro-style `_pyro*` aliases. Members are cached per
// name, so a call allocates only its arguments, its request and its promise. The root proxy is neither
// thenable nor callable; assigning `proxy.x = 1` throws and points to `$set`.
//
// The exported class is named Proxy like Pyro4's; the JavaScript global of that name is used as JSProxy.

import { inspect } from "node:util";
import { registerClassToDict, registerDictToClass, tuple } from "../serializers/values.js";
import { URI } from "../uri.js";
import { AsyncResult, callOnClone } from "./async.js";
import { BatchRecorder, type BatchSendOptions } from "./batch.js";
import { CHECK_GETATTR, CHECK_METHOD, CHECK_SETATTR, ProxyCore, type CallOptions, type ProxyOptions } from "./core.js";
import { PYRO4_PROFILE, PYRO5_PROFILE, profileOfDialect, type DecodedProxyState } from "../profiles/index.js";
import type { ValueDialect } from "../serializers/dialect.js";
import { defaultNameServerAddress, getNameServerLocator, setNameServerLocator, type NameServerLike } from "./resolve.js";
import type { RemoteIterator } from "./stream.js";
import type { SerializerName } from "../serializers/types.js";
import { CallPromise, EMPTY_KWARGS, Kwargs, splitArgs } from "./support.js";
import { InvalidArgumentError } from "../errors.js";

const JSProxy = globalThis.Proxy;

// ------------------------------------------------------------------------------------------------ types

type AnyFn = (...args: any[]) => any;
type IsAny<T> = 0 extends 1 & T ? true : false;
/** What a remote generator/iterator method gives the caller. */
export type Streamed<R> = R extends AsyncGenerator<infer Y, any, any> | Generator<infer Y, any, any> ? RemoteIterator<Y> : R;
/**
 * A remote method as a proxy exposes it: the same parameters (plus optional Python keyword arguments last) and a
 * CallPromise of the awaited result; generators come back as a RemoteIterator.
 */
export type RemoteMethod<F> = F extends (...args: infer A) => infer R
  ? ((...args: A | [...any[], Kwargs]) => CallPromise<Streamed<Awaited<R>>>) & PromiseLike<never>
  : never;
/** The remote members of T: methods return promises, attributes are awaited. */
export type Remote<T> =
  IsAny<T> extends true
    ? { [name: string]: any }
    : { readonly [K in keyof T as K extends string ? K : never]: T[K] extends AnyFn ? RemoteMethod<T[K]> : PromiseLike<Awaited<T[K]>> };
/** `proxy.$oneway`: every method of T as a oneway call that resolves once the request is sent. */
export type OnewayView<T> =
  IsAny<T> extends true
    ? { [name: string]: (...args: any[]) => Promise<void> }
    : { readonly [K in keyof T as T[K] extends AnyFn ? K : never]: (...args: any[]) => Promise<void> };
/** `proxy.$async`: every method of T as a Pyro4 asynchronous call that returns an AsyncResult at once. */
export type AsyncView<T> =
  IsAny<T> extends true
    ? { [name: string]: (...args: any[]) => AsyncResult<any> }
    : { readonly [K in keyof T as T[K] extends AnyFn ? K : never]: T[K] extends (...a: infer A) => infer R ? (...args: A | [...any[], Kwargs]) => AsyncResult<Awaited<R>> : never };
/**
 * `proxy.$batch()`: records calls of T (each gives a promise of its own result) until `$send()` ships them as one
 * request.
 */
export type Batch<T> = (IsAny<T> extends true
  ? { [name: string]: (...args: any[]) => Promise<any> }
  : { readonly [K in keyof T as T[K] extends AnyFn ? K : never]: T[K] extends (...a: infer A) => infer R ? (...args: A | [...any[], Kwargs]) => Promise<Awaited<R>> : never }) & {
  /** Send the recorded calls as one request (see BatchSendOptions). */
  $send(options?: { oneway?: false; asynchronous?: false }): Promise<unknown[]>;
  $send(options: { oneway: true }): Promise<undefined>;
  $send(options: { asynchronous: true }): AsyncResult<unknown[]>;
  readonly $size: number;
};

/**
 * What the daemon told about the remote object (Pyro4's get_metadata): its method, oneway method and attribute
 * names.
 */
export interface ProxyMetadata {
  methods: Set<string>;
  oneway: Set<string>;
  attrs: Set<string>;
}

/**
 * The `$`-prefixed members every proxy has beside the remote object's own: views, batches, connection control and
 * metadata.
 */
export interface ProxyControls<T> {
  /** Write a remote attribute (`__setattr__`). */
  $set(name: string, value: unknown): Promise<void>;
  /** Read a remote attribute by name (also reaches names JavaScript reserves, like `then`). */
  $get(name: string): Promise<any>;
  /** Call any remote method by name, with Python keyword arguments. */
  $call(name: string, args?: readonly unknown[], kwargs?: Record<string, unknown> | null): CallPromise<any>;
  /** Forced oneway calls: resolve once the request is sent. */
  readonly $oneway: OnewayView<T>;
  /** Pyro4 asyncproxy: each call runs on its own connection and returns an AsyncResult. */
  readonly $async: AsyncView<T>;
  $batch(): Batch<T>;
  /** A view with per-call options (timeout in ms, AbortSignal, oneway); shares this proxy's connection. */
  $with(options: CallOptions): Proxy<T>;
  /** Close the connection after queued calls were sent (reconnects lazily on next use). */
  $release(): Promise<void>;
  /** Connect now; a PYRONAME/PYROMETA URI is replaced by the resolved PYRO URI. True when a new connection was made. */
  $bind(): Promise<boolean>;
  /** Release, then try to connect `tries` times, `intervalMs` apart (default every 2 s). */
  $reconnect(tries?: number, intervalMs?: number): Promise<void>;
  /** A new proxy with the same URI, settings and metadata, and its own connection. */
  $clone(): Proxy<T>;
  readonly $uri: URI;
  /** The resolved URI of the current/last connection. */
  readonly $connectedUri: URI | null;
  readonly $connected: boolean;
  readonly $meta: ProxyMetadata;
  readonly $methods: Set<string>;
  readonly $attrs: Set<string>;
  readonly $oneways: Set<string>;
  $correlationId: string | null;
  $handshake: unknown;
  readonly $handshakeResponse: unknown;
  $hmacKey: Uint8Array | string | null;
  /** The serializer of the next call (setting an unknown name throws a SerializeError). */
  $serializer: SerializerName;
  /** Milliseconds; 0 = no timeout. */
  $timeout: number;
  $maxRetries: number;
  $annotations: Record<string, Uint8Array> | null;
  readonly $responseAnnotations: Map<string, Buffer> | null;
  /** Correlation id (CORR) of the last reply: the id the daemon logged the last call under. */
  readonly $lastCorrelationId: string | null;
  /** The serialized proxy state: Pyro4's 9-tuple, or Pyro5's 6-tuple for a protocol-5 proxy. */
  $state(): unknown[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** A Pyro proxy for a remote object of (Python) type T. */
export type Proxy<T = any> = Remote<T> & ProxyControls<T>;

// ------------------------------------------------------------------------------------------------ views

const MODE_CALL = 0;
const MODE_ASYNC = 1;

/**
 * A view's state is its JS Proxy's handler: the traps find it as `this`, with no lookup per member access (a
 * WeakMap from the proxy to its state cost about 150 instructions per call). The `get` trap is an own property:
 * V8 looks the trap up on the handler at every access, and an own property is found sooner than a prototype's
 * method (about 50 instructions per access in a micro-benchmark under callgrind).
 */
class ViewState implements ProxyHandler<object> {
  readonly members = new Map<string, unknown>();
  readonly get = viewGet;
  constructor(
    readonly core: ProxyCore,
    readonly opts: CallOptions | null,
    readonly mode: number,
  ) {}

  set(_target: object, prop: string | symbol, value: unknown): boolean {
    if (typeof prop === "string" && setControl(this.core, prop, value)) return true;
    const name = String(prop);
    throw new InvalidArgumentError(
      `cannot assign remote attribute '${name}' on a Pyro proxy: use await proxy.$set('${name}', value) (every network access is awaited)`,
    );
  }

  has(target: object, prop: string | symbol): boolean {
    if (typeof prop !== "string") return false;
    if (prop.startsWith("$")) return control(this, target, prop, null) !== undefined;
    return this.core.methods.has(prop) || this.core.attrs.has(prop);
  }

  defineProperty(): boolean {
    throw new InvalidArgumentError("cannot define properties on a Pyro proxy: use await proxy.$set(name, value)");
  }

  deleteProperty(): boolean {
    throw new InvalidArgumentError("cannot delete properties of a Pyro proxy");
  }
}

/** The `get` trap of every view (`this` is the view's state). */
function viewGet(this: ViewState, target: object, prop: string | symbol, receiver: any): unknown {
  if (typeof prop === "symbol") {
    if (prop === Symbol.asyncDispose) return () => this.core.release();
    if (prop === inspect.custom) return () => describe(this.core);
    if (prop === Symbol.toStringTag) return `${this.core.profile.name}.Proxy`;
    return undefined;
  }
  const m = this.members.get(prop);
  if (m !== undefined) return m;
  const c = prop.charCodeAt(0);
  if (c === 36 /* $ */) return control(this, target, prop, receiver);
  if (c === 95 /* _ */ && prop.startsWith("_pyro")) return control(this, target, prop, receiver);
  switch (prop) {
    case "then":
      return undefined;
    case "toJSON":
      return () => this.core.uri.asString();
    case "toString":
      return () => describe(this.core);
    case "valueOf":
      return () => receiver;
    case "constructor":
      return Proxy;
  }
  return member(this, prop);
}

const views = new WeakMap<object, ViewState>();
const explicitSerializer = new WeakMap<ProxyCore, unknown>();

function makeView(target: object, core: ProxyCore, opts: CallOptions | null, mode: number): any {
  const state = new ViewState(core, opts, mode);
  const p = new JSProxy(target, state);
  views.set(p, state);
  viewOfTarget.set(target, state);
  return p;
}
const viewOfTarget = new WeakMap<object, ViewState>();

function member(state: ViewState, name: string): unknown {
  const { core, opts } = state;
  const getOpts = opts?.oneway ? { ...opts, oneway: false } : opts;
  let fn: any;
  if (state.mode === MODE_ASYNC) {
    fn = (...args: unknown[]) => {
      const [a, kw] = splitArgs(args);
      return callOnClone(core, (c) => c.invoke(name, a, kw, opts, 0, null, CHECK_METHOD));
    };
    fn.then = (res: any, rej: any) =>
      callOnClone(core, (c) => c.invoke("__getattr__", tuple(name), null, getOpts, 0, null, CHECK_GETATTR)).then(res, rej);
  } else {
    fn = (...args: unknown[]) => {
      const n = args.length;
      if (n > 0 && args[n - 1] instanceof Kwargs)
        return core.invoke(name, args.slice(0, n - 1), (args[n - 1] as Kwargs).values, opts, 0, null, CHECK_METHOD);
      return core.invoke(name, args, EMPTY_KWARGS, opts, 0, null, CHECK_METHOD);
    };
    fn.then = (res: any, rej: any) => core.invoke("__getattr__", tuple(name), null, getOpts, 0, null, CHECK_GETATTR).then(res, rej);
  }
  state.members.set(name, fn);
  return fn;
}

// Python prints id(proxy) in a proxy's repr; ours is a number per proxy core, in the same hex form.
const reprIds = new WeakMap<ProxyCore, string>();
let nextReprId = 0x7f3a00000000 + Math.floor(Math.random() * 0x10000) * 0x10000;

/** A socket's address family as Python's socketutil.family_str names it. */
function family(core: ProxyCore): string | null {
  const sock = core.conn?.socket;
  if (!sock) return null;
  return sock.remoteFamily === "IPv6" ? "IPv6" : sock.remoteFamily === "IPv4" ? "IPv4" : "Unix";
}

/** repr(proxy) as Python prints it: `<Pyro4.core.Proxy at 0x...; connected IPv4; for PYRO:...>` (Pyro5: its own). */
function describe(core: ProxyCore): string {
  let id = reprIds.get(core);
  if (id === undefined) reprIds.set(core, (id = (nextReprId += 0x50).toString(16)));
  return core.profile.proxyRepr(id, family(core), core.uri.asString());
}

function control(state: ViewState, target: object, name: string, receiver: any): unknown {
  const core = state.core;
  switch (name) {
    case "$set":
    case "_pyroSet":
      return (attr: string, value: unknown) =>
        core.invoke("__setattr__", tuple<unknown>(attr, value), null, state.opts, 0, null, CHECK_SETATTR).then(() => undefined);
    case "$get":
      return (attr: string) => core.invoke("__getattr__", tuple(attr), null, state.opts, 0, null, CHECK_GETATTR);
    case "$call":
      return (method: string, args: readonly unknown[] = [], kwargs: Record<string, unknown> | null = {}) =>
        core.invoke(method, args, kwargs ?? {}, state.opts, 0, null, CHECK_METHOD);
    case "$oneway":
      return makeView(Object.create(Object.getPrototypeOf(target)), core, { ...state.opts, oneway: true }, MODE_CALL);
    case "$async":
    case "_pyroAsync":
      return name === "$async" ? makeView(Object.create(Object.getPrototypeOf(target)), core, state.opts, MODE_ASYNC) : () => receiver.$async;
    case "$batch":
    case "_pyroBatch":
      return () => makeBatch(core);
    case "$with":
      return (o: CallOptions) => makeView(Object.create(Object.getPrototypeOf(target)), core, { ...state.opts, ...o }, state.mode);
    case "$release":
    case "_pyroRelease":
      return () => core.release();
    case "$bind":
    case "_pyroBind":
      return () => core.bind(true);
    case "$reconnect":
    case "_pyroReconnect":
      return (tries?: number, intervalMs?: number) => core.reconnect(tries, intervalMs);
    case "$clone":
      return () => wrapCore(core.clone(), explicitSerializer.get(core) ?? null);
    case "$uri":
    case "_pyroUri":
      return core.uri;
    case "$connectedUri":
      return core.connectedUri;
    case "$connected":
      return core.conn !== null;
    case "$meta":
      return { methods: core.methods, oneway: core.oneways, attrs: core.attrs };
    case "$methods":
    case "_pyroMethods":
      return core.methods;
    case "$attrs":
    case "_pyroAttrs":
      return core.attrs;
    case "$oneways":
    case "_pyroOneway":
      return core.oneways;
    case "$correlationId":
      return core.correlationId;
    case "$handshake":
    case "_pyroHandshake":
      return core.handshake;
    case "$handshakeResponse":
      return core.handshakeResponse;
    case "$hmacKey":
    case "_pyroHmacKey":
      return core.hmacKey;
    case "$serializer":
    case "_pyroSerializer":
      return core.serializer.name;
    case "$timeout":
      return core.timeout;
    case "_pyroTimeout":
      return core.timeout / 1000;
    case "$maxRetries":
    case "_pyroMaxRetries":
      return core.maxRetries;
    case "$annotations":
      return core.extraAnnotations;
    case "$responseAnnotations":
      return core.responseAnnotations;
    case "$lastCorrelationId":
      return core.lastCorrelationId;
    case "$state":
      return () => core.profile.encodeProxyState(core, explicitSerializer.get(core) ?? null);
  }
  return undefined;
}

function setControl(core: ProxyCore, name: string, value: any): boolean {
  switch (name) {
    case "$correlationId":
      core.correlationId = value == null ? null : String(value);
      return true;
    case "$handshake":
    case "_pyroHandshake":
      core.handshake = value;
      return true;
    case "$hmacKey":
    case "_pyroHmacKey":
      core.setHmacKey(value);
      return true;
    case "$serializer":
    case "_pyroSerializer":
      core.setSerializer(value ?? core.profile.config.SERIALIZER);
      explicitSerializer.set(core, value ?? null);
      return true;
    case "$timeout":
      core.timeout = value == null ? 0 : Number(value);
      return true;
    case "_pyroTimeout":
      core.timeout = value == null ? 0 : Math.round(Number(value) * 1000);
      return true;
    case "$maxRetries":
    case "_pyroMaxRetries":
      core.maxRetries = Number(value) | 0;
      return true;
    case "$annotations":
      core.extraAnnotations = value ?? null;
      return true;
  }
  return false;
}

/**
 * A batch is a plain object whose prototype chain ends in a JS Proxy: the first access to a method name falls
 * through to that Proxy, which defines the recording function on the batch itself, so the other 99 calls of a
 * batch of 100 are ordinary property reads instead of a Proxy trap each.
 */
class BatchView {
  readonly #rec: BatchRecorder;
  constructor(rec: BatchRecorder) {
    this.#rec = rec;
  }
  $send(options?: BatchSendOptions): unknown {
    return this.#rec.send(options);
  }
  get $size(): number {
    return this.#rec.size;
  }
  [inspect.custom](): string {
    return `<${this.#rec.profileName} batch of ${this.#rec.size} calls>`;
  }
  static recorder(view: BatchView): BatchRecorder {
    return view.#rec;
  }
}

const NO_BATCH_ASSIGN = "cannot assign attributes on a batch: record method calls and $send() them";
Object.setPrototypeOf(
  BatchView.prototype,
  new JSProxy(Object.create(null), {
    get(_t, prop, receiver) {
      if (typeof prop === "symbol" || prop === "then" || prop === "toJSON") return undefined;
      const rec = BatchView.recorder(receiver as BatchView);
      // a call without arguments (the common batched getter) keeps no array: where the call is inlined, V8 then
      // allocates no rest array for it either
      const fn = (...args: unknown[]) => (args.length === 0 ? rec.recordNoArgs(prop) : rec.record(prop, args));
      Object.defineProperty(receiver, prop, { value: fn }); // read-only from now on
      return fn;
    },
    set() {
      throw new InvalidArgumentError(NO_BATCH_ASSIGN);
    },
  }),
);
Object.freeze(BatchView.prototype);

function makeBatch(core: ProxyCore): any {
  return new BatchView(new BatchRecorder(core));
}

// ------------------------------------------------------------------------------------------------ class

function wrapCore(core: ProxyCore, serializer: unknown): any {
  explicitSerializer.set(core, serializer);
  return makeView(Object.create(PyroProxy.prototype), core, null, MODE_CALL);
}

class PyroProxy {
  constructor(uri: string | URI, options: ProxyOptions = {}) {
    const core = new ProxyCore(uri, options);
    explicitSerializer.set(core, options.serializer ?? null);
    return makeView(this, core, null, MODE_CALL);
  }

  // util.inspect looks at a JS Proxy's target directly (no traps), so the hook lives on the prototype
  [inspect.custom](): string {
    const st = viewOfTarget.get(this) ?? views.get(this);
    return st ? describe(st.core) : "<Proxy>";
  }

  /** Rebuild a proxy from Pyro4's serialized state (uri, oneway, methods, attrs, timeout, hmac, handshake, maxretries, serializer). */
  static fromState(state: readonly unknown[]): Proxy {
    return proxyFromDecoded(PYRO4_PROFILE.decodeProxyState(state));
  }
}

/** A proxy from decoded serialized state (Pyro4's or Pyro5's), with the metadata it carried. */
function proxyFromDecoded(d: DecodedProxyState): Proxy {
  const p = new PyroProxy(d.uri, d.options) as unknown as Proxy;
  const core = views.get(p)!.core;
  // what this proxy's state says when it is serialized again: the slot as received (Python's _pyroSerializer)
  explicitSerializer.set(core, d.stateSerializer);
  core.methods = d.methods;
  core.oneways = d.oneway;
  core.attrs = d.attrs;
  return p;
}

/** The constructor: `new Proxy<Warehouse>("PYRONAME:example.warehouse", { timeout: 5000 })`. */
export const Proxy = PyroProxy as unknown as {
  /** A proxy for the object at `uri` (PYRO:, PYRONAME: or PYROMETA:); it connects on its first call. */
  new <T = any>(uri: string | URI, options?: ProxyOptions): Proxy<T>;
  readonly prototype: object;
  fromState(state: readonly unknown[]): Proxy;
};

/** True for proxies (and their $with/$oneway views) made by this module. */
export function isProxy(value: unknown): value is Proxy {
  return typeof value === "object" && value !== null && views.has(value);
}

/** Pyro4.batch(proxy). */
export function batch<T>(proxy: Proxy<T>): Batch<T> {
  return proxy.$batch();
}
/** Pyro4.asyncproxy(proxy): the view whose calls return AsyncResults. */
export function asyncproxy<T>(proxy: Proxy<T>): AsyncView<T> {
  return proxy.$async;
}

// Proxies travel as proxy dicts both ways (autoproxy, callbacks, name server results), in the class name and state
// tuple of the protocol the message is serialized for (Pyro4.core.Proxy or Pyro5.client.Proxy); a received one
// becomes a proxy of the protocol its class names.
registerClassToDict((v: object) => views.has(v), (p: object, dialect: ValueDialect) => {
  const core = views.get(p)!.core;
  return { __class__: dialect.proxyClass, state: profileOfDialect(dialect).encodeProxyState(core, explicitSerializer.get(core) ?? null) };
}, { isPredicate: true });
for (const profile of [PYRO4_PROFILE, PYRO5_PROFILE])
  registerDictToClass(profile.values.proxyClass, (_cls, dict) => proxyFromDecoded(profile.decodeProxyState(dict.state as unknown[])));

// Default name-server locator for PYRONAME/PYROMETA: connect to the URI's NS location or NS_HOST:NS_PORT.
if (!getNameServerLocator()) {
  setNameServerLocator(async ({ host, port, hmacKey, timeout, profile, limits }) => {
    const a = defaultNameServerAddress(host, port, profile);
    const h = a.host.includes(":") ? `[${a.host}]` : a.host;
    return new Proxy(`PYRO:Pyro.NameServer@${h}:${a.port}`, { hmacKey, timeout, protocol: profile?.protocol, limits }) as unknown as NameServerLike;
  });
}

export type { ProxyOptions, CallOptions };
export { AsyncResult };
