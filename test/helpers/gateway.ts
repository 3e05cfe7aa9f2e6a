// Shared setup for the HTTP gateway tests, Pyro4 or Pyro5 (the name server's `protocol` decides for everything
// started in front of it): a Python name server, the Python backend fixture, a TypeScript backend (our Daemon) with
// the same kind of objects, Python's httpgateway and ours, and a raw HTTP helper.
import { request as httpRequest } from "node:http";
import { Daemon, locateNS, PythonError, type NameServerClient } from "pyro4";
import { HttpGateway, type GatewayOptions } from "../../src/gateway/server.js";
import { startPython, type PythonServer } from "./python.js";
import { PYRO5_ENV } from "./pyro5.js";
import { join } from "node:path";
import { REPO } from "./ns-process.js";
import { spawnReady } from "./ready-process.js";
import type { TestCerts } from "./certs.js";

/** A name server the gateways and backends are started in front of; `protocol` 5 means Pyro5 throughout. */
export interface NsAddress {
  host: string;
  port: number;
  protocol?: 4 | 5;
}

export interface PyNs extends NsAddress {
  server: PythonServer;
}

/** Environment for Python of the name server's Pyro version; INTEROP_PEER=5 is gateway_backend.py's Pyro5 switch. */
function pythonEnv(ns: { protocol?: 4 | 5 }): Record<string, string> {
  return ns.protocol === 5 ? { ...PYRO5_ENV, INTEROP_PEER: "5" } : {};
}

/** Python's name server (Pyro4's, or Pyro5's with protocol 5) on a free port; `env` adds PYRO_* settings (TLS). */
export async function startPythonNs(hmacKey?: string, protocol: 4 | 5 = 4, env: Record<string, string> = {}): Promise<PyNs> {
  const module = protocol === 5 ? "Pyro5.nameserver" : "Pyro4.naming";
  const server = await startPython(["-m", module, "-n", "127.0.0.1", "-p", "0"], /NS running on [^:]+:(\d+)/, {
    env: { ...pythonEnv({ protocol }), ...(hmacKey ? { PYRO_HMAC_KEY: hmacKey } : {}), ...env },
  });
  return { server, host: "127.0.0.1", port: Number(server.ready), protocol };
}

/** test/fixtures/gateway_backend.py registering its objects as <prefix>echo etc. in `ns`. */
export function startPythonBackend(ns: NsAddress, prefix = "http.", env: Record<string, string> = {}): Promise<PythonServer> {
  return startPython(["gateway_backend.py", ns.host, String(ns.port), prefix], /(READY)/, { env: { ...pythonEnv(ns), ...env } });
}

/** Python's gateway (Pyro4.utils.httpgateway, or Pyro5's) on a free port; resolves with its /pyro/ URL. */
export async function startPythonGateway(ns: NsAddress, args: string[] = [], env: Record<string, string> = {}): Promise<{ server: PythonServer; url: string }> {
  const module = ns.protocol === 5 ? "Pyro5.utils.httpgateway" : "Pyro4.utils.httpgateway";
  const server = await startPython(
    ["-W", "ignore", "-m", module, "-H", "127.0.0.1", "-p", "0", ...args],
    /running on (http:\S+)/,
    { env: { ...pythonEnv(ns), PYRO_NS_HOST: ns.host, PYRO_NS_PORT: String(ns.port), ...env } },
  );
  return { server, url: server.ready };
}

/**
 * The `pyro4` / `pyro5` bin's httpgateway (through tsx) on 127.0.0.1, in its own process group, until its "running
 * on" line. The child gets no PYRO_* variable of this process but those in `env` (Pyro5 refuses unknown ones).
 */
export async function startBinGateway(v: 4 | 5, args: string[], env: Record<string, string>): Promise<{ lines: string[]; url: string; stop(): Promise<void> }> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith("PYRO_")) delete base[k];
  const bin = join(REPO, v === 5 ? "src/cli/pyro5.ts" : "src/cli/main.ts");
  const r = await spawnReady(process.execPath, ["--import", "tsx", bin, "httpgateway", "-H", "127.0.0.1", "-p", "0", ...args], {
    ready: /running on (http:\S+)/, env: { ...base, ...env }, cwd: REPO, label: `pyro${v} httpgateway`, group: true, timeoutMs: 30_000, graceMs: 5000,
  });
  return { lines: r.output, url: r.match[1]!, stop: () => r.stop() };
}

/** Python's and our gateways' start-up lines (ports masked), to compare. */
export function startupLines(lines: string[]): string[] {
  return lines.filter((l) => /^(Exposing|Warning|Connected|Not yet|Pyro HTTP)/.test(l)).map((l) => l.replace(/:\d+\//, ":<port>/"));
}

/**
 * PYRO_SSL and the PYRO_SSL_* variables as a Python user sets them for TLS with the test certificates: servers
 * present server.pem, clients check it against the test CA and present client.pem; `requireClientCert`: 2-way TLS.
 */
export function pythonTlsEnv(c: TestCerts, requireClientCert: boolean): Record<string, string> {
  return {
    PYRO_SSL: "1",
    PYRO_SSL_SERVERCERT: c.serverCert,
    PYRO_SSL_SERVERKEY: c.serverKey,
    PYRO_SSL_CACERTS: c.caCert,
    PYRO_SSL_CLIENTCERT: c.clientCert,
    PYRO_SSL_CLIENTKEY: c.clientKey,
    ...(requireClientCert ? { PYRO_SSL_REQUIRECLIENTCERT: "1" } : {}),
  };
}

/**
 * Python's gateway with `env`: Pyro4's as it is; Pyro5's through test/fixtures/pyro5_gateway_bytes.py, which only
 * turns its reply bodies into bytes (unmodified, it answers every call over TLS with wsgiref's 500, tested below).
 */
export async function startPythonGatewayOverTls(ns: PyNs, args: string[], env: Record<string, string>): Promise<{ server: PythonServer; url: string }> {
  if (ns.protocol !== 5) return startPythonGateway(ns, args, env);
  const server = await startPython(["-W", "ignore", "pyro5_gateway_bytes.py", "-H", "127.0.0.1", "-p", "0", ...args], /running on (http:\S+)/, {
    env: { ...PYRO5_ENV, PYRO_NS_HOST: ns.host, PYRO_NS_PORT: String(ns.port), ...env },
  });
  return { server, url: server.ready };
}

/** Our gateway on a free port, speaking the name server's protocol. */
export async function startTsGateway(ns: NsAddress, options: GatewayOptions = {}): Promise<HttpGateway> {
  const g = new HttpGateway({ host: "127.0.0.1", port: 0, nsHost: ns.host, nsPort: ns.port, protocol: ns.protocol ?? 4, ...options });
  await g.listen();
  return g;
}

class TsEcho {
  echo(message: unknown) {
    return message;
  }
  error() {
    throw new PythonError("ValueError", "expected error from echoserver error() method");
  }
  oneway_echo(message: unknown) {
    void message;
    return "bogus return value";
  }
  add(a: unknown, b: unknown) {
    return typeof a === "number" && typeof b === "number" ? a + b : String(a) + String(b);
  }
  unicode_error() {
    throw new PythonError("ValueError", "\u2603 snow");
  }
  *count(n: unknown) {
    for (let i = 0; i < Number(n); i++) yield i;
  }
  *generator() {
    yield "one";
    yield "two";
    yield "three";
  }
  big(n: unknown) {
    return "x".repeat(Number(n));
  }
}

class TsAttrs {
  get value() {
    return 42;
  }
  get() {
    return 42;
  }
}

export interface TsBackend {
  daemon: Daemon;
  ns: NameServerClient;
  close(): Promise<void>;
}

/** Our Daemon serving TsEcho/TsAttrs, registered as <prefix>echo / <prefix>attrs in the name server (over protocol 5 for a Pyro5 one). */
export async function startTsBackend(ns: NsAddress, prefix = "http.ts.", hmacKey?: string): Promise<TsBackend> {
  const protocol = ns.protocol === 5 ? 5 : undefined;
  const daemon = new Daemon({ host: "127.0.0.1", port: 0, ...(hmacKey ? { hmacKey } : {}), ...(protocol ? { protocol } : {}) });
  await daemon.start();
  const echo = daemon.register(new TsEcho(), undefined, {
    expose: ["echo", "error", "oneway_echo", "add", "unicode_error", "count", "generator", "big"],
    oneway: ["oneway_echo"],
    params: { echo: ["message"], oneway_echo: ["message"], add: ["a", "b"], count: ["n"], big: ["n"] },
  });
  const attrs = daemon.register(new TsAttrs(), undefined, { expose: ["value", "get"] });
  const client = (await locateNS(ns.host, ns.port, protocol ? { protocol } : hmacKey ? { hmacKey } : {})) as NameServerClient;
  await client.register(prefix + "echo", echo);
  await client.register(prefix + "attrs", attrs);
  return {
    daemon,
    ns: client,
    async close() {
      await client.$release().catch(() => {});
      await daemon.close();
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** One HTTP request with a raw path (sent as is, so odd bytes and encodings reach the server unchanged). */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string, agent?: import("node:http").Agent | false): Promise<HttpResult> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: u.hostname, port: u.port, method, path, headers: body !== undefined ? { "Content-Length": String(Buffer.byteLength(body)), ...headers } : headers, agent: agent ?? false, insecureHTTPParser: true },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body: b, text: b.toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error(`request ${method} ${path} timed out`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
