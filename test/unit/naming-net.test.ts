// Our name server end to end inside Node (no Python): the broadcast responder's wire behaviour, locateNS by
// broadcast and directly, the typed client, the `pyro4 ns`/`pyro4 nsc` commands, helpers they rely on.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNameServer, createStorage } from "../../src/naming/server.js";
import { BroadcastServer } from "../../src/naming/broadcast.js";
import { locateNS } from "../../src/naming/locate.js";
import { nscMain } from "../../src/cli/nsc.js";
import { nsMain } from "../../src/cli/ns.js";
import { repr as pyRepr, strRepr as reprStr } from "../../src/python/repr.js";
import { compareCodePoints } from "../../src/python/str.js";
import { hasNodeSqlite } from "../../src/naming/sqlite-adapter.js";
import { SqlStorage } from "../../src/naming/storage-sql.js";
import { config } from "../../src/config.js";
import { URI } from "../../src/uri.js";

const dir = mkdtempSync(join(tmpdir(), "pyro4-ns-net-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

function udpAsk(port: number, payload: Buffer | string, waitMs = 300): Promise<string | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    const t = setTimeout(() => {
      s.close();
      resolve(null);
    }, waitMs);
    s.on("message", (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString("latin1"));
    });
    s.send(typeof payload === "string" ? Buffer.from(payload, "latin1") : payload, port, "127.0.0.1");
  });
}

describe("broadcast responder", () => {
  test("answers exactly GET_NSURI with the URI text, ignores anything else", async () => {
    await using bc = await BroadcastServer.start("PYRO:Pyro.NameServer@127.0.0.1:4321", { bchost: "127.0.0.1", bcport: 0 });
    assert.match(bc.locationStr, /^127\.0\.0\.1:\d+$/);
    assert.equal(await udpAsk(bc.getPort(), "GET_NSURI"), "PYRO:Pyro.NameServer@127.0.0.1:4321");
    assert.equal(await udpAsk(bc.getPort(), "GET_NSURI\n", 150), null);
    assert.equal(await udpAsk(bc.getPort(), "get_nsuri", 150), null);
    assert.equal(await udpAsk(bc.getPort(), Buffer.alloc(200, 65), 150), null);
  });

  test("an NS bound to 0.0.0.0 answers with the interface address facing the requester", async () => {
    await using bc = await BroadcastServer.start("PYRO:Pyro.NameServer@0.0.0.0:4321", { bchost: "127.0.0.1", bcport: 0 });
    assert.equal(await udpAsk(bc.getPort(), "GET_NSURI"), "PYRO:Pyro.NameServer@127.0.0.1:4321");
  });
});

describe("startNameServer + locateNS (TypeScript only)", () => {
  test("broadcast rules: not for loopback unless bchost is explicit, never with enableBroadcast false", async () => {
    const a = await startNameServer({ host: "127.0.0.1", port: 0 });
    assert.equal(a.broadcast, null);
    assert.equal(a.broadcastSkipped, "Not starting broadcast server for localhost.");
    await a.close();
    const b = await startNameServer({ host: "127.0.0.1", port: 0, bchost: "127.0.0.1", bcport: 0, enableBroadcast: false });
    assert.equal(b.broadcast, null);
    await b.close();
    await b.close(); // idempotent
  });

  test("locateNS by broadcast, then the typed client, then clean shutdown", async () => {
    const running = await startNameServer({ host: "127.0.0.1", port: 0, bchost: "127.0.0.1", bcport: 0 });
    const saved = { addrs: config.BROADCAST_ADDRS, port: config.NS_PORT };
    config.BROADCAST_ADDRS = "127.0.0.1";
    config.NS_PORT = 1;
    try {
      const ns = await locateNS(null, running.broadcast!.getPort());
      assert.equal(ns.uri.asString(), running.uri.asString());
      await ns.register("t.one", "PYRO:one@127.0.0.1:1", { metadata: new Set(["a", "b"]) });
      await ns.register("t.two", new URI("PYRO:two@127.0.0.1:2"), { safe: true });
      await assert.rejects(ns.register("t.two", "PYRO:x@h:1", { safe: true }), { name: "NamingError" });
      assert.equal(await ns.count(), 3);
      assert.deepEqual(await ns.lookup("t.one", { returnMetadata: true }), [new URI("PYRO:one@127.0.0.1:1"), ["a", "b"]]);
      assert.deepEqual(await ns.list({ prefix: "t." }), { "t.one": "PYRO:one@127.0.0.1:1", "t.two": "PYRO:two@127.0.0.1:2" });
      assert.deepEqual(await ns.list({ regex: "t\\.t", returnMetadata: true }), { "t.two": ["PYRO:two@127.0.0.1:2", []] });
      assert.deepEqual(Object.keys(await ns.list({ metadataAll: ["a", "b"] })), ["t.one"]);
      assert.deepEqual(Object.keys(await ns.list({ metadataAny: ["b", "z"] })), ["t.one"]);
      await ns.setMetadata("t.two", ["c"]);
      assert.deepEqual((await ns.lookup("t.two", { returnMetadata: true }))[1], ["c"]);
      await assert.rejects(ns.lookup("nope"), { name: "NamingError", message: "unknown name: nope" });
      await assert.rejects(ns.list({ prefix: "a", regex: "b" }), { name: "ValueError", message: "you can only filter on one thing at a time" });
      assert.equal(await ns.remove(null, { prefix: "t." }), 2);
      await ns.ping();
      await ns.release();
    } finally {
      config.BROADCAST_ADDRS = saved.addrs;
      config.NS_PORT = saved.port;
      await running.close();
    }
    assert.equal(running.daemon.closed, true);
  });

  test("hmac key: right key works, no key is refused", async () => {
    await using running = await startNameServer({ host: "127.0.0.1", port: 0, hmacKey: "secret" });
    const loc = running.uri;
    const good = await locateNS(loc.host, loc.port, { hmacKey: "secret" });
    await good.ping();
    await good.release();
    await assert.rejects(locateNS(loc.host, loc.port), (e: Error) => e.name === "NamingError" && /Failed to locate/.test(e.message));
  });

  test("storage specs: memory, sql, dbm refused with an explanation, unknown refused", () => {
    assert.equal(createStorage(undefined).description, "memory");
    const s = createStorage("sql:" + join(dir, "spec.sqlite"));
    assert.equal(s.description, "sql:" + join(dir, "spec.sqlite"));
    void s.close();
    assert.throws(() => createStorage("dbm:/tmp/x"), /dbm storage is not supported/);
    assert.throws(() => createStorage("redis:x"), (e: unknown) => (e as { code?: string }).code === "ERR_PYRO4_CONFIG_VALUE" && /invalid storage type 'redis:x'/.test(String(e)));
  });

  test("the sqlite driver is node:sqlite where the runtime has it, better-sqlite3 otherwise", () => {
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
    const builtIn = major > 22 || (major === 22 && minor >= 13);
    assert.equal(hasNodeSqlite(), builtIn);
    const st = new SqlStorage(join(dir, "driver.sqlite"));
    assert.equal(st.driver, builtIn ? "node:sqlite" : "better-sqlite3");
    st.close();
  });
});

describe("pyro4 ns / pyro4 nsc commands", () => {
  test("ns prints pyro4-ns's lines and shuts down on request; nsc talks to it", async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    const done = nsMain(["-n", "127.0.0.1", "-p", "0", "-x"], { out: (l) => lines.push(l), err: (l) => lines.push(l), stopSignal });
    while (!lines.some((l) => l.startsWith("URI = "))) await new Promise((r) => setTimeout(r, 20));
    // like pyro4-ns, the localhost notice is printed even with -x
    assert.deepEqual(lines.slice(0, 3).map((l) => l.replace(/:\d+/, ":PORT")), [
      "Not starting broadcast server for localhost.",
      "NS running on 127.0.0.1:PORT (127.0.0.1)",
      "Warning: HMAC key not set. Anyone can connect to this server!",
    ]);
    const uri = new URI(lines.find((l) => l.startsWith("URI = "))!.slice(6));
    let out = "";
    const nsc = (...a: string[]) => nscMain(["-n", uri.host!, "-p", String(uri.port), ...a], { out: (t) => (out += t), err: (t) => (out += t) });
    assert.equal(await nsc("register", "cli.x", "PYRO:x@127.0.0.1:9"), 0);
    assert.equal(await nsc("setmeta", "cli.x", "tag"), 0);
    assert.equal(await nsc("list", "cli"), 0);
    assert.equal(
      out,
      "Registered cli.x\nMetadata updated\n--------START LIST - prefix 'cli'\ncli.x --> PYRO:x@127.0.0.1:9\n    metadata: ['tag']\n--------END LIST - prefix 'cli'\n",
    );
    stop();
    assert.equal(await done, 0);
    assert.equal(lines.at(-1), "NS shut down.");
  });

  test("ns refuses bad options like optparse and bad storage with a message", async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    assert.equal(await nsMain(["--port=abc"], io), 2);
    assert.match(lines.join("\n"), /error: option --port: invalid integer value: 'abc'/);
    assert.equal(await nsMain(["-n", "127.0.0.1", "-p", "0", "-s", "dbm:/tmp/x"], io), 1);
    assert.match(lines.join("\n"), /dbm storage is not supported/);
    lines.length = 0;
    assert.equal(await nsMain(["-h"], io), 0);
    assert.match(lines.join("\n"), /--nobc\s+don't start a broadcast server/);
  });
});

test("python repr of what nsc prints", () => {
  const cases: [unknown, string][] = [
    [["a", "b"], "['a', 'b']"],
    ["it's", `"it's"`],
    [`both ' and "`, `'both \\' and "'`],
    ["tab\tnl\n\\", "'tab\\tnl\\n\\\\'"],
    ["\u0001\u00a0é😀\u2028", "'\\x01\\xa0é😀\\u2028'"],
    [[1, 1.5, true, null, 2.0e-7], "[1, 1.5, True, None, 2e-07]"],
  ];
  for (const [v, want] of cases) assert.equal(pyRepr(v), want);
  assert.equal(reprStr(""), "''");
  assert.deepEqual(["b", "😀", "\uffff", "a"].sort(compareCodePoints), ["a", "b", "\uffff", "😀"]);
});

test("autoclean removes registrations whose server stays unreachable (Pyro4's NS_AUTOCLEAN)", async () => {
  const { autocleanTiming } = await import("../../src/naming/server.js");
  const net = await import("node:net");
  const saved = { ...autocleanTiming };
  Object.assign(autocleanTiming, { minPeriod: 0.05, unreachableMs: 200, loopMs: 50 });
  const alive = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => alive.listen(0, "127.0.0.1", () => r()));
  const port = (alive.address() as { port: number }).port;
  try {
    await assert.rejects(startNameServer({ host: "127.0.0.1", port: 0, autoclean: 0.01 }), (e: unknown) => (e as { code?: string }).code === "ERR_PYRO4_CONFIG_VALUE" && /NS_AUTOCLEAN cannot be smaller than/.test(String(e)));
    await using running = await startNameServer({ host: "127.0.0.1", port: 0, autoclean: 0.1 });
    await running.nameserver.register("alive", `PYRO:a@127.0.0.1:${port}`);
    await running.nameserver.register("dead", "PYRO:d@127.0.0.1:1");
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && "dead" in running.nameserver.list()) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(Object.keys(running.nameserver.list()).sort(), ["Pyro.NameServer", "alive"]);
  } finally {
    Object.assign(autocleanTiming, saved);
    alive.close();
  }
});
