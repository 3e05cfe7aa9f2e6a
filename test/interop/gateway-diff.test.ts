// Differential test of `pyro4 httpgateway` against Python's pyro4-httpgateway: the same requests sent to both,
// in front of the same Python name server, Python backend daemon and TypeScript backend daemon, must give the
// same status, relevant headers (Content-Type, Location, X-Pyro-Correlation-Id) and the same body bytes.
// Deliberate differences (Python crashes or leaks) are tested in gateway.test.ts, not here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { PythonServer } from "../helpers/python.js";
import { startPythonBackend, startPythonNs, startTsBackend, type PyNs, type TsBackend } from "../helpers/gateway.js";
import { C, FORM, compareGateways, startGatewayPairs, type DiffCase, type GatewayPairs } from "../helpers/gateway-diff.js";

type Gw = "plain" | "keyed" | "open";
type Case = DiffCase<Gw>;

const KEY = "s\u00e9cret";
const bigText = "\u00e9a".repeat(300_000);

const cases: Case[] = [
  { name: "root redirects to /pyro/", path: "/" },
  { name: "index page", path: "/pyro/", headOnly: true },
  { name: "/pyro without slash", path: "/pyro" },
  { name: "unknown top path", path: "/other/thing" },
  { name: "object without method", path: "/pyro/http.echo" },
  { name: "object with empty method", path: "/pyro/http.echo/" },
  { name: "PUT not allowed", method: "PUT", path: "/pyro/http.echo/echo?message=x", body: "" },
  { name: "DELETE not allowed", method: "DELETE", path: "/pyro/http.echo/echo" },
  { name: "OPTIONS not allowed (CORS off)", method: "OPTIONS", path: "/pyro/http.echo/echo", headers: { Origin: "http://elsewhere" } },
  { name: "echo ascii", path: "/pyro/http.echo/echo?message=hi", headers: C },
  { name: "echo utf-8 percent-encoded (latin-1 decoding)", path: "/pyro/http.echo/echo?message=%C3%A9%E2%98%83", headers: C },
  { name: "echo plus and %20 and %2B", path: "/pyro/http.echo/echo?message=a+b%20c%2Bd", headers: C },
  { name: "repeated parameter becomes a list", path: "/pyro/http.echo/echo?message=a&message=b&message=", headers: C },
  { name: "blank value dropped", path: "/pyro/http.echo/echo?message=", headers: C },
  { name: "name without = dropped", path: "/pyro/http.echo/echo?message", headers: C },
  { name: "semicolon is not a separator", path: "/pyro/http.echo/echo?message=a;b=c", headers: C },
  { name: "invalid percent escape kept", path: "/pyro/http.echo/echo?message=%zz%4", headers: C },
  { name: "control characters and quotes", path: "/pyro/http.echo/echo?message=%00%01%22%5C%7F%0A", headers: C },
  { name: "two string parameters", path: "/pyro/http.echo/add?a=1&b=2", headers: C },
  { name: "unknown keyword argument", path: "/pyro/http.echo/echo?message=x&other=y", headers: C },
  { name: "kwargs method", path: "/pyro/http.echo/kw?z=1&a=2&%C3%A9=3", headers: C },
  { name: "POST form body", method: "POST", path: "/pyro/http.echo/echo", headers: { ...C, ...FORM }, body: "message=posted+%C3%A9" },
  { name: "POST form body and query (body first)", method: "POST", path: "/pyro/http.echo/echo?message=q", headers: { ...C, ...FORM }, body: "message=b" },
  { name: "POST form with charset parameter", method: "POST", path: "/pyro/http.echo/echo", headers: { ...C, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" }, body: "message=cs" },
  { name: "POST form type in other case is ignored", method: "POST", path: "/pyro/http.echo/echo", headers: { ...C, "Content-Type": "Application/X-WWW-Form-Urlencoded" }, body: "message=b" },
  { name: "POST JSON body is ignored (query only)", method: "POST", path: "/pyro/http.echo/echo?message=q", headers: { ...C, "Content-Type": "application/json" }, body: '{"message": 1}' },
  { name: "POST without content type uses query", method: "POST", path: "/pyro/http.echo/echo?message=nq", headers: C, body: "message=ignored" },
  { name: "POST large form body (1.5 MB)", method: "POST", path: "/pyro/http.echo/echo", headers: { ...C, ...FORM }, body: "message=" + encodeURIComponent(bigText) },
  { name: "large result (3 MB)", path: "/pyro/http.echo/big?n=3000000", headers: C },
  { name: "long URL (30 KB)", path: "/pyro/http.echo/echo?message=" + "y".repeat(30_000), headers: C },
  { name: "remote exception with traceback", path: "/pyro/http.echo/error", headers: C },
  { name: "remote exception with unicode text", path: "/pyro/http.echo/unicode_error", headers: C },
  { name: "remote KeyError", path: "/pyro/http.echo/key_error", headers: C },
  { name: "remote exception of a local class", path: "/pyro/http.echo/custom_error", headers: C },
  { name: "result not serializable (bytes)", path: "/pyro/http.echo/many", headers: C },
  { name: "NaN and Infinity results", path: "/pyro/http.echo/nan", headers: C },
  { name: "unknown method", path: "/pyro/http.echo/nope", headers: C },
  { name: "unknown name", path: "/pyro/http.nope/echo", headers: C },
  { name: "unknown non-ASCII name (escaped in the gateway's own JSON)", path: "/pyro/http.%C3%A9%E2%98%83/echo", headers: C },
  { name: "unknown non-ASCII method", path: "/pyro/http.echo/%C3%A9", headers: C },
  { name: "name outside expose regex", path: "/pyro/hidden.secret/secret", headers: C },
  { name: "$meta of a hidden object", path: "/pyro/hidden.secret/$meta", headers: C },
  { name: "name that only contains the prefix", path: "/pyro/xhttp.echo/echo?message=x", headers: C },
  { name: "object exposing nothing", path: "/pyro/http.bare/nothing", headers: C },
  { name: "object unknown to its daemon", path: "/pyro/http.unknownobj/x", headers: C },
  { name: "daemon not running", path: "/pyro/http.gone/x", headers: C },
  { name: "$meta", path: "/pyro/http.echo/$meta", headers: C, unordered: true },
  { name: "attribute", path: "/pyro/http.attrs/value", headers: C },
  { name: "unicode attribute", path: "/pyro/http.attrs/label", headers: C },
  { name: "attribute with parameters", path: "/pyro/http.attrs/value?x=1", headers: C },
  { name: "oneway through X-Pyro-Options", path: "/pyro/http.echo/echo?message=ow", headers: { ...C, "X-Pyro-Options": "oneway" } },
  { name: "oneway option among others", path: "/pyro/http.echo/echo?message=ow", headers: { ...C, "X-Pyro-Options": "foo,oneway" } },
  { name: "oneway option with a space is not oneway", path: "/pyro/http.echo/echo?message=ow", headers: { ...C, "X-Pyro-Options": "foo, oneway" } },
  { name: "server-declared oneway", path: "/pyro/http.echo/oneway_echo?message=x", headers: C },
  { name: "oneway attribute read", path: "/pyro/http.attrs/value", headers: { ...C, "X-Pyro-Options": "oneway" } },
  { name: "no correlation id header (fresh uuid4)", path: "/pyro/http.echo/echo?message=nocorr" },
  { name: "correlation id in braces, upper case", path: "/pyro/http.echo/echo?message=c", headers: { "X-Pyro-Correlation-Id": "{11112222-1111-2222-3333-22224444999A}" } },
  { name: "correlation id as urn without dashes", path: "/pyro/http.echo/echo?message=c", headers: { "X-Pyro-Correlation-Id": "urn:uuid:11112222111122223333222244449999" } },
  { name: "bad correlation id", path: "/pyro/http.echo/echo?message=c", headers: { "X-Pyro-Correlation-Id": "not-a-uuid" } },
  { name: "correlation id with bad hex", path: "/pyro/http.echo/echo?message=c", headers: { "X-Pyro-Correlation-Id": "1111222211112222333322224444999g" } },
  { name: "generator result (not streamed)", path: "/pyro/http.echo/generator", headers: C },
  { name: "$key without gateway key is a keyword argument", path: "/pyro/http.echo/echo?message=x&%24key=k", headers: C },
  { name: "encoded slash in object name", path: "/pyro/http.echo%2Fx/echo", headers: C },
  { name: "double slash after pyro", path: "/pyro//http.echo/echo", headers: C },
  { name: "object name with slashes splits at the last", path: "/pyro/http.a/b/echo", headers: C },
  { name: "keyed: no key", gw: "keyed", path: "/pyro/http.echo/echo?message=k", headers: C },
  { name: "keyed: wrong key header", gw: "keyed", path: "/pyro/http.echo/echo?message=k", headers: { ...C, "X-Pyro-Gateway-Key": "wrong" } },
  { name: "keyed: right key (latin-1 header bytes)", gw: "keyed", path: "/pyro/http.echo/echo?message=k", headers: { ...C, "X-Pyro-Gateway-Key": KEY } },
  { name: "keyed: key sent as UTF-8 header bytes", gw: "keyed", path: "/pyro/http.echo/echo?message=k", headers: { ...C, "X-Pyro-Gateway-Key": Buffer.from(KEY, "utf8").toString("latin1") } },
  { name: "keyed: right $key parameter (latin-1 escape)", gw: "keyed", path: "/pyro/http.echo/echo?message=k&%24key=s%E9cret", headers: C },
  { name: "keyed: $key parameter UTF-8 escaped", gw: "keyed", path: "/pyro/http.echo/echo?message=k&%24key=s%C3%A9cret", headers: C },
  { name: "keyed: $key in a POST form", gw: "keyed", method: "POST", path: "/pyro/http.echo/echo", headers: { ...C, ...FORM }, body: "message=k&%24key=s%E9cret" },
  { name: "keyed: hidden name with right key", gw: "keyed", path: "/pyro/hidden.secret/secret", headers: { ...C, "X-Pyro-Gateway-Key": KEY } },
  { name: "keyed: index page without key", gw: "keyed", path: "/pyro/", headOnly: true },
  { name: "open: name server list", gw: "open", path: "/pyro/Pyro.NameServer/list?prefix=http.echo", headers: C },
  { name: "open: name server lookup", gw: "open", path: "/pyro/Pyro.NameServer/lookup?name=http.attrs", headers: C },
  { name: "open: hidden object reachable when exposing all", gw: "open", path: "/pyro/hidden.secret/secret", headers: C },
  { name: "open: name server $meta", gw: "open", path: "/pyro/Pyro.NameServer/$meta", headers: C, unordered: true },
  // the same requests in front of the TypeScript daemon
  { name: "TS backend: echo", path: "/pyro/http.ts.echo/echo?message=hi%C3%A9", headers: C },
  { name: "TS backend: POST form echo", method: "POST", path: "/pyro/http.ts.echo/echo", headers: { ...C, ...FORM }, body: "message=p" },
  { name: "TS backend: list parameter", path: "/pyro/http.ts.echo/echo?message=a&message=b", headers: C },
  { name: "TS backend: remote exception", path: "/pyro/http.ts.echo/error", headers: C },
  { name: "TS backend: unicode exception", path: "/pyro/http.ts.echo/unicode_error", headers: C },
  { name: "TS backend: missing argument", path: "/pyro/http.ts.echo/echo", headers: C },
  { name: "TS backend: unknown method", path: "/pyro/http.ts.echo/nope", headers: C },
  { name: "TS backend: $meta", path: "/pyro/http.ts.echo/$meta", headers: C, unordered: true },
  { name: "TS backend: attribute", path: "/pyro/http.ts.attrs/value", headers: C },
  { name: "TS backend: server-declared oneway", path: "/pyro/http.ts.echo/oneway_echo?message=x", headers: C },
  { name: "TS backend: oneway option", path: "/pyro/http.ts.echo/echo?message=x", headers: { ...C, "X-Pyro-Options": "oneway" } },
  { name: "TS backend: generator result (not streamed)", path: "/pyro/http.ts.echo/generator", headers: C },
  { name: "TS backend: large result", path: "/pyro/http.ts.echo/big?n=2000000", headers: C },
];

let ns: PyNs;
let pyBackend: PythonServer;
let tsBackend: TsBackend;
let gateways: GatewayPairs<Gw>;

before(async () => {
  ns = await startPythonNs();
  pyBackend = await startPythonBackend(ns);
  tsBackend = await startTsBackend(ns);
  gateways = await startGatewayPairs<Gw>({
    plain: { ns },
    keyed: { ns, env: { PYRO_HTTPGATEWAY_KEY: KEY }, options: { gatewayKey: KEY } },
    open: { ns, args: ["-e", ""], options: { expose: "" } },
  });
});

after(async () => {
  await gateways?.close();
  await tsBackend?.close();
  await pyBackend?.stop();
  await ns?.server.stop();
});

test(`differential: ${cases.length} requests give the same answer from Python's gateway and ours`, async (t) => {
  assert.ok(cases.length >= 40);
  const { identical, diffs } = await compareGateways(cases, gateways);
  t.diagnostic(`${identical} of ${cases.length} identical`);
  console.log(`gateway differential: ${identical} of ${cases.length} identical`);
  assert.deepEqual(diffs, [], diffs.join("\n"));
});
