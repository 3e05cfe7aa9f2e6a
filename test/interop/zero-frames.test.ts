// Zero-length frames (a message with no annotations and no data: a bare PING, an empty INVOKE...) sent by a raw
// Python socket client (test/fixtures/zero_frames.py) to our daemon and to Python's `Pyro4.test.echoserver`:
// every scenario must get the same replies and the same keep/close decision. Python answers a bare PING and
// keeps the connection; our reader used to throw a TypeError on it and drop the client.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { Daemon } from "../../src/server/daemon.js";

const ENV = { PYRO_SERIALIZERS_ACCEPTED: "serpent,json,marshal,msgpack", PYTHONWARNINGS: "ignore" };
let theirs: PythonServer;
let ours: Daemon;
before(async () => {
  [theirs, ours] = await Promise.all([
    startPython(["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1"], /echo uri: PYRO:[^@]+@(\S+)/, { env: ENV }),
    Daemon.create({ host: "127.0.0.1", serializersAccepted: ["serpent", "json", "marshal", "msgpack"] }),
  ]);
});
after(async () => {
  await ours?.close();
  await theirs?.stop();
});

type Outcome = Record<string, { replies: unknown[]; closed: boolean }>;


test("zero-length frames: our daemon answers and keeps or drops the connection exactly as Python's daemon does", async () => {
  const ourLoc = ours.locationStr;
  const [mine, ref] = await Promise.all([
    runPythonAsync(["zero_frames.py", ourLoc], { env: ENV, timeoutMs: 60_000 }),
    runPythonAsync(["zero_frames.py", theirs.ready], { env: ENV, timeoutMs: 60_000 }),
  ]);
  const a = JSON.parse(mine) as Outcome;
  const b = JSON.parse(ref) as Outcome;
  assert.ok(Object.keys(b).length >= 10);
  // what Python does, so a change on either side shows: a bare PING is answered and the connection stays
  assert.deepEqual(b["three pings in one chunk"], { replies: [[2, 0, 0, true], [6, 0, 1, true], [6, 0, 2, true], [6, 0, 3, true]], closed: false });
  // ...and an empty INVOKE gets the exception its serializer raises on empty input, and the connection stays
  assert.deepEqual(b["empty invoke marshal"], { replies: [[2, 0, 0, true], [5, 1, 1, true, ["builtins.EOFError", "('EOF read where object expected',)"]]], closed: false });
  for (const name of Object.keys(b)) {
    assert.deepEqual(a[name], b[name], `scenario "${name}": ours ${JSON.stringify(a[name])} vs Python ${JSON.stringify(b[name])}`);
  }
  // and our daemon still serves afterwards
  const again = JSON.parse(await runPythonAsync(["zero_frames.py", ourLoc, "ping alone"], { env: ENV })) as Outcome;
  assert.equal(again["ping alone"]!.closed, false);
});
