// Real Python Pyro4 clients call the TypeScript daemon with each serializer: calls, kwargs, errors with remote
// tracebacks, oneway, batch, async proxies, streams, attributes, instance modes, shared proxies, autoproxy,
// DaemonObject, correlation ids and annotations (scenarios in test/fixtures/daemon_scenarios.py).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync } from "../helpers/python.js";
import { startTestDaemon } from "./daemon-fixture.js";
import type { Daemon } from "../../src/server/daemon.js";

let daemon: Daemon;
before(async () => {
  // pickle only because this daemon names it: it is never accepted by default
  ({ daemon } = await startTestDaemon({ serializersAccepted: ["serpent", "json", "marshal", "msgpack", "pickle"] }));
  daemon.callbackError = () => {};
});
after(() => daemon.close());

for (const ser of ["serpent", "json", "marshal", "msgpack", "pickle"]) {
  test(`Python client scenarios over ${ser}`, async () => {
    const out = await runPythonAsync(["daemon_scenarios.py", daemon.locationStr, ser], { timeoutMs: 90_000 });
    const results = JSON.parse(out.trim().split("\n").pop()!) as Record<string, string>;
    assert.ok(Object.keys(results).length >= 15, out);
    for (const [name, r] of Object.entries(results)) assert.equal(r, "ok", `${ser} / ${name}:\n${r}`);
  });
}
