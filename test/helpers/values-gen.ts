// The generated-value differential harness (issue 24, items 4 and 5): Python's echo server and ours side by side,
// the Python client of test/fixtures/values_gen_client.py (Hypothesis-generated Python values through both), and
// its JSON report. Used by test/interop/values-generated*.test.ts and the soak test/fuzz/values.ts.
import { Daemon } from "../../src/server/daemon.js";
import { EchoServer } from "../../src/cli/echoserver.js";
import { runPythonAsync, startPython, type PythonServer } from "./python.js";
import { PYRO5_ENV } from "./pyro5.js";

export type Protocol = 4 | 5;
export const SERIALIZERS: Record<Protocol, readonly ("serpent" | "json" | "marshal" | "msgpack" | "pickle")[]> = {
  4: ["serpent", "json", "marshal", "msgpack", "pickle"],
  5: ["serpent", "json", "marshal", "msgpack"],
};

/** The default seed of the fixed-budget tests; VALUES_SEED overrides it. */
export const DEFAULT_SEED = 24;
export function seedFromEnv(fallback = DEFAULT_SEED): number {
  const s = process.env.VALUES_SEED;
  return s && /^\d+$/.test(s) ? Number(s) : fallback;
}
export function examplesFromEnv(fallback: number): number {
  const s = process.env.VALUES_EXAMPLES;
  return s && /^\d+$/.test(s) ? Number(s) : fallback;
}

export function envFor(protocol: Protocol): Record<string, string> {
  return protocol === 5 ? { ...PYRO5_ENV, INTEROP_PEER: "5" } : {};
}

export interface EchoPair {
  protocol: Protocol;
  /** Python's echo server (values_gen_server.py: Python's own EchoServer class and daemon). */
  python: PythonServer;
  pythonUri: string;
  /** Our daemon, in this process, serving our EchoServer (the object of `pyro4 echoserver`). */
  ours: Daemon;
  oursUri: string;
  close(): Promise<void>;
}

/** Start Python's echo server and ours for one protocol, both accepting every serializer of that protocol. */
export async function startEchoPair(protocol: Protocol): Promise<EchoPair> {
  const python = await startPython(["values_gen_server.py"], /uri: (\S+)/, { env: envFor(protocol) });
  let ours: Daemon;
  try {
    ours = await Daemon.create({ host: "127.0.0.1", protocol, serializersAccepted: [...SERIALIZERS[protocol]] });
  } catch (e) {
    await python.stop();
    throw e;
  }
  const echo = new EchoServer();
  if (protocol === 5) echo._errorText = "this is the generated error from echoserver echo() method";
  ours.register(echo, "test.echoserver");
  return {
    protocol,
    python,
    pythonUri: python.ready,
    ours,
    oursUri: ours.uriFor("test.echoserver").asString(),
    async close() {
      await ours.close();
      await python.stop();
    },
  };
}

export interface Diff {
  path: string;
  reason: string;
  signature: string;
}
export interface Outcome {
  type?: string;
  repr?: string;
  error?: string;
  message?: string;
  remote?: boolean;
}
export interface Difference {
  index: number;
  repr: string;
  sent: string;
  python: Outcome;
  ours: Outcome;
  serializer: string;
  protocol: number;
  seed: number;
  diffs: Diff[];
  /** When only one side raised on a composite value: its smallest parts that differ on their own. */
  parts?: Difference[];
}
export interface GenReport {
  examples: number;
  compared: number;
  both_error: number;
  different: number;
  serializer: string;
  protocol: number;
  seed: number;
  causes: Record<string, { count: number; example: Difference }>;
  differences: Difference[];
}

/**
 * Run values_gen_client.py: `examples` Hypothesis values from `seed`, each echoed through `pythonUri` and `oursUri`
 * (pass Python's URI twice for the Python-vs-Python sanity run).
 */
export async function runPythonGenerated(o: {
  protocol: Protocol;
  serializer: string;
  pythonUri: string;
  oursUri: string;
  examples: number;
  seed: number;
  maxLeaves?: number;
  timeoutMs?: number;
  /** values_gen kinds or features to leave out (e.g. ["decimal", "aware"]). */
  exclude?: string[];
  /** "ours" is a Python server too (the sanity run): compare strictly, without the documented JavaScript rules. */
  oursIsPython?: boolean;
}): Promise<GenReport> {
  const args = [
    "values_gen_client.py", "--python", o.pythonUri, "--ours", o.oursUri, "--protocol", String(o.protocol),
    "--serializer", o.serializer, "--examples", String(o.examples), "--seed", String(o.seed),
  ];
  if (o.maxLeaves) args.push("--max-leaves", String(o.maxLeaves));
  if (o.exclude?.length) args.push("--exclude", o.exclude.join(","));
  if (o.oursIsPython) args.push("--ours-is-python");
  // our daemon knows values_gen.Custom as Python's echo server does (its class hooks), so both rebuild it alike
  const out = await withCustomHooks(() => runPythonAsync(args, { env: envFor(o.protocol), timeoutMs: o.timeoutMs ?? 120_000 }));
  return JSON.parse(out.trim().split("\n").pop()!) as GenReport;
}

/** A readable account of a report's differences: each distinct cause with its count and smallest example. */
export function formatGenReport(r: GenReport, label = `protocol ${r.protocol} ${r.serializer}`): string {
  const lines = [
    `${label}: seed ${r.seed} (rerun with VALUES_SEED=${r.seed}), ${r.examples} examples, ${r.compared} compared, ` +
      `${r.both_error} refused by both, ${r.different} different`,
  ];
  const causes = Object.entries(r.causes).sort((a, b) => b[1].count - a[1].count);
  for (const [sig, c] of causes) {
    const e = c.example;
    const d = e.diffs.find((x) => x.signature === sig) ?? e.diffs[0]!;
    lines.push(
      `  [${c.count}x] ${sig}`,
      `      value:  ${e.repr}`,
      `      sent:   ${e.sent}`,
      `      python: ${outcomeText(e.python)}`,
      `      ours:   ${outcomeText(e.ours)}`,
      `      at ${d.path}: ${d.reason}`,
    );
  }
  return lines.join("\n");
}

function outcomeText(o: Outcome): string {
  return o.error ? `raised ${o.error}${o.remote ? " (remote)" : ""}: ${o.message}` : `${o.type} = ${o.repr}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The reverse direction: fast-check values sent by our client to Python's echo server and to ours

import fc from "fast-check";
import { Proxy } from "../../src/client/proxy.js";
import { RemoteError } from "../../src/errors.js";
import { canon, diffValues, typeTree } from "./values-compare.js";
import { Custom, valuesArb, withCustomHooks, type ArbOptions, type SerializerName } from "./values-arb.js";

interface EchoProxy {
  echo(x: unknown): Promise<unknown>;
}

class Peer {
  #proxy: Proxy<EchoProxy> | null = null;
  constructor(
    readonly uri: string,
    readonly options: { serializer: SerializerName; protocol: Protocol; timeout: number },
  ) {}
  get proxy(): Proxy<EchoProxy> {
    return (this.#proxy ??= new Proxy<EchoProxy>(this.uri, this.options));
  }
  async echo(v: unknown): Promise<["ok", unknown] | ["error", unknown]> {
    try {
      return ["ok", await this.proxy.echo(v)];
    } catch (e) {
      // a failed call may leave the connection unusable: start afresh
      const p = this.#proxy;
      this.#proxy = null;
      await p?.$release().catch(() => {});
      return ["error", e];
    }
  }
  async release(): Promise<void> {
    await this.#proxy?.$release().catch(() => {});
  }
}

/** The parts of a value that can be sent on their own (items, object values, Map keys and values, Set members). */
function childrenOf(v: unknown): unknown[] {
  if (v === null || typeof v !== "object" || v instanceof Uint8Array || v instanceof Date) return [];
  if (Array.isArray(v) || v instanceof Set) return [...v];
  if (v instanceof Map) return [...v].flat();
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return Object.values(v);
  if (v instanceof Custom) return [v.a, v.b];
  return [];
}

function errorFamily(e: unknown): string {
  if (e instanceof RemoteError) return `RemoteError(${e.pythonType})`;
  return e instanceof Error ? e.constructor.name : typeof e;
}
function errorText(e: unknown): string {
  const s = e instanceof RemoteError ? `${e.pythonType}: ${String(e.args[0] ?? "")}` : e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
  return s.length > 400 ? s.slice(0, 400) + "..." : s;
}
function tsOutcome(o: ["ok", unknown] | ["error", unknown]): Outcome {
  if (o[0] === "error") return { error: errorFamily(o[1]), message: errorText(o[1]), remote: o[1] instanceof RemoteError };
  const r = canon(o[1]);
  return { type: typeTree(o[1]), repr: r.length > 400 ? r.slice(0, 400) + "..." : r };
}

/**
 * `examples` fast-check values from `seed`, each sent by our client (serializer, protocol) to `pythonUri`'s echo
 * and to `oursUri`'s; what comes back is compared with values-compare.ts. The same report as the Python direction.
 */
export async function runTsGenerated(o: {
  protocol: Protocol;
  serializer: SerializerName;
  pythonUri: string;
  oursUri: string;
  examples: number;
  seed: number;
  arb?: ArbOptions;
  keep?: number;
  timeoutMs?: number;
}): Promise<GenReport> {
  const options = { serializer: o.serializer, protocol: o.protocol, timeout: o.timeoutMs ?? 20_000 };
  const py = new Peer(o.pythonUri, options);
  const ours = new Peer(o.oursUri, options);
  const report: GenReport = {
    examples: 0, compared: 0, both_error: 0, different: 0, serializer: o.serializer, protocol: o.protocol, seed: o.seed,
    causes: {}, differences: [],
  };
  const refusals: Record<string, { count: number; repr: string; python: string; ours: string }> = {};
  const values = fc.sample(valuesArb(o.serializer, o.arb), { seed: o.seed, numRuns: o.examples });
  type Res = ["ok", unknown] | ["error", unknown];
  const check = async (v: unknown): Promise<{ kind: "same" | "both_error" | "different"; rp: Res; ro: Res; diffs: Diff[] }> => {
    const rp = await py.echo(v);
    const ro = await ours.echo(v);
    if (rp[0] === "error" && ro[0] === "error") return { kind: "both_error", rp, ro, diffs: [] };
    if (rp[0] !== ro[0]) {
      const who = rp[0] === "error" ? "python" : "ours";
      const e = rp[0] === "error" ? rp[1] : ro[1];
      const msg = errorText(e).split("\n")[0]!.replace(/0x[0-9a-f]+/gi, "0x?").replace(/\d/g, "#").slice(0, 70);
      return { kind: "different", rp, ro, diffs: [{ path: "$", reason: `only ${who} raised: ${errorText(e)}`, signature: `only ${who} raised ${errorFamily(e)}: ${msg}` }] };
    }
    const diffs = diffValues(rp[1], ro[1]);
    return { kind: diffs.length ? "different" : "same", rp, ro, diffs };
  };
  /** The smallest parts of `v` that differ on their own (empty: none does). */
  const isolate = async (v: unknown, budget: { n: number }): Promise<{ v: unknown; rp: Res; ro: Res; diffs: Diff[] }[]> => {
    const found: { v: unknown; rp: Res; ro: Res; diffs: Diff[] }[] = [];
    for (const part of childrenOf(v).slice(0, 8)) {
      if (budget.n-- <= 0) break;
      const r = await check(part);
      if (r.kind !== "different") continue;
      const deeper = await isolate(part, budget);
      found.push(...(deeper.length ? deeper : [{ v: part, ...r }]));
    }
    return found;
  };
  const entryOf = (index: number, v: unknown, rp: Res, ro: Res, diffs: Diff[]): Difference => {
    const r = canon(v);
    return {
      index, repr: r.length > 600 ? r.slice(0, 600) + "..." : r, sent: typeTree(v), python: tsOutcome(rp), ours: tsOutcome(ro),
      serializer: o.serializer, protocol: o.protocol, seed: o.seed, diffs,
    };
  };
  const cause = (sig: string, entry: Difference) => {
    const c = (report.causes[sig] ??= { count: 0, example: entry });
    c.count++;
    if (entry.repr.length < c.example.repr.length) c.example = entry;
  };
  try {
    await withCustomHooks(async () => {
      for (const [i, v] of values.entries()) {
        report.examples++;
        const { kind, rp, ro, diffs } = await check(v);
        if (kind === "both_error") {
          report.both_error++;
          const k = `${errorFamily(rp[1])} / ${errorFamily(ro[1])}`;
          const r = canon(v);
          const entry = (refusals[k] ??= { count: 0, repr: r, python: errorText(rp[1]), ours: errorText(ro[1]) });
          entry.count++;
          if (r.length < entry.repr.length) Object.assign(entry, { repr: r, python: errorText(rp[1]), ours: errorText(ro[1]) });
          continue;
        }
        if (rp[0] === "ok" && ro[0] === "ok") report.compared++;
        if (kind === "same") continue;
        report.different++;
        const entry = entryOf(i, v, rp, ro, diffs);
        if (report.differences.length < (o.keep ?? 60)) report.differences.push(entry);
        if (diffs.some((d) => d.signature.startsWith("only "))) {
          // one side raised on a composite value: the parts that differ on their own name the causes
          const parts = await isolate(v, { n: 40 });
          if (parts.length) {
            entry.parts = parts.slice(0, 5).map((p) => entryOf(i, p.v, p.rp, p.ro, p.diffs));
            for (const p of parts) for (const sig of new Set(p.diffs.map((d) => d.signature))) cause(sig, entryOf(i, p.v, p.rp, p.ro, p.diffs));
            continue;
          }
        }
        for (const sig of new Set(diffs.map((d) => d.signature))) cause(sig, entry);
      }
    });
  } finally {
    await py.release();
    await ours.release();
  }
  (report as GenReport & { refusals: unknown }).refusals = refusals;
  return report;
}

// ---------------------------------------------------------------------------------------------------------------
// Item 5: the same generators against the name server's metadata and the HTTP gateway's JSON

import { startNameServer, type RunningNameServer } from "../../src/naming/server.js";

export interface NsPair {
  python: PythonServer;
  pythonUri: string;
  /** A second Python name server, for the Python-against-Python sanity run (the calls change state). */
  python2: PythonServer;
  python2Uri: string;
  ours: RunningNameServer;
  oursUri: string;
  close(): Promise<void>;
}

/** Python's name server (Pyro4.naming or Pyro5.nameserver) and ours (in this process), accepting every serializer. */
export async function startNsPair(protocol: Protocol): Promise<NsPair> {
  const module = protocol === 5 ? "Pyro5.nameserver" : "Pyro4.naming";
  const env = protocol === 5 ? envFor(5) : { PYRO_SERIALIZERS_ACCEPTED: "serpent,json,marshal,msgpack" };
  const start = () => startPython(["-m", module, "-n", "127.0.0.1", "-p", "0"], /NS running on [^:]+:(\d+)/, { env });
  const python = await start();
  let python2: PythonServer;
  let ours: RunningNameServer;
  try {
    python2 = await start();
  } catch (e) {
    await python.stop();
    throw e;
  }
  try {
    ours = await startNameServer({
      host: "127.0.0.1", port: 0, enableBroadcast: false, protocol,
      daemonOptions: { serializersAccepted: ["serpent", "json", "marshal", "msgpack"] },
    });
  } catch (e) {
    await python.stop();
    await python2.stop();
    throw e;
  }
  return {
    python,
    pythonUri: `PYRO:Pyro.NameServer@127.0.0.1:${python.ready}`,
    python2,
    python2Uri: `PYRO:Pyro.NameServer@127.0.0.1:${python2.ready}`,
    ours,
    oursUri: ours.uri.asString(),
    async close() {
      await ours.close();
      await python.stop();
      await python2.stop();
    },
  };
}

/** values_gen_ns.py: generated metadata registered through one Python client in both name servers, answers compared. */
export async function runNsGenerated(o: {
  protocol: Protocol; serializer: string; pythonUri: string; oursUri: string; examples: number; seed: number; oursIsPython?: boolean;
}): Promise<GenReport> {
  const out = await runPythonAsync(
    ["values_gen_ns.py", "--python", o.pythonUri, "--ours", o.oursUri, "--protocol", String(o.protocol), "--serializer", o.serializer,
      "--examples", String(o.examples), "--seed", String(o.seed), ...(o.oursIsPython ? ["--ours-is-python"] : [])],
    { env: envFor(o.protocol), timeoutMs: 120_000 },
  );
  return JSON.parse(out.trim().split("\n").pop()!) as GenReport;
}

import { startPythonNs } from "./gateway.js";
import { C, compareGateways, startGatewayPairs } from "./gateway-diff.js";
import { rawRequest } from "./gateway.js";

export interface GatewayGenReport {
  examples: number;
  identical: number;
  different: number;
  seed: number;
  protocol: Protocol;
  /** One line per difference: the generated value's Python repr and both answers. */
  diffs: string[];
  /** Distinct causes: a coarse class of each difference with its count and first example. */
  causes: Record<string, { count: number; example: string }>;
}

/**
 * Item 5, the HTTP gateway: Python's gateway (Pyro4.utils.httpgateway / Pyro5.utils.httpgateway) and ours in front of
 * one Python name server and one Python backend (values_gen_backend.py) whose http.gen.value(i) returns the i-th
 * generated value; GET /pyro/http.gen/value?index=i from both must give the same status, headers and body.
 */
export async function runGatewayGenerated(o: { protocol: Protocol; examples: number; seed: number }): Promise<GatewayGenReport> {
  const ns = await startPythonNs(undefined, o.protocol);
  const closers: (() => Promise<void>)[] = [() => ns.server.stop()];
  try {
    const backend = await startPython(["values_gen_backend.py", ns.host, String(ns.port), String(o.examples), String(o.seed)], /(READY)/, {
      env: envFor(o.protocol), timeoutMs: 60_000,
    });
    closers.unshift(() => backend.stop());
    const pairs = await startGatewayPairs({ plain: { ns } });
    closers.unshift(() => pairs.close());
    const cases = Array.from({ length: o.examples }, (_, i) => ({ name: `value ${i}`, path: `/pyro/http.gen/value?index=${i}`, headers: C }));
    const r = await compareGateways(cases, pairs);
    const report: GatewayGenReport = { examples: o.examples, identical: r.identical, different: r.diffs.length, seed: o.seed, protocol: o.protocol, diffs: [], causes: {} };
    for (const d of r.diffs) {
      const index = Number(/^value (\d+):/.exec(d)?.[1]);
      const described = await rawRequest(pairs.python.plain.url, "GET", `/pyro/http.gen/describe?index=${index}`, C);
      const line = `value ${index} = ${described.text}\n${d.split("\n").slice(1).join("\n")}`;
      report.diffs.push(line);
      const [py, ours] = await Promise.all(
        [pairs.python.plain.url, pairs.ours.plain.url].map((u) => rawRequest(u, "GET", `/pyro/http.gen/value?index=${index}`, C)),
      );
      const cause = gatewayCause(py!, ours!);
      const c = (report.causes[cause] ??= { count: 0, example: line });
      c.count++;
      if (line.length < c.example.length) c.example = line;
    }
    return report;
  } finally {
    for (const close of closers) await close().catch(() => {});
  }
}

function gatewayCause(py: { status: number; text: string; headers: Record<string, unknown> }, ours: { status: number; text: string; headers: Record<string, unknown> }): string {
  if (py.status !== ours.status) return `status ${py.status} -> ${ours.status}`;
  if (py.headers["content-type"] !== ours.headers["content-type"]) return `content type ${String(py.headers["content-type"])} -> ${String(ours.headers["content-type"])}`;
  let a: unknown, b: unknown;
  try {
    a = JSON.parse(py.text);
    b = JSON.parse(ours.text);
  } catch {
    return "body differs (not JSON)";
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return "same JSON value, other text (number format, escapes, spacing or key order)";
  const diffs = diffValues(a, b);
  return `JSON value differs: ${diffs.map((x) => x.signature).join("; ") || "?"}`;
}
