// TLS from the gateway to the name server and the backends, as Python's gateways get it from their config
// (SSL and the SSL_CLIENT*/SSL_CACERTS items): one client setting for every Pyro connection the gateway makes,
// the server's certificate checked against the CA certificates and the host name it is reached at.

import type { ConnectionOptions } from "node:tls";
import type { PyroProfile } from "../profiles/index.js";
import { tlsClientOptions, type TlsSettings } from "../transport/tls.js";

/** Client TLS options per host name (the certificate files are read once per host the gateway reaches). */
export class TlsConnector {
  private readonly byHost = new Map<string, ConnectionOptions>();

  constructor(
    /** What the user set (the rest comes from the protocol's SSL_* config items). */
    readonly settings: TlsSettings,
    private readonly profile: PyroProfile,
  ) {
    // reads and checks the files now: a bad path fails the gateway's start, not every request
    tlsClientOptions(null, settings, profile.config);
  }

  /** Options for a connection to `host` (the name checked against the server's certificate). */
  forHost(host: string | null | undefined): ConnectionOptions {
    const h = host ?? "";
    let o = this.byHost.get(h);
    if (!o) {
      o = tlsClientOptions(h || null, this.settings, this.profile.config);
      if (this.byHost.size >= 256) this.byHost.clear();
      this.byHost.set(h, o);
    }
    return o;
  }
}

/**
 * The gateway's TLS: `ssl` true (the SSL_* config items) or settings that override them; undefined follows the
 * protocol's config SSL (PYRO_SSL), as Python's gateway does; false or null: plain TCP.
 */
export function gatewayTls(ssl: boolean | TlsSettings | null | undefined, profile: PyroProfile): TlsConnector | null {
  const on = ssl ?? profile.config.SSL;
  if (!on) return null;
  return new TlsConnector(on === true ? {} : on, profile);
}
