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
}): Promise<GenReport> {
  const args = [
    "values_gen_client.py", "--python", o.pythonUri, "--ours", o.oursUri, "--protocol", String(o.protocol),
    "--serializer", o.serializer, "--examples", String(o.examples), "--seed", String(o.seed),
  ];
  if (o.maxLeaves) args.push("--max-leaves", String(o.maxLeaves));
  const out = await runPythonAsync(args, { env: envFor(o.protocol), timeoutMs: o.timeoutMs ?? 120_000 });
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
