// The gateway's options: what a user can set (GatewayOptions, documented per item), their defaults, and the checks
// that refuse a bad value at construction with a typed error instead of a gateway that fails per request.

import { InvalidArgumentError } from "../errors.js";
import type { GatewayProtocol } from "./protocol.js";
import type { TlsSettings } from "../transport/tls.js";
import { resolveLimits, type Limits } from "../limits.js";

/** Options of the HTTP gateway (Pyro4's `pyro4-httpgateway`, Pyro5's `pyro5-httpgateway`). */
export interface GatewayOptions {
  /** 4 (default): Pyro4's gateway, protocol 48. 5: Pyro5's gateway, protocol 502 to name server and backends. */
  protocol?: 4 | 5;
  /**
   * Protocol 5 only: the Access-Control-Allow-Origin value Pyro5's gateway puts on every answer (its -c/--cors,
   * default "*").
   */
  cors?: string;
  host?: string;
  port?: number;
  /** Python regex of exposed object names (re.match); "" exposes everything. Default Python's `http\.`. */
  expose?: string;
  /** The gateway API key (X-Pyro-Gateway-Key header or $key parameter); empty/null = none. */
  gatewayKey?: string | null;
  /** HMAC key for Pyro connections (protocol 4 only: Pyro5 has no HMAC). */
  hmacKey?: string | null;
  /**
   * TLS to the name server and the backends: true to use the protocol's SSL_* config items (SSL_CACERTS,
   * SSL_CLIENTCERT, SSL_CLIENTKEY, SSL_CLIENTKEYPASSWD), or settings that override them; false: plain TCP.
   * Default: the protocol's config SSL (PYRO_SSL), as Python's gateway follows its config.
   */
  ssl?: boolean | TlsSettings | null;
  /** Pyro COMMTIMEOUT in seconds, 0 = none (Python's default). */
  timeout?: number;
  /** Name server location (default: Pyro4's locateNS rules, PYRO_NS_HOST/PORT, broadcast). */
  nsHost?: string | null;
  nsPort?: number | null;
  /**
   * Limits of the gateway's Pyro connections to the name server and the backends, as a Proxy's `limits` option
   * (docs/security.md#limits): `maxMessageSize` refuses a call message the gateway would write and a reply it reads
   * (answered 500 with Python's error: Pyro4's MessageTooLargeError, Pyro5's ProtocolError "message too large"),
   * `maxInflatedSize` caps a compressed reply; the decoding limits apply to the metadata it decodes. Default: the
   * protocol's config MAX_MESSAGE_SIZE (PYRO_MAX_MESSAGE_SIZE) when not 0, as Python's gateway follows its config,
   * else DEFAULT_LIMITS (1 GiB).
   */
  limits?: Partial<Limits>;
  /** Request body cap in bytes (default 16 MiB) — Python has none. */
  maxBodyBytes?: number;
  /** Distinct parameter names per request (default 1000). */
  maxParams?: number;
  /** Nesting depth of JSON bodies (default 32). */
  maxJsonDepth?: number;
  /** Protocol 4: origins allowed for CORS (extension, default none: no CORS headers, OPTIONS answers 405 as in Python). */
  corsOrigins?: string[];
  /** Largest X-Pyro-Timeout accepted, seconds (default 300). */
  maxCallTimeout?: number;
  /**
   * Extension, opt-in: object names (Python regex, re.match) whose backend connections are kept in a pool and
   * reused across HTTP requests instead of a fresh connection per request. A session-mode object behind a pooled
   * connection keeps its instance for as long as that connection lives, shared by whichever requests it serves:
   * list only objects that are single or percall, or whose session state the HTTP clients may share. null
   * (default): no reuse, Python's fresh connection per request.
   */
  reuse?: string | null;
  /** Pool bound: connections per backend URI (busy + idle) for `reuse` objects; more requests wait. Default 8. */
  poolSize?: number;
  /**
   * Extension, opt-in: seconds a name-server lookup answer is reused (0, default: a lookup per request as in
   * Python). A cached location that cannot be connected to is dropped and the request retried once with a fresh
   * lookup.
   */
  nsCacheSecs?: number;
}

/** The options with their defaults filled in (those that have one). */
export type ResolvedOptions = Required<Omit<GatewayOptions, "nsHost" | "nsPort" | "gatewayKey" | "hmacKey" | "protocol" | "reuse" | "ssl" | "limits">>;

/** A bad option value (one place, so the error class can follow the library's invalid-argument error). */
function badOption(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}

/** Defaults and checks; `proto` is the protocol the gateway speaks (some options belong to one protocol only). */
export function resolveOptions(options: GatewayOptions, proto: GatewayProtocol): ResolvedOptions {
  if (!proto.hmac && options.hmacKey) {
    throw badOption("Pyro5 has no HMAC: hmacKey cannot be used with protocol 5 (use TLS)");
  }
  if (proto.fixedCors && options.corsOrigins?.length) {
    throw badOption("corsOrigins is for protocol 4: a Pyro5 gateway sends Pyro5's fixed CORS headers (option cors)");
  }
  const o: ResolvedOptions = {
    host: options.host ?? "localhost",
    port: options.port ?? 8080,
    expose: options.expose ?? "http\\.",
    timeout: options.timeout ?? 0,
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
    maxParams: options.maxParams ?? 1000,
    maxJsonDepth: options.maxJsonDepth ?? 32,
    corsOrigins: options.corsOrigins ?? [],
    cors: options.cors ?? "*",
    maxCallTimeout: options.maxCallTimeout ?? 300,
    poolSize: options.poolSize ?? 8,
    nsCacheSecs: options.nsCacheSecs ?? 0,
  };
  if (!Number.isInteger(o.poolSize) || o.poolSize < 1) throw badOption(`poolSize must be an integer >= 1, not ${o.poolSize}`);
  if (!(o.nsCacheSecs >= 0)) throw badOption(`nsCacheSecs must be >= 0, not ${o.nsCacheSecs}`);
  return o;
}

/**
 * The limits of the gateway's Pyro connections: the `limits` option, then config MAX_MESSAGE_SIZE (0 is Pyro4's
 * "unlimited": then our default applies, as for a Proxy), then DEFAULT_LIMITS. A bad value is an InvalidArgumentError.
 */
export function gatewayLimits(options: GatewayOptions, proto: GatewayProtocol): Limits {
  const configured = proto.profile.config.MAX_MESSAGE_SIZE;
  return resolveLimits(options.limits, configured > 0 ? { maxMessageSize: configured } : null);
}
