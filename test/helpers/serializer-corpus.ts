// The two-way corpus check shared by the json and msgpack interop tests: Python Pyro4 encodes each case and we
// decode it; we encode each case and Python Pyro4 decodes it (type-strict, and byte-identical unless a case opts
// out). The Python side is test/fixtures/serializer_interop.py.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { Serializer, SerializeOptions } from "../../src/serializers/types.js";
import { float } from "../../src/serializers/values.js";
import { runPython } from "./python.js";

export interface CorpusCase {
  name: string;
  /** Python expression: what Python sends (py2ts) / must receive (ts2py). */
  py: string;
  /** Expected decoded TS value; also what we encode unless `enc` is given. */
  ts?: unknown;
  enc?: unknown;
  dir?: "both" | "py2ts" | "ts2py";
  /** ts2py: our bytes must equal Pyro4's own dumps of the Python value (default true). */
  exact?: boolean;
  call?: boolean;
  check?: (v: unknown) => void;
  /** ts2py: Python's loads must raise this exception class. */
  error?: string;
  /** py2ts: our decoder must refuse Python's bytes with this error class (as Python's own loads would). */
  decodeError?: string;
  opts?: SerializeOptions;
}

/** Register both corpus tests for `ser` ("json" or "msgpack"); `show` renders payload bytes in failure messages. */
export function corpusTests(
  ser: Serializer,
  cases: CorpusCase[],
  show: (data: Buffer) => string,
  /** The Python side: Pyro4's (default) or another fixture, e.g. the Pyro5 one with its PYTHONPATH. */
  peer: { fixture: string; env: Record<string, string>; label: string } = { fixture: "serializer_interop.py", env: {}, label: "Pyro4" },
): void {
  const py2ts = cases.filter((c) => c.dir !== "ts2py");
  const ts2py = cases.filter((c) => c.dir !== "py2ts");
  const env = { TZ: "UTC", ...peer.env };
  const python = (input: unknown) => runPython([peer.fixture, ser.name], { env, input: JSON.stringify(input) });

  test(`${ser.name}: Python ${peer.label}'s serializer output decodes to the expected TS values`, () => {
    assert.ok(py2ts.length >= 150, `only ${py2ts.length} cases`);
    const out = JSON.parse(python({ mode: "dump", cases: py2ts.map(({ name, py, call }) => ({ name, py, call })) })) as Array<{ name: string; hex: string }>;
    assert.equal(out.length, py2ts.length);
    const failures: string[] = [];
    for (let i = 0; i < out.length; i++) {
      const c = py2ts[i]!;
      const data = Buffer.from(out[i]!.hex, "hex");
      try {
        if (c.decodeError) {
          assert.throws(() => (c.call ? ser.deserializeCall(data) : ser.deserializeData(data)), (e: unknown) => (e as Error).constructor.name === c.decodeError);
          continue;
        }
        const v = c.call ? ser.deserializeCall(data) : ser.deserializeData(data);
        if (c.check) c.check(v);
        else assert.deepStrictEqual(v, c.ts);
      } catch (e) {
        failures.push(`${c.name}: ${(e as Error).message}\n  bytes: ${show(data).slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test(`${ser.name}: our encodings decode in Python ${peer.label} to the expected values, byte-identical to ${peer.label}'s own`, () => {
    assert.ok(ts2py.length >= 150, `only ${ts2py.length} cases`);
    const input = ts2py.map((c) => {
      const v = "enc" in c ? c.enc : c.ts;
      let data: Buffer;
      if (c.call) {
        const call = v as { object: string; method: string; vargs: unknown[]; kwargs: Record<string, unknown> | null };
        data = ser.serializeCall(call.object, call.method, call.vargs, call.kwargs, c.opts);
      } else data = ser.serializeData(v, c.opts);
      return { name: c.name, py: c.py, call: c.call, hex: data.toString("hex"), exact: c.exact ?? true, error: c.error };
    });
    const r = JSON.parse(python({ mode: "load", cases: input })) as { checked: number; mismatches: unknown[] };
    assert.equal(r.checked, ts2py.length);
    assert.deepEqual(r.mismatches, []);
  });
}

/**
 * Edge values shared by the json and msgpack corpora (issue 15): huge, tiny and integral floats as plain JS numbers
 * (never the float() marker), which must reach Python as floats and come from Python as numbers; the documented
 * limit that an integral float below 2^53 goes back as an int; bigints as ints. (A FrozenSet is refused by both,
 * as Python's json and msgpack serializers refuse a frozenset: test/unit/values-edge.test.ts.)
 */
export function edgeValueCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const floats: Array<[string, number]> = [
    ["1e300", 1e300], ["-1e300", -1e300], ["1e-300", 1e-300], ["5e-324", 5e-324], ["-5e-324", -5e-324],
    ["sys.float_info.max", Number.MAX_VALUE], ["-sys.float_info.max", -Number.MAX_VALUE],
    ["sys.float_info.min", 2.2250738585072014e-308], ["-0.0", -0],
    ["2.0**53", 2 ** 53], ["2.0**53+2", 2 ** 53 + 2], ["-(2.0**53)", -(2 ** 53)], ["2.0**60", 2 ** 60], ["-(2.0**60)", -(2 ** 60)],
    ["2.0**63", 2 ** 63], ["2.0**64", 2 ** 64], ["1e16", 1e16], ["1e20", 1e20], ["1e21", 1e21], ["1e22", 1e22],
    ["float('inf')", Infinity], ["float('-inf')", -Infinity],
  ];
  for (const [py, x] of floats) cases.push({ name: `edge float ${py}`, py, ts: x });
  cases.push({ name: "edge float nan", py: "float('nan')", ts: NaN });
  cases.push({ name: "edge floats in a dict", py: '{"max": sys.float_info.max, "big": 2.0**60, "neg0": -0.0, "list": [1e300, 1e-300]}', ts: { max: Number.MAX_VALUE, big: 2 ** 60, neg0: -0, list: [1e300, 1e-300] } });
  // integral floats below 2^53 arrive as numbers and go back as ints unless marked with float()
  cases.push({ name: "edge float 2.0**53-1 arrives as a number", py: "2.0**53-1", ts: 2 ** 53 - 1, dir: "py2ts" });
  cases.push({ name: "edge number 2**53-1 goes out as an int", py: "2**53-1", enc: 2 ** 53 - 1, dir: "ts2py" });
  cases.push({ name: "edge float(2**53-1) goes out as a float", py: "2.0**53-1", enc: float(2 ** 53 - 1), dir: "ts2py" });
  cases.push({ name: "edge float 2.0 arrives as a number", py: "2.0", ts: 2, dir: "py2ts" });
  // ints beyond 2^53 are bigints and stay ints
  for (const [py, b] of [["2**53", 2n ** 53n], ["2**60", 2n ** 60n], ["-(2**60)", -(2n ** 60n)], ["2**64", 2n ** 64n], ["10**300", 10n ** 300n]] as const)
    cases.push({ name: `edge int ${py}`, py, ts: b });
  return cases;
}
