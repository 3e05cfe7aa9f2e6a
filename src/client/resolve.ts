// Turns PYRONAME:/PYROMETA: URIs into direct PYRO: URIs by asking a name server (Pyro4's core._resolve).
// Finding the name server is pluggable: the default locator connects straight to the host/port in the URI (or
// config NS_HOST/NS_PORT); the broadcast-capable locateNS installs itself with setNameServerLocator.

import { config } from "../config.js";
import { NamingError, PyroError } from "../errors.js";
import { URI } from "../uri.js";
import { kwargs } from "./support.js";

/** What resolve needs from a name-server proxy. */
export interface NameServerLike {
  lookup(name: string): PromiseLike<unknown>;
  list(...args: unknown[]): PromiseLike<unknown>;
  /** Pyro5's name server only: the yellow-pages lookup PYROMETA resolution uses there. */
  yplookup?(...args: unknown[]): PromiseLike<unknown>;
  $release(): Promise<void>;
}

export interface LocateOptions {
  /** From the URI; null = not given (locate by broadcast/config). */
  host: string | null;
  port: number | null;
  hmacKey: Uint8Array | null;
  /** Milliseconds, 0 = none. */
  timeout?: number;
  /** Which Pyro the name server speaks: 4 (default) or 5. */
  protocol?: 4 | 5;
  /** Several name servers to try in order when the URI names none (our extension; see locateNS). */
  nsAddresses?: readonly string[] | null;
}

export type NameServerLocator = (options: LocateOptions) => Promise<NameServerLike>;

let locator: NameServerLocator | null = null;

/** Install the function resolve() uses to reach a name server (returns the previous one). */
export function setNameServerLocator(fn: NameServerLocator): NameServerLocator | null {
  const prev = locator;
  locator = fn;
  return prev;
}
export function getNameServerLocator(): NameServerLocator | null {
  return locator;
}

/** Default NS location when a PYRONAME/PYROMETA URI has none. */
export function defaultNameServerAddress(host: string | null, port: number | null): { host: string; port: number } {
  return { host: host ?? config.NS_HOST, port: port ?? config.NS_PORT };
}

export interface ResolveOptions {
  hmacKey?: Uint8Array | null;
  timeout?: number;
  locator?: NameServerLocator;
  /** 4 (default) or 5: resolve through a Pyro4 or a Pyro5 name server. */
  protocol?: 4 | 5;
  /** Name servers to try in order for a URI without a location (default: setNameServerAddresses, then env PYRO_NS_HOSTS). */
  nsAddresses?: readonly string[] | null;
}

let defaultAddresses: readonly string[] | null = null;

/**
 * Name servers that PYRONAME:/PYROMETA: URIs without a location resolve through, tried in order with failover
 * (our extension; overrides env PYRO_NS_HOSTS). null restores the default search.
 */
export function setNameServerAddresses(addresses: readonly string[] | null): void {
  defaultAddresses = addresses && addresses.length ? [...addresses] : null;
}

/** Resolve a URI to a direct PYRO URI; PYRO URIs are returned unchanged. */
export async function resolve(uri: string | URI, options: ResolveOptions = {}): Promise<URI> {
  const u = typeof uri === "string" ? new URI(uri) : uri;
  if (!(u instanceof URI)) throw new TypeError("can only resolve Pyro URIs");
  if (u.protocol === "PYRO") return u;
  const locate = options.locator ?? locator;
  if (!locate) throw new PyroError("no name server locator installed (import the client module)");
  const pyro5 = options.protocol === 5;
  const nsAddresses = u.host || u.sockname ? null : (options.nsAddresses ?? defaultAddresses);
  const ns = await locate({
    host: u.host,
    port: u.port,
    hmacKey: options.hmacKey ?? null,
    timeout: options.timeout,
    ...(nsAddresses ? { nsAddresses } : {}),
    ...(pyro5 ? { protocol: 5 as const } : {}),
  });
  try {
    if (u.protocol === "PYRONAME") {
      const found = await ns.lookup(u.object);
      return found instanceof URI ? found : new URI(String(found));
    }
    if (u.protocol === "PYROMETA") {
      const tags = new Set(u.metadata ?? []);
      // Pyro5's name server moved metadata queries from list() to yplookup(meta_all, meta_any, return_metadata)
      const candidates = (
        pyro5
          ? await ns.yplookup!(tags, null, false)
          : await ns.list(kwargs({ metadata_all: tags }))
      ) as Record<string, unknown> | null;
      const values = candidates ? Object.values(candidates) : [];
      if (values.length) {
        const pick = values[Math.floor(Math.random() * values.length)];
        return pick instanceof URI ? pick : new URI(String(pick));
      }
      throw new NamingError(
        `no registrations available with desired metadata properties {${[...tags].map((t) => `'${t}'`).join(", ")}}`,
      );
    }
    throw new PyroError("invalid uri protocol");
  } finally {
    await ns.$release();
  }
}
