// The two-way corpus check shared by the json and msgpack interop tests: Python Pyro4 encodes each case and we
// decode it; we encode each case and Python Pyro4 decodes it (type-strict, and byte-identical unless a case opts
// out). The Python side is test/fixtures/serializer_interop.py.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { Serializer, SerializeOptions } from "../../src/serializers/types.js";
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
  opts?: SerializeOptions;
}

/** Register both corpus tests for `ser` ("json" or "msgpack"); `show` renders payload bytes in failure messages. */
export function corpusTests(ser: Serializer, cases: CorpusCase[], show: (data: Buffer) => string): void {
  const py2ts = cases.filter((c) => c.dir !== "ts2py");
  const ts2py = cases.filter((c) => c.dir !== "py2ts");
  const env = { TZ: "UTC" };
  const python = (input: unknown) => runPython(["serializer_interop.py", ser.name], { env, input: JSON.stringify(input) });

  test(`${ser.name}: Python Pyro4's serializer output decodes to the expected TS values`, () => {
    assert.ok(py2ts.length >= 150, `only ${py2ts.length} cases`);
    const out = JSON.parse(python({ mode: "dump", cases: py2ts.map(({ name, py, call }) => ({ name, py, call })) })) as Array<{ name: string; hex: string }>;
    assert.equal(out.length, py2ts.length);
    const failures: string[] = [];
    for (let i = 0; i < out.length; i++) {
      const c = py2ts[i]!;
      const data = Buffer.from(out[i]!.hex, "hex");
      try {
        const v = c.call ? ser.deserializeCall(data) : ser.deserializeData(data);
        if (c.check) c.check(v);
        else assert.deepStrictEqual(v, c.ts);
      } catch (e) {
        failures.push(`${c.name}: ${(e as Error).message}\n  bytes: ${show(data).slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test(`${ser.name}: our encodings decode in Python Pyro4 to the expected values, byte-identical to Pyro4's own`, () => {
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
