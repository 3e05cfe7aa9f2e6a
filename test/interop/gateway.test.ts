// Our HTTP gateway beyond the differential table: where Python's gateway crashes or leaks we answer cleanly
// (each difference checked here against Python's own answer), the security limits, the extensions (JSON bodies,
// NDJSON streams, CORS, X-Pyro-Timeout), the index page, the CLI, and the browser client module running in Node
// through the global fetch, against a Python daemon and our Daemon, through our gateway and Python's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { readFileSync } from "node:fs";
import { config } from "../../src/config.js";
import { httpProxy, kwargs, PyroHttpError } from "../../src/http/client.js"; // src, not dist: counted by coverage, never stale
import type { HttpGateway } from "../../src/gateway/server.js";
import { httpgatewayMain } from "../../src/cli/httpgateway.js";
import type { PythonServer } from "../helpers/python.js";
import {
  rawRequest, startPythonBackend, startPythonGateway, startPythonNs, startTsBackend, startTsGateway,
  type PyNs, type TsBackend,
} from "../helpers/gateway.js";

let ns: PyNs;
let pyBackend: PythonServer;
let tsBackend: TsBackend;
let pyGw: { server: PythonServer; url: string };
let pyKeyed: { server: PythonServer; url: string };
let gw: HttpGateway;
let keyed: HttpGateway;
let limited: HttpGateway;
let cors: HttpGateway;

before(async () => {
  ns = await startPythonNs();
  pyBackend = await startPythonBackend(ns);
  tsBackend = await startTsBackend(ns);
  [pyGw, pyKeyed] = await Promise.all([startPythonGateway(ns), startPythonGateway(ns, [], { PYRO_HTTPGATEWAY_KEY: "k" })]);
  gw = await startTsGateway(ns);
  keyed = await startTsGateway(ns, { gatewayKey: "k" });
  limited = await startTsGateway(ns, { maxBodyBytes: 1000, maxParams: 5, maxJsonDepth: 4 });
  cors = await startTsGateway(ns, { corsOrigins: ["http://allowed.example"] });
});

after(async () => {
  for (const g of [gw, keyed, limited, cors]) await g?.close();
  await pyGw?.server.stop();
  await pyKeyed?.server.stop();
  await tsBackend?.close();
  await pyBackend?.stop();
  await ns?.server.stop();
});

interface Echo {
  echo(message: unknown): unknown;
  add(a: number, b: number): number;
  error(): never;
  slow(): string;
  count(n: number): Iterable<number>;
  generator(): Iterable<string>;
  typed(value: unknown): [string, unknown];
}

// ------------------------------------------------------------------ deliberate differences, each shown against Python

test("names the local proxy has (_pyro*, dunders) are unknown names, not calls on the gateway's own proxy", async () => {
  for (const m of ["_pyroBind", "_pyroRelease", "__class__", "__init__"]) {
    const py = await rawRequest(pyGw.url, "GET", `/pyro/http.echo/${m}`);
    const ours = await rawRequest(gw.url, "GET", `/pyro/http.echo/${m}`);
    assert.equal(ours.status, 500);
    const body = JSON.parse(ours.text);
    assert.equal(body.__class__, "builtins.AttributeError");
    assert.match(body.args[0], new RegExp(`has no exposed attribute or method '${m}'`));
    // Python reached its local proxy instead (_pyroRelease even answers 200 after releasing it)
    assert.ok(py.status === 200 || !/has no exposed attribute/.test(JSON.parse(py.text).args[0]), py.text);
  }
});

test("multipart/form-data: 415 instead of Python's WSGI crash (500 text)", async () => {
  const body = "--XX\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n--XX--\r\n";
  const h = { "Content-Type": "multipart/form-data; boundary=XX" };
  const py = await rawRequest(pyGw.url, "POST", "/pyro/http.echo/echo", h, body);
  const ours = await rawRequest(gw.url, "POST", "/pyro/http.echo/echo", h, body);
  assert.equal(py.status, 500);
  assert.match(py.text, /A server error occurred/);
  assert.equal(ours.status, 415);
});

test("a repeated $key parameter: 403 instead of Python's WSGI crash", async () => {
  const path = "/pyro/http.echo/echo?message=x&%24key=k&%24key=k";
  const py = await rawRequest(pyKeyed.url, "GET", path);
  const ours = await rawRequest(keyed.url, "GET", path);
  assert.equal(py.status, 500);
  assert.match(py.text, /A server error occurred/);
  assert.equal(ours.status, 403);
  assert.equal(ours.text, "403 Forbidden - incorrect gateway api key");
});

test("a chunked POST form is read (Python's wsgiref needs Content-Length and crashes)", async () => {
  const send = (base: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const u = new URL(base);
      const req = httpRequest({ host: u.hostname, port: u.port, method: "POST", path: "/pyro/http.echo/echo", agent: false,
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked" } }, (res) => {
        let t = "";
        res.setEncoding("utf8").on("data", (d) => (t += d)).on("end", () => resolve({ status: res.statusCode!, text: t }));
      });
      req.on("error", reject);
      req.write("message=chu");
      req.end("nked");
    });
  const py = await send(pyGw.url);
  const ours = await send(gw.url);
  assert.equal(py.status, 500);
  assert.deepEqual(ours, { status: 200, text: '"chunked"' });
});

test("URLs up to Python's 64 KiB request line are served (Node's default header limit is 16 KiB)", async () => {
  const msg = "z".repeat(60_000);
  const ours = await rawRequest(gw.url, "GET", `/pyro/http.echo/echo?message=${msg}`);
  const py = await rawRequest(pyGw.url, "GET", `/pyro/http.echo/echo?message=${msg}`);
  assert.equal(ours.status, 200);
  assert.equal(ours.text, py.text);
  const tooLong = await rawRequest(gw.url, "GET", `/pyro/http.echo/echo?message=${"z".repeat(100_000)}`);
  assert.equal(tooLong.status, 431);
});

test("index page escapes names from the name server (Python's inserts them as HTML)", async () => {
  const evil = "http.<img src=x onerror=alert(1)>";
  await tsBackend.ns.register(evil, "PYRO:nothing@127.0.0.1:1");
  try {
    const py = await rawRequest(pyGw.url, "GET", "/pyro/");
    const ours = await rawRequest(gw.url, "GET", "/pyro/");
    assert.ok(py.text.includes("<img src=x onerror=alert(1)>"));
    assert.equal(ours.status, 200);
    assert.ok(!ours.text.includes("<img src=x"));
    assert.ok(ours.text.includes("http.&#60;img src=x onerror=alert(1)&#62;"));
  } finally {
    await tsBackend.ns.remove(evil);
  }
});

// ------------------------------------------------------------------ security

test("gateway key: wrong, missing, right (header and $key); $key is not passed on", async () => {
  assert.equal((await rawRequest(keyed.url, "GET", "/pyro/http.echo/echo?message=x")).status, 403);
  assert.equal((await rawRequest(keyed.url, "GET", "/pyro/http.echo/echo?message=x", { "X-Pyro-Gateway-Key": "kk" })).status, 403);
  assert.equal((await rawRequest(keyed.url, "GET", "/pyro/http.echo/echo?message=x", { "X-Pyro-Gateway-Key": "" })).status, 403);
  const ok = await rawRequest(keyed.url, "GET", "/pyro/http.echo/kw?a=1&%24key=k");
  assert.equal(ok.status, 200);
  assert.equal(ok.text, '[["a", "1"]]');
  assert.equal((await rawRequest(keyed.url, "GET", "/pyro/http.echo/echo?message=x", { "X-Pyro-Gateway-Key": "k" })).text, '"x"');
  const src = readFileSync(new URL("../../src/gateway/server.ts", import.meta.url), "utf8");
  assert.match(src, /timingSafeEqual\(digest\(/);
});

test("nothing outside the expose pattern is reachable: calls, $meta, attributes, streams, the index page", async () => {
  for (const p of ["/pyro/hidden.secret/secret", "/pyro/hidden.secret/$meta", "/pyro/Pyro.NameServer/list", "/pyro/hidden.secret/x?a=1"]) {
    const r = await rawRequest(gw.url, "GET", p);
    assert.equal(r.status, 403, p);
    assert.equal(r.text, "403 Forbidden - access to the requested object has been denied");
  }
  const s = await rawRequest(gw.url, "POST", "/pyro/hidden.secret/secret", { "Content-Type": "application/json", "X-Pyro-Options": "json,stream" }, "{}");
  assert.equal(s.status, 403);
  const index = await rawRequest(gw.url, "GET", "/pyro/");
  assert.equal(index.status, 200);
  assert.match(index.text, /http\.echo/);
  assert.match(index.text, /http\.ts\.echo/);
  assert.doesNotMatch(index.text, /hidden\.secret/);
});

test("limits: body size (413), parameter count and JSON nesting (400); the gateway keeps serving", async () => {
  const big = await rawRequest(limited.url, "POST", "/pyro/http.echo/echo", { "Content-Type": "application/x-www-form-urlencoded" }, "message=" + "a".repeat(2000));
  assert.equal(big.status, 413);
  const many = await rawRequest(limited.url, "GET", "/pyro/http.echo/kw?a=1&b=2&c=3&d=4&e=5&f=6");
  assert.equal(many.status, 400);
  assert.match(many.text, /too many parameters/);
  const deep = await rawRequest(limited.url, "POST", "/pyro/http.echo/echo", { "Content-Type": "application/json", "X-Pyro-Options": "json" }, '{"message": [[[[[1]]]]]}');
  assert.equal(deep.status, 400);
  assert.match(deep.text, /nested deeper/);
  const bad = await rawRequest(limited.url, "POST", "/pyro/http.echo/echo", { "Content-Type": "application/json", "X-Pyro-Options": "json" }, "{nope");
  assert.equal(bad.status, 400);
  assert.equal((await rawRequest(limited.url, "GET", "/pyro/http.echo/echo?message=still")).text, '"still"');
});

// ------------------------------------------------------------------ extensions

test("JSON bodies (opt-in): typed values and positional $args reach the Python backend", async () => {
  const h = { "Content-Type": "application/json", "X-Pyro-Options": "json" };
  const r = await rawRequest(gw.url, "POST", "/pyro/http.echo/typed", h, JSON.stringify({ value: [1, 2.5, true, null, "\u2603"] }));
  assert.equal(r.text, '["list", [1, 2.5, true, null, "\u2603"]]');
  const p = await rawRequest(gw.url, "POST", "/pyro/http.echo/add", h, JSON.stringify({ $args: [40, 2] }));
  assert.equal(p.text, "42");
  const twice = await rawRequest(gw.url, "POST", "/pyro/http.echo/echo?message=a", h, JSON.stringify({ message: "b" }));
  assert.equal(twice.status, 400);
});

test("CORS allow-list: allowed origin gets headers and a preflight answer; others get none; off by default", async () => {
  const pre = await rawRequest(cors.url, "OPTIONS", "/pyro/http.echo/echo", { Origin: "http://allowed.example", "Access-Control-Request-Method": "POST" });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers["access-control-allow-origin"], "http://allowed.example");
  assert.match(String(pre.headers["access-control-allow-headers"]), /X-Pyro-Gateway-Key/);
  const call = await rawRequest(cors.url, "GET", "/pyro/http.echo/echo?message=c", { Origin: "http://allowed.example" });
  assert.equal(call.headers["access-control-allow-origin"], "http://allowed.example");
  assert.equal(call.headers["access-control-expose-headers"], "X-Pyro-Correlation-Id");
  const other = await rawRequest(cors.url, "OPTIONS", "/pyro/http.echo/echo", { Origin: "http://evil.example" });
  assert.equal(other.status, 405);
  assert.equal(other.headers["access-control-allow-origin"], undefined);
  const off = await rawRequest(gw.url, "GET", "/pyro/http.echo/echo?message=c", { Origin: "http://allowed.example" });
  assert.equal(off.headers["access-control-allow-origin"], undefined);
});

test("X-Pyro-Timeout bounds the Pyro call; invalid values are refused", async () => {
  // slow() answers after 5 s: a TimeoutError can only come from the 0.3 s X-Pyro-Timeout (no elapsed time asserted)
  const r = await rawRequest(gw.url, "GET", "/pyro/http.echo/slow", { "X-Pyro-Timeout": "0.3" });
  assert.equal(r.status, 500);
  assert.equal(JSON.parse(r.text).__class__, "Pyro4.errors.TimeoutError");
  const bad = await rawRequest(gw.url, "GET", "/pyro/http.echo/echo?message=x", { "X-Pyro-Timeout": "soon" });
  assert.equal(JSON.parse(bad.text).__class__, "builtins.ValueError");
});

test("NDJSON stream of a remote generator (Python and TS daemons); without the option Python's answer", async () => {
  for (const name of ["http.echo", "http.ts.echo"]) {
    const r = await rawRequest(gw.url, "GET", `/pyro/${name}/count?n=3`, { "X-Pyro-Options": "stream" });
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^application\/x-ndjson/);
    // query parameters are strings: Python's range(int("3")), our count(Number("3"))
    assert.equal(r.text, "[0, 0]\n[0, 1]\n[0, 2]\n");
  }
  const plain = await rawRequest(gw.url, "GET", "/pyro/http.echo/generator");
  assert.equal(plain.status, 500);
});

test("the client module is served at /pyro4-http.js and has no imports (no Node built-ins)", async () => {
  const r = await rawRequest(gw.url, "GET", "/pyro4-http.js");
  assert.equal(r.status, 200);
  assert.match(String(r.headers["content-type"]), /^text\/javascript/);
  assert.match(r.text, /export function httpProxy/);
  assert.doesNotMatch(r.text, /^\s*import\s/m);
  assert.doesNotMatch(r.text, /require\(|node:/);
});

// ------------------------------------------------------------------ the browser client in Node (global fetch)

for (const [label, name] of [["Python daemon", "http.echo"], ["TS daemon", "http.ts.echo"]] as const) {
  test(`client through our gateway, ${label}: calls, unicode, kwargs, oneway, $meta, exceptions, streams`, async () => {
    const echo = httpProxy<Echo>(name, { gateway: gw.url });
    assert.equal(await echo.echo("hi"), "hi");
    assert.equal(await echo.echo("h\u00e9llo \u2603 \u{1F600}"), "h\u00e9llo \u2603 \u{1F600}");
    assert.deepEqual(await echo.echo([1, 2.5, null, { a: true }]), [1, 2.5, null, { a: true }]);
    assert.equal(await echo.add(40, 2), 42);
    assert.equal(await echo.echo(kwargs({ message: "kw" })), "kw");
    assert.equal(await echo.$call("echo", { message: "call" }), "call");
    assert.equal(await echo.$oneway.echo("ow"), undefined);
    const meta = await echo.$meta();
    assert.ok(meta.methods.includes("echo") && meta.methods.includes("error"));
    await assert.rejects(echo.error(), (e: unknown) => {
      assert.ok(e instanceof PyroHttpError);
      assert.equal(e.code, "ERR_PYRO4_HTTP_REMOTE");
      assert.equal(e.status, 500);
      assert.equal(e.pythonType, "builtins.ValueError");
      assert.equal(e.pythonName, "ValueError");
      assert.deepEqual(e.args, ["expected error from echoserver error() method"]);
      assert.ok(e.traceback && e.traceback.join("").includes("Traceback") || label === "TS daemon");
      return true;
    });
    const items: number[] = [];
    for await (const n of echo.$stream.count(5)) items.push(n);
    assert.deepEqual(items, [0, 1, 2, 3, 4]);
    for await (const n of echo.$stream.count(1000)) if (n === 2) break; // early exit closes the stream
    assert.equal(await echo.echo("after"), "after");
  });
}

test("client: attributes, unknown names, NaN, timeouts and AbortSignal", async () => {
  const attrs = httpProxy<{ value: number }>("http.attrs", { gateway: gw.url });
  assert.equal(await attrs.$get("value"), 42);
  const echo = httpProxy<Echo & { nan(): number; nope(): void }>("http.echo", { gateway: gw.url });
  assert.ok(Number.isNaN(await echo.nan()));
  await assert.rejects(echo.nope(), (e: PyroHttpError) => e.pythonType === "builtins.AttributeError");
  await assert.rejects(httpProxy("hidden.secret", { gateway: gw.url }).$meta(), (e: PyroHttpError) => e.code === "ERR_PYRO4_HTTP" && e.status === 403);
  // slow() answers after 5 s: only the 300 ms client timeout gives ERR_PYRO4_HTTP_TIMEOUT
  await assert.rejects(echo.$with({ timeout: 300 }).slow(), (e: PyroHttpError) => e.code === "ERR_PYRO4_HTTP_TIMEOUT");
  await assert.rejects(echo.$with({ timeout: 300, serverTimeout: true }).slow(), (e: PyroHttpError) =>
    e.code === "ERR_PYRO4_HTTP_TIMEOUT" || e.pythonType === "Pyro4.errors.TimeoutError");
  const ac = new AbortController();
  const p = echo.$with({ signal: ac.signal }).slow();
  setTimeout(() => ac.abort(new Error("user gave up")), 100);
  await assert.rejects(p, /user gave up/);
});

test("client with Python's gateway: form bodies (latin-1 escaping), key, exceptions", async () => {
  const echo = httpProxy<Echo>("http.echo", { gateway: pyKeyed.url, key: "k", body: "form" });
  assert.equal(await echo.$call("echo", { message: "caf\u00e9 & co=1+1" }), "caf\u00e9 & co=1+1");
  assert.deepEqual(await echo.$call("echo", { message: ["a", "b"] }), ["a", "b"]);
  await assert.rejects(echo.$call("echo", { message: "\u2603" }), (e: PyroHttpError) => e.code === "ERR_PYRO4_HTTP_INVALID_ARG" && e.kind === "ARGUMENT");
  await assert.rejects(echo.echo("positional"), (e: PyroHttpError) => e.code === "ERR_PYRO4_HTTP_INVALID_ARG");
  await assert.rejects(echo.error(), (e: PyroHttpError) => e.pythonType === "builtins.ValueError" && !!e.traceback?.length);
  const q = httpProxy<Echo>("http.echo", { gateway: pyKeyed.url, key: "k", body: "query" });
  assert.equal(await q.$call("echo", { message: "q\u00ff" }), "q\u00ff");
  await assert.rejects(httpProxy("http.echo", { gateway: pyKeyed.url, key: "bad", body: "form" }).$call("echo", { message: "x" }),
    (e: PyroHttpError) => e.status === 403 && e.code === "ERR_PYRO4_HTTP");
  await assert.rejects(httpProxy<Echo>("http.echo", { gateway: pyGw.url }).$stream.count(2)[Symbol.asyncIterator]().next(),
    (e: PyroHttpError) => e.code === "ERR_PYRO4_HTTP_REMOTE" || e.code === "ERR_PYRO4_HTTP_PROTOCOL");
});

test("HMAC key (-k / PYRO_HMAC_KEY): name server and daemon behind a key, same answers as Python's gateway", async () => {
  const keyedNs = await startPythonNs("hm4c");
  let backend: TsBackend | null = null;
  let pyG: { server: PythonServer; url: string } | null = null;
  let ours: HttpGateway | null = null;
  let noKey: HttpGateway | null = null;
  try {
    backend = await startTsBackend(keyedNs, "http.ts.", "hm4c");
    pyG = await startPythonGateway(keyedNs, [], { PYRO_HMAC_KEY: "hm4c" });
    ours = await startTsGateway(keyedNs, { hmacKey: "hm4c" });
    noKey = await startTsGateway(keyedNs);
    const path = "/pyro/http.ts.echo/echo?message=signed";
    const a = await rawRequest(pyG.url, "GET", path);
    const b = await rawRequest(ours.url, "GET", path);
    assert.deepEqual([b.status, b.text], [200, '"signed"']);
    assert.deepEqual([b.status, b.text], [a.status, a.text]);
    const c = await rawRequest(noKey.url, "GET", path);
    assert.equal(c.status, 500); // the name server refuses an unsigned connection
  } finally {
    await noKey?.close();
    await ours?.close();
    await pyG?.server.stop();
    await backend?.close();
    await keyedNs.server.stop();
  }
});

// ------------------------------------------------------------------ CLI

test("pyro4 httpgateway CLI: Python's startup lines, env keys, bad options", async () => {
  let out = "";
  let started: HttpGateway | null = null;
  const saved = [config.NS_HOST, config.NS_PORT] as const;
  config.NS_HOST = ns.host;
  config.NS_PORT = ns.port;
  try {
    const code = await httpgatewayMain(["-H", "127.0.0.1", "-p", "0", "-e", "http\\.echo"], { out: (t) => (out += t), err: () => {}, started: (g) => (started = g) });
    assert.equal(code, 0);
  } finally {
    [config.NS_HOST, config.NS_PORT] = saved;
  }
  try {
    assert.match(out, /^Exposing objects with names matching:  http\\\.echo\n/);
    assert.match(out, /Connected to name server at:  PYRO:Pyro\.NameServer@127\.0\.0\.1:\d+\n/);
    assert.match(out, /Pyro HTTP gateway running on http:\/\/127\.0\.0\.1:\d+\/pyro\/\n/);
    const g = started! as HttpGateway;
    assert.equal((await rawRequest(g.url, "GET", "/pyro/http.attrs/value")).status, 403);
    assert.equal((await rawRequest(g.url, "GET", "/pyro/http.echo/echo?message=cli")).text, '"cli"');
  } finally {
    await (started as HttpGateway | null)?.close();
  }
  let err = "";
  assert.equal(await httpgatewayMain(["-t", "abc"], { out: () => {}, err: (t) => (err += t) }), 2);
  assert.match(err, /invalid floating-point value: 'abc'/);
  let help = "";
  assert.equal(await httpgatewayMain(["-h"], { out: (t) => (help += t), err: () => {} }), 0);
  for (const f of ["--host", "--port", "--expose", "--pyrokey", "--gatewaykey", "--timeout"]) assert.ok(help.includes(f), f);
  process.env.PYRO_HTTPGATEWAY_KEY = "x";
  try {
    err = "";
    assert.equal(await httpgatewayMain(["-g", "y"], { out: () => {}, err: (t) => (err += t) }), 1);
    assert.match(err, /don't use -g and PYRO_HTTPGATEWAY_KEY at the same time/);
  } finally {
    delete process.env.PYRO_HTTPGATEWAY_KEY;
  }
});

// Compile-time checks of the client's types (`npx tsc --noEmit` fails if they break); never called.
export function clientTypeChecks(): void {
  const t = httpProxy<{ echo(m: string): string; count(n: number): Iterable<number>; value: number }>("x", { gateway: "http://127.0.0.1:1/pyro/" });
  const a: Promise<string> = t.echo("a");
  const b: AsyncIterable<number> = t.$stream.count(3);
  const c: Promise<void> = t.$oneway.echo("x");
  const d: Promise<number> = t.value();
  // @ts-expect-error the argument must be a string
  void t.echo(1);
  void [a, b, c, d];
}
