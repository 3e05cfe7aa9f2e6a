// Starts every examples/server/*.ts (node --import tsx, like a user would) and runs a Python client written like
// Pyro4's own example clients (test/fixtures/examples_*.py) against it, so the server examples keep working
// with real Python Pyro4. A new server example without an entry here fails the first test.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLES = join(ROOT, "examples", "server");

/** Start an example; it is ready once it prints "Pyro daemon running.". Returns it with the URIs it printed. */
async function startExample(name: string, env: Record<string, string> = {}): Promise<{ server: PythonServer; uris: string[] }> {
  const server = await startPython(["--import", "tsx", join(EXAMPLES, `${name}.ts`)], /^Pyro daemon running\.$/, {
    executable: process.execPath,
    env,
    timeoutMs: 30_000,
  });
  const uris = server.output.flatMap((l) => l.match(/PYRO:\S+/g) ?? []);
  return { server, uris };
}

/** `RESULT ...` lines of a fixture's output, split into words. */
function results(out: string): string[][] {
  return out
    .split("\n")
    .filter((l) => l.startsWith("RESULT "))
    .map((l) => l.split(" ").slice(1));
}

async function waitForLine(server: PythonServer, re: RegExp): Promise<void> {
  // up to 30 s (a budget for a loaded machine, not a speed)
  for (let i = 0; i < 3000 && !server.output.some((l) => re.test(l)); i++) await new Promise((r) => setTimeout(r, 10));
}

const tested = ["attributes", "handshake", "instancemode", "streaming", "warehouse"];

describe("server examples with Python clients", () => {
  let ns: PythonServer;
  let nsPort = "";
  before(async () => {
    // the warehouse registers itself in a name server: a real Python one, on a free port
    ns = await startPython(["-m", "Pyro4.naming", "-n", "localhost", "-p", "0"], /^URI = PYRO:Pyro\.NameServer@localhost:(\d+)/);
    nsPort = ns.ready;
  });
  after(async () => {
    await ns?.stop();
  });

  it("every examples/server/*.ts has a test here", () => {
    const examples = readdirSync(EXAMPLES)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.slice(0, -3))
      .sort();
    assert.deepEqual(examples, tested);
  });

  it("handshake: wrong secret refused with the daemon's message, right secret gets the custom response", async () => {
    const { server, uris } = await startExample("handshake");
    try {
      assert.equal(uris.length, 1);
      assert.match(uris[0]!, /^PYRO:example\.handshake@localhost:\d+$/);
      const port = uris[0]!.split(":").pop();
      const out = await runPythonAsync(["examples_handshake.py", uris[0]!]);
      assert.ok(
        out.includes(`Trying secret code: waffles\nError occurred: connection to ('localhost', ${port}) rejected: wrong secret code, connection refused\n`),
        out,
      );
      assert.match(
        out,
        /Trying secret code: pancakes\nProxy received handshake response data: \['how', 'are', 'you', 'doing'\]\nConnection ok, ping says: hi there, connection \d+ \(accepted with code pancakes\)\ndone\n$/,
      );
      await waitForLine(server, /^client disconnects: .*/);
      const log = server.output.join("\n");
      assert.match(log, /Handshake data: waffles\nSecret code wrong! Connection refused\./);
      assert.match(log, /Handshake data: pancakes\nSecret code okay! Connection accepted\./);
    } finally {
      await server.stop();
    }
  });

  it("attributes: properties read and written with attribute syntax; fields and private names unreachable", async () => {
    const { server, uris } = await startExample("attributes");
    try {
      assert.match(uris[0]!, /^PYRO:example\.attributes@localhost:\d+$/);
      const out = await runPythonAsync(["examples_attributes.py", uris[0]!]);
      const expectLines = [
        "Accessing the dictionary property: [('one', 1), ('three', 3), ('two', 2)]",
        "Server dict after local change: [('one', 1), ('three', 3), ('two', 2)]",
        "Getting readonly_prop1: Something",
        "AttributeError (expected) setting readonly_prop1: attempt to access unexposed or unknown remote attribute 'readonly_prop1'",
        "Getting prop1: 123",
        "prop1 after setting 999: 999",
        "prop1 after += 1: 1000",
        "Getting prop2: 42",
        "prop2 after setting 1234: 1234",
        "sub value via method: new value",
        "remote attributes: ['dictionary', 'prop1', 'prop2', 'readonly_prop1']",
        "remote methods: ['getSubValue', 'printDict', 'setSubValue']",
        "done",
      ];
      const lines = out.split("\n");
      for (const l of expectLines) assert.ok(lines.includes(l), `missing line ${JSON.stringify(l)} in:\n${out}`);
      for (const name of ["value", "sub", "_value", "__value", "dict"])
        assert.ok(lines.some((l) => l.startsWith(`AttributeError (expected) for ${name}: `)), `${name} was reachable:\n${out}`);
      assert.doesNotMatch(out, /wrong!/);
      await waitForLine(server, /^prop1 set to 1000$/);
      assert.ok(server.output.includes("prop1 set to 1000"), server.output.join("\n"));
      assert.ok(server.output.includes("readonly_prop1 accessed"));
    } finally {
      await server.stop();
    }
  });

  it("instancemode: single shares one instance, session one per proxy, percall one per call", async () => {
    const { server, uris } = await startExample("instancemode");
    try {
      assert.deepEqual(
        uris.map((u) => u.split("@")[0]),
        ["PYRO:instance.single", "PYRO:instance.session", "PYRO:instance.percall", "PYRO:instance.creator"],
      );
      const out = await runPythonAsync(["examples_instancemode.py", ...uris]);
      const rows = results(out); // [mode, "proxy", n, "call", c, "instance", id]
      const ids = (mode: string, proxy?: string) => rows.filter((r) => r[0] === mode && (proxy === undefined || r[2] === proxy)).map((r) => r[6]);
      assert.equal(new Set(ids("instance.single")).size, 1, out);
      for (const mode of ["instance.session", "instance.creator"]) {
        assert.equal(new Set(ids(mode, "0")).size, 1, out);
        assert.equal(new Set(ids(mode, "1")).size, 1, out);
        assert.equal(new Set(ids(mode)).size, 2, out);
      }
      assert.equal(new Set(ids("instance.percall")).size, 4, out);
      assert.equal(rows.length, 16);
      assert.ok(server.output.includes("(instance creator for CreatedInstance called)"), server.output.join("\n"));
    } finally {
      await server.stop();
    }
  });

  it("streaming: lists whole, iterators and generators item by item, a slow generator stopped early", async () => {
    const { server, uris } = await startExample("streaming");
    try {
      assert.match(uris[0]!, /^PYRO:example\.streamer@localhost:\d+$/);
      const out = await runPythonAsync(["examples_streaming.py", uris[0]!]);
      assert.deepEqual(results(out), [
        ["list", "list", "[1,", "2,", "3,", "4,", "5,", "6,", "7,", "8,", "9]"],
        ["iterator", "_StreamResultIterator", "[1,", "2,", "3,", "4,", "5,", "6,", "7,", "8,", "9]"],
        ["generator", "_StreamResultIterator", "[1,", "2,", "3,", "4,", "5,", "6,", "7,", "8,", "9]"],
        ["slow_generator", "[1,", "2,", "3]"],
      ]);
    } finally {
      await server.stop();
    }
  });

  it("warehouse: registered in Python's name server, Pyro4's visit.py-style client finds and uses it", async () => {
    const env = { PYRO_NS_HOST: "localhost", PYRO_NS_PORT: nsPort };
    const { server, uris } = await startExample("warehouse", env);
    try {
      assert.match(uris[0]!, /^PYRO:obj_[0-9a-f]{32}@localhost:\d+$/);
      const out = await runPythonAsync(["examples_warehouse.py"], { env });
      assert.match(out, /^This is Janet\.\nThe warehouse contains: \['chair', 'bike', 'flashlight', 'laptop', 'couch'\]\n/);
      assert.match(out, /This is Henry\./);
      assert.match(out, /ValueError \(expected\): list\.remove\(x\): x not in list/);
      assert.ok(out.includes("RESULT ['chair', 'flashlight', 'couch', 'sweater', 'hat']\n"), out);
      await waitForLine(server, /^Henry took the bike\.$/);
      for (const l of ["Janet stored the sweater.", "Janet took the laptop.", "Henry stored the hat.", "Henry took the bike."])
        assert.ok(server.output.includes(l), `server did not print ${l}:\n${server.output.join("\n")}`);
    } finally {
      await server.stop();
    }
  });
});
