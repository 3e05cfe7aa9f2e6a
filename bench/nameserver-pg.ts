// Name-server throughput with shared PostgreSQL storage (issue 19) next to memory and sqlite storage and Python's
// pyro4-ns, in one run: lookups/s and registrations/s of distinct names. Every server is its own process started
// with its real command line (`pyro4 ns -s ...`, `python3 -m Pyro4.naming`); the PostgreSQL server is a throwaway
// cluster (test/helpers/postgres.ts). The client is ours (serpent), 4 connections in this process,
// spread over the instances for the two-instance rows, so every row sees the same client.
// Run: `npm run bench:ns-pg` (or `node --import tsx bench/nameserver-pg.ts [--quick] [--json FILE]`); `npm run bench`
// runs it as its "nspg" section when PostgreSQL is installed.
import { parseArgs } from "node:util";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPgCluster, findPgBin, freePort, type PgCluster } from "../test/helpers/postgres.js";
import { startNsProcess, REPO, type NsProcess } from "../test/helpers/ns-process.js";
import { locateNS, type NameServerClient } from "../src/naming/locate.js";

const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";

export interface NsPgRow {
  server: string;
  instances: number;
  lookupsPerSec: number;
  registrationsPerSec: number;
  /** min-max over repeats */
  lookupRange: [number, number];
  registerRange: [number, number];
}

interface Server {
  label: string;
  addresses: string[];
  stop(): Promise<void>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function startPyNs(): Promise<Server> {
  const port = await freePort();
  const proc: ChildProcess = spawn(PYTHON, ["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", String(port), "-x"], {
    env: { ...process.env, PYTHONUNBUFFERED: "1", PYRO_THREADPOOL_SIZE: "64" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("pyro4-ns not ready")), 20_000);
    const on = (l: string) => {
      if (l.startsWith("URI = ")) {
        clearTimeout(t);
        resolve();
      }
    };
    createInterface({ input: proc.stdout! }).on("line", on);
    createInterface({ input: proc.stderr! }).on("line", on);
    proc.once("exit", (c) => reject(new Error(`pyro4-ns exited ${c}`)));
  });
  return {
    label: "Python pyro4-ns (memory)",
    addresses: [`127.0.0.1:${port}`],
    stop: async () => {
      try {
        process.kill(-proc.pid!, "SIGKILL");
      } catch {
        // gone
      }
    },
  };
}

async function startOurs(label: string, storage: string, instances: number): Promise<Server> {
  const procs: NsProcess[] = [];
  for (let i = 0; i < instances; i++) procs.push(await startNsProcess(["-n", "127.0.0.1", "-p", "0", "-x", "-s", storage]));
  return {
    label,
    addresses: procs.map((p) => p.uri.split("@")[1]!),
    stop: async () => {
      for (const p of procs) await p.stop();
    },
  };
}

/** Calls per second over `ms`, `concurrency` clients each looping `op(clientIndex, i)`. */
async function rate(clients: NameServerClient[], ms: number, op: (c: NameServerClient, ci: number, i: number) => Promise<unknown>): Promise<number> {
  let calls = 0;
  const end = Date.now() + ms;
  const start = performance.now();
  await Promise.all(
    clients.map(async (c, ci) => {
      for (let i = 0; Date.now() < end; i++) {
        await op(c, ci, i);
        calls++;
      }
    }),
  );
  return calls / ((performance.now() - start) / 1000);
}

let runNo = 0;
interface Target {
  server: Server;
  clients: NameServerClient[];
  lookups: number[];
  registers: number[];
}

async function connect(server: Server, concurrency: number): Promise<Target> {
  const clients: NameServerClient[] = [];
  for (let i = 0; i < concurrency; i++) {
    const addr = server.addresses[i % server.addresses.length]!;
    clients.push(await locateNS(null, null, { nsAddresses: [addr] }));
  }
  await clients[0]!.register("bench.lookup", "PYRO:obj@127.0.0.1:9999", { metadata: ["bench"] });
  return { server, clients, lookups: [], registers: [] };
}

async function round(t: Target, ms: number, keep: boolean): Promise<void> {
  const l = await rate(t.clients, ms, (c) => c.lookup("bench.lookup"));
  const run = runNo++;
  const r = await rate(t.clients, ms, (c, ci, i) => c.register(`bench.r${run}.${ci}.${i}`, `PYRO:o${i}@127.0.0.1:9999`));
  if (keep) {
    t.lookups.push(l);
    t.registers.push(r);
  }
}

function rowOf(t: Target): NsPgRow {
  return {
    server: t.server.label,
    instances: t.server.addresses.length,
    lookupsPerSec: median(t.lookups),
    registrationsPerSec: median(t.registers),
    lookupRange: [Math.min(...t.lookups), Math.max(...t.lookups)],
    registerRange: [Math.min(...t.registers), Math.max(...t.registers)],
  };
}

/**
 * All servers run at once and are measured in rounds (each round visits every server), after a warm-up round, so
 * a noisy moment on a shared machine or the client's JIT warm-up does not land on one row only.
 */
export async function nsPgBench(options: { quick?: boolean; log?: (l: string) => void } = {}): Promise<NsPgRow[]> {
  const log = options.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const repeats = options.quick ? 3 : 5;
  const ms = options.quick ? 500 : 1500;
  const concurrency = 4;
  if (!findPgBin()) throw new Error("PostgreSQL is not installed (apt-get install postgresql); skipping");
  const dir = mkdtempSync(join(tmpdir(), "pyro4-nspg-bench-"));
  let pg: PgCluster | null = null;
  const servers: Server[] = [];
  const targets: Target[] = [];
  try {
    pg = await startPgCluster();
    log("nspg: starting servers");
    servers.push(await startOurs("ours, memory", "memory", 1));
    servers.push(await startOurs("ours, sqlite", `sql:${join(dir, "ns.sqlite")}`, 1));
    servers.push(await startOurs("ours, postgresql", pg.createDatabase("bench1"), 1));
    servers.push(await startOurs("ours, postgresql", pg.createDatabase("bench2"), 2));
    servers.push(await startPyNs());
    for (const s of servers) targets.push(await connect(s, concurrency));
    for (const t of targets) await round(t, ms, false); // warm-up: client and servers
    for (let r = 0; r < repeats; r++) {
      log(`nspg: round ${r + 1}/${repeats}`);
      for (const t of targets) await round(t, ms, true);
    }
    return targets.map(rowOf);
  } finally {
    for (const t of targets) for (const c of t.clients) await c.release().catch(() => {});
    for (const s of servers) await s.stop().catch(() => {});
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderNsPg(rows: NsPgRow[]): string {
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const py = rows.find((r) => r.server.startsWith("Python"));
  const lines = [
    "Name server with shared PostgreSQL storage (separate processes; our client, serpent, 4 connections spread over the instances)",
    "| server | instances | lookups/s (min-max) | vs Python | registrations/s (min-max) | vs Python |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const vs = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : "");
    lines.push(
      `| ${r.server} | ${r.instances} | ${fmt(r.lookupsPerSec)} (${fmt(r.lookupRange[0])}-${fmt(r.lookupRange[1])}) | ${vs(r.lookupsPerSec, py?.lookupsPerSec)} | ` +
        `${fmt(r.registrationsPerSec)} (${fmt(r.registerRange[0])}-${fmt(r.registerRange[1])}) | ${vs(r.registrationsPerSec, py?.registrationsPerSec)} |`,
    );
  }
  return lines.join("\n");
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(REPO, "").replace(/\\/g, "/"));
if (isMain) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, json: { type: "string" } } });
  const rows = await nsPgBench({ quick: values.quick });
  process.stdout.write(renderNsPg(rows) + "\n");
  if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
}
