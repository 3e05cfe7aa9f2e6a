// Differential test of `pyro5 httpgateway` (HttpGateway with protocol 5) against Python's Pyro5.utils.httpgateway:
// the same requests sent to both, in front of the same Python Pyro5 name server and Python Pyro5 backend daemon
// (test/fixtures/gateway_backend.py with INTEROP_PEER=5), must give the same status, relevant headers (Content-Type, Location,
// X-Pyro-Correlation-Id, Pyro5's Access-Control-* headers) and the same body bytes. A few cases run in front of our
// own Pyro5 name server (startNameServer({protocol: 5})) too, and `pyro5 httpgateway`'s flags are compared with
// Python's argparse ones. Deliberate differences are listed in docs/httpgateway.md and tested at the end.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { httpProxy, PyroHttpError } from "../../src/http/client.js"; // src, not dist: counted by coverage, never stale
import { HttpGateway } from "../../src/gateway/server.js";
import { startNameServer, type RunningNameServer } from "../../src/naming/server.js";
import { httpgatewayMain } from "../../src/cli/httpgateway.js";
import { PYTHON, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { REPO } from "../helpers/ns-process.js";
import { spawnReady } from "../helpers/ready-process.js";
import {
  rawRequest, startPythonBackend, startPythonGateway, startPythonNs, startTsBackend, type HttpResult, type NsAddress, type PyNs, type TsBackend,
} from "../helpers/gateway.js";
import { C, FORM, compareGateways, startGatewayPairs, type DiffCase, type GatewayPairs } from "../helpers/gateway-diff.js";

type Gw = "plain" | "keyed" | "open" | "cors" | "oursNs" | "timeout";
interface Case extends DiffCase<Gw> {
  /** Python's gateway crashes here (wsgiref's plain-text 500): ours must answer with the exception JSON instead. */
  pythonCrashes?: RegExp;
  /** What our answer must be (guards against both sides failing the same way): status and a body pattern. */
  expect?: [number, RegExp];
}

const KEY = "s\u00e9cret";

const cases: Case[] = [
  { name: "root redirects to /pyro/ (no CORS headers)", path: "/" },
  { name: "index page", path: "/pyro/", headOnly: true },
  { name: "/pyro without slash", path: "/pyro" },
  { name: "unknown top path", path: "/other/thing" },
  { name: "object without method", path: "/pyro/http.echo" },
  { name: "object with empty method", path: "/pyro/http.echo/" },
  { name: "PUT not allowed", method: "PUT", path: "/pyro/http.echo/echo?message=x", body: "" },
  { name: "DELETE not allowed", method: "DELETE", path: "/pyro/http.echo/echo" },
  { name: "OPTIONS preflight answered", method: "OPTIONS", path: "/pyro/http.echo/echo", headers: { Origin: "http://elsewhere" }, expect: [200, /^200 OK$/] },
  { name: "OPTIONS outside /pyro/", method: "OPTIONS", path: "/elsewhere" },
  { name: "echo ascii", path: "/pyro/http.echo/echo?message=hi", headers: C, expect: [200, /^"hi"$/] },
  { name: "echo utf-8 percent-encoded (UTF-8 decoding)", path: "/pyro/http.echo/echo?message=%C3%A9%E2%98%83%F0%9F%98%80", headers: C, expect: [200, /^"\u00e9\u2603\u{1F600}"$/u] },
  { name: "echo invalid UTF-8 escapes (replacement chars)", path: "/pyro/http.echo/echo?message=%C3%28%FF%E2%98", headers: C },
  { name: "echo latin-1 escape (not UTF-8)", path: "/pyro/http.echo/echo?message=%E9t%E9", headers: C },
  { name: "echo plus and %20 and %2B", path: "/pyro/http.echo/echo?message=a+b%20c%2Bd", headers: C },
  { name: "repeated parameter becomes a list", path: "/pyro/http.echo/echo?message=a&message=b&message=", headers: C },
  { name: "blank value dropped", path: "/pyro/http.echo/echo?message=", headers: C },
  { name: "semicolon is not a separator", path: "/pyro/http.echo/echo?message=a;b=c", headers: C },
  { name: "invalid percent escape kept", path: "/pyro/http.echo/echo?message=%zz%4", headers: C },
  { name: "control characters and quotes", path: "/pyro/http.echo/echo?message=%00%01%22%5C%7F%0A", headers: C },
  { name: "two string parameters", path: "/pyro/http.echo/add?a=1&b=2", headers: C },
  { name: "unknown keyword argument", path: "/pyro/http.echo/echo?message=x&other=y", headers: C },
  { name: "kwargs method with UTF-8 name", path: "/pyro/http.echo/kw?z=1&a=2&%C3%A9=3", headers: C },
  { name: "POST form body is ignored (query only)", method: "POST", path: "/pyro/http.echo/echo?message=q", headers: { ...C, ...FORM }, body: "message=posted" },
  { name: "POST form body alone: missing argument", method: "POST", path: "/pyro/http.echo/echo", headers: { ...C, ...FORM }, body: "message=posted" },
  { name: "POST large form body (1.5 MB) is ignored", method: "POST", path: "/pyro/http.echo/echo?message=big", headers: { ...C, ...FORM }, body: "message=" + "\u00e9a".repeat(300_000) },
  { name: "POST JSON body is ignored", method: "POST", path: "/pyro/http.echo/echo?message=j", headers: { ...C, "Content-Type": "application/json" }, body: '{"message": 1}' },
  { name: "large result (3 MB)", path: "/pyro/http.echo/big?n=3000000", headers: C },
  { name: "long URL (30 KB)", path: "/pyro/http.echo/echo?message=" + "y".repeat(30_000), headers: C },
  { name: "non-ASCII result (raw UTF-8 from Pyro5's json)", path: "/pyro/http.echo/many", headers: C },
  { name: "bytes result (Pyro5's json cannot serialize bytes)", path: "/pyro/http.echo/blob", headers: C, expect: [500, /"Pyro5.errors.SerializeError".*class <class 'bytes'>/] },
  { name: "UUID result", path: "/pyro/http.echo/uuid", headers: C },
  { name: "URI result (Pyro5.core.URI)", path: "/pyro/http.echo/uri", headers: C, expect: [200, /"__class__": "Pyro5.core.URI"/] },
  { name: "NaN result", path: "/pyro/http.echo/nan", headers: C },
  { name: "remote exception with traceback", path: "/pyro/http.echo/error", headers: C, expect: [500, /"__class__": "builtins.ValueError".*_pyroTraceback/] },
  { name: "remote exception with text", path: "/pyro/http.echo/error_with_text", headers: C },
  { name: "remote exception with unicode text", path: "/pyro/http.echo/unicode_error", headers: C },
  { name: "remote KeyError", path: "/pyro/http.echo/key_error", headers: C },
  { name: "remote exception of a local class", path: "/pyro/http.echo/custom_error", headers: C },
  { name: "unknown method", path: "/pyro/http.echo/nope", headers: C },
  { name: "private method is not exposed", path: "/pyro/http.echo/_private", headers: C },
  { name: "unknown name", path: "/pyro/http.nope/echo", headers: C, expect: [500, /"Pyro5.errors.NamingError".*unknown name: http.nope/] },
  { name: "unknown non-ASCII name", path: "/pyro/http.%C3%A9%E2%98%83/echo", headers: C },
  { name: "name outside expose regex", path: "/pyro/hidden.secret/secret", headers: C },
  { name: "$meta of a hidden object", path: "/pyro/hidden.secret/$meta", headers: C },
  { name: "name that only contains the prefix", path: "/pyro/xhttp.echo/echo?message=x", headers: C },
  { name: "object exposing nothing", path: "/pyro/http.bare/nothing", headers: C, expect: [500, /"Pyro5.errors.PyroError", "__exception__": true, "args": \["remote object 'PYRO:obj_\w+@127.0.0.1:\d+' doesn't expose/] },
  { name: "object unknown to its daemon", path: "/pyro/http.unknownobj/x", headers: C },
  { name: "daemon not running", path: "/pyro/http.gone/x", headers: C, expect: [500, /Pyro5.errors.CommunicationError.*Connection refused/] },
  { name: "$meta", path: "/pyro/http.echo/$meta", headers: C, unordered: true },
  { name: "attribute", path: "/pyro/http.attrs/value", headers: C, expect: [200, /^42$/] },
  { name: "unicode attribute", path: "/pyro/http.attrs/label", headers: C },
  { name: "attribute with parameters", path: "/pyro/http.attrs/value?x=1", headers: C },
  { name: "attribute of the echo server", path: "/pyro/http.echo/verbose", headers: C },
  { name: "oneway through X-Pyro-Options", path: "/pyro/http.echo/echo?message=ow", headers: { ...C, "X-Pyro-Options": "oneway" } },
  { name: "oneway option among others", path: "/pyro/http.echo/echo?message=ow", headers: { ...C, "X-Pyro-Options": "foo,oneway" } },
  { name: "oneway option with a space is not oneway", path: "/pyro/http.echo/echo?message=ow", headers: { ...C, "X-Pyro-Options": "foo, oneway" } },
  { name: "server-declared oneway", path: "/pyro/http.echo/oneway_echo?message=x", headers: C },
  { name: "oneway attribute read", path: "/pyro/http.attrs/value", headers: { ...C, "X-Pyro-Options": "oneway" } },
  { name: "no correlation id header (fresh uuid4)", path: "/pyro/http.echo/echo?message=nocorr" },
  { name: "correlation id in braces, upper case", path: "/pyro/http.echo/echo?message=c", headers: { "X-Pyro-Correlation-Id": "{11112222-1111-2222-3333-22224444999A}" } },
  { name: "bad correlation id", path: "/pyro/http.echo/echo?message=c", headers: { "X-Pyro-Correlation-Id": "not-a-uuid" } },
  { name: "generator result (Python's gateway crashes)", path: "/pyro/http.echo/generator", headers: C, pythonCrashes: /"Pyro5.errors.ProtocolError".*result of call is an iterator/ },
  { name: "$key without gateway key is a keyword argument", path: "/pyro/http.echo/echo?message=x&%24key=k", headers: C },
  { name: "object name with slashes splits at the last", path: "/pyro/http.a/b/echo", headers: C },
  { name: "keyed: no key", gw: "keyed", path: "/pyro/http.echo/echo?message=k", headers: C },
  { name: "keyed: wrong key header", gw: "keyed", path: "/pyro/http.echo/echo?message=k", headers: { ...C, "X-Pyro-Gateway-Key": "wrong" } },
  { name: "keyed: right key (latin-1 header bytes)", gw: "keyed", path: "/pyro/http.echo/echo?message=k", headers: { ...C, "X-Pyro-Gateway-Key": KEY } },
  { name: "keyed: right $key parameter (UTF-8 escape)", gw: "keyed", path: "/pyro/http.echo/echo?message=k&%24key=s%C3%A9cret", headers: C, expect: [200, /^"k"$/] },
  { name: "keyed: $key parameter latin-1 escaped is wrong", gw: "keyed", path: "/pyro/http.echo/echo?message=k&%24key=s%E9cret", headers: C, expect: [403, /incorrect gateway api key/] },
  { name: "keyed: $key in a POST form body is ignored", gw: "keyed", method: "POST", path: "/pyro/http.echo/echo?message=k", headers: { ...C, ...FORM }, body: "%24key=s%C3%A9cret" },
  { name: "keyed: hidden name with right key", gw: "keyed", path: "/pyro/hidden.secret/secret", headers: { ...C, "X-Pyro-Gateway-Key": KEY } },
  { name: "open: name server list", gw: "open", path: "/pyro/Pyro.NameServer/list?prefix=http.echo", headers: C },
  { name: "open: name server lookup (a Pyro5 URI)", gw: "open", path: "/pyro/Pyro.NameServer/lookup?name=http.attrs", headers: C },
  { name: "open: name server yplookup", gw: "open", path: "/pyro/Pyro.NameServer/yplookup?meta_all=nothing", headers: C },
  { name: "open: hidden object reachable when exposing all", gw: "open", path: "/pyro/hidden.secret/secret", headers: C },
  { name: "open: name server $meta", gw: "open", path: "/pyro/Pyro.NameServer/$meta", headers: C, unordered: true },
  { name: "cors: -c value on an answer", gw: "cors", path: "/pyro/http.echo/echo?message=c", headers: C },
  { name: "cors: -c value on OPTIONS", gw: "cors", method: "OPTIONS", path: "/pyro/http.echo/echo" },
  { name: "cors: -c value on a 403", gw: "cors", path: "/pyro/hidden.secret/secret" },
  { name: "timeout: -t 0.4 on a 5 s call", gw: "timeout", path: "/pyro/http.echo/slow", headers: C, expect: [500, /"Pyro5.errors.TimeoutError"/] },
  // in front of our Pyro5 name server (a Python Pyro5 backend registered there)
  { name: "our NS: echo", gw: "oursNs", path: "/pyro/http.echo/echo?message=ns%C3%A9", headers: C, expect: [200, /^"ns\u00e9"$/] },
  { name: "our NS: unknown name", gw: "oursNs", path: "/pyro/http.nope/echo", headers: C },
  { name: "our NS: remote exception", gw: "oursNs", path: "/pyro/http.echo/error", headers: C },
  { name: "our NS: $meta", gw: "oursNs", path: "/pyro/http.echo/$meta", headers: C, unordered: true },
  { name: "our NS: attribute", gw: "oursNs", path: "/pyro/http.attrs/label", headers: C },
  { name: "our NS: index page", gw: "oursNs", path: "/pyro/", headOnly: true },
  // in front of our Pyro5 Daemon (registered in Python's name server)
  { name: "TS backend: echo", path: "/pyro/http.ts.echo/echo?message=hi%C3%A9", headers: C, expect: [200, /^"hi\u00e9"$/] },
  { name: "TS backend: list parameter", path: "/pyro/http.ts.echo/echo?message=a&message=b", headers: C },
  { name: "TS backend: remote exception", path: "/pyro/http.ts.echo/error", headers: C, expect: [500, /"builtins.ValueError"/] },
  { name: "TS backend: unicode exception", path: "/pyro/http.ts.echo/unicode_error", headers: C },
  { name: "TS backend: missing argument", path: "/pyro/http.ts.echo/echo", headers: C },
  { name: "TS backend: unknown method", path: "/pyro/http.ts.echo/nope", headers: C },
  { name: "TS backend: $meta", path: "/pyro/http.ts.echo/$meta", headers: C, unordered: true },
  { name: "TS backend: attribute", path: "/pyro/http.ts.attrs/value", headers: C, expect: [200, /^42$/] },
  { name: "TS backend: server-declared oneway", path: "/pyro/http.ts.echo/oneway_echo?message=x", headers: C },
  { name: "TS backend: oneway option", path: "/pyro/http.ts.echo/echo?message=x", headers: { ...C, "X-Pyro-Options": "oneway" } },
  { name: "TS backend: large result", path: "/pyro/http.ts.echo/big?n=2000000", headers: C },
];

let pyNs: PyNs;
let ourNs: RunningNameServer;
let tsBackend: TsBackend;
const backends: PythonServer[] = [];
let gateways: GatewayPairs<Gw>;

before(async () => {
  const [ns, mine] = await Promise.all([
    startPythonNs(undefined, 5),
    startNameServer({ host: "127.0.0.1", port: 0, protocol: 5, enableBroadcast: false }),
  ]);
  pyNs = ns;
  ourNs = mine;
  const ours: NsAddress = { host: "127.0.0.1", port: ourNs.uri.port!, protocol: 5 };
  backends.push(...(await Promise.all([startPythonBackend(pyNs), startPythonBackend(ours)])));
  tsBackend = await startTsBackend(pyNs, "http.ts.");
  gateways = await startGatewayPairs<Gw>({
    plain: { ns: pyNs },
    keyed: { ns: pyNs, args: ["-g", KEY], options: { gatewayKey: KEY } },
    open: { ns: pyNs, args: ["-e", ""], options: { expose: "" } },
    cors: { ns: pyNs, args: ["-c", "https://app.example"], options: { cors: "https://app.example" } },
    oursNs: { ns: ours },
    timeout: { ns: pyNs, args: ["-t", "0.4"], options: { timeout: 0.4 } },
  });
});

after(async () => {
  await gateways?.close();
  await tsBackend?.close();
  await Promise.all(backends.map((b) => b.stop()));
  await pyNs?.server.stop();
  await ourNs?.close();
});

/** Ports differ between the two setups (each gateway has its own URL, our NS its own port): mask them. */
function maskPorts(text: string): string {
  return text.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>").replace(/'127\.0\.0\.1', \d+/g, "'127.0.0.1', <port>");
}

/** A case's own checks: the answer it must give, and where Python's gateway crashes, that ours answers instead. */
function check(c: Case, pyRes: HttpResult, ourRes: HttpResult): boolean {
  if (c.expect) {
    assert.equal(ourRes.status, c.expect[0]);
    assert.match(ourRes.text, c.expect[1]);
  }
  if (!c.pythonCrashes) return false;
  // a deliberate difference: Python's app raised inside wsgiref, we answer like its other remote errors
  assert.deepEqual([pyRes.status, pyRes.text], [500, "A server error occurred.  Please contact the administrator."]);
  assert.equal(ourRes.status, 500);
  assert.equal(ourRes.headers["content-type"], "application/json; charset=utf-8");
  assert.equal(ourRes.headers["access-control-allow-origin"], "*");
  assert.match(ourRes.text, c.pythonCrashes);
  return true;
}

test(`differential: ${cases.length} requests give the same answer from Python's Pyro5 gateway and ours`, async (t) => {
  assert.ok(cases.length >= 40);
  const { identical, deliberate, diffs } = await compareGateways(cases, gateways, {
    // Pyro5's gateway sends its CORS headers on every answer
    headers: ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"],
    text: (text, c) => (c.gw === "oursNs" ? maskPorts(text) : text),
    check,
  });
  t.diagnostic(`${identical} of ${cases.length} identical, ${deliberate} where Python's gateway crashes and ours answers`);
  console.log(`pyro5 gateway differential: ${identical} of ${cases.length} identical, ${deliberate} where Python's gateway crashes and ours answers`);
  assert.deepEqual(diffs, [], diffs.join("\n"));
});

// ------------------------------------------------------------------ the `pyro5 httpgateway` command

/** Run a command to completion (nothing in this process serves it, so a blocking run is fine). */
const runCmd = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(cmd, args, { cwd: REPO, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...env }, encoding: "utf8", timeout: 30_000 });

/** Start the `pyro5` bin (through tsx) in its own process group until its "running on" line; returns its lines. */
async function startPyro5Gateway(args: string[], env: Record<string, string>): Promise<{ lines: string[]; url: string; stop(): Promise<void> }> {
  const bin = [join(REPO, "src/cli/pyro5.ts"), "httpgateway", ...args];
  const r = await spawnReady(process.execPath, ["--import", "tsx", ...bin], {
    ready: /running on (http:\S+)/, env: { ...process.env, ...env }, cwd: REPO, label: "pyro5 httpgateway", group: true, timeoutMs: 30_000, graceMs: 5000,
  });
  return { lines: r.output, url: r.match[1]!, stop: () => r.stop() };
}

test("`pyro5 httpgateway` prints Pyro5.utils.httpgateway's start-up lines and serves", async () => {
  const env = { PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: String(pyNs.port) };
  const g = await startPyro5Gateway(["-H", "127.0.0.1", "-p", "0", "-e", "http\\.echo", "-c", "https://x.example"], env);
  const theirs = await startPythonGateway(pyNs, ["-e", "http\\.echo", "-c", "https://x.example"]);
  try {
    const startup = /^(Exposing|Warning|Connected|Not yet|Pyro HTTP)/;
    const norm = (lines: string[]) => lines.filter((l) => startup.test(l)).map((l) => l.replace(/:\d+\//, ":<port>/"));
    assert.deepEqual(norm(g.lines), norm(theirs.server.output));
    assert.deepEqual(norm(g.lines), [
      "Exposing objects with names matching:  http\\.echo",
      `Connected to name server at:  PYRO:Pyro.NameServer@127.0.0.1:${pyNs.port}`,
      "Pyro HTTP gateway running on http://127.0.0.1:<port>/pyro/",
    ]);
    for (const path of ["/pyro/http.echo/echo?message=cli%C3%A9", "/pyro/http.attrs/value"]) {
      const a = await rawRequest(theirs.url, "GET", path);
      const b = await rawRequest(g.url, "GET", path);
      assert.deepEqual([b.status, b.text, b.headers["access-control-allow-origin"]], [a.status, a.text, a.headers["access-control-allow-origin"]]);
    }
    assert.equal((await rawRequest(g.url, "GET", "/pyro/http.echo/echo?message=cli%C3%A9")).text, '"cli\u00e9"');
  } finally {
    await g.stop();
    await theirs.server.stop();
  }
});

test("`pyro5 httpgateway` takes Pyro5's argparse flags: -h, bad flags and Pyro4-only -k end with status 2", async () => {
  const longFlags = (help: string) => new Set([...help.matchAll(/(?<![\w-])--[a-z][\w-]*/g)].map((m) => m[0]));
  const py = runCmd(PYTHON, ["-m", "Pyro5.utils.httpgateway", "-h"], PYRO5_ENV);
  assert.equal(py.status, 0);
  let help = "";
  assert.equal(await httpgatewayMain(["-h"], { protocol: 5, out: (t) => (help += t), err: () => {} }), 0);
  const ours = longFlags(help);
  ours.delete("--max-body"); // our extension: a request body limit
  for (const ext of ["--reuse", "--pool-size", "--ns-cache"]) ours.delete(ext); // our extensions: pooled connections, lookup cache
  for (const ext of ["--ssl", "--ssl-cacerts", "--ssl-clientcert", "--ssl-clientkey"]) ours.delete(ext); // our extension: TLS from flags (gateway-tls.test.ts)
  assert.ok(longFlags(py.stdout).size >= 6);
  assert.deepEqual([...ours].sort(), [...longFlags(py.stdout)].sort());
  for (const f of ["-H HOST", "-c CORS", "-p PORT", "-e EXPOSE", "-g GATEWAYKEY", "-t TIMEOUT"]) assert.ok(help.includes(f) && py.stdout.includes(f), f);
  // argparse formats -t's default with %f
  assert.match(py.stdout, /default=0\.000000\)/);
  assert.match(help, /default=0\.000000\)/);
  assert.doesNotMatch(help, /pyrokey|HMAC/i);
  for (const args of [["-x"], ["-p", "abc"], ["-t", "soon"], ["-k", "secret"], ["extra"]]) {
    const theirs = runCmd(PYTHON, ["-m", "Pyro5.utils.httpgateway", ...args], PYRO5_ENV);
    let err = "";
    const code = await httpgatewayMain(args, { protocol: 5, out: () => {}, err: (t) => (err += t) });
    assert.equal(theirs.status, 2, `python ${args.join(" ")}: ${theirs.stderr}`);
    assert.equal(code, 2, `pyro5 httpgateway ${args.join(" ")}: ${err}`);
    assert.match(err, /error: /);
    assert.doesNotMatch(err, /\n\s+at /); // no Node stack
  }
  // the whole bin too: status 2 and one usage error, no stack
  const bin = runCmd(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), "httpgateway", "-k", "secret"]);
  assert.equal(bin.status, 2);
  assert.match(bin.stderr, /error: /);
  assert.doesNotMatch(bin.stderr, /\n\s+at /);
});

// ------------------------------------------------------------------ deliberate differences (docs/httpgateway.md)

test("where Python's Pyro5 gateway reaches its own local proxy, ours answers AttributeError; extensions work on protocol 5", async () => {
  const url = gateways.ours.plain.url;
  const pyUrl = gateways.python.plain.url;
  // Python calls its local Proxy's _pyroRelease (200, empty: looks like a successful call), _pyroBind, __class__...
  const pyRelease = await rawRequest(pyUrl, "GET", "/pyro/http.echo/_pyroRelease", C);
  assert.deepEqual([pyRelease.status, pyRelease.text], [200, ""]);
  const pyClass = await rawRequest(pyUrl, "GET", "/pyro/http.echo/__class__", C);
  assert.match(pyClass.text, /"builtins.TypeError".*Proxy.__init__/);
  for (const name of ["_pyroRelease", "_pyroBind", "__class__", "__dir__", "_pyroTimeout"]) {
    const r = await rawRequest(url, "GET", `/pyro/http.echo/${name}`, C);
    assert.equal(r.status, 500, name);
    assert.equal(r.headers["access-control-allow-origin"], "*");
    const body = JSON.parse(r.text) as { __class__: string; args: string[] };
    assert.equal(body.__class__, "builtins.AttributeError", name);
    assert.match(body.args[0]!, new RegExp(`^remote object 'PYRO:obj_\\w+@127\\.0\\.0\\.1:\\d+' has no exposed attribute or method '${name}'$`));
  }
  // extension: a remote generator streamed as NDJSON (X-Pyro-Options: stream), over protocol 502
  const streamed = await rawRequest(url, "GET", "/pyro/http.echo/count?n=3", { ...C, "X-Pyro-Options": "stream" });
  assert.equal(streamed.status, 200);
  assert.equal(streamed.headers["content-type"], "application/x-ndjson; charset=utf-8");
  assert.equal(streamed.text, "[0, 0]\n[0, 1]\n[0, 2]\n");
  // extension: JSON body opt-in (Python's Pyro5 gateway reads the query string only)
  const json = await rawRequest(url, "POST", "/pyro/http.echo/typed", { ...C, "Content-Type": "application/json", "X-Pyro-Options": "json" }, '{"value": [1, 2.5, {"k": null}]}');
  assert.deepEqual([json.status, JSON.parse(json.text)], [200, ["list", [1, 2.5, { k: null }]]]);
  // a large POST body is discarded unread, as Python ignores it: the query string still counts
  const big = await rawRequest(url, "POST", "/pyro/http.echo/echo?message=q", { ...C, ...FORM }, "message=" + "z".repeat(2_000_000));
  assert.deepEqual([big.status, big.text], [200, '"q"']);
  // the browser/Node client (pyro4/http, JSON bodies) through a Pyro5 gateway
  const echo = httpProxy<{ echo(m: unknown): unknown; error(): never }>("http.echo", { gateway: url });
  assert.deepEqual(await echo.echo({ "h\u00e9": [1, "\u2603"] }), { "h\u00e9": [1, "\u2603"] });
  await assert.rejects(echo.error(), (e: unknown) => e instanceof PyroHttpError && e.pythonType === "builtins.ValueError");
  // the index page lists the exposed names with their methods, and its demo calls use JSON bodies (Pyro5 ignores forms)
  const page = await rawRequest(url, "GET", "/pyro/");
  assert.equal(page.status, 200);
  assert.match(page.text, /data-name="http\.echo" data-method="\$meta">http\.echo<\/a><\/td><td>[^<]*\becho\b/);
  assert.match(page.text, /body: "json"/);
  assert.match(page.text, /Pyro5 5\.17-dev0 compatible, protocol 502/);
  // Pyro5 has no HMAC; CORS is Pyro5's fixed header, not Pyro4's allow-list: refused with a typed error
  assert.throws(() => new HttpGateway({ protocol: 5, hmacKey: "k" }), (e: Error & { code?: string }) => e.code === "ERR_PYRO4_INVALID_ARG" && /no HMAC/.test(e.message));
  assert.throws(() => new HttpGateway({ protocol: 5, corsOrigins: ["https://a"] }), /corsOrigins is for protocol 4/);
});
