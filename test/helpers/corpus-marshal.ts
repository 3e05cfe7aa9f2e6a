// The marshal corpus (moved out of test/interop/marshal.test.ts so the Pyro4 and the Pyro5 interop tests share it):
// values written by Python's marshal / the peer's MarshalSerializer decode to the expected TS values, and our
// encodings of a TS corpus decode in Python (marshal.loads / MarshalSerializer.loads / loadsCall) to the expected
// Python values. The Python side is test/fixtures/marshal_interop.py.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runPython } from "./python.js";
import type { Serializer } from "../../src/serializers/types.js";
import { Complex, FrozenSet, Tuple, float, frozenset, setKey, toTuple, tuple } from "../../src/serializers/values.js";
import { CommunicationError, RemoteError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";
import { Proxy, isProxy } from "../../src/client/proxy.js";

type Desc = null | boolean | { [tag: string]: unknown };

/** The TS value our value model promises for a Python value Python described by type. */
export function fromDesc(d: Desc): unknown {
  if (d === null || typeof d === "boolean") return d;
  const [tag, v] = Object.entries(d)[0]!;
  switch (tag) {
    case "int": {
      const b = BigInt(v as string);
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    case "float":
      return Buffer.from(v as string, "hex").readDoubleLE(0);
    case "complex": {
      const [re, im] = v as string[];
      return new Complex(Buffer.from(re!, "hex").readDoubleLE(0), Buffer.from(im!, "hex").readDoubleLE(0));
    }
    case "str":
      return v;
    case "bytes":
      return Buffer.from(v as string, "hex");
    case "tuple":
      return toTuple((v as Desc[]).map(fromDesc));
    case "list":
      return (v as Desc[]).map(fromDesc);
    case "set":
      return new Set((v as Desc[]).map(fromDesc));
    case "frozenset":
      return new FrozenSet((v as Desc[]).map(fromDesc));
    case "dict": {
      const pairs = (v as [Desc, Desc][]).map(([k, x]) => [fromDesc(k), fromDesc(x)] as const);
      if (pairs.every(([k]) => typeof k === "string")) {
        const o: Record<string, unknown> = {};
        for (const [k, x] of pairs) setKey(o, k as string, x);
        return o;
      }
      return new Map(pairs);
    }
  }
  throw new Error(`unknown description tag ${tag}`);
}

const hexOf = (s: string) => Buffer.from(s, "hex");

/** Hand-written expectations for the Python values the description cannot express (objects, calls, cycles). */
function explicitChecks(ser: Serializer, label: string): Record<string, (hex: string) => void> {
  return {
  connectfail: (h) => assert.equal(ser.deserializeData(hexOf(h)), "message hmac mismatch"),
  "connectfail serializer": (h) =>
    assert.equal(ser.deserializeData(hexOf(h)), "message used serializer that is not accepted: 4"),
  "pyro exception": (h) => {
    const e = ser.deserializeData(hexOf(h));
    assert.ok(e instanceof CommunicationError);
    assert.equal(e.message, "cannot connect");
  },
  "pyro builtin exception": (h) => {
    const e = ser.deserializeData(hexOf(h));
    assert.ok(e instanceof RemoteError);
    assert.equal(e.pythonType, "builtins.ValueError");
    assert.deepEqual(e.args, ["bad value", 42]);
  },
  "pyro uri": (h) => {
    const u = ser.deserializeData(hexOf(h));
    assert.ok(u instanceof URI);
    assert.equal(u.asString(), "PYRO:obj_123@localhost:9090");
  },
  "pyro call": (h) =>
    assert.deepStrictEqual(ser.deserializeCall(hexOf(h)), {
      object: "obj_123",
      method: "add",
      vargs: [1, 2.5, "x"],
      kwargs: { k: [1], z: null },
    }),
  "pyro call no args": (h) =>
    assert.deepStrictEqual(ser.deserializeCall(hexOf(h)), {
      object: "Pyro.Daemon",
      method: "get_metadata",
      vargs: ["obj"],
      kwargs: {},
    }),
  "pyro data dict": (h) => assert.deepStrictEqual(ser.deserializeData(hexOf(h)), { result: tuple(1, 2), ok: true }),
  // Pyro4's marshal drops the class name of a plain object; Pyro5's keeps "__main__.Thing", refused by Python's
  // dict_to_class and by ours (double underscores)
  "pyro object": (h) =>
    label === "Pyro5"
      ? assert.throws(() => ser.deserializeData(hexOf(h)), (e: unknown) => e instanceof Error && e.constructor.name === "SecurityError")
      : assert.deepStrictEqual(ser.deserializeData(hexOf(h)), { a: 1, b: "x" }),
  "pyro proxy": (h) => {
    const p = ser.deserializeData(hexOf(h));
    assert.ok(isProxy(p), `got ${String(p)}`);
    assert.equal((p as Proxy).$uri.asString(), "PYRO:obj@localhost:9090");
  },
  "recursive list": (h) => {
    const a = ser.deserializeData(hexOf(h)) as unknown[];
    assert.ok(Array.isArray(a) && a.length === 1 && a[0] === a);
  },
  };
}

// ------------------------------------------------------------------------------------------------------
// TS -> Python: [name, value, Python expression for the expected value, decoder]

type Mode = "marshal" | "pyro" | "call";
interface Row {
  name: string;
  value: unknown;
  expect: string;
  mode: Mode;
  /** For calls: the serializeCall arguments. */
  call?: [string, string, unknown[], Record<string, unknown> | null];
}

const pyFloat = (x: number): string =>
  Number.isNaN(x) ? "float('nan')" : Object.is(x, -0) ? "-0.0" : `float('${x === Infinity ? "inf" : x === -Infinity ? "-inf" : String(x)}')`;
const pyStr = (s: string): string => JSON.stringify(s);

class Point {
  x = 1;
  y = "two";
}

export function tsCorpus(): Row[] {
  const rows: Row[] = [];
  const add = (name: string, value: unknown, expect: string, mode: Mode = "marshal") => rows.push({ name, value, expect, mode });

  for (const k of [0, 1, 7, 8, 15, 16, 30, 31, 32, 45, 52, 53, 54, 60, 63, 64, 65, 100, 128, 500]) {
    for (const d of [-1n, 0n, 1n]) {
      for (const sign of [1n, -1n]) {
        const big = sign * (2n ** BigInt(k) + d);
        const safe = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
        const name = `int ${big}`;
        if (rows.some((r) => r.name === name)) continue;
        add(name, safe ? Number(big) : big, big.toString());
        if (safe) add(`bigint ${big}`, big, big.toString());
      }
    }
  }
  // issue 15: a JS number that is not a safe integer was a float and goes out as one; bigint sends big ints
  for (const [x, py] of [
    [1e300, "1e300"], [-1e300, "-1e300"], [2 ** 53, "2.0**53"], [-(2 ** 53), "-2.0**53"], [2 ** 53 + 2, "2.0**53+2"],
    [2 ** 60, "2.0**60"], [-(2 ** 60), "-2.0**60"], [2 ** 64, "2.0**64"], [1e16, "1e16"], [1e21, "1e21"],
    [Number.MAX_VALUE, "sys.float_info.max"], [-Number.MAX_VALUE, "-sys.float_info.max"], [2.2250738585072014e-308, "sys.float_info.min"],
    [1e-300, "1e-300"],
  ] as const)
    add(`number ${py} is a float`, x, py);
  add("number 2**53-1 is an int", 2 ** 53 - 1, "2**53-1");
  add("Float(2**53-1) is a float", float(2 ** 53 - 1), "2.0**53-1");
  add("floats in a dict", { max: Number.MAX_VALUE, big: 2 ** 60, neg0: -0 }, "{'max': sys.float_info.max, 'big': 2.0**60, 'neg0': -0.0}");
  add("frozenset empty", frozenset(), "frozenset()");
  add("frozenset ints", frozenset(1, 2, 3), "frozenset({1, 2, 3})");
  add("frozenset mixed", frozenset<unknown>("a", 1, tuple(2, 3), null, 2.5), "frozenset({'a', 1, (2, 3), None, 2.5})");
  add("set of frozenset", new Set([frozenset(1, 2)]), "{frozenset({1, 2})}");
  add("frozenset of frozenset", frozenset(frozenset("a")), "frozenset({frozenset({'a'})})");
  add("map frozenset key", new Map([[frozenset(1), "fs"]]), "{frozenset({1}): 'fs'}");
  add("pyro frozenset", { fs: frozenset("a"), s: new Set(["b"]) }, "{'fs': frozenset({'a'}), 's': {'b'}}", "pyro");
  for (const x of [0.5, -0.5, 0.1, 1.5e-300, 5e-324, 2.2250738585072014e-308, NaN, Infinity, -Infinity, -0, Math.PI, 1e-7, 123456.789]) {
    add(`float ${x}`, x, pyFloat(x));
  }
  for (const x of [0, 2, -3, 2 ** 60]) add(`Float(${x})`, float(x), `float(${x})`);
  add("Float(1e300)", float(1e300), "1e300");
  add("Float(-max)", float(-Number.MAX_VALUE), "-1.7976931348623157e308");
  add("complex 1+2j", new Complex(1, 2), "complex(1, 2)");
  add("complex nan/-inf", new Complex(NaN, -Infinity), "complex(float('nan'), float('-inf'))");
  add("complex -0", new Complex(-0, -0), "complex(-0.0, -0.0)");
  add("null", null, "None");
  add("undefined", undefined, "None");
  add("true", true, "True");
  add("false", false, "False");
  const strings: Record<string, string> = {
    empty: "", a: "a", ascii47: "q".repeat(47), ascii48: "r".repeat(48), ascii255: "x".repeat(255), ascii256: "y".repeat(256),
    "ascii long": "abc".repeat(5000), latin1: "caf\u00e9", "short non-ascii": "\u00e9", cjk: "\u65e5\u672c\u8a9e",
    astral: "\u{1F600} smile", "lone high": "\ud800", "lone low": "a\udfffb", "reversed pair": "\udc00\ud800",
    "high at end": "abc\udbff", nul: "a\u0000b", del: "\u007f", c1: "\u0080\u009f", fffd: "\ufffd", "max astral": "\u{10FFFF}",
    mixed: "A\u00e9\u20ac\u{1D11E}\ud834", "unicode long": "\u20ac".repeat(3000) + "\u{1F600}".repeat(1000),
    "long with lone": "\u00e9".repeat(100) + "\udc00" + "x".repeat(100), newlines: "l1\nl2\r\n\ttab", quotes: "'\"\\",
  };
  for (const [name, s] of Object.entries(strings)) add(`str ${name}`, s, pyStr(s));
  add("date with ms", new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), "'2020-01-02T03:04:05.678000+00:00'");
  add("date without ms", new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), "'1999-12-31T23:59:59+00:00'");
  add("bytes empty", new Uint8Array(0), "b''");
  add("bytes buffer", Buffer.from([0, 255, 128, 97]), "bytes.fromhex('00ff8061')");
  add("bytes uint8array view", new Uint8Array([9, 8, 7, 6]).subarray(1, 3), "bytes.fromhex('0807')");
  add("bytes big", Buffer.alloc(100_000, 7), "bytes([7]) * 100000");
  add("tuple empty", tuple(), "()");
  add("tuple 1", tuple(1), "(1,)");
  add("tuple mixed", tuple<unknown>(1, "a", null, true, 2.5), "(1, 'a', None, True, 2.5)");
  add("tuple 255", toTuple(Array.from({ length: 255 }, (_, i) => i)), "tuple(range(255))");
  add("tuple 256", toTuple(Array.from({ length: 256 }, (_, i) => i)), "tuple(range(256))");
  add("list empty", [], "[]");
  add("list nested", [1, [2, [3, []]], tuple("t")], "[1, [2, [3, []]], ('t',)]");
  add("list 1000", Array.from({ length: 1000 }, (_, i) => i - 500), "list(range(-500, 500))");
  add("dict empty", {}, "{}");
  add("dict str keys", { a: 1, b: [1, 2], c: { d: null } }, "{'a': 1, 'b': [1, 2], 'c': {'d': None}}");
  add("dict undefined value", { u: undefined }, "{'u': None}");
  const proto: Record<string, unknown> = {};
  setKey(proto, "__proto__", { polluted: true });
  add("dict __proto__ key", proto, "{'__proto__': {'polluted': True}}");
  add("null-prototype dict", Object.assign(Object.create(null), { z: 1 }), "{'z': 1}");
  add("map int keys", new Map([[1, "one"], [-2, "minus two"]]), "{1: 'one', -2: 'minus two'}");
  add("map tuple keys", new Map<unknown, unknown>([[tuple(1, 2), "a"], [tuple<unknown>("x", 3), "b"]]), "{(1, 2): 'a', ('x', 3): 'b'}");
  add("map mixed keys", new Map<unknown, unknown>([["s", 1], [2.5, "f"], [null, "n"], [2n ** 80n, "big"]]), "{'s': 1, 2.5: 'f', None: 'n', 2**80: 'big'}");
  add("set empty", new Set(), "set()");
  add("set ints", new Set([1, 2, 3]), "{1, 2, 3}");
  add("set mixed", new Set(["a", 1, tuple(2, 3), null]), "{'a', 1, (2, 3), None}");
  let deep: unknown[] = [];
  for (let i = 0; i < 150; i++) deep = [deep];
  add("deep 151 lists", deep, "(lambda: (lambda f: f(f, 150))(lambda f, n: [f(f, n - 1)] if n else []))()");
  add("custom object", new Point(), "{'__class__': 'Point', 'x': 1, 'y': 'two'}");
  // Pyro4's MarshalSerializer turns class dicts back into objects (recursively, in recreate_classes).
  add("pyro exception", new CommunicationError("cannot connect"), "errors.CommunicationError('cannot connect')", "pyro");
  add("pyro js error", new Error("boom"), "Exception('boom')", "pyro");
  add("pyro remote error", new RemoteError("builtins.ValueError", ["bad", 42]), "ValueError('bad', 42)", "pyro");
  add("pyro uri", new URI("PYRO:obj_1@localhost:9090"), "core.URI('PYRO:obj_1@localhost:9090')", "pyro");
  add("pyro nested uri", [new URI("PYRO:obj_2@h:1")], "[core.URI('PYRO:obj_2@h:1')]", "pyro");
  add("pyro proxy", new Proxy("PYRO:obj_3@localhost:9090"), "Proxy('PYRO:obj_3@localhost:9090')", "pyro");
  add("pyro proxies in a dict", { a: new Proxy("PYRONAME:x.y"), b: [new Proxy("PYRO:o@h:1")] }, "{'a': Proxy('PYRONAME:x.y'), 'b': [Proxy('PYRO:o@h:1')]}", "pyro");
  add("pyro plain", { result: tuple(1, 2), ok: true }, "{'result': (1, 2), 'ok': True}", "pyro");
  add("pyro metadata", { methods: new Set(["a", "b"]), oneway: new Set(), attrs: new Set(["p"]) }, "{'methods': {'a', 'b'}, 'oneway': set(), 'attrs': {'p'}}", "pyro");
  const calls: [string, Row["call"], string][] = [
    ["call simple", ["obj_1", "add", [1, 2.5, "x"], { k: tuple(1) }], "('obj_1', 'add', [1, 2.5, 'x'], {'k': (1,)})"],
    ["call getattr", ["obj_1", "__getattr__", ["name"], null], "('obj_1', '__getattr__', ['name'], None)"],
    ["call no args", ["Pyro.Daemon", "get_metadata", ["obj_1"], {}], "('Pyro.Daemon', 'get_metadata', ['obj_1'], {})"],
    ["call uri arg", ["o", "m", [new URI("PYRO:x@h:1")], { u: new URI("PYRONAME:ns.name") }], "('o', 'm', [core.URI('PYRO:x@h:1')], {'u': core.URI('PYRONAME:ns.name')})"],
    ["call unicode", ["\u00e9obj", "m\u00e9thode", ["\u{1F600}"], { "cl\u00e9": 2n ** 70n }], "('\\xe9obj', 'm\\xe9thode', ['\\U0001f600'], {'cl\\xe9': 2**70})"],
  ];
  for (const [name, call, expect] of calls) rows.push({ name, value: undefined, expect, mode: "call", call });
  return rows;
}

/** Register the marshal corpus tests for `ser` (our marshal codec for the peer's protocol) against the Python peer. */
export function marshalCorpusTests(ser: Serializer, peer: { env: Record<string, string>; label: string } = { env: {}, label: "Pyro4" }): void {
  describe(`marshal interop: Python ${peer.label} -> TS`, () => {
    const explicit = explicitChecks(ser, peer.label);
    const rows = JSON.parse(runPython(["marshal_interop.py", "gen"], { env: peer.env })) as { name: string; hex: string; desc: Desc }[];

    it("Python produced a large corpus", () => {
      assert.ok(rows.length >= 150, `only ${rows.length} values`);
      for (const name of Object.keys(explicit)) assert.ok(rows.some((r) => r.name === name), `missing ${name}`);
    });

    it("every Python-written value decodes to the expected TS value", () => {
      const failures: string[] = [];
      for (const row of rows) {
        try {
          if (row.desc === null && !(row.name in explicit)) throw new Error("no expectation for this value");
          if (row.name in explicit) explicit[row.name]!(row.hex);
          else assert.deepStrictEqual(ser.deserializeData(hexOf(row.hex)), fromDesc(row.desc));
        } catch (e) {
          failures.push(`${row.name}: ${(e as Error).message.slice(0, 400)}`);
        }
      }
      assert.deepEqual(failures, []);
    });

    it("shared objects written with FLAG_REF decode to the same object", () => {
      const byName = new Map(rows.map((r) => [r.name, r.hex]));
      const t = ser.deserializeData(hexOf(byName.get("refs tuple")!)) as Tuple[];
      assert.ok(t[0] === t[1] && t[1] === t[2]);
      const l = ser.deserializeData(hexOf(byName.get("refs list")!)) as Record<string, unknown>;
      assert.ok(l.a === l.b);
      const d = ser.deserializeData(hexOf(byName.get("refs dict")!)) as [unknown, unknown[]];
      assert.ok(d[0] === d[1][0]);
    });
  });

  describe(`marshal interop: TS -> Python ${peer.label}`, () => {
    it("a TS corpus encoded by us decodes in Python to the expected values", () => {
      const rows = tsCorpus();
      assert.ok(rows.length >= 150, `only ${rows.length} values`);
      assert.equal(new Set(rows.map((r) => r.name)).size, rows.length, "duplicate names");
      const input = rows.map((r) => ({
        name: r.name,
        mode: r.mode,
        expect: r.expect,
        hex: (r.call ? ser.serializeCall(...r.call) : ser.serializeData(r.value)).toString("hex"),
      }));
      const out = JSON.parse(runPython(["marshal_interop.py", "check"], { env: peer.env, input: JSON.stringify(input) })) as {
        checked: number;
        mismatches: unknown[];
      };
      assert.equal(out.checked, rows.length);
      assert.deepEqual(out.mismatches, []);
    });
  });
}
