// HTTP gateway throughput: `pyro4 httpgateway` (ours, in its own Node process) against Python's
// pyro4-httpgateway, both in front of the same Python name server and Python backend daemon, same run, same load:
// C concurrent clients with keep-alive agents issuing GET /pyro/http.echo/echo?message=... for D seconds each,
// alternating rounds. Python's wsgiref answers HTTP/1.0 and closes every connection, so its clients reconnect;
// ours keeps them open. Standalone: `node --import tsx bench/gateway.ts [--duration 3] [--concurrency 8]
// [--rounds 3] [--json out.json] [--protocol 5] [--reuse] [--cpu-prof DIR]`; `runGatewayBench()` is exported for
// bench/run.ts. With --protocol 5: `pyro5 httpgateway` against Python's Pyro5.utils.httpgateway, Pyro5 name server
// and backend. `--table` measures every row of bench/README.md's table in one run (Pyro4 and Pyro5, default and
// --reuse, 1, 8 and 32 clients or the --concurrency list). `--cpu-prof DIR` runs our gateway under
// `node --cpu-prof` and prints where its CPU time went, by part (profile.ts).
import { Agent, request } from "node:http";
import { parseArgs } from "node:util";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatBreakdown, profileBreakdown } from "./profile/gateway-cpu.js";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../test/fixtures/", import.meta.url));
const PYRO5_PATH = fileURLToPath(new URL("../test/vendor/pyro5", import.meta.url));

interface Proc {
  child: ChildProcess;
  ready: string;
}

function start(cmd: string, args: string[], ready: RegExp, env: Record<string, string> = {}, cwd = ROOT): Promise<Proc> {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, PYTHONUNBUFFERED: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} not ready:\n${lines.join("\n")}`));
    }, 20_000);
    const onLine = (l: string) => {
      lines.push(l);
      const m = ready.exec(l);
      if (m) {
        clearTimeout(timer);
        resolve({ child, ready: m[1] ?? l });
      }
    };
    createInterface({ input: child.stdout! }).on("line", onLine);
    createInterface({ input: child.stderr! }).on("line", onLine);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}):\n${lines.join("\n")}`));
    });
  });
}

async function stop(p: Proc | null): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const gone = new Promise((r) => p.child.once("exit", r));
  p.child.kill("SIGTERM");
  const t = setTimeout(() => p.child.kill("SIGKILL"), 3000);
  await gone;
  clearTimeout(t);
}

function get(agent: Agent, url: URL, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

/** C workers, each with its own keep-alive agent (one socket), for `ms`; returns completed requests per second. */
async function load(base: string, concurrency: number, ms: number): Promise<number> {
  const url = new URL(base);
  const path = url.pathname + "http.echo/echo?message=hello";
  let done = 0;
  const until = Date.now() + ms;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (Date.now() < until) {
          const status = await get(agent, url, path);
          if (status !== 200) throw new Error(`${base}: status ${status}`);
          done++;
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export interface GatewayBenchResult {
  concurrency: number;
  durationSecs: number;
  rounds: number;
  oursRps: number[];
  pythonRps: number[];
  oursMedian: number;
  pythonMedian: number;
  ratio: number;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

/** Our gateway's flags in reuse mode: pooled backend connections and cached lookups for the bench object. */
export const REUSE_FLAGS = ["--reuse", "http\\.", "--ns-cache", "10"];

export async function runGatewayBench(o: { durationSecs?: number; concurrency?: number; rounds?: number; protocol?: 4 | 5; reuse?: boolean; cpuProfDir?: string } = {}): Promise<GatewayBenchResult> {
  const p5 = o.protocol === 5;
  const pyEnv: Record<string, string> = p5 ? { PYTHONPATH: process.env.PYRO5_PATH ?? PYRO5_PATH } : {};
  const durationSecs = o.durationSecs ?? 3;
  const concurrency = o.concurrency ?? 8;
  const rounds = o.rounds ?? 3;
  let ns: Proc | null = null;
  let backend: Proc | null = null;
  let pyGw: Proc | null = null;
  let ourGw: Proc | null = null;
  try {
    ns = await start(PYTHON, ["-m", p5 ? "Pyro5.nameserver" : "Pyro4.naming", "-n", "127.0.0.1", "-p", "0"], /NS running on [^:]+:(\d+)/, pyEnv);
    const nsEnv = { PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: ns.ready };
    backend = await start(PYTHON, ["gateway_backend.py", "127.0.0.1", ns.ready], /(READY)/, p5 ? { ...pyEnv, INTEROP_PEER: "5" } : pyEnv, FIXTURES);
    pyGw = await start(PYTHON, ["-W", "ignore", "-m", p5 ? "Pyro5.utils.httpgateway" : "Pyro4.utils.httpgateway", "-H", "127.0.0.1", "-p", "0"], /running on (http:\S+)/, { ...nsEnv, ...pyEnv });
    const bin = fileURLToPath(new URL(p5 ? "../dist/cli/pyro5.js" : "../dist/cli/main.js", import.meta.url));
    const prof = o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir] : [];
    ourGw = await start(process.execPath, [...prof, bin, "httpgateway", "-H", "127.0.0.1", "-p", "0", ...(o.reuse ? REUSE_FLAGS : [])], /running on (http:\S+)/, nsEnv);
    // warm-up (JIT, name server connections)
    await load(ourGw.ready, concurrency, 500);
    await load(pyGw.ready, concurrency, 500);
    const oursRps: number[] = [];
    const pythonRps: number[] = [];
    for (let r = 0; r < rounds; r++) {
      oursRps.push(await load(ourGw.ready, concurrency, durationSecs * 1000));
      pythonRps.push(await load(pyGw.ready, concurrency, durationSecs * 1000));
    }
    const oursMedian = median(oursRps);
    const pythonMedian = median(pythonRps);
    return { concurrency, durationSecs, rounds, oursRps, pythonRps, oursMedian, pythonMedian, ratio: oursMedian / pythonMedian };
  } finally {
    await stop(ourGw);
    await stop(pyGw);
    await stop(backend);
    await stop(ns);
  }
}

/** One table row's cell: ours / Python = ratio. */
function cell(r: GatewayBenchResult): string {
  return `${r.oursMedian.toFixed(0)} / ${r.pythonMedian.toFixed(0)} = ${r.ratio.toFixed(2)}x`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      duration: { type: "string" }, concurrency: { type: "string" }, rounds: { type: "string" }, json: { type: "string" },
      protocol: { type: "string" }, reuse: { type: "boolean" }, table: { type: "boolean" }, "cpu-prof": { type: "string" },
    },
  });
  const common = {
    ...(values.duration ? { durationSecs: Number(values.duration) } : {}),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
  };
  if (values.table) {
    // every row of bench/README.md's table, same run: ours and Python's alternate within each cell
    const clients = (values.concurrency ?? "1,8,32").split(",").map(Number);
    const results: Record<string, GatewayBenchResult> = {};
    console.log("| | clients | default: ours / Python | `--reuse`: ours / Python |\n|---|---|---|---|");
    for (const protocol of [4, 5] as const) {
      for (const c of clients) {
        const d = await runGatewayBench({ ...common, protocol, concurrency: c });
        const r = await runGatewayBench({ ...common, protocol, concurrency: c, reuse: true });
        results[`Pyro${protocol} ${c} default`] = d;
        results[`Pyro${protocol} ${c} reuse`] = r;
        console.log(`| Pyro${protocol} | ${c} | ${cell(d)} | ${cell(r)} |`);
      }
    }
    if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
  } else {
    const cpuProfDir = values["cpu-prof"];
    if (cpuProfDir) rmSync(cpuProfDir, { recursive: true, force: true });
    const r = await runGatewayBench({
      ...common,
      ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
      ...(values.protocol === "5" ? { protocol: 5 as const } : {}),
      ...(values.reuse ? { reuse: true } : {}),
      ...(cpuProfDir ? { cpuProfDir } : {}),
    });
    const f = (n: number) => n.toFixed(0);
    console.log(`${values.protocol === "5" ? "Pyro5 " : ""}HTTP gateway${values.reuse ? ` (ours with ${REUSE_FLAGS.join(" ")})` : ""}, GET http.echo/echo, ${r.concurrency} keep-alive clients, ${r.rounds} rounds of ${r.durationSecs} s (median):`);
    console.log(`  ours   ${f(r.oursMedian)} req/s  (${r.oursRps.map(f).join(", ")})`);
    console.log(`  Python ${f(r.pythonMedian)} req/s  (${r.pythonRps.map(f).join(", ")})`);
    console.log(`  ours/Python ${r.ratio.toFixed(2)}x`);
    if (values.json) writeFileSync(values.json, JSON.stringify(r, null, 2));
    if (cpuProfDir) {
      const file = readdirSync(cpuProfDir).find((f) => f.endsWith(".cpuprofile"));
      if (!file) throw new Error(`no .cpuprofile in ${cpuProfDir}`);
      console.log(`\nour gateway's CPU time by part (${join(cpuProfDir, file)}):`);
      console.log(formatBreakdown(profileBreakdown(join(cpuProfDir, file))));
    }
  }
}
