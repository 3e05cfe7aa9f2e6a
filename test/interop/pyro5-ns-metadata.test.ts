// The container type of name-server metadata, as a Python Pyro5 client decodes it (test/fixtures/ns5_meta_types.py):
// Python's memory storage keeps a name registered without metadata as frozenset() and given metadata as a set, and
// list(return_metadata=True) hands each out as stored; only marshal tells the two apart. Ours must match. With json
// and msgpack Python's name server cannot send that frozenset at all (SerializeError); ours sends a list, as for
// any other metadata (a deliberate difference, in docs/pyro5.md).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { startNameServer, type RunningNameServer } from "../../src/naming/server.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";

let ours: RunningNameServer;
let theirs: PythonServer;
before(async () => {
  ours = await startNameServer({ host: "127.0.0.1", port: 0, protocol: 5, enableBroadcast: false });
  theirs = await startPython(["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"], /NS running on 127\.0\.0\.1:(\d+)/, { env: PYRO5_ENV });
});
after(async () => {
  await ours?.close();
  await theirs?.stop();
});

const probe = async (port: number, serializer: string) =>
  JSON.parse((await runPythonAsync(["ns5_meta_types.py", "127.0.0.1", String(port), serializer], { env: PYRO5_ENV })).trim().split("\n").pop()!);

for (const serializer of ["marshal", "serpent"]) {
  test(`Pyro5 name server over ${serializer}: list() and yplookup() metadata are Python's set / frozenset`, async () => {
    const [ref, mine] = await Promise.all([probe(Number(theirs.ready), serializer), probe(ours.uri.port!, serializer)]);
    assert.deepEqual(mine, ref);
    if (serializer === "marshal") {
      assert.deepEqual(ref.list["t.none"][1][1], ["frozenset", []]);
      assert.deepEqual(ref.list["t.empty"][1][1], ["set", []]);
      assert.deepEqual(ref.list["t.some"][1][1], ["set", ["x", "y"]]);
    }
  });
}

for (const serializer of ["json", "msgpack"]) {
  test(`Pyro5 name server over ${serializer}: yplookup() as Python's; list() works where Python's fails on its frozenset`, async () => {
    const [ref, mine] = await Promise.all([probe(Number(theirs.ready), serializer), probe(ours.uri.port!, serializer)]);
    assert.deepEqual(mine.yplookup_all, ref.yplookup_all);
    assert.deepEqual(mine.yplookup_any, ref.yplookup_any);
    assert.equal(ref.list, "error: SerializeError");
    assert.deepEqual(mine.list["t.none"], ["list", [["str", "PYRO:none@h:1"], ["list", []]]]);
  });
}
