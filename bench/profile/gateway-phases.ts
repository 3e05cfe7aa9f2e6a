// Per-phase timings of one gateway request against Python's name server and backend (Pyro4 or Pyro5):
// name-server lookup over the gateway's persistent link, TCP connect, handshake with metadata, the call, close;
// then the same over HTTP through our gateway (in this process) and Python's, for the HTTP share.
// `node --import tsx bench/profile/gateway-phases.ts [--n 400] [--protocol 5]`
import { parseArgs } from "node:util";
import { Agent, request } from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { connectSocket } from "../../src/transport/connect.js";
import { NameServerAccess, targetFromState } from "../../src/gateway/nameserver.js";
import { PyroLink } from "../../src/gateway/link.js";
import { gatewayProtocol } from "../../src/gateway/protocol.js";
import { profileFor } from "../../src/profiles/index.js";
import { HttpGateway } from "../../src/gateway/server.js";
import { DEFAULT_LIMITS } from "../../src/limits.js";

const { values } = parseArgs({ options: { n: { type: "string" }, protocol: { type: "string" } } });
const N = Number(values.n ?? 400);
const p5 = values.protocol === "5";
const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
const FIXTURES = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
const pyEnv: Record<string, string> = p5 ? { PYTHONPATH: fileURLToPath(new URL("../../test/vendor/pyro5", import.meta.url)) } : {};

function start(args: string[], ready: RegExp, env: Record<string, string>, cwd?: string): Promise<{ child: ChildProcess; m: string }> {
  const child = spawn(PYTHON, args, { cwd, env: { ...process.env, PYTHONUNBUFFERED: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    const on = (l: string) => { const m = ready.exec(l); if (m) resolve({ child, m: m[1] ?? l }); };
    createInterface({ input: child.stdout! }).on("line", on);
    createInterface({ input: child.stderr! }).on("line", on);
    child.once("exit", (c) => reject(new Error(`exit ${c}`)));
  });
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const now = () => Number(process.hrtime.bigint()) / 1e6;

const ns = await start(["-m", p5 ? "Pyro5.nameserver" : "Pyro4.naming", "-n", "127.0.0.1", "-p", "0"], /NS running on [^:]+:(\d+)/, pyEnv);
const nsPort = Number(ns.m);
const be = await start(["gateway_backend.py", "127.0.0.1", String(nsPort)], /(READY)/, p5 ? { ...pyEnv, INTEROP_PEER: "5" } : pyEnv, FIXTURES);
const pyGw = await start(["-W", "ignore", "-m", p5 ? "Pyro5.utils.httpgateway" : "Pyro4.utils.httpgateway", "-H", "127.0.0.1", "-p", "0"], /running on (http:\S+)/, { ...pyEnv, PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: String(nsPort) });
try {
  const proto = gatewayProtocol(profileFor(p5 ? 5 : 4));
  const nsa = new NameServerAccess({ proto, host: "127.0.0.1", port: nsPort, hmacKey: null, timeoutMs: 0, limits: DEFAULT_LIMITS });
  const opts = { proto, hmacKey: null, timeoutMs: 0, correlation: Buffer.alloc(16, 1), limits: DEFAULT_LIMITS };
  const ph: Record<string, number[]> = { lookup: [], tcpConnect: [], handshake: [], call: [], close: [], total: [] };
  for (let i = 0; i < N + 50; i++) {
    const t0 = now();
    const text = await nsa.call("lookup", ["http.echo"], {}, opts.correlation);
    const t1 = now();
    const target = targetFromState((JSON.parse(text) as { state: unknown[] }).state);
    const sock = await connectSocket(target, {});
    const t2 = now();
    sock.destroy();
    const t2b = now();
    const { link } = await PyroLink.open(target, target.object, opts); // connect + handshake
    const t3 = now();
    await link.invoke(target.object, "echo", [], { message: "hello" });
    const t4 = now();
    link.close();
    const t5 = now();
    if (i >= 50) {
      ph.lookup!.push(t1 - t0); ph.tcpConnect!.push(t2 - t1); ph.handshake!.push(t3 - t2b - (t2 - t1)); ph.call!.push(t4 - t3); ph.close!.push(t5 - t4);
      ph.total!.push(t1 - t0 + (t3 - t2b) + (t5 - t3));
    }
  }
  nsa.close();
  const g = new HttpGateway({ protocol: p5 ? 5 : 4, host: "127.0.0.1", port: 0, nsHost: "127.0.0.1", nsPort });
  await g.listen();
  const http = async (base: string) => {
    const u = new URL(base);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const t: number[] = [];
    for (let i = 0; i < N + 50; i++) {
      const t0 = now();
      await new Promise<void>((res, rej) => request({ host: u.hostname, port: u.port, path: u.pathname + "http.echo/echo?message=hello", agent }, (r) => { r.resume(); r.on("end", res); }).on("error", rej).end());
      if (i >= 50) t.push(now() - t0);
    }
    agent.destroy();
    return t;
  };
  const inGw: Record<string, number[]> = {};
  g.phaseHook = (k, ms) => (inGw[k] ??= []).push(ms);
  const oursHttp = await http(g.url);
  const pyHttp = await http(pyGw.m);
  await g.close();
  const gr = new HttpGateway({ protocol: p5 ? 5 : 4, host: "127.0.0.1", port: 0, nsHost: "127.0.0.1", nsPort, reuse: "http\\.", nsCacheSecs: 10 });
  await gr.listen();
  const inReuse: Record<string, number[]> = {};
  gr.phaseHook = (k, ms) => (inReuse[k] ??= []).push(ms);
  const reuseHttp = await http(gr.url);
  await gr.close();
  console.log(`${p5 ? "Pyro5" : "Pyro4"} gateway request phases, median of ${N} (ms), Python name server and backend:`);
  for (const [k, v] of Object.entries(ph)) console.log(`  ${k.padEnd(12)} ${med(v).toFixed(3)}`);
  console.log(`  HTTP request through our gateway (keep-alive): ${med(oursHttp).toFixed(3)}`);
  console.log(`  HTTP request through Python's gateway:         ${med(pyHttp).toFixed(3)}`);
  console.log(`  HTTP request through ours with reuse + ns-cache: ${med(reuseHttp).toFixed(3)}`);
  console.log("  inside our gateway, default mode (median ms):", Object.entries(inGw).map(([k, v]) => `${k} ${med(v).toFixed(3)} (n=${v.length})`).join(", "));
  console.log("  inside our gateway, reuse mode (median ms):", Object.entries(inReuse).map(([k, v]) => `${k} ${med(v).toFixed(3)} (n=${v.length})`).join(", "));
} finally {
  for (const p of [pyGw, be, ns]) p.child.kill("SIGTERM");
}
