// Starting a name server in-process (Pyro4's startNS/NameServerDaemon): a Daemon serving the NameServer object
// as `Pyro.NameServer`, registered in its own storage with Pyro4's class metadata, plus the broadcast responder.
// `pyro4 ns` is a thin wrapper around startNameServer.

import { connect, isIP } from "node:net";
import { profileFor, type PyroProfile } from "../profiles/index.js";
import { URI } from "../uri.js";
import { ConfigValueError } from "../errors.js";
import { Daemon, type DaemonOptions } from "../server/daemon.js";
import { BroadcastServer } from "./broadcast.js";
import { NameServer, NAMESERVER_NAME, nameServerMethods, nameServerParams } from "./nameserver.js";
import { Pyro5NameServer, nameServer5Methods, nameServer5Params } from "./nameserver5.js";
import type { RegisterOptions } from "../server/daemon.js";

/** The object served as Pyro.NameServer for each name-server API (the profile says which one its protocol has). */
const NAME_SERVER_APIS: Record<PyroProfile["nameServerApi"], (ns: NameServer<AnyNameStorage>) => { object: object; options: RegisterOptions }> = {
  pyro4: (ns) => ({ object: ns, options: { expose: nameServerMethods, params: nameServerParams } }),
  pyro5: (ns) => ({ object: new Pyro5NameServer(ns), options: { expose: nameServer5Methods, params: nameServer5Params } }),
};
import { MemoryStorage, isAsyncStorage, type AnyNameStorage } from "./storage.js";
import { SqlStorage } from "./storage-sql.js";
import { PgStorage, type PgStorageOptions } from "./storage-pg.js";
import { startPruner, type PruneOptions, type Pruner } from "./prune.js";
import type { SqliteDriver } from "./sqlite-adapter.js";

/** Options of startNameServer() (Pyro4's `pyro4-ns` options). */
export interface StartNameServerOptions {
  /** Default config.HOST. */
  host?: string;
  /** Default config.NS_PORT (9090); 0 = random. */
  port?: number;
  unixsocket?: string | null;
  nathost?: string | null;
  natport?: number | null;
  /**
   * Start the UDP broadcast responder (default true). Like pyro4-ns it is not started for a name server bound to
   * a loopback address, an IPv6 address or a unix socket, unless `bchost` is given explicitly.
   */
  enableBroadcast?: boolean;
  bchost?: string | null;
  /** Default config.NS_BCPORT (9091); 0 = random. */
  bcport?: number | null;
  /**
   * "memory" (default), "sql:FILE", "postgresql://user@host:port/db" (shared by several instances; needs the npm
   * package pg), or a storage object. "dbm:FILE" is refused (not supported).
   */
  storage?: string | AnyNameStorage;
  /** Pool and timeout settings for postgresql storage. */
  pgOptions?: PgStorageOptions;
  /** Force a sqlite driver for "sql:" storage (default: node:sqlite when available, else better-sqlite3). */
  sqliteDriver?: SqliteDriver;
  hmacKey?: string | Uint8Array | null;
  /**
   * Seconds between reachability sweeps that remove registrations unreachable for 20 s (Pyro4's NS_AUTOCLEAN);
   * 0 = off. Default config.NS_AUTOCLEAN. Minimum 3.
   */
  autoclean?: number;
  /** 4 (default): answer Pyro4 clients with Pyro4's API. 5: answer Pyro5 clients (protocol 502) with Pyro5's API. */
  protocol?: 4 | 5;
  /**
   * Remove registrations of daemons that stopped answering (our extension, off by default): check every
   * `interval` seconds, remove after `after` consecutive failures. See docs/ha-nameserver.md.
   */
  prune?: Omit<PruneOptions, "ownLocations"> | null;
  /** Further Daemon options (serializersAccepted, maxConnections, ...). */
  daemonOptions?: Omit<DaemonOptions, "host" | "port" | "unixsocket" | "nathost" | "natport" | "hmacKey">;
}

/**
 * A running name server: its URI, the served NameServer, the daemon and the broadcast responder; `close()` stops
 * all.
 */
export interface RunningNameServer {
  /** The name server's URI (the NAT address when nathost is set). */
  uri: URI;
  /** The URI on the bound address (what the broadcast responder answers). */
  internalUri: URI;
  nameserver: NameServer<AnyNameStorage>;
  daemon: Daemon;
  broadcast: BroadcastServer | null;
  /** Why the broadcast responder was not started, when it was not (e.g. "Not starting broadcast server for localhost."). */
  broadcastSkipped: string | null;
  /** The address the daemon's socket is bound to ("Unix domain socket" for unix sockets). */
  hostip: string;
  /** Stop serving, close the broadcast responder and the storage. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Build a storage from pyro4-ns's `-s` syntax, plus `postgresql://...` (ours). A PostgreSQL storage connects on
 * its `open()`, which startNameServer awaits.
 */
export function createStorage(spec: string | undefined, driver?: SqliteDriver, pgOptions?: PgStorageOptions): AnyNameStorage {
  const s = spec ?? "memory";
  if (s === "memory") return new MemoryStorage();
  if (/^postgres(ql)?:\/\//.test(s)) return new PgStorage(s, pgOptions);
  if (s.startsWith("sql:") && s.length > 4) return new SqlStorage(s.slice(4), { driver });
  if (s.startsWith("dbm:") && s.length > 4)
    throw new ConfigValueError(
      "dbm storage is not supported by this name server: Python's dbm files depend on the platform's dbm library " +
        "and cannot hold metadata; use -s sql:FILE (the same sqlite format as pyro4-ns's sql storage)",
    );
  throw new ConfigValueError(`invalid storage type '${s}'`);
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address === "::ffff:127.0.0.1";
}

/** Start a name server: Pyro4's startNS, resolved once it listens. */
export async function startNameServer(options: StartNameServerOptions = {}): Promise<RunningNameServer> {
  const profile = profileFor(options.protocol);
  const config = profile.config;
  const storage =
    typeof options.storage === "object" ? options.storage : createStorage(options.storage, options.sqliteDriver, options.pgOptions);
  const nameserver = new NameServer<AnyNameStorage>(storage);
  let daemon: Daemon | null = null;
  let broadcast: BroadcastServer | null = null;
  let pruner: Pruner | null = null;
  try {
    if (isAsyncStorage(storage)) await storage.open();
    daemon = await Daemon.create({
      ...options.daemonOptions,
      host: options.host ?? config.HOST,
      port: options.port ?? config.NS_PORT,
      unixsocket: options.unixsocket ?? null,
      ...(options.nathost !== undefined ? { nathost: options.nathost } : {}),
      ...(options.natport !== undefined ? { natport: options.natport } : {}),
      hmacKey: options.hmacKey ?? null,
      protocol: profile.protocol,
    });
    const served = NAME_SERVER_APIS[profile.nameServerApi](nameserver);
    daemon.register(served.object, NAMESERVER_NAME, served.options);
    const uri = daemon.uriFor(NAMESERVER_NAME);
    const internalUri = daemon.uriFor(NAMESERVER_NAME, false);
    if (isAsyncStorage(storage)) nameserver.selfUri = uri.asString();
    await nameserver.register(NAMESERVER_NAME, uri, false, new Set([profile.nameServerClassTag]));

    let hostip = "Unix domain socket";
    let broadcastSkipped: string | null = null;
    let enable = options.enableBroadcast ?? true;
    if (!options.unixsocket) {
      const addr = daemon.server?.address();
      hostip = addr && typeof addr === "object" ? addr.address : String(internalUri.host);
      const explicitBc = options.bchost != null && options.bchost !== "";
      if (isIP(hostip) === 6 && !explicitBc) {
        broadcastSkipped = "Not starting broadcast server for IPv6.";
        enable = false;
      } else if (isLoopback(hostip) && !explicitBc) {
        broadcastSkipped = "Not starting broadcast server for localhost.";
        enable = false;
      }
    } else {
      enable = false;
    }
    if (enable) {
      broadcast = await BroadcastServer.start(internalUri, {
        bchost: options.bchost,
        bcport: options.bcport,
        ipv6: isIP(hostip) === 6,
        profile,
      });
    }
    const d = daemon;
    const bc = broadcast;
    const cleaner = startAutoclean(nameserver, options.autoclean ?? config.NS_AUTOCLEAN, config.COMMTIMEOUT);
    if (options.prune) {
      const own = [uri.location, internalUri.location].filter((l): l is string => l !== null);
      // a name server serving TLS checks over TLS by default, with its own CA and client certificate: the daemons
      // registered with it are usually reachable only that way (without this they would all look dead)
      const ssl = options.prune.ssl ?? options.daemonOptions?.ssl;
      // the checks read the daemons' handshake answers within the name server's own limits (its daemon's)
      pruner = startPruner(nameserver, {
        hmacKey: options.hmacKey ?? null, limits: daemon.limits, ...options.prune, ...(ssl !== undefined ? { ssl } : {}), ownLocations: own, protocol: profile.protocol,
      });
    }
    const pr = pruner;
    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        cleaner?.stop();
        await pr?.stop();
        await bc?.close();
        await d.close();
        await nameserver.storage.close();
      })());
    return {
      uri,
      internalUri,
      nameserver,
      daemon: d,
      broadcast: bc,
      broadcastSkipped,
      hostip,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await pruner?.stop();
    await broadcast?.close();
    await daemon?.close();
    await storage.close();
    throw e;
  }
}

/** Pyro4's AutoCleaner constants; mutable only so tests need not wait 20 seconds. */
export const autocleanTiming = { minPeriod: 3, unreachableMs: 20_000, loopMs: 2_000 };

/** True when something accepts a connection at the URI's location. */
function reachable(uri: URI, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = uri.sockname ? connect({ path: uri.sockname }) : connect({ host: uri.host!, port: uri.port! });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

/** Pyro4's AutoCleaner: every `period` seconds, drop names whose server has not answered for 20 seconds. */
function startAutoclean(ns: NameServer<AnyNameStorage>, period: number, commTimeout: number): { stop(): void } | null {
  if (!(period > 0)) return null;
  if (period < autocleanTiming.minPeriod) throw new ConfigValueError(`NS_AUTOCLEAN cannot be smaller than ${autocleanTiming.minPeriod}`);
  const unreachableSince = new Map<string, number>();
  let last = Date.now();
  let busy = false;
  const sweep = async (): Promise<void> => {
    if (busy || Date.now() - last < period * 1000) return;
    busy = true;
    try {
      const timeoutMs = (commTimeout || 5) * 1000;
      for (const [name, uriText] of Object.entries(await ns.list())) {
        if (name === NAMESERVER_NAME || name === "Pyro.Daemon") continue;
        let ok = false;
        try {
          ok = await reachable(new URI(String(uriText)), timeoutMs);
        } catch {
          ok = false;
        }
        if (ok) unreachableSince.delete(name);
        else {
          const since = unreachableSince.get(name) ?? Date.now();
          unreachableSince.set(name, since);
          if (Date.now() - since >= autocleanTiming.unreachableMs) {
            await ns.remove(name);
            unreachableSince.delete(name);
          }
        }
      }
      last = Date.now();
    } catch {
      // storage unreachable: try again on the next sweep
    } finally {
      busy = false;
    }
  };
  // sweep() catches everything itself: nothing to report from the interval
  const timer = setInterval(() => void sweep(), autocleanTiming.loopMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
