// Unit tests for the msgpack serializer: exact bytes (as Python's msgpack.packb(use_bin_type=True) writes them),
// Pyro4's ext types, the value model, and malformed/hostile input.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { msgpack } from "../../src/serializers/msgpack.js";
import { Complex, Tuple, float, setKey, tuple, PyDateTime, PyDate } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS as limits } from "../../src/limits.js";
import { RemoteError, SerializeError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

const hex = (v: unknown) => msgpack.serializeData(v).toString("hex");
const dec = (h: string) => msgpack.deserializeData(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const str = (s: string) => Buffer.from(s).toString("hex");

test("encodes with the smallest int width, float64, str8 and bin like Python's packer", () => {
  const table: Array<[unknown, string]> = [
    [null, "c0"], [undefined, "c0"], [false, "c2"], [true, "c3"],
    [0, "00"], [127, "7f"], [128, "cc80"], [255, "ccff"], [256, "cd0100"], [65535, "cdffff"], [65536, "ce00010000"],
    [2 ** 32 - 1, "ceffffffff"], [2 ** 32, "cf0000000100000000"], [2 ** 53 - 1, "cf001fffffffffffff"],
    [-1, "ff"], [-32, "e0"], [-33, "d0df"], [-128, "d080"], [-129, "d1ff7f"], [-32768, "d18000"], [-32769, "d2ffff7fff"],
    [-(2 ** 31), "d280000000"], [-(2 ** 31) - 1, "d3ffffffff7fffffff"], [-(2 ** 53 - 1), "d3ffe0000000000001"],
    [2 ** 60, "cb43b0000000000000"], [-(2 ** 63), "cbc3e0000000000000"], [2 ** 53, "cb4340000000000000"],
    [1e300, "cb7e37e43c8800759c"], [Number.MAX_VALUE, "cb7fefffffffffffff"],
    [2n ** 64n - 1n, "cfffffffffffffffff"], [5n, "05"], [-(2n ** 63n), "d38000000000000000"],
    [2n ** 64n, "c71431" + str("18446744073709551616")],
    [1.5, "cb3ff8000000000000"], [-0, "cb8000000000000000"], [float(2), "cb4000000000000000"], [NaN, "cb7ff8000000000000"],
    [Infinity, "cb7ff0000000000000"],
    ["", "a0"], ["a", "a161"], ["é", "a2c3a9"], ["x".repeat(31), "bf" + "78".repeat(31)], ["x".repeat(32), "d920" + "78".repeat(32)],
    ["x".repeat(256), "da0100" + "78".repeat(256)], ["😀", "a4f09f9880"], ["é".repeat(20), "d928" + "c3a9".repeat(20)],
    [Buffer.from("hi"), "c4026869"], [new Uint8Array(0), "c400"],
    [[], "90"], [[1, [2]], "920191" + "02"], [tuple(1, 2), "920102"], [new Set(["a"]), "91a161"],
    [{}, "80"], [{ a: 1, b: null }, "82a16101a162c0"], [new Map<unknown, unknown>([[1, "a"], [tuple(1, 2), 2]]), "8201a161920102" + "02"],
    [new Complex(1, -2), "d830" + "000000000000f03f" + "00000000000000c0"],
    [new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), "d732" + "5a646b695783d741"],
  ];
  for (const [v, h] of table) assert.equal(hex(v), h, `encoding ${String(v)}`);
  assert.equal(hex(new Array(16).fill(0)), "dc0010" + "00".repeat(16));
  assert.equal(hex(-(2n ** 64n)), "c71531" + str("-18446744073709551616"));
  assert.equal(hex(1e20), "cb4415af1d78b58c40"); // a float: only bigint goes out as an int beyond 2^53
});

test("decodes Python's bytes to the value model", () => {
  const proto: Record<string, unknown> = {};
  setKey(proto, "__proto__", 1);
  const table: Array<[string, unknown]> = [
    ["c0", null], ["c3", true], ["7f", 127], ["e0", -32], ["ccff", 255], ["d0df", -33],
    ["cf001fffffffffffff", 2 ** 53 - 1], ["cf0020000000000000", 2n ** 53n], ["cfffffffffffffffff", 2n ** 64n - 1n],
    ["d3ffe0000000000001", -(2 ** 53 - 1)], ["d3ffe0000000000000", -(2n ** 53n)], ["d38000000000000000", -(2n ** 63n)],
    ["cf0000000000000005", 5], ["d3fffffffffffffffb", -5],
    ["ca3fc00000", 1.5], ["cb8000000000000000", -0], ["cb4000000000000000", 2],
    ["a0", ""], ["d90161", "a"], ["da000161", "a"], ["db0000000161", "a"], ["a2c3a9", "é"], ["a4f09f9880", "😀"],
    ["c4026869", Buffer.from("hi")], ["c5000161", Buffer.from("a")], ["c600000000", Buffer.alloc(0)],
    ["90", []], ["dc0001c0", [null]], ["dd0000000101", [1]],
    ["80", {}], ["81a16101", { a: 1 }], ["de0001a16101", { a: 1 }], ["df00000001a16101", { a: 1 }],
    ["82a16101a16102", { a: 2 }],
    ["81a95f5f70726f746f5f5f01", proto],
    ["820102a16103", new Map<unknown, unknown>([[1, 2], ["a", 3]])],
    ["82a1610301" + "02", new Map<unknown, unknown>([["a", 3], [1, 2]])],
    ["81920102a178", new Map([[tuple(1, 2), "x"]])],
    ["81c4016101", new Map([[Buffer.from("a"), 1]])],
    ["81c001", new Map([[null, 1]])],
    ["d830" + "000000000000f03f" + "00000000000000c0", new Complex(1, -2)],
    ["c71431" + str("18446744073709551616"), 2n ** 64n],
    ["c703" + "31" + str(" 42"), 42],
    // datetime.fromtimestamp (a naive datetime, read in UTC) and date.fromordinal
    ["d732" + "5a646b695783d741", new PyDateTime(2020, 1, 2, 3, 4, 5, 678000)],
    ["d733" + "92400b0000000000", new PyDate(2020, 1, 2)],
    ["d633" + "92400b00", new PyDate(2020, 1, 2)],
  ];
  for (const [h, v] of table) assert.deepStrictEqual(dec(h), v, h);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("bin values are copies, not views of the input", () => {
  const input = Buffer.from("c403616263", "hex");
  const v = msgpack.deserializeData(input) as Buffer;
  input[2] = 0x7a;
  assert.equal(v.toString(), "abc");
  assert.ok(Buffer.isBuffer(v));
});

test("accepts plain Uint8Arrays and subarrays as input", () => {
  const whole = new Uint8Array([0xff, 0x92, 0x01, 0xa1, 0x61, 0xff]);
  assert.deepStrictEqual(msgpack.deserializeData(whole.subarray(1, 5)), [1, "a"]);
});

test("class dicts become URIs and errors", () => {
  const data = msgpack.serializeData([
    { __class__: "Pyro4.core.URI", state: ["PYRO", "o", null, "h", 1] },
    { __class__: "builtins.ValueError", __exception__: true, args: ["v"], attributes: {} },
  ]);
  const [u, e] = msgpack.deserializeData(data) as [URI, RemoteError];
  assert.ok(u instanceof URI);
  assert.equal(u.asString(), "PYRO:o@h:1");
  assert.ok(e instanceof RemoteError);
  assert.deepEqual(e.args, ["v"]);
});

test("round trips through our own encoder", () => {
  const values: unknown[] = [
    { s: "x", n: [1, 2.5, -0, NaN, -Infinity, 2 ** 40, -(2 ** 40)], b: Buffer.from([0, 255]), big: 2n ** 100n, nb: -(2n ** 100n) },
    new Map<unknown, unknown>([[1, { a: [new Complex(0, 1)] }], ["k", new PyDateTime(1970, 1, 2)], ["d", new PyDate(1, 1, 1)]]),
    "😀".repeat(1000), Buffer.alloc(70_000, 1), [...Array(70_000).keys()],
  ];
  for (const v of values) assert.deepStrictEqual(msgpack.deserializeData(msgpack.serializeData(v)), v);
  assert.ok(!((msgpack.deserializeData(msgpack.serializeData(tuple(1))) as unknown[]) instanceof Tuple));
});

test("short strings decode right through the string cache, colliding slots and all", () => {
  // 20,000 distinct short ASCII strings against a cache of a few hundred slots: most share a slot with another
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff);
  const words = new Set<string>(["", "a", "ab", "ba", "ping", "pinh", "pong", "x".repeat(15)]);
  while (words.size < 20_000) {
    const n = rnd() % 16;
    let w = "";
    for (let i = 0; i < n; i++) w += String.fromCharCode(32 + (rnd() % 95));
    words.add(w);
  }
  const list = [...words];
  for (let round = 0; round < 3; round++) {
    const shuffled = list.map((w, i) => list[(i * 7919 + round * 104729) % list.length]!);
    assert.deepStrictEqual(msgpack.deserializeData(msgpack.serializeData(shuffled)), shuffled);
    // as map keys too, mixed with non-ASCII ones that bypass the cache
    const obj: Record<string, number> = {};
    shuffled.slice(0, 500).forEach((w, i) => (obj[w + (i % 3 ? "" : "é")] = i));
    assert.deepStrictEqual(msgpack.deserializeData(msgpack.serializeData(obj)), obj);
  }
});

test("the shared output buffer is safe: results are independent, nested serialization works", () => {
  const a = msgpack.serializeData("first");
  const b = msgpack.serializeData("second");
  assert.equal(msgpack.deserializeData(a), "first");
  assert.equal(msgpack.deserializeData(b), "second");
  class Inner {}
  const out = msgpack.serializeData([new Inner(), "tail"], {
    replace: (o) => (o instanceof Inner ? msgpack.serializeData({ nested: true }) : undefined),
  });
  const [bin, tail] = msgpack.deserializeData(out) as [Buffer, string];
  assert.deepStrictEqual(msgpack.deserializeData(bin), { nested: true });
  assert.equal(tail, "tail");
  // a very large message does not break later small ones
  assert.equal((msgpack.deserializeData(msgpack.serializeData("y".repeat(3_000_000))) as string).length, 3_000_000);
  assert.equal(msgpack.serializeData(1).length, 1);
});

test("objects go through replace, then classToDict; invalid values are refused", () => {
  class Point {
    x = 1;
  }
  // a class instance travels as its class dict; receiving one back is refused (Python refuses it too)
  assert.throws(() => msgpack.deserializeData(msgpack.serializeData(new Point())), /unsupported serialized class: Point/);
  assert.deepStrictEqual(msgpack.deserializeData(msgpack.serializeData(new Point(), { replace: () => "P" })), "P");
  assert.throws(() => msgpack.serializeData(new Date(NaN)), SerializeError);
  assert.throws(() => msgpack.serializeData(() => 1), SerializeError);
  assert.throws(() => msgpack.serializeData(Symbol("x")), SerializeError);
});

test("calls: [object, method, vargs, kwargs]", () => {
  const data = msgpack.serializeCall("obj", "m", [1, "a"], { k: 2 });
  assert.equal(data.toString("hex"), "94a36f626aa16d9201a16181a16b02");
  assert.deepStrictEqual(msgpack.deserializeCall(data), { object: "obj", method: "m", vargs: [1, "a"], kwargs: { k: 2 } });
  assert.deepStrictEqual(msgpack.deserializeCall(msgpack.serializeCall("o", "__getattr__", ["x"], null)), {
    object: "o", method: "__getattr__", vargs: ["x"], kwargs: null,
  });
  const bad = [[1, 2], ["o", "m", [], {}, 5], [1, "m", [], {}], ["o", "m", {}, {}], ["o", "m", [], [1]], ["o", "m", [], new Map([[1, 2]])], "x"];
  for (const v of bad) assert.throws(() => msgpack.deserializeCall(msgpack.serializeData(v)), SerializeError, JSON.stringify(String(v)));
});

test("malformed input is a SerializeError", () => {
  const valid = msgpack.serializeData({ a: [1, 2 ** 40, 2n ** 70n, "text", Buffer.from("bin"), new Complex(1, 2), new Date(0), 1.5], b: { c: null } });
  for (let n = 0; n < valid.length; n++) {
    assert.throws(() => msgpack.deserializeData(valid.subarray(0, n)), SerializeError, `truncated at ${n}`);
  }
  const bad = [
    "c1", // never used
    "0102", // extra data
    "dbffffffff61", // huge string length
    "ddffffffff", // huge array
    "dfffffffff", // huge map
    "c6ffffffff00", // huge bin
    "d520" + "0000", // unknown ext code
    "d4ff00", // msgpack timestamp ext (-1): not a Pyro4 type
    "d530" + "0000", // complex with the wrong size
    "c703" + "31" + str("1x2"), // bigint ext that is not a number
    "c702" + "31" + str("0x"),
    "c700" + "31",
    "d632" + "00000000", // datetime with the wrong size
    "d733" + "0000000000000000", // date ordinal 0
    "d733" + "ffffffffffffff7f", // date ordinal beyond 9999-12-31
  ];
  for (const h of bad) assert.throws(() => dec(h), SerializeError, h);
  // random garbage never leaks another error type
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed & 0xff);
  for (let i = 0; i < 2000; i++) {
    const buf = Buffer.alloc(1 + (i % 40));
    for (let j = 0; j < buf.length; j++) buf[j] = rnd();
    try {
      msgpack.deserializeData(buf);
    } catch (e) {
      assert.ok(e instanceof SerializeError, `${buf.toString("hex")}: ${String(e)}`);
    }
  }
});

test("nesting beyond limits.maxDepth is refused, never a stack overflow", () => {
  const n = limits.maxDepth;
  assert.ok(Array.isArray(msgpack.deserializeData(Buffer.concat([Buffer.alloc(n - 1, 0x91), Buffer.from([0x90])]))));
  for (const depth of [n + 1, 200_000]) {
    assert.throws(() => msgpack.deserializeData(Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0x90])])), SerializeError);
    const maps = Buffer.concat([Buffer.from("81a161".repeat(depth), "hex"), Buffer.from([0x01])]);
    assert.throws(() => msgpack.deserializeData(maps), SerializeError);
    const keys = Buffer.concat([Buffer.alloc(depth, 0x81), Buffer.from([0x01])]); // maps as keys of maps
    assert.throws(() => msgpack.deserializeData(keys), SerializeError);
  }
  let deep: unknown[] = [];
  for (let i = 0; i < n + 5; i++) deep = [deep];
  assert.throws(() => msgpack.serializeData(deep), SerializeError);
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  assert.throws(() => msgpack.serializeData(circular), SerializeError);
});

test("__proto__ keys never touch prototypes", () => {
  const v = dec("82" + "a9" + str("__proto__") + "81a8" + str("polluted") + "01" + "a178c3") as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(v, "__proto__")?.value, { polluted: 1 });
  assert.equal(v.polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(v.x, true);
  // a later non-string key turns it into a Map without losing the entry
  const m = dec("82" + "a9" + str("__proto__") + "01" + "0102") as Map<unknown, unknown>;
  assert.ok(m instanceof Map);
  assert.equal(m.get("__proto__"), 1);
  assert.equal(m.get(1), 2);
  // and it goes back out as a key
  assert.equal(hex(v).slice(0, 22), "82a95f5f70726f746f5f5f");
});
