// Finding a name server (Pyro4's locateNS) and talking to it with typed, camelCase methods. The search order is
// Pyro4's: a local NS_HOST directly (plus 127.0.1.1 when the hosts file maps it, the Debian quirk), then UDP
// broadcast `GET_NSURI` to BROADCAST_ADDRS, then NS_HOST:NS_PORT. Unlike Pyro4, a failure names every address
// tried and why each failed, instead of hiding the cause in a chained exception.
// Our extension (issue 19): a list of name-server addresses (option `nsAddresses` or env PYRO_NS_HOSTS) is tried
// in order with a per-address connect timeout, and the client returned by locateNS moves to the next address when
// the one it uses stops answering.

import dgram from "node:dgram";
import { lookupService } from "node:dns/promises";
import { CommunicationError, NamingError, PyroError } from "../errors.js";
import { PYRO4_PROFILE, profileFor, type PyroProfile } from "../profiles/index.js";
import { URI } from "../uri.js";
import type { SerializerName } from "../serializers/index.js";
import type { TlsSettings } from "../transport/tls.js";
import type { Limits } from "../limits.js";
import { Proxy } from "../client/proxy.js";
import { setNameServerLocator, type NameServerLike } from "../client/resolve.js";
import { GET_NSURI } from "./broadcast.js";
import { NAMESERVER_NAME } from "./nameserver.js";

/** Options of locateNS(): broadcast discovery, HMAC key, timeout and the name server addresses to fail over between. */
export interface LocateNSOptions {
  /** Try UDP broadcast discovery (default true; only when no host is given). */
  broadcast?: boolean;
  hmacKey?: string | Uint8Array | null;
  /** Serializer for the name-server proxy (default config.SERIALIZER). */
  serializer?: SerializerName;
  /** Connect/call timeout in milliseconds for the name-server proxy (default config.COMMTIMEOUT, in seconds, * 1000; 0 = none). */
  timeout?: number;
  /** How long each broadcast round waits for an answer, ms (Pyro4: 700). */
  broadcastTimeout?: number;
  /** Broadcast rounds (Pyro4: 3). */
  broadcastRounds?: number;
  /**
   * Several name servers sharing one database (our extension): "host:port", "[v6]:port", "host" (NS_PORT) or
   * "./u:path", tried in order instead of broadcast when no host is given. Default: env PYRO_NS_HOSTS
   * (comma-separated).
   */
  nsAddresses?: readonly string[] | null;
  /**
   * The limits the name server's replies are checked against, as a Proxy's `limits` option (a proxy resolving a
   * PYRONAME or PYROMETA URI passes its own). Default: DEFAULT_LIMITS.
   */
  limits?: Partial<Limits>;
  /** With nsAddresses: how long to wait for each address to accept and handshake, ms (default 2000). */
  connectTimeout?: number;
  /** 4 (default): a Pyro4 name server. 5: a Pyro5 name server (protocol 502; no HMAC key). */
  protocol?: 4 | 5;
  /** TLS to the name server, as a Proxy's `ssl` option (default: the protocol's config SSL). */
  ssl?: boolean | TlsSettings;
}

/** The protocol options of a name-server proxy (a Pyro5 proxy refuses an HMAC key: Pyro5 has no HMAC). */
function wireOptions(options: LocateNSOptions): { hmacKey: string | Uint8Array | null; protocol: 4 | 5 | undefined; ssl?: boolean | TlsSettings; limits?: Partial<Limits> } {
  return {
    hmacKey: options.hmacKey ?? null,
    protocol: options.protocol,
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
  };
}

/** PYRO_NS_HOSTS="h1:9090,h2:9090" as a list; null when unset or empty. */
export function nsAddressesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | null {
  const list = (env.PYRO_NS_HOSTS ?? "").split(",").map((a) => a.trim()).filter(Boolean);
  return list.length ? list : null;
}

/** The name server's URI at one address of an nsAddresses list (a missing port is the protocol's NS_PORT). */
export function nsUriForAddress(address: string, profile: PyroProfile = PYRO4_PROFILE): string {
  let loc = address.trim();
  const nsPort = profile.config.NS_PORT;
  if (!URI.isUnixsockLocation(loc)) {
    const colons = loc.split(":").length - 1;
    if (loc.startsWith("[")) {
      if (!/]:\d+$/.test(loc)) loc = `${loc}:${nsPort}`;
    } else if (colons === 0) loc = `${loc}:${nsPort}`;
    else if (colons > 1) loc = `[${loc}]:${nsPort}`; // a bare IPv6 address
  }
  try {
    return new URI(`PYRO:${NAMESERVER_NAME}@${loc}`).asString();
  } catch (e) {
    throw new NamingError(`invalid name server address '${address}': ${describe(e)}`);
  }
}

/**
 * Bind to the first address of `addresses` that answers, starting at `start` and wrapping around; each gets
 * `connectTimeout` ms. Returns the proxy and its index, or throws a NamingError naming every address tried.
 */
async function locateAmong(
  addresses: readonly string[],
  start: number,
  options: LocateNSOptions,
): Promise<{ proxy: Proxy; index: number }> {
  const attempts: string[] = [];
  const connectTimeout = options.connectTimeout ?? 2000;
  const profile = profileFor(options.protocol);
  for (let k = 0; k < addresses.length; k++) {
    const index = (start + k) % addresses.length;
    const uri = nsUriForAddress(addresses[index]!, profile);
    const proxy = new Proxy(uri, {
      ...wireOptions(options),
      ...(options.serializer ? { serializer: options.serializer } : {}),
      timeout: connectTimeout,
      maxRetries: 0,
    });
    try {
      await proxy.$bind();
      proxy.$timeout = options.timeout ?? profile.config.COMMTIMEOUT * 1000;
      return { proxy, index };
    } catch (e) {
      await proxy.$release().catch(() => {});
      attempts.push(`${uri}: ${describe(e)}`);
    }
  }
  throw new NamingError(`Failed to locate the nameserver; tried:\n  - ${attempts.join("\n  - ")}`);
}

function describe(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  let msg = err instanceof Error ? err.message : String(e);
  const cause = err?.cause as Error | undefined;
  if (cause && cause.message && !msg.includes(cause.message)) msg += ` (${cause.message})`;
  return msg || (err as Error)?.name || "failed";
}

function nsUriFor(host: string, port: number | null): string {
  if (URI.isUnixsockLocation(host)) return `PYRO:${NAMESERVER_NAME}@${host}`;
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `PYRO:${NAMESERVER_NAME}@${h}:${port}`;
}

async function resolvesLocally(address: string): Promise<boolean> {
  try {
    await lookupService(address, 0);
    return true;
  } catch {
    return false;
  }
}

/** Send GET_NSURI to every broadcast address, up to `rounds` times; the first answer (latin-1 URI text) wins. */
async function broadcastLookup(profile: PyroProfile, port: number, timeoutMs: number, rounds: number, attempts: string[]): Promise<string | null> {
  const addrs = profile.broadcastAddresses().map((a) => (a === "<broadcast>" ? "255.255.255.255" : a));
  const sock = dgram.createSocket({ type: "udp4", reuseAddr: profile.config.SOCK_REUSE });
  const sendErrors = new Map<string, string>();
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(0, () => {
        sock.off("error", reject);
        resolve();
      });
    });
    sock.setBroadcast(true);
    sock.on("error", () => {});
    for (let round = 0; round < rounds; round++) {
      const answer = new Promise<string | null>((resolve) => {
        const timer = setTimeout(() => {
          sock.off("message", onMessage);
          resolve(null);
        }, timeoutMs);
        const onMessage = (msg: Buffer) => {
          clearTimeout(timer);
          sock.off("message", onMessage);
          resolve(msg.subarray(0, 100).toString("latin1"));
        };
        sock.on("message", onMessage);
      });
      for (const a of addrs) {
        sock.send(GET_NSURI, port, a, (err) => {
          if (err) sendErrors.set(a, (err as NodeJS.ErrnoException).code ?? err.message);
        });
      }
      const got = await answer;
      if (got !== null) return got;
    }
    const parts = addrs.map((a) => `${a}:${port}${sendErrors.has(a) ? ` (send failed: ${sendErrors.get(a)})` : ""}`);
    attempts.push(
      `broadcast GET_NSURI to ${parts.join(", ")}: no answer after ${rounds} round(s) of ${timeoutMs} ms`,
    );
    return null;
  } catch (e) {
    attempts.push(`broadcast on UDP port ${port}: ${describe(e)}`);
    return null;
  } finally {
    sock.close();
  }
}

/**
 * Pyro4's locateNS returning the raw name-server Proxy (use `locateNS` for the typed client). With a host, only
 * that host is tried (`port` = its TCP port, default NS_PORT; `./u:path` for a unix socket). Without a host,
 * `port` is the broadcast port, as in Pyro4.
 */
export async function locateNSProxy(
  host: string | null = null,
  port: number | null = null,
  options: LocateNSOptions = {},
): Promise<Proxy> {
  const attempts: string[] = [];
  const profile = profileFor(options.protocol);
  const config = profile.config;
  const proxyOptions = {
    ...wireOptions(options),
    ...(options.serializer ? { serializer: options.serializer } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
  };
  const tryDirect = async (uri: string, replaceUri = false): Promise<Proxy | null> => {
    const proxy = new Proxy(uri, proxyOptions);
    try {
      await proxy.$bind();
      return proxy;
    } catch (e) {
      await proxy.$release().catch(() => {});
      if (!(e instanceof PyroError) && !(e instanceof Error)) throw e;
      attempts.push(`${uri}${replaceUri ? " (from broadcast)" : ""}: ${describe(e)}`);
      return null;
    }
  };
  const fail = (cause?: unknown): never => {
    throw new NamingError(`Failed to locate the nameserver; tried:\n  - ${attempts.join("\n  - ")}`, { cause });
  };
  const addresses = host == null ? (options.nsAddresses ?? nsAddressesFromEnv()) : null;
  if (addresses?.length) return (await locateAmong(addresses, 0, options)).proxy;

  if (host == null) {
    const nsHost = config.NS_HOST;
    if (nsHost === "localhost" || nsHost === "::1" || nsHost.startsWith("127.")) {
      const hosts = [nsHost];
      if (nsHost !== "::1" && nsHost !== "127.0.1.1" && (await resolvesLocally("127.0.1.1"))) hosts.push("127.0.1.1");
      for (const h of hosts) {
        const p = await tryDirect(nsUriFor(h, port || config.NS_PORT));
        if (p) return p;
      }
    }
    if (options.broadcast !== false && config.PREFER_IP_VERSION !== 6) {
      const bcport = port || config.NS_BCPORT;
      const text = await broadcastLookup(profile, bcport, options.broadcastTimeout ?? 700, options.broadcastRounds ?? 3, attempts);
      if (text !== null) {
        let uri: URI | null = null;
        try {
          uri = new URI(text);
        } catch (e) {
          attempts.push(`broadcast answer ${JSON.stringify(text)} is not a Pyro URI: ${describe(e)}`);
        }
        if (uri) {
          const p = await tryDirect(uri.asString(), true);
          if (p) return p;
        }
      }
    }
    host = config.NS_HOST;
    port = config.NS_PORT;
  }
  if (!port) port = config.NS_PORT;
  const p = await tryDirect(nsUriFor(host, port));
  if (p) return p;
  return fail();
}

/** Metadata tags given to a name server call: any iterable of strings, or nothing. */
export type Metadata = Iterable<string> | null | undefined;

/** Filters of NameServerClient.list(): a name prefix, a Python regex, or metadata tags (all of, or any of). */
export interface ListOptions {
  prefix?: string;
  /** A Python `re` pattern, matched at the start of names (re.match). */
  regex?: string;
  metadataAll?: Metadata;
  metadataAny?: Metadata;
  returnMetadata?: boolean;
}

function tagSet(m: Metadata): Set<string> | null {
  return m == null ? null : new Set(m);
}

/**
 * A name server seen from TypeScript: Pyro4's NameServer methods with camelCase options. Results: `lookup` gives
 * a URI (with `returnMetadata`, `[URI, tags]`); `list` gives `{name: uriString}` (with `returnMetadata`,
 * `{name: [uriString, tags]}`). `proxy` is the underlying Proxy for anything else.
 */
export class NameServerClient implements NameServerLike {
  private current: Proxy;
  /**
   * `relocate`, given by locateNS for an nsAddresses list, finds the next name server after a communication
   * failure: idempotent calls (lookup, list, count, ping, plain register, setMetadata) are then retried there;
   * register with safe and remove are not (the first attempt may have been applied) and throw the original error,
   * the client already pointing at the next name server.
   */
  constructor(proxy: Proxy, private readonly relocate?: (failed: Proxy) => Promise<Proxy>) {
    this.current = proxy;
  }

  /** The proxy in use (a different one after a failover). */
  get proxy(): Proxy {
    return this.current;
  }

  private async call(method: string, args: unknown[], kw?: Record<string, unknown>, idempotent = true): Promise<unknown> {
    const used = this.current;
    try {
      return await used.$call(method, args, kw);
    } catch (e) {
      if (!this.relocate || !(e instanceof CommunicationError)) throw e;
      if (this.current === used) {
        await used.$release().catch(() => {});
        this.current = await this.relocate(used);
      }
      if (!idempotent) throw e;
      return this.current.$call(method, args, kw);
    }
  }

  get uri(): URI {
    return this.proxy.$connectedUri ?? this.proxy.$uri;
  }

  /** Any name-server method by name, with Python keyword arguments (failover as for the idempotent methods). */
  $call(method: string, args: readonly unknown[] = [], kwargs: Record<string, unknown> | null = {}): Promise<unknown> {
    return this.call(method, [...args], kwargs ?? {});
  }

  /**
   * Pyro5's yellow-pages lookup (Pyro5 name servers only; Pyro4's has list(metadata_all / metadata_any)): the
   * registrations having all of `metaAll`, or any of `metaAny`. Gives `{name: URI}`, or with `returnMetadata`
   * (the default, as in Pyro5) `{name: [URI, tags]}`.
   */
  async yplookup(options: { metaAll?: Metadata; metaAny?: Metadata; returnMetadata?: boolean } = {}): Promise<Record<string, unknown>> {
    const r = await this.call("yplookup", [tagSet(options.metaAll), tagSet(options.metaAny), options.returnMetadata ?? true]);
    return (r ?? {}) as Record<string, unknown>;
  }

  async ping(): Promise<void> {
    await this.call("ping", []);
  }
  async count(): Promise<number> {
    return Number(await this.call("count", []));
  }

  lookup(name: string): Promise<URI>;
  lookup(name: string, options: { returnMetadata: true }): Promise<[URI, string[]]>;
  lookup(name: string, options?: { returnMetadata?: boolean }): Promise<URI | [URI, string[]]>;
  async lookup(name: string, options: { returnMetadata?: boolean } = {}): Promise<URI | [URI, string[]]> {
    if (options.returnMetadata) {
      const r = (await this.call("lookup", [name], { return_metadata: true })) as unknown[];
      return [toUri(r[0]), [...((r[1] as Iterable<string>) ?? [])]];
    }
    return toUri(await this.call("lookup", [name]));
  }

  async register(name: string, uri: string | URI, options: { safe?: boolean; metadata?: Metadata } = {}): Promise<void> {
    const kw: Record<string, unknown> = {};
    if (options.safe) kw.safe = true;
    if (options.metadata != null) kw.metadata = tagSet(options.metadata);
    await this.call("register", [name, uri instanceof URI ? uri.asString() : uri], kw, !options.safe);
  }

  /** Remove one name, or every name matching `prefix` or `regex`. Returns how many were removed. */
  async remove(name?: string | null, options: { prefix?: string; regex?: string } = {}): Promise<number> {
    const kw: Record<string, unknown> = {};
    if (options.prefix != null) kw.prefix = options.prefix;
    if (options.regex != null) kw.regex = options.regex;
    return Number(await this.call("remove", [name ?? null], kw, false));
  }

  list(options?: ListOptions & { returnMetadata?: false }): Promise<Record<string, string>>;
  list(options: ListOptions & { returnMetadata: true }): Promise<Record<string, [string, string[]]>>;
  list(options?: ListOptions): Promise<Record<string, string> | Record<string, [string, string[]]>>;
  async list(options: ListOptions = {}): Promise<Record<string, string> | Record<string, [string, string[]]>> {
    const kw: Record<string, unknown> = {};
    if (options.prefix != null) kw.prefix = options.prefix;
    if (options.regex != null) kw.regex = options.regex;
    if (options.metadataAll != null) kw.metadata_all = tagSet(options.metadataAll);
    if (options.metadataAny != null) kw.metadata_any = tagSet(options.metadataAny);
    if (options.returnMetadata) kw.return_metadata = true;
    const r = ((await this.call("list", [], kw)) ?? {}) as Record<string, unknown>;
    if (!options.returnMetadata) return r as Record<string, string>;
    const out: Record<string, [string, string[]]> = {};
    for (const [k, v] of Object.entries(r)) {
      const [u, tags] = v as [unknown, Iterable<string> | null];
      Object.defineProperty(out, k, { value: [String(u), [...(tags ?? [])]], enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /** Replace a registration's tags; empty or null clears them. */
  async setMetadata(name: string, metadata: Metadata): Promise<void> {
    await this.call("set_metadata", [name, tagSet(metadata)]);
  }

  /** Close the connection (reconnects on next use). */
  $release(): Promise<void> {
    return this.proxy.$release();
  }
  release(): Promise<void> {
    return this.proxy.$release();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.proxy.$release();
  }
}

function toUri(v: unknown): URI {
  return v instanceof URI ? v : new URI(String(v));
}

/**
 * Find a name server (Pyro4's locateNS) and return a typed client for it. Without a host: a local NS_HOST, then
 * broadcast on `port` (default NS_BCPORT), then NS_HOST:NS_PORT. With a host: only host:port (default NS_PORT).
 */
export async function locateNS(
  host: string | null = null,
  port: number | null = null,
  options: LocateNSOptions = {},
): Promise<NameServerClient> {
  const addresses = host == null ? (options.nsAddresses ?? nsAddressesFromEnv()) : null;
  if (!addresses?.length) return new NameServerClient(await locateNSProxy(host, port, options));
  const list = [...addresses];
  let { proxy, index } = await locateAmong(list, 0, options);
  return new NameServerClient(proxy, async () => {
    ({ proxy, index } = await locateAmong(list, index + 1, options));
    return proxy;
  });
}

// PYRONAME:/PYROMETA: resolution uses the full search (broadcast included) once this module is loaded.
setNameServerLocator(async ({ host, port, hmacKey, timeout, nsAddresses, profile, limits }) =>
  (await locateNSProxy(host, port, {
    hmacKey,
    ...(limits ? { limits } : {}),
    protocol: profile?.protocol,
    ...(timeout !== undefined ? { timeout } : {}),
    ...(nsAddresses ? { nsAddresses } : {}),
  })) as unknown as NameServerLike,
);
