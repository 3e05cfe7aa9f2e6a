// Case builders the json and msgpack corpora (corpus-json.ts, corpus-msgpack.ts) have in common: the same values
// with the same expectations in both, written once so the two tables cannot drift. Whatever differs per
// serializer (int widths, bytes, ext types, dict keys) stays in the serializer's own file.
import { strict as assert } from "node:assert";
import type { CorpusCase } from "./serializer-corpus.js";
import { ExceptionWrapper, float, setKey, tuple } from "../../src/serializers/values.js";
import { NamingError, RemoteError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

type Add = (c: CorpusCase) => void;

/** A Python int as our value model decodes it: a number when safe, else a bigint. */
export const intValue = (b: bigint): number | bigint => (b >= -(2n ** 53n) + 1n && b <= 2n ** 53n - 1n ? Number(b) : b);

/** sign * (2^k + d) for k in `ks`, d in -1..1, each value once. `keep` can thin the table. */
export function powerOfTwoIntCases(add: Add, ks: number[], keep: (k: number, d: bigint) => boolean = () => true): void {
  const seen = new Set<bigint>();
  for (const k of ks) {
    for (const d of [-1n, 0n, 1n]) {
      for (const sign of [1n, -1n]) {
        const b = sign * (2n ** BigInt(k) + d);
        if (seen.has(b)) continue;
        seen.add(b);
        if (!keep(k, d)) continue;
        add({ name: `int ${b}`, py: b.toString(), ts: intValue(b) });
      }
    }
  }
}

/** A float case given to Python by its bits (expectations never depend on repr); integral ones go out as float(). */
export function floatAdder(add: Add): (x: number, label?: string) => void {
  return (x, label = String(x)) => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(x);
    const py = `F('${b.toString("hex")}')`;
    if (Number.isInteger(x) && !Object.is(x, -0)) add({ name: `float ${label}`, py, ts: x, enc: float(x) });
    else add({ name: `float ${label}`, py, ts: x });
  };
}

/** None, True, False, and undefined going out as None. */
export function scalarCases(add: Add): void {
  add({ name: "None", py: "None", ts: null });
  add({ name: "True", py: "True", ts: true });
  add({ name: "False", py: "False", ts: false });
  add({ name: "undefined -> None", py: "None", enc: undefined, dir: "ts2py" });
}

/** Containers both serializers carry the same way; `tupleOut` names what a Tuple becomes on their wire. */
export function containerCases(add: Add, tupleOut: string): void {
  add({ name: "empty list", py: "[]", ts: [] });
  add({ name: "empty dict", py: "{}", ts: {} });
  add({ name: "nested dict", py: '{"a": 1, "b": [1, 2, {"c": None}], "d": {}}', ts: { a: 1, b: [1, 2, { c: null }], d: {} } });
  add({ name: "key order kept", py: '{"b": 1, "a": 2, "c": 3}', ts: { b: 1, a: 2, c: 3 } });
  add({ name: "tuple -> list", py: "(1, 2, 'x')", ts: [1, 2, "x"], dir: "py2ts" });
  add({ name: `Tuple -> ${tupleOut}`, py: "[1, 2, 'x']", enc: tuple<unknown>(1, 2, "x"), dir: "ts2py" });
  add({ name: "set -> list", py: "{1, 2, 3}", ts: [1, 2, 3], dir: "py2ts" });
  add({ name: `Set -> ${tupleOut}`, py: "[3, 1, 2]", enc: new Set([3, 1, 2]), dir: "ts2py" });
}

/** A "__proto__" key decodes as an own property and pollutes nothing. */
export function protoKeyCase(add: Add): void {
  const proto: Record<string, unknown> = {};
  setKey(proto, "__proto__", { polluted: true });
  setKey(proto, "ok", 1);
  add({
    name: "__proto__ key is an own property",
    py: '{"__proto__": {"polluted": True}, "ok": 1}',
    ts: proto,
    check: (v) => {
      assert.equal(Object.getPrototypeOf(v), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(v, "__proto__")?.value, { polluted: true });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    },
  });
}

/** A check that a decoded value is a RemoteError of that Python type and args. */
export const isRemote = (type: string, args: unknown[]) => (v: unknown): void => {
  assert.ok(v instanceof RemoteError, `expected RemoteError, got ${String(v)}`);
  assert.equal(v.pythonType, type);
  assert.deepEqual(v.args, args);
};

/** Exceptions both ways: builtin and Pyro errors from Python, ours (JS errors, RemoteError, the wrapper) to Python. */
export function exceptionCases(add: Add): void {
  add({ name: "ValueError", py: 'ValueError("bad", 42)', check: isRemote("builtins.ValueError", ["bad", 42]), dir: "py2ts" });
  add({ name: "KeyError", py: 'KeyError("k")', check: isRemote("builtins.KeyError", ["k"]), dir: "py2ts" });
  add({
    name: "NamingError",
    py: 'errors.NamingError("gone")',
    dir: "py2ts",
    check: (v) => {
      assert.ok(v instanceof NamingError);
      assert.equal(v.message, "gone");
    },
  });
  add({
    name: "_ExceptionWrapper",
    py: 'futures._ExceptionWrapper(ZeroDivisionError("div"))',
    dir: "py2ts",
    check: (v) => {
      assert.ok(v instanceof ExceptionWrapper);
      isRemote("builtins.ZeroDivisionError", ["div"])(v.exception);
    },
  });
  add({ name: "RangeError -> ValueError", py: 'ValueError("bad")', enc: new RangeError("bad"), dir: "ts2py", exact: false });
  add({ name: "NamingError -> Pyro4", py: 'errors.NamingError("gone")', enc: new NamingError("gone"), dir: "ts2py", exact: false });
  add({ name: "RemoteError round trip", py: 'KeyError("k", 2)', enc: new RemoteError("builtins.KeyError", ["k", 2]), dir: "ts2py", exact: false });
  add({
    name: "ExceptionWrapper -> _ExceptionWrapper",
    py: 'futures._ExceptionWrapper(TypeError("t"))',
    enc: new ExceptionWrapper(new TypeError("t")),
    dir: "ts2py",
    exact: false,
  });
}

/** Each URI both ways (compared by its string), and a PYROMETA one whose tag set has Python's hash order. */
export function uriCases(add: Add, uris: string[]): void {
  for (const u of uris) {
    add({
      name: `URI ${u}`,
      py: `URI(${JSON.stringify(u)})`,
      enc: new URI(u),
      check: (v) => {
        assert.ok(v instanceof URI);
        assert.equal(v.asString(), u);
      },
    });
  }
  add({
    name: "URI PYROMETA",
    py: 'URI("PYROMETA:a,b@localhost:9090")',
    enc: new URI("PYROMETA:a,b@localhost:9090"),
    exact: false, // a set inside: Python's order is its hash order
    check: (v) => {
      assert.ok(v instanceof URI);
      assert.deepEqual(new Set(v.metadata), new Set(["a", "b"]));
    },
  });
}

/** A class our serializers write as a class dict, which Python refuses (no such class). */
export class Point {
  x = 1;
  y = 2;
}

/** A plain Python object arrives as the dict of its vars; our class instance is refused by Python. */
export function objectCases(add: Add): void {
  add({ name: "Python object -> dict of vars", py: 'Thing(1, "x")', ts: { a: 1, b: "x" }, dir: "py2ts" });
  add({ name: "TS class instance: Python refuses unknown class", py: "None", enc: new Point(), dir: "ts2py", error: "SerializeError" });
}

export type CallRow = [object: string, method: string, vargs: unknown[], kwargs: Record<string, unknown> | null, py: string];

/** Calls (dumpsCall / loadsCall) both ways; the rows every corpus has, plus the serializer's own `extra`. */
export function callCases(add: Add, extra: CallRow[]): void {
  const calls: CallRow[] = [
    ["obj", "method", [1, "a"], { k: 2 }, '("obj", "method", (1, "a"), {"k": 2})'],
    ["Pyro.NameServer", "lookup", ["name"], { return_metadata: true }, '("Pyro.NameServer", "lookup", ("name",), {"return_metadata": True})'],
    ["obj", "__getattr__", ["attr"], null, '("obj", "__getattr__", ("attr",), None)'],
    ["obj", "m", [], {}, '("obj", "m", (), {})'],
    ...extra,
  ];
  for (const [o, m, a, k, py] of calls) add({ name: `call ${o}.${m}`, py, ts: { object: o, method: m, vargs: a, kwargs: k }, call: true });
}
