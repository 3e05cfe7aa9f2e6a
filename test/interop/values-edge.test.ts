// Issue 15 against real Python Pyro4, both ways over all four serializers:
// - a Python client echoes huge/tiny/integral floats, big ints and frozensets through OUR daemon and gets back the
//   same types and values (test/fixtures/values_edge_client.py);
// - our client takes the same values from a Python daemon and sends them back, and Python checks their types
//   (test/fixtures/values_edge_daemon.py);
// - exception classes named like Object.prototype members ("constructor", "__proto__", ...) cross in both directions
//   as RemoteError, never as an Object member, and the daemon keeps serving.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { Daemon } from "../../src/server/daemon.js";
import { expose } from "../../src/server/expose.js";
import { Proxy } from "../../src/client/proxy.js";
import { PyroError, RemoteError } from "../../src/errors.js";
import { isFrozenSet } from "../../src/serializers/values.js";

const SERIALIZERS = ["serpent", "json", "marshal", "msgpack"] as const;
const NAMES = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"];

class Edge {
  @expose echo(x: unknown) {
    return x;
  }
  @expose describe(x: unknown) {
    if (x instanceof RemoteError) return `RemoteError ${x.pythonType} ${String(x.args[0])}`;
    if (x instanceof PyroError) return `PyroError ${x.constructor.name}`;
    return `${typeof x} ${Object.prototype.toString.call(x)}`;
  }
}

let daemon: Daemon;
let python: PythonServer;
before(async () => {
  daemon = await Daemon.create({ host: "127.0.0.1", serializersAccepted: ["serpent", "json", "marshal", "msgpack"] });
  daemon.register(new Edge(), "edge");
  python = await startPython(["values_edge_daemon.py"], /uri: (\S+)/);
});
after(async () => {
  await daemon?.close();
  await python?.stop();
});

for (const ser of SERIALIZERS) {
  test(`${ser}: a Python client gets edge floats, big ints and frozensets back from our daemon with type and value`, async () => {
    const out = await runPythonAsync(["values_edge_client.py", daemon.uriFor("edge").asString(), ser]);
    const r = JSON.parse(out.trim().split("\n").pop()!) as { checked: number; mismatches: unknown[]; seen: Record<string, string> };
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.checked, { serpent: 35, json: 34, marshal: 39, msgpack: 34 }[ser]);
    for (const name of NAMES) {
      assert.equal(r.seen[name], `RemoteError ${name} x`, `${ser} ${name}`);
      assert.equal(r.seen["Pyro4.errors." + name], `RemoteError Pyro4.errors.${name} x`, `${ser} Pyro4.errors.${name}`);
    }
    assert.equal(r.seen["exception object"], "RemoteError Pyro4.errors.constructor y");
    assert.equal(r.seen.after, "still serving");
  });

  test(`${ser}: edge floats and big ints from a Python daemon go back to it with their Python types`, async () => {
    await using p = new Proxy(python.ready, { serializer: ser });
    const floats = (await p.floats()) as unknown[];
    const ints = (await p.ints()) as unknown[];
    assert.ok(floats.every((x) => typeof x === "number"), `floats arrive as numbers: ${floats.map((x) => typeof x).join()}`);
    assert.ok(ints.every((x) => typeof x === "bigint"), `big ints arrive as bigints: ${ints.map((x) => typeof x).join()}`);
    assert.deepEqual(await p.check(floats, ints), []);
  });

  test(`${ser}: exceptions whose class is named like an Object member arrive as RemoteError`, async () => {
    await using p = new Proxy(python.ready, { serializer: ser });
    for (const name of NAMES) {
      await assert.rejects(p.raise_named(name), (e: unknown) => {
        assert.ok(e instanceof RemoteError, `${name}: ${Object.prototype.toString.call(e)} ${String(e)}`);
        assert.equal(e.pythonType, `Pyro4.errors.${name}`);
        assert.deepEqual(e.args, [`raised ${name}`]);
        return true;
      });
      const v = await p.named_dict(name);
      assert.ok(v instanceof RemoteError, `${name} as a returned value: ${Object.prototype.toString.call(v)}`);
      assert.equal(v.pythonType, name);
    }
    assert.deepEqual(await p.ints(), [2n ** 53n, 2n ** 60n, -(2n ** 63n), 2n ** 64n, 10n ** 30n]); // the connection still works
  });
}

test("marshal: a frozenset from a Python daemon arrives as FrozenSet and goes back as frozenset", async () => {
  await using p = new Proxy(python.ready, { serializer: "marshal" });
  const fs = await p.frozen();
  assert.ok(isFrozenSet(fs));
  assert.deepEqual([...(fs as Set<unknown>)], [1, 2]);
  assert.equal(await p.type_of(fs), "frozenset");
  assert.equal(await p.type_of(new Set([1])), "set");
});
