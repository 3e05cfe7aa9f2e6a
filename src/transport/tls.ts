// TLS options for daemons and clients built from Pyro4's SSL_* config items, with Pyro4's semantics:
// the server always presents SSL_SERVERCERT and verifies client certs only with SSL_REQUIRECLIENTCERT;
// the client verifies the server against SSL_CACERTS (file or directory) plus the system roots and checks
// the host name from the URI; SSL_CLIENTCERT is presented when set (2-way TLS).

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { rootCertificates, type ConnectionOptions, type TlsOptions } from "node:tls";
import { config as globalConfig, type ConfigItems } from "../config.js";
import { CommunicationError } from "../errors.js";

/** TLS settings; each falls back to the matching SSL_* config item. */
export interface TlsSettings {
  serverCert?: string;
  serverKey?: string;
  serverKeyPassword?: string;
  requireClientCert?: boolean;
  clientCert?: string;
  clientKey?: string;
  clientKeyPassword?: string;
  /** A PEM file or a directory of PEM files with the CA certificates to trust. */
  caCerts?: string;
}

type SslConfig = Pick<
  ConfigItems,
  | "SSL_SERVERCERT" | "SSL_SERVERKEY" | "SSL_SERVERKEYPASSWD" | "SSL_REQUIRECLIENTCERT"
  | "SSL_CLIENTCERT" | "SSL_CLIENTKEY" | "SSL_CLIENTKEYPASSWD" | "SSL_CACERTS"
>;

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CommunicationError(`cannot read ${what} '${path}': ${(e as Error).message}`, { cause: e });
  }
}

/** CA certificates from a PEM file or every *.pem / *.crt file of a directory (Python's cafile / capath). */
export function loadCaCerts(path: string): Buffer[] {
  if (!path) return [];
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new CommunicationError(`cannot read CA certificates '${path}': ${(e as Error).message}`, { cause: e });
  }
  if (!isDir) return [read(path, "CA certificates")];
  return readdirSync(path)
    .filter((f) => /\.(pem|crt|cer)$/i.test(f) || /^[0-9a-f]{8}\.\d+$/.test(f))
    .map((f) => read(join(path, f), "CA certificate"));
}

function settings(s: TlsSettings, cfg: SslConfig): Required<TlsSettings> {
  return {
    serverCert: s.serverCert ?? cfg.SSL_SERVERCERT,
    serverKey: s.serverKey ?? cfg.SSL_SERVERKEY,
    serverKeyPassword: s.serverKeyPassword ?? cfg.SSL_SERVERKEYPASSWD,
    requireClientCert: s.requireClientCert ?? cfg.SSL_REQUIRECLIENTCERT,
    clientCert: s.clientCert ?? cfg.SSL_CLIENTCERT,
    clientKey: s.clientKey ?? cfg.SSL_CLIENTKEY,
    clientKeyPassword: s.clientKeyPassword ?? cfg.SSL_CLIENTKEYPASSWD,
    caCerts: s.caCerts ?? cfg.SSL_CACERTS,
  };
}

/** Options for `tls.createServer`. Like Pyro4, the key may live in the certificate file. */
export function tlsServerOptions(s: TlsSettings = {}, cfg: SslConfig = globalConfig): TlsOptions {
  const o = settings(s, cfg);
  if (!o.serverCert) throw new CommunicationError("SSL is on but no server certificate is configured (SSL_SERVERCERT)");
  const cert = read(o.serverCert, "server certificate");
  const key = o.serverKey ? read(o.serverKey, "server key") : cert;
  const ca = loadCaCerts(o.caCerts);
  return {
    cert,
    key,
    passphrase: o.serverKeyPassword || undefined,
    ca: ca.length ? ca : undefined,
    requestCert: o.requireClientCert,
    rejectUnauthorized: o.requireClientCert,
    minVersion: "TLSv1.2",
  };
}

/** Options for `tls.connect` to `host`: verify the server (CA file/dir plus system roots) and its name. */
export function tlsClientOptions(host: string | null, s: TlsSettings = {}, cfg: SslConfig = globalConfig): ConnectionOptions {
  const o = settings(s, cfg);
  const extra = loadCaCerts(o.caCerts);
  const cert = o.clientCert ? read(o.clientCert, "client certificate") : undefined;
  const key = o.clientKey ? read(o.clientKey, "client key") : cert;
  const isIp = host !== null && (/^[\d.]+$/.test(host) || host.includes(":"));
  return {
    ca: extra.length ? [...rootCertificates, ...extra] : undefined,
    cert,
    key,
    passphrase: o.clientKeyPassword || undefined,
    servername: host && !isIp ? host : undefined,
    rejectUnauthorized: true,
    minVersion: "TLSv1.2",
  };
}
