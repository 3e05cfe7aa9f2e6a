// Our name server against real Python Pyro4: the same Python client script and the same pyro4-nsc commands run
// against Python's pyro4-ns and against ours must print the same lines; broadcast discovery both ways; our
// `pyro4 nsc` against pyro4-ns; PYRONAME/PYROMETA resolution.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { startNameServer, type RunningNameServer } from "../../src/naming/server.js";
import { locateNS } from "../../src/naming/locate.js";
import { nscMain } from "../../src/cli/nsc.js";
import { config } from "../../src/config.js";
import { resolve } from "../../src/client/resolve.js";
import { URI } from "../../src/uri.js";
import type { SerializerName } from "../../src/serializers/index.js";

const ALL = "serpent,json,marshal,msgpack";
const pyEnv = { PYTHONWARNINGS: "ignore", PYRO_SERIALIZERS_ACCEPTED: ALL, PYTHONHASHSEED: "0" };

let pyns: PythonServer;
let pyLoc: string;
let ours: RunningNameServer;
let ourLoc: string;

before(async () => {
  pyns = await startPython(["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0"], /URI = (PYRO:\S+)/, { env: pyEnv });
  pyLoc = new URI(pyns.ready).location!;
  ours = await startNameServer({ host: "127.0.0.1", port: 0, daemonOptions: { serializersAccepted: ALL.split(",") as SerializerName[] } });
  ourLoc = ours.uri.location!;
});
after(async () => {
  await ours?.close();
  await pyns?.stop();
});

function hostPort(loc: string): [string, string] {
  const i = loc.lastIndexOf(":");
  return [loc.slice(0, i), loc.slice(i + 1)];
}

describe("Python clients against our name server", () => {
  for (const ser of ALL.split(",")) {
    test(`every NameServer method over ${ser} gives what pyro4-ns gives`, async () => {
      const [ph, pp] = hostPort(pyLoc);
      const [oh, op] = hostPort(ourLoc);
      const expected = (await runPythonAsync(["naming_client.py", ph, pp, ser], { env: pyEnv })).split("\n");
      const got = (await runPythonAsync(["naming_client.py", oh, op, ser], { env: pyEnv })).split("\n");
      assert.ok(expected.length > 50, "the fixture ran to the end");
      assert.equal(got.length, expected.length);
      for (let i = 0; i < expected.length; i++) {
        // Python's own NS cannot send (URI, list) over marshal ("unmarshallable object"); ours can, so there
        // the only acceptable difference is a successful answer of the same shape.
        if (ser === "marshal" && expected[i]!.endsWith("!! ValueError unmarshallable object")) {
          assert.match(got[i]!, /^[\w ]+ => tuple\(URI\(PYRO:[^)]+\), list\[.*\]\)$/);
          continue;
        }
        assert.equal(got[i], expected[i]);
      }
      // the resolution steps really resolved
      assert.ok(got.includes("resolve PYRONAME => URI(PYRO:target@127.0.0.1:6000)"), got.join("\n"));
      assert.ok(got.includes("resolve PYROMETA => URI(PYRO:target@127.0.0.1:6000)"));
    });
  }
});

/** Sort the list inside `metadata: [...]` lines (tags come in Python set order, which is per-process). */
function normalise(text: string, loc: string): string {
  return text
    .split(loc)
    .join("NSLOC")
    .split("\n")
    .map((line) => {
      const m = /^(\s*metadata: )\[(.*)\]$/.exec(line);
      return m ? `${m[1]}[${m[2]!.split(", ").sort().join(", ")}]` : line;
    })
    .join("\n");
}

const nscScript: string[][] = [
  ["ping"],
  ["register", "nsc.a", "PYRO:a@127.0.0.1:1111"],
  ["register", "nsc.a", "PYRO:a@127.0.0.1:1111"],
  ["register", "nsc.b", "PYRO:b@./u:/tmp/b.sock"],
  ["register", "nsc.bad", "not a uri"],
  ["setmeta", "nsc.a", "red", "green", "it's"],
  ["setmeta", "nsc.b", "green"],
  ["setmeta", "nsc.none", "x"],
  ["list"],
  ["list", "nsc."],
  ["list", "zzz"],
  ["listmatching", "nsc\\.[ab]$"],
  ["listmatching", "(("],
  ["listmatching"],
  ["lookup", "nsc.a"],
  ["lookup", "nsc.b"],
  ["lookup", "nsc.none"],
  ["listmeta_all", "green", "red"],
  ["listmeta_any", "red", "nothing"],
  ["listmeta_all"],
  ["setmeta", "nsc.a"],
  ["lookup", "nsc.a"],
  ["remove", "nsc.b"],
  ["remove", "nsc.b"],
  ["remove", "Pyro.NameServer"],
  ["removematching", "nsc"],
  ["list"],
  ["bogus"],
];

test("pyro4-nsc prints the same against our name server as against pyro4-ns", async () => {
  const run = async (loc: string) => {
    const [h, p] = hostPort(loc);
    let out = "";
    for (const cmd of nscScript) {
      const input = cmd[0] === "removematching" ? "y\n" : "";
      const res = await runPythonAsync(
        ["-c", "import sys; from Pyro4.nsc import main; main(sys.argv[1:])", "-n", h, "-p", p, ...cmd],
        { env: pyEnv, input },
      ).catch((e: Error) => `(exit) ${e.message.split("\n").slice(1).join("\n").trim()}\n`);
      out += `$ ${cmd.join(" ")}\n${res}`;
    }
    return normalise(out, loc);
  };
  const [expected, got] = await Promise.all([run(pyLoc), run(ourLoc)]);
  if (process.env.NAMING_SHOW_NSC) console.log(expected);
  assert.ok(expected.includes("Registered nsc.a") && expected.includes("--------END LIST"));
  assert.equal(got, expected);
});

test("our pyro4 nsc against Python's pyro4-ns", async () => {
  const [h, p] = hostPort(pyLoc);
  const nsc = async (...args: string[]) => {
    let out = "";
    let err = "";
    const code = await nscMain(["-n", h, "-p", p, ...args], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      ask: async () => "y",
    });
    return { code, out, err };
  };
  assert.equal((await nsc("ping")).out, "Name server ping ok.\n");
  assert.equal((await nsc("register", "ts.nsc", "PYRO:x@127.0.0.1:2222")).out, "Registered ts.nsc\n");
  assert.equal((await nsc("register", "ts.nsc", "PYRO:x@127.0.0.1:2222")).out, "Error: NamingError - name already registered: ts.nsc\n");
  assert.equal((await nsc("setmeta", "ts.nsc", "b", "a")).out, "Metadata updated\n");
  assert.match((await nsc("lookup", "ts.nsc")).out, /^PYRO:x@127\.0\.0\.1:2222\nmetadata: \['[ab]', '[ab]'\]\n$/);
  assert.equal(
    normalise((await nsc("list", "ts.")).out, pyLoc),
    "--------START LIST - prefix 'ts.'\nts.nsc --> PYRO:x@127.0.0.1:2222\n    metadata: ['a', 'b']\n--------END LIST - prefix 'ts.'\n",
  );
  assert.equal((await nsc("listmatching", "a)")).out, "Error: NamingError - invalid regex: unbalanced parenthesis at position 1\n");
  assert.equal((await nsc("lookup", "nope")).out, "Error: NamingError - unknown name: nope\n");
  assert.equal((await nsc("removematching", "ts\\.")).out, "1 items removed.\n");
  assert.equal((await nsc("remove", "ts.nsc")).out, "Nothing removed\n");
  const usage = await nsc("lookup");
  assert.deepEqual([usage.code, usage.err], [1, "requires one argument: name\n"]);
  const bad = await nsc("frobnicate");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /error: invalid or missing command/);
});

test("our locateNS/NameServerClient against Python's pyro4-ns (typed methods)", async () => {
  const [h, p] = hostPort(pyLoc);
  const ns = await locateNS(h, Number(p));
  try {
    await ns.ping();
    await ns.register("ts.typed", "PYRO:t@127.0.0.1:3333", { metadata: ["one", "two"] });
    await assert.rejects(ns.register("ts.typed", "PYRO:t@127.0.0.1:3333", { safe: true }), { name: "NamingError", message: "name already registered: ts.typed" });
    const [u, tags] = await ns.lookup("ts.typed", { returnMetadata: true });
    assert.ok(u instanceof URI);
    assert.deepEqual([String(u), tags.sort()], ["PYRO:t@127.0.0.1:3333", ["one", "two"]]);
    assert.deepEqual(await ns.list({ prefix: "ts." }), { "ts.typed": "PYRO:t@127.0.0.1:3333" });
    const withMeta = await ns.list({ metadataAny: ["two", "zzz"], returnMetadata: true });
    assert.deepEqual(Object.keys(withMeta), ["ts.typed"]);
    assert.deepEqual(await ns.list({ metadataAll: ["one", "zzz"] }), {});
    await ns.setMetadata("ts.typed", null);
    assert.deepEqual((await ns.lookup("ts.typed", { returnMetadata: true }))[1], []);
    await assert.rejects(ns.list({ regex: "((" }), { message: "invalid regex: missing ), unterminated subpattern at position 1" });
    assert.equal(await ns.remove(null, { regex: "ts\\.t" }), 1);
    assert.equal(await ns.count(), 1);
    assert.equal(await ns.remove("ts.typed"), 0);
  } finally {
    await ns.release();
  }
});

test("PYRONAME/PYROMETA resolution from TypeScript through both name servers", async () => {
  for (const loc of [pyLoc, ourLoc]) {
    const [h, p] = hostPort(loc);
    const ns = await locateNS(h, Number(p));
    await ns.register("res.target", "PYRO:resolved@127.0.0.1:4444", { metadata: ["res-tag"] });
    assert.equal(String(await resolve(`PYRONAME:res.target@${loc}`)), "PYRO:resolved@127.0.0.1:4444");
    assert.equal(String(await resolve(`PYROMETA:res-tag@${loc}`)), "PYRO:resolved@127.0.0.1:4444");
    await assert.rejects(resolve(`PYROMETA:nothing-here@${loc}`), { name: "NamingError" });
    await assert.rejects(resolve(`PYRONAME:res.missing@${loc}`), { message: "unknown name: res.missing" });
    await ns.remove("res.target");
    await ns.release();
  }
});

describe("broadcast discovery on loopback", () => {
  test("Python's locateNS finds our name server by broadcast", async () => {
    const bcns = await startNameServer({ host: "127.0.0.1", port: 0, bchost: "127.0.0.1", bcport: 0 });
    try {
      assert.ok(bcns.broadcast, "responder started for an explicit bchost");
      const bcport = bcns.broadcast!.getPort();
      const out = await runPythonAsync(["naming_locate.py", String(bcport)], {
        env: { ...pyEnv, PYRO_BROADCAST_ADDRS: "127.0.0.1", PYRO_NS_PORT: "1" },
      });
      assert.match(out, new RegExp(`^LOCATED ${bcns.uri.asString().replace(/\./g, "\\.")}$`, "m"));
      assert.match(out, /^COUNT 2$/m);
      assert.match(out, /^LOOKUP PYRO:bcobj@127\.0\.0\.1:7000$/m);
      assert.equal(String(bcns.nameserver.lookup("bc.found")), "PYRO:bcobj@127.0.0.1:7000");
    } finally {
      await bcns.close();
    }
  });

  test("our locateNS finds Python's name server by broadcast, and errors name every address tried", async () => {
    const py = await startPython(["naming_pyns_bc.py"], /URI = (PYRO:\S+)/, { env: pyEnv });
    const saved = { addrs: config.BROADCAST_ADDRS, port: config.NS_PORT, host: config.NS_HOST };
    try {
      const bcport = Number(/BCPORT (\d+)/.exec(py.output.join("\n"))![1]);
      config.BROADCAST_ADDRS = "127.0.0.1";
      config.NS_PORT = 1;
      const ns = await locateNS(null, bcport);
      assert.equal(ns.uri.asString(), py.ready);
      await ns.ping();
      assert.equal(await ns.count(), 1);
      await ns.release();
      // nothing answers on this port: every step is reported
      await assert.rejects(locateNS(null, 1, { broadcastTimeout: 100, broadcastRounds: 1 }), (e: Error) => {
        assert.equal(e.name, "NamingError");
        assert.match(e.message, /^Failed to locate the nameserver; tried:/);
        assert.match(e.message, /PYRO:Pyro\.NameServer@localhost:1: /);
        assert.match(e.message, /broadcast GET_NSURI to 127\.0\.0\.1:1: no answer/);
        return true;
      });
    } finally {
      config.BROADCAST_ADDRS = saved.addrs;
      config.NS_PORT = saved.port;
      config.NS_HOST = saved.host;
      await py.stop();
    }
  });
});
