// `npm run bench`: one run that compares our TypeScript Pyro4 with Python Pyro4 4.82 and with the raw-socket limit
// on this machine, and (section pyro5) our protocol 5 with Python Pyro5. Every figure is a median over repeats with
// its min-max; ratios are against baselines measured in the same run, because absolute numbers on a shared, noisy
// machine mean little. Progress on stderr, report on stdout, `--json FILE` for machine-readable output, `--quick` for
// a short run, `--write` to replace bench/RESULTS.md with this run. Targets come from bench/targets.json. See
// bench/README.md.
import { parseArgs } from "node:util";
import { writeFileSync, readFileSync } from "node:fs";
import { cpus, release, type } from "node:os";
import { execFileSync, spawnSync } from "node:child_process";
import { startChild, nodeCommand, rssMB, PYTHON, type Child } from "./lib/procs.js";
import { PyPool, replaceWorker, type PyWorker } from "./lib/pyworkers.js";
import { rawConnect, rawPingPong, rawBulkEcho, type RawConn } from "./lib/raw.js";
import { TsClient, proxyClass } from "./lib/tsclient.js";
import { tsMicro, MICRO_CASES } from "./lib/micro.js";
import { openConnections, closeConnections } from "./lib/memory.js";
import { nsSection, NS5 } from "./lib/ns.js";
import { errorLine, measure, measureRounds, skipped, single, recorded, progress, addPlanned, type Cell, type Settings, type Sample, type RoundRun } from "./lib/measure.js";
import { evaluate, renderReport, targetSummary, toJson, type Row, type RowResult } from "./lib/report.js";
import { summarize, type Summary, type Unit } from "./lib/stats.js";
import { targetsFor } from "./lib/targets.js";
import { renderResults, RESULTS_FILE, type RunMeta } from "./lib/results.js";
import { getSerializer } from "../src/protocol/index.js";
import type { Socket } from "node:net";

const SERIALIZERS = ["serpent", "json", "marshal", "msgpack", "pickle"] as const;
const SECTIONS = ["limits", "micro", "matrix", "concurrency", "memory", "ns", "pyro5", "nspg", "gateway", "runtimes"] as const;
/** Pyro5 has no pickle. */
const PYRO5_SERIALIZERS = ["serpent", "json", "marshal", "msgpack"];

const { values: argv } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    only: { type: "string" },
    serializers: { type: "string" },
    rows: { type: "string" },
    write: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (argv.help) {
  process.stdout.write(
    "usage: npm run bench -- [--quick] [--json FILE] [--only limits,micro,matrix,concurrency,memory,ns,pyro5,nspg,gateway,runtimes] " +
      "[--serializers serpent,json,marshal,msgpack,pickle] [--rows connect,ping,oneway,batch,stream,echo,nslookup,clients,ns] [--write]\n" +
      "  --rows   matrix rows of these kinds (clients, ns: the pyro5 section's concurrency and name server tables)\n" +
      "  --write  replace bench/RESULTS.md with this run's report (targets: bench/targets.json)\n",
  );
  process.exit(0);
}
const S: Settings = argv.quick
  ? { quick: true, repeats: 3, ms: 120, warmMs: 120 }
  : { quick: false, repeats: 5, ms: 300, warmMs: 300 };
const only = new Set((argv.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim()));
const serializers = (argv.serializers ?? SERIALIZERS.join(",")).split(",").map((s) => s.trim());
/** Which kinds of matrix rows to run (all by default). */
const matrixRows = argv.rows ? new Set(argv.rows.split(",").map((s) => s.trim())) : null;
const ONEWAY_ROUND = 100;
const STREAM_ITEMS = 500;
// --quick drops the 10 MB rows: with the slow serializers one 10 MB echo alone takes seconds
const SIZES = argv.quick ? [1_000_000] : [1_000_000, 10_000_000];
const CONCURRENCY = [8, 32];
const PY_ENV = { PYRO_SERIALIZERS_ACCEPTED: SERIALIZERS.join(","), PYRO_THREADPOOL_SIZE: "64" };

const rows: Row[] = [];
const pool = new PyPool();
const children: Child[] = [];

/** The protocol a section measures: its Python client pool, its Python servers' environment, our servers' flags. */
interface Side {
  protocol: 4 | 5;
  pool: PyPool;
  pyEnv: Record<string, string>;
  /** Extra arguments of bench/ts/server.ts. */
  tsArgs: string[];
  serializers: string[];
}
const P4: Side = { protocol: 4, pool, pyEnv: PY_ENV, tsArgs: [], serializers };
/** Set up by the pyro5 section (it needs the vendored Pyro5 on PYTHONPATH). */
let P5: Side | null = null;

function mb(n: number): string {
  return `${n / 1e6} MB`;
}

async function tryStart(what: string, start: () => Promise<Child>): Promise<Child | null> {
  try {
    const c = await start();
    children.push(c);
    return c;
  } catch (e) {
    progress(`${what} not started: ${(e instanceof Error ? e.message : String(e)).split("\n").slice(0, 3).join(" | ")}`);
    return null;
  }
}

async function startTs(mode: "daemon" | "ns", side: Side = P4): Promise<Child | null> {
  const { cmd, args } = await nodeCommand("server.ts");
  return tryStart(`TS ${mode}`, () => startChild(cmd, [...args, ...(mode === "ns" ? ["ns"] : []), ...side.tsArgs]));
}

function startPy(mode: "daemon" | "ns", env: Record<string, string> = {}, side: Side = P4): Promise<Child | null> {
  return tryStart(`Python ${mode}`, () => startChild(PYTHON, ["python/bench_server.py", mode], { ...side.pyEnv, ...env }));
}

// ---- value of one run ----

function value(kind: string, arg: number, r: { ops: number; secs: number; p50?: number; p99?: number }): Sample {
  const v = kind === "echo" ? (r.ops * arg) / r.secs / 1e6 : r.ops / r.secs;
  return { value: v, extra: { p50: r.p50, p99: r.p99 } };
}

/** A column of a row measured in rounds (`measureRounds`); `col` null is the limit. */
interface RoundColumn extends RoundRun {
  col: string | null;
}

/** The column that shows a row's own ceiling, measured in the row's rounds (issue 28 item 4). */
const LIMIT_COL = "limit";

/**
 * Measure `columns` in rounds: sample i of every column comes from the same round, so the per-round ratios
 * (`pairedRatio`, `pairedBestRatio`) compare figures taken under the same machine state. Cells go into `cells`
 * (the limit's as column LIMIT_COL, so that the table shows the ceiling each row was held against); the limit's
 * samples are returned.
 */
async function inRounds(unit: Unit, settings: Settings, columns: readonly RoundColumn[], cells: Record<string, Cell>): Promise<number[] | null> {
  const measured = await measureRounds(unit, settings, columns);
  let limit: number[] | null = null;
  columns.forEach((c, i) => {
    if (c.col === null) {
      limit = measured[i]!.samples;
      cells[LIMIT_COL] = measured[i]!;
    } else cells[c.col] = measured[i]!;
  });
  return limit;
}

function limitColumn(label: string, sampler: (ms: number) => Promise<number>): RoundColumn {
  return { col: null, label, run: async (ms) => ({ value: await sampler(ms) }) };
}

/** The limit of a row: its samples from the row's own rounds, else the figure of the limit section. */
function setLimit(row: Row, samples: number[] | null, fallback: Summary | null | undefined): void {
  if (samples?.length) {
    row.pairedLimit = samples;
    row.limit = summarize(samples);
  } else row.limit = fallback;
}

/** `n` of our clients connected to `uri`, or null with the column's cell set to why not (skipped). */
async function openTsClients(
  uri: string, ser: string, n: number, label: string, cells: Record<string, Cell>, col: string, protocol: 4 | 5,
): Promise<TsClient[] | null> {
  if (!proxyClass()) {
    cells[col] = skipped(label, "Proxy not exported by src/index.ts yet");
    return null;
  }
  const cs = Array.from({ length: n }, () => new TsClient(uri, ser, protocol));
  try {
    await Promise.all(cs.map((c) => c.open()));
  } catch (e) {
    await Promise.all(cs.map((c) => c.close().catch(() => {})));
    cells[col] = skipped(label, errorLine(e));
    return null;
  }
  return cs;
}

interface MatrixKind {
  kind: string;
  name: string;
  unit: Unit;
  arg: number;
  ns?: boolean;
  size?: number;
}

/**
 * One matrix row: the four client>server cells, and the limit where the row has one, measured in rounds. Every
 * client connects once and stays connected across the rounds (a Python column has a worker process of its own).
 */
async function matrixRounds(
  k: MatrixKind, ser: string, uris: { ts: string | undefined; py: string | undefined }, limit: ((ms: number) => Promise<number>) | null,
  side: Side = P4,
): Promise<{ cells: Record<string, Cell>; limit: number[] | null }> {
  // Each client has a fresh connection, and loopback TCP grows its buffers over the first seconds of bulk traffic
  // (the limit's connection is long warm): the large-payload columns warm up until that settles.
  const settings: Settings = k.kind === "echo" ? { ...S, warmMs: S.quick ? 800 : 2000 } : S;
  const label = (col: string) => `${k.name} [${ser}] ${col}`;
  const cells: Record<string, Cell> = {};
  const columns: RoundColumn[] = limit ? [limitColumn(label("limit"), limit)] : [];
  const closers: (() => Promise<unknown>)[] = [];
  const pool = side.pool;
  const workers = await pool.ensure(2);
  let nextWorker = 0;
  for (const [col, client, uri] of [["TS>TS", "TS", uris.ts], ["TS>Py", "TS", uris.py], ["Py>TS", "Py", uris.ts], ["Py>Py", "Py", uris.py]] as const) {
    if (!uri) {
      cells[col] = skipped(label(col), "server not running");
      continue;
    }
    if (client === "TS") {
      const [c] = (await openTsClients(uri, ser, 1, label(col), cells, col, side.protocol)) ?? [];
      if (!c) continue;
      closers.push(() => c.close().catch(() => {}));
      columns.push({ col, label: label(col), run: async (ms) => value(k.kind, k.arg, await c.run(k.kind, ms, k.arg)) });
      continue;
    }
    let w = workers[nextWorker++]!;
    try {
      await w.open(uri, ser);
    } catch (e) {
      cells[col] = skipped(label(col), errorLine(e));
      continue;
    }
    closers.push(() => w.close());
    columns.push({
      col,
      label: label(col),
      run: async (ms) => value(k.kind, k.arg, await w.run(k.kind, ms, k.arg)),
      onTimeout: () => {
        w = replaceWorker(pool, w);
      },
    });
  }
  const limitSamples = await inRounds(k.unit, settings, columns, cells);
  for (const close of closers) await close();
  return { cells, limit: limitSamples };
}

/** `n` Python client processes at once, each doing sequential calls; the figure is the total calls/s. */
async function concurrentPyCell(label: string, uri: string | undefined, ser: string, n: number, side: Side): Promise<Cell> {
  if (!uri) return skipped(label, "server not running");
  const pool = side.pool;
  const ws = await pool.ensure(n);
  try {
    await Promise.all(ws.map((w) => w.open(uri, ser)));
  } catch (e) {
    return skipped(label, e instanceof Error ? e.message : String(e));
  }
  const cell = await measure(label, "ops/s", S, async (ms) => sumRuns(await Promise.all(ws.map((w) => w.run("ping", ms)))), () => {
    for (const w of ws) replaceWorker(pool, w);
  });
  await Promise.all(pool.workers.slice(0, n).map((w) => w.close()));
  return cell;
}

/** Total calls/s of clients that ran side by side, each timing itself. */
function sumRuns(rs: { ops: number; secs: number }[]): Sample {
  return { value: rs.reduce((a, r) => a + r.ops, 0) / Math.max(...rs.map((r) => r.secs)) };
}

/**
 * Warm a freshly started server (JIT on the TS side, caches on the Python side) with every serializer, unmeasured,
 * so the first cells of a section do not pay for it.
 */
async function warmServer(uri: string | undefined, kinds = ["ping", "connect"], side: Side = P4): Promise<void> {
  if (!uri || !proxyClass()) return;
  // connection setup runs the most code per operation (proxy, URI, handshake on both sides): it takes about 2 s
  // of it before the JIT has compiled the path, whatever the number of serializers (a quick run measured connect
  // at 0.6-1.0k/s for its first second, 1.8-3.0k/s after two)
  const msFor = (kind: string) => Math.max(S.quick ? 150 : 400, kind === "connect" ? 2000 / side.serializers.length : 0);
  for (const ser of side.serializers) {
    const c = new TsClient(uri, ser, side.protocol);
    try {
      await c.open();
      for (const kind of kinds) await c.run(kind, msFor(kind));
    } catch {
      // the measured cells report failures
    }
    await c.close().catch(() => {});
  }
}

// ---- sections ----

const limits: { ping: Map<number, Summary | null>; bulk: Map<number, Summary | null> } = { ping: new Map(), bulk: new Map() };
/** The raw server stays up after the limit rows: the rows with a limit target sample it in each of their rounds. */
const rawState = { port: 0, req: 64, res: 30, conns: new Map<string, RawConn[]>() };

async function rawConns(key: string, n: number): Promise<RawConn[]> {
  let cs = rawState.conns.get(key);
  if (!cs) rawState.conns.set(key, (cs = await rawConnect(rawState.port, n)));
  return cs;
}

/** A limit sampler for the rounds of a row: ping-pong over `n` connections (ops/s), or bulk echo of `size` bytes (MB/s). */
function limitSampler(kind: "ping" | "bulk", nOrSize: number): ((ms: number) => Promise<number>) | null {
  if (!rawState.port) return null;
  if (kind === "ping") {
    return async (ms) => {
      const r = await rawPingPong(await rawConns(`ping${nOrSize}`, nOrSize), rawState.req, rawState.res, ms);
      return r.ops / r.secs;
    };
  }
  return async (ms) => {
    const [c] = await rawConns("bulk", 1);
    const r = await rawBulkEcho(c!, nOrSize, ms);
    return (r.ops * nOrSize) / r.secs / 1e6;
  };
}

/** The limit rows are measured once, at the start; the RPC rows' ratios use the ceiling samples of their own rounds. */
const LIMIT_NOTE = "at the start of the run; each RPC row measures its own (column limit)";

async function limitSection(): Promise<void> {
  const raw = await (async () => {
    const { cmd, args } = await nodeCommand("raw-server.ts");
    return tryStart("raw server", () => startChild(cmd, args));
  })();
  // same frame sizes as a Pyro4 ping() call and its None answer with serpent
  let req = 64;
  let res = 30;
  try {
    const s = getSerializer("serpent");
    req = s.serializeCall("bench", "ping", [], {}).length;
    res = s.serializeData(null).length;
  } catch {
    // placeholder serializer: keep the typical sizes
  }
  addPlanned(CONCURRENCY.length + 1 + SIZES.length);
  const port = raw ? Number(raw.uri.split(":")[1]) : 0;
  Object.assign(rawState, { port, req, res });
  for (const n of [1, ...CONCURRENCY]) {
    const label = `limit ping-pong ${n} conn`;
    const cs = raw ? await rawConnect(port, n) : [];
    const cell = raw
      ? await measure(label, "ops/s", S, async (ms) => {
          const r = await rawPingPong(cs, req, res, ms);
          return { value: r.ops / r.secs };
        })
      : skipped(label, "raw server not running");
    for (const c of cs) c.close();
    limits.ping.set(n, cell.summary);
    rows.push({ section: "Limit: raw Node TCP, no RPC", name: `ping-pong ${24 + req}/${24 + res} B, ${n} conn`, unit: "ops/s", cells: { raw: cell }, note: LIMIT_NOTE });
  }
  for (const size of SIZES) {
    const label = `limit bulk echo ${mb(size)}`;
    const [c] = raw ? await rawConnect(port, 1) : [];
    const cell = c
      ? await measure(label, "MB/s", S, async (ms) => {
          const r = await rawBulkEcho(c, size, ms);
          return { value: (r.ops * size) / r.secs / 1e6 };
        })
      : skipped(label, "raw server not running");
    c?.close();
    limits.bulk.set(size, cell.summary);
    rows.push({ section: "Limit: raw Node TCP, no RPC", name: `bulk echo ${mb(size)}`, unit: "MB/s", cells: { raw: cell }, note: LIMIT_NOTE });
  }
}

async function microSection(): Promise<void> {
  addPlanned(serializers.length * MICRO_CASES.length * 4);
  const [w] = (await pool.ensure(1)) as [PyWorker];
  for (const ser of serializers) {
    for (const kase of MICRO_CASES) {
      const cells: Record<string, Record<string, Cell>> = { ser: {}, de: {} };
      for (const side of ["TS", "Python"] as const) {
        const results: Record<"ser" | "de", number[]> = { ser: [], de: [] };
        let error: string | null = null;
        try {
          for (let i = 0; i < S.repeats; i++) {
            const r: { ser: number; de: number; error?: string } = side === "TS"
              ? tsMicro(ser, kase, S.ms / 2)
              : ((await w.send({ op: "micro", serializer: ser, case: kase, ms: S.ms / 2 })) as { ser: number; de: number; error?: string });
            if (r.error) throw new Error(r.error);
            results.ser.push(r.ser);
            results.de.push(r.de);
          }
        } catch (e) {
          error = errorLine(e);
        }
        for (const op of ["ser", "de"] as const) {
          const label = `micro ${ser} ${kase} ${op} ${side}`;
          if (error) cells[op]![side] = skipped(label, error);
          else cells[op]![side] = recorded(label, "ops/s", results[op]);
        }
      }
      for (const op of ["ser", "de"] as const) {
        rows.push({
          section: "Serializer microbenchmarks (in-process)",
          name: `${ser} ${kase} ${op === "ser" ? "serialize" : "deserialize"}`,
          unit: "ops/s",
          cells: cells[op]!,
          ours: "TS",
          python: ["Python"],
          targets: targetsFor("micro", kase, ser),
        });
      }
    }
  }
}

/** The rows of an RPC matrix (those `--rows` keeps), with echo rows of these payload sizes. */
function matrixKinds(sizes: readonly number[]): MatrixKind[] {
  const all: MatrixKind[] = [
    { kind: "connect", name: "connect + 1 call", unit: "ops/s", arg: 0 },
    { kind: "ping", name: "sequential calls", unit: "ops/s", arg: 0 },
    { kind: "oneway", name: `oneway calls (rounds of ${ONEWAY_ROUND}, until processed)`, unit: "ops/s", arg: ONEWAY_ROUND },
    { kind: "batch", name: "batched calls (100 per batch)", unit: "ops/s", arg: 0 },
    { kind: "stream", name: `stream items (gen(${STREAM_ITEMS}))`, unit: "ops/s", arg: STREAM_ITEMS },
    ...sizes.map((size) => ({ kind: "echo", name: `echo ${mb(size)} bytes`, unit: "MB/s" as Unit, arg: size, size })),
    { kind: "nslookup", name: "name server lookups", unit: "ops/s", arg: 0, ns: true },
  ];
  return all.filter((k) => !matrixRows || matrixRows.has(k.kind));
}

/**
 * The limit measured in a row's rounds: ping-pong for sequential calls, bulk echo for every echo row (each row
 * that shows ours/limit has its own ceiling samples: a figure from the start of the run drifts with the machine).
 */
function rowLimit(k: MatrixKind): ((ms: number) => Promise<number>) | null {
  return k.kind === "ping" ? limitSampler("ping", 1) : k.kind === "echo" ? limitSampler("bulk", k.size!) : null;
}

/** p50 and p99 latency rows under a sequential-calls row, from the extras of its cells. */
function latencyRows(section: string, ser: string, cells: Record<string, Cell>): void {
  for (const p of ["p50", "p99"] as const) {
    const lat: Record<string, Cell> = {};
    for (const [col, c] of Object.entries(cells)) if (col !== LIMIT_COL) lat[col] = { samples: [], summary: c.extra?.[p] ?? null };
    rows.push({ section, name: `  ${p} latency [${ser}]`, unit: "us", cells: lat, ours: "TS>TS", python: ["Py>Py"] });
  }
}

/** A runtime binary for the runtimes section: $BUN / $DENO, else PATH; null when absent. */
function runtimeBinary(name: "bun" | "deno"): string | null {
  const fromEnv = process.env[name.toUpperCase()];
  if (fromEnv) return fromEnv;
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Our daemon (the same bundled bench/ts/server.ts) under Node, Bun and Deno, each called by the same Python Pyro4
 * client, with Python's daemon as the baseline; measured in rounds, so the columns share the machine's state
 * (issue 27). Bun and Deno come from $BUN / $DENO or PATH (`npm i bun deno` puts them in node_modules/.bin).
 */
async function runtimesSection(): Promise<void> {
  const section = "Runtimes: our daemon under Node, Bun and Deno, Python Pyro4 client (serpent; measured in rounds)";
  const { args, bundled } = await nodeCommand("server.ts");
  const servers: [string, Child | null][] = [["Py>Node", await startTs("daemon")]];
  for (const [col, name, pre] of [["Py>Bun", "bun", []], ["Py>Deno", "deno", ["run", "-A"]]] as const) {
    const bin = runtimeBinary(name);
    if (!bin || !bundled) {
      progress(`${col}: n/a (${!bin ? `no ${name}: set ${name.toUpperCase()}=/path or npm i ${name}` : "esbuild unavailable: no plain-JS bundle"})`);
      servers.push([col, null]);
      continue;
    }
    servers.push([col, await tryStart(`${name} daemon`, () => startChild(bin, [...pre, ...args]))]);
  }
  servers.push(["Py>Py", await startPy("daemon", { PYRO_SERVERTYPE: "thread" })]);
  progress("warming up the servers");
  for (const [, c] of servers) await warmServer(c?.uri);
  const kinds = [
    { kind: "ping", name: "sequential calls", unit: "ops/s" as Unit, arg: 0 },
    { kind: "echo", name: "echo 1 MB bytes", unit: "MB/s" as Unit, arg: 1_000_000 },
  ];
  addPlanned(kinds.length * servers.length);
  const workers = await pool.ensure(servers.length);
  for (const k of kinds) {
    const settings: Settings = k.kind === "echo" ? { ...S, warmMs: S.quick ? 800 : 2000 } : S;
    const label = (col: string) => `runtimes ${k.name} ${col}`;
    const cells: Record<string, Cell> = {};
    const columns: RoundColumn[] = [];
    for (let i = 0; i < servers.length; i++) {
      const [col, server] = servers[i]!;
      if (!server) {
        cells[col] = skipped(label(col), "runtime not available");
        continue;
      }
      let w = workers[i]!;
      try {
        await w.open(server.uri, "serpent");
      } catch (e) {
        cells[col] = skipped(label(col), errorLine(e));
        continue;
      }
      columns.push({
        col, label: label(col),
        run: async (ms) => value(k.kind, k.arg, await w.run(k.kind, ms, k.arg)),
        onTimeout: () => {
          w = replaceWorker(pool, w);
        },
      });
    }
    await inRounds(k.unit, settings, columns, cells);
    for (const w of workers) await w.close().catch(() => {});
    rows.push({ section, name: `${k.name} [serpent]`, unit: k.unit, cells, ours: "Py>Node", python: ["Py>Py"], pairedPython: true });
  }
  for (const [, c] of servers) await c?.stop();
}

async function matrixSection(): Promise<void> {
  const tsD = await startTs("daemon");
  const pyD = await startPy("daemon", { PYRO_SERVERTYPE: "thread" });
  const tsNs = await startTs("ns");
  const pyNs = await startPy("ns");
  progress("warming up the servers");
  for (const c of [tsD, pyD]) await warmServer(c?.uri);
  for (const c of [tsNs, pyNs]) await warmServer(c?.uri, ["nslookup"]);
  const kinds = matrixKinds(SIZES);
  addPlanned(kinds.reduce((n, k) => n + serializers.length * (4 + (rowLimit(k) ? 1 : 0)), 0));
  const section = "RPC matrix (client>server; TS = ours, Py = Python Pyro4; measured in rounds)";
  for (const k of kinds) {
    for (const ser of serializers) {
      const uris = k.ns ? { ts: tsNs?.uri, py: pyNs?.uri } : { ts: tsD?.uri, py: pyD?.uri };
      const { cells, limit } = await matrixRounds(k, ser, uris, rowLimit(k));
      const row: Row = { section, name: `${k.name} [${ser}]`, unit: k.unit, cells, ours: "TS>TS", python: ["Py>Py"], pairedPython: true };
      row.targets = targetsFor("matrix", k.kind, ser);
      if (k.kind === "ping") {
        setLimit(row, limit, limits.ping.get(1));
      } else if (k.kind === "batch" && ser === "marshal" && cells["Py>Py"]?.error) {
        // Pyro4 4.82's own marshal dumpsCall fails on a batch (its kwargs are None): there is no baseline to beat
        row.targets = [];
        row.note = "Python Pyro4's marshal serializer cannot send batches";
      } else if (k.kind === "echo") {
        setLimit(row, limit, limits.bulk.get(k.size!));
        if (ser === "json" && cells["Py>Py"]?.error) row.note = "Python's json serializer cannot send bytes";
      }
      rows.push(row);
      if (k.kind === "ping") latencyRows(section, ser, cells);
    }
  }
  for (const c of [tsD, pyD, tsNs, pyNs]) await c?.stop();
}

async function concurrencySection(
  side: Side = P4,
  section = "Concurrent clients (sequential calls each; Python clients are processes; ours and Python's measured in rounds)",
  targetSection = "concurrency",
): Promise<void> {
  const tsD = await startTs("daemon", side);
  const pyT = await startPy("daemon", { PYRO_SERVERTYPE: "thread" }, side);
  const pyM = await startPy("daemon", { PYRO_SERVERTYPE: "multiplex" }, side);
  progress("starting Python client processes, warming up the servers");
  await side.pool.ensure(Math.max(...CONCURRENCY));
  for (const c of [tsD, pyT, pyM]) await warmServer(c?.uri, undefined, side);
  // per row: Py>TS, then the limit, TS>TS and the two Python servers in rounds
  addPlanned(CONCURRENCY.length * side.serializers.length * (rawState.port ? 5 : 4));
  for (const n of CONCURRENCY) {
    for (const ser of side.serializers) {
      const label = (col: string) => `${side.protocol === 5 ? "pyro5 " : ""}${n} clients [${ser}] ${col}`;
      const cells: Record<string, Cell> = {};
      cells["Py>TS"] = await concurrentPyCell(label("Py>TS"), tsD?.uri, ser, n, side);
      // ours, both Python servers and the limit in rounds: the ratios compare samples taken seconds apart
      const rounds = await concurrentRounds(n, ser, label, { "TS>TS": tsD?.uri, "Py>Py thread": pyT?.uri, "Py>Py multiplex": pyM?.uri }, side);
      const row: Row = {
        section,
        name: `${n} clients [${ser}]`,
        unit: "ops/s",
        cells: {
          "TS>TS": rounds.cells["TS>TS"]!, "Py>TS": cells["Py>TS"], "Py>Py thread": rounds.cells["Py>Py thread"]!, "Py>Py multiplex": rounds.cells["Py>Py multiplex"]!,
          ...(rounds.cells[LIMIT_COL] ? { [LIMIT_COL]: rounds.cells[LIMIT_COL] } : {}),
        },
        ours: "TS>TS",
        python: ["Py>Py thread", "Py>Py multiplex"],
        pairedPython: true,
        targets: targetsFor(targetSection, "clients", ser),
      };
      setLimit(row, rounds.limit, limits.ping.get(n));
      rows.push(row);
    }
  }
  for (const c of [tsD, pyT, pyM]) await c?.stop();
}

/**
 * `n` clients against each server in `uris`, plus the raw limit, measured in rounds (`measureRounds`): one
 * sample of each per round. Our clients stay connected across rounds; the Python client processes reconnect to
 * the server of their column before each of its samples (outside the timed part).
 */
async function concurrentRounds(
  n: number, ser: string, label: (col: string) => string, uris: Record<string, string | undefined>, side: Side,
): Promise<{ cells: Record<string, Cell>; limit: number[] | null }> {
  const pool = side.pool;
  const cells: Record<string, Cell> = {};
  const lim = limitSampler("ping", n);
  const columns: RoundColumn[] = lim ? [limitColumn(label("limit"), lim)] : [];
  const ours: TsClient[] = [];
  for (const [col, uri] of Object.entries(uris)) {
    if (!uri) {
      cells[col] = skipped(label(col), "server not running");
      continue;
    }
    if (col.startsWith("TS")) {
      const cs = await openTsClients(uri, ser, n, label(col), cells, col, side.protocol);
      if (!cs) continue;
      ours.push(...cs);
      columns.push({ col, label: label(col), run: async (ms) => sumRuns(await Promise.all(cs.map((c) => c.run("ping", ms)))) });
    } else {
      const ws = await pool.ensure(n);
      columns.push({
        col,
        label: label(col),
        run: async (ms) => {
          await Promise.all(ws.map((w) => w.open(uri, ser)));
          const r = sumRuns(await Promise.all(ws.map((w) => w.run("ping", ms))));
          await Promise.all(ws.map((w) => w.close()));
          return r;
        },
        onTimeout: () => {
          for (const w of ws) replaceWorker(pool, w);
        },
      });
    }
  }
  const limit = await inRounds("ops/s", S, columns, cells);
  await Promise.all(ours.map((c) => c.close().catch(() => {})));
  return { cells, limit };
}

async function memorySection(): Promise<void> {
  const servers: [string, () => Promise<Child | null>][] = [
    ["TS daemon", () => startTs("daemon")],
    ["Py thread", () => startPy("daemon", { PYRO_SERVERTYPE: "thread", PYRO_THREADPOOL_SIZE: "1100" })],
    ["Py multiplex", () => startPy("daemon", { PYRO_SERVERTYPE: "multiplex" })],
  ];
  const counts = [0, 100, 1000];
  addPlanned(servers.length * counts.length);
  const cells: Record<number, Record<string, Cell>> = { 0: {}, 100: {}, 1000: {} };
  for (const [col, start] of servers) {
    const child = await start();
    const socks: Socket[] = [];
    for (const n of counts) {
      const label = `memory ${col} ${n} connections`;
      if (!child) {
        cells[n]![col] = skipped(label, "server not running");
        continue;
      }
      try {
        await openConnections(socks, child.uri, "bench", n);
        await new Promise((r) => setTimeout(r, S.quick ? 300 : 800));
        cells[n]![col] = single(rssMB(child.proc.pid!));
        progress(`${label}: ${cells[n]![col]!.summary!.median.toFixed(1)} MB`);
      } catch (e) {
        cells[n]![col] = skipped(label, e instanceof Error ? e.message : String(e));
      }
    }
    closeConnections(socks);
    await child?.stop();
  }
  for (const n of counts) {
    rows.push({
      section: "Memory: daemon RSS (MB, one sample; ratio = Python's best / ours)",
      name: n ? `${n} open connections` : "idle daemon",
      unit: "MB",
      cells: cells[n]!,
      ours: "TS daemon",
      python: ["Py thread", "Py multiplex"],
    });
  }
}

/** Where the vendored Python Pyro5 is (test/helpers/pyro5.ts), or null with the reason reported. */
async function pyro5Path(): Promise<string | null> {
  try {
    return (await import("../test/helpers/pyro5.js")).PYRO5_PATH;
  } catch (e) {
    progress(`pyro5 section skipped: ${errorLine(e)}`);
    return null;
  }
}

/**
 * Pyro5 (wire protocol 502) in the same run: our Proxy/Daemon/name server with `protocol: 5` against Python Pyro5
 * (vendored, run through PYTHONPATH), the same matrix, concurrency and name server rows as Pyro4's, minus pickle
 * (not in Pyro5) and the 10 MB echo (the 1 MB row shows the bulk path). `--rows` keeps matrix kinds as for the
 * Pyro4 matrix, plus `clients` (the concurrency rows) and `ns` (the name server processes).
 */
async function pyro5Section(): Promise<void> {
  const path = await pyro5Path();
  if (!path) return;
  const env = { BENCH_PYRO: "5", PYTHONPATH: path };
  // Pyro5 refuses unknown PYRO_ variables (PYRO_SERIALIZERS_ACCEPTED is Pyro4's): its servers accept all serializers
  const side: Side = (P5 = {
    protocol: 5,
    pool: new PyPool(env),
    pyEnv: { ...env, PYRO_THREADPOOL_SIZE: "64" },
    tsArgs: ["--pyro5"],
    serializers: serializers.filter((s) => PYRO5_SERIALIZERS.includes(s)),
  });
  if (!side.serializers.length) return;
  const kinds = matrixKinds(SIZES.slice(0, 1));
  if (kinds.length) {
    const tsD = await startTs("daemon", side);
    const pyD = await startPy("daemon", { PYRO_SERVERTYPE: "thread" }, side);
    const ns = kinds.some((k) => k.ns);
    const tsNs = ns ? await startTs("ns", side) : null;
    const pyNs = ns ? await startPy("ns", {}, side) : null;
    progress("warming up the Pyro5 servers");
    for (const c of [tsD, pyD]) await warmServer(c?.uri, undefined, side);
    for (const c of [tsNs, pyNs]) await warmServer(c?.uri, ["nslookup"], side);
    addPlanned(kinds.reduce((n, k) => n + side.serializers.length * (4 + (rowLimit(k) ? 1 : 0)), 0));
    const section = `Pyro5 RPC matrix (protocol 502; client>server; TS = ours with protocol: 5, Py = Python Pyro5 ${pyro5Version(path)}; measured in rounds)`;
    for (const k of kinds) {
      for (const ser of side.serializers) {
        const uris = k.ns ? { ts: tsNs?.uri, py: pyNs?.uri } : { ts: tsD?.uri, py: pyD?.uri };
        const { cells, limit } = await matrixRounds({ ...k, name: `pyro5 ${k.name}` }, ser, uris, rowLimit(k), side);
        const row: Row = { section, name: `${k.name} [${ser}]`, unit: k.unit, cells, ours: "TS>TS", python: ["Py>Py"], pairedPython: true };
        row.targets = targetsFor("pyro5-matrix", k.kind, ser);
        if (ser === "marshal") row.note = "Python Pyro5's marshal: plain method calls only (its batches and attribute access fail)";
        if (k.kind === "ping") setLimit(row, limit, limits.ping.get(1));
        else if (k.kind === "echo") setLimit(row, limit, limits.bulk.get(k.size!));
        if (k.kind === "batch" && ser === "marshal" && cells["Py>Py"]?.error) {
          // Pyro5's own MarshalSerializer.dumpsCall does kwargs.items() on the None a batch (or attribute access) sends
          row.targets = [];
          row.note = "Python Pyro5's marshal serializer cannot send batches";
        } else if (k.kind === "echo" && ser === "json" && cells["Py>Py"]?.error) {
          row.note = "Python Pyro5's json serializer cannot send bytes";
        }
        rows.push(row);
        if (k.kind === "ping") latencyRows(section, ser, cells);
      }
    }
    for (const c of [tsD, pyD, tsNs, pyNs]) await c?.stop();
  }
  if (!matrixRows || matrixRows.has("clients")) {
    await concurrencySection(
      side,
      `Pyro5 concurrent clients (protocol 502; sequential calls each; Python Pyro5 clients are processes; measured in rounds)`,
      "pyro5-concurrency",
    );
  }
  if (!matrixRows || matrixRows.has("ns")) rows.push(...(await nsSection(S, side.pool, side.pyEnv, NS5)));
  side.pool.quit();
}

/** Python Pyro5's version ("5.17-dev0"), or "?". */
function pyro5Version(path: string): string {
  try {
    return execFileSync(PYTHON, ["-c", "import Pyro5; print(Pyro5.__version__)"], { encoding: "utf8", env: { ...process.env, PYTHONPATH: path } }).trim();
  } catch {
    return "?";
  }
}

function meta(): RunMeta {
  let pyro = "?";
  try {
    pyro = execFileSync(PYTHON, ["-c", "import sys, Pyro4; print(Pyro4.__version__, sys.version.split()[0])"], { encoding: "utf8" }).trim();
  } catch {
    // reported as "?"
  }
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "?";
  return {
    date: new Date().toISOString(),
    node: process.version,
    pythonPyro4: pyro,
    cpu,
    cores: cpus().length,
    os: `${type()} ${release()}`,
    quick: S.quick,
    repeats: S.repeats,
    repeatMs: S.ms,
    command: `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join("")}`,
    ...(argv.only || argv.serializers || argv.rows ? { only: [argv.only, argv.serializers, argv.rows].filter(Boolean).join("; ") } : {}),
  };
}

async function main(): Promise<void> {
  const m = meta();
  const p5 = only.has("pyro5") ? await pyro5Path() : null;
  if (p5) m.pythonPyro5 = pyro5Version(p5);
  progress(`bench: ${S.quick ? "quick" : "full"} run, ${S.repeats} repeats of ${S.ms} ms; node ${m.node}, Pyro4/Python ${m.pythonPyro4}`);
  if (only.has("limits") || only.has("matrix") || only.has("concurrency") || only.has("pyro5")) await limitSection();
  if (only.has("micro")) await microSection();
  if (only.has("matrix")) await matrixSection();
  if (only.has("concurrency")) await concurrencySection();
  if (only.has("memory")) await memorySection();
  if (only.has("ns")) rows.push(...(await nsSection(S, pool, PY_ENV)));
  if (only.has("pyro5")) await pyro5Section();
  if (only.has("runtimes")) await runtimesSection();
  pool.quit();
  P5?.pool.quit();
  for (const cs of rawState.conns.values()) for (const c of cs) c.close();
  for (const c of children) await c.stop();
  const results: RowResult[] = rows.map(evaluate);
  const head =
    `# pyro4 benchmark (${m.date}, ${m.cpu}, ${m.cores} cores, node ${m.node}, Python Pyro4 ${m.pythonPyro4}${m.pythonPyro5 ? `, Python Pyro5 ${m.pythonPyro5}` : ""})\n` +
    `# cells: median [min-max] over ${S.repeats} repeats of ${S.ms} ms; ratios on medians, > 1 = ours better ` +
    `(ours = TS client + TS server)\n\n`;
  const report = renderReport(results);
  const summary = targetSummary(results);
  process.stdout.write(head + report + `\n${summary}\n`);
  let extra = "";
  if (only.has("nspg")) {
    // shared PostgreSQL storage (issue 19): its own table, see bench/nameserver-pg.ts
    const { nsPgBench, renderNsPg } = await import("./nameserver-pg.js");
    try {
      extra = "\n" + renderNsPg(await nsPgBench({ quick: S.quick, log: progress })) + "\n";
      process.stdout.write(extra);
    } catch (e) {
      progress(`nspg section skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (only.has("gateway")) {
    // HTTP gateway (issue 18): ours vs Python's pyro4-httpgateway, keep-alive clients, same backend; see bench/gateway.ts
    const { runGatewayBench } = await import("./gateway.js");
    try {
      const g = await runGatewayBench({ durationSecs: S.quick ? 1 : 3, rounds: S.quick ? 2 : 3 });
      const fmt = (a: number[]) => a.map((x) => Math.round(x)).join(", ");
      const table =
        `\n## HTTP gateway (${g.concurrency} keep-alive clients, ${g.rounds} rounds of ${g.durationSecs} s, Python backend behind both)\n\n` +
        `| gateway | requests/s (median) | rounds |\n|---|---|---|\n` +
        `| ours (pyro4 httpgateway) | ${Math.round(g.oursMedian)} | ${fmt(g.oursRps)} |\n` +
        `| Python (pyro4-httpgateway) | ${Math.round(g.pythonMedian)} | ${fmt(g.pythonRps)} |\n` +
        `| ours / Python | ${g.ratio.toFixed(2)}x | |\n`;
      extra += table;
      process.stdout.write(table);
    } catch (e) {
      progress(`gateway section skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (argv.write) {
    if (m.quick || m.only) progress("note: --write on a quick or partial run; bench/RESULTS.md says so");
    writeFileSync(RESULTS_FILE, renderResults(m, report + extra, summary));
    progress("wrote bench/RESULTS.md");
  }
  if (argv.json) {
    writeFileSync(argv.json, toJson({ ...m }, results));
    progress(`wrote ${argv.json}`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
