// Method and attribute names that mean something to every JavaScript object (constructor, __proto__, toString,
// hasOwnProperty, valueOf...) sent by a Python client to our daemon: the same AttributeError answers as from
// Python's daemon, as calls, through __getattr__/__setattr__ and inside a batch, and the connection keeps working.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { Daemon } from "../../src/server/daemon.js";
import { EchoServer } from "../../src/cli/echoserver.js";

const ENV = { PYRO_SERIALIZERS_ACCEPTED: "serpent,json,marshal,msgpack", PYTHONWARNINGS: "ignore" };
let theirs: PythonServer;
let ours: Daemon;
let ourUri: string;

before(async () => {
  theirs = await startPython(["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1"], /echo uri: (\S+)/, { env: ENV });
  ours = await Daemon.create({ host: "127.0.0.1", serializersAccepted: ["serpent", "json", "marshal", "msgpack"] });
  ourUri = ours.register(new EchoServer(), "test.echoserver").asString();
});
after(async () => {
  await ours?.close();
  await theirs?.stop();
});

for (const ser of ["serpent", "json", "msgpack"]) {
  test(`JavaScript-special names over ${ser}: AttributeErrors equal Python's daemon's`, async () => {
    const [expected, got] = await Promise.all([
      runPythonAsync(["daemon_js_names.py", theirs.ready, ser], { env: ENV }),
      runPythonAsync(["daemon_js_names.py", ourUri, ser], { env: ENV }),
    ]);
    const lines = got.trim().split("\n");
    assert.equal(lines.length, 61);
    assert.equal(lines.at(-1), "echo => 'still here'");
    assert.ok(lines.includes("call toString() !! AttributeError: 'EchoServer' object has no attribute 'toString'"), got);
    assert.ok(lines.includes("getattr constructor !! AttributeError: type object 'EchoServer' has no attribute 'constructor'"), got);
    assert.equal(got, expected);
  });
}
