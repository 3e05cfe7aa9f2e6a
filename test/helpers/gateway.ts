// Shared setup for the HTTP gateway tests: a Python name server, the Python backend fixture, a TypeScript
// backend (our Daemon) with the same kind of objects, Python's pyro4-httpgateway and ours, and a raw HTTP helper.
import { request as httpRequest } from "node:http";
import { Daemon, locateNS, PythonError, type NameServerClient } from "pyro4";
import { HttpGateway, type GatewayOptions } from "../../src/gateway/server.js";
import { startPython, type PythonServer } from "./python.js";

export interface PyNs {
  server: PythonServer;
  host: string;
  port: number;
}

export async function startPythonNs(hmacKey?: string): Promise<PyNs> {
  const server = await startPython(["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0"], /NS running on [^:]+:(\d+)/, {
    env: hmacKey ? { PYRO_HMAC_KEY: hmacKey } : {},
  });
  return { server, host: "127.0.0.1", port: Number(server.ready) };
}

export function startPythonBackend(ns: PyNs, prefix = "http."): Promise<PythonServer> {
  return startPython(["gateway_backend.py", ns.host, String(ns.port), prefix], /(READY)/);
}

/** Python's gateway on a free port; resolves with its /pyro/ URL. */
export async function startPythonGateway(ns: PyNs, args: string[] = [], env: Record<string, string> = {}): Promise<{ server: PythonServer; url: string }> {
  const server = await startPython(
    ["-W", "ignore", "-m", "Pyro4.utils.httpgateway", "-H", "127.0.0.1", "-p", "0", ...args],
    /running on (http:\S+)/,
    { env: { PYRO_NS_HOST: ns.host, PYRO_NS_PORT: String(ns.port), ...env } },
  );
  return { server, url: server.ready };
}

export async function startTsGateway(ns: PyNs, options: GatewayOptions = {}): Promise<HttpGateway> {
  const g = new HttpGateway({ host: "127.0.0.1", port: 0, nsHost: ns.host, nsPort: ns.port, ...options });
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

/** Our Daemon serving TsEcho/TsAttrs, registered as <prefix>echo / <prefix>attrs in the Python name server (Pyro5's with protocol 5). */
export async function startTsBackend(ns: PyNs, prefix = "http.ts.", hmacKey?: string, protocol?: 5): Promise<TsBackend> {
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
