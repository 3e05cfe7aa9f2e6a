// The Pyro4 Daemon for Node.js: its lifecycle (listen on one node:net server, TCP or unix socket; serve until
// close; close idempotently) and the public Daemon API, which it assembles from the modules that do the work:
// daemon-options.ts (options, settings, limits), registry.ts (registered objects and instances), autoproxy.ts
// (proxies for registered objects), connections.ts (the client connections), housekeeping.ts (the periodic
// round), streams.ts and daemon-object.ts (the Pyro.Daemon object). Event driven: a slow async method never
// blocks other connections.

import type { Socket } from "node:net";
import { DaemonError, PyroError } from "../errors.js";
import { DAEMON_NAME, type Annotations } from "../protocol/message.js";
import { getSerializer, serializerIds, type SerializeOptions } from "../serializers/index.js";
import type { DeserializeOptions } from "../serializers/types.js";
import type { ValueDialect } from "../serializers/dialect.js";
import type { WireFormat } from "../protocol/wire.js";
import { profileFor, type PyroProfile } from "../profiles/index.js";
import { URI } from "../uri.js";
import { listen, type Listener } from "../transport/listen.js";
import { tlsServerOptions } from "../transport/tls.js";
import type { Connection } from "./connection.js";
import type { DaemonCore, DaemonSettings, Registration } from "./daemon-core.js";
import { daemonSettings, formatLocation, natAddress, toKey, type AnnotationsInput, type DaemonOptions } from "./daemon-options.js";
import { Registry, type RegisterOptions } from "./registry.js";
import { autoproxyReplacer, installAutoproxy, proxyDict, type ProxyDict } from "./autoproxy.js";
import { ConnectionTracker } from "./connections.js";
import { housekeepingInterval, startHousekeeping } from "./housekeeping.js";
import { currentContext, type ClientConnection } from "./context.js";
import { DaemonObject, type DaemonLike } from "./daemon-object.js";
import { StreamRegistry } from "./streams.js";
import { coreLog, debug } from "../observe/log.js";
import "../observe/setup.js";
// Python's daemon can always receive proxies (Pyro5.server imports Pyro5.client): the proxy class-dict decoders
// register when the client module loads, so a daemon alone (pyro5 echoserver) must load it too.
import "../client/proxy.js";

export type { DaemonCore, DaemonSettings, Registration };
export type { DaemonOptions, AnnotationsInput, RegisterOptions, ProxyDict };
export { DAEMON_NAME };

// The DaemonSettings members (limits, maxMessageSize, commTimeout, ...) are declared once, in DaemonSettings, and
// merged into the class here; the constructor assigns them all from daemonSettings().
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
  readonly objectsById: Map<string, Registration>;
  readonly connections: Set<Connection>;
  /** Resolves once the daemon listens (rejects if it cannot bind). */
  readonly ready: Promise<this>;
  private listener: Listener | null = null;
  private _location: string | null = null;
  private readonly registry: Registry;
  private readonly tracker: ConnectionTracker;
  private closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private closing: Promise<void> | null = null;
  private stopHousekeeping: (() => void) | null = null;
  private loopConditions: (() => boolean)[] = [];
  private hooks: DaemonOptions;
  readonly replacer: ((value: object) => unknown) | undefined;
  readonly serializeOptions: SerializeOptions;
  readonly deserializeOptions: DeserializeOptions;
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
    const nat = natAddress(options, config, this.unixsocket);
    this.nathost = nat.nathost;
    this.natport = nat.natport;
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
    this.registry = new Registry(this.requireExpose);
    this.objectsById = this.registry.byId;
    this.tracker = new ConnectionTracker(this, () => this._location ?? "");
    this.connections = this.tracker.all;
    const dialect = this.profile.values;
    const replace = this.autoproxy ? autoproxyReplacer(this.registry, (id, d) => this.proxyFor(id, true, d)) : null;
    this.replacer = replace ? (value: object) => replace(value, dialect) : undefined;
    this.serializeOptions = this.replacer ? { replace: this.replacer, dialect, limits: this.limits } : { dialect, limits: this.limits };
    // requests are decoded in this protocol's dialect (msgpack reads a Pyro4 call as Python Pyro4's daemon does)
    this.deserializeOptions = { zeroCopy: true, dialect, limits: this.limits };
    this.removeAutoproxyHook = replace ? installAutoproxy(replace) : null;
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
    // A fixed port or unix socket gives a known location before listening, so register() works right away.
    if (this.unixsocket) this._location = "./u:" + this.unixsocket;
    else if (this.port) this._location = formatLocation(this.host, this.port);
    this.registry.add(this.registry.make(DAEMON_NAME, new DaemonObject(this), {}));
    const ssl = options.ssl ?? config.SSL;
    const tls = ssl ? tlsServerOptions(ssl === true ? {} : ssl, config) : null;
    this.tls = tls !== null;
    const onTlsError = (err: Error) => debug("TLS handshake failed: %s", err.message);
    const listenOptions = { host: this.host, port: this.port, unixsocket: this.unixsocket, tls, onTlsError, preferIpVersion: config.PREFER_IP_VERSION };
    this.ready = listen(listenOptions, (s) => this.onConnection(s)).then((l) => {
      this.listener = l;
      this._location = l.locationStr;
      debug("daemon listening on %s", l.locationStr);
      if (this.closing) void l.close();
      this.stopHousekeeping = startHousekeeping(
        housekeepingInterval(config, this.commTimeout),
        () => {
          this.streams.sweep();
          this.housekeeping();
        },
        () => this.requestDone(),
      );
      return this;
    });
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
  // Registry (registry.ts)

  /**
   * Serve an object (one instance for every client) or a class (instances per the instance mode). Returns its
   * URI. The id defaults to "obj_" + a random hex uuid.
   */
  register(objOrClass: object, objectId?: string | null, options: RegisterOptions = {}): URI {
    return this.uriFor(this.registry.register(objOrClass, objectId, options));
  }

  /** Stop serving an object (by the object/class itself or its id). Pyro.Daemon cannot be removed. */
  unregister(objectOrId: object | string): void {
    this.registry.unregister(objectOrId, DAEMON_NAME);
  }

  /** URI of a registered object, or of any id (a string is not checked, like Pyro4). */
  uriFor(objectOrId: object | string, nat = true): URI {
    const id = this.registry.idOf(objectOrId);
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
    return proxyDict(uri, reg, dialect);
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
    return this.registry.instanceFor(reg, conn);
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
  // Connections (connections.ts) and lifetime

  private onConnection(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.tracker.accept(socket);
  }

  connectionClosed(conn: Connection): void {
    this.tracker.closed(conn);
  }

  requestDone(): void {
    if (this.loopConditions.length && !this.closing && !this.loopConditions.every((c) => c())) void this.close();
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
      this.stopHousekeeping?.();
      this.removeAutoproxyHook?.();
      this.streams.clear();
      this.tracker.closeAll();
      try {
        await this.ready;
      } catch {
        // never listened
      }
      await this.listener?.close();
      this.registry.forgetAll(DAEMON_NAME);
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
