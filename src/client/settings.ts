// A proxy's settings and what it knows of the remote object: the options it was made with (protocol, serializer,
// timeout, HMAC key, handshake data, correlation id and annotations, TLS...), the object's metadata (exposed methods,
// oneway methods, attributes) and the checks of a call against it. ProxyCore (core.ts, the request queue)
// extends this class and connect.ts reads it, so the handshake code needs nothing of the queue.

import { autoproxyHooks } from "../serializers/autoproxy.js";
import { PyroError, SecurityError, InvalidArgumentError } from "../errors.js";
import { uuidToBytes, type Annotations } from "../protocol/message.js";
import type { Serializer, SerializerName, SerializeOptions } from "../serializers/index.js";
import type { DeserializeOptions } from "../serializers/types.js";
import { resolveLimits, type Limits } from "../limits.js";
import type { WireFormat } from "../protocol/wire.js";
import { profileFor, type PyroProfile } from "../profiles/index.js";
import type { TlsSettings } from "../transport/tls.js";
import { URI } from "../uri.js";
import { AttributeError } from "./support.js";

/** Options of `new Proxy(uri, options)`; every one defaults to the matching config item. */
export interface ProxyOptions {
  /** "serpent" (default: config.SERIALIZER), "json", "marshal" or "msgpack". */
  serializer?: SerializerName;
  /**
   * Record the caller's stack frames on every call, so that a remote error's `stack` shows the line that made the
   * call (default false). It costs one Error.captureStackTrace per call, which more than doubled a call's client
   * CPU time here (bench/profile/observe-cost.ts: ~1.8-3.3 -> ~6-6.7 us): turn it on while debugging, or per proxy
   * where the remote error's origin matters more than speed.
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
  /**
   * The limits replies are checked against (message size, decompressed size, nesting depth, pickle memo/stack,
   * int size), merged over DEFAULT_LIMITS (src/limits.ts, docs/security.md). Default maxMessageSize:
   * config.MAX_MESSAGE_SIZE when not 0, else 1 GiB.
   */
  limits?: Partial<Limits>;
}

/** What ProxySettings.validate checks a call's name against (none, a method, an attribute read or write). */
export const CHECK_NONE = 0;
export const CHECK_METHOD = 1;
export const CHECK_GETATTR = 2;
export const CHECK_SETATTR = 3;

/** " (exposed: a(), b(), x)": what the metadata says the object has, for an AttributeError's message. */
function exposedList(methods: ReadonlySet<string>, attrs: ReadonlySet<string>): string {
  const names = [...[...methods].sort().map((m) => `${m}()`), ...[...attrs].sort()];
  if (names.length === 0) return " (it exposes nothing)";
  const shown = names.length > 30 ? [...names.slice(0, 30), `... ${names.length - 30} more`] : names;
  return ` (exposed: ${shown.join(", ")})`;
}

export class ProxySettings {
  /** The URI as given (PYRONAME/PYROMETA are resolved again on every connect unless bound). */
  uri: URI;
  /** Pyro4 or Pyro5: framing, serializer ids, value class names, configuration and rules. */
  readonly profile: PyroProfile;
  /** The profile's framing (protocol 48 or 502). */
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
  replace: ((value: object) => unknown) | null;
  ssl: boolean | TlsSettings;
  /** The limits this proxy enforces on replies (and on the size of what it sends). Frozen. */
  readonly limits: Limits;
  /** How replies are deserialized: in this proxy's protocol dialect, with its limits, as views into the message (zeroCopy). */
  protected readonly deserializeOptions: DeserializeOptions;
  /** The annotations sent with every message (extra annotations, then CORR); rebuilt when either changes. */
  annotations: Annotations | null = null;
  protected correlation: string | null = null;
  protected userAnnotations: Record<string, Uint8Array> | null = null;
  /** Options for serializing calls: with the autoproxy replacer, or (plainOptions) without it; both carry the dialect. */
  protected readonly serializeOptions: SerializeOptions;
  protected readonly plainOptions: SerializeOptions;

  constructor(uri: string | URI, options: ProxyOptions = {}) {
    this.profile = profileFor(options.protocol);
    this.wire = this.profile.wire;
    const cfg = this.profile.config;
    if (typeof uri === "string") this.uri = new URI(uri, cfg.NS_PORT);
    else if (uri instanceof URI) this.uri = new URI(uri);
    else throw new InvalidArgumentError("expected Pyro URI");
    this.serializer = this.profile.serializer(options.serializer ?? cfg.SERIALIZER);
    this.timeout = options.timeout ?? Math.round(cfg.COMMTIMEOUT * 1000);
    this.captureCallSite = options.captureCallSite ?? false;
    this.maxRetries = options.maxRetries ?? cfg.MAX_RETRIES;
    this.assignHmacKey(options.hmacKey ?? null);
    this.handshake = options.handshake === undefined ? "hello" : options.handshake;
    this.validateHandshake = options.validateHandshake ?? null;
    this.compression = options.compression ?? cfg.COMPRESSION;
    this.metadata = options.metadata ?? this.profile.metadataDefault();
    this.correlation = options.correlationId ?? null;
    this.userAnnotations = options.annotations ?? null;
    this.replace = options.replace ?? null;
    this.ssl = options.ssl ?? cfg.SSL;
    // config MAX_MESSAGE_SIZE 0 is Pyro4's default ("unlimited"): then the default limit applies
    this.limits = resolveLimits(options.limits, cfg.MAX_MESSAGE_SIZE > 0 ? { maxMessageSize: cfg.MAX_MESSAGE_SIZE } : null);
    const dialect = this.profile.values;
    this.deserializeOptions = { zeroCopy: true, dialect, limits: this.limits };
    this.serializeOptions = { replace: (v: object) => this.replaceValue(v), dialect, limits: this.limits };
    this.plainOptions = { dialect, limits: this.limits };
    this.rebuildAnnotations();
  }

  private replaceValue(v: object): unknown {
    if (this.replace) {
      const r = this.replace(v);
      if (r !== undefined) return r;
    }
    for (let i = 0; i < autoproxyHooks.length; i++) {
      const r = autoproxyHooks[i]!(v, this.profile.values);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** Options that make a proxy with these settings (metadata not included). */
  protected options(): ProxyOptions {
    return {
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
      protocol: this.profile.protocol,
      limits: this.limits,
    };
  }

  setSerializer(name: string): void {
    this.serializer = this.profile.serializer(name);
  }

  /** Take a new HMAC key setting (a string is UTF-8 encoded); Pyro5 has none, so it refuses one. */
  protected assignHmacKey(key: string | Uint8Array | null): void {
    this.hmacKey = key == null || key.length === 0 ? null : typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
    if (this.hmacKey && !this.wire.hmac) throw new SecurityError(`${this.wire.name} has no HMAC signing (removed in Pyro5): use TLS (ssl option) instead`);
  }

  get correlationId(): string | null {
    return this.correlation;
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

  // ---------------------------------------------------------------- metadata

  get metaKnown(): boolean {
    return this.methods.size > 0 || this.attrs.size > 0;
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

  /** The AttributeError for a name the metadata does not list (a CHECK_* kind of use), or null when it may be used. */
  protected validate(name: string, check: number): PyroError | null {
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
}
