// Unit tests for the json serializer: exact output text (Python json.dumps style), decoding of Python's
// non-standard forms, the value model, and malformed/hostile input.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { json } from "../../src/serializers/json.js";
import { floatRepr as pythonFloatRepr } from "../../src/python/float.js";
import { isoformat as dateToPythonIso } from "../../src/python/datetime.js";
import { Complex, Tuple, float, setKey, tuple, registerDictToClass, unregisterDictToClass } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS as limits } from "../../src/limits.js";
import { NamingError, RemoteError, SerializeError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

const enc = (v: unknown) => json.serializeData(v).toString("utf8");
const dec = (s: string) => json.deserializeData(Buffer.from(s, "utf8"));

test("encodes like Python's json.dumps (separators, literals, key order)", () => {
  const table: Array<[unknown, string]> = [
    [null, "null"],
    [undefined, "null"],
    [true, "true"],
    [false, "false"],
    [0, "0"],
    [-5, "-5"],
    [2 ** 53 - 1, "9007199254740991"],
    [2 ** 53, "9007199254740992.0"],
    [-(2 ** 53), "-9007199254740992.0"],
    [1e20, "1e+20"],
    [2 ** 60, "1.152921504606847e+18"],
    [1e300, "1e+300"],
    [Number.MAX_VALUE, "1.7976931348623157e+308"],
    [5e-324, "5e-324"],
    [2n ** 70n, "1180591620717411303424"],
    [-(2n ** 64n), "-18446744073709551616"],
    [1.5, "1.5"],
    [-0, "-0.0"],
    [float(2), "2.0"],
    [float(1e16), "1e+16"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
    ["", '""'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ["\n\r\t\b\f\x00\x1f\x7f", '"\\n\\r\\t\\b\\f\\u0000\\u001f\x7f"'],
    ["é中😀/", '"é中😀/"'],
    ["\ud800", '"\\ud800"'],
    [[], "[]"],
    [{}, "{}"],
    [[1, [2, []], {}], "[1, [2, []], {}]"],
    [{ b: 1, a: [null] }, '{"b": 1, "a": [null]}'],
    [tuple<unknown>(1, "x"), '[1, "x"]'],
    [new Set([3, 1]), "[3, 1]"],
    [new Map<unknown, unknown>([[1, "a"], ["s", 2], [1.5, 3], [true, 4], [null, 5], [2n ** 64n, 6], [float(1), 7]]),
      '{"1": "a", "s": 2, "1.5": 3, "true": 4, "null": 5, "18446744073709551616": 6, "1.0": 7}'],
    [Buffer.from("hi"), '{"data": "aGk=", "encoding": "base64"}'],
    [new Uint8Array([255, 0]).subarray(1), '{"data": "AA==", "encoding": "base64"}'],
    [new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), '"2020-01-02T03:04:05.678000+00:00"'],
    [new Date(Date.UTC(2020, 0, 2)), '"2020-01-02T00:00:00+00:00"'],
    [new URI("PYRO:obj@localhost:9090"), '{"__class__": "Pyro4.core.URI", "state": ["PYRO", "obj", null, "localhost", 9090]}'],
  ];
  for (const [v, text] of table) assert.equal(enc(v), text, `encoding ${String(v)}`);
});

test("pythonFloatRepr matches Python's repr", () => {
  const table: Array<[number, string]> = [
    [0.1, "0.1"], [1 / 3, "0.3333333333333333"], [1e16, "1e+16"], [9999999999999998, "9999999999999998.0"],
    [1e15, "1000000000000000.0"], [1e-4, "0.0001"], [9.99e-5, "9.99e-05"], [1e-5, "1e-05"], [1.5e-7, "1.5e-07"],
    [5e-324, "5e-324"], [1.7976931348623157e308, "1.7976931348623157e+308"], [1e21, "1e+21"], [1.5e300, "1.5e+300"],
    [-2.5e-10, "-2.5e-10"], [123456789012345680000, "1.2345678901234568e+20"], [0, "0.0"], [-0, "-0.0"], [-3, "-3.0"],
    [NaN, "nan"], [Infinity, "inf"], [-Infinity, "-inf"],
  ];
  for (const [x, s] of table) assert.equal(pythonFloatRepr(x), s, String(x));
});

test("dateToPythonIso", () => {
  assert.equal(dateToPythonIso(new Date("0001-01-01T00:00:00Z")), "0001-01-01T00:00:00+00:00");
  assert.throws(() => dateToPythonIso(new Date(NaN)), SerializeError);
  assert.throws(() => json.serializeData(new Date(Date.UTC(10000, 0, 1))), SerializeError);
});

test("decodes Python's output including non-standard constants and big ints", () => {
  const proto: Record<string, unknown> = {};
  setKey(proto, "__proto__", 1);
  const protoNaN: Record<string, unknown> = {};
  setKey(protoNaN, "__proto__", 1);
  protoNaN.x = NaN;
  const table: Array<[string, unknown]> = [
    ["null", null],
    ["1", 1],
    ["-0.0", -0],
    ["2.0", 2],
    ["1e+16", 1e16],
    ["NaN", NaN],
    ["[Infinity, -Infinity, NaN]", [Infinity, -Infinity, NaN]],
    ["9007199254740991", 9007199254740991],
    ["9007199254740992", 9007199254740992n],
    ["-9007199254740993", -9007199254740993n],
    ["[1, 12345678901234567890123, 0.5]", [1, 12345678901234567890123n, 0.5]],
    ['{"a": 1234567890123456789}', { a: 1234567890123456789n }],
    ["1234567890123456.5", 1234567890123456.5],
    ['"1234567890123456789"', "1234567890123456789"],
    ['"\\ud800x\\u00e9"', "\ud800xé"],
    ['{"data": "aGk=", "encoding": "base64"}', Buffer.from("hi")],
    ['{"data": "", "encoding": "base64"}', Buffer.alloc(0)],
    ['[{"data": "aGk=", "encoding": "base64"}, NaN]', [Buffer.from("hi"), NaN]],
    ['{"data": "aGk=", "encoding": "utf8"}', { data: "aGk=", encoding: "utf8" }],
    ['{"data": 1, "encoding": "base64"}', { data: 1, encoding: "base64" }],
    ['{"__proto__": 1}', proto],
    ['{"__proto__": 1, "x": NaN}', protoNaN],
    ['{"a": 1, "a": 2}', { a: 2 }],
    [' \n\t[ 1 , 2 ]\r\n', [1, 2]],
  ];
  for (const [text, v] of table) assert.deepStrictEqual(dec(text), v, text);
  // a class nothing knows is refused, as Python's dict_to_class refuses it
  assert.throws(() => dec('{"__class__": "some.Unknown", "x": 1}'), /^SerializeError: unsupported serialized class: some\.Unknown$/);
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test("class dicts become URIs and errors, in both parser paths", () => {
  for (const big of ["1", "123456789012345678901"]) {
    const v = dec(
      `[{"__class__": "Pyro4.core.URI", "state": ["PYRO", "o", null, "h", 1]}, ` +
        `{"__class__": "Pyro4.errors.NamingError", "__exception__": true, "args": ["x"], "attributes": {}}, ` +
        `{"__class__": "builtins.ValueError", "__exception__": true, "args": ["v", ${big}], "attributes": {}}, NaN]`,
    ) as unknown[];
    assert.ok(v[0] instanceof URI);
    assert.equal((v[0] as URI).asString(), "PYRO:o@h:1");
    assert.ok(v[1] instanceof NamingError);
    assert.ok(v[2] instanceof RemoteError);
    assert.deepEqual((v[2] as RemoteError).args, ["v", big.length > 15 ? BigInt(big) : Number(big)]);
  }
  registerDictToClass("test.Thing", (_c, d) => ({ thing: d.v }));
  try {
    assert.deepEqual(dec('{"__class__": "test.Thing", "v": 3}'), { thing: 3 });
  } finally {
    unregisterDictToClass("test.Thing");
  }
});

test("round trips values through our own encoder", () => {
  const values: unknown[] = [
    { s: "x", n: [1, 2.5, -0, NaN, Infinity], b: Buffer.from([0, 1, 255]), big: 2n ** 100n, nested: { deep: [[[]]] } },
    "😀\u2028", [null, true, false], 9007199254740993n,
  ];
  for (const v of values) assert.deepStrictEqual(json.deserializeData(json.serializeData(v)), v);
});

test("arrays come back as Arrays, never Tuples", () => {
  const v = dec("[[1], [2]]") as unknown[];
  assert.ok(!(v instanceof Tuple) && !(v[0] instanceof Tuple));
});

test("refuses what json cannot carry", () => {
  assert.throws(() => json.serializeData(new Complex(1, 2)), SerializeError);
  assert.throws(() => json.serializeData(new Map([[tuple(1, 2), "x"]])), SerializeError);
  assert.throws(() => json.serializeData(new Map([[[1], "x"]])), SerializeError);
  assert.throws(() => json.serializeData(() => 1), SerializeError);
  assert.throws(() => json.serializeData(Symbol("s")), SerializeError);
});

test("encoding: objects go through replace, then classToDict", () => {
  class Point {
    x = 1;
    y = 2;
  }
  assert.equal(enc(new Point()), '{"__class__": "Point", "x": 1, "y": 2}');
  const out = json.serializeData([new Point(), 5], { replace: (o) => (o instanceof Point ? "P" : undefined) });
  assert.equal(out.toString(), '["P", 5]');
  const err = JSON.parse(enc(new RangeError("bad"))) as Record<string, unknown>;
  assert.equal(err.__class__, "builtins.ValueError");
  assert.equal(err.__exception__, true);
  assert.deepEqual(err.args, ["bad"]);
});

test("calls: Pyro4's dict shape both ways", () => {
  const data = json.serializeCall("obj", "m", [1, "a"], { k: 2n ** 64n });
  assert.equal(data.toString(), '{"object": "obj", "method": "m", "params": [1, "a"], "kwargs": {"k": 18446744073709551616}}');
  assert.deepStrictEqual(json.deserializeCall(data), { object: "obj", method: "m", vargs: [1, "a"], kwargs: { k: 2n ** 64n } });
  assert.deepStrictEqual(json.deserializeCall(json.serializeCall("o", "__getattr__", ["x"], null)), {
    object: "o", method: "__getattr__", vargs: ["x"], kwargs: null,
  });
  for (const bad of ['[1, 2]', '{"object": 1, "method": "m", "params": [], "kwargs": {}}', '{"object": "o", "method": "m", "params": {}, "kwargs": {}}',
    '{"object": "o", "method": "m", "params": [], "kwargs": [1]}', '"x"', "null"])
    assert.throws(() => json.deserializeCall(Buffer.from(bad)), SerializeError, bad);
});

test("malformed input is a SerializeError", () => {
  const bad = ["", " ", "{", "[1,", "[1, 2", '"abc', '{"a" 1}', '{"a": 1,}', "[1,]", "nul", "tru", "Nan", "-Inf", "[1] x", "01", "1.", "1e", "-",
    "+1", "'a'", '"\\x"', '"\\u12"', '"a\nb"', "{1: 2}", "[1 2]", "\u00ff", "[\"\\ud800\"", "123456789012345678901 x", "[NaN",
    Buffer.from([0xff, 0xfe]).toString("latin1")];
  for (const text of bad) {
    assert.throws(() => dec(text), (e: unknown) => e instanceof SerializeError, JSON.stringify(text));
  }
  assert.throws(() => json.deserializeData(Buffer.from([0x5b, 0xff, 0x5d])), SerializeError);
});

test("nesting beyond limits.maxDepth is refused, never a stack overflow", () => {
  const n = limits.maxDepth;
  // within the limit: both parser paths
  assert.ok(Array.isArray(dec("[".repeat(n) + "]".repeat(n))));
  assert.ok(Array.isArray(dec("[".repeat(n - 1) + "NaN" + "]".repeat(n - 1))));
  for (const inner of ["", "NaN", "12345678901234567890"]) {
    for (const depth of [n + 1, 100_000]) {
      assert.throws(() => dec("[".repeat(depth) + inner + "]".repeat(depth)), SerializeError);
      assert.throws(() => dec('{"a": '.repeat(depth) + (inner || "1") + "}".repeat(depth)), SerializeError);
    }
  }
  let deep: unknown[] = [];
  for (let i = 0; i < n + 5; i++) deep = [deep];
  assert.throws(() => json.serializeData(deep), SerializeError);
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  assert.throws(() => json.serializeData(circular), SerializeError);
  class Loop {}
  assert.throws(() => json.serializeData(new Loop(), { replace: () => new Loop() }), SerializeError);
});

test("__proto__ keys never touch prototypes", () => {
  for (const text of ['{"__proto__": {"polluted": 1}}', '{"__proto__": {"polluted": 1}, "n": NaN}', '{"__proto__": {"polluted": 1}, "n": 123456789012345678901}']) {
    const v = dec(text) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(v, "__proto__")?.value, { polluted: 1 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(v.polluted, undefined);
    // and it goes back out as a key
    assert.match(json.serializeData(v).toString(), /^\{"__proto__": \{"polluted": 1\}/);
  }
});
