// The pickle serializer against real Python pickle (Pyro4's PickleSerializer) both ways: pickles Python writes at
// every protocol 0-5 decode to the expected TS values, and our pickles load in Python's plain unpickler as the expected
// Python values, type-strictly (tuple vs list, set vs frozenset, int vs float, exception classes, URI, Proxy).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { pickle, Decimal } from "../../src/serializers/pickle.js";
import { ByteArray, Complex, ExceptionWrapper, float, tuple, Tuple, FrozenSet, isFrozenSet, OrderedDict, PyDate, PyDateTime, PyTime, Range, TimeDelta, UUID } from "../../src/serializers/values.js";
import { CommunicationError, NamingError, RemoteError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";
import { Proxy } from "../../src/client/proxy.js";
import { runPython } from "../helpers/python.js";
import { existsSync } from "node:fs";

interface Case {
  name: string;
  py: string;
  ts?: unknown;
  enc?: unknown;
  dir?: "both" | "py2ts" | "ts2py";
  call?: boolean;
  /** ts2py: encode with serializeDataParts / serializeCallParts (big bytes by reference) and join the parts. */
  parts?: boolean;
  /** Python cannot pickle it below this protocol. */
  minProto?: number;
  check?: (v: unknown) => void;
}
const cases: Case[] = [];
const add = (c: Case) => cases.push(c);
const norm = (b: bigint): number | bigint => (b >= -(2n ** 53n) + 1n && b <= 2n ** 53n - 1n ? Number(b) : b);
const bitsOf = (x: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString("hex");
};

// --- ints: every pickle opcode width (BININT1/2/BININT/LONG1/LONG4) and the 2^53 boundary
{
  const seen = new Set<bigint>();
  for (const k of [0, 1, 7, 8, 15, 16, 31, 32, 53, 63, 64, 100, 2100]) {
    for (const d of [-1n, 0n, 1n]) {
      for (const sign of [1n, -1n]) {
        const b = sign * (2n ** BigInt(k) + d);
        if (seen.has(b)) continue;
        seen.add(b);
        add({ name: `int ${k} ${d} ${sign}`, py: b.toString(), ts: norm(b) });
      }
    }
  }
  // a JS number that is not a safe integer is a float, never an int (issue 15); only bigints beyond 2^53 are ints
  add({ name: "float 1e20 from a JS number", py: "1e20", enc: 1e20, dir: "ts2py" });
  add({ name: "float 2.0**60 from a JS number", py: "2.0**60", enc: 2 ** 60, dir: "ts2py" });
  add({ name: "float 2.0**53 from a JS number", py: "2.0**53", enc: 2 ** 53, dir: "ts2py" });
  add({ name: "int 2**53-1 from a JS number", py: "2**53-1", enc: 2 ** 53 - 1, dir: "ts2py" });
}

// --- floats by their bits
for (const x of [0.5, -0.0, 1.5, -2.25, 1e300, -1e300, -1e-300, 5e-324, Number.MAX_VALUE, 2.2250738585072014e-308, Math.PI, 1 / 3,
  Infinity, -Infinity, 2 ** 60 + 0.5, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e16, 1e21, 123456.789, 2, 2 ** 53 - 1]) {
  // a safe-integer JS number travels as a Python int (as with every serializer); float() keeps it a float
  const integral = Number.isSafeInteger(x) && !Object.is(x, -0);
  add({ name: `float ${Object.is(x, -0) ? "-0" : x}`, py: `F('${bitsOf(x)}')`, ts: x, dir: integral ? "py2ts" : "both" });
  if (integral) add({ name: `float(${x}) out`, py: `F('${bitsOf(x)}')`, enc: float(x), dir: "ts2py" });
}
add({ name: "float nan", py: "float('nan')", ts: NaN, check: (v) => assert.ok(Number.isNaN(v)) });
add({ name: "float 1.0 decodes as 1", py: "1.0", ts: 1, dir: "py2ts" });
add({ name: "float(2) marker", py: "2.0", enc: float(2), dir: "ts2py" });
add({ name: "float(-3) marker", py: "-3.0", enc: float(-3), dir: "ts2py" });

// --- strings
const strs = ["", "a", "hello world", "héllo", "日本語", "😀 emoji", "\n\t\r", "\u0000nul", "x".repeat(300), "é".repeat(200), "quote ' \" \\"];
strs.forEach((s, i) => add({ name: `str ${i}`, py: JSON.stringify(s), ts: s }));
add({ name: "str lone surrogate", py: "'a\\ud800b'", ts: "a\ud800b" });
add({ name: "str 70000 chars", py: "'z' * 70000", ts: "z".repeat(70000) });

// --- bytes and bytearray
add({ name: "bytes empty", py: "b''", ts: Buffer.alloc(0) });
add({ name: "bytes 00 ff", py: "b'\\x00\\xff'", ts: Buffer.from([0, 255]) });
add({ name: "bytes 300", py: "bytes(range(256)) + b'x' * 44", ts: Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.alloc(44, "x")]) });
add({ name: "bytes 70000", py: "b'\\x01' * 70000", ts: Buffer.alloc(70000, 1) });
add({ name: "bytearray", py: "bytearray(b'abc')", ts: new ByteArray([97, 98, 99]) });
add({ name: "bytearray empty", py: "bytearray()", ts: new ByteArray(0) });
add({ name: "bytearray 70000", py: "bytearray(b'\\x05' * 70000)", ts: new ByteArray(70000).fill(5) });
add({ name: "Uint8Array out", py: "b'\\x01\\x02'", enc: new Uint8Array([1, 2]), dir: "ts2py" });

// --- None, bools
add({ name: "None", py: "None", ts: null });
add({ name: "True", py: "True", ts: true });
add({ name: "False", py: "False", ts: false });
add({ name: "undefined out", py: "None", enc: undefined, dir: "ts2py" });

// --- tuples and lists
add({ name: "tuple ()", py: "()", ts: tuple() });
add({ name: "tuple 1", py: "(1,)", ts: tuple(1) });
add({ name: "tuple 2", py: "(1, 'a')", ts: tuple(1, "a") });
add({ name: "tuple 3", py: "(1, 2, 3)", ts: tuple(1, 2, 3) });
add({ name: "tuple 5", py: "(1, 2, 3, 4, 5)", ts: tuple(1, 2, 3, 4, 5) });
add({ name: "tuple nested", py: "((1, (2,)), [3])", ts: tuple(tuple(1, tuple(2)), [3]) });
add({ name: "list empty", py: "[]", ts: [] });
add({ name: "list mixed", py: "[1, 'a', None, True, 2.5]", ts: [1, "a", null, true, 2.5] });
add({ name: "list of tuples", py: "[(1, 2), (3,)]", ts: [tuple(1, 2), tuple(3)] });
add({ name: "list 2500", py: "list(range(2500))", ts: [...Array(2500).keys()] });
add({ name: "list nested deep", py: "[[[[[[1]]]]]]", ts: [[[[[[1]]]]]] });
add({ name: "list shared refs", py: "shared()", ts: [[1, 2], [1, 2], { k: [1, 2] }], dir: "py2ts", check: (v) => {
  const a = v as unknown[];
  assert.deepStrictEqual(a, [[1, 2], [1, 2], { k: [1, 2] }]);
  assert.equal(a[0], a[1], "memo keeps identity");
} });
add({ name: "list cyclic", py: "cyclic()", dir: "py2ts", check: (v) => {
  assert.ok(Array.isArray(v));
  assert.equal((v as unknown[])[0], v);
} });

// --- dicts
add({ name: "dict empty", py: "{}", ts: {} });
add({ name: "dict str keys", py: "{'a': 1, 'b': [2]}", ts: { a: 1, b: [2] } });
add({ name: "dict 2500", py: "{('k%d' % i): i for i in range(2500)}", ts: Object.fromEntries([...Array(2500).keys()].map((i) => [`k${i}`, i])) });
add({ name: "dict int keys", py: "{1: 'a', 2: 'b'}", ts: new Map<unknown, unknown>([[1, "a"], [2, "b"]]) });
add({ name: "dict mixed keys", py: "{'x': 1, 2: 'y'}", ts: new Map<unknown, unknown>([["x", 1], [2, "y"]]) });
add({ name: "dict tuple key", py: "{(1, 2): 'b'}", dir: "py2ts", check: (v) => {
  assert.ok(v instanceof Map);
  const [k, x] = [...v][0]!;
  assert.deepStrictEqual(k, tuple(1, 2));
  assert.equal(x, "b");
} });
add({ name: "dict nested", py: "{'a': {'b': {'c': (1,)}}}", ts: { a: { b: { c: tuple(1) } } } });
add({ name: "dict __proto__ key", py: "{'__proto__': 1}", dir: "py2ts", check: (v) => {
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepStrictEqual(Object.keys(v as object), ["__proto__"]);
} });
add({ name: "dict __class__ key stays a dict", py: "{'__class__': 'x.Y', 'a': 1}", ts: { __class__: "x.Y", a: 1 } });
add({ name: "OrderedDict", py: "collections.OrderedDict([('a', 1), ('b', 2)])", ts: new OrderedDict([["a", 1], ["b", 2]]) });
add({ name: "OrderedDict non-str keys", py: "collections.OrderedDict([(2, 'b'), ('1', 1), ((1,), None)])", ts: new OrderedDict<unknown, unknown>([[2, "b"], ["1", 1], [tuple(1), null]]) });
add({ name: "defaultdict", py: "collections.defaultdict(list, {'a': [1]})", ts: { a: [1] }, dir: "py2ts" });
add({ name: "deque", py: "collections.deque([1, 2, 3])", ts: [1, 2, 3], dir: "py2ts" });

// --- sets
add({ name: "set empty", py: "set()", ts: new Set() });
add({ name: "set ints", py: "{1, 2, 3}", ts: new Set([1, 2, 3]) });
add({ name: "set strs", py: "{'a'}", ts: new Set(["a"]) });
add({ name: "set 2500", py: "set(range(2500))", ts: new Set([...Array(2500).keys()]) });
add({ name: "frozenset in", py: "frozenset({1, 2})", dir: "py2ts", check: (v) => { assert.ok(isFrozenSet(v)); assert.deepStrictEqual([...v], [1, 2]); } });
add({ name: "frozenset empty in", py: "frozenset()", dir: "py2ts", check: (v) => { assert.ok(isFrozenSet(v)); assert.equal(v.size, 0); } });
add({ name: "frozenset out (FrozenSet subclass)", py: "frozenset({1, 2})", enc: new FrozenSet([1, 2]), dir: "ts2py" });
add({ name: "frozenset in a frozenset", py: "frozenset([frozenset([1]), frozenset()])", dir: "py2ts", check: (v) => {
  assert.ok(isFrozenSet(v));
  assert.ok([...v].every(isFrozenSet));
  assert.deepStrictEqual([...v].map((x) => [...(x as Set<unknown>)]).sort(), [[], [1]]);
} });
add({ name: "frozenset of frozensets out", py: "frozenset([frozenset([1]), frozenset()])", enc: new FrozenSet([new FrozenSet([1]), new FrozenSet()]), dir: "ts2py" });
add({ name: "set with -0.0", py: "{-0.0, 1}", ts: new Set([float(-0), 1]) });
add({ name: "set of tuples", py: "{(1, 2)}", dir: "py2ts", check: (v) => assert.deepStrictEqual([...(v as Set<unknown>)], [tuple(1, 2)]) });

// --- complex, Decimal, datetime family, uuid
add({ name: "complex", py: "complex(1, 2)", ts: new Complex(1, 2) });
add({ name: "complex neg", py: "complex(0, -1.5)", ts: new Complex(0, -1.5) });
for (const d of ["1.5", "-0", "1E+10", "3.14159265358979323846264338327950288", "0.000001"]) add({ name: `Decimal ${d}`, py: `decimal.Decimal('${d}')`, ts: new Decimal(d) });
add({ name: "datetime", py: "datetime.datetime(2020, 1, 2, 3, 4, 5, 6000)", ts: new PyDateTime(2020, 1, 2, 3, 4, 5, 6000) });
add({ name: "Date out is a naive UTC datetime", py: "datetime.datetime(2020, 1, 2, 3, 4, 5, 6000)", enc: new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6)), dir: "ts2py" });
add({ name: "datetime epoch", py: "datetime.datetime(1970, 1, 1)", ts: new PyDateTime(1970, 1, 1) });
add({ name: "datetime year 1", py: "datetime.datetime(1, 1, 1)", ts: new Date(Date.UTC(1, 0, 1) - 1900 * 0 + (Date.UTC(2001, 0, 1) - Date.UTC(2001, 0, 1))), dir: "py2ts", check: (v) => assert.equal((v as Date).toISOString(), "0001-01-01T00:00:00.000Z") });
add({ name: "datetime 9999", py: "datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)", ts: new PyDateTime(9999, 12, 31, 23, 59, 59, 999999),
  check: (v) => assert.equal((v as PyDateTime).isoformat(), "9999-12-31T23:59:59.999999") });
add({ name: "datetime leap day", py: "datetime.datetime(2020, 2, 29, 13, 14, 15, 123456)", ts: new PyDateTime(2020, 2, 29, 13, 14, 15, 123456),
  check: (v) => assert.equal((v as PyDateTime).isoformat(), "2020-02-29T13:14:15.123456") });
add({ name: "datetime utc aware", py: "datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone.utc)", ts: new PyDateTime(2020, 1, 2, 0, 0, 0, 0, { utcoffset: 0 }) });
add({ name: "datetime +01:00", py: "datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))", ts: new PyDateTime(2020, 1, 2, 0, 0, 0, 0, { utcoffset: 3600 }),
  check: (v) => assert.equal((v as Date).getTime(), Date.UTC(2020, 0, 1, 23)) });
add({ name: "datetime named offset, fold", py: "datetime.datetime(2020, 1, 2, 3, fold=1, tzinfo=datetime.timezone(-datetime.timedelta(hours=23, minutes=59, seconds=59, microseconds=999999), 'W'))",
  ts: new PyDateTime(2020, 1, 2, 3, 0, 0, 0, { utcoffset: -86399.999999, tzname: "W", fold: 1 }), minProto: 4 });
add({ name: "date", py: "datetime.date(2021, 6, 7)", ts: new PyDate(2021, 6, 7) });
add({ name: "date leap", py: "datetime.date(2000, 2, 29)", ts: new PyDate(2000, 2, 29) });
add({ name: "time", py: "datetime.time(1, 2, 3)", ts: new PyTime(1, 2, 3) });
add({ name: "time us", py: "datetime.time(1, 2, 3, 45)", ts: new PyTime(1, 2, 3, 45) });
add({ name: "time tz fold", py: "datetime.time(1, 2, 3, 45, tzinfo=datetime.timezone(datetime.timedelta(hours=-2), 'Z2'), fold=1)",
  ts: new PyTime(1, 2, 3, 45, { utcoffset: -7200, tzname: "Z2", fold: 1 }), minProto: 4 });
add({ name: "timedelta", py: "datetime.timedelta(days=1, seconds=2, microseconds=500000)", ts: new TimeDelta(1, 2, 500000) });
add({ name: "timedelta min", py: "datetime.timedelta.min", ts: new TimeDelta(-999999999) });
add({ name: "timedelta max", py: "datetime.timedelta.max", ts: new TimeDelta(999999999, 86399, 999999) });
add({ name: "uuid", py: "uuid.UUID('12345678-1234-5678-1234-567812345678')", ts: new UUID("12345678-1234-5678-1234-567812345678") });
add({ name: "range", py: "range(10, -10, -3)", ts: new Range(10, -10, -3) });
add({ name: "range big", py: "range(2**70, -2**70, -2**65)", ts: new Range(2n ** 70n, -(2n ** 70n), -(2n ** 65n)) });

// --- Pyro4 objects
add({ name: "URI tcp", py: "URI('PYRO:obj@localhost:9999')", ts: new URI("PYRO:obj@localhost:9999") });
add({ name: "URI ipv6", py: "URI('PYRO:obj@[::1]:9999')", ts: new URI("PYRO:obj@[::1]:9999") });
add({ name: "URI unix", py: "URI('PYRO:obj@./u:/tmp/sock')", ts: new URI("PYRO:obj@./u:/tmp/sock") });
add({ name: "URI PYRONAME", py: "URI('PYRONAME:some.name@host:9090')", ts: new URI("PYRONAME:some.name@host:9090") });
add({ name: "URIs in a list", py: "[URI('PYRO:a@h:1'), URI('PYRO:b@h:2')]", ts: [new URI("PYRO:a@h:1"), new URI("PYRO:b@h:2")] });
add({ name: "Proxy in", py: "Proxy('PYRO:obj@localhost:9999')", dir: "py2ts", check: (v) => {
  assert.equal((v as { $uri: URI }).$uri.asString(), "PYRO:obj@localhost:9999");
} });
add({ name: "Proxy out", py: "Proxy('PYRO:obj@localhost:9999')", enc: new Proxy("PYRO:obj@localhost:9999"), dir: "ts2py" });
add({ name: "Proxy out in a dict", py: "{'p': Proxy('PYRO:x@h:5')}", enc: { p: new Proxy("PYRO:x@h:5") }, dir: "ts2py" });

// --- exceptions
add({ name: "ValueError in", py: "exc(ValueError, 'bad', _pyroTraceback=['tb\\n'])", dir: "py2ts", check: (v) => {
  assert.ok(v instanceof RemoteError);
  assert.equal(v.pythonType, "builtins.ValueError");
  assert.deepStrictEqual(v.args, ["bad"]);
  assert.deepStrictEqual(v.remoteTraceback, ["tb\n"]); // kept out of attributes since the errors module owns it
} });
add({ name: "KeyError in", py: "KeyError('k')", dir: "py2ts", check: (v) => assert.equal((v as RemoteError).pythonType, "builtins.KeyError") });
add({ name: "CommunicationError in", py: "errors.CommunicationError('down')", dir: "py2ts", check: (v) => {
  assert.ok(v instanceof CommunicationError);
  assert.equal(v.message, "down");
} });
add({ name: "NamingError in", py: "errors.NamingError('unknown name')", dir: "py2ts", check: (v) => assert.ok(v instanceof NamingError) });
add({ name: "user exception in", py: "MyError('mine', 2)", dir: "py2ts", check: (v) => {
  assert.ok(v instanceof RemoteError);
  assert.equal(v.pythonType, "__main__.MyError");
  assert.deepStrictEqual(v.args, ["mine", 2]);
} });
add({ name: "exception of a module whose other names are refused", py: "[pickle.UnpicklingError('bad'), subprocess.CalledProcessError(1, 'x')]", dir: "py2ts", check: (v) => {
  const [a, b] = v as RemoteError[];
  assert.ok(a instanceof RemoteError && b instanceof RemoteError);
  assert.match(a.pythonType, /^_?pickle\.UnpicklingError$/); // Python writes pickle.UnpicklingError below protocol 3
  assert.deepStrictEqual(a.args, ["bad"]);
  assert.equal(b.pythonType, "subprocess.CalledProcessError");
  assert.deepStrictEqual(b.args, [1, "x"]);
} });
add({ name: "ExceptionWrapper in", py: "futures._ExceptionWrapper(ZeroDivisionError('div'))", dir: "py2ts", check: (v) => {
  assert.ok(v instanceof ExceptionWrapper);
  assert.equal((v.exception as RemoteError).pythonType, "builtins.ZeroDivisionError");
} });
add({ name: "TypeError out", py: "TypeError('wrong')", enc: new TypeError("wrong"), dir: "ts2py" });
add({ name: "RangeError out is ValueError", py: "ValueError('range')", enc: new RangeError("range"), dir: "ts2py" });
add({ name: "NamingError out", py: "errors.NamingError('nope')", enc: new NamingError("nope"), dir: "ts2py" });
add({ name: "CommunicationError out", py: "errors.CommunicationError('c')", enc: new CommunicationError("c"), dir: "ts2py" });
add({ name: "RemoteError out keeps class", py: "KeyError('k')", enc: new RemoteError("builtins.KeyError", ["k"], {}), dir: "ts2py" });
add({ name: "ExceptionWrapper out", py: "futures._ExceptionWrapper(ValueError('v'))", enc: new ExceptionWrapper(new RangeError("v")), dir: "ts2py" });

// --- class instances
add({ name: "plain class", py: "Thing(1, [2])", ts: { __class__: "__main__.Thing", a: 1, b: [2] }, dir: "py2ts" });
add({ name: "slots class", py: "Slotted(1, 'y')", ts: { __class__: "__main__.Slotted", x: 1, y: "y" }, dir: "py2ts", minProto: 2 });
add({ name: "plain classes in a list", py: "[Thing(1, 2), Thing(3, 4)]", ts: [{ __class__: "__main__.Thing", a: 1, b: 2 }, { __class__: "__main__.Thing", a: 3, b: 4 }], dir: "py2ts" });
class Point {
  constructor(readonly x: number, readonly y: number) {}
}
add({ name: "TS class out as dict", py: "{'__class__': 'Point', 'x': 1, 'y': 2}", enc: new Point(1, 2), dir: "ts2py" });

// --- Pyro4 calls: (object, method, vargs tuple, kwargs)
add({ name: "call", py: "('obj', 'meth', (1, 'a'), {'k': 2})", call: true, ts: { object: "obj", method: "meth", vargs: [1, "a"], kwargs: { k: 2 } } });
add({ name: "call no args", py: "('obj', 'ping', (), {})", call: true, ts: { object: "obj", method: "ping", vargs: [], kwargs: {} } });
add({ name: "call tuple arg", py: "('o', 'm', ((1, 2), [3]), {})", call: true, ts: { object: "o", method: "m", vargs: [tuple(1, 2), [3]], kwargs: {} } });
add({ name: "call getattr", py: "('o', '__getattr__', ('name',), None)", call: true, ts: { object: "o", method: "__getattr__", vargs: ["name"], kwargs: null } });

// --- big bytes handed over by reference (the *Parts entry points), zero-copy decoding
const big1 = Buffer.alloc(70_000, 7);
const big2 = Buffer.alloc(100_000, 9);
add({ name: "parts: one big bytes", py: "b'\\x07' * 70000", enc: big1, dir: "ts2py", parts: true });
add({ name: "parts: big bytes among values", py: "[b'\\x07' * 70000, {'k': (b'\\x09' * 100000, b'small')}, 7]", enc: [big1, { k: tuple(big2, Buffer.from("small")) }, 7], dir: "ts2py", parts: true });
add({ name: "parts: call with big bytes", py: "('o', 'm', (b'\\x09' * 100000,), {'x': b'\\x07' * 70000})", enc: { object: "o", method: "m", vargs: [big2], kwargs: { x: big1 } }, call: true, dir: "ts2py", parts: true });
add({ name: "parts: big bytes after more than 256 bytes of other values", py: "['v' * 300, b'\\x07' * 70000, bytearray(b'\\x09' * 100000)]", enc: ["v".repeat(300), big1, new ByteArray(big2)], dir: "ts2py", parts: true });
add({ name: "parts: call with big bytes after other values", py: "('o', 'm', ('v' * 300, b'\\x09' * 100000), {})", enc: { object: "o", method: "m", vargs: ["v".repeat(300), big2], kwargs: {} }, call: true, dir: "ts2py", parts: true });
add({ name: "parts: nothing big", py: "[1, b'ab']", enc: [1, Buffer.from("ab")], dir: "ts2py", parts: true });

// --- a big mixed structure
add({ name: "mixed record", py: "{'id': 7, 'tags': ('a', 'b'), 'when': datetime.datetime(2022, 2, 2), 'price': decimal.Decimal('9.99'), 'raw': b'\\x00', 'big': 2**80, 'seen': {1}}",
  ts: { id: 7, tags: tuple("a", "b"), when: new PyDateTime(2022, 2, 2), price: new Decimal("9.99"), raw: Buffer.from([0]), big: 2n ** 80n, seen: new Set([1]) } });

const py2ts = cases.filter((c) => c.dir !== "ts2py");
const ts2py = cases.filter((c) => c.dir !== "py2ts");
const python = (input: unknown) => runPython(["pickle_interop.py"], { env: { TZ: "UTC" }, input: JSON.stringify(input) });

for (const protocol of [0, 1, 2, 3, 4, 5]) {
  test(`pickle: Python's pickle protocol ${protocol}: ${py2ts.filter((c) => (c.minProto ?? 0) <= protocol).length} values decode to the expected TS values`, () => {
    const mine = py2ts.filter((c) => (c.minProto ?? 0) <= protocol);
    assert.ok(mine.length >= 150, `only ${mine.length} cases`);
    const out = JSON.parse(python({ mode: "dump", protocol, cases: mine.map(({ name, py, call }) => ({ name, py, call })) })) as Array<{ hex: string }>;
    assert.equal(out.length, mine.length);
    const failures: string[] = [];
    out.forEach((o, i) => {
      const c = mine[i]!;
      const data = Buffer.from(o.hex, "hex");
      try {
        const v = c.call ? pickle.deserializeCall(data) : pickle.deserializeData(data);
        if (c.check) c.check(v);
        else assert.deepStrictEqual(v, c.ts);
      } catch (e) {
        failures.push(`${c.name}: ${(e as Error).message.slice(0, 400)}\n  bytes: ${o.hex.slice(0, 200)}`);
      }
    });
    assert.deepEqual(failures, []);
  });
}

test(`pickle: our pickles of ${ts2py.length} values load in Python's plain pickle.loads as the expected Python values and types`, () => {
  assert.ok(ts2py.length >= 150, `only ${ts2py.length} cases`);
  const input = ts2py.map((c) => {
    const v = "enc" in c ? c.enc : c.ts;
    let data: Buffer;
    const join = (p: Buffer | readonly Buffer[]) => (Buffer.isBuffer(p) ? p : Buffer.concat(p as Buffer[]));
    if (c.call) {
      const k = v as { object: string; method: string; vargs: unknown[]; kwargs: Record<string, unknown> | null };
      data = c.parts ? join(pickle.serializeCallParts!(k.object, k.method, k.vargs, k.kwargs)) : pickle.serializeCall(k.object, k.method, k.vargs, k.kwargs);
    } else data = c.parts ? join(pickle.serializeDataParts!(v)) : pickle.serializeData(v);
    return { name: c.name, py: c.py, call: c.call, hex: data.toString("hex") };
  });
  const r = JSON.parse(python({ mode: "load", cases: input })) as { checked: number; mismatches: unknown[] };
  assert.equal(r.checked, ts2py.length);
  assert.deepEqual(r.mismatches, []);
});

test("pickle: Tuple decodes with the Tuple prototype (not a plain array)", () => {
  const v = pickle.deserializeData(Buffer.from(runPython(["-c", "import pickle; print(pickle.dumps((1, 2), 5).hex())"]).trim(), "hex"));
  assert.ok(v instanceof Tuple);
});

test("pickle: hostile pickles written by Python's own pickler (__reduce__ to os.system, eval, getattr...) are refused, nothing runs", () => {
  const marker = `/tmp/pyro4-pickle-interop-pwned-${process.pid}`;
  const code = `
import pickle, os, subprocess, builtins, sys, json
class R:
    def __init__(self, f, a): self.f, self.a = f, a
    def __reduce__(self): return (self.f, self.a)
m = ${JSON.stringify(marker)}
cases = [R(os.system, ("touch " + m,)), R(subprocess.Popen, (["touch", m],)), R(builtins.eval, ("1",)),
         R(builtins.exec, ("x=1",)), R(builtins.getattr, ("abc", "upper")), R(builtins.__import__, ("os",)),
         R(os.remove, (m,)), R(subprocess.check_output, (["id"],)), R(builtins.open, (m, "w"))]
out = []
for proto in range(6):
    for c in cases:
        out.append([c.f.__module__ + "." + c.f.__name__, pickle.dumps(c, proto).hex()])
print(json.dumps(out))`;
  const pickles = JSON.parse(runPython(["-c", code])) as [string, string][];
  assert.equal(pickles.length, 54);
  for (const [name, hex] of pickles) {
    assert.throws(() => pickle.deserializeData(Buffer.from(hex, "hex")), (e: unknown) => {
      assert.ok(e instanceof Error && (e as { code?: string }).code === "ERR_PYRO4_SERIALIZE", String(e));
      assert.match((e as Error).message, new RegExp(`refusing global '${name.replace(/\./g, "\\.")}'`));
      return true;
    });
  }
  assert.ok(!existsSync(marker));
});

test("pickle: big bytes go out as parts of their own and decode zero-copy as views", () => {
  const big = Buffer.alloc(70_000, 3);
  const parts = pickle.serializeDataParts!([big, 1]);
  assert.ok(Array.isArray(parts) && parts.includes(big), "the caller's buffer is a part, not copied");
  const data = Buffer.concat(parts as Buffer[]);
  const v = pickle.deserializeData(data, { zeroCopy: true }) as Buffer[];
  assert.equal(v[0]!.buffer, data.buffer, "a view into the message");
  assert.notEqual((pickle.deserializeData(data) as Buffer[])[0]!.buffer, data.buffer, "copied without zeroCopy");
  assert.ok(v[0]!.equals(big));
});
