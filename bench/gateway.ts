// HTTP gateway throughput: `pyro4 httpgateway` (ours, in its own Node process) against Python's
// pyro4-httpgateway, both in front of the same Python name server and Python backend daemon, same run, same load:
// C concurrent clients with keep-alive agents issuing GET /pyro/http.echo/echo?message=... for D seconds each,
// alternating rounds. Python's wsgiref answers HTTP/1.0 and closes every connection, so its clients reconnect;
// ours keeps them open. Standalone: `node --import tsx bench/gateway.ts [--duration 3] [--concurrency 8]
// [--rounds 3] [--json out.json] [--protocol 5] [--reuse] [--cpu-prof DIR]`; `runGatewayBench()` is exported for
// bench/run.ts. With --protocol 5: `pyro5 httpgateway` against Python's Pyro5.utils.httpgateway, Pyro5 name server
// and backend. `--table` measures every row of bench/README.md's table in one run (Pyro4 and Pyro5, default and
// --reuse, 1, 8 and 32 clients or the --concurrency list). `--cpu-prof DIR` runs our gateway under
// `node --cpu-prof` and prints where its CPU time went, by part (profile.ts). Every run also prints the CPU time per
// request of each process (our or Python's gateway, the backend, the name server, this bench client), from /proc.
// `--dist DIR` runs another build of ours (main's dist/ for a before/after comparison); `--pool-size N` passes
// --pool-size to ours.
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { parseArgs } from "node:util";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux; clock ticks of 10 ms). */
function procCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

/** CPU per request (µs) of each process in one round: the gateway measured, the backend, the name server, the bench client. */
export interface CpuPerRequest {
  gateway: number;
  backend: number;
  ns: number;
  client: number;
}

/** Requests per second of `loadCount` (warm-up). */
async function load(base: string, concurrency: number, ms: number): Promise<number> {
  return (await measuredLoad(base, concurrency, ms, {})).rps;
}

/** `load` plus the CPU each process (pids by role) spent per completed request during it. */
async function measuredLoad(base: string, concurrency: number, ms: number, pids: { gateway?: number; backend?: number; ns?: number }): Promise<{ rps: number; cpu: CpuPerRequest }> {
  const before = { g: procCpuMs(pids.gateway), b: procCpuMs(pids.backend), n: procCpuMs(pids.ns), c: process.cpuUsage() };
  const { rps, n } = await loadCount(base, concurrency, ms);
  const c = process.cpuUsage(before.c);
  const per = (ms: number) => (ms * 1000) / n;
  const cpu = {
    gateway: per(procCpuMs(pids.gateway) - before.g),
    backend: per(procCpuMs(pids.backend) - before.b),
    ns: per(procCpuMs(pids.ns) - before.n),
    client: (c.user + c.system) / n,
  };
  return { rps, cpu };
}

/** The load generator: `raw` (default) writes the request bytes node:http would send and reads the answer itself; `node-http` is node:http's client with a keep-alive Agent. */
export type BenchClient = "raw" | "node-http";
let CLIENT: BenchClient = "raw";

/** C workers, each with one keep-alive connection, for `ms`: requests per second and how many completed. */
async function loadCount(base: string, concurrency: number, ms: number): Promise<{ rps: number; n: number }> {
  const url = new URL(base);
  const path = url.pathname + "http.echo/echo?message=hello";
  let done = 0;
  const until = Date.now() + ms;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      if (CLIENT === "raw") {
        const c = new RawClient(url, path);
        try {
          while (Date.now() < until) {
            const status = await c.get();
            if (status !== 200) throw new Error(`${base}: status ${status}`);
            done++;
          }
        } finally {
          c.close();
        }
        return;
      }
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
  return { rps: done / (Number(process.hrtime.bigint() - t0) / 1e9), n: done };
}

/**
 * A minimal HTTP/1.1 client for one fixed GET, so that the load generator's own CPU (node:http's client costs
 * 100-200 µs per request on this machine, more than our gateway) does not cap what is measured; like wrk, it sends
 * the same request bytes node:http sends. It keeps the connection while the answer allows (HTTP/1.1 without
 * `Connection: close`) and reconnects otherwise (Python's wsgiref answers HTTP/1.0 and closes). Reads the status
 * line and headers, then exactly Content-Length bytes (or up to the close when there is none).
 */
class RawClient {
  private socket: Socket | null = null;
  private readonly request: Buffer;
  private buf: Buffer = Buffer.alloc(0);
  private pending: { resolve: (status: number) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly url: URL,
    path: string,
  ) {
    this.request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`, "latin1");
  }

  get(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.buf = Buffer.alloc(0);
      if (!this.socket) this.open();
      this.socket!.write(this.request);
    });
  }

  private open(): void {
    const s = connect({ host: this.url.hostname, port: Number(this.url.port), noDelay: true });
    this.socket = s;
    // events of a socket given up (destroyed after an HTTP/1.0 answer) must not touch the next request
    s.on("data", (chunk: Buffer) => {
      if (this.socket !== s) return;
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.parse(false);
    });
    s.on("error", (e) => {
      if (this.socket === s) this.fail(s, e);
    });
    s.on("close", () => {
      if (this.socket !== s) return;
      this.parse(true);
      this.socket = null;
      if (this.pending) this.fail(s, new Error(`${this.url.host}: connection closed before the answer`));
    });
  }

  private fail(s: Socket, e: Error): void {
    s.destroy();
    if (this.socket === s) this.socket = null;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  /** Completes the pending request when its whole answer is in `buf`. */
  private parse(atClose: boolean): void {
    const end = this.buf.indexOf("\r\n\r\n");
    if (end < 0 || !this.pending) return;
    const head = this.buf.toString("latin1", 0, end);
    const status = Number(head.slice(9, 12));
    const lenMatch = /\r\ncontent-length: *(\d+)/i.exec(head);
    const bodyBytes = this.buf.length - end - 4;
    if (lenMatch ? bodyBytes < Number(lenMatch[1]) : !atClose) return;
    const keep = head.startsWith("HTTP/1.1") && !/\r\nconnection: *close/i.test(head) && lenMatch !== null && !atClose;
    if (!keep && this.socket) {
      this.socket.destroy();
      this.socket = null;
    }
    const p = this.pending;
    this.pending = null;
    p.resolve(status);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
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
  /** CPU per request (µs) of each process, median over the rounds: during our gateway's rounds and Python's. */
  oursCpu: CpuPerRequest;
  pythonCpu: CpuPerRequest;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

function medianCpu(a: CpuPerRequest[]): CpuPerRequest {
  return { gateway: median(a.map((c) => c.gateway)), backend: median(a.map((c) => c.backend)), ns: median(a.map((c) => c.ns)), client: median(a.map((c) => c.client)) };
}

/** "gateway 120, backend 150, ns 0, client 60 µs/request" */
export function formatCpu(c: CpuPerRequest): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : "?");
  return `gateway ${f(c.gateway)}, backend ${f(c.backend)}, name server ${f(c.ns)}, bench client ${f(c.client)} µs CPU/request`;
}

/** Our gateway's flags in reuse mode: pooled backend connections and cached lookups for the bench object. */
export const REUSE_FLAGS = ["--reuse", "http\\.", "--ns-cache", "10"];

export async function runGatewayBench(o: { durationSecs?: number; concurrency?: number; rounds?: number; protocol?: 4 | 5; reuse?: boolean; cpuProfDir?: string; dist?: string; poolSize?: number; vsDist?: string } = {}): Promise<GatewayBenchResult> {
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
    const dist = o.dist ?? fileURLToPath(new URL("../dist", import.meta.url));
    const ourArgs = (d: string) => [join(d, p5 ? "cli/pyro5.js" : "cli/main.js"), "httpgateway", "-H", "127.0.0.1", "-p", "0", ...(o.reuse ? REUSE_FLAGS : []), ...(o.poolSize ? ["--pool-size", String(o.poolSize)] : [])];
    // --vs-dist: the other side is another build of ours (same flags) instead of Python's gateway (before/after A/B)
    pyGw = o.vsDist
      ? await start(process.execPath, ourArgs(o.vsDist), /running on (http:\S+)/, nsEnv)
      : await start(PYTHON, ["-W", "ignore", "-m", p5 ? "Pyro5.utils.httpgateway" : "Pyro4.utils.httpgateway", "-H", "127.0.0.1", "-p", "0"], /running on (http:\S+)/, { ...nsEnv, ...pyEnv });
    const prof = o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir] : [];
    ourGw = await start(process.execPath, [...prof, ...ourArgs(dist)], /running on (http:\S+)/, nsEnv);
    // warm-up (JIT, name server connections)
    await load(ourGw.ready, concurrency, 500);
    await load(pyGw.ready, concurrency, 500);
    const oursRps: number[] = [];
    const pythonRps: number[] = [];
    const oursCpu: CpuPerRequest[] = [];
    const pythonCpu: CpuPerRequest[] = [];
    const shared = { backend: backend.child.pid, ns: ns.child.pid };
    for (let r = 0; r < rounds; r++) {
      const a = await measuredLoad(ourGw.ready, concurrency, durationSecs * 1000, { ...shared, gateway: ourGw.child.pid });
      oursRps.push(a.rps);
      oursCpu.push(a.cpu);
      const b = await measuredLoad(pyGw.ready, concurrency, durationSecs * 1000, { ...shared, gateway: pyGw.child.pid });
      pythonRps.push(b.rps);
      pythonCpu.push(b.cpu);
    }
    const oursMedian = median(oursRps);
    const pythonMedian = median(pythonRps);
    return {
      concurrency, durationSecs, rounds, oursRps, pythonRps, oursMedian, pythonMedian, ratio: oursMedian / pythonMedian,
      oursCpu: medianCpu(oursCpu), pythonCpu: medianCpu(pythonCpu),
    };
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
      dist: { type: "string" }, client: { type: "string" }, "pool-size": { type: "string" }, "vs-dist": { type: "string" },
    },
  });
  if (values.client) {
    if (values.client !== "raw" && values.client !== "node-http") throw new Error(`--client raw|node-http, not ${values.client}`);
    CLIENT = values.client;
  }
  const common = {
    ...(values.duration ? { durationSecs: Number(values.duration) } : {}),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    // another build of ours (e.g. main's dist/ for a before/after comparison); default: this checkout's dist/
    ...(values.dist ? { dist: values.dist } : {}),
    // instead of Python's gateway, measure against another build of ours (rounds alternate, CPU per request of both)
    ...(values["vs-dist"] ? { vsDist: values["vs-dist"] } : {}),
  };
  const other = values["vs-dist"] ? `ours(${values["vs-dist"]})` : "Python";
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
    console.log("\nCPU per request (µs, median of the rounds; ours's rounds):");
    for (const [k, r] of Object.entries(results)) console.log(`  ${k.padEnd(18)} ours: ${formatCpu(r.oursCpu)}; Python's gateway: ${r.pythonCpu.gateway.toFixed(0)}`);
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
      ...(values["pool-size"] ? { poolSize: Number(values["pool-size"]) } : {}),
    });
    const f = (n: number) => n.toFixed(0);
    console.log(`${values.protocol === "5" ? "Pyro5 " : ""}HTTP gateway${values.reuse ? ` (ours with ${REUSE_FLAGS.join(" ")})` : ""}, GET http.echo/echo, ${r.concurrency} keep-alive clients, ${r.rounds} rounds of ${r.durationSecs} s (median):`);
    console.log(`  ours   ${f(r.oursMedian)} req/s  (${r.oursRps.map(f).join(", ")})`);
    console.log(`  ${other} ${f(r.pythonMedian)} req/s  (${r.pythonRps.map(f).join(", ")})`);
    console.log(`  ours/${other} ${r.ratio.toFixed(2)}x`);
    console.log(`  CPU per request, ours:   ${formatCpu(r.oursCpu)}`);
    console.log(`  CPU per request, ${other}: ${formatCpu(r.pythonCpu)}`);
    if (values.json) writeFileSync(values.json, JSON.stringify(r, null, 2));
    if (cpuProfDir) {
      const file = readdirSync(cpuProfDir).find((f) => f.endsWith(".cpuprofile"));
      if (!file) throw new Error(`no .cpuprofile in ${cpuProfDir}`);
      console.log(`\nour gateway's CPU time by part (${join(cpuProfDir, file)}):`);
      console.log(formatBreakdown(profileBreakdown(join(cpuProfDir, file))));
    }
  }
}
