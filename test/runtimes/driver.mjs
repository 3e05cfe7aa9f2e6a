// The runtime matrix driver: one plain ES module that a user of Node, Bun or Deno could have written, run from a
// project where the packed pyro4 tarball is installed (test/runtimes/run.mjs sets that up). It exercises pyro4
// against real Python Pyro4 feature by feature, each under its own deadline, and prints one line per feature:
//   RESULT {"feature": "...", "ok": true|false, "ms": N, "error": "..."}
// A hang is a failure of that feature (its deadline), never a stuck run. Everything it starts it stops.
//
// usage (from the consumer project): <runtime> driver.mjs   env: PYRO4_PYTHON, RT_CERTS (dir from certs.mjs),
// RT_FEATURES (comma list, default all), RT_RUNTIME (label for the CLI features: node | bun | deno)

import { spawn } from "node:child_process";
import dc from "node:diagnostics_channel";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as pyro4 from "pyro4";
import { createStorage } from "pyro4/protocol";

const { Proxy, Daemon, expose, oneway, batch, startNameServer, locateNS, HttpGateway, TimeoutError, config } = pyro4;

const HERE = dirname(fileURLToPath(import.meta.url));
const PY = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
const HELPER = join(HERE, "py_helper.py");
const CERTS = process.env.RT_CERTS ?? "";
const RUNTIME = process.env.RT_RUNTIME ?? (globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node");
const ONLY = process.env.RT_FEATURES ? new Set(process.env.RT_FEATURES.split(",")) : null;
const TMP = mkdtempSync(join(tmpdir(), `pyro4-rt-${RUNTIME}-`));
const children = new Set();
const cleanups = [];

// ---------------------------------------------------------------------------------------------- helpers

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}
function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}

function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`HANG: ${what} did not settle within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Start a process; resolves with the first match of `ready` in its stdout+stderr. */
function startProcess(cmd, args, ready, opts = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let text = "";
  const found = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(" ")}: not ready within 20 s:\n${text}`)), 20_000);
    const onData = (d) => {
      text += d.toString();
      const m = ready.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(" ")} exited (${code ?? sig}) before ready:\n${text}`));
    });
  });
  return { child, found, output: () => text };
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {}
      resolve();
    }, 3000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      child.kill("SIGTERM");
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Run the Python helper (async, so our daemons in this process keep serving); resolves with its OK text. */
function python(mode, ...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(PY, [HELPER, mode, ...args.map(String)], { stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    child.on("exit", () => {
      clearTimeout(timer);
      children.delete(child);
      const line = out.split("\n").find((l) => l.startsWith("OK ") || l.startsWith("ERROR "));
      if (line?.startsWith("OK ")) resolve(line.slice(3));
      else reject(new Error(`python ${mode}: ${line ?? "no answer"} ${err.trim().split("\n").slice(-2).join(" | ")}`));
    });
  });
}

let echoUri = null;
/** Python's echoserver, started once and shared. */
async function pythonEcho() {
  if (echoUri) return echoUri;
  const p = startProcess(PY, ["-m", "Pyro4.test.echoserver", "-p", "0", "-H", "127.0.0.1"], /echo uri: (\S+)/);
  cleanups.push(() => stop(p.child));
  echoUri = (await p.found)[1];
  return echoUri;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

class Service {
  constructor() {
    this.fired = [];
  }
  echo(x) {
    return x;
  }
  add(a, b) {
    return a + b;
  }
  *gen(n) {
    for (let i = 0; i < n; i++) yield i;
  }
  fire(x) {
    this.fired.push(x);
  }
  seen() {
    return this.fired;
  }
  async call_me(cb, v) {
    return await cb.notify(v);
  }
}
expose(Service);
oneway(Service.prototype, "fire", Object.getOwnPropertyDescriptor(Service.prototype, "fire"));

// ---------------------------------------------------------------------------------------------- features

const features = [];
function feature(name, ms, fn) {
  features.push({ name, ms, fn });
}

feature("client: calls, attributes, oneway, generator, batch", 20_000, async () => {
  const p = new Proxy(await pythonEcho(), { timeout: 10_000 });
  try {
    eq(await p.echo("hi"), "hi", "echo");
    eq(await p.echo([1, 2.5, { three: 3 }]), [1, 2.5, { three: 3 }], "echo list");
    eq(await p.verbose, false, "attribute verbose");
    await p.oneway_echo("fire");
    const items = [];
    for await (const x of p.generator()) items.push(x);
    eq(items, ["one", "two", "three"], "generator");
    const b = batch(p);
    b.echo(1);
    b.echo("two");
    const r = [];
    for await (const x of await b.$send()) r.push(x);
    eq(r, [1, "two"], "batch");
    try {
      await p.error();
      throw new Error("error() did not throw");
    } catch (e) {
      check(e instanceof pyro4.RemoteError || e?.name === "ValueError" || /ValueError/.test(String(e?.pythonType ?? e)), `remote error: ${e}`);
    }
  } finally {
    await withDeadline(p.$release(), 5000, "$release()");
  }
});

feature("client: timeout and AbortSignal cancellation", 25_000, async () => {
  const p = new Proxy(await pythonEcho(), { timeout: 10_000 });
  try {
    // slow() answers after 5 s: a TimeoutError can only come from the 300 ms timeout (no elapsed time checked)
    const e1 = await p.$with({ timeout: 300 }).slow().then(() => null, (e) => e);
    check(e1 instanceof TimeoutError, `timeout gives TimeoutError, got ${e1}`);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const e2 = await p.$with({ signal: ac.signal }).slow().then(() => null, (e) => e);
    check(e2?.name === "AbortError", `abort gives AbortError, got ${e2}`);
    eq(await p.echo("after"), "after", "call after cancellation reconnects");
  } finally {
    await withDeadline(p.$release(), 5000, "$release()");
  }
});

feature("client: $release and reconnect", 20_000, async () => {
  const p = new Proxy(await pythonEcho(), { timeout: 10_000 });
  eq(await p.echo(1), 1, "first call");
  await withDeadline(p.$release(), 5000, "$release()");
  eq(await p.echo(2), 2, "call after $release reconnects");
  await withDeadline(p.$reconnect(3, 1000), 5000, "$reconnect()");
  eq(await p.echo(3), 3, "call after $reconnect");
  await withDeadline(p.$release(), 5000, "second $release()");
  await withDeadline(p.$release(), 5000, "$release() of a released proxy");
});

feature("daemon: Python client (calls, generator, oneway)", 25_000, async () => {
  const d = await Daemon.create({ host: "127.0.0.1", port: 0 });
  const loop = d.requestLoop();
  try {
    const uri = d.register(Service, "rt.service");
    const out = await python("call", uri.asString());
    eq(out, "['hello', [1, 2.5, {'k': (3, 4)}], [0, 1, 2], 5, ['x']]", "python client results");
  } finally {
    await withDeadline(d.close(), 5000, "daemon.close()");
    await loop;
  }
});

feature("daemon: callback to a Python object", 25_000, async () => {
  const d = await Daemon.create({ host: "127.0.0.1", port: 0 });
  const loop = d.requestLoop();
  try {
    const uri = d.register(new Service(), "rt.service");
    eq(await python("callback", uri.asString()), "['ack 7', [7]]", "callback");
  } finally {
    await withDeadline(d.close(), 5000, "daemon.close()");
    await loop;
  }
});

feature("name server: Python client register/lookup/list", 25_000, async () => {
  const ns = await startNameServer({ host: "127.0.0.1", port: 0, storage: "memory" });
  const d = await Daemon.create({ host: "127.0.0.1", port: 0 });
  const loop = d.requestLoop();
  try {
    const uri = d.register(Service, "rt.thing.obj").asString();
    const out = await python("ns", ns.uri.host, ns.uri.port, uri);
    eq(out, "[True, ['rt.thing'], ['rt.thing'], 'via ns', 1]", "python ns client");
    const client = await locateNS(ns.uri.host, ns.uri.port, { timeout: 5000 });
    try {
      await client.register("rt.mine", uri);
      eq(String(await client.lookup("rt.mine")), uri, "our client lookup");
      const p = new Proxy(`PYRONAME:rt.mine@${ns.uri.host}:${ns.uri.port}`, { timeout: 5000 });
      eq(await p.echo("x"), "x", "PYRONAME call");
      await withDeadline(p.$release(), 5000, "$release()");
    } finally {
      await withDeadline(client.$release(), 5000, "ns client $release()");
    }
  } finally {
    await withDeadline(d.close(), 5000, "daemon.close()");
    await loop;
    await withDeadline(ns.close(), 5000, "ns.close()");
  }
});

feature("name server: sql: storage (sqlite)", 20_000, async () => {
  const file = join(TMP, "ns.sqlite");
  const s = createStorage(`sql:${file}`);
  try {
    s.set("x", "PYRO:x@localhost:1", ["t"]);
    eq([s.get("x").uri, s.count()], ["PYRO:x@localhost:1", 1], "sql storage");
  } finally {
    s.close?.();
  }
  const ns = await startNameServer({ host: "127.0.0.1", port: 0, storage: `sql:${file}` });
  try {
    eq(await python("nslist", ns.uri.host, ns.uri.port), "['Pyro.NameServer', 'x']", "python list on sql storage");
  } finally {
    await withDeadline(ns.close(), 5000, "ns.close()");
  }
});

feature("TLS: our client -> Python TLS daemon (2-way)", 25_000, async () => {
  check(CERTS, "RT_CERTS not set");
  const c = (f) => join(CERTS, f);
  const p0 = startProcess(PY, [join(HERE, "tls_server.py"), c("server.pem"), c("server.key"), c("ca.pem"), "1"], /URI: (\S+)/);
  cleanups.push(() => stop(p0.child));
  const uri = (await p0.found)[1];
  const p = new Proxy(uri, { timeout: 10_000, ssl: { caCerts: c("ca.pem"), clientCert: c("client.pem"), clientKey: c("client.key") } });
  try {
    eq(await p.echo("tls"), "tls", "echo over TLS");
    eq(await p.peer(), "pyro4-test-client", "server saw our client cert");
  } finally {
    await withDeadline(p.$release(), 5000, "$release()");
    await stop(p0.child);
  }
});

feature("TLS: Python client -> our TLS daemon (2-way)", 25_000, async () => {
  check(CERTS, "RT_CERTS not set");
  const c = (f) => join(CERTS, f);
  const d = await Daemon.create({
    host: "127.0.0.1", port: 0,
    ssl: { serverCert: c("server.pem"), serverKey: c("server.key"), caCerts: c("ca.pem"), requireClientCert: true },
  });
  const loop = d.requestLoop();
  try {
    const uri = d.register(Service, "rt.tls").asString();
    eq(await python("tls", uri, c("ca.pem"), c("client.pem"), c("client.key")), "hello tls", "python over TLS");
  } finally {
    await withDeadline(d.close(), 5000, "daemon.close()");
    await loop;
  }
});

feature("unix sockets: both ways", 25_000, async () => {
  const pysock = join(TMP, "py.sock");
  const p0 = startProcess(PY, ["-m", "Pyro4.test.echoserver", "-u", pysock], /echo uri: (\S+)/);
  cleanups.push(() => stop(p0.child));
  const uri = (await p0.found)[1];
  const p = new Proxy(uri, { timeout: 10_000 });
  try {
    eq(await p.echo("unix"), "unix", "our client over a unix socket");
  } finally {
    await withDeadline(p.$release(), 5000, "$release()");
    await stop(p0.child);
  }
  const d = await Daemon.create({ unixsocket: join(TMP, "ours.sock") });
  const loop = d.requestLoop();
  try {
    const u = d.register(Service, "rt.unix").asString();
    eq(await python("call", u), "['hello', [1, 2.5, {'k': (3, 4)}], [0, 1, 2], 5, ['x']]", "python over our unix socket");
  } finally {
    await withDeadline(d.close(), 5000, "daemon.close()");
    await loop;
  }
});

feature("broadcast: locateNS both ways", 25_000, async () => {
  const bcport = await freePort(); // a free TCP port number, used for UDP (likely free too)
  let ns;
  try {
    ns = await startNameServer({ host: "127.0.0.1", port: 0, bchost: "0.0.0.0", bcport, storage: "memory" });
  } catch (e) {
    throw new Error(`broadcast responder: ${e?.code ?? ""} ${e?.name}: ${e?.message}`, { cause: e });
  }
  try {
    check(ns.broadcast, `no broadcast responder: ${ns.broadcastSkipped}`);
    const out = await python("broadcast", bcport);
    check(out.includes(`${ns.uri.port}`), `python found ${out}, expected port ${ns.uri.port}`);
    const saved = [config.NS_HOST, config.BROADCAST_ADDRS];
    config.NS_HOST = "192.0.2.1"; // nothing there: only the broadcast can find it
    config.BROADCAST_ADDRS = "127.255.255.255";
    try {
      const client = await locateNS(undefined, bcport, { timeout: 3000, broadcastTimeout: 1000 });
      eq(client.proxy.$uri.port, ns.uri.port, "our locateNS by broadcast");
      await withDeadline(client.$release(), 5000, "$release()");
    } finally {
      [config.NS_HOST, config.BROADCAST_ADDRS] = saved;
    }
  } finally {
    await withDeadline(ns.close(), 5000, "ns.close()");
  }
});

feature("diagnostics channels", 15_000, async () => {
  const seen = new Set();
  const onConnect = () => seen.add("client:connect");
  const onFrame = () => seen.add("frame:send");
  dc.subscribe("pyro4:client:connect", onConnect);
  dc.subscribe("pyro4:frame:send", onFrame);
  const tc = dc.tracingChannel("pyro4:client:call");
  const handlers = { start: (m) => seen.add(`call:start:${m.method}`), asyncEnd: () => seen.add("call:asyncEnd") };
  tc.subscribe(handlers);
  const p = new Proxy(await pythonEcho(), { timeout: 10_000 });
  try {
    await p.echo("dc");
  } finally {
    await withDeadline(p.$release(), 5000, "$release()");
    dc.unsubscribe("pyro4:client:connect", onConnect);
    dc.unsubscribe("pyro4:frame:send", onFrame);
    tc.unsubscribe(handlers);
  }
  eq([...seen].sort(), ["call:asyncEnd", "call:start:echo", "client:connect", "frame:send"], "channel messages");
});

feature("HTTP gateway + pyro4/http client (fetch) to Python's echoserver", 25_000, async () => {
  const ns = await startNameServer({ host: "127.0.0.1", port: 0, storage: "memory" });
  const gw = new HttpGateway({ host: "127.0.0.1", port: 0, expose: "", nsHost: ns.uri.host, nsPort: ns.uri.port, timeout: 10 });
  try {
    const client = await locateNS(ns.uri.host, ns.uri.port, { timeout: 5000 });
    await client.register("test.echoserver", await pythonEcho());
    await withDeadline(client.$release(), 5000, "$release()");
    const addr = await gw.listen();
    const res = await fetch(`http://127.0.0.1:${addr.port}/pyro/test.echoserver/echo?message=hi`);
    eq([res.status, await res.text()], [200, '"hi"'], "gateway answer");
    // the browser client (pyro4/http: one ES module, global fetch) through the same gateway
    const { httpProxy } = await import("pyro4/http");
    const echo = httpProxy("test.echoserver", { gateway: `http://127.0.0.1:${addr.port}/pyro/`, timeout: 5000 });
    eq(await echo.echo("via pyro4/http"), "via pyro4/http", "httpProxy call");
    const items = [];
    for await (const x of echo.$stream.generator()) items.push(x);
    eq(items, ["one", "two", "three"], "httpProxy stream");
  } finally {
    await withDeadline(gw.close(), 5000, "gateway.close()");
    await withDeadline(ns.close(), 5000, "ns.close()");
  }
});

feature("top-level await: release, reconnect, timeout, daemon, name server settle with nothing else pending", 40_000, async () => {
  const [cmd, ...args] = JSON.parse(process.env.RT_SELF ?? "null") ?? [process.execPath];
  const p0 = startProcess(cmd, [...args, join(HERE, "toplevel.mjs"), await pythonEcho()], /TOPLEVEL DONE/);
  const text = () => p0.output().replace(/\x1b\[[0-9;]*m/g, "").trim().split("\n").slice(-4).join(" / ");
  await p0.found.catch((e) => {
    throw new Error(`${text()} (${String(e.message).split("\n")[0]})`);
  });
  const code = await new Promise((res) => (p0.child.exitCode !== null ? res(p0.child.exitCode) : p0.child.once("exit", (c) => res(c))));
  eq(code, 0, `exit code (${text()})`);
});

/** The installed CLI run the runtime's way; RT_CLI_<name> gives the command as JSON (run.mjs sets them). */
function cliCommand(sub) {
  const spec = process.env[`RT_CLI_${sub.toUpperCase()}`];
  if (!spec) throw new Error(`RT_CLI_${sub.toUpperCase()} not set`);
  return JSON.parse(spec);
}

feature("CLI: pyro4 echoserver, called by Python", 40_000, async () => {
  const [cmd, ...args] = cliCommand("echoserver");
  const p0 = startProcess(cmd, [...args, "echoserver", "-p", "0"], /echo uri: (\S+)/, { detached: true });
  const kill = () => {
    try {
      process.kill(-p0.child.pid, "SIGKILL");
    } catch {}
  };
  cleanups.push(kill);
  try {
    const uri = (await p0.found)[1];
    eq(await python("echo", uri), "['cli', ['one', 'two', 'three']]", "python calls the CLI's echoserver");
  } finally {
    kill();
  }
});

feature("CLI: pyro4 ns, listed by Python", 40_000, async () => {
  const [cmd, ...args] = cliCommand("ns");
  const port = await freePort();
  const p0 = startProcess(cmd, [...args, "ns", "-n", "127.0.0.1", "-p", String(port)], /NS running on/, { detached: true });
  const kill = () => {
    try {
      process.kill(-p0.child.pid, "SIGKILL");
    } catch {}
  };
  cleanups.push(kill);
  try {
    await p0.found;
    eq(await python("nslist", "127.0.0.1", port), "['Pyro.NameServer']", "python lists the CLI's name server");
  } finally {
    kill();
  }
});

// ---------------------------------------------------------------------------------------------- run

const results = [];
for (const f of features) {
  if (ONLY && ![...ONLY].some((o) => f.name.startsWith(o))) continue;
  const t0 = Date.now();
  let ok = true;
  let error = "";
  try {
    await withDeadline(Promise.resolve().then(f.fn), f.ms, f.name);
  } catch (e) {
    ok = false;
    error = `${e?.name ?? "Error"}${e?.code ? ` [${e.code}]` : ""}: ${String(e?.message ?? e).split("\n").slice(0, 3).join(" / ")}`;
  }
  const r = { feature: f.name, ok, ms: Date.now() - t0, error };
  results.push(r);
  console.log(`RESULT ${JSON.stringify(r)}`);
}
for (const c of cleanups) await Promise.resolve().then(c).catch(() => {});
for (const c of children) await stop(c);
rmSync(TMP, { recursive: true, force: true });
console.log(`DONE ${results.filter((r) => r.ok).length}/${results.length}`);
process.exit(0);
