// Load from real Python Pyro4 clients: 4 processes x 25 threads calling one daemon for 3 s; every call is
// answered and the daemon ends with no connection left. (The TypeScript-only load tests are in test/load/.)
import { test, after } from "node:test";
import assert from "node:assert/strict";
import type { Daemon } from "../../src/server/daemon.js";
import { runPythonAsync } from "../helpers/python.js";
import { startFuzzDaemon } from "../fuzz/harness.js";

const daemons: Daemon[] = [];
after(async () => {
  for (const d of daemons) await d.close();
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

test("load: Python clients (4 processes x 25 threads) get answers; calls/s", { timeout: 120_000 }, async (t) => {
  const daemon = await startFuzzDaemon({});
  daemons.push(daemon);
  const uri = daemon.uriFor("fuzz").asString();
  const outs = await Promise.all(Array.from({ length: 4 }, () => runPythonAsync(["fault_clients.py", "load", uri, "25", "3"], { timeoutMs: 60_000 })));
  let calls = 0;
  for (const o of outs) {
    assert.doesNotMatch(o, /errors/, o);
    calls += Number(/calls (\d+)/.exec(o)![1]);
  }
  t.diagnostic(`Python load: 100 threads, ${calls} calls in 3 s = ${Math.round(calls / 3)} calls/s`);
  assert.ok(calls > 300, `only ${calls} calls`);
  await until(() => daemon.connections.size === 0, 5000);
  assert.equal(daemon.connections.size, 0);
});
