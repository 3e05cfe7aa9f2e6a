// Our name server started with `protocol: 5` answering real Python Pyro5 clients with Pyro5's API
// (test/fixtures/pyro5_ns_client.py: register/lookup/list/yplookup/set_metadata/remove, errors, PYRONAME and
// PYROMETA resolution), compared result for result with Python's own Pyro5 name server; and `Pyro5.nsc` lines.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { startNameServer, type RunningNameServer } from "../../src/naming/server.js";
import { Proxy } from "../../src/client/proxy.js";
import { URI } from "../../src/uri.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";

const ENV = PYRO5_ENV;

let ours: RunningNameServer;
let theirs: PythonServer;
before(async () => {
  ours = await startNameServer({ host: "127.0.0.1", port: 0, protocol: 5, enableBroadcast: false });
  theirs = await startPython(["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"], /NS running on 127\.0\.0\.1:(\d+)/, { env: ENV });
});
after(async () => {
  await ours?.close();
  await theirs?.stop();
});

test("a Python Pyro5 client gets the same results from our name server as from Pyro5's", async () => {
  const run = (port: number) => runPythonAsync(["pyro5_ns_client.py", "127.0.0.1", String(port)], { env: ENV, timeoutMs: 30_000 });
  const mine = JSON.parse((await run(ours.uri.port!)).trim());
  const ref = JSON.parse((await run(Number(theirs.ready))).trim());
  assert.equal(mine.lookup_type, "URI");
  assert.equal(mine.count, 4);
  assert.deepEqual(mine.yp_all, [["app.one", "PYRO:one@h1:1001"]]);
  assert.match(mine.unknown, /^NamingError: unknown name: no\.such/);
  assert.deepEqual(mine, ref);
});

test("Pyro5.nsc prints the same list and yplookup lines for ours as for Pyro5's", async () => {
  const nsc = (port: number, ...args: string[]) =>
    runPythonAsync(["-m", "Pyro5.nsc", "-n", "127.0.0.1", "-p", String(port), ...args], { env: ENV, timeoutMs: 30_000 });
  for (const port of [ours.uri.port!, Number(theirs.ready)]) {
    await nsc(port, "register", "nsc.thing", "PYRO:thing@h:1");
    await nsc(port, "setmeta", "nsc.thing", "blue", "green");
  }
  // a Python set prints in its process's string-hash order: compare set contents, not that order
  const sortSet = (m: string) => "{" + m.slice(1, -1).split(", ").sort().join(", ") + "}";
  const norm = (s: string, port: number) => s.replaceAll(`127.0.0.1:${port}`, "NS").replace(/\r/g, "").replace(/\{[^{}]*\}/g, sortSet);
  for (const args of [["list"], ["listmatching", "nsc\\..*"], ["lookup", "nsc.thing"], ["yplookup_all", "blue"], ["ping"]]) {
    const a = norm(await nsc(ours.uri.port!, ...args), ours.uri.port!);
    const b = norm(await nsc(Number(theirs.ready), ...args), Number(theirs.ready));
    assert.ok(a.length > 0);
    assert.equal(a, b, `nsc ${args.join(" ")}`);
  }
});

test("our Pyro5 proxy resolves PYRONAME and PYROMETA through our Pyro5 name server", async () => {
  const nsp = new Proxy<any>(ours.uri.asString(), { protocol: 5 });
  try {
    await nsp.register("node.ns", ours.uri, false, new Set(["tag5"]));
    const found = await nsp.lookup("node.ns");
    assert.ok(found instanceof URI);
    const p = new Proxy<any>(`PYROMETA:tag5@127.0.0.1:${ours.uri.port}`, { protocol: 5 });
    try {
      assert.equal(await p.ping(), null);
    } finally {
      await p.$release();
    }
  } finally {
    await nsp.$release();
  }
});
