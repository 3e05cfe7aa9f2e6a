// The msgpack corpus cases (moved out of test/interop/msgpack.test.ts so the Pyro4 and the Pyro5 interop tests share
// them). The msgpack serializer against real Python Pyro4 (MsgpackSerializer, msgpack 1.0) in both directions: Python-written
// bytes must decode to the expected TS values, and our bytes must decode in Python to the expected Python values,
// byte-identical to what Pyro4 itself writes for them (int widths, str8, ext types) unless a case says otherwise.
import { strict as assert } from "node:assert";
import { edgeValueCases, type CorpusCase } from "./serializer-corpus.js";
import {
  callCases, containerCases, exceptionCases, floatAdder, objectCases, powerOfTwoIntCases, protoKeyCase, scalarCases, uriCases,
} from "./corpus-shared.js";
import { Complex, float, tuple, PyDateTime, PyDate, UUID, ByteArray, OrderedDict } from "../../src/serializers/values.js";
import { URI } from "../../src/uri.js";

export function msgpackCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const add = (c: CorpusCase) => cases.push(c);

  // --- integers: every msgpack width boundary, 2^53, int64/uint64 limits and ext 0x31 beyond
  {
    powerOfTwoIntCases(add, [0, 1, 5, 6, 7, 8, 15, 16, 17, 31, 32, 33, 40, 52, 53, 54, 62, 63, 64, 65, 100, 1000]);
    for (const n of [-32, -33, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536]) add({ name: `int ${n}`, py: String(n), ts: n });
    // a JS number beyond 2^53 was a float: it goes out as one (bigint is the way to send a big int)
    add({ name: "2**60 from a JS number is a float", py: "2.0**60", enc: 2 ** 60, dir: "ts2py" });
    add({ name: "1e20 from a JS number is a float", py: "1e20", enc: 1e20, dir: "ts2py" });
    add({ name: "-2**63 from a JS number is a float", py: "-2.0**63", enc: -(2 ** 63), dir: "ts2py" });
  }

  // --- floats (always float64 from Python), given by their bits
  const bitsOf = (x: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(x);
    return b.toString("hex");
  };
  const addFloat = floatAdder(add);
  for (const x of [0.1, -1.5, 1 / 3, 1e-300, 5e-324, 1.7976931348623157e308, 1e16, 1e100, 0, -0, 2, -7, NaN, Infinity, -Infinity, 2 ** 64])
    addFloat(x);
  add({ name: "float NaN with payload bits stays NaN", py: "F('7ff8000000000001')", ts: NaN, dir: "py2ts" });

  // --- strings at every header width
  for (const s of ["", "a", "é", "中文字符", "😀𝄞", "\x00\x7f", "x".repeat(31), "x".repeat(32), "é".repeat(16), "y".repeat(255), "y".repeat(256), "z".repeat(65535), "z".repeat(65536), "mixé😀".repeat(100)])
    add({ name: `str ${s.length} ${JSON.stringify(s.slice(0, 8))}`, py: JSON.stringify(s), ts: s });

  // --- None, bool
  scalarCases(add);

  // --- bytes are bin
  for (const [label, b] of [
    ["empty", Buffer.alloc(0)],
    ["00 ff", Buffer.from([0, 0xff])],
    ["0..255", Buffer.from([...Array(256).keys()])],
    ["70000", Buffer.alloc(70_000, 0x5a)],
  ] as const)
    add({ name: `bytes ${label}`, py: `bytes.fromhex(${JSON.stringify(b.toString("hex"))})`, ts: b });
  add({ name: "bytearray -> Buffer", py: 'bytearray(b"ab")', ts: Buffer.from("ab"), dir: "py2ts" });
  add({ name: "Uint8Array -> bytes", py: 'b"\\x01\\x02"', enc: new Uint8Array([1, 2]), dir: "ts2py" });

  // --- containers
  const deep = (n: number): unknown[] => (n === 0 ? [] : [deep(n - 1)]);
  const dictN = (n: number) => {
    const d: Record<string, number> = {};
    for (let i = 0; i < n; i++) d[`k${i}`] = i;
    return d;
  };
  containerCases(add, "array");
  for (const n of [15, 16, 65535, 65536]) add({ name: `list of ${n}`, py: `list(range(${n}))`, ts: [...Array(n).keys()] });
  for (const n of [15, 16, 70000]) add({ name: `dict of ${n}`, py: `{("k%d" % i): i for i in range(${n})}`, ts: dictN(n) });
  add({ name: "mixed list", py: '[1, "a", None, True, False, 2.5, b"x"]', ts: [1, "a", null, true, false, 2.5, Buffer.from("x")] });
  add({ name: "int keys -> Map", py: '{1: "a", 2: "b"}', ts: new Map([[1, "a"], [2, "b"]]), dir: "py2ts" });
  add({ name: "mixed keys -> Map in order", py: '{"s": 0, 1: "a", 2**70: "big"}', ts: new Map<unknown, unknown>([["s", 0], [1, "a"], [2n ** 70n, "big"]]), dir: "py2ts" });
  add({ name: "tuple keys -> Map with Tuple keys", py: '{(1, 2): "x", (3, (4, 5)): "y"}', ts: new Map<unknown, string>([[tuple(1, 2), "x"], [tuple<unknown>(3, tuple(4, 5)), "y"]]), dir: "py2ts" });
  add({ name: "bytes keys -> Map", py: '{b"k": 1}', ts: new Map([[Buffer.from("k"), 1]]), dir: "py2ts" });
  // Pyro4's msgpack decoder (msgpack >= 1.0 strict_map_key) refuses what Python itself sends: documented both ways.
  add({ name: "Map int keys: Python refuses", py: "None", enc: new Map([[1, "a"]]), dir: "ts2py", error: "ValueError" });
  add({ name: "Map str keys -> dict", py: '{"a": 1, "b": 2}', enc: new Map([["a", 1], ["b", 2]]), dir: "ts2py" });
  add({ name: "100-deep list", py: "[".repeat(100) + "]".repeat(100), ts: deep(99) });
  add({
    name: "big ints and floats in a dict",
    py: '{"i": 2**70, "f": 2.0, "n": -2**63, "u": 2**64-1, "x": [10**30, 0.1]}',
    ts: { i: 2n ** 70n, f: 2, n: -(2n ** 63n), u: 2n ** 64n - 1n, x: [10n ** 30n, 0.1] },
    enc: { i: 2n ** 70n, f: float(2), n: -(2n ** 63n), u: 2n ** 64n - 1n, x: [10n ** 30n, 0.1] },
  });
  protoKeyCase(add);

  // --- ext types: complex 0x30, datetime 0x32, date 0x33; Decimal/UUID are strings
  for (const [re, im] of [[1, 2], [1.5, -0.25], [0, -0], [NaN, Infinity], [-1e300, 5e-324]] as const)
    add({ name: `complex ${re} ${im}`, py: `complex(F('${bitsOf(re)}'), F('${bitsOf(im)}'))`, ts: new Complex(re, im) });
  // datetime 0x32 <-> naive PyDateTime (fromtimestamp / timestamp() as CPython computes them, in UTC: the test
  // runs Python with TZ=UTC), date 0x33 <-> PyDate; byte-identical both ways
  const dt = (py: string, ...f: number[]) => add({ name: `datetime ${py}`, py: `datetime.datetime(${py})`, ts: new PyDateTime(f[0]!, f[1]!, f[2]!, f[3], f[4], f[5], f[6]) });
  dt("2020, 1, 2, 3, 4, 5, 678000", 2020, 1, 2, 3, 4, 5, 678000);
  dt("1999, 12, 31, 23, 59, 59", 1999, 12, 31, 23, 59, 59);
  dt("1900, 6, 1, 0, 0, 0, 1000", 1900, 6, 1, 0, 0, 0, 1000);
  dt("1970, 1, 1", 1970, 1, 1);
  dt("2020, 2, 29, 23, 59, 59, 999999", 2020, 2, 29, 23, 59, 59, 999999);
  dt("2020, 2, 29, 0, 0, 0, 1", 2020, 2, 29, 0, 0, 0, 1);
  dt("1969, 12, 31, 23, 59, 59, 999999", 1969, 12, 31, 23, 59, 59, 999999);
  dt("1, 1, 2", 1, 1, 2);
  dt("9999, 12, 31", 9999, 12, 31);
  // the double cannot hold the microsecond there: Python's own bytes read back as the next day, and so do ours
  add({ name: "datetime 9999-12-30 last microsecond", py: "datetime.datetime(9999, 12, 30, 23, 59, 59, 999999)", ts: new PyDateTime(9999, 12, 31), dir: "py2ts" });
  add({ name: "datetime 9999-12-30 last microsecond (ts -> py)", py: "datetime.datetime(9999, 12, 31)", enc: new PyDateTime(9999, 12, 30, 23, 59, 59, 999999), dir: "ts2py", exact: false });
  add({ name: "datetime fold=1", py: "datetime.datetime(2020, 10, 25, 2, 30, fold=1)", enc: new PyDateTime(2020, 10, 25, 2, 30, 0, 0, { fold: 1 }), dir: "ts2py" });
  // precision Python's double timestamp cannot keep: our bytes are Python's, and so is what Python reads back
  add({ name: "datetime 3000 microseconds", py: "datetime.datetime(3000, 1, 1, 0, 0, 0, 123459)", enc: new PyDateTime(3000, 1, 1, 0, 0, 0, 123457), dir: "ts2py", exact: false });
  add({ name: "datetime 3000 microseconds (py -> ts)", py: "datetime.datetime(3000, 1, 1, 0, 0, 0, 123457)", ts: new PyDateTime(3000, 1, 1, 0, 0, 0, 123459), dir: "py2ts" });
  // a plain Date still goes as its instant
  add({ name: "Date", py: "datetime.datetime(2020, 1, 2, 3, 4, 5, 678000)", enc: new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), dir: "ts2py" });
  for (const [py, y, m, d] of [["2020, 2, 29", 2020, 2, 29], ["1, 1, 1", 1, 1, 1], ["9999, 12, 31", 9999, 12, 31], ["1970, 1, 1", 1970, 1, 1]] as const)
    add({ name: `date ${py}`, py: `datetime.date(${py})`, ts: new PyDate(y, m, d) });
  // what MsgpackSerializer.default() makes of the other marker types
  add({ name: "UUID goes as str", py: 'str(uuid.UUID(int=1))', enc: UUID.fromInt(1), dir: "ts2py" });
  add({ name: "bytearray goes as bytes", py: 'b"ab"', enc: ByteArray.from([97, 98]), dir: "ts2py" });
  add({ name: "OrderedDict goes as a map", py: '{"b": 1, "a": 2}', enc: new OrderedDict([["b", 1], ["a", 2]]), dir: "ts2py" });
  add({ name: "Decimal", py: 'decimal.Decimal("1.10")', ts: "1.10", dir: "py2ts" });
  add({ name: "UUID", py: 'uuid.UUID("12345678-1234-5678-1234-567812345678")', ts: "12345678-1234-5678-1234-567812345678", dir: "py2ts" });
  add({ name: "ext types nested", py: '{"when": [datetime.date(2000, 2, 29), complex(0, 1)], "n": 2**100}', ts: { when: [new PyDate(2000, 2, 29), new Complex(0, 1)], n: 2n ** 100n }, dir: "py2ts" });

  // --- exceptions
  exceptionCases(add);

  // --- URIs
  uriCases(add, ["PYRO:obj@localhost:9090", "PYRONAME:my.name@ns.host:9091", "PYRO:obj@./u:/tmp/sock", "PYRO:obj@[::1]:4000"]);

  // --- other objects
  objectCases(add);

  // --- calls: [object, method, vargs, kwargs]
  callCases(add, [
    ["obj", "méthode", ["ü", Buffer.from("b")], { ключ: "😀" }, '("obj", "méthode", ("ü", b"b"), {"ключ": "😀"})'],
    ["obj", "m", [[1, [2, [3]]], { a: { b: null } }], { x: 1.5, big: 2n ** 62n }, '("obj", "m", ([1, [2, [3]]], {"a": {"b": None}}), {"x": 1.5, "big": 2**62})'],
  ]);
  add({
    name: "call with URI arg",
    py: '("obj", "m", (URI("PYRO:x@h:1"),), {})',
    enc: { object: "obj", method: "m", vargs: [new URI("PYRO:x@h:1")], kwargs: {} },
    call: true,
    check: (v) => assert.ok((v as { vargs: unknown[] }).vargs[0] instanceof URI),
  });
  add({ name: "call with complex/datetime args (py -> ts)", py: '("o", "m", (complex(1, 2), datetime.datetime(2020, 1, 2)), {})', ts: { object: "o", method: "m", vargs: [new Complex(1, 2), new PyDateTime(2020, 1, 2)], kwargs: {} }, call: true, dir: "py2ts" });
  add({ name: "call with 2**80 kwarg (py -> ts)", py: '("o", "m", (), {"big": 2**80})', ts: { object: "o", method: "m", vargs: [], kwargs: { big: 2n ** 80n } }, call: true, dir: "py2ts" });
  // Pyro4 4.82 bug: loadsCall has no ext hook, so a Python daemon gets ExtType objects for ext-typed arguments.
  add({
    name: "call with 2**80 arg reaches Python as ExtType",
    py: '("o", "m", (msgpack.ExtType(0x31, b"1208925819614629174706176"),), {})',
    enc: { object: "o", method: "m", vargs: [2n ** 80n], kwargs: {} },
    call: true,
    dir: "ts2py",
    exact: false,
  });
  add({
    name: "call with complex arg reaches Python as ExtType",
    py: '("o", "m", (msgpack.ExtType(0x30, struct.pack("<dd", 1.0, 2.0)),), {})',
    enc: { object: "o", method: "m", vargs: [new Complex(1, 2)], kwargs: {} },
    call: true,
    dir: "ts2py",
    exact: false,
  });

  // ---------------------------------------------------------------------------------------------------

  for (const c of edgeValueCases()) add(c);
  return cases;
}
