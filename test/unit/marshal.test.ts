// Unit tests for the marshal serializer: exact bytes both ways for every type code, references, and that
// malformed input (truncated, lying lengths, bad codes, deep nesting, fuzzed bytes) only ever gives a SerializeError.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { marshal } from "../../src/serializers/marshal.js";
import { Complex, Tuple, float, frozenset, setKey, toTuple, tuple } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS as limits } from "../../src/limits.js";
import { CommunicationError, RemoteError, SerializeError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const dec = (s: string) => marshal.deserializeData(hex(s));
const enc = (v: unknown) => marshal.serializeData(v).toString("hex");
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b.toString("hex");
};
const ascii = (s: string) => Buffer.from(s, "latin1").toString("hex");

const map = (...pairs: [unknown, unknown][]) => new Map(pairs);

describe("marshal decode: every type code", () => {
  const cases: [string, string, unknown][] = [
    ["None", "4e", null],
    ["True", "54", true],
    ["False", "46", false],
    ["int 0", "69" + i32(0), 0],
    ["int -1", "69" + i32(-1), -1],
    ["int max", "69" + i32(2147483647), 2147483647],
    ["int min", "69" + i32(-2147483648), -2147483648],
    ["int flagged", "e9" + i32(5), 5],
    ["long 0 digits", "6c" + i32(0), 0],
    ["long 2**31", "6c 03000000 0000 0000 0200", 2 ** 31],
    ["long -2**31-1", "6c fdffffff 0100 0000 0200", -(2 ** 31) - 1],
    ["long 2**53-1", "6c 04000000 ff7f ff7f ff7f ff00", Number.MAX_SAFE_INTEGER],
    ["long 2**53", "6c 04000000 0000 0000 0000 0001", 2n ** 53n],
    ["long -2**53", "6c fcffffff 0000 0000 0000 0001", -(2n ** 53n)],
    ["long -(2**53-1)", "6c fcffffff ff7f ff7f ff7f ff00", -Number.MAX_SAFE_INTEGER],
    ["long 2**100", "6c 07000000 0000 0000 0000 0000 0000 0000 0004", 2n ** 100n],
    ["long flagged", "ec 03000000 0000 0000 0200", 2 ** 31],
    ["binary float", "67 000000000000f83f", 1.5],
    ["binary float -0", "67 0000000000000080", -0],
    ["binary float nan", "67 000000000000f87f", NaN],
    ["binary float inf", "67 000000000000f07f", Infinity],
    ["text float", "66 03" + ascii("1.5"), 1.5],
    ["text float -0", "66 04" + ascii("-0.0"), -0],
    ["text float nan", "66 03" + ascii("nan"), NaN],
    ["text float -inf", "66 04" + ascii("-inf"), -Infinity],
    ["binary complex", "79 000000000000f03f 0000000000000040", new Complex(1, 2)],
    ["text complex", "78 03" + ascii("1.5") + "04" + ascii("-2.0"), new Complex(1.5, -2)],
    ["short ascii z", "7a 03" + ascii("abc"), "abc"],
    ["short ascii empty", "7a 00", ""],
    ["short ascii interned Z", "5a 02" + ascii("hi"), "hi"],
    ["CONNECTFAIL fa 15", "fa 15" + ascii("message hmac mismatch"), "message hmac mismatch"],
    ["ascii a", "61" + i32(3) + ascii("xyz"), "xyz"],
    ["ascii interned A flagged", "c1" + i32(2) + ascii("ok"), "ok"],
    ["ascii bytes >= 0x80 read as latin-1 like CPython", "7a 01 e9", "\u00e9"],
    ["unicode u", "75" + i32(2) + "c3a9", "\u00e9"],
    ["unicode t interned", "74" + i32(3) + "e282ac", "\u20ac"],
    ["unicode flagged", "f5" + i32(4) + "f09f9880", "\u{1F600}"],
    ["unicode surrogatepass high", "75" + i32(3) + "eda080", "\ud800"],
    ["unicode surrogatepass low in text", "75" + i32(5) + "61edbfbf62", "a\udfffb"],
    ["unicode surrogatepass reversed pair", "75" + i32(6) + "edb080eda080", "\udc00\ud800"],
    ["unicode real U+FFFD", "75" + i32(3) + "efbfbd", "\ufffd"],
    ["unicode U+FFFD and surrogate", "75" + i32(7) + "efbfbd78eda080", "\ufffdx\ud800"],
    ["bytes", "73" + i32(3) + "00ff80", Buffer.from([0, 255, 128])],
    ["bytes empty flagged", "f3" + i32(0), Buffer.alloc(0)],
    ["small tuple", "29 02 4e 54", tuple(null, true)],
    ["small tuple empty", "29 00", tuple()],
    ["tuple", "28" + i32(1) + "69" + i32(7), tuple(7)],
    ["list", "5b" + i32(2) + "4e 46", [null, false]],
    ["list flagged", "db" + i32(0), []],
    ["dict str keys", "7b 7a01" + ascii("a") + "69" + i32(1) + "30", { a: 1 }],
    ["dict empty", "7b 30", {}],
    ["dict flagged end marker", "7b 7a01" + ascii("a") + "4e b0", { a: null }],
    ["dict int key", "7b 69" + i32(1) + "7a01" + ascii("x") + "30", map([1, "x"])],
    ["dict str then int key", "7b 7a01" + ascii("s") + "4e 69" + i32(2) + "4e 30", map(["s", null], [2, null])],
    ["dict tuple key", "7b 2902 69" + i32(1) + "69" + i32(2) + "54 30", map([tuple(1, 2), true])],
    ["set", "3c" + i32(2) + "69" + i32(1) + "69" + i32(2), new Set([1, 2])],
    ["frozenset", "3e" + i32(1) + "7a01" + ascii("q"), frozenset("q")],
    ["frozenset empty flagged", "be" + i32(0), frozenset()],
    ["ref to string", "2902 fa01" + ascii("s") + "72" + i32(0), tuple("s", "s")],
    ["ref to int", "2902 e9" + i32(9) + "72" + i32(0), tuple(9, 9)],
    ["ref to tuple", "5b" + i32(2) + "a901 4e 72" + i32(0), [tuple(null), tuple(null)]],
    ["ref to frozenset after it is done", "2902 be" + i32(1) + "4e 72" + i32(0), tuple(frozenset(null), frozenset(null))],
    ["ref numbering skips unflagged", "2903 7a01" + ascii("a") + "fa01" + ascii("b") + "72" + i32(0), tuple("a", "b", "b")],
  ];
  for (const [name, h, expected] of cases) {
    it(name, () => assert.deepStrictEqual(dec(h), expected));
  }

  it("references give the very same object (list, dict, set, recursive list)", () => {
    const l = dec("5b" + i32(2) + "db" + i32(0) + "72" + i32(0)) as unknown[][];
    assert.ok(l[0] === l[1]);
    const d = dec("2902 fb 30 72" + i32(0)) as Tuple;
    assert.ok(d[0] === d[1]);
    const s = dec("2902 bc" + i32(0) + "72" + i32(0)) as Tuple;
    assert.ok(s[0] === s[1] && s[0] instanceof Set);
    const r = dec("db" + i32(1) + "72" + i32(0)) as unknown[];
    assert.ok(r[0] === r);
    const rd = dec("fb 7a01" + ascii("s") + "72" + i32(0) + "30") as Record<string, unknown>;
    assert.ok(rd.s === rd);
  });

  it("dicts with __class__ go through dictToClass at any depth", () => {
    const uriDict =
      "7b 7a09" + ascii("__class__") + "7a0e" + ascii("Pyro4.core.URI") + "7a05" + ascii("state") +
      "2905 7a04" + ascii("PYRO") + "7a01" + ascii("o") + "4e 7a01" + ascii("h") + "69" + i32(9090) + "30";
    const v = dec("5b" + i32(1) + uriDict) as unknown[];
    assert.ok(v[0] instanceof URI);
    assert.equal((v[0] as URI).asString(), "PYRO:o@h:9090");
  });

  it("a long string uses the fast path and decodes fully", () => {
    const s = "\u20ac".repeat(10000) + "\u{1F600}";
    assert.equal(marshal.deserializeData(marshal.serializeData(s)), s);
  });
});

describe("marshal encode: exact bytes", () => {
  const cases: [string, unknown, string][] = [
    ["null", null, "4e"],
    ["undefined", undefined, "4e"],
    ["true", true, "54"],
    ["false", false, "46"],
    ["int 0", 0, "69" + i32(0)],
    ["int -5", -5, "69" + i32(-5)],
    ["int32 max", 2147483647, "69" + i32(2147483647)],
    ["int32 min", -2147483648, "69" + i32(-2147483648)],
    ["2**31 -> long", 2 ** 31, "6c 03000000 0000 0000 0200"],
    ["-2**31-1 -> long", -(2 ** 31) - 1, "6c fdffffff 0100 0000 0200"],
    ["2**53-1 -> long", Number.MAX_SAFE_INTEGER, "6c 04000000 ff7f ff7f ff7f ff00"],
    ["bigint small -> int", 7n, "69" + i32(7)],
    ["bigint 2**100", 2n ** 100n, "6c 07000000 0000 0000 0000 0000 0000 0000 0004"],
    ["bigint -2**100", -(2n ** 100n), "6c f9ffffff 0000 0000 0000 0000 0000 0000 0004"],
    ["bigint 0", 0n, "69" + i32(0)],
    ["integral number beyond 2**53 is a float", 2 ** 60, "67 000000000000b043"],
    ["2**53 is a float", 2 ** 53, "67 0000000000004043"],
    ["1e300 is a float", 1e300, "67 9c7500883ce4377e"],
    ["FrozenSet", frozenset("q"), "3e" + i32(1) + "7a01" + ascii("q")],
    ["FrozenSet empty", frozenset(), "3e" + i32(0)],
    ["float", 1.5, "67 000000000000f83f"],
    ["float -0", -0, "67 0000000000000080"],
    ["float nan", NaN, "67 000000000000f87f"],
    ["float -inf", -Infinity, "67 000000000000f0ff"],
    ["Float(2)", float(2), "67 0000000000000040"],
    ["complex", new Complex(1, 2), "79 000000000000f03f 0000000000000040"],
    ["short ascii", "abc", "7a 03" + ascii("abc")],
    ["empty string", "", "7a 00"],
    ["ascii 255", "x".repeat(255), "7a ff" + ascii("x".repeat(255))],
    ["ascii 256", "x".repeat(256), "61" + i32(256) + ascii("x".repeat(256))],
    ["unicode", "\u00e9", "75" + i32(2) + "c3a9"],
    ["unicode long", "\u00e9".repeat(60), "75" + i32(120) + "c3a9".repeat(60)],
    ["astral", "\u{1F600}", "75" + i32(4) + "f09f9880"],
    ["lone surrogate (surrogatepass)", "a\ud800", "75" + i32(4) + "61eda080"],
    ["lone low then pair", "\udc00\u{1F600}", "75" + i32(7) + "edb080f09f9880"],
    ["bytes", Buffer.from([1, 2]), "73" + i32(2) + "0102"],
    ["Uint8Array view", new Uint8Array([5, 6, 7]).subarray(1), "73" + i32(2) + "0607"],
    ["tuple", tuple<unknown>(1, "a"), "29 02 69" + i32(1) + "7a01" + ascii("a")],
    ["tuple 256 uses (", toTuple(new Array(256).fill(null)), "28" + i32(256) + "4e".repeat(256)],
    ["list", [null, true], "5b" + i32(2) + "4e 54"],
    ["object", { a: 1 }, "7b 7a01" + ascii("a") + "69" + i32(1) + "30"],
    ["Map", map([1, "x"], [tuple(1), null]), "7b 69" + i32(1) + "7a01" + ascii("x") + "2901 69" + i32(1) + "4e 30"],
    ["Set", new Set([1]), "3c" + i32(1) + "69" + i32(1)],
    ["Date", new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), "7a 20" + ascii("2020-01-02T03:04:05.678000+00:00")],
    ["Date without ms", new Date(Date.UTC(2020, 0, 2)), "7a 19" + ascii("2020-01-02T00:00:00+00:00")],
  ];
  for (const [name, value, h] of cases) {
    it(name, () => assert.equal(enc(value), h.replace(/\s+/g, "")));
  }

  it("the Pyro4 call tuple: (obj, method, vargs list, kwargs dict or None)", () => {
    assert.equal(
      marshal.serializeCall("o", "m", [1], { k: null }).toString("hex"),
      ("2904 7a01" + ascii("o") + "7a01" + ascii("m") + "5b" + i32(1) + "69" + i32(1) + "7b 7a01" + ascii("k") + "4e 30").replace(/\s+/g, ""),
    );
    assert.equal(
      marshal.serializeCall("o", "__getattr__", tuple("x"), null).toString("hex"),
      ("2904 7a01" + ascii("o") + "7a0b" + ascii("__getattr__") + "5b" + i32(1) + "7a01" + ascii("x") + "4e").replace(/\s+/g, ""),
    );
    assert.deepStrictEqual(marshal.deserializeCall(marshal.serializeCall("o", "m", [tuple(1)], { a: [2] })), {
      object: "o",
      method: "m",
      vargs: [tuple(1)],
      kwargs: { a: [2] },
    });
  });

  it("objects: errors and URIs become class dicts, options.replace runs first, anywhere in the value", () => {
    const back = marshal.deserializeData(marshal.serializeData([new CommunicationError("x"), new URI("PYRO:a@b:1")])) as unknown[];
    assert.ok(back[0] instanceof CommunicationError && back[0].message === "x");
    assert.ok(back[1] instanceof URI && back[1].asString() === "PYRO:a@b:1");
    class Thing {
      constructor(readonly id: string) {}
    }
    const replaced = marshal.serializeData({ deep: [new Thing("t1")] }, { replace: (o) => (o instanceof Thing ? `proxy:${o.id}` : undefined) });
    assert.deepStrictEqual(marshal.deserializeData(replaced), { deep: ["proxy:t1"] });
    // a class instance travels as its class dict; receiving one back is refused (Python refuses it too)
    assert.throws(() => marshal.deserializeData(marshal.serializeData(new Thing("t2"))), /unsupported serialized class: Thing/);
    const remote = marshal.deserializeData(marshal.serializeData(new RemoteError("builtins.KeyError", ["k"])));
    assert.ok(remote instanceof RemoteError && remote.pythonType === "builtins.KeyError");
  });

  it("round trips a mixed value", () => {
    const v = {
      n: [0, -1, 2 ** 40, -(2n ** 90n), 1.25, NaN, -0, Infinity],
      s: ["", "a", "\u00e9\u{1F600}\ud800", "z".repeat(1000)],
      t: tuple<unknown>(tuple(), tuple<unknown>(1, tuple(2))),
      m: map([tuple<unknown>("k", 1), new Set(["x"])], [null, Buffer.from("b")]),
      c: new Complex(-0, NaN),
    };
    assert.deepStrictEqual(marshal.deserializeData(marshal.serializeData(v)), v);
  });

  it("refuses what marshal cannot carry", () => {
    for (const v of [() => 1, Symbol("s"), new Date(NaN)]) {
      assert.throws(() => marshal.serializeData(v), SerializeError);
      assert.throws(() => marshal.serializeData([{ x: v }]), SerializeError);
    }
  });
});

describe("marshal: malformed input only ever gives a SerializeError", () => {
  const valid: Buffer[] = [
    hex("fa 15" + ascii("message hmac mismatch")),
    marshal.serializeCall("obj", "method", [1, 2n ** 80n, 1.5, "\u00e9", Buffer.from("xy"), tuple(1)], { k: new Set([1]) }),
    marshal.serializeData({ a: [1, tuple<unknown>(2, "x".repeat(300))], b: map([1, new Complex(1, 2)]) }),
    hex("2903 fa01" + ascii("a") + "bc" + i32(1) + "72" + i32(0) + "72" + i32(1)),
    hex("78 03" + ascii("1.5") + "03" + ascii("2.5")),
  ];

  it("truncation at every offset of valid messages", () => {
    for (const msg of valid) {
      for (let n = 0; n < msg.length; n++) {
        assert.throws(() => marshal.deserializeData(msg.subarray(0, n)), (e: unknown) => e instanceof SerializeError && /truncated/.test(e.message), `prefix ${n} of ${msg.toString("hex")}`);
      }
      assert.doesNotThrow(() => marshal.deserializeData(msg));
    }
  });

  it("every possible type byte either decodes or gives a SerializeError", () => {
    for (let code = 0; code < 256; code++) {
      for (const tail of ["", "00", "0000000000000000", "ffffffff01", "0100000030"]) {
        try {
          marshal.deserializeData(Buffer.from(code.toString(16).padStart(2, "0") + tail, "hex"));
        } catch (e) {
          assert.ok(e instanceof SerializeError, `code ${code} tail ${tail}: ${e}`);
        }
      }
    }
  });

  const bad: [string, string, RegExp][] = [
    ["unknown code", "01", /unknown type code 0x01/],
    ["TYPE_UNKNOWN ?", "3f", /unknown type code/],
    ["TYPE_INT64 (not read by 3.11)", "49 0000000000000000", /unknown type code/],
    ["code object", "63 00000000", /code object/],
    ["Ellipsis", "2e", /Ellipsis/],
    ["StopIteration", "53", /StopIteration/],
    ["NULL at top level", "30", /NULL/],
    ["NULL in a list", "5b" + i32(1) + "30", /NULL/],
    ["trailing bytes", "4e 4e", /trailing/],
    ["string length beyond data", "61 ffffff7f 41", /truncated/],
    ["negative string length", "61 ffffffff", /negative/],
    ["negative bytes length", "73 00000080", /negative/],
    ["list count beyond data", "5b ffffff7f", /truncated/],
    ["tuple count beyond data", "28 00000010 4e", /truncated/],
    ["set count beyond data", "3c ffffff00", /truncated/],
    ["small tuple count beyond data", "29 ff 4e", /truncated/],
    ["long digit count beyond data", "6c ffffff7f 0100", /truncated/],
    ["long digit count int32 min", "6c 00000080", /truncated/],
    ["long digit out of range", "6c 01000000 0080", /digit out of range/],
    ["long unnormalized", "6c 02000000 0100 0000", /unnormalized/],
    ["dict without end", "7b 7a01" + ascii("a") + "4e", /truncated/],
    ["ref out of range", "5b" + i32(1) + "72" + i32(0), /invalid reference/],
    ["negative ref", "72 ffffffff", /invalid reference/],
    ["ref to an unfinished frozenset", "be" + i32(1) + "72" + i32(0), /unfinished/],
    ["invalid utf-8", "75" + i32(2) + "c328", /invalid UTF-8/],
    ["overlong utf-8", "75" + i32(2) + "c0af", /invalid UTF-8/],
    ["utf-8 beyond U+10FFFF", "75" + i32(4) + "f4908080", /invalid UTF-8/],
    ["truncated utf-8 sequence", "75" + i32(2) + "e282", /invalid UTF-8/],
    ["bad text float", "66 03" + ascii("abc"), /invalid float/],
    ["recursive dict that must become a Map", "fb 69" + i32(1) + "72" + i32(0) + "30", /contains itself/],
    ["call that is not a 4-tuple", "2902 4e 4e", /4-tuple/],
  ];
  for (const [name, h, re] of bad) {
    it(name, () => {
      const f = name.startsWith("call") ? () => marshal.deserializeCall(hex(h)) : () => dec(h);
      assert.throws(f, (e: unknown) => e instanceof SerializeError && re.test(e.message));
    });
  }

  it("deserializeCall checks field types", () => {
    const call = (...v: unknown[]) => () => marshal.deserializeCall(marshal.serializeData(toTuple(v)));
    assert.throws(call(1, "m", [], {}), SerializeError);
    assert.throws(call("o", "m", "notalist", {}), SerializeError);
    assert.throws(call("o", "m", [], map([1, 2])), SerializeError);
    assert.throws(call("o", "m", [], 5), SerializeError);
    assert.deepStrictEqual(call("o", "m", tuple(1), null)(), { object: "o", method: "m", vargs: [1], kwargs: null });
  });

  it("fuzzed messages (bytes flipped at random) never leak other errors", () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    for (let round = 0; round < 4000; round++) {
      const msg = Buffer.from(valid[round % valid.length]!);
      const flips = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < flips; k++) msg[Math.floor(rnd() * msg.length)] = Math.floor(rnd() * 256);
      try {
        marshal.deserializeData(msg);
      } catch (e) {
        assert.ok(e instanceof SerializeError, `${msg.toString("hex")}: ${e}`);
      }
    }
  });

  it("nesting up to limits.maxDepth decodes, one more level is a SerializeError", () => {
    for (const [open, closeLast] of [["5b" + i32(1), "5b" + i32(0)], ["2901", "2900"], ["3c" + i32(1), "3c" + i32(0)]] as const) {
      const nested = (levels: number) => Buffer.from(open.repeat(levels - 1) + closeLast, "hex");
      assert.doesNotThrow(() => marshal.deserializeData(nested(limits.maxDepth)));
      assert.throws(() => marshal.deserializeData(nested(limits.maxDepth + 1)), /nested deeper/);
    }
    const dictOpen = "7b 7a01" + ascii("k");
    const dicts = (levels: number) => hex(dictOpen.repeat(levels - 1) + "7b30" + "30".repeat(levels - 1));
    assert.doesNotThrow(() => marshal.deserializeData(dicts(limits.maxDepth)));
    assert.throws(() => marshal.deserializeData(dicts(limits.maxDepth + 1)), /nested deeper/);
    assert.throws(() => marshal.deserializeData(Buffer.from(("5b" + i32(1)).repeat(200_000), "hex")), /nested deeper/);
  });

  it("encoding too deep or cyclic values is a SerializeError, not a stack overflow", () => {
    let deep: unknown = [];
    for (let i = 0; i < limits.maxDepth + 5; i++) deep = [deep];
    assert.throws(() => marshal.serializeData(deep), /nested deeper/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    assert.throws(() => marshal.serializeData(cyc), /nested deeper/);
  });

  it("__proto__ keys become own properties, never the prototype", () => {
    const v = dec("7b 7a09" + ascii("__proto__") + "7b 7a08" + ascii("polluted") + "54 30 30") as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepStrictEqual(Object.keys(v), ["__proto__"]);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(v, "__proto__")?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const o: Record<string, unknown> = {};
    setKey(o, "__proto__", 1);
    assert.equal(enc(o), ("7b 7a09" + ascii("__proto__") + "69" + i32(1) + "30").replace(/\s+/g, ""));
  });

  it("decoded bytes do not alias the input buffer", () => {
    const msg = hex("73" + i32(2) + "0102");
    const b = marshal.deserializeData(msg) as Buffer;
    msg[5] = 9;
    assert.deepStrictEqual(b, Buffer.from([1, 2]));
  });
});
