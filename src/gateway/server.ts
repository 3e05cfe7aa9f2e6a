// `pyro4 httpgateway` / `pyro5 httpgateway`: a drop-in for Pyro4's pyro4-httpgateway (Pyro4/utils/httpgateway.py)
// or, with protocol 5, Pyro5's (Pyro5/utils/httpgateway.py), on node:http with keep-alive. Same URL scheme
// (/pyro/<name>/<method>), parameters, headers, status codes, content types and bodies; a fresh Pyro connection
// per request as in Python. What differs between the two Python gateways lives in protocol.ts. Where Python's
// WSGI app crashes (500 from wsgiref) or reaches its own local proxy (`_pyro*`, dunder names), we answer cleanly
// instead; see docs/httpgateway.md.
// Extensions: JSON request bodies, NDJSON streaming of remote generators, CORS allow-list, X-Pyro-Timeout.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { FLAGS_EXCEPTION, FLAGS_ITEMSTREAMRESULT, DAEMON_NAME, uuidToBytes } from "../protocol/message.js";
import { compilePythonRegex, pythonMatch } from "../python/regex.js";
import { VERSION } from "../version.js";
import { GatewayRequestError, PyException } from "./errors.js";
import { renderIndexPage, type IndexEntry } from "./index-page.js";
import { PyroLink } from "./link.js";
import { Backends, type PhaseHook, type Session } from "./backends.js";
import type { Message } from "../protocol/message.js";
import { NameServerAccess, targetFromState } from "./nameserver.js";
import { contentTypeKey, parseQs, pythonUuid, singlyfy, unquoteLatin1, type Params } from "./params.js";
import { parseRaw, pyDumps } from "./pyjson.js";
import { gatewayProtocol, pyro5CorsHeaders, type GatewayProtocol } from "./protocol.js";
import { PyroError } from "../errors.js";
import { profileFor } from "../profiles/index.js";

/** Options of the HTTP gateway (Pyro4's `pyro4-httpgateway`, Pyro5's `pyro5-httpgateway`). */
export interface GatewayOptions {
  /** 4 (default): Pyro4's gateway, protocol 48. 5: Pyro5's gateway, protocol 502 to name server and backends. */
  protocol?: 4 | 5;
  /**
   * Protocol 5 only: the Access-Control-Allow-Origin value Pyro5's gateway puts on every answer (its -c/--cors,
   * default "*").
   */
  cors?: string;
  host?: string;
  port?: number;
  /** Python regex of exposed object names (re.match); "" exposes everything. Default Python's `http\.`. */
  expose?: string;
  /** The gateway API key (X-Pyro-Gateway-Key header or $key parameter); empty/null = none. */
  gatewayKey?: string | null;
  /** HMAC key for Pyro connections (protocol 4 only: Pyro5 has no HMAC). */
  hmacKey?: string | null;
  /** Pyro COMMTIMEOUT in seconds, 0 = none (Python's default). */
  timeout?: number;
  /** Name server location (default: Pyro4's locateNS rules, PYRO_NS_HOST/PORT, broadcast). */
  nsHost?: string | null;
  nsPort?: number | null;
  /** Request body cap in bytes (default 16 MiB) — Python has none. */
  maxBodyBytes?: number;
  /** Distinct parameter names per request (default 1000). */
  maxParams?: number;
  /** Nesting depth of JSON bodies (default 32). */
  maxJsonDepth?: number;
  /** Protocol 4: origins allowed for CORS (extension, default none: no CORS headers, OPTIONS answers 405 as in Python). */
  corsOrigins?: string[];
  /** Largest X-Pyro-Timeout accepted, seconds (default 300). */
  maxCallTimeout?: number;
  /**
   * Extension, opt-in: object names (Python regex, re.match) whose backend connections are kept in a pool and
   * reused across HTTP requests instead of a fresh connection per request. A session-mode object behind a pooled
   * connection keeps its instance for as long as that connection lives, shared by whichever requests it serves:
   * list only objects that are single or percall, or whose session state the HTTP clients may share. null
   * (default): no reuse, Python's fresh connection per request.
   */
  reuse?: string | null;
  /** Pool bound: connections per backend URI (busy + idle) for `reuse` objects; more requests wait. Default 8. */
  poolSize?: number;
  /**
   * Extension, opt-in: seconds a name-server lookup answer is reused (0, default: a lookup per request as in
   * Python). A cached location that cannot be connected to is dropped and the request retried once with a fresh
   * lookup.
   */
  nsCacheSecs?: number;
}

/** Pipeline the call behind a fresh handshake when the URI's last metadata allows (see backends.ts). */
const PIPELINE = false;
const JSON_TYPE = "application/json; charset=utf-8";
const NDJSON_TYPE = "application/x-ndjson; charset=utf-8";
const CLIENT_PATH = "/pyro4-http.js";
/** Python's http.server reads request lines up to 64 KiB; headers come on top. */
export const MAX_HEADER_BYTES = 65536 + 16384;
const ALLOWED_HEADERS = "Content-Type, X-Pyro-Correlation-Id, X-Pyro-Gateway-Key, X-Pyro-Options, X-Pyro-Timeout";

interface Req {
  method: string;
  path: string; // after "pyro/"
  params: Params;
  /** Positional arguments: only from a JSON body's "$args" (extension). */
  vargs: unknown[];
  headers: IncomingMessage["headers"];
}

/**
 * The HTTP gateway: calls objects registered in the name server for HTTP clients, with JSON replies as Pyro's
 * gateway sends them.
 */
export class HttpGateway {
  readonly server: Server;
  private readonly exposeRe: RegExp | null;
  private readonly keyDigest: Buffer | null;
  private readonly hmacKey: Uint8Array | null;
  private readonly ns: NameServerAccess;
  private readonly o: Required<Omit<GatewayOptions, "nsHost" | "nsPort" | "gatewayKey" | "hmacKey" | "protocol" | "reuse">>;
  private readonly backends: Backends;
  /** Pyro4's gateway or Pyro5's: everything that differs between them. */
  readonly proto: GatewayProtocol;
  /** Pyro5's fixed CORS headers (null for Pyro4). */
  private readonly fixedCors: Record<string, string> | null;
  private clientSource: Promise<Buffer> | null = null;

  constructor(options: GatewayOptions = {}) {
    this.proto = gatewayProtocol(profileFor(options.protocol));
    if (!this.proto.hmac && options.hmacKey) {
      throw new PyroError("Pyro5 has no HMAC: hmacKey cannot be used with protocol 5 (use TLS)");
    }
    if (this.proto.fixedCors && options.corsOrigins?.length) {
      throw new PyroError("corsOrigins is for protocol 4: a Pyro5 gateway sends Pyro5's fixed CORS headers (option cors)");
    }
    this.fixedCors = this.proto.fixedCors ? pyro5CorsHeaders(options.cors ?? "*") : null;
    this.o = {
      host: options.host ?? "localhost",
      port: options.port ?? 8080,
      expose: options.expose ?? "http\\.",
      timeout: options.timeout ?? 0,
      maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
      maxParams: options.maxParams ?? 1000,
      maxJsonDepth: options.maxJsonDepth ?? 32,
      corsOrigins: options.corsOrigins ?? [],
      cors: options.cors ?? "*",
      maxCallTimeout: options.maxCallTimeout ?? 300,
      poolSize: options.poolSize ?? 8,
      nsCacheSecs: options.nsCacheSecs ?? 0,
    };
    if (!Number.isInteger(this.o.poolSize) || this.o.poolSize < 1) throw new PyroError(`poolSize must be an integer >= 1, not ${this.o.poolSize}`);
    if (!(this.o.nsCacheSecs >= 0)) throw new PyroError(`nsCacheSecs must be >= 0, not ${this.o.nsCacheSecs}`);
    this.exposeRe = this.o.expose ? compilePythonRegex(this.o.expose) : null;
    this.keyDigest = options.gatewayKey ? digest(Buffer.from(options.gatewayKey, "utf8")) : null;
    this.hmacKey = options.hmacKey ? Buffer.from(options.hmacKey, "utf8") : null;
    this.ns = new NameServerAccess({
      proto: this.proto,
      host: options.nsHost ?? null,
      port: options.nsPort ?? null,
      hmacKey: this.hmacKey,
      timeoutMs: this.o.timeout * 1000,
      maxMessageSize: 0,
    });
    this.backends = new Backends({
      proto: this.proto,
      hmacKey: this.hmacKey,
      reuse: options.reuse != null ? compilePythonRegex(options.reuse) : null,
      poolSize: this.o.poolSize,
      nsCacheMs: this.o.nsCacheSecs * 1000,
      lookup: async (name, corr) => targetFromState(await this.lookup(name, corr)),
    });
    this.server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((e) => this.internalError(res, e));
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

  // ------------------------------------------------------------------ HTTP layer

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    // wsgiref: PATH_INFO = unquote(path, 'iso-8859-1'); the app strips leading slashes
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? "" : url.slice(q + 1);
    const path = unquotePath(rawPath).replace(/^\/+/, "");
    this.cors(req, res);
    if (!path) return this.send(res, 302, { Location: "/pyro/" }, "");
    if (path === CLIENT_PATH.slice(1) && (req.method === "GET" || req.method === "HEAD")) return this.serveClient(res);
    // Pyro5's app puts its CORS headers on every answer from here on (not on the redirect above)
    if (this.fixedCors) for (const [k, v] of Object.entries(this.fixedCors)) res.setHeader(k, v);
    if (!path.startsWith("pyro/")) return this.text(res, 404, "Error 404: Not Found");
    const method = req.method ?? "GET";
    if (method === "OPTIONS" && this.fixedCors) {
      req.resume();
      return this.text(res, 200, "200 OK");
    }
    if (method === "OPTIONS" && res.hasHeader("Access-Control-Allow-Origin")) {
      res.setHeader("Access-Control-Allow-Methods", "GET, POST");
      res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
      res.setHeader("Access-Control-Max-Age", "600");
      return this.send(res, 204, {}, "");
    }
    if (method !== "GET" && method !== "POST") {
      req.resume();
      return this.text(res, 405, "Error 405: Method Not Allowed");
    }
    let params: Params;
    const vargs: unknown[] = [];
    try {
      params = await this.readParams(req, method, query, vargs);
    } catch (e) {
      if (e instanceof GatewayRequestError) {
        if (e.status === 413) res.setHeader("Connection", "close");
        return this.text(res, e.status, `Error ${e.status}: ${e.message}`);
      }
      throw e;
    }
    await this.processPyroRequest({ method, path: path.slice(5), params, vargs, headers: req.headers }, res);
  }

  private cors(req: IncomingMessage, res: ServerResponse): void {
    if (this.fixedCors) return;
    const origin = req.headers.origin;
    if (!origin || !this.o.corsOrigins.length) return;
    if (this.o.corsOrigins.includes(origin) || this.o.corsOrigins.includes("*")) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Expose-Headers", "X-Pyro-Correlation-Id");
      res.setHeader("Vary", "Origin");
    }
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > this.o.maxBodyBytes) {
      req.resume();
      throw new GatewayRequestError(413, `Request Entity Too Large (max ${this.o.maxBodyBytes} bytes)`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > this.o.maxBodyBytes) {
        req.resume();
        throw new GatewayRequestError(413, `Request Entity Too Large (max ${this.o.maxBodyBytes} bytes)`);
      }
      chunks.push(c);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** cgi.parse (Pyro4) or parse_qs of the query (Pyro5) + singlyfy_parameters, plus our JSON-body extension. */
  private async readParams(req: IncomingMessage, method: string, query: string, vargs: unknown[]): Promise<Params> {
    const lists = new Map<string, string[]>();
    const enc = this.proto.queryEncoding;
    if (method !== "POST") {
      parseQs(query, lists, this.o.maxParams, enc);
      return singlyfy(lists);
    }
    const ctype = contentTypeKey(req.headers["content-type"]);
    const jsonOptIn = headerText(req.headers["x-pyro-options"]).split(",").includes("json") && ctype.toLowerCase() === "application/json";
    if (!this.proto.formBody && !jsonOptIn) {
      // Pyro5 reads the query string only: the body is not even read, so it is discarded, not buffered
      req.resume();
      parseQs(query, lists, this.o.maxParams, enc);
      return singlyfy(lists);
    }
    const body = await this.readBody(req);
    if (this.proto.formBody && ctype === "application/x-www-form-urlencoded") {
      parseQs(body.toString("latin1"), lists, this.o.maxParams); // cgi reads the body as latin-1, body first
      parseQs(query, lists, this.o.maxParams);
      return singlyfy(lists);
    }
    if (ctype === "multipart/form-data") throw new GatewayRequestError(415, "Unsupported Media Type (multipart/form-data)");
    parseQs(query, lists, this.o.maxParams, enc);
    const params = singlyfy(lists);
    // Extension, opt-in (X-Pyro-Options: json) so that a body Python ignores is ignored here too unless asked for.
    if (jsonOptIn && body.length) {
      const text = body.toString("utf8");
      checkDepth(text, this.o.maxJsonDepth);
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        throw new GatewayRequestError(400, "Bad Request (invalid JSON body)");
      }
      if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new GatewayRequestError(400, "Bad Request (JSON body must be an object of keyword arguments)");
      const entries = Object.entries(obj as Record<string, unknown>);
      if (entries.length + params.size > this.o.maxParams) throw new GatewayRequestError(400, `too many parameters (max ${this.o.maxParams})`);
      for (const [k, v] of entries) {
        if (k === "$args") {
          if (!Array.isArray(v)) throw new GatewayRequestError(400, "Bad Request ($args must be an array)");
          vargs.push(...(v as unknown[]));
          continue;
        }
        if (params.has(k)) throw new GatewayRequestError(400, `Bad Request (parameter '${k}' given twice)`);
        params.set(k, v as string);
      }
    }
    return params;
  }

  // ------------------------------------------------------------------ Pyro layer (process_pyro_request)

  private async processPyroRequest(r: Req, res: ServerResponse): Promise<void> {
    const pyroOptions = headerText(r.headers["x-pyro-options"]).split(",");
    if (!r.path) return this.homepage(res);
    const m = /^([^\n]+)\/([^\n]+)/.exec(r.path); // re.match(r"(.+)/(.+)"): greedy, '.' stops at \n
    if (!m) return this.text(res, 404, "Error 404: Not Found");
    const objectName = m[1]!;
    const method = m[2]!;
    if (this.keyDigest) {
      const given = headerText(r.headers["x-pyro-gateway-key"]) || r.params.get("$key") || "";
      // a header arrives as latin-1 text and Python encodes it as UTF-8, as it does the $key parameter
      const ok = typeof given === "string" && timingSafeEqual(digest(Buffer.from(given, "utf8")), this.keyDigest);
      if (!ok) return this.text(res, 403, "403 Forbidden - incorrect gateway api key");
      r.params.delete("$key");
    }
    if (this.exposeRe && !pythonMatch(this.exposeRe, objectName)) {
      return this.text(res, 403, "403 Forbidden - access to the requested object has been denied");
    }
    let session: Session | null = null;
    const hook = this.backends.phaseHook;
    try {
      const headerCorr = headerText(r.headers["x-pyro-correlation-id"]);
      const corrId = headerCorr ? pythonUuid(headerCorr) : randomUUID();
      const corr = uuidToBytes(corrId);
      const callTimeout = this.callTimeoutMs(r.headers["x-pyro-timeout"]);
      const kwargs = Object.fromEntries(r.params);
      // the call that may be pipelined behind a fresh handshake (never a oneway one, never $meta)
      // Off: a pipelined call reaches a daemon in the same read as the handshake, which changes what our own
      // daemon's remote tracebacks show (JS stack frames), and the differential tests require identical answers.
      const early = PIPELINE && method !== "$meta" && !pyroOptions.includes("oneway") ? { method, vargs: r.vargs, kwargs } : null;
      session = await this.backends.open(objectName, corr, callTimeout, early);
      const { link, meta, target } = session;
      const t0 = hook ? performance.now() : 0;
      const oneway = new Set(meta.oneway);
      if (pyroOptions.includes("oneway")) oneway.add(method);
      const okHeaders = { "Content-Type": JSON_TYPE, "X-Pyro-Correlation-Id": corrId };
      if (method === "$meta") {
        return this.send(res, 200, okHeaders, `{"methods": ${pyDumps(meta.methods)}, "attributes": ${pyDumps(meta.attrs)}}`);
      }
      let reply: Message | null | undefined;
      if (session.early) {
        if (meta.methods.includes(method) && !meta.attrs.includes(method)) {
          reply = await session.early;
          if (oneway.has(method)) reply = null; // now a oneway method: Python's proxy would not have waited for a result
        } else {
          await session.early.catch(() => {}); // a call the fresh metadata rules out: its answer is dropped
        }
      }
      if (reply !== undefined) {
        /* answered by the pipelined call */
      } else if (meta.attrs.includes(method)) {
        if (r.params.size || r.vargs.length) throw new PyException("builtins.AssertionError", ["attribute lookup can't have query parameters"]);
        reply = await link.invoke(target.object, "__getattr__", [method], {});
      } else if (meta.methods.includes(method)) {
        reply = await link.invoke(target.object, method, r.vargs, kwargs, oneway.has(method));
      } else {
        // Python's proxy raises this for unknown names; for names its proxy has locally (_pyro*, dunders) it
        // called its own proxy instead (a leak): we treat every name outside the metadata the same way.
        throw new PyException("builtins.AttributeError", [`remote object '${target.text}' has no exposed attribute or method '${method}'`]);
      }
      if (hook) hook("call", performance.now() - t0);
      if (reply === null || pyroOptions.includes("oneway")) return this.send(res, 200, okHeaders, "");
      if (reply.flags & FLAGS_ITEMSTREAMRESULT && pyroOptions.includes("stream")) {
        const streamId = reply.annotations?.get("STRM")?.toString("latin1");
        if (streamId) {
          const s = session;
          session = null; // the stream owns the connection now
          return await this.stream(link, streamId, okHeaders, res, () => s.done(false));
        }
      }
      if (reply.flags & FLAGS_EXCEPTION) return this.send(res, 500, { "Content-Type": JSON_TYPE }, reply.data);
      return this.send(res, 200, okHeaders, reply.data);
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      return this.send(res, 500, { "Content-Type": JSON_TYPE }, e.toJson());
    } finally {
      session?.done(true);
    }
  }

  private callTimeoutMs(header: string | string[] | undefined): number {
    const t = headerText(header);
    if (!t) return this.o.timeout * 1000;
    const s = Number(t);
    if (!Number.isFinite(s) || s <= 0 || s > this.o.maxCallTimeout) {
      throw new PyException("builtins.ValueError", [`invalid X-Pyro-Timeout '${t}' (seconds, 0 < t <= ${this.o.maxCallTimeout})`]);
    }
    return s * 1000;
  }

  private async lookup(name: string, corr: Buffer): Promise<unknown[]> {
    const text = await this.ns.call("lookup", [name], {}, corr);
    const uri = JSON.parse(text) as { state?: unknown[] };
    if (!uri || !Array.isArray(uri.state)) throw new PyException(this.proto.errors + "NamingError", ["name server answered a lookup with something that is not a URI"]);
    return uri.state;
  }

  /** Extension: a remote generator streamed as NDJSON lines `[0, item]`, ending with `[1, exception]` on error. */
  private async stream(link: PyroLink, streamId: string, headers: Record<string, string>, res: ServerResponse, finish: () => void): Promise<void> {
    res.writeHead(200, { ...headers, "Content-Type": NDJSON_TYPE, "X-Pyro-Stream": "ndjson" });
    let closed = false;
    const onClose = () => (closed = true);
    res.on("close", onClose);
    try {
      while (!closed) {
        const reply = (await link.invoke(DAEMON_NAME, "get_next_stream_item", [streamId], {}))!;
        const text = reply.data.toString("utf8");
        if (reply.flags & FLAGS_EXCEPTION) {
          const exc = parseRaw(text);
          const cls = exc instanceof Map ? exc.get("__class__") : null;
          if (cls !== "builtins.StopIteration") res.write(`[1, ${text}]\n`);
          break;
        }
        if (!res.write(`[0, ${text}]\n`)) await new Promise((r) => res.once("drain", r).once("close", r));
      }
      if (closed) await link.invoke(DAEMON_NAME, "close_stream", [streamId], {}).catch(() => {});
    } catch (e) {
      if (!closed) res.write(`[1, ${e instanceof PyException ? e.toJson() : pyDumps({ __class__: "builtins.Exception", __exception__: true, args: [String(e)], attributes: {} })}]\n`);
    } finally {
      res.off("close", onClose);
      finish();
      if (!closed) res.end();
    }
  }

  // ------------------------------------------------------------------ pages and responses

  private async homepage(res: ServerResponse): Promise<void> {
    let nsLocation: string;
    let names: string[];
    try {
      nsLocation = await this.ns.location();
      const listed = JSON.parse(await this.ns.call("list", [], this.o.expose ? { regex: this.o.expose } : {}, null)) as Record<string, string>;
      names = Object.keys(listed).slice(0, 10).sort(compareCodePoints);
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      return this.text(res, 500, "Cannot connect to the Pyro name server. Is it running? Refresh page to retry.");
    }
    const entries: IndexEntry[] = [];
    for (const name of names) {
      try {
        const target = targetFromState(await this.lookup(name, uuidToBytes(randomUUID())));
        const { link, meta } = await PyroLink.open(target, target.object, {
          proto: this.proto,
          hmacKey: this.hmacKey, timeoutMs: this.o.timeout * 1000, correlation: null, maxMessageSize: 0,
        });
        link.close();
        entries.push({ name, methods: meta.methods, attrs: meta.attrs });
      } catch (e) {
        entries.push({ name, methods: null, attrs: [], error: e instanceof Error ? e.message : String(e) });
      }
    }
    const html = renderIndexPage({ entries, regex: this.o.expose, nsLocation, version: this.proto.indexVersion(VERSION), clientUrl: CLIENT_PATH, demoBody: this.proto.formBody ? "form" : "json" });
    return this.send(res, 200, { "Content-Type": "text/html" }, html);
  }

  private async serveClient(res: ServerResponse): Promise<void> {
    this.clientSource ??= loadClientModule();
    try {
      const src = await this.clientSource;
      this.send(res, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }, src);
    } catch {
      this.clientSource = null;
      this.text(res, 404, "Error 404: Not Found (the browser client is not built: run npm run build)");
    }
  }

  private text(res: ServerResponse, status: number, body: string): void {
    this.send(res, status, { "Content-Type": "text/plain" }, body);
  }

  private send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
    if (res.headersSent) return void res.end();
    const b = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    res.writeHead(status, { ...headers, "Content-Length": String(b.length) });
    res.end(b);
  }

  private internalError(res: ServerResponse, e: unknown): void {
    const x = new PyException("builtins.Exception", [e instanceof Error ? e.message : String(e)]);
    if (res.headersSent) return void res.destroy();
    this.send(res, 500, { "Content-Type": JSON_TYPE }, x.toJson());
  }
}

function digest(b: Buffer): Buffer {
  return createHash("sha256").update(b).digest();
}

function headerText(h: string | string[] | undefined): string {
  return Array.isArray(h) ? h.join(",") : (h ?? "");
}

function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}

/** Node hands the request target over as latin-1 text; unquote %XX as wsgiref does (latin-1). */
function unquotePath(p: string): string {
  return unquoteLatin1(p);
}
/** Refuse JSON nested deeper than `max` before parsing it (brackets outside strings). */
function checkDepth(text: string, max: number): void {
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inStr = false;
    } else if (c === 0x22) inStr = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new GatewayRequestError(400, `Bad Request (JSON nested deeper than ${max})`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** The browser client module (dist/http/client.js), from the built package or next to the sources. */
async function loadClientModule(): Promise<Buffer> {
  const candidates = [new URL("../http/client.js", import.meta.url), new URL("../../dist/http/client.js", import.meta.url)];
  for (const c of candidates) {
    try {
      return await readFile(fileURLToPath(c));
    } catch {
      /* next */
    }
  }
  throw new PyroError("browser client not found (the package is incomplete: reinstall pyro4)");
}
