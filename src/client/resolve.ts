// Turns PYRONAME:/PYROMETA: URIs into direct PYRO: URIs by asking a name server (Pyro4's core._resolve).
// Finding the name server is pluggable: the default locator connects straight to the host/port in the URI (or
// config NS_HOST/NS_PORT); the broadcast-capable locateNS installs itself with setNameServerLocator.

import { NamingError, PyroError, InvalidArgumentError } from "../errors.js";
import { PYRO4_PROFILE, type PyroProfile } from "../profiles/index.js";
import { URI } from "../uri.js";
import type { Limits } from "../limits.js";

/** What resolve needs from a name-server proxy. */
export interface NameServerLike {
  lookup(name: string): PromiseLike<unknown>;
  $call(method: string, args?: readonly unknown[], kwargs?: Record<string, unknown> | null): PromiseLike<unknown>;
  $release(): Promise<void>;
}

/**
 * What a name server locator is asked: the name server's host and port from a PYRONAME/PYROMETA URI, or null to
 * locate it from the configuration.
 */
export interface LocateOptions {
  /** From the URI; null = not given (locate by broadcast/config). */
  host: string | null;
  port: number | null;
  hmacKey: Uint8Array | null;
  /** Milliseconds, 0 = none. */
  timeout?: number;
  /** Which Pyro the name server speaks (default Pyro4's profile). */
  profile?: PyroProfile;
  /** Several name servers to try in order when the URI names none (our extension; see locateNS). */
  nsAddresses?: readonly string[] | null;
  /** The limits of the proxy being resolved: the name-server proxy decodes its replies with them (default: DEFAULT_LIMITS). */
  limits?: Limits;
}

/** A function that finds the name server for resolving PYRONAME/PYROMETA URIs (see setNameServerLocator). */
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

/** Default NS location when a PYRONAME/PYROMETA URI has none: the protocol's NS_HOST / NS_PORT. */
export function defaultNameServerAddress(host: string | null, port: number | null, profile: PyroProfile = PYRO4_PROFILE): { host: string; port: number } {
  return { host: host ?? profile.config.NS_HOST, port: port ?? profile.config.NS_PORT };
}

export interface ResolveOptions {
  hmacKey?: Uint8Array | null;
  timeout?: number;
  locator?: NameServerLocator;
  /** Resolve through a name server of this protocol (default Pyro4's). */
  profile?: PyroProfile;
  /** Name servers to try in order for a URI without a location (default: setNameServerAddresses, then env PYRO_NS_HOSTS). */
  nsAddresses?: readonly string[] | null;
  /** The limits the name server's replies are checked against (a proxy resolving its URI passes its own). Default: DEFAULT_LIMITS. */
  limits?: Limits;
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
  if (!(u instanceof URI)) throw new InvalidArgumentError("can only resolve Pyro URIs");
  if (u.protocol === "PYRO") return u;
  const locate = options.locator ?? locator;
  if (!locate) throw new PyroError("no name server locator installed (import the client module)");
  const profile = options.profile ?? PYRO4_PROFILE;
  const nsAddresses = u.host || u.sockname ? null : (options.nsAddresses ?? defaultAddresses);
  const ns = await locate({
    host: u.host,
    port: u.port,
    hmacKey: options.hmacKey ?? null,
    timeout: options.timeout,
    ...(nsAddresses ? { nsAddresses } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    profile,
  });
  try {
    if (u.protocol === "PYRONAME") {
      const found = await ns.lookup(u.object);
      return found instanceof URI ? found : new URI(String(found));
    }
    if (u.protocol === "PYROMETA") {
      const tags = new Set(u.metadata ?? []);
      // Pyro4: list(metadata_all=tags); Pyro5 moved it to yplookup(meta_all, meta_any, return_metadata)
      const q = profile.metadataLookup(tags);
      const candidates = (await ns.$call(q.method, q.args, q.kwargs ?? {})) as Record<string, unknown> | null;
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
