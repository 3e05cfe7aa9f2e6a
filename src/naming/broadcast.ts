// The UDP broadcast responder that lets `locateNS()` find a name server without knowing its host: it answers
// the 9-byte datagram `GET_NSURI` with the name server's URI text (latin-1), exactly as Pyro4's BroadcastServer.

import dgram from "node:dgram";
import { URI } from "../uri.js";
import { PYRO4_PROFILE, type PyroProfile } from "../profiles/index.js";

export const GET_NSURI = Buffer.from("GET_NSURI", "latin1");

/** Options of the UDP broadcast responder that answers name server discovery. */
export interface BroadcastServerOptions {
  /** Address to bind; default config.NS_BCHOST, else all interfaces ("" in Pyro4). */
  bchost?: string | null;
  /** UDP port; default config.NS_BCPORT (9091); 0 = random. */
  bcport?: number | null;
  /** Use an IPv6 socket (Pyro4 matches the name server's IP version). */
  ipv6?: boolean;
  /** Whose config gives the defaults (NS_BCHOST, NS_BCPORT, SOCK_REUSE): Pyro4's unless told. */
  profile?: PyroProfile;
}

/**
 * A running responder. `locationStr` is `host:port` like Pyro4's (the bound address when bchost was empty).
 * Close it with `close()` (or `await using`).
 */
export class BroadcastServer {
  readonly nsUri: URI;
  private sock: dgram.Socket | null = null;
  private bchost = "";
  private bcport = 0;

  private constructor(nsUri: URI | string) {
    this.nsUri = new URI(nsUri);
  }

  /** Bind and start answering. */
  static async start(nsUri: URI | string, options: BroadcastServerOptions = {}): Promise<BroadcastServer> {
    const bc = new BroadcastServer(nsUri);
    await bc.bind(options);
    return bc;
  }

  private async bind(options: BroadcastServerOptions): Promise<void> {
    const ipv6 = options.ipv6 || (this.nsUri.host?.includes(":") ?? false);
    const config = (options.profile ?? PYRO4_PROFILE).config;
    const bcport = options.bcport ?? config.NS_BCPORT;
    let bchost = options.bchost ?? config.NS_BCHOST ?? "";
    const sock = dgram.createSocket({ type: ipv6 ? "udp6" : "udp4", reuseAddr: config.SOCK_REUSE });
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind({ port: bcport, address: bchost || (ipv6 ? "::" : "0.0.0.0") }, () => {
        sock.off("error", reject);
        resolve();
      });
    });
    sock.setBroadcast(true);
    sock.on("error", () => {
      // a failing reply must not take the name server down; the requester retries
    });
    sock.on("message", (msg, rinfo) => this.onRequest(msg, rinfo));
    sock.unref();
    const addr = sock.address();
    bchost = bchost || addr.address;
    this.bchost = bchost;
    this.bcport = addr.port;
    this.sock = sock;
  }

  /** `host:port` of the responder (`[v6]:port` for IPv6). */
  get locationStr(): string {
    return this.bchost.includes(":") ? `[${this.bchost}]:${this.bcport}` : `${this.bchost}:${this.bcport}`;
  }

  getPort(): number {
    return this.bcport;
  }

  private onRequest(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    // Pyro4 reads at most 100 bytes, so longer datagrams never compare equal either.
    if (!msg.equals(GET_NSURI)) return;
    void this.answer(rinfo);
  }

  private async answer(rinfo: dgram.RemoteInfo): Promise<void> {
    const sock = this.sock;
    if (!sock) return;
    const uri = new URI(this.nsUri);
    if (uri.host === "0.0.0.0") {
      // tell the requester the address of the interface it can reach us on
      const iface = await interfaceAddressFor(rinfo.address, rinfo.family === "IPv6");
      if (iface) uri.host = iface;
    }
    if (this.sock !== sock) return;
    sock.send(Buffer.from(uri.asString(), "latin1"), rinfo.port, rinfo.address);
  }

  async close(): Promise<void> {
    const sock = this.sock;
    this.sock = null;
    if (sock) await new Promise<void>((resolve) => sock.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The local address the OS would use to reach `remote` (Pyro4's socketutil.getInterfaceAddress). */
async function interfaceAddressFor(remote: string, ipv6: boolean): Promise<string | null> {
  const probe = dgram.createSocket(ipv6 ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.connect(53, remote, () => resolve());
    });
    return probe.address().address;
  } catch {
    return null;
  } finally {
    probe.close();
  }
}
