// Listening sockets for daemons: TCP on IPv4/IPv6 (port 0 = ephemeral) or a unix domain socket (incl. Linux
// abstract names), with the location string Pyro4 puts in URIs (`host:port`, `[v6]:port`, `./u:path`).

import { createServer, isIP, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";
import { lookup } from "node:dns/promises";
import { unlinkSync } from "node:fs";
import { config } from "../config.js";
import { CommunicationError } from "../errors.js";

export interface ListenOptions {
  /** Host name or address; "" = every interface. Ignored with `unixsocket`. */
  host?: string;
  port?: number;
  /** Path of a unix domain socket (a leading "\0" = Linux abstract namespace). */
  unixsocket?: string | null;
  /** Pyro4's PREFER_IP_VERSION: 4, 6 or 0 (whatever the resolver returns first). */
  preferIpVersion?: number;
  backlog?: number;
  /** Serve TLS with these options (see tls.ts tlsServerOptions); connections arrive after a good handshake. */
  tls?: TlsOptions | null;
  /** Told about TLS handshakes that failed (wrong CA, missing client certificate, plain-text peer...). */
  onTlsError?: (err: Error, socket: Socket) => void;
}

export interface Listener {
  server: Server;
  /** `host:port`, `[ipv6]:port` or `./u:path`, as Pyro4 writes it in URIs. */
  locationStr: string;
  host: string | null;
  port: number | null;
  unixsocket: string | null;
  /** Stop listening; removes the unix socket file. Existing connections are left alone. */
  close(): Promise<void>;
}

/** Resolve a host name to the address to bind, preferring the configured IP version like Pyro4 does. */
async function bindAddress(host: string, prefer: number): Promise<string> {
  if (host === "") return prefer === 6 ? "::" : "0.0.0.0";
  if (isIP(host)) return host;
  const family = prefer === 6 ? 6 : prefer === 4 ? 4 : 0;
  try {
    return (await lookup(host, { family })).address;
  } catch (e) {
    if (family === 0) throw e;
    return (await lookup(host)).address;
  }
}

/** Where a listen attempt went, as Pyro4 words socket addresses: `('host', port)` or the socket path. */
function describe(options: ListenOptions): string {
  if (options.unixsocket) return options.unixsocket;
  return `('${options.host ?? config.HOST}', ${options.port ?? 0})`;
}

/** Refuse arguments node:net would throw on synchronously (deep in a callback, where no caller could catch). */
function checkArguments(options: ListenOptions): void {
  const fail = (why: string) => new CommunicationError(`cannot listen on ${describe(options)}: ${why}`);
  if (options.unixsocket != null) {
    if (typeof options.unixsocket !== "string") throw fail("unix socket name must be a string");
    return;
  }
  const port = options.port;
  if (port !== undefined && port !== null && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw fail("port must be an integer from 0 to 65535");
  const host = options.host;
  if (host !== undefined && host !== null && typeof host !== "string") throw fail("host must be a string");
  const backlog = options.backlog;
  if (backlog !== undefined && !(Number.isInteger(backlog) && backlog >= 0)) throw fail("backlog must be a non-negative integer");
}

/**
 * Open a listening socket; `onConnection` gets each accepted socket. Every failure (bad arguments, address in
 * use, unknown host, permission) rejects with CommunicationError, the Node error as its `cause`.
 */
export async function listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
  checkArguments(options);
  try {
    return await listenUnchecked(options, onConnection);
  } catch (e) {
    if (e instanceof CommunicationError) throw e;
    throw new CommunicationError(`cannot listen on ${describe(options)}: ${(e as Error).message}`, { cause: e });
  }
}

async function listenUnchecked(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
  let server: Server;
  if (options.tls) {
    server = createTlsServer(options.tls, onConnection);
    // A failed handshake must only cost that peer its connection.
    server.on("tlsClientError", (err: Error, socket: Socket) => {
      options.onTlsError?.(err, socket);
      socket.destroy();
    });
  } else {
    server = createServer({ noDelay: config.SOCK_NODELAY }, onConnection);
  }
  const backlog = options.backlog ?? 100;
  const unixsocket = options.unixsocket ?? null;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => {
      server.close();
      reject(e);
    };
    server.once("error", onError);
    const done = () => {
      server.off("error", onError);
      resolve();
    };
    // server.listen throws synchronously for some arguments; inside .then() that would be an unhandled rejection
    const start = (opts: Parameters<Server["listen"]>[0]) => {
      try {
        server.listen(opts, done);
      } catch (e) {
        onError(e as Error);
      }
    };
    if (unixsocket) {
      start({ path: unixsocket, backlog });
    } else {
      bindAddress(options.host ?? config.HOST, options.preferIpVersion ?? config.PREFER_IP_VERSION).then(
        (address) => start({ host: address, port: options.port ?? 0, backlog, exclusive: true }),
        onError,
      );
    }
  });
  let locationStr: string;
  let host: string | null = null;
  let port: number | null = null;
  if (unixsocket) {
    locationStr = "./u:" + unixsocket;
  } else {
    const addr = server.address();
    if (!addr || typeof addr === "string") throw new CommunicationError("listening socket has no TCP address");
    // Pyro4 keeps the host as given (e.g. "localhost") and only falls back to the bound address when empty.
    host = options.host ?? config.HOST;
    if (!host) host = addr.address;
    port = addr.port;
    locationStr = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  }
  let closed: Promise<void> | null = null;
  return {
    server,
    locationStr,
    host,
    port,
    unixsocket,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (unixsocket && !unixsocket.startsWith("\0")) {
          try {
            unlinkSync(unixsocket);
          } catch {
            // already gone
          }
        }
      });
      return closed;
    },
  };
}
