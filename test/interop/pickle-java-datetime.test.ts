// Pyrolite (Java) pickles a Calendar, a java.sql.Date and its Time as constructor calls (datetime.datetime(2020, 2,
// 29, 13, 14, 15, 123000) by GLOBAL + int args + REDUCE), not with Python's bytes state. A Python Pyro4 client
// that pickles them the same way (test/fixtures/pickle_datetime_ctor.py) must get the same echo from
// Python's Pyro4 echoserver and from ours: the values, and Python's ValueError for arguments out of range.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { cleanEnv } from "../helpers/echoservers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ENV = cleanEnv({ PYRO_SERIALIZERS_ACCEPTED: "serpent,pickle", PYTHONWARNINGS: "ignore" });
const READY = /^echo uri: (PYRO:\S+)$/;

let ours: PythonServer;
let theirs: PythonServer;
before(async () => {
  [ours, theirs] = await Promise.all([
    startPython(["--import", "tsx", MAIN, "echoserver", "-H", "127.0.0.1", "-p", "0"], READY, { executable: process.execPath, env: ENV }),
    startPython(["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1", "-p", "0"], READY, { env: ENV }),
  ]);
});
after(async () => {
  await Promise.all([ours?.stop(), theirs?.stop()]);
});

test("datetime, date and time pickled as constructor calls (as Pyrolite writes them) echo as from Python's daemon", async () => {
  const run = (uri: string) => runPythonAsync(["pickle_datetime_ctor.py", uri], { env: ENV });
  const [ref, got] = await Promise.all([run(theirs.ready), run(ours.ready)]);
  assert.equal(got, ref);
  assert.deepEqual(ref.trim().split("\n"), [
    "datetime.datetime(2020, 2, 29, 13, 14, 15, 123000)",
    "datetime.datetime(1, 1, 1, 0, 0)",
    "datetime.datetime(2021, 7, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(seconds=7200)))",
    "datetime.date(2021, 7, 1)",
    "datetime.time(13, 14, 15, 16)",
    "datetime.time(23, 0)",
    "ValueError: month must be in 1..12",
    "ValueError: day is out of range for month",
  ]);
});
