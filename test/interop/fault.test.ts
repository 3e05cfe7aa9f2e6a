// Faults with real processes: Python clients SIGKILLed mid-call and mid-stream (the daemon cleans up and keeps
// serving), a daemon process SIGKILLed and restarted under Python and TypeScript clients that reconnect, and
// the name server SIGKILLed while Python clients register names (nothing acknowledged is lost).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startPython, type PythonServer } from "../helpers/python.js";
import { Daemon } from "../../src/server/daemon.js";
import { expose } from "../../src/server/expose.js";
import { Proxy } from "../../src/client/proxy.js";
import { locateNS } from "../../src/naming/locate.js";
import { URI } from "../../src/uri.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");
const SERVER = join(ROOT, "test", "load", "fault-server.ts");
const dir = mkdtempSync(join(tmpdir(), "pyro4-fault-"));
const procs = new Set<PythonServer>();
const unhandled: unknown[] = [];
process.on("unhandledRejection", (e) => unhandled.push(e));
process.on("uncaughtException", (e) => unhandled.push(e));
after(async () => {
  for (const p of procs) await p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// `ms`: a budget only a broken behaviour exhausts (not a speed): generous, for a loaded machine
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
async function start(args: string[], ready: RegExp, node = false): Promise<PythonServer> {
  const p = await startPython(args, ready, node ? { executable: process.execPath } : {});
  procs.add(p);
  return p;
}
async function kill(p: PythonServer, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  await p.kill(signal);
  procs.delete(p);
}
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

class FaultTarget {
  finishedSlow = 0;
  @expose async slow(seconds: number) {
    await sleep(seconds * 1000);
    this.finishedSlow++;
    return "slept";
  }
  @expose *numbers() {
    for (let i = 0; ; i++) yield i;
  }
  @expose add(a: number, b: number) {
    return a + b;
  }
}

async function localDaemon() {
  const daemon = await Daemon.create({ host: "127.0.0.1", iterStreamLinger: 0 });
  const target = new FaultTarget();
  const uri = daemon.uriFor(daemon.register(target, "fault").object).asString();
  return { daemon, target, uri };
}

test("fault: a Python client SIGKILLed mid-call; the daemon finishes the call, drops the connection, keeps serving", async () => {
  const { daemon, target, uri } = await localDaemon();
  try {
    const client = await start(["fault_clients.py", "midcall", uri, "0.5"], /^(calling)$/);
    await until(() => daemon.connections.size === 1, 60_000, "the client's connection");
    await sleep(50);
    await kill(client);
    await until(() => daemon.connections.size === 0, 60_000, "the dead connection to go");
    await until(() => target.finishedSlow === 1, 60_000, "the interrupted call to finish");
    await sleep(100); // its reply goes to a dead socket: must not throw anywhere
    const p = new Proxy(uri);
    assert.equal(await p.add(1, 2), 3);
    await p.$release();
    assert.deepEqual(unhandled, []);
  } finally {
    await daemon.close();
  }
});

test("fault: a Python client SIGKILLed mid-stream; its stream is closed and the daemon keeps serving", async () => {
  const { daemon, uri } = await localDaemon();
  try {
    const client = await start(["fault_clients.py", "midstream", uri], /^item (50)$/);
    assert.equal(daemon.streams.size, 1);
    await kill(client);
    await until(() => daemon.connections.size === 0, 60_000, "the dead connection to go");
    await until(() => daemon.streams.size === 0, 60_000, "the orphaned stream to close");
    const p = new Proxy(uri);
    assert.equal(await p.add(2, 2), 4);
    await p.$release();
    assert.deepEqual(unhandled, []);
  } finally {
    await daemon.close();
  }
});

test("fault: 20 Python clients SIGKILLed at random moments leave no connection or stream behind", async () => {
  const { daemon, uri } = await localDaemon();
  try {
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? start(["fault_clients.py", "midstream", uri], /^item (10)$/) : start(["fault_clients.py", "midcall", uri, "0.3"], /^(calling)$/),
      ),
    );
    await Promise.all(clients.map(async (c, i) => {
      await sleep((i * 37) % 200);
      await kill(c);
    }));
    await until(() => daemon.connections.size === 0 && daemon.streams.size === 0, 60_000, "connections and streams to go");
    assert.deepEqual(unhandled, []);
  } finally {
    await daemon.close();
  }
});

test("fault: the daemon process is SIGKILLed and restarted; Python and TypeScript clients reconnect", async () => {
  const port = await freePort();
  let server = await start(["--import", "tsx", SERVER, String(port)], /^READY (\S+)/, true);
  const uri = server.ready;
  const py = await start(["fault_clients.py", "reconnect", uri, "30"], /^ok (40)$/);
  const ts = new Proxy(uri, { timeout: 2000 });
  assert.equal(await ts.add(1, 1), 2);
  await kill(server, "SIGKILL");
  await sleep(300);
  await assert.rejects(ts.add(1, 2), (e: Error) => /Connection|closed|refused|Communication/i.test(e.name + e.message));
  const reconnecting = ts.$reconnect(100, 100);
  server = await start(["--import", "tsx", SERVER, String(port)], /^READY (\S+)/, true);
  await reconnecting;
  assert.equal(await ts.add(20, 22), 42);
  await ts.$release();
  const exited = new Promise<number | null>((r) => py.proc.once("exit", (c) => r(c)));
  assert.equal(await Promise.race([exited, sleep(20_000).then(() => "timeout")]), 0, py.output.join("\n"));
  procs.delete(py);
  assert.ok(py.output.includes("reconnected"), py.output.join("\n"));
  assert.ok(py.output.some((l) => l.startsWith("done ")), py.output.join("\n"));
  await kill(server, "SIGTERM");
});

test("fault: the name server is SIGKILLed during registrations; every acknowledged name survives (sql storage)", async () => {
  const file = join(dir, "ns.sqlite");
  const ns1 = await start(["--import", "tsx", MAIN, "ns", "-n", "127.0.0.1", "-p", "0", "-x", "-s", "sql:" + file], /URI = (PYRO:\S+)/, true);
  const writers = await Promise.all([0, 1, 2].map((w) => start(["fault_clients.py", "nsreg", ns1.ready, `w${w}`], /^ack (20)$/)));
  await sleep(300);
  await kill(ns1, "SIGKILL");
  await sleep(300);
  const acked = new Set<string>();
  writers.forEach((w, i) => {
    for (const l of w.output) {
      const m = /^ack (\d+)$/.exec(l);
      if (m) acked.add(`w${i}.${m[1]}`);
    }
  });
  for (const w of writers) await kill(w);
  assert.ok(acked.size >= 60);
  const ns2 = await start(["--import", "tsx", MAIN, "ns", "-n", "127.0.0.1", "-p", "0", "-x", "-s", "sql:" + file], /URI = (PYRO:\S+)/, true);
  const u = new URI(ns2.ready);
  const ns = await locateNS(u.host, u.port);
  const names = new Set<string>();
  for (const prefix of ["w0.", "w1.", "w2."]) for (const n of Object.keys(await ns.list({ prefix }))) names.add(n);
  await ns.release();
  const lost = [...acked].filter((n) => !names.has(n));
  assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged registrations lost`);
  await kill(ns2, "SIGTERM");
});
