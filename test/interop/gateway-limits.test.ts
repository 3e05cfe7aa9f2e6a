// The HTTP gateway honours MAX_MESSAGE_SIZE for the Pyro messages it writes and reads, as Python's gateways do
// (their Proxy checks the config on every message): side by side with Python's Pyro4 and Pyro5 gateways run with
// PYRO_MAX_MESSAGE_SIZE, in front of the same Python name server, the Python backend fixture and our Daemon, ours
// configured with the `limits` option (library) or the same environment variable (the `pyro4`/`pyro5` bin). A call
// message over the limit is refused before it is sent: both Python gateways answer 500 with their error JSON
// (Pyro4's MessageTooLargeError "max message size exceeded (N where max=M)", Pyro5's ProtocolError "message too
// large (N, max=M)"), ours the same bytes. A reply over the limit: Pyro5's gateway answers its ProtocolError, ours
// the same; Pyro4's crashes inside wsgiref (the error carries the refused message, which its JSON cannot encode:
// plain-text 500), ours answers the MessageTooLargeError JSON instead (a deliberate difference, docs/httpgateway.md).
// Messages of exactly the limit pass, one byte more is refused; without a limit the same requests succeed. A limit
// under the name server's lookup answer or the backend's handshake answer fails as Python's does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { PythonServer } from "../helpers/python.js";
import {
  rawRequest, startBinGateway, startPythonBackend, startPythonNs, startTsBackend, type HttpResult, type PyNs, type TsBackend,
} from "../helpers/gateway.js";
import { C, FORM, compareGateways, startGatewayPairs, type DiffCase, type GatewayPairs } from "../helpers/gateway-diff.js";
import { HttpGateway } from "../../src/gateway/server.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { Daemon } from "../../src/server/daemon.js";
import { locateNS } from "../../src/naming/locate.js";

type Version = 4 | 5;
type Gw = "limited" | "plain";
interface Case<G extends string = Gw> extends DiffCase<G> {
  /** Python's Pyro4 gateway crashes here (wsgiref's plain-text 500); ours must answer this JSON instead. */
  pythonCrashes?: RegExp;
  /** What our answer must be (guards against both sides failing the same way): status and a body pattern. */
  expect?: [number, RegExp];
}

const LIMIT = 20_000;
/**
 * Bytes a reply carries besides its JSON payload, as MAX_MESSAGE_SIZE counts them: Pyro4 sends the correlation id
 * as an annotation chunk (6 + 16 bytes), Pyro5 in the header.
 */
const REPLY_EXTRA: Record<Version, number> = { 4: 22, 5: 0 };

const tooLarge = (v: Version) => (v === 5 ? /^\{"__class__": "Pyro5\.errors\.ProtocolError", "__exception__": true, "args": \["message too large \((\d+), max=20000\)"\], "attributes": \{\}\}$/
  : /^\{"__class__": "Pyro4\.errors\.MessageTooLargeError", "__exception__": true, "args": \["max message size exceeded \((\d+) where max=20000\)"\], "attributes": \{\}\}$/);

function cases(v: Version): Case[] {
  const extra = REPLY_EXTRA[v];
  const big = (prefix: string, n: number) => `/pyro/${prefix}echo/big?n=${n}`;
  const over = (n: number) => tooLarge(v).source.replace("(\\d+)", String(n + 2 + extra));
  const replyOver = (name: string, prefix: string, n: number): Case => (v === 5
    ? { name, gw: "limited", path: big(prefix, n), headers: C, expect: [500, new RegExp(over(n))] }
    : { name, gw: "limited", path: big(prefix, n), headers: C, pythonCrashes: new RegExp(over(n)) });
  const list: Case[] = [
    { name: "small reply", gw: "limited", path: big("http.", 100), headers: C, expect: [200, /^"x{100}"$/] },
    { name: "reply of exactly the limit passes", gw: "limited", path: big("http.", LIMIT - 2 - extra), headers: C, expect: [200, /^"x+"$/] },
    replyOver("reply one byte over the limit (Python backend)", "http.", LIMIT - 1 - extra),
    replyOver("reply over the limit (Python backend)", "http.", 30_000),
    { name: "reply of exactly the limit passes (our backend)", gw: "limited", path: big("http.ts.", LIMIT - 2 - extra), headers: C, expect: [200, /^"x+"$/] },
    replyOver("reply over the limit (our backend)", "http.ts.", 30_000),
    { name: "call over the limit (query parameter)", gw: "limited", path: `/pyro/http.echo/echo?message=${"y".repeat(30_000)}`, headers: C, expect: [500, tooLarge(v)] },
    { name: "call over the limit to our backend", gw: "limited", path: `/pyro/http.ts.echo/echo?message=${"y".repeat(30_000)}`, headers: C, expect: [500, tooLarge(v)] },
    { name: "a call after refused ones", gw: "limited", path: "/pyro/http.echo/echo?message=after", headers: C, expect: [200, /^"after"$/] },
    { name: "$meta under the limit", gw: "limited", path: "/pyro/http.echo/$meta", headers: C, unordered: true },
    { name: "no limit: the large reply", gw: "plain", path: big("http.", 30_000), headers: C, expect: [200, /^"x{30000}"$/] },
    { name: "no limit: the large call", gw: "plain", path: `/pyro/http.echo/echo?message=${"y".repeat(30_000)}`, headers: C, expect: [200, /^"y{30000}"$/] },
  ];
  if (v === 4) {
    // Pyro4's gateway also takes a POSTed form body (Pyro5's ignores it)
    list.push({ name: "call over the limit (form body)", gw: "limited", method: "POST", path: "/pyro/http.echo/echo", headers: { ...C, ...FORM }, body: "message=" + "z".repeat(30_000), expect: [500, tooLarge(4)] });
  }
  return list;
}

interface Setup {
  ns: PyNs;
  backend: PythonServer;
  ts: TsBackend;
  gateways: GatewayPairs<Gw>;
}
const setups = new Map<Version, Setup>();

before(async () => {
  for (const v of [4, 5] as const) {
    const ns = await startPythonNs(undefined, v);
    const backend = await startPythonBackend(ns);
    const ts = await startTsBackend(ns, "http.ts.");
    const gateways = await startGatewayPairs<Gw>({
      limited: { ns, env: { PYRO_MAX_MESSAGE_SIZE: String(LIMIT) }, options: { limits: { maxMessageSize: LIMIT } } },
      plain: { ns },
    });
    setups.set(v, { ns, backend, ts, gateways });
  }
});

after(async () => {
  for (const s of setups.values()) {
    await s.gateways.close();
    await s.ts.close();
    await s.backend.stop();
    await s.ns.server.stop();
  }
});

function checker(v: Version) {
  return <G extends string>(c: Case<G>, pyRes: HttpResult, ourRes: HttpResult): boolean => {
    if (c.expect) {
      assert.equal(ourRes.status, c.expect[0], ourRes.text.slice(0, 300));
      assert.match(ourRes.text, c.expect[1]);
    }
    if (!c.pythonCrashes) return false;
    // Python's Pyro4 gateway: class_to_dict(MessageTooLargeError) holds the refused message (pyroMsg), which
    // json.dumps cannot encode, so wsgiref answers its own text; ours answers the error JSON
    assert.equal(v, 4);
    assert.deepEqual([pyRes.status, pyRes.text], [500, "A server error occurred.  Please contact the administrator."]);
    assert.equal(ourRes.status, 500);
    assert.equal(ourRes.headers["content-type"], "application/json; charset=utf-8");
    assert.match(ourRes.text, c.pythonCrashes);
    return true;
  };
}

for (const v of [4, 5] as const) {
  test(`Pyro${v}: MAX_MESSAGE_SIZE for calls and replies, as Python's Pyro${v} gateway`, async (t) => {
    const s = setups.get(v)!;
    const list = cases(v);
    const { identical, deliberate, diffs } = await compareGateways(list, s.gateways, {
      headers: v === 5 ? ["access-control-allow-origin"] : [],
      check: checker(v),
    });
    t.diagnostic(`${identical} of ${list.length} identical, ${deliberate} where Python's gateway crashes and ours answers`);
    assert.deepEqual(diffs, []);
    assert.equal(deliberate, v === 4 ? 3 : 0);
  });

  test(`Pyro${v}: the bin's gateway takes the limit from PYRO_MAX_MESSAGE_SIZE, as Python's does`, async () => {
    const s = setups.get(v)!;
    const g = await startBinGateway(v, [], { PYRO_NS_HOST: s.ns.host, PYRO_NS_PORT: String(s.ns.port), PYRO_MAX_MESSAGE_SIZE: String(LIMIT) });
    try {
      const python = s.gateways.python.limited.url;
      for (const path of [`/pyro/http.echo/echo?message=${"y".repeat(LIMIT)}`, `/pyro/http.echo/big?n=${LIMIT}`, "/pyro/http.echo/echo?message=ok"]) {
        const [py, ours] = [await rawRequest(python, "GET", path, C), await rawRequest(g.url, "GET", path, C)];
        if (v === 4 && path.includes("big")) {
          assert.equal(py.text, "A server error occurred.  Please contact the administrator.");
          assert.match(ours.text, tooLarge(4));
        } else {
          assert.deepEqual([ours.status, ours.text], [py.status, py.text]);
        }
        assert.equal(ours.status, path.endsWith("=ok") ? 200 : 500);
      }
    } finally {
      await g.stop();
    }
  });
}

for (const v of [4, 5] as const) {
  test(`Pyro${v}: a limit smaller than the name server's answer or the backend's handshake, as Python's gateway`, async (t) => {
    // 100 bytes: the name server's lookup answer is over it, so locating it fails (NamingError); 200 bytes: the
    // lookup passes, the backend's handshake answer (its metadata) is over it. Python's Pyro4 gateway crashes on the
    // latter like on any over-limit reply; ours answers the error JSON.
    const s = setups.get(v)!;
    const pairs = await startGatewayPairs<"l100" | "l200">({
      l100: { ns: s.ns, env: { PYRO_MAX_MESSAGE_SIZE: "100" }, options: { limits: { maxMessageSize: 100 } } },
      l200: { ns: s.ns, env: { PYRO_MAX_MESSAGE_SIZE: "200" }, options: { limits: { maxMessageSize: 200 } } },
    });
    try {
      const noNs = new RegExp(`^\\{"__class__": "Pyro${v}\\.errors\\.NamingError", "__exception__": true, "args": \\["Failed to locate the nameserver"\\], "attributes": \\{\\}\\}$`);
      const handshake = new RegExp(tooLarge(v).source.replace("20000", "200"));
      const list: Case<"l100" | "l200">[] = [];
      for (const path of ["/pyro/http.echo/echo?message=ok", "/pyro/http.echo/$meta"]) {
        list.push({ name: `lookup answer over 100 bytes: ${path}`, gw: "l100", path, headers: C, expect: [500, noNs] });
        list.push(v === 5
          ? { name: `handshake answer over 200 bytes: ${path}`, gw: "l200", path, headers: C, expect: [500, handshake] }
          : { name: `handshake answer over 200 bytes: ${path}`, gw: "l200", path, headers: C, pythonCrashes: handshake });
      }
      const { identical, deliberate, diffs } = await compareGateways(list, pairs, {
        headers: v === 5 ? ["access-control-allow-origin"] : [],
        check: checker(v),
      });
      t.diagnostic(`${identical} of ${list.length} identical, ${deliberate} where Python's gateway crashes and ours answers`);
      assert.deepEqual(diffs, []);
      assert.equal(deliberate, v === 4 ? 2 : 0);
    } finally {
      await pairs.close();
    }
  });
}

test("Pyro4 with an HMAC key: the signature counts towards the size, as in Python's gateway", async (t) => {
  const KEY = "hm4c";
  const ns = await startPythonNs(KEY);
  let ts: TsBackend | null = null;
  let pairs: GatewayPairs<"keyed"> | null = null;
  try {
    ts = await startTsBackend(ns, "http.ts.", KEY);
    pairs = await startGatewayPairs<"keyed">({
      keyed: { ns, env: { PYRO_HMAC_KEY: KEY, PYRO_MAX_MESSAGE_SIZE: String(LIMIT) }, options: { hmacKey: KEY, limits: { maxMessageSize: LIMIT } } },
    });
    // a reply carries the correlation id (6 + 16 bytes) and the HMAC-SHA1 signature (6 + 20 bytes) besides its payload
    const extra = 22 + 26;
    const over = (n: number) => new RegExp(tooLarge(4).source.replace("(\\d+)", String(n + 2 + extra)));
    const list: Case<"keyed">[] = [
      { name: "keyed: reply of exactly the limit passes", gw: "keyed", path: `/pyro/http.ts.echo/big?n=${LIMIT - 2 - extra}`, headers: C, expect: [200, /^"x+"$/] },
      { name: "keyed: reply one byte over the limit", gw: "keyed", path: `/pyro/http.ts.echo/big?n=${LIMIT - 1 - extra}`, headers: C, pythonCrashes: over(LIMIT - 1 - extra) },
      { name: "keyed: call over the limit", gw: "keyed", path: `/pyro/http.ts.echo/echo?message=${"y".repeat(30_000)}`, headers: C, expect: [500, tooLarge(4)] },
      { name: "keyed: a call after refused ones", gw: "keyed", path: "/pyro/http.ts.echo/echo?message=k", headers: C, expect: [200, /^"k"$/] },
    ];
    const { identical, deliberate, diffs } = await compareGateways(list, pairs, { check: checker(4) });
    t.diagnostic(`${identical} of ${list.length} identical, ${deliberate} where Python's gateway crashes and ours answers`);
    assert.deepEqual(diffs, []);
    assert.equal(deliberate, 1);
  } finally {
    await pairs?.close();
    await ts?.close();
    await ns.server.stop();
  }
});

test("extension: a streamed item over the limit ends the NDJSON stream with the error line", async () => {
  class Items {
    *items() {
      yield "small";
      yield "x".repeat(30_000);
      yield "never";
    }
  }
  for (const v of [4, 5] as const) {
    const s = setups.get(v)!;
    const d = await Daemon.create({ host: "127.0.0.1", port: 0, protocol: v });
    const nsProxy = await locateNS(s.ns.host, s.ns.port, { protocol: v });
    try {
      await nsProxy.register("http.items", d.register(new Items(), undefined, { expose: ["items"] }));
      const r = await rawRequest(s.gateways.ours.limited.url, "GET", "/pyro/http.items/items", { ...C, "X-Pyro-Options": "stream" });
      assert.equal(r.status, 200);
      const size = v === 5 ? 30_002 : 30_002 + 22;
      const error = v === 5 ? `{"__class__": "Pyro5.errors.ProtocolError", "__exception__": true, "args": ["message too large (${size}, max=${LIMIT})"], "attributes": {}}`
        : `{"__class__": "Pyro4.errors.MessageTooLargeError", "__exception__": true, "args": ["max message size exceeded (${size} where max=${LIMIT})"], "attributes": {}}`;
      assert.equal(r.text, `[0, "small"]\n[1, ${error}]\n`);
    } finally {
      await nsProxy.remove("http.items").catch(() => {});
      await nsProxy.$release();
      await d.close();
    }
  }
});

test("a bad gateway limit is refused when the gateway is made", () => {
  assert.throws(() => new HttpGateway({ limits: { maxMessageSize: -1 } }), (e) => e instanceof InvalidArgumentError && /maxMessageSize: -1/.test(e.message));
  assert.throws(() => new HttpGateway({ limits: { maxMesageSize: 10 } as never }), (e) => e instanceof InvalidArgumentError && /unknown limit 'maxMesageSize'/.test(e.message));
});
