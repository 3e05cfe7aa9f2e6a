// The json corpus cases (moved out of test/interop/json.test.ts so the Pyro4 and the Pyro5 interop tests share
// them). The json serializer against real Python Pyro4 (JsonSerializer) in both directions: Python-written bytes must decode
// to the expected TS values, and our bytes must decode in Python to the expected Python values, byte-identical to
// what Pyro4 itself writes for them (separators, float repr, NaN/Infinity, key order) unless a case says otherwise.
import { strict as assert } from "node:assert";
import { edgeValueCases, type CorpusCase } from "./serializer-corpus.js";
import {
  Point, callCases, containerCases, exceptionCases, floatAdder, isRemote, objectCases, powerOfTwoIntCases, protoKeyCase, scalarCases, uriCases,
} from "./corpus-shared.js";
import { float } from "../../src/serializers/values.js";
import { CommunicationError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

export function jsonCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const add = (c: CorpusCase) => cases.push(c);

  // --- integers: every power-of-two boundary up to 2^66, plus very big ones
  {
    // keep the table moderate; all boundaries near 2^53/2^64 stay
    powerOfTwoIntCases(add, [...Array(67).keys(), 100, 200, 1000], (k, d) => !(k % 3 !== 0 && k < 50 && d !== 0n));
    add({ name: "int 10**20", py: "10**20", ts: 10n ** 20n });
    add({ name: "int safe max", py: "2**53-1", ts: Number.MAX_SAFE_INTEGER });
    // a JS number beyond 2^53 was a float: it goes out as one (bigint is the way to send a big int)
    add({ name: "2**53 from a JS number is a float", py: "2.0**53", enc: 2 ** 53, dir: "ts2py" });
    add({ name: "1e20 from a JS number is a float", py: "1e20", enc: 1e20, dir: "ts2py" });
  }

  // --- floats, given to Python by their bits so expectations never depend on repr
  const addFloat = floatAdder(add);
  for (const x of [
    0.1, 0.5, -1.5, 1 / 3, 2 / 3, 123456.789, 1e-4, 9.99e-5, 1e-5, 1.5e-7, 1e-300, 5e-324, 2.5e-310, 1.7976931348623157e308,
    1e15 + 0.5, 9999999999999998, 1e16, 1.5e16, 1e21, 1e22, 1e100, 1e300, 0, -0, 2, -7, 3.0e10, 1234567890123456.7, 0.30000000000000004,
    NaN, Infinity, -Infinity, Math.PI, -Math.E, 2 ** 53, 2 ** 63, 2 ** 64,
  ])
    addFloat(x);
  {
    // Deterministic pseudo-random doubles across the whole exponent range and around the repr thresholds.
    let seed = 0x2f6b_a1c3;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let i = 0; i < 30; i++) {
      const b = Buffer.alloc(8);
      for (let j = 0; j < 8; j++) b[j] = Math.floor(rnd() * 256);
      const x = b.readDoubleBE(0);
      if (Number.isFinite(x)) addFloat(x, `random bits ${b.toString("hex")}`);
    }
    for (let e = -8; e <= 18; e++) addFloat((rnd() - 0.5) * 10 ** e, `random scale 1e${e}`);
  }

  // --- strings (JSON.stringify output is also a valid Python literal for these)
  for (const s of [
    "", "a", "hello world", 'quote " and back\\slash', "slash / stays", "\x00\x01\x1f\x7f", "\n\r\t\b\f", "é", "中文字符", "😀𝄞",
    "\u2028\u2029", "\uffff\u0080", "mixed é 😀 \n end", "x".repeat(1000), "NaN", "Infinity", "12345678901234567890",
  ])
    add({ name: `str ${JSON.stringify(s).slice(0, 30)}`, py: JSON.stringify(s), ts: s });
  add({ name: "str lone surrogate", py: '"a\\ud800b"', ts: "a\ud800b", dir: "ts2py", exact: false });
  add({ name: "str lone low surrogate from an escape", py: '"\\udc00"', ts: "\udc00", dir: "ts2py", exact: false });

  // --- None, bool
  scalarCases(add);

  // --- bytes travel as serpent-style base64 dicts
  const b64 = (b: Buffer) => `{"data": "${b.toString("base64")}", "encoding": "base64"}`;
  for (const [label, b] of [
    ["empty", Buffer.alloc(0)],
    ["hi", Buffer.from("hi")],
    ["0..255", Buffer.from([...Array(256).keys()])],
    ["10k", Buffer.alloc(10_000, 0xab)],
  ] as const)
    add({ name: `bytes ${label}`, py: b64(b), ts: b });
  add({ name: "bytes from a Uint8Array", py: b64(Buffer.from([1, 2, 3])), enc: new Uint8Array([1, 2, 3]), dir: "ts2py" });
  add({ name: "base64 dict with extra key stays a dict", py: '{"data": "aGk=", "encoding": "base64", "x": 1}', ts: { data: "aGk=", encoding: "base64", x: 1 } });

  // --- containers
  const deep = (n: number): unknown[] => (n === 0 ? [] : [deep(n - 1)]);
  const bigDict: Record<string, number> = {};
  for (let i = 0; i < 1000; i++) bigDict[`k${i}`] = i;
  containerCases(add, "list");
  add({ name: "mixed list", py: '[1, "a", None, True, False, 2.5]', ts: [1, "a", null, true, false, 2.5] });
  add({ name: "empty tuple", py: "()", ts: [], dir: "py2ts" });
  add({ name: "int keys become strings", py: '{1: "a", 2: "b"}', ts: { "1": "a", "2": "b" }, dir: "py2ts" });
  add({ name: "Map int keys -> str keys", py: '{"1": "a", "2": "b"}', enc: new Map([[1, "a"], [2, "b"]]), dir: "ts2py" });
  add({ name: "float/bool/None keys", py: '{1.5: "x", True: "t", None: "n"}', ts: { "1.5": "x", true: "t", null: "n" }, dir: "py2ts" });
  add({
    name: "Map float/bool/None/bigint keys",
    py: '{"1.5": "x", "true": "t", "null": "n", "18446744073709551616": 0}',
    enc: new Map<unknown, unknown>([[1.5, "x"], [true, "t"], [null, "n"], [2n ** 64n, 0]]),
    dir: "ts2py",
  });
  add({ name: "100-deep list", py: "[" .repeat(100) + "]".repeat(100), ts: deep(99) });
  add({ name: "1000-key dict", py: '{("k%d" % i): i for i in range(1000)}', ts: bigDict });
  add({ name: "list of 5000 ints", py: "list(range(5000))", ts: [...Array(5000).keys()] });
  add({ name: "OrderedDict -> dict", py: 'collections.OrderedDict([("b", 1), ("a", 2)])', ts: { b: 1, a: 2 }, dir: "py2ts" });
  add({ name: "dict with big ints and floats", py: '{"i": 2**70, "f": 2.0, "n": -2**63, "x": [10**30, 0.1]}', ts: { i: 2n ** 70n, f: 2, n: -(2n ** 63n), x: [10n ** 30n, 0.1] }, enc: { i: 2n ** 70n, f: float(2), n: -(2n ** 63n), x: [10n ** 30n, 0.1] } });
  protoKeyCase(add);

  // --- datetime & co arrive as strings; Dates go out as Python's isoformat of an aware UTC datetime
  add({ name: "datetime", py: "datetime.datetime(2020, 1, 2, 3, 4, 5, 678000)", ts: "2020-01-02T03:04:05.678000", dir: "py2ts" });
  add({ name: "datetime tz", py: "datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)", ts: "2020-01-02T03:04:05+00:00", dir: "py2ts" });
  add({ name: "date", py: "datetime.date(2020, 1, 2)", ts: "2020-01-02", dir: "py2ts" });
  add({ name: "Decimal", py: 'decimal.Decimal("1.10")', ts: "1.10", dir: "py2ts" });
  add({ name: "UUID", py: 'uuid.UUID("12345678-1234-5678-1234-567812345678")', ts: "12345678-1234-5678-1234-567812345678", dir: "py2ts" });
  add({ name: "Date with ms", py: '"2020-01-02T03:04:05.678000+00:00"', enc: new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), dir: "ts2py" });
  add({ name: "Date without ms", py: '"1999-12-31T23:59:59+00:00"', enc: new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), dir: "ts2py" });
  add({ name: "Date before 1970", py: '"1900-06-01T00:00:00.001000+00:00"', enc: new Date(Date.UTC(1900, 5, 1, 0, 0, 0, 1)), dir: "ts2py" });

  // --- exceptions
  exceptionCases(add);
  add({ name: "ZeroDivisionError no args", py: "ZeroDivisionError()", check: isRemote("builtins.ZeroDivisionError", []), dir: "py2ts" });
  add({ name: "CommunicationError", py: 'errors.CommunicationError("down")', dir: "py2ts", check: (v) => assert.ok(v instanceof CommunicationError) });
  add({
    name: "exception in a list",
    py: '[1, ValueError("x")]',
    dir: "py2ts",
    check: (v) => {
      const a = v as unknown[];
      assert.equal(a[0], 1);
      isRemote("builtins.ValueError", ["x"])(a[1]);
    },
  });
  add({ name: "Error -> Exception", py: 'Exception("plain")', enc: new Error("plain"), dir: "ts2py", exact: false });

  // --- URIs
  uriCases(add, ["PYRO:obj@localhost:9090", "PYRONAME:my.name@ns.host:9091", "PYRONAME:just.a.name", "PYRO:obj@./u:/tmp/sock", "PYRO:obj@[::1]:4000"]);
  add({
    name: "URIs nested",
    py: '{"list": [URI("PYRO:a@h:1"), URI("PYRO:b@h:2")]}',
    enc: { list: [new URI("PYRO:a@h:1"), new URI("PYRO:b@h:2")] },
    check: (v) => assert.deepEqual((v as { list: URI[] }).list.map((u) => u.asString()), ["PYRO:a@h:1", "PYRO:b@h:2"]),
  });

  // --- other objects
  objectCases(add);
  add({ name: "class dict with dunder name: SecurityError", py: "None", enc: { __class__: "__main__.X", a: 1 }, dir: "ts2py", error: "SecurityError" });
  add({
    name: "replace option",
    py: '{"replaced": "PYRO:x@h:1"}',
    enc: { replaced: new Point() },
    opts: { replace: (v) => (v instanceof Point ? "PYRO:x@h:1" : undefined) },
    dir: "ts2py",
  });

  // --- calls (dumpsCall / loadsCall)
  callCases(add, [
    ["obj", "méthode", ["ü"], { ключ: "😀" }, '("obj", "méthode", ("ü",), {"ключ": "😀"})'],
    ["obj", "m", [[1, [2, [3]]], { a: { b: null } }], { x: 1.5, big: 2n ** 80n }, '("obj", "m", ([1, [2, [3]]], {"a": {"b": None}}), {"x": 1.5, "big": 2**80})'],
    ["obj", "m", [NaN, -Infinity], {}, '("obj", "m", (float("nan"), float("-inf")), {})'],
  ]);
  add({
    name: "call with URI and bytes args",
    py: '("obj", "m", (URI("PYRO:x@h:1"), {"data": "aGk=", "encoding": "base64"}), {})',
    enc: { object: "obj", method: "m", vargs: [new URI("PYRO:x@h:1"), Buffer.from("hi")], kwargs: {} },
    call: true,
    check: (v) => {
      const c = v as { vargs: unknown[] };
      assert.ok(c.vargs[0] instanceof URI);
      assert.deepEqual(c.vargs[1], Buffer.from("hi"));
    },
  });

  // ---------------------------------------------------------------------------------------------------

  for (const c of edgeValueCases()) add(c);
  return cases;
}
