// The harness of the two differential gateway tests (gateway-diff.test.ts for Pyro4, pyro5-gateway-diff.test.ts for
// Pyro5): start Python's gateway and ours side by side per configuration, send each case's request to both and
// compare what must be identical. One harness, so both tests compare with the same strictness; the case tables
// and the per-version exceptions stay in the test files.
import { deepStrictEqual } from "node:assert/strict";
import type { HttpGateway, GatewayOptions } from "../../src/gateway/server.js";
import type { PythonServer } from "./python.js";
import { rawRequest, startPythonGateway, startTsGateway, type HttpResult, type NsAddress } from "./gateway.js";

export const CORR = "11112222-1111-2222-3333-222244449999";
export const C = { "X-Pyro-Correlation-Id": CORR };
export const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

/** One request of a differential table. */
export interface DiffCase<G extends string = string> {
  name: string;
  /** Which gateway pair answers ("plain" when absent). */
  gw?: G;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Compare JSON arrays inside as sets ($meta lists come in Python's set order). */
  unordered?: boolean;
  /** Compare status and headers only (the index page: ours runs its demo calls through our own client). */
  headOnly?: boolean;
}

/** How one configuration is started: Python's gateway with `args`/`env`, ours with `options`, both before `ns`. */
export interface GatewaySpec {
  ns: NsAddress;
  args?: string[];
  env?: Record<string, string>;
  options?: GatewayOptions;
}

export interface GatewayPairs<G extends string> {
  python: Record<G, { server: PythonServer; url: string }>;
  ours: Record<G, HttpGateway>;
  close(): Promise<void>;
}

/** Start every configuration's two gateways; if one fails to start, the others are stopped before rethrowing. */
export async function startGatewayPairs<G extends string>(specs: Record<G, GatewaySpec>): Promise<GatewayPairs<G>> {
  const names = Object.keys(specs) as G[];
  const python = await Promise.allSettled(names.map((g) => startPythonGateway(specs[g].ns, specs[g].args, specs[g].env)));
  const ours = await Promise.allSettled(names.map((g) => startTsGateway(specs[g].ns, specs[g].options)));
  const close = async () => {
    await Promise.all(ours.flatMap((r) => (r.status === "fulfilled" ? [r.value.close()] : [])));
    await Promise.all(python.flatMap((r) => (r.status === "fulfilled" ? [r.value.server.stop()] : [])));
  };
  const failed = [...python, ...ours].find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await close();
    throw failed.reason;
  }
  const value = <T>(r: PromiseSettledResult<T>) => (r as PromiseFulfilledResult<T>).value;
  return {
    python: Object.fromEntries(names.map((g, i) => [g, value(python[i]!)])) as GatewayPairs<G>["python"],
    ours: Object.fromEntries(names.map((g, i) => [g, value(ours[i]!)])) as GatewayPairs<G>["ours"],
    close,
  };
}

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep).sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortDeep(x)]));
  return v;
}

function hash(b: Buffer): string {
  let h = 0;
  for (let i = 0; i < b.length; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
  return (h >>> 0).toString(16);
}

export interface CompareOptions<C extends DiffCase> {
  /** Response headers compared besides Content-Type, Location and X-Pyro-Correlation-Id (lower case). */
  headers?: readonly string[];
  /** Rewrites a body before it is compared (e.g. masking ports that differ between the two setups). */
  text?: (text: string, c: C) => string;
  /**
   * Extra checks of a case, run first; throwing makes the case a difference. Returning true ends the case as a
   * deliberate difference (counted in `deliberate`, not compared).
   */
  check?: (c: C, python: HttpResult, ours: HttpResult) => boolean;
}

/** What must be identical: status, content type, location, correlation id (or that both made a fresh uuid4), the extra headers, body. */
function view<C extends DiffCase>(r: HttpResult, c: C, o: CompareOptions<C>): Record<string, unknown> {
  const corr = r.headers["x-pyro-correlation-id"] as string | undefined;
  const v: Record<string, unknown> = {
    status: r.status,
    contentType: r.headers["content-type"] ?? null,
    location: r.headers.location ?? null,
    correlation: corr === undefined ? null : c.headers?.["X-Pyro-Correlation-Id"] ? corr : UUID4.test(corr) ? "<fresh uuid4>" : corr,
  };
  for (const h of o.headers ?? []) v[h] = r.headers[h] ?? null;
  if (c.headOnly) return v;
  const text = o.text ? o.text(r.text, c) : r.text;
  v.body = c.unordered ? sortDeep(JSON.parse(text)) : r.body.length > 4096 ? `${r.body.length} bytes, sha ${hash(r.body)}` : text;
  return v;
}

export interface DiffReport {
  identical: number;
  deliberate: number;
  /** One entry per case that differed: its name and both views. */
  diffs: string[];
}

/** Send every case to Python's gateway and then to ours (one at a time, in table order) and compare. */
export async function compareGateways<G extends string, C extends DiffCase<G>>(
  cases: readonly C[],
  pairs: GatewayPairs<G>,
  o: CompareOptions<C> = {},
): Promise<DiffReport> {
  const report: DiffReport = { identical: 0, deliberate: 0, diffs: [] };
  for (const c of cases) {
    const gw = c.gw ?? ("plain" as G);
    const method = c.method ?? "GET";
    const pyRes = await rawRequest(pairs.python[gw].url, method, c.path, c.headers, c.body);
    const ourRes = await rawRequest(pairs.ours[gw].url, method, c.path, c.headers, c.body);
    const a = view(pyRes, c, o);
    const b = view(ourRes, c, o);
    try {
      if (o.check?.(c, pyRes, ourRes)) {
        report.deliberate++;
        continue;
      }
      deepStrictEqual(b, a);
      report.identical++;
    } catch {
      report.diffs.push(`${c.name}:\n  python: ${JSON.stringify(a).slice(0, 700)}\n  ours:   ${JSON.stringify(b).slice(0, 700)}`);
    }
  }
  return report;
}
