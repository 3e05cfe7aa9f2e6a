// What a Daemon is made with: the DaemonOptions a user passes, and daemonSettings(), which turns them into the
// fixed DaemonSettings (each option, or its default from the protocol's config) and the daemon's one Limits
// object (the `limits` option, the older max* options, config MAX_MESSAGE_SIZE, then DEFAULT_LIMITS).

import { InvalidArgumentError } from "../errors.js";
import { resolveLimits, type Limits } from "../limits.js";
import type { PyroProfile } from "../profiles/index.js";
import type { TlsSettings } from "../transport/tls.js";
import type { SerializerName } from "../serializers/index.js";
import type { ClientConnection } from "./context.js";
import type { DaemonSettings } from "./daemon-core.js";

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
  /**
   * The limits this daemon enforces (message size, nesting depth, pickle memo and stack, decompressed size,
   * connections, streams, batch size, unsent reply bytes), merged over DEFAULT_LIMITS: see src/limits.ts and
   * docs/security.md. A limit given here wins over the same-named option below.
   */
  limits?: Partial<Limits>;
  /** limits.maxMessageSize (kept for compatibility). Default: config.MAX_MESSAGE_SIZE when not 0, else 1 GiB. */
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
  /** limits.maxStreamsPerConnection (kept for compatibility): open item streams one connection may hold. */
  maxStreamsPerConnection?: number;
  /** limits.maxBatchSize (kept for compatibility): calls in one batch request; a larger batch is refused whole. */
  maxBatchSize?: number;
  /**
   * limits.writeHighWaterMark (kept for compatibility). Write backpressure, in bytes: while a connection holds
   * more than this many bytes of replies its client has not taken yet, the daemon stops reading and handling
   * that connection's requests, and resumes on 'drain'. A client that sends requests and never reads the replies
   * then costs about this much memory, not one reply per request it sent. Other connections are served
   * meanwhile. A value below the socket's own high-water mark (16 KiB) acts as that ('drain' only follows a write
   * the socket refused). 0 = no limit (Pyro4's blocking sends need none). Default: 1 MiB.
   */
  writeHighWaterMark?: number;
  /** limits.maxConnections (kept for compatibility): refuse connections beyond this many (CONNECTFAIL like Pyro4's "no free workers"). */
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

/** The limits of a daemon made with `options`: `limits`, then the max* options, then config, then the defaults. */
export function daemonLimits(options: DaemonOptions, profile: PyroProfile): Limits {
  const legacy: { -readonly [K in keyof Limits]?: number } = {};
  for (const key of ["maxMessageSize", "maxConnections", "maxStreamsPerConnection", "maxBatchSize", "writeHighWaterMark"] as const) {
    const v = options[key];
    if (v !== undefined) legacy[key] = v;
  }
  // config MAX_MESSAGE_SIZE 0 is Pyro4's default ("unlimited"): then our default applies; any other value is used
  const configured = profile.config.MAX_MESSAGE_SIZE;
  const fromConfig: Partial<Limits> = configured > 0 ? { maxMessageSize: configured } : {};
  return resolveLimits(options.limits, legacy, fromConfig);
}

/** The settings of a daemon made with `options`: each option, or its default from the protocol's config. */
export function daemonSettings(options: DaemonOptions, profile: PyroProfile): DaemonSettings {
  const config = profile.config;
  const fixed = profile.daemonDefaults();
  const limits = daemonLimits(options, profile);
  return {
    limits,
    maxMessageSize: limits.maxMessageSize,
    commTimeout: options.commTimeout ?? config.COMMTIMEOUT * 1000,
    compression: options.compression ?? config.COMPRESSION,
    onewayThreaded: options.onewayThreaded ?? fixed.onewayThreaded,
    detailedTraceback: options.detailedTraceback ?? config.DETAILED_TRACEBACK,
    iterStreaming: options.iterStreaming ?? config.ITER_STREAMING,
    streamFallback: options.streamFallback ?? "list",
    autoproxy: options.autoproxy ?? fixed.autoproxy,
    requireExpose: options.requireExpose ?? fixed.requireExpose,
    maxConnections: limits.maxConnections,
    messageTimeout: options.messageTimeout ?? 0,
    maxStreamsPerConnection: limits.maxStreamsPerConnection,
    maxBatchSize: limits.maxBatchSize,
    writeHighWaterMark: limits.writeHighWaterMark,
  };
}

/** The HMAC key as bytes (a string is UTF-8); an empty key is no key. */
export function toKey(key: string | Uint8Array | null | undefined): Uint8Array | null {
  if (key == null) return null;
  const b = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  return b.length ? b : null;
}

/** Where a daemon is advertised: its nathost/natport (config defaults), checked the way Pyro4 checks them. */
export function natAddress(options: DaemonOptions, config: PyroProfile["config"], unixsocket: string | null): { nathost: string | null; natport: number | null } {
  const nathost = options.nathost === undefined ? config.NATHOST : options.nathost;
  const natport = options.natport === undefined ? (nathost != null ? config.NATPORT : null) : options.natport;
  if (nathost && unixsocket) throw new InvalidArgumentError("cannot use nathost together with unixsocket");
  if ((nathost == null) !== (natport == null)) throw new InvalidArgumentError("must provide natport with nathost");
  return { nathost: nathost ?? null, natport: natport ?? null };
}

/** `host:port`, or `[host]:port` for an IPv6 address. */
export function formatLocation(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
