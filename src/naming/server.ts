// Starting a name server in-process (Pyro4's startNS/NameServerDaemon): a Daemon serving the NameServer object
// as `Pyro.NameServer`, registered in its own storage with Pyro4's class metadata, plus the broadcast responder.
// `pyro4 ns` is a thin wrapper around startNameServer.

import { isIP } from "node:net";
import { config } from "../config.js";
import { URI } from "../uri.js";
import { Daemon, type DaemonOptions } from "../server/daemon.js";
import { BroadcastServer } from "./broadcast.js";
import { NameServer, NAMESERVER_NAME, nameServerMethods, nameServerParams } from "./nameserver.js";
import { MemoryStorage, type NameStorage } from "./storage.js";
import { SqlStorage } from "./storage-sql.js";
import type { SqliteDriver } from "./sqlite-adapter.js";

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
  /** "memory" (default), "sql:FILE", or a storage object. "dbm:FILE" is refused (not supported). */
  storage?: string | NameStorage;
  /** Force a sqlite driver for "sql:" storage (default: node:sqlite when available, else better-sqlite3). */
  sqliteDriver?: SqliteDriver;
  hmacKey?: string | Uint8Array | null;
  /** Further Daemon options (serializersAccepted, maxConnections, ...). */
  daemonOptions?: Omit<DaemonOptions, "host" | "port" | "unixsocket" | "nathost" | "natport" | "hmacKey">;
}

export interface RunningNameServer {
  /** The name server's URI (the NAT address when nathost is set). */
  uri: URI;
  /** The URI on the bound address (what the broadcast responder answers). */
  internalUri: URI;
  nameserver: NameServer;
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

/** Build a storage from pyro4-ns's `-s` syntax. */
export function createStorage(spec: string | undefined, driver?: SqliteDriver): NameStorage {
  const s = spec ?? "memory";
  if (s === "memory") return new MemoryStorage();
  if (s.startsWith("sql:") && s.length > 4) return new SqlStorage(s.slice(4), { driver });
  if (s.startsWith("dbm:") && s.length > 4)
    throw new Error(
      "dbm storage is not supported by this name server: Python's dbm files depend on the platform's dbm library " +
        "and cannot hold metadata; use -s sql:FILE (the same sqlite format as pyro4-ns's sql storage)",
    );
  throw new Error(`invalid storage type '${s}'`);
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address === "::ffff:127.0.0.1";
}

/** Start a name server: Pyro4's startNS, resolved once it listens. */
export async function startNameServer(options: StartNameServerOptions = {}): Promise<RunningNameServer> {
  const storage = typeof options.storage === "object" ? options.storage : createStorage(options.storage, options.sqliteDriver);
  const nameserver = new NameServer(storage);
  let daemon: Daemon | null = null;
  let broadcast: BroadcastServer | null = null;
  try {
    daemon = await Daemon.create({
      ...options.daemonOptions,
      host: options.host ?? config.HOST,
      port: options.port ?? config.NS_PORT,
      unixsocket: options.unixsocket ?? null,
      ...(options.nathost !== undefined ? { nathost: options.nathost } : {}),
      ...(options.natport !== undefined ? { natport: options.natport } : {}),
      hmacKey: options.hmacKey ?? null,
    });
    daemon.register(nameserver, NAMESERVER_NAME, { expose: nameServerMethods, params: nameServerParams });
    const uri = daemon.uriFor(nameserver);
    const internalUri = daemon.uriFor(nameserver, false);
    nameserver.register(NAMESERVER_NAME, uri, false, new Set(["class:Pyro4.naming.NameServer"]));

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
      });
    }
    const d = daemon;
    const bc = broadcast;
    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        await bc?.close();
        await d.close();
        nameserver.storage.close();
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
    await broadcast?.close();
    await daemon?.close();
    storage.close();
    throw e;
  }
}
