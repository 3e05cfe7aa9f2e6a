// Our Daemon created with `protocol: 5` serving real Python Pyro5 clients (test/fixtures/pyro5_daemon_client.py,
// every serializer): values, metadata, attributes, exceptions, oneway, streams, batch, correlation id, autoproxy,
// URIs, the DaemonObject. And a Python Pyro4 client reaching it gets a clear protocol error, not a hang.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync } from "../helpers/python.js";
import { startTestDaemon } from "./daemon-fixture.js";
import { Daemon } from "../../src/server/daemon.js";
import { PyroError } from "../../src/errors.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";

const ENV = PYRO5_ENV;

let daemon: Daemon;
before(async () => {
  ({ daemon } = await startTestDaemon({ protocol: 5 }));
  daemon.callbackError = () => {};
});
after(() => daemon.close());

for (const ser of ["serpent", "json", "marshal", "msgpack"]) {
  test(`Python Pyro5 client scenarios over ${ser}`, async () => {
    const out = await runPythonAsync(["pyro5_daemon_client.py", daemon.locationStr, ser], { env: ENV, timeoutMs: 60_000 });
    const results = JSON.parse(out.trim().split("\n").pop()!) as Record<string, string>;
    assert.equal(Object.keys(results).length, 12, out);
    for (const [name, r] of Object.entries(results)) assert.equal(r, "ok", `${ser} / ${name}:\n${r}`);
  });
}

test("a Python Pyro4 client reaching a protocol-5 daemon gets a protocol error naming 502, within its timeout", async () => {
  const code = [
    "import Pyro4, time, sys",
    "Pyro4.config.COMMTIMEOUT = 5",
    `p = Pyro4.Proxy("PYRO:thing@${daemon.locationStr}")`,
    "t0 = time.time()",
    "try:",
    "    p.echo(1)",
    "    print('NO ERROR')",
    "except Exception as e:",
    "    print(type(e).__name__, '|', e, '|', round(time.time() - t0, 2))",
  ].join("\n");
  const out = (await runPythonAsync(["-c", code], { timeoutMs: 20_000 })).trim();
  const [cls, msg, secs] = out.split(" | ");
  assert.match(cls!, /ProtocolError|CommunicationError/, out);
  assert.match(msg!, /invalid data or unsupported protocol version/, out);
  assert.ok(Number(secs) < 5, out);
  // the daemon keeps serving Pyro5 clients
  const ok = await runPythonAsync(["-c", `from Pyro5.api import Proxy\nprint(Proxy("PYRO:thing@${daemon.locationStr}").echo("alive"))`], { env: ENV });
  assert.equal(ok.trim(), "alive");
});

test("a protocol-5 daemon refuses an HMAC key (Pyro5 removed HMAC)", () => {
  assert.throws(() => new Daemon({ protocol: 5, hmacKey: "k" }), (e: unknown) => e instanceof PyroError && /no HMAC/.test(e.message));
});
