// `node --import tsx bench/profile/run.ts [--kind ping|concurrent] [--serializers serpent,json] [--ms 3000] [--arg N] [--no-prof] [--strace] [--tsx]`:
// starts our daemon (bench/ts/server.ts, bundled like the bench does) and the TS client in two separate processes, both under `node --cpu-prof`, measures the raw
// Node TCP ping-pong limit (bench/ts/raw-server.ts) in the same run, and prints ops/s, the ratio to the limit, and
// the top self-time functions of each side's profile. Profiles stay in bench/profile/out/ for DevTools.
// `--kind concurrent --arg 8`: 8 clients at once. `--tsx` runs the server from source (not bundled) so that its
// profile splits by file: framing (src/protocol), serializing (src/serializers), dispatch (the rest of src), socket
// I/O (Node's net/stream code), GC. `--strace` counts the server's syscalls over the measured span (strace -c -f).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startChild, nodeCommand } from "../lib/procs.js";
import { rawConnect, rawPingPong, rawBulkEcho } from "../lib/raw.js";
import { getSerializer } from "../../src/protocol/index.js";
import { profileArgs } from "./args.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const a = profileArgs({
  kind: "ping",
  serializers: "serpent,json,marshal,msgpack",
  ms: "3000",
  arg: "0",
  top: "25",
  "no-prof": false,
  "no-limit": false,
  strace: false,
  tsx: false,
});
const prof = !a["no-prof"];
const ms = Number(a.ms);
const OUT = join(HERE, "out");

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

/** Top functions by self time, then by inclusive time (percent of busy samples: idle and GC-free program excluded). */
function summarize(file: string, top: number): string {
  const p = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: Node): string => {
    const f = n.callFrame;
    const url = f.url.replace(/^.*\/(src|bench)\//, "$1/").replace(/^file:\/\//, "").replace(/^\/tmp\/pyro4-bench-[^/]+\//, "");
    return `${f.functionName || "(anon)"} ${url ? `${url}:${f.lineNumber + 1}` : ""}`.trim();
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let busy = 0;
  for (const n of p.nodes) {
    if (!n.hitCount || n.callFrame.functionName === "(idle)") continue;
    busy += n.hitCount;
    const k = name(n);
    self.set(k, (self.get(k) ?? 0) + n.hitCount);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const kk = name(byId.get(id)!);
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + n.hitCount);
    }
  }
  const fmt = (m: Map<string, number>, filter: (k: string) => boolean) =>
    [...m.entries()].filter(([k]) => filter(k)).sort((x, y) => y[1] - x[1]).slice(0, top)
      .map(([k, v]) => `  ${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`).join("\n");
  return `  (busy samples: ${busy}; % of busy)\n  self:\n${fmt(self, () => true)}\n  inclusive (our code):\n` +
    fmt(incl, (k) => /src\/|server\.mjs/.test(k));
}

/** utime + stime of a process in microseconds (Linux /proc, clock ticks of 10 ms). */
function procCpu(pid: number): [number, number] {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return [Number(f[11]) * 10_000, Number(f[12]) * 10_000];
}

/** Where a self-time sample of the server belongs (meaningful with --tsx: a bundled server is one file). */
function category(fn: string, url: string): string {
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(program)") return "V8/native (program)";
  if (/\/src\/protocol\//.test(url)) return "framing (src/protocol)";
  if (/\/src\/serializers\/|\/src\/python\//.test(url)) return "serializing (src/serializers, src/python)";
  if (/\/src\//.test(url)) return "dispatch and daemon (rest of src)";
  if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/.test(fn) || /stream_base_commons|node:net|internal\/net|node:stream|internal\/streams/.test(url))
    return "socket I/O (Node net/stream)";
  return `other (${url.replace(/^.*\//, "") || fn})`;
}

function categories(file: string): string {
  const p = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[] };
  const by = new Map<string, number>();
  let busy = 0;
  for (const n of p.nodes) {
    if (!n.hitCount || n.callFrame.functionName === "(idle)") continue;
    busy += n.hitCount;
    const c = category(n.callFrame.functionName, n.callFrame.url);
    by.set(c, (by.get(c) ?? 0) + n.hitCount);
  }
  return [...by].sort((x, y) => y[1] - x[1]).slice(0, 12).map(([k, v]) => `    ${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`).join("\n");
}

/** strace -c -f attached to `pid` until stop() (SIGINT); resolves with its summary table. */
function straceAttach(pid: number, out: string): { stop: () => Promise<string> } {
  const p = spawn("strace", ["-c", "-f", "-o", out, "-p", String(pid)], { stdio: "ignore" });
  return {
    stop: () => new Promise((resolve) => {
      p.once("exit", () => resolve(existsSync(out) ? readFileSync(out, "utf8") : ""));
      p.kill("SIGINT");
    }),
  };
}

/** Total syscalls in an strace -c table, and the lines of the busiest ones. */
function syscalls(table: string): { total: number; top: string[] } {
  const lines = table.split("\n").filter((l) => /^\s*\d/.test(l));
  const total = /\s(\d+)(?:\s+\d+)?\s+total\s*$/m.exec(table);
  return { total: total ? Number(total[1]) : NaN, top: lines.slice(0, 8) };
}

function runClient(uri: string, kind: string, ser: string, dir: string, serverPid: number): Promise<Record<string, unknown>> {
  const args = ["--import", "tsx"];
  if (prof) args.push("--cpu-prof", "--cpu-prof-dir", dir);
  args.push(join(HERE, "client.ts"), uri, kind, ser, String(ms), a.arg);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    const marks: [number, number][] = [];
    let tracer: ReturnType<typeof straceAttach> | null = null;
    let traced: Promise<string> | null = null;
    p.stdout.on("data", (d) => {
      out += d;
      while (marks.length < 2 && out.split("MARK\n").length - 1 > marks.length) {
        if (marks.length === 0 && a.strace) {
          tracer = straceAttach(serverPid, join(dir, "strace.txt"));
          // give strace time to attach to every thread before the measured span starts
          void new Promise((r) => setTimeout(r, 500)).then(() => {
            marks.push(procCpu(serverPid));
            p.stdin.write("go\n");
          });
          return;
        }
        if (marks.length === 1 && tracer) traced = (tracer as { stop: () => Promise<string> }).stop();
        marks.push(procCpu(serverPid));
        p.stdin.write("go\n");
      }
    });
    p.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`client exit ${code}`));
      const r = JSON.parse(out.trim().split("\n").pop()!) as Record<string, unknown>;
      if (marks.length === 2) {
        r.serverUser = marks[1]![0] - marks[0]![0];
        r.serverSys = marks[1]![1] - marks[0]![1];
      }
      if (!traced) return resolve(r);
      traced.then((s) => resolve({ ...r, strace: s }), reject);
    });
  });
}

async function limit(): Promise<string> {
  const { cmd, args } = await nodeCommand("raw-server.ts");
  const raw = await startChild(cmd, args);
  const port = Number(raw.uri.split(":")[1]);
  try {
    if (a.kind === "echo") {
      const [c] = await rawConnect(port, 1);
      await rawBulkEcho(c!, Number(a.arg), 300);
      const r = await rawBulkEcho(c!, Number(a.arg), ms);
      c!.close();
      return `${((r.ops * Number(a.arg)) / r.secs / 1e6).toFixed(1)} MB/s`;
    }
    const n = a.kind === "concurrent" ? Number(a.arg) || 8 : 1;
    const s = getSerializer("serpent");
    const cs = await rawConnect(port, n);
    await rawPingPong(cs, s.serializeCall("bench", "ping", [], {}).length, s.serializeData(null).length, 300);
    const r = await rawPingPong(cs, s.serializeCall("bench", "ping", [], {}).length, s.serializeData(null).length, ms);
    for (const c of cs) c.close();
    return `${(r.ops / r.secs).toFixed(0)} ops/s`;
  } finally {
    await raw.stop();
  }
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  const lim = a["no-limit"] ? null : await limit();
  if (lim) process.stdout.write(`limit (raw Node TCP, same run): ${lim}\n`);
  for (const ser of a.serializers.split(",")) {
    const dir = join(OUT, `${a.kind}-${ser}`);
    mkdirSync(join(dir, "server"), { recursive: true });
    mkdirSync(join(dir, "client"), { recursive: true });
    const { cmd, args } = a.tsx ? { cmd: process.execPath, args: ["--import", "tsx", join(HERE, "..", "ts", "server.ts")] } : await nodeCommand("server.ts");
    const sargs = prof ? ["--cpu-prof", "--cpu-prof-dir", join(dir, "server"), ...args] : args;
    const server = await startChild(cmd, sargs);
    let r: Record<string, unknown>;
    try {
      r = await runClient(server.uri, a.kind, ser, join(dir, "client"), server.proc.pid!);
    } finally {
      await server.stop();
    }
    const limVal = lim ? Number(lim.split(" ")[0]) : NaN;
    const v = (r.value ?? r.opsPerSec) as number;
    process.stdout.write(`${a.kind} [${ser}]: ${v.toFixed(1)} ${r.unit ?? "ops/s"}${lim ? `  (${(v / limVal).toFixed(2)}x limit)` : ""}` +
      `${r.p50 ? `  p50 ${(r.p50 as number).toFixed(1)}us p99 ${(r.p99 as number).toFixed(1)}us` : ""}\n`);
    if (typeof r.ops === "number") {
      const per = (x: unknown) => ((x as number) / (r.ops as number)).toFixed(1);
      process.stdout.write(`    CPU us/op: server user ${per(r.serverUser)} sys ${per(r.serverSys)} | client user ${per(r.cpuUser)} sys ${per(r.cpuSys)}\n`);
    }
    if (typeof r.strace === "string") {
      const sc = syscalls(r.strace);
      process.stdout.write(`    server syscalls: ${sc.total} over ${r.ops} calls = ${(sc.total / (r.ops as number)).toFixed(2)} per call (strace -c -f slows the server: count, not time)\n${sc.top.map((l) => `      ${l.trim()}`).join("\n")}\n`);
    }
    if (prof) {
      for (const side of ["server", "client"]) {
        const files = readdirSync(join(dir, side)).filter((f) => f.endsWith(".cpuprofile"));
        if (!files.length) continue;
        // the biggest profile: with --tsx the loader thread writes one too
        const file = files.map((f) => join(dir, side, f)).sort((x, y) => statSync(y).size - statSync(x).size)[0]!;
        if (side === "server") process.stdout.write(`  -- server CPU split (self time by part, % of busy samples) --\n${categories(file)}\n`);
        process.stdout.write(`  -- ${side} self time --\n${summarize(file, Number(a.top))}\n`);
      }
    }
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
