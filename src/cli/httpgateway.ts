// `pyro4 httpgateway`: Python's pyro4-httpgateway options (-H -p -e -k -g -t, PYRO_HMAC_KEY and
// PYRO_HTTPGATEWAY_KEY, the same startup lines), plus our extensions --cors and --max-body.
// `pyro5 httpgateway` (protocol 5): Pyro5.utils.httpgateway's argparse options (-H -c -p -e -g -t; no HMAC, no
// key environment variables, -c is the fixed Access-Control-Allow-Origin value), the same startup lines, --max-body.

import type { PyroProfile } from "../profiles/index.js";
import { HttpGateway } from "../gateway/server.js";
import { gatewayProtocol } from "../gateway/protocol.js";
import { PythonRegexError } from "../python/regex.js";
import { PyroError } from "../errors.js";
import type { TlsSettings } from "../transport/tls.js";
import type { ParserSpec } from "../python/optparse.js";
import { defineCommand, type CommandIo } from "./command.js";

// Extension, both protocols: TLS to the name server and the backends from flags (Python's gateways take it from
// PYRO_SSL and the PYRO_SSL_* variables only, which work here too); any --ssl-* flag turns TLS on.
const TLS_FLAGS: ParserSpec["options"] = [
  { long: "ssl", extension: true, action: "store_true", help: "extension: reach the name server and the backends over TLS (as PYRO_SSL=1)" },
  { long: "ssl-cacerts", extension: true, dest: "sslCacerts", help: "extension: CA certificates (PEM file or directory) to check the servers with (SSL_CACERTS)" },
  { long: "ssl-clientcert", extension: true, dest: "sslClientcert", help: "extension: client certificate to present, for 2-way TLS (SSL_CLIENTCERT)" },
  { long: "ssl-clientkey", extension: true, dest: "sslClientkey", help: "extension: the client certificate's key (SSL_CLIENTKEY)" },
];

// pyro4-httpgateway's OptionParser (Pyro4/utils/httpgateway.py main()), option for option, plus two extensions
export const httpgatewayParser: ParserSpec = {
  prog: "pyro4 httpgateway",
  options: [
    { short: "H", long: "host", default: "localhost", help: "hostname to bind server on (default=%default)" },
    { short: "p", long: "port", type: "int", default: 8080, help: "port to bind server on (default=%default)" },
    { short: "e", long: "expose", default: "http\\.", help: "a regex of object names to expose (default=%default)" },
    { short: "k", long: "pyrokey", help: "the HMAC key to use to connect with Pyro (deprecated)" },
    { short: "g", long: "gatewaykey", help: "the api key to use to connect to the gateway itself" },
    { short: "t", long: "timeout", type: "float", default: null, help: "Pyro timeout value to use (COMMTIMEOUT setting, default=%default)" },
    { long: "cors", extension: true, help: "extension: comma-separated origins allowed by CORS (default: none)" },
    { long: "max-body", extension: true, dest: "maxBody", type: "int", help: "extension: request body limit in bytes (default 16777216)" },
    { long: "reuse", extension: true, help: "extension: regex of object names whose backend connections are pooled and reused (default: none, a fresh connection per request)" },
    { long: "pool-size", extension: true, dest: "poolSize", type: "int", help: "extension: pooled connections per backend URI for --reuse objects (default 8)" },
    { long: "ns-cache", extension: true, dest: "nsCache", type: "float", help: "extension: seconds a name server lookup is cached (default 0: a lookup per request)" },
    ...TLS_FLAGS,
  ],
};

// Pyro5/utils/httpgateway.py main()'s ArgumentParser, option for option (same order), plus --max-body
export const httpgateway5Parser: ParserSpec = {
  prog: "pyro5 httpgateway",
  style: "argparse",
  description: "Pyro http gateway command line launcher.",
  options: [
    { short: "H", long: "host", default: "localhost", help: "hostname to bind server on (default=%default)" },
    { short: "c", long: "cors", default: "*", help: "Allow cross origin domain/url" },
    { short: "p", long: "port", type: "int", default: 8080, help: "port to bind server on (default=%default)" },
    { short: "e", long: "expose", default: "http\\.", help: "a regex of object names to expose (default=%default)" },
    { short: "g", long: "gatewaykey", help: "the api key to use to connect to the gateway itself" },
    { short: "t", long: "timeout", type: "float", default: null, help: "Pyro timeout value to use (COMMTIMEOUT setting, default=%default)" },
    { long: "max-body", extension: true, dest: "maxBody", type: "int", help: "extension: request body limit in bytes (default 16777216)" },
    { long: "reuse", extension: true, help: "extension: regex of object names whose backend connections are pooled and reused (default: none, a fresh connection per request)" },
    { long: "pool-size", extension: true, dest: "poolSize", type: "int", help: "extension: pooled connections per backend URI for --reuse objects (default 8)" },
    { long: "ns-cache", extension: true, dest: "nsCache", type: "float", help: "extension: seconds a name server lookup is cached (default 0: a lookup per request)" },
    ...TLS_FLAGS,
  ],
};

/**
 * Each protocol's gateway command line: Pyro4's is optparse (float defaults shown with str(), extra arguments
 * ignored), Pyro5's argparse (shown with %f, extra arguments refused).
 */
const VARIANTS: Record<PyroProfile["name"], { parser: ParserSpec; argparse: boolean }> = {
  Pyro4: { parser: httpgatewayParser, argparse: false },
  Pyro5: { parser: httpgateway5Parser, argparse: true },
};

export interface GatewayIo extends CommandIo {
  out?: (t: string) => void;
  err?: (t: string) => void;
  /** Called with the running gateway instead of waiting forever (tests). */
  started?: (g: HttpGateway) => void;
}

/** The gateway's `ssl` option from the TLS flags; none given: the protocol's config (PYRO_SSL) decides. */
function tlsOption(o: Record<string, unknown>): { ssl?: TlsSettings } {
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const settings: TlsSettings = {};
  const caCerts = str(o.sslCacerts);
  const clientCert = str(o.sslClientcert);
  const clientKey = str(o.sslClientkey);
  if (caCerts) settings.caCerts = caCerts;
  if (clientCert) settings.clientCert = clientCert;
  if (clientKey) settings.clientKey = clientKey;
  return o.ssl || caCerts || clientCert || clientKey ? { ssl: settings } : {};
}

/** The protocol's gateway command line, -t's default (COMMTIMEOUT) shown the way its Python tool shows it. */
export function gatewayParser(profile: PyroProfile): ParserSpec {
  const variant = VARIANTS[profile.name];
  const base = variant.parser;
  // -t's default is COMMTIMEOUT, read only now: a bad PYRO_COMMTIMEOUT must not break `-h`
  let commTimeout: number | null = null;
  try {
    commTimeout = profile.config.COMMTIMEOUT;
  } catch {
    /* reported below when the gateway starts */
  }
  // argparse shows the float default with "%f" (0.000000), optparse with str() (0.0)
  const shown = variant.argparse && commTimeout !== null ? commTimeout.toFixed(6) : commTimeout;
  return {
    ...base,
    options: base.options.map((opt) => (opt.long === "timeout" ? { ...opt, default: commTimeout, help: opt.help!.replace("%default", String(shown)) } : opt)),
  };
}

/** `pyro4 httpgateway` / `pyro5 httpgateway` (io.protocol 5): serves until SIGINT/SIGTERM, or io.started is called. */
export const httpgatewayMain = defineCommand<GatewayIo>({
  parser: gatewayParser,
  output: "text",
  // extra arguments: pyro4-httpgateway's optparse leaves them unused, Pyro5's argparse refuses them (the parser does)
  async run({ io, profile, options: o, out, err, fail, stopped }) {
    const config = profile.config;
    // Pyro5's gateway has no -k, no HMAC and reads no key from the environment; it prints no deprecation warning
    const hmac = profile.wire.hmac;
    const fixedCors = gatewayProtocol(profile).fixedCors;
    let pyrokey = (o.pyrokey as string | null) ?? null;
    let gatewaykey = (o.gatewaykey as string | null) ?? null;
    if (hmac && (pyrokey || gatewaykey)) {
      err("Warning: using -k and/or -g to supply keys on the command line is a security problem and is deprecated since Pyro 4.72. See the documentation for an alternative.");
    }
    if (hmac && process.env.PYRO_HMAC_KEY !== undefined) {
      if (pyrokey) fail("error: don't use -k and PYRO_HMAC_KEY at the same time");
      pyrokey = process.env.PYRO_HMAC_KEY;
    }
    if (hmac && process.env.PYRO_HTTPGATEWAY_KEY !== undefined) {
      if (gatewaykey) fail("error: don't use -g and PYRO_HTTPGATEWAY_KEY at the same time");
      gatewaykey = process.env.PYRO_HTTPGATEWAY_KEY;
    }
    let timeout = config.COMMTIMEOUT;
    if (o.timeout != null) {
      timeout = Number(o.timeout);
    }
    const expose = o.expose as string;
    let gateway: HttpGateway;
    try {
      gateway = new HttpGateway({
        protocol: profile.protocol,
        ...(fixedCors ? { cors: o.cors as string } : {}),
        host: o.host as string,
        port: o.port as number,
        expose,
        gatewayKey: gatewaykey,
        hmacKey: pyrokey,
        timeout,
        corsOrigins: !fixedCors && o.cors ? String(o.cors).split(",").map((s) => s.trim()).filter(Boolean) : [],
        ...(o.maxBody != null ? { maxBodyBytes: o.maxBody as number } : {}),
        ...(o.reuse != null ? { reuse: o.reuse as string } : {}),
        ...(o.poolSize != null ? { poolSize: o.poolSize as number } : {}),
        ...(o.nsCache != null ? { nsCacheSecs: Number(o.nsCache) } : {}),
        ...tlsOption(o),
      });
    } catch (e) {
      if (e instanceof PythonRegexError) fail(`error: invalid expose or reuse regex: ${e.message}`, 2);
      if (e instanceof PyroError) fail(`error: ${e.message}`, 2);
      throw e;
    }
    if (expose) out(`Exposing objects with names matching:  ${expose}`);
    else out("Warning: exposing all objects (no expose regex set)");
    try {
      out(`Connected to name server at:  PYRO:Pyro.NameServer@${await gateway.nameServerLocation()}`);
    } catch {
      out("Not yet connected to a name server.");
    }
    try {
      await gateway.listen();
    } catch (e) {
      await gateway.close();
      fail(`error: cannot listen on ${o.host}:${o.port}: ${(e as Error).message}`);
    }
    out(`Pyro HTTP gateway running on ${gateway.url}`);
    if (io.started) {
      io.started(gateway);
      return 0;
    }
    await stopped();
    await gateway.close();
    return 0;
  },
});
