// Persistence of the sql storage through the real `pyro4 ns` command: registrations survive kill -9 and a
// restart, and one sqlite file moves between Python's pyro4-ns and ours in both directions.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startPython, type PythonServer } from "../helpers/python.js";
import { locateNS } from "../../src/naming/locate.js";
import { URI } from "../../src/uri.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli", "main.ts");
const dir = mkdtempSync(join(tmpdir(), "pyro4-ns-persist-"));
const running = new Set<PythonServer>();
after(async () => {
  for (const s of running) await s.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function ourNs(file: string): Promise<PythonServer> {
  const s = await startPython(["--import", "tsx", MAIN, "ns", "-n", "127.0.0.1", "-p", "0", "-x", "-s", "sql:" + file], /URI = (PYRO:\S+)/, {
    executable: process.execPath,
  });
  running.add(s);
  return s;
}
async function pythonNs(file: string): Promise<PythonServer> {
  const s = await startPython(["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0", "-s", "sql:" + file], /URI = (PYRO:\S+)/, {
    env: { PYTHONWARNINGS: "ignore" },
  });
  running.add(s);
  return s;
}
async function client(server: PythonServer) {
  const u = new URI(server.ready);
  return locateNS(u.host, u.port);
}
async function stop(server: PythonServer, signal: NodeJS.Signals): Promise<void> {
  await server.kill(signal);
  running.delete(server);
}

test("sql storage: every name and tag is back after kill -9 and restart", async () => {
  const file = join(dir, "kill9.sqlite");
  const first = await ourNs(file);
  const ns = await client(first);
  const want: Record<string, [string, string[]]> = {};
  for (let i = 0; i < 25; i++) {
    const tags = i % 3 === 0 ? [] : [`t${i % 5}`, "all", `ü${i}`];
    const name = `persist.n${i}`;
    await ns.register(name, `PYRO:obj${i}@127.0.0.1:${5000 + i}`, { metadata: tags });
    want[name] = [`PYRO:obj${i}@127.0.0.1:${5000 + i}`, [...tags].sort()];
  }
  await ns.setMetadata("persist.n1", ["changed"]);
  want["persist.n1"]![1] = ["changed"];
  assert.equal(await ns.remove("persist.n2"), 1);
  delete want["persist.n2"];
  await ns.release();
  await stop(first, "SIGKILL");

  const second = await ourNs(file);
  assert.ok(second.output.includes(`Persistent store contains ${Object.keys(want).length + 1} existing registrations.`), second.output.join("\n"));
  const ns2 = await client(second);
  const got = await ns2.list({ prefix: "persist.", returnMetadata: true });
  for (const v of Object.values(got)) v[1].sort();
  assert.deepEqual(got, want);
  // the name server's own entry now points at the new port
  assert.equal(String(await ns2.lookup("Pyro.NameServer")), second.ready);
  await ns2.release();
  await stop(second, "SIGTERM");
  assert.ok(second.output.includes("NS shut down."), second.output.join("\n"));
});

test("sql file: pyro4-ns -> ours -> pyro4-ns", async () => {
  const file = join(dir, "shared.sqlite");
  const py1 = await pythonNs(file);
  let ns = await client(py1);
  await ns.register("py.written", "PYRO:p@127.0.0.1:6001", { metadata: ["from-python", "x"] });
  await ns.register("py.plain", "PYRO:q@127.0.0.1:6002");
  await ns.release();
  await stop(py1, "SIGTERM");

  const mine = await ourNs(file);
  ns = await client(mine);
  const [u, tags] = await ns.lookup("py.written", { returnMetadata: true });
  assert.deepEqual([String(u), tags.sort()], ["PYRO:p@127.0.0.1:6001", ["from-python", "x"]]);
  assert.deepEqual(Object.keys(await ns.list({ metadataAll: ["x", "from-python"] })), ["py.written"]);
  await ns.register("ts.written", "PYRO:t@127.0.0.1:6003", { metadata: ["from-ts"] });
  assert.equal(await ns.remove("py.plain"), 1);
  await ns.release();
  await stop(mine, "SIGKILL");

  const py2 = await pythonNs(file);
  assert.ok(py2.output.includes("Persistent store contains 3 existing registrations."), py2.output.join("\n"));
  ns = await client(py2);
  const all = await ns.list({ returnMetadata: true });
  for (const v of Object.values(all)) v[1].sort();
  assert.deepEqual(all, {
    "Pyro.NameServer": [py2.ready, ["class:Pyro4.naming.NameServer"]],
    "py.written": ["PYRO:p@127.0.0.1:6001", ["from-python", "x"]],
    "ts.written": ["PYRO:t@127.0.0.1:6003", ["from-ts"]],
  });
  await ns.release();
  await stop(py2, "SIGTERM");
});
