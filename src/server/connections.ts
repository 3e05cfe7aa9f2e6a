// The client connections of a daemon: accepting a socket as a Connection (or as one that is refused with
// CONNECTFAIL when maxConnections are already served), forgetting it when it closes (its streams linger or
// close, the daemon's clientDisconnect hook runs) and the connection diagnostics channel messages.

import type { Socket } from "node:net";
import { Connection } from "./connection.js";
import type { DaemonCore } from "./daemon-core.js";
import type { StreamRegistry } from "./streams.js";
import { coreLog, debug } from "../observe/log.js";
import { serverConnection, serverDisconnect, type ServerConnectionMessage } from "../observe/channels.js";

/** What the tracker needs of its daemon besides what a Connection needs. */
export interface TrackedDaemon extends DaemonCore<Connection> {
  readonly streams: StreamRegistry;
  clientDisconnect(conn: Connection): void;
}

export class ConnectionTracker {
  readonly all = new Set<Connection>();

  /** @param location the daemon's location for diagnostics ("" until it is known) */
  constructor(
    private readonly daemon: TrackedDaemon,
    private readonly location: () => string,
  ) {}

  /** A new socket: served, or refused at its handshake when the daemon already serves maxConnections. */
  accept(socket: Socket): void {
    const max = this.daemon.maxConnections;
    const denied = max > 0 && this.all.size >= max ? "no free workers, increase server threadpool size" : null;
    const conn = new Connection(socket, this.daemon, denied);
    this.all.add(conn);
    debug("connection %d from %s", conn.id, socket.remoteAddress ?? "unix socket");
    if (serverConnection.hasSubscribers) serverConnection.publish(this.message(conn, denied));
  }

  /** A connection ended (called once per connection; later calls are ignored). */
  closed(conn: Connection): void {
    if (!this.all.delete(conn)) return;
    debug("connection %d closed", conn.id);
    if (serverDisconnect.hasSubscribers) serverDisconnect.publish(this.message(conn, null));
    this.daemon.streams.disconnect(conn);
    try {
      this.daemon.clientDisconnect(conn);
    } catch (e) {
      coreLog.warning("Error in clientDisconnect: %s", (e as Error).message);
    }
  }

  /** Drop every connection (the daemon closes). */
  closeAll(): void {
    for (const c of this.all) c.close();
  }

  private message(conn: Connection, denied: string | null): ServerConnectionMessage {
    return { connectionId: conn.id, peer: conn.peer, daemon: this.location(), denied };
  }
}
