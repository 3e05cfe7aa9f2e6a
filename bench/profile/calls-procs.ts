// Our daemon against the raw ceiling server (bench/ts/raw-server.ts: the `limit` column of the concurrency rows)
// under the same load, per call, in real processes over loopback TCP (issue 28 item 2: what does our daemon do per
// call that the ceiling does not?). C client connections each make sequential `ping` calls (ours: TsClient
// proxies in this process, as the bench's TS>TS column; the ceiling: the raw ping-pong of bench/lib/raw.ts), and
// the server process is measured by one of:
// - strace: its system calls per call, by name (strace -c -f attached after the warm-up, over a fixed number of
//   calls): extra reads, epoll_ctl, writev, setsockopt show up here;
// - callgrind: its user-space instructions per call (node --single-threaded under valgrind; a run with warm-up + n
//   calls minus a run with warm-up only, so start-up and shutdown cancel out); the kernel's side is not counted;
// - cpu: its user and system CPU time per call from /proc, and the clients' (this process) beside it (real, but
//   moved by the machine's load).
// With --side client the roles turn around: the measured process is a client process of its own (C connections
// of sequential `ping` calls: our proxies from each checkout's src/ for `ts`, the raw ping-pong clients of
// bench/lib/raw.ts for `raw`, sending our proxy's request bytes), against canned-server.ts, a server that answers
// with ready-made Pyro replies and so does no RPC work of its own; the same three measures apply to the client
// process (cpu also gives the server's CPU beside it).
// usage: node --import tsx bench/profile/calls-procs.ts [--side server|client] [--servers raw,ts] [--checkouts .,/work/wt-base]
//        [--serializers json,marshal,msgpack,pickle,serpent] [--clients 8] [--calls 2000] [--warm 2000]
//        [--mode strace|callgrind|cpu] [--pyro5]
// (--calls and --warm are per client; with --side server the raw server runs once, with serpent's frame sizes, as
// the bench does; with --side client, --servers names the clients: raw once per serializer, ts per checkout.)
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { profileArgs } from "./args.js";
import { bundleDriver, instructions as commandInstructions } from "./callgrind.js";
import { BENCH_DIR, track } from "../lib/procs.js";
import { RawConn } from "../lib/raw.js";
import { TsClient } from "../lib/tsclient.js";
import { spawnReady, type ReadyProcess } from "../../test/helpers/ready-process.js";
import { getSerializer } from "../../src/serializers/index.js";

const a = profileArgs({
  side: "server",
  servers: "raw,ts",
  checkouts: ".",
  serializers: "json,marshal,msgpack,pickle,serpent",
  clients: "8",
  calls: "2000",
  warm: "2000",
  mode: "strace",
  pyro5: false,
});
const CLIENTS = Number(a.clients);
const CALLS = Number(a.calls);
const WARM = Number(a.warm);
const dir = mkdtempSync(join(tmpdir(), "calls-procs-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** A server to measure: the command that runs it (plain JS, bundled: no loader in the measured process). */
interface Server {
  label: string;
  script: string;
  args: string[];
  raw: boolean;
}

async function servers(): Promise<Server[]> {
  const out: Server[] = [];
  let i = 0;
  for (const s of a.servers.split(",")) {
    if (s === "raw") {
      out.push({ label: "raw ceiling", script: await bundleDriver(dir, i++, `import "${join(BENCH_DIR, "ts", "raw-server.ts")}";`), args: [], raw: true });
      continue;
    }
    for (const checkout of a.checkouts.split(",")) {
      const root = resolve(checkout);
      // each checkout's own bench/ts/server.ts and src/
      const script = await bundleDriver(dir, i++, `import "${join(root, "bench", "ts", "server.ts")}";`);
      out.push({ label: root, script, args: a.pyro5 ? ["--pyro5"] : [], raw: false });
    }
  }
  return out;
}

/** Start `s` (under valgrind's callgrind when `logFile` is given) and wait for its URI line. */
async function start(s: Server, logFile?: string): Promise<ReadyProcess> {
  const node = [process.execPath, ...(logFile ? ["--single-threaded"] : []), s.script, ...s.args];
  const [cmd, ...args] = logFile
    ? ["valgrind", "--tool=callgrind", "--smc-check=all-non-file", "--callgrind-out-file=/dev/null", `--log-file=${logFile}`, ...node]
    : node;
  return spawnReady(cmd!, args, {
    ready: /^URI (\S+)/, env: process.env, cwd: BENCH_DIR, label: `${s.label} server`, timeoutMs: logFile ? 300_000 : 20_000,
    graceMs: logFile ? 120_000 : 3000, onSpawn: track,
  });
}

/** Connected clients of one kind, and a function making `n` sequential calls on each of them at once. */
interface Load {
  run(n: number): Promise<void>;
  close(): Promise<void>;
}

async function connect(s: Server, uri: string, ser: string): Promise<Load> {
  if (s.raw) {
    const port = Number(uri.split(":")[1]);
    const sz = getSerializer("serpent");
    const req = sz.serializeCall("bench", "ping", [], {}).length;
    const res = sz.serializeData(null).length;
    const frame = Buffer.alloc(24 + req, 0x62);
    frame.write("PYRO", 0, "latin1");
    frame.writeUInt32BE(req, 12);
    frame.writeUInt32BE(res, 16);
    const cs = await Promise.all(Array.from({ length: CLIENTS }, () => RawConn.open(port)));
    return {
      run: async (n) => {
        await Promise.all(cs.map(async (c) => {
          for (let i = 0; i < n; i++) await c.roundTrip(24 + res, frame);
        }));
      },
      close: async () => {
        for (const c of cs) c.close();
      },
    };
  }
  const cs = Array.from({ length: CLIENTS }, () => new TsClient(uri, ser, a.pyro5 ? 5 : 4));
  await Promise.all(cs.map((c) => c.open()));
  return {
    run: async (n) => {
      if (n > 0) await Promise.all(cs.map((c) => c.run("ping", 1e12, 0, n)));
    },
    close: async () => {
      await Promise.all(cs.map((c) => c.close()));
    },
  };
}

/** utime and stime of a process in microseconds (clock ticks of 10 ms). */
function procCpu(pid: number): [number, number] {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return [Number(f[11]) * 10_000, Number(f[12]) * 10_000];
}

/** strace -c -f on `pid` while `work` runs: calls per syscall name. */
async function straced(pid: number, work: () => Promise<void>): Promise<Map<string, number>> {
  const out = join(dir, `strace-${pid}.txt`);
  const p = spawn("strace", ["-c", "-f", "-o", out, "-p", String(pid)], { stdio: "ignore" });
  track(p);
  // let strace attach to every thread before the measured calls
  await new Promise((r) => setTimeout(r, 1000));
  await work();
  await new Promise<void>((res) => {
    p.once("exit", () => res());
    p.kill("SIGINT");
  });
  const counts = new Map<string, number>();
  for (const line of (existsSync(out) ? readFileSync(out, "utf8") : "").split("\n")) {
    // % time  seconds  usecs/call  calls  [errors]  syscall
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (m && m[2] !== "total") counts.set(m[2]!, Number(m[1]));
  }
  return counts;
}

/** The server's instructions over its whole life with warm-up + `n` calls per client (callgrind). */
async function instructions(s: Server, ser: string, n: number): Promise<number> {
  const log = join(dir, `valgrind-${Date.now()}.log`);
  const server = await start(s, log);
  try {
    const load = await connect(s, server.match[1]!, ser);
    await load.run(WARM);
    await load.run(n);
    await load.close();
    // let the server see the closes before it stops
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await server.stop("SIGTERM");
  }
  const text = readFileSync(log, "utf8");
  const m = /Collected\s*:\s*(\d+)/.exec(text);
  if (!m) throw new Error(`no instruction count in ${log}:\n${text.slice(-800)}`);
  return Number(m[1]);
}

async function measure(s: Server, ser: string): Promise<string> {
  const calls = CALLS * CLIENTS;
  if (a.mode === "callgrind") {
    const withN = await instructions(s, ser, CALLS);
    const without = await instructions(s, ser, 0);
    return `${((withN - without) / calls).toFixed(0)} instructions per call`;
  }
  const server = await start(s);
  try {
    const load = await connect(s, server.match[1]!, ser);
    await load.run(WARM);
    let line: string;
    if (a.mode === "strace") {
      const counts = await straced(server.proc.pid!, () => load.run(CALLS));
      const total = [...counts.values()].reduce((x, y) => x + y, 0);
      const by = [...counts].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${(v / calls).toFixed(3)}`).join(", ");
      line = `${(total / calls).toFixed(3)} syscalls per call: ${by}`;
    } else {
      const c0 = procCpu(server.proc.pid!);
      const mine0 = process.cpuUsage();
      const t0 = performance.now();
      await load.run(CALLS);
      const secs = (performance.now() - t0) / 1000;
      const mine = process.cpuUsage(mine0);
      const c1 = procCpu(server.proc.pid!);
      const per = (us: number) => (us / calls).toFixed(2);
      line = `CPU us per call: server user ${per(c1[0] - c0[0])} sys ${per(c1[1] - c0[1])}, clients user ${per(mine.user)} sys ${per(mine.system)} ` +
        `(${(calls / secs).toFixed(0)} calls/s)`;
    }
    await load.close();
    return line;
  } finally {
    await server.stop();
  }
}

// ------------------------------------------------------------------------------------------------ client side

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The measured client process, bundled per checkout: C connections (our proxies, or raw clients sending our
 * proxy's request bytes) each making `warm` sequential ping calls; it prints READY, and when `sync` waits for a
 * line on stdin before the `n` measured calls, after which it prints DONE and (when `sync`) waits for another line
 * before it exits, so that its CPU times can be read.
 */
const CLIENT = (root: string, raw: boolean) => `
import { Proxy } from "${root}/src/index.js";
import { RawConn } from "${join(BENCH_DIR, "lib", "raw.js")}";
import { MSG_INVOKE, MSG_RESULT, encodeMessageBuffer } from "${HERE}/../../src/protocol/message.js";
import { wireFormat } from "${HERE}/../../src/protocol/wire.js";
import { getSerializer } from "${HERE}/../../src/serializers/index.js";
import { createInterface } from "node:readline";

const [uri, ser, clients, warm, n, proto, sync] = process.argv.slice(2);
const C = Number(clients);
let run;
if (${raw}) {
  // our proxy's request and the canned server's reply, as calls-procs' canned-server.ts makes it
  const s = getSerializer(ser);
  const wire = wireFormat(Number(proto));
  const req = encodeMessageBuffer(MSG_INVOKE, s.id, 1, s.serializeCall("bench", "ping", [], {}), { wire });
  const res = encodeMessageBuffer(MSG_RESULT, s.id, 1, s.serializeData(null), { annotations: new Map([["CORR", Buffer.alloc(16)]]), wire }).length;
  const cs = await Promise.all(Array.from({ length: C }, () => RawConn.open(Number(uri.split(":").pop()))));
  run = (k) => Promise.all(cs.map(async (c) => { for (let i = 0; i < k; i++) await c.roundTrip(res, req); }));
} else {
  const ps = Array.from({ length: C }, () => new Proxy(uri, { serializer: ser, ...(proto === "5" ? { protocol: 5 } : {}) }));
  await Promise.all(ps.map((p) => p.$bind()));
  run = (k) => Promise.all(ps.map(async (p) => { for (let i = 0; i < k; i++) await p.ping(); }));
}
await run(Number(warm));
process.stdout.write("READY\\n");
// one reader for both go-lines (a second interface would miss a line the first had buffered)
const goes = [];
const next = () => new Promise((r) => goes.push(r));
if (sync === "1") createInterface({ input: process.stdin }).on("line", () => goes.shift()?.());
if (sync === "1") await next();
await run(Number(n));
process.stdout.write("DONE\\n");
// synchronised: stay (and keep the /proc entry) until the driver has read the CPU times
if (sync === "1") await next();
process.exit(0);
`;

/** A client kind to measure: its bundled script. */
interface ClientKind {
  label: string;
  script: string;
}

async function clientKinds(): Promise<ClientKind[]> {
  const out: ClientKind[] = [];
  let i = 100;
  for (const s of a.servers.split(",")) {
    if (s === "raw") out.push({ label: "raw clients", script: await bundleDriver(dir, i++, CLIENT(resolve("."), true)) });
    else for (const checkout of a.checkouts.split(",")) out.push({ label: resolve(checkout), script: await bundleDriver(dir, i++, CLIENT(resolve(checkout), false)) });
  }
  return out;
}

/** The canned server for `ser` (bundled once), started. */
let cannedScript: string | null = null;
async function startCanned(ser: string): Promise<ReadyProcess> {
  cannedScript ??= await bundleDriver(dir, 99, `import "${join(HERE, "canned-server.ts")}";`);
  return spawnReady(process.execPath, [cannedScript, ser, a.pyro5 ? "5" : "4"], {
    ready: /^URI (\S+)/, env: process.env, cwd: BENCH_DIR, label: "canned server", onSpawn: track,
  });
}

/** A started client process: its next stdout line, and a way to tell it to go on. */
interface ClientProc {
  proc: ChildProcess;
  line(): Promise<string>;
  go(): void;
}

function spawnClient(k: ClientKind, uri: string, ser: string): ClientProc {
  const proc = spawn(process.execPath, [k.script, uri, ser, String(CLIENTS), String(WARM), String(CALLS), a.pyro5 ? "5" : "4", "1"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  track(proc);
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: proc.stdout! }).on("line", (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else lines.push(l);
  });
  proc.once("exit", (code) => {
    for (const w of waiting.splice(0)) w(`EXIT ${code}`);
  });
  return {
    proc,
    line: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((r) => waiting.push(r))),
    go: () => proc.stdin!.write("go\n"),
  };
}

async function expectLine(c: ClientProc, want: string): Promise<void> {
  const l = await c.line();
  if (l !== want) throw new Error(`client process said ${JSON.stringify(l)}, expected ${want}`);
}

async function measureClient(k: ClientKind, ser: string): Promise<string> {
  const calls = CALLS * CLIENTS;
  const server = await startCanned(ser);
  try {
    const uri = server.match[1]!;
    if (a.mode === "callgrind") {
      const args = (n: number) => ["--single-threaded", k.script, uri, ser, String(CLIENTS), String(WARM), String(n), a.pyro5 ? "5" : "4", "0"];
      const withN = commandInstructions(process.execPath, args(CALLS));
      const without = commandInstructions(process.execPath, args(0));
      return `${((withN - without) / calls).toFixed(0)} instructions per call`;
    }
    const c = spawnClient(k, uri, ser);
    await expectLine(c, "READY");
    const pid = c.proc.pid!;
    if (a.mode === "strace") {
      const counts = await straced(pid, async () => {
        c.go();
        await expectLine(c, "DONE");
      });
      c.go();
      const total = [...counts.values()].reduce((x, y) => x + y, 0);
      const by = [...counts].sort((x, y) => y[1] - x[1]).map(([name, v]) => `${name} ${(v / calls).toFixed(3)}`).join(", ");
      return `${(total / calls).toFixed(3)} syscalls per call: ${by}`;
    }
    const c0 = procCpu(pid);
    const s0 = procCpu(server.proc.pid!);
    const t0 = performance.now();
    c.go();
    const line = await c.line();
    const secs = (performance.now() - t0) / 1000;
    const c1 = procCpu(pid);
    const s1 = procCpu(server.proc.pid!);
    c.go();
    if (line !== "DONE") throw new Error(`client process said ${JSON.stringify(line)}, expected DONE`);
    const per = (us: number) => (us / calls).toFixed(2);
    return `CPU us per call: clients user ${per(c1[0] - c0[0])} sys ${per(c1[1] - c0[1])}, canned server user ${per(s1[0] - s0[0])} sys ${per(s1[1] - s0[1])} ` +
      `(${(calls / secs).toFixed(0)} calls/s)`;
  } finally {
    await server.stop();
  }
}

if (a.side === "client") {
  for (const k of await clientKinds()) {
    for (const ser of a.serializers.split(",")) process.stdout.write(`${k.label} ${ser}: ${await measureClient(k, ser)}\n`);
  }
} else {
  for (const s of await servers()) {
    for (const ser of s.raw ? ["serpent"] : a.serializers.split(",")) {
      process.stdout.write(`${s.label} ${s.raw ? "(serpent sizes)" : ser}: ${await measure(s, ser)}\n`);
    }
  }
}
process.exit(0);
