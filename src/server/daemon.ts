// The Pyro4 Daemon for Node.js: one node:net server (TCP or unix socket), a Connection per client, the
// object registry with instance modes, autoproxy of registered objects in results, stream bookkeeping and
// the Pyro.Daemon object. Event driven: a slow async method never blocks other connections.

import type { Socket } from "node:net";
import { randomUUID } from "node:crypto";
import { DaemonError, PyroError } from "../errors.js";
import { DAEMON_NAME, type Annotations } from "../protocol/message.js";
import { getSerializer, serializerIds, type SerializeOptions, type SerializerName } from "../serializers/index.js";
import type { ValueDialect } from "../serializers/dialect.js";
import type { WireFormat } from "../protocol/wire.js";
import { profileFor, profileOfDialect, type PyroProfile } from "../profiles/index.js";
import { URI } from "../uri.js";
import { listen, type Listener } from "../transport/listen.js";
import { tlsServerOptions, type TlsSettings } from "../transport/tls.js";
import { addAutoproxyHook } from "../serializers/autoproxy.js";
import { Connection } from "./connection.js";
import type { DaemonCore, DaemonSettings, Registration } from "./daemon-core.js";

export type { DaemonCore, DaemonSettings, Registration };
import { currentContext, type ClientConnection } from "./context.js";
import { DaemonObject, type DaemonLike } from "./daemon-object.js";
import {
  checkInstanceMode,
  classBehavior,
  computeExposure,
  isClass,
  type ExposureOptions,
  type InstanceCreator,
  type InstanceMode,
} from "./expose.js";
import { StreamRegistry } from "./streams.js";
import { coreLog, debug } from "../observe/log.js";
import { serverConnection, serverDisconnect, type ServerConnectionMessage } from "../observe/channels.js";
import "../observe/setup.js";
// Python's daemon can always receive proxies (Pyro5.server imports Pyro5.client): the proxy class-dict decoders
// register when the client module loads, so a daemon alone (pyro5 echoserver) must load it too.
import "../client/proxy.js";

/** Default DaemonOptions.writeHighWaterMark: 1 MiB of unsent replies per connection. */
const DEFAULT_WRITE_HIGH_WATER_MARK = 1 << 20;

export { DAEMON_NAME };

/** Options of `new Daemon(options)`; every one defaults to the matching config item. */
export interface DaemonOptions {
  /** Default config.HOST ("localhost"; with protocol 5, Pyro5's config). "" binds every interface. */
  host?: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Serve on a unix domain socket instead of TCP. */
  unixsocket?: string | null;
  /** Host/port advertised in URIs when behind NAT (natport 0 = the real port). Default config.NATHOST/NATPORT. */
  nathost?: string | null;
  natport?: number | null;
  /** Shared HMAC key (Pyro4's daemon._pyroHmacKey). */
  hmacKey?: string | Uint8Array | null;
  /** 4 (default): serve Pyro4 clients (protocol 48). 5: serve Pyro5 clients (protocol 502, no HMAC). */
  protocol?: 4 | 5;
  /**
   * Default: Pyro4's config.SERIALIZERS_ACCEPTED (serpent, marshal, json; msgpack is opt-in as in Pyro4); with
   * protocol 5 all four, as Pyro5's daemon (it has no such config item).
   */
  serializersAccepted?: Iterable<SerializerName>;
  /** Bytes; 0 = unlimited. Default config.MAX_MESSAGE_SIZE (Pyro4: 0; Pyro5: 1 GiB). */
  maxMessageSize?: number;
  /** Milliseconds a client connection may stay idle; 0 = forever. Default config.COMMTIMEOUT (which is in seconds, as in Pyro4) * 1000. */
  commTimeout?: number;
  compression?: boolean;
  onewayThreaded?: boolean;
  detailedTraceback?: boolean;
  iterStreaming?: boolean;
  /**
   * When iterStreaming is off: "list" (default) drains the iterator and returns a list; "error" answers like
   * Pyro4 does (the client raises "result of call is an iterator, but the server is not configured to allow streaming").
   */
  streamFallback?: "list" | "error";
  /** Milliseconds an item stream may live; 0 = forever. Default config.ITER_STREAM_LIFETIME (seconds) * 1000. */
  iterStreamLifetime?: number;
  /** Milliseconds an item stream outlives its disconnected client; 0 = closed at once. Default config.ITER_STREAM_LINGER (seconds) * 1000. */
  iterStreamLinger?: number;
  autoproxy?: boolean;
  requireExpose?: boolean;
  /**
   * TLS (Pyro4's SSL): true to use the SSL_* config items (SSL_SERVERCERT, SSL_SERVERKEY, SSL_REQUIRECLIENTCERT,
   * SSL_CACERTS...), or settings that override them. Default config.SSL.
   */
  ssl?: boolean | TlsSettings;
  /**
   * Milliseconds a message may take to arrive completely once its first byte came; a slower peer (slowloris) is
   * disconnected. 0 = no limit (Pyro4 has none). Default: 0.
   */
  messageTimeout?: number;
  /** Open item streams one connection may hold; the call that would open one more gets an error. 0 = unlimited. */
  maxStreamsPerConnection?: number;
  /** Calls in one batch request; a larger batch is refused whole (none of its calls run). 0 = unlimited. */
  maxBatchSize?: number;
  /**
   * Write backpressure, in bytes: while a connection holds more than this many bytes of replies its client has
   * not taken yet, the daemon stops reading and handling that connection's requests, and resumes on 'drain'. A
   * client that sends requests and never reads the replies then costs about this much memory, not one reply per
   * request it sent. Other connections are served meanwhile. A value below the socket's own high-water mark
   * (16 KiB) acts as that ('drain' only follows a write the socket refused). 0 = no limit (Pyro4's blocking sends
   * need none). Default: 1 MiB.
   */
  writeHighWaterMark?: number;
  /** Refuse connections beyond this many (CONNECTFAIL like Pyro4's "no free workers"). 0 = unlimited. */
  maxConnections?: number;
  /** Pyro4's Daemon.validateHandshake: return the handshake response, throw to refuse the connection. */
  validateHandshake?: (conn: ClientConnection, data: unknown) => unknown;
  /** Pyro4's Daemon.annotations(): extra annotations sent with every response. */
  annotations?: () => AnnotationsInput | null | undefined;
  /** Called when a client connection ends (Pyro4's clientDisconnect). */
  clientDisconnect?: (conn: ClientConnection) => void;
  /** Called every few seconds (Pyro4's housekeeping). */
  housekeeping?: () => void;
}

export type AnnotationsInput = Map<string, Uint8Array | string> | Record<string, Uint8Array | string>;

export interface RegisterOptions extends ExposureOptions {
  /** Replace an existing registration with the same id (Pyro4's force=True). */
  force?: boolean;
  /** For registered classes: overrides @behavior. */
  instanceMode?: InstanceMode;
  instanceCreator?: InstanceCreator | null;
}

/** A registered object or class. */

/** A serialized Proxy: what a Python client turns into a Pyro4.core.Proxy (or a Pyro5.client.Proxy). */
export interface ProxyDict {
  __class__: string;
  state: unknown[];
}

/** The value `map` holds for `key`, made with `make` (and kept) the first time it is asked for. */
function memo<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/** Objects registered anywhere, so an object is not registered twice by accident (Pyro4's _pyroId check). */
const registeredIn = new WeakMap<object, { daemon: Daemon; id: string }>();

/** The settings of a daemon made with `options`: each option, or its default from the protocol's config. */
function daemonSettings(options: DaemonOptions, profile: PyroProfile): DaemonSettings {
  const writeHighWaterMark = options.writeHighWaterMark ?? DEFAULT_WRITE_HIGH_WATER_MARK;
  if (!(writeHighWaterMark >= 0)) throw new PyroError(`invalid writeHighWaterMark: ${options.writeHighWaterMark}`);
  const config = profile.config;
  const fixed = profile.daemonDefaults();
  return {
    maxMessageSize: options.maxMessageSize ?? config.MAX_MESSAGE_SIZE,
    commTimeout: options.commTimeout ?? config.COMMTIMEOUT * 1000,
    compression: options.compression ?? config.COMPRESSION,
    onewayThreaded: options.onewayThreaded ?? fixed.onewayThreaded,
    detailedTraceback: options.detailedTraceback ?? config.DETAILED_TRACEBACK,
    iterStreaming: options.iterStreaming ?? config.ITER_STREAMING,
    streamFallback: options.streamFallback ?? "list",
    autoproxy: options.autoproxy ?? fixed.autoproxy,
    requireExpose: options.requireExpose ?? fixed.requireExpose,
    maxConnections: options.maxConnections ?? 0,
    messageTimeout: options.messageTimeout ?? 0,
    maxStreamsPerConnection: options.maxStreamsPerConnection ?? 0,
    maxBatchSize: options.maxBatchSize ?? 0,
    writeHighWaterMark,
  };
}

// The DaemonSettings members (maxMessageSize, commTimeout, ...) are declared once, in DaemonSettings, and merged
// into the class here; the constructor assigns them all from daemonSettings().
export interface Daemon extends DaemonSettings {}

/** A Pyro daemon: serves registered objects over TCP, TLS or a Unix socket to Python and JavaScript clients. */
export class Daemon implements DaemonCore<Connection>, DaemonLike {
  readonly host: string;
  readonly port: number;
  readonly unixsocket: string | null;
  readonly nathost: string | null;
  readonly natport: number | null;
  hmacKey: Uint8Array | null;
  readonly acceptedSerializers: Set<number>;
  /** Pyro4 or Pyro5: framing, value class names, configuration and rules of this daemon's protocol. */
  readonly profile: PyroProfile;
  readonly wire: WireFormat;
  readonly streams: StreamRegistry;
  /** Registered objects by id (includes Pyro.Daemon). */
  readonly objectsById = new Map<string, Registration>();
  readonly connections = new Set<Connection>();
  /** Resolves once the daemon listens (rejects if it cannot bind). */
  readonly ready: Promise<this>;
  private listener: Listener | null = null;
  private _location: string | null = null;
  private singles = new Map<Registration, Promise<object> | object>();
  private closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private closing: Promise<void> | null = null;
  private housekeeper: NodeJS.Timeout | null = null;
  private loopConditions: (() => boolean)[] = [];
  private hooks: DaemonOptions;
  readonly replacer: ((value: object) => unknown) | undefined;
  readonly serializeOptions: SerializeOptions;
  /** True when this daemon serves TLS. */
  readonly tls: boolean;
  private readonly removeAutoproxyHook: (() => void) | null;

  constructor(options: DaemonOptions = {}) {
    this.hooks = options;
    this.profile = profileFor(options.protocol);
    const config = this.profile.config;
    this.host = options.host ?? config.HOST;
    this.port = options.port ?? 0;
    this.unixsocket = options.unixsocket ?? null;
    let nathost = options.nathost === undefined ? config.NATHOST : options.nathost;
    let natport = options.natport === undefined ? (nathost != null ? config.NATPORT : null) : options.natport;
    if (nathost && this.unixsocket) throw new TypeError("cannot use nathost together with unixsocket");
    if ((nathost == null) !== (natport == null)) throw new TypeError("must provide natport with nathost");
    this.nathost = nathost ?? null;
    this.natport = natport ?? null;
    this.wire = this.profile.wire;
    this.hmacKey = toKey(options.hmacKey);
    if (this.hmacKey && !this.wire.hmac) throw new PyroError(`${this.profile.name} has no HMAC signing (removed in Pyro5): use TLS (ssl option) instead`);
    Object.assign(this, daemonSettings(options, this.profile));
    this.streams = new StreamRegistry(
      options.iterStreamLifetime !== undefined ? options.iterStreamLifetime / 1000 : config.ITER_STREAM_LIFETIME,
      options.iterStreamLinger !== undefined ? options.iterStreamLinger / 1000 : config.ITER_STREAM_LINGER,
    );
    this.acceptedSerializers = new Set();
    for (const name of options.serializersAccepted ?? this.profile.daemonDefaults().serializersAccepted) {
      const id = serializerIds[name];
      if (id === undefined) throw new PyroError(`unknown serializer in accepted list: '${name}'`);
      getSerializer(name); // refuses the pickle family
      this.acceptedSerializers.add(this.profile.serializer(name).id);
    }
    const dialect = this.profile.values;
    this.replacer = this.autoproxy ? (value: object) => this.autoproxyReplace(value, dialect) : undefined;
    this.serializeOptions = this.replacer ? { replace: this.replacer, dialect } : { dialect };
    // Like Pyro4's global autoproxy: this daemon's objects passed as call arguments on any proxy travel as proxies.
    this.removeAutoproxyHook = this.autoproxy ? addAutoproxyHook((value, d) => this.autoproxyReplace(value, d)) : null;
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
    // A fixed port or unix socket gives a known location before listening, so register() works right away.
    if (this.unixsocket) this._location = "./u:" + this.unixsocket;
    else if (this.port) this._location = formatLocation(this.host, this.port);
    const daemonObject = new DaemonObject(this);
    this.objectsById.set(DAEMON_NAME, this.makeRegistration(DAEMON_NAME, daemonObject, {}));
    const ssl = options.ssl ?? config.SSL;
    const tls = ssl ? tlsServerOptions(ssl === true ? {} : ssl, config) : null;
    this.tls = tls !== null;
    const onTlsError = (err: Error) => debug("TLS handshake failed: %s", err.message);
    const listenOptions = { host: this.host, port: this.port, unixsocket: this.unixsocket, tls, onTlsError, preferIpVersion: config.PREFER_IP_VERSION };
    this.ready = listen(listenOptions, (s) => this.onConnection(s)).then(
      (l) => {
        this.listener = l;
        this._location = l.locationStr;
        debug("daemon listening on %s", l.locationStr);
        if (this.closing) void l.close();
        this.startHousekeeping();
        return this;
      },
    );
    this.ready.catch(() => {
      this.resolveClosed();
    });
  }

  /** Create a daemon and wait until it listens. */
  static async create(options: DaemonOptions = {}): Promise<Daemon> {
    return new Daemon(options).ready;
  }

  /** `host:port`, `[ipv6]:port` or `./u:path`. Known right away for fixed ports; after `ready` for port 0. */
  get locationStr(): string {
    if (this._location === null) throw new DaemonError("the daemon's port is not known until it listens: await Daemon.create() or daemon.ready first");
    return this._location;
  }
  get natLocationStr(): string | null {
    if (!this.nathost) return null;
    const port = this.natport === 0 ? Number(this.locationStr.slice(this.locationStr.lastIndexOf(":") + 1)) : this.natport;
    return formatLocation(this.nathost, port!);
  }
  /** The listening node:net server (null before `ready`). */
  get server() {
    return this.listener?.server ?? null;
  }

  // ---------------------------------------------------------------------------------------------------
  // Registry

  private makeRegistration(id: string, target: object, options: RegisterOptions): Registration {
    const cls = isClass(target);
    const behavior = cls ? classBehavior(target as Function) : null;
    const instanceMode = options.instanceMode ?? behavior?.instanceMode ?? "session";
    checkInstanceMode(instanceMode);
    const exposure = computeExposure(target, cls, options, options.requireExpose ?? this.requireExpose);
    return {
      id,
      target,
      isClass: cls,
      exposure,
      instanceMode,
      instanceCreator: options.instanceCreator ?? behavior?.instanceCreator ?? null,
    };
  }

  /**
   * Serve an object (one instance for every client) or a class (instances per the instance mode). Returns its
   * URI. The id defaults to "obj_" + a random hex uuid.
   */
  register(objOrClass: object, objectId?: string | null, options: RegisterOptions = {}): URI {
    if (objOrClass === null || (typeof objOrClass !== "object" && typeof objOrClass !== "function"))
      throw new TypeError("can only register objects and classes");
    if (objectId != null && typeof objectId !== "string") throw new TypeError("objectId must be a string or None");
    const id = objectId || "obj_" + randomUUID().replace(/-/g, "");
    if (!options.force) {
      if (registeredIn.has(objOrClass)) throw new DaemonError("object or class already has a Pyro id");
      if (this.objectsById.has(id)) throw new DaemonError("an object or class is already registered with that id");
    }
    const reg = this.makeRegistration(id, objOrClass, options);
    const old = this.objectsById.get(id);
    if (old) this.forget(old);
    this.objectsById.set(id, reg);
    registeredIn.set(objOrClass, { daemon: this, id });
    return this.uriFor(id);
  }

  /** Stop serving an object (by the object/class itself or its id). Pyro.Daemon cannot be removed. */
  unregister(objectOrId: object | string): void {
    if (objectOrId == null) throw new TypeError("object or objectid argument expected");
    let id: string;
    if (typeof objectOrId === "string") id = objectOrId;
    else {
      const r = registeredIn.get(objectOrId);
      if (!r || r.daemon !== this) throw new DaemonError("object isn't registered");
      id = r.id;
    }
    if (id === DAEMON_NAME) return;
    const reg = this.objectsById.get(id);
    if (reg) {
      this.objectsById.delete(id);
      this.forget(reg);
    }
  }

  private forget(reg: Registration): void {
    const r = registeredIn.get(reg.target);
    if (r && r.daemon === this && r.id === reg.id) registeredIn.delete(reg.target);
    this.singles.delete(reg);
  }

  private idOf(objectOrId: object | string): string {
    if (typeof objectOrId === "string") return objectOrId;
    const r = registeredIn.get(objectOrId);
    if (!r || r.daemon !== this || !this.objectsById.has(r.id)) throw new DaemonError("object isn't registered in this daemon");
    return r.id;
  }

  /** URI of a registered object, or of any id (a string is not checked, like Pyro4). */
  uriFor(objectOrId: object | string, nat = true): URI {
    const id = this.idOf(objectOrId);
    const loc = nat ? (this.natLocationStr ?? this.locationStr) : this.locationStr;
    return new URI(`PYRO:${id}@${loc}`);
  }

  /**
   * The serialized Proxy for a registered object, pre-filled with its metadata (Pyro4's proxyFor), in the class
   * names of `dialect` (default: this daemon's protocol).
   */
  proxyFor(objectOrId: object | string, nat = true, dialect: ValueDialect = this.wire.values): ProxyDict {
    const uri = this.uriFor(objectOrId, nat);
    const reg = this.objectsById.get(uri.object);
    if (!reg) throw new DaemonError("object isn't registered in this daemon");
    const meta = reg.exposure.metadata(true) as { methods: string[]; oneway: string[]; attrs: string[] };
    const profile = profileOfDialect(dialect);
    const source = { uri, oneways: meta.oneway, methods: meta.methods, attrs: meta.attrs, timeout: 0, hmacKey: null, handshake: "hello", maxRetries: 0 };
    return { __class__: dialect.proxyClass, state: profile.encodeProxyState(source, null) };
  }

  private autoproxyReplace(value: object, dialect: ValueDialect): unknown {
    let r = registeredIn.get(value);
    if (!r) {
      const ctor = (value as { constructor?: unknown }).constructor;
      if (typeof ctor === "function") r = registeredIn.get(ctor);
    }
    if (!r || r.daemon !== this || !this.objectsById.has(r.id)) return undefined;
    return this.proxyFor(r.id, true, dialect); // in the class names of the message being serialized
  }

  lookup(objectId: string): Registration | undefined {
    return this.objectsById.get(objectId);
  }

  registeredIds(): string[] {
    return [...this.objectsById.keys()];
  }

  metadataFor(objectId: string, asLists: boolean) {
    const reg = this.objectsById.get(objectId);
    if (!reg) return null;
    const meta = reg.exposure.metadata(asLists);
    if (this.requireExpose && reg.exposure.methods.size === 0 && reg.exposure.attrs.size === 0)
      process.emitWarning(`Class ${reg.exposure.typeName} doesn't expose any methods or attributes. Did you forget setting @expose on them?`);
    return meta;
  }

  /** The object serving a call: the registered instance, or one made per the class's instance mode. */
  instanceFor(reg: Registration, conn: ClientConnection): Promise<object> | object {
    if (!reg.isClass) return reg.target;
    const cls = reg.target as new () => object;
    const create = (): object => {
      if (reg.instanceCreator) {
        const obj = reg.instanceCreator(cls);
        if (obj instanceof cls) return obj;
        throw new PyroError("instance creator returned object of different type");
      }
      return new cls();
    };
    switch (reg.instanceMode) {
      case "single":
        return memo(this.singles, reg, create);
      case "session":
        return memo(conn.pyroInstances, cls, create);
      case "percall":
        return create();
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Hooks (override in a subclass, or pass as options)

  validateHandshake(conn: ClientConnection, data: unknown): unknown {
    return this.hooks.validateHandshake ? this.hooks.validateHandshake(conn, data) : "hello";
  }
  annotations(): AnnotationsInput | null | undefined {
    return this.hooks.annotations?.();
  }
  clientDisconnect(conn: ClientConnection): void {
    this.hooks.clientDisconnect?.(conn);
  }
  housekeeping(): void {
    this.hooks.housekeeping?.();
  }

  userAnnotations(): Annotations | null {
    const a = this.annotations();
    if (!a) return null;
    const out: Annotations = new Map();
    const entries = a instanceof Map ? a.entries() : Object.entries(a);
    for (const [k, v] of entries) out.set(k, typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    return out.size ? out : null;
  }

  callbackError(err: Error): void {
    // Pyro4 logs this as a warning (its socket servers catch the re-raised callback error)
    coreLog.warning("error during handleRequest: %s; %s", err.message, err.stack ?? "");
  }

  // ---------------------------------------------------------------------------------------------------
  // Streams (used by DaemonObject)

  nextStreamItem(streamId: string): Promise<unknown> {
    const conn = currentContext()?.client ?? null;
    return this.streams.next(streamId, conn);
  }
  closeStream(streamId: string): void {
    this.streams.remove(streamId);
  }

  serverDescription(): string {
    return `<node event loop server on ${this._location ?? "?"}; ${this.connections.size} connections>`;
  }

  // ---------------------------------------------------------------------------------------------------
  // Connections and lifetime

  private onConnection(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const denied = this.maxConnections > 0 && this.connections.size >= this.maxConnections ? "no free workers, increase server threadpool size" : null;
    const conn = new Connection(socket, this, denied);
    this.connections.add(conn);
    debug("connection %d from %s", conn.id, socket.remoteAddress ?? "unix socket");
    if (serverConnection.hasSubscribers) serverConnection.publish(this.connectionMessage(conn, denied));
  }

  connectionClosed(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    debug("connection %d closed", conn.id);
    if (serverDisconnect.hasSubscribers) serverDisconnect.publish(this.connectionMessage(conn, null));
    this.streams.disconnect(conn);
    try {
      this.clientDisconnect(conn);
    } catch (e) {
      coreLog.warning("Error in clientDisconnect: %s", (e as Error).message);
    }
  }

  private connectionMessage(conn: Connection, denied: string | null): ServerConnectionMessage {
    return { connectionId: conn.id, peer: conn.peer, daemon: this._location ?? "", denied };
  }

  requestDone(): void {
    if (this.loopConditions.length && !this.closing && !this.loopConditions.every((c) => c())) void this.close();
  }

  private startHousekeeping(): void {
    const interval = Math.min(this.profile.config.POLLTIMEOUT || 0, Math.max(this.commTimeout / 1000 || 0, 5)) || 2;
    this.housekeeper = setInterval(() => {
      try {
        this.streams.sweep();
        this.housekeeping();
      } catch (e) {
        debug("housekeeping error: %s", (e as Error).message);
      }
      this.requestDone();
    }, interval * 1000);
    this.housekeeper.unref();
  }

  /** Wait until listening; returns the daemon. */
  async start(): Promise<this> {
    return this.ready;
  }

  /**
   * Serve until close() (or until `loopCondition` returns false, checked after each request and every few
   * seconds). Resolves when the daemon has closed.
   */
  async requestLoop(loopCondition?: () => boolean): Promise<void> {
    await this.ready;
    if (loopCondition) this.loopConditions.push(loopCondition);
    return this.closedPromise;
  }

  /** Stop listening, drop all client connections and streams. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.housekeeper) clearInterval(this.housekeeper);
      this.removeAutoproxyHook?.();
      this.streams.clear();
      for (const c of this.connections) c.close();
      try {
        await this.ready;
      } catch {
        // never listened
      }
      await this.listener?.close();
      for (const reg of this.objectsById.values()) if (reg.id !== DAEMON_NAME) this.forget(reg);
      this.resolveClosed();
    })();
    return this.closing;
  }

  /** Pyro4's name for close(). */
  shutdown(): Promise<void> {
    return this.close();
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toString(): string {
    return `<pyro4.Daemon at ${this._location ?? "(not listening)"}; ${this.objectsById.size} objects>`;
  }
}

function toKey(key: string | Uint8Array | null | undefined): Uint8Array | null {
  if (key == null) return null;
  const b = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  return b.length ? b : null;
}

function formatLocation(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
