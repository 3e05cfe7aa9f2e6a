// `pyro4 httpgateway` / `pyro5 httpgateway`: a drop-in for Pyro4's pyro4-httpgateway (Pyro4/utils/httpgateway.py)
// or, with protocol 5, Pyro5's (Pyro5/utils/httpgateway.py), on node:http with keep-alive. Same URL scheme
// (/pyro/<name>/<method>), parameters, headers, status codes, content types and bodies; a fresh Pyro connection
// per request as in Python. What differs between the two Python gateways lives in protocol.ts. Where Python's
// WSGI app crashes (500 from wsgiref) or reaches its own local proxy (`_pyro*`, dunder names), we answer cleanly
// instead; see docs/httpgateway.md.
// This module wires the parts together and routes a request: the path, CORS (cors.ts), the parameters
// (read-params.ts), who may reach what (gateway key, expose regex), then the index page (homepage.ts), the
// browser client (client-module.ts) or the call (call.ts).
// Extensions: JSON request bodies, NDJSON streaming of remote generators, CORS allow-list, X-Pyro-Timeout.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHash, timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { compilePythonRegex, pythonMatch } from "../python/regex.js";
import { profileFor } from "../profiles/index.js";
import { GatewayRequestError } from "./errors.js";
import { Backends, type PhaseHook } from "./backends.js";
import { NameServerAccess } from "./nameserver.js";
import { unquoteLatin1 } from "./params.js";
import { gatewayProtocol, type GatewayProtocol } from "./protocol.js";
import { gatewayLimits, resolveOptions, type GatewayOptions, type ResolvedOptions } from "./options.js";
import { Cors } from "./cors.js";
import { readParams, type CallParams } from "./read-params.js";
import { callObject, type CallContext } from "./call.js";
import { homepage, type HomepageSource } from "./homepage.js";
import { ClientModule, CLIENT_PATH } from "./client-module.js";
import { gatewayTls } from "./tls.js";
import { headerText, internalError, send, text } from "./respond.js";

export type { GatewayOptions } from "./options.js";

/** Python's http.server reads request lines up to 64 KiB; headers come on top. */
export const MAX_HEADER_BYTES = 65536 + 16384;

/**
 * The HTTP gateway: calls objects registered in the name server for HTTP clients, with JSON replies as Pyro's
 * gateway sends them.
 */
export class HttpGateway {
  readonly server: Server;
  private readonly exposeRe: RegExp | null;
  private readonly keyDigest: Buffer | null;
  private readonly ns: NameServerAccess;
  private readonly o: ResolvedOptions;
  private readonly backends: Backends;
  /** Pyro4's gateway or Pyro5's: everything that differs between them. */
  readonly proto: GatewayProtocol;
  private readonly cors: Cors;
  private readonly callContext: CallContext;
  private readonly homepageSource: HomepageSource;
  private readonly client = new ClientModule();

  constructor(options: GatewayOptions = {}) {
    this.proto = gatewayProtocol(profileFor(options.protocol));
    this.o = resolveOptions(options, this.proto);
    this.cors = new Cors(this.proto, this.o.cors, this.o.corsOrigins);
    this.exposeRe = this.o.expose ? compilePythonRegex(this.o.expose) : null;
    this.keyDigest = options.gatewayKey ? digest(Buffer.from(options.gatewayKey, "utf8")) : null;
    const hmacKey = options.hmacKey ? Buffer.from(options.hmacKey, "utf8") : null;
    const tls = gatewayTls(options.ssl, this.proto.profile);
    const limits = gatewayLimits(options, this.proto);
    this.ns = new NameServerAccess({
      proto: this.proto,
      host: options.nsHost ?? null,
      port: options.nsPort ?? null,
      hmacKey,
      tls,
      timeoutMs: this.o.timeout * 1000,
      limits,
    });
    this.backends = new Backends({
      proto: this.proto,
      hmacKey,
      tls,
      reuse: options.reuse != null ? compilePythonRegex(options.reuse) : null,
      poolSize: this.o.poolSize,
      limits,
      nsCacheMs: this.o.nsCacheSecs * 1000,
      lookup: (name, corr) => this.ns.lookup(name, corr),
    });
    this.callContext = { backends: this.backends, timeout: this.o.timeout, maxCallTimeout: this.o.maxCallTimeout };
    this.homepageSource = {
      ns: this.ns,
      expose: this.o.expose,
      link: { proto: this.proto, hmacKey, tls, timeoutMs: this.o.timeout * 1000, correlation: null, limits },
      clientUrl: CLIENT_PATH,
    };
    this.server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((e) => internalError(res, e));
    });
    this.server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
  }

  /** Listen; resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** "host:port" of the name server (locates it). */
  nameServerLocation(): Promise<string> {
    return this.ns.location();
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}/pyro/`;
  }

  /** Per-phase timings (bench/profile/gateway-phases.ts); null to stop. */
  set phaseHook(h: PhaseHook | null) {
    this.backends.phaseHook = h;
  }

  /** Connections per backend URI of the `reuse` pools (open = busy + idle). */
  poolStats(): Record<string, { open: number; idle: number; waiting: number }> {
    return this.backends.poolStats();
  }

  async close(): Promise<void> {
    this.backends.close();
    this.ns.close();
    await new Promise<void>((res) => {
      this.server.close(() => res());
      this.server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------ routing

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    // wsgiref: PATH_INFO = unquote(path, 'iso-8859-1'); the app strips leading slashes
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? "" : url.slice(q + 1);
    const path = unquoteLatin1(rawPath).replace(/^\/+/, "");
    this.cors.onRequest(req, res);
    if (!path) return send(res, 302, { Location: "/pyro/" }, "");
    if (path === CLIENT_PATH.slice(1) && (req.method === "GET" || req.method === "HEAD")) return this.client.serve(res);
    // Pyro5's app puts its CORS headers on every answer from here on (not on the redirect above)
    this.cors.onApp(res);
    if (!path.startsWith("pyro/")) return text(res, 404, "Error 404: Not Found");
    const method = req.method ?? "GET";
    if (method === "OPTIONS" && this.cors.preflight(req, res)) return;
    if (method !== "GET" && method !== "POST") {
      req.resume();
      return text(res, 405, "Error 405: Method Not Allowed");
    }
    let call: CallParams;
    try {
      call = await readParams(req, method, query, this.proto, this.o);
    } catch (e) {
      if (e instanceof GatewayRequestError) {
        if (e.status === 413) res.setHeader("Connection", "close");
        return text(res, e.status, `Error ${e.status}: ${e.message}`);
      }
      throw e;
    }
    await this.processPyroRequest(path.slice(5), call, req.headers, res);
  }

  /** process_pyro_request up to the call: the index page, the object and method, the key and the expose regex. */
  private async processPyroRequest(path: string, { params, vargs }: CallParams, headers: IncomingMessage["headers"], res: ServerResponse): Promise<void> {
    const pyroOptions = headerText(headers["x-pyro-options"]).split(",");
    if (!path) return homepage(this.homepageSource, res);
    const m = /^([^\n]+)\/([^\n]+)/.exec(path); // re.match(r"(.+)/(.+)"): greedy, '.' stops at \n
    if (!m) return text(res, 404, "Error 404: Not Found");
    const objectName = m[1]!;
    const method = m[2]!;
    if (this.keyDigest) {
      const given = headerText(headers["x-pyro-gateway-key"]) || params.get("$key") || "";
      // a header arrives as latin-1 text and Python encodes it as UTF-8, as it does the $key parameter
      const ok = typeof given === "string" && timingSafeEqual(digest(Buffer.from(given, "utf8")), this.keyDigest);
      if (!ok) return text(res, 403, "403 Forbidden - incorrect gateway api key");
      params.delete("$key");
    }
    if (this.exposeRe && !pythonMatch(this.exposeRe, objectName)) {
      return text(res, 403, "403 Forbidden - access to the requested object has been denied");
    }
    return callObject(this.callContext, { objectName, method, params, vargs, headers, pyroOptions }, res);
  }
}

function digest(b: Buffer): Buffer {
  return createHash("sha256").update(b).digest();
}
