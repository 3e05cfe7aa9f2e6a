// The Python-compatibility helpers in src/python/ against real Python: every expected repr, str and isoformat here
// is computed by /usr/bin/python3 (test/fixtures/python_compat.py) from the same values, none is written by hand.
// Also the one rule for Dates Python cannot hold (year 12000 and friends), the same in all four serializers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runPython } from "../helpers/python.js";
import { repr, str, exceptionMessage } from "../../src/python/repr.js";
import { floatRepr, complexRepr } from "../../src/python/float.js";
import { strRepr, compareCodePoints } from "../../src/python/str.js";
import { isoformat } from "../../src/python/datetime.js";
import { PythonError, pythonShortName } from "../../src/python/exceptions.js";
import { Tuple, tuple, frozenset, Complex, float, truthy, UUID, ByteArray, Range, OrderedDict } from "../../src/python/types.js";
import { PyDateTime, PyDate, PyTime, TimeDelta } from "../../src/python/temporal.js";
import { getSerializer } from "../../src/serializers/index.js";
import { RemoteError, SerializeError, pythonMessage } from "../../src/errors.js";

// ---------------------------------------------------------------------------------------------------------
// The tables (JavaScript value, and the same value as a Python expression)

const selfList: unknown[] = [];
selfList.push(selfList);
const selfDict: Record<string, unknown> = {};
selfDict.me = selfDict;
const selfInTuple: unknown[] = [];
const tupleHolding = tuple(selfInTuple);
selfInTuple.push(tupleHolding);
const protoKey: Record<string, unknown> = {};
Object.defineProperty(protoKey, "__proto__", { value: 1, enumerable: true });

const VALUES: [unknown, string][] = [
  [null, "None"], [undefined, "None"], [true, "True"], [false, "False"],
  [0, "0"], [-1, "-1"], [Number.MAX_SAFE_INTEGER, "2**53-1"], [2n ** 64n, "2**64"], [-(2n ** 70n), "-2**70"],
  [1.5, "1.5"], [float(2), "2.0"], [-0, "-0.0"], [1e300, "1e300"], [1e-5, "1e-05"], [1e16, "1e16"], [1e15 + 0.5, "1e15+0.5"],
  [123456789012345678, "123456789012345678.0"], [0.1 + 0.2, "0.1+0.2"], [NaN, "float('nan')"], [Infinity, "float('inf')"],
  [-Infinity, "float('-inf')"], [float(-0), "-0.0"], [float(0), "0.0"], [float(NaN), "float('nan')"], [0n, "0"],
  ["", "''"], ["it's", `"it's"`], [`both ' and "`, `'both \\' and "'`], ["only \"double\"", `'only "double"'`],
  ["tab\tnl\ncr\r\\", "'tab\\tnl\\ncr\\r\\\\'"], ["\x00\x1f\x7f\x80\x9f\xa0\xad é", "'\\x00\\x1f\\x7f\\x80\\x9f\\xa0\\xad é'"],
  ["😀\u2028\u2029\ufeff\u200b\ue000\uffff\u{e0001}\u{10ffff}", "'😀\\u2028\\u2029\\ufeff\\u200b\\ue000\\uffff\\U000e0001\\U0010ffff'"],
  ["\ud800", "'\\ud800'"], ["a\udfffb\udc00\ud83d", "'a\\udfffb\\udc00\\ud83d'"],
  [new Uint8Array([]), "b''"], [Buffer.from("it's"), `b"it's"`], [Buffer.from(`'"`), `b'\\'"'`],
  [Uint8Array.from([0, 1, 9, 10, 13, 0x1f, 0x20, 0x41, 0x5c, 0x7e, 0x7f, 0x80, 0xff]), "bytes([0, 1, 9, 10, 13, 0x1f, 0x20, 0x41, 0x5c, 0x7e, 0x7f, 0x80, 0xff])"],
  [[], "[]"], [[1, "a", [2.5, []], null], "[1, 'a', [2.5, []], None]"],
  [tuple(), "()"], [tuple(1), "(1,)"], [tuple(1, "a", tuple()), "(1, 'a', ())"], [[tuple(tuple(1))], "[((1,),)]"],
  [new Set(), "set()"], [new Set([1, 2, 3]), "{1, 2, 3}"], [new Set(["a"]), "{'a'}"], [new Set([tuple(1, 2)]), "{(1, 2)}"],
  [frozenset(), "frozenset()"], [frozenset(1, 2), "frozenset({1, 2})"],
  [{}, "{}"], [{ a: 1, "b'": [1.5], c: { d: null } }, `{'a': 1, "b'": [1.5], 'c': {'d': None}}`], [protoKey, "{'__proto__': 1}"],
  [new Map(), "{}"], [new Map<unknown, unknown>([[1, "x"], [tuple(1, 2), null], [2.5, true], ["k", new Set([0])]]), "{1: 'x', (1, 2): None, 2.5: True, 'k': {0}}"],
  [new Complex(1, 2), "complex(1, 2)"], [new Complex(0, 1), "1j"], [new Complex(-0, -1), "complex(-0.0, -1.0)"],
  [new Complex(1.5, -0), "complex(1.5, -0.0)"], [new Complex(NaN, Infinity), "complex(float('nan'), float('inf'))"],
  [new Complex(1e300, 1e-5), "complex(1e300, 1e-5)"], [new Complex(1e16, 0), "complex(1e16, 0)"], [new Complex(0, 0), "0j"], [new Complex(-0, 0), "complex(-0.0, 0)"],
  [new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), "datetime.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)"],
  [new Date(Date.UTC(2020, 0, 2)), "datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone.utc)"],
  [new Date(Date.UTC(1999, 11, 31, 23, 59, 7)), "datetime.datetime(1999, 12, 31, 23, 59, 7, tzinfo=datetime.timezone.utc)"],
  // the value types that keep what a Python peer sent (issue 24)
  [new PyDateTime(2020, 2, 29, 13, 14, 15, 123456), "datetime.datetime(2020, 2, 29, 13, 14, 15, 123456)"],
  [new PyDateTime(1, 1, 1), "datetime.datetime(1, 1, 1, 0, 0)"], [new PyDateTime(9999, 12, 31, 23, 59, 59, 999999), "datetime.datetime.max"],
  [new PyDateTime(2020, 1, 2, 3, 4, 5, 0, { utcoffset: 7200 }), "datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))"],
  [new PyDateTime(2020, 1, 2, 3, 4, 0, 1, { utcoffset: -3600.5, tzname: "X" }), "datetime.datetime(2020, 1, 2, 3, 4, 0, 1, tzinfo=datetime.timezone(-datetime.timedelta(hours=1, microseconds=500000), 'X'))"],
  [new PyDateTime(2020, 1, 2, 3, 4, 0, 0, { utcoffset: 0, fold: 1 }), "datetime.datetime(2020, 1, 2, 3, 4, fold=1, tzinfo=datetime.timezone.utc)"],
  [new PyDate(2020, 2, 29), "datetime.date(2020, 2, 29)"], [new PyDate(1, 1, 1), "datetime.date.min"], [PyDate.fromOrdinal(3652059), "datetime.date.max"],
  [new PyTime(23, 59, 1), "datetime.time(23, 59, 1)"], [new PyTime(0, 0, 0, 500, { utcoffset: -1800 }), "datetime.time(0, 0, 0, 500, tzinfo=datetime.timezone(datetime.timedelta(minutes=-30)))"],
  [new TimeDelta(2, 3), "datetime.timedelta(days=2, seconds=3)"], [new TimeDelta(0, -1), "datetime.timedelta(seconds=-1)"],
  [new TimeDelta(), "datetime.timedelta(0)"], [new TimeDelta(-999999999), "datetime.timedelta.min"], [TimeDelta.fromSeconds(1.5), "datetime.timedelta(seconds=1.5)"],
  [new UUID("12345678-1234-5678-1234-567812345678"), "uuid.UUID('12345678123456781234567812345678')"], [UUID.fromInt(1), "uuid.UUID(int=1)"],
  [ByteArray.from([0, 0x41, 0x27]), "bytearray(b\"\\x00A'\")"], [new ByteArray(0), "bytearray()"],
  [new Range(0, 3), "range(3)"], [new Range(10, -5, -2), "range(10, -5, -2)"], [new Range(0n, 2n ** 70n), "range(2**70)"],
  [new OrderedDict<unknown, unknown>([["a", 1], [2, new PyDate(2000, 2, 29)]]), "collections.OrderedDict([('a', 1), (2, datetime.date(2000, 2, 29))])"], [new OrderedDict(), "collections.OrderedDict()"],
  [new PythonError("ValueError", "bad"), "ValueError('bad')"], [new PythonError("KeyError", "k", 1), "KeyError('k', 1)"],
  [new PythonError("StopIteration"), "StopIteration()"], [new RemoteError("builtins.ValueError", ["x", tuple(1)]), "ValueError('x', (1,))"],
  [[new PythonError("TypeError", "t")], "[TypeError('t')]"],
  [selfList, "(lambda a: (a.append(a), a)[1])([])"], [selfDict, "(lambda d: (d.__setitem__('me', d), d)[1])({})"],
  [tupleHolding, "(lambda l: (lambda t: (l.append(t), t)[1])((l,)))([])"],
];

/** Exception args lists: str(Exception(*args)) is what Pyro4 shows as a remote error's message. */
const EXC_ARGS: [unknown[], string][] = [
  [[], "[]"], [["a"], "['a']"], [[1], "[1]"], [[1.0], "[1]"], [[float(1)], "[1.0]"], [["a", 1], "['a', 1]"],
  [[["x", "it's"]], "[['x', \"it's\"]]"], [["a\nb", null, true], "['a\\nb', None, True]"], [[tuple(1, "b")], "[(1, 'b')]"],
  [[new Map([[1, 2]])], "[{1: 2}]"], [["é", Buffer.from("b")], "['é', b'b']"],
];

// Floats: edges, integers around 2^53 and 1e16, k * 10^e across the whole exponent range, random bit patterns.
function floatTable(): number[] {
  const xs = [
    0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1, -1, 0.1, 0.5, 1 / 3, 2 / 3, 1e-4,
    9.999999999999999e-5, 0.00011, 1e15, 1e16 - 2, 1e16, 1e16 + 2, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 123456789012345678,
    9007199254740993, 1e21, 1e22, 1e23, 1.5e300, 1e-7, 1.5e-7, 1e-5, 0.3, 100, 1234.5678,
  ];
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  for (let e = -325; e <= 308; e++) {
    const k = 1 + Math.floor(rnd() * 999999);
    xs.push(Number(`${k}e${e}`), -Number(`${Math.floor(rnd() * 99) + 1}e${e}`));
  }
  const b = Buffer.alloc(8);
  for (let i = 0; i < 2000; i++) {
    b.writeUInt32BE(Math.floor(rnd() * 4294967296), 0);
    b.writeUInt32BE(Math.floor(rnd() * 4294967296), 4);
    const x = b.readDoubleBE(0);
    if (Number.isFinite(x)) xs.push(x);
  }
  xs.push(NaN, Infinity, -Infinity);
  return xs;
}
const hex = (x: number): string => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString("hex");
};
const FLOATS = floatTable();
const COMPLEXES: [number, number][] = [];
for (let i = 0; i + 1 < FLOATS.length; i += 7) COMPLEXES.push([FLOATS[i]!, FLOATS[i + 1]!]);
COMPLEXES.push([0, 0], [-0, 0], [0, -0], [-0, -0], [NaN, -0], [0, NaN], [1, -Infinity], [Infinity, 1e16]);

// Every code point of the BMP (outside the surrogates) and of plane 1, and samples of the planes above.
const RANGES: [number, number][] = [];
for (let c = 0; c < 0xd800; c += 1024) RANGES.push([c, Math.min(c + 1024, 0xd800)]);
for (let c = 0xe000; c < 0x20000; c += 1024) RANGES.push([c, c + 1024]);
RANGES.push([0x2fff0, 0x30010], [0xe0000, 0xe0200], [0xf0000, 0xf0100], [0x10ff00, 0x110000]);
/** Quote choice and escapes in context (the ranges above hold no quotes-only strings). */
const STRS = ["", "'", '"', `'"`, "a'b", 'a"b', "\\", "\\'", "x\ud800y", "\udc00\ud800", "😀'", "\u0085'\"\u00ad"];

// Dates: isoformat's shapes (microseconds, years below 1000, negative epoch times).
const DATES = [
  new Date("0001-01-01T00:00:00Z"), new Date("0001-01-01T00:00:00.001Z"), new Date("0999-06-30T12:00:00Z"),
  new Date("1969-12-31T23:59:59.999Z"), new Date("1970-01-01T00:00:00Z"), new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)),
  new Date(Date.UTC(2021, 11, 31, 23, 59, 59, 1)), new Date("9999-12-31T23:59:59.999Z"),
];
/** Years around Python's datetime range (1..9999); JavaScript Dates reach -271821..275760. */
const YEARS = [-271820, -1, 0, 1, 999, 9999, 10000, 12000, 275759];
const dateOfYear = (y: number): Date => {
  const d = new Date(0);
  d.setUTCFullYear(y, 0, 1);
  return d;
};

// ---------------------------------------------------------------------------------------------------------

const py = JSON.parse(
  runPython(["python_compat.py"], {
    input: JSON.stringify({
      exprs: VALUES.map(([, e]) => e),
      floats: FLOATS.map(hex),
      complexes: COMPLEXES.map(([a, b]) => [hex(a), hex(b)]),
      ranges: RANGES,
      strs: STRS,
      excargs: EXC_ARGS.map(([, e]) => e),
      iso: DATES.map((d) => [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds() * 1000]),
      years: YEARS,
      timestamps: YEARS.map((y) => dateOfYear(y).getTime() / 1000),
    }),
  }),
) as {
  exprs: string[]; bools: (boolean | string)[]; floats: string[]; complexes: string[]; chunks: [string, string][]; strs: string[];
  excstr: string[]; iso: string[]; years: string[]; timestamps: (number | string)[];
};

test("repr() of values of every kind in the value model equals Python's repr", () => {
  assert.equal(py.exprs.length, VALUES.length);
  VALUES.forEach(([v], i) => assert.equal(repr(v), py.exprs[i], `repr of ${VALUES[i]![1]}`));
});

test("truthiness (bool()) of the same values equals Python's", () => {
  VALUES.forEach(([v], i) => assert.equal(truthy(v), py.bools[i], `bool of ${VALUES[i]![1]}`));
  assert.ok(py.bools.includes(true) && py.bools.includes(false));
  FLOATS.forEach((x) => assert.equal(truthy(x), x !== 0, String(x))); // NaN is true in Python
});

test("float repr equals Python's repr for edges, every decimal exponent and random bit patterns", () => {
  assert.ok(FLOATS.length > 3000);
  FLOATS.forEach((x, i) => assert.equal(floatRepr(x), py.floats[i], `float ${hex(x)}`));
  // a safe integer is an int in the value model; any other number is a float
  FLOATS.forEach((x, i) => {
    if (!Number.isSafeInteger(x) || Object.is(x, -0)) assert.equal(repr(x), py.floats[i]);
  });
});

test("complex repr equals Python's repr", () => {
  COMPLEXES.forEach(([a, b], i) => {
    assert.equal(complexRepr(a, b), py.complexes[i], `complex(${a}, ${b})`);
    assert.equal(String(new Complex(a, b)), py.complexes[i]);
  });
});

test("str repr equals Python's repr for every code point of planes 0 and 1 (assigned in Python's Unicode)", () => {
  let chars = 0;
  for (const [s, want] of py.chunks) {
    chars += s.length;
    assert.equal(strRepr(s), want, `chunk starting U+${s.codePointAt(0)?.toString(16)}`);
    assert.equal(repr(s), want);
  }
  assert.ok(chars > 100_000, `only ${chars} code units compared`);
  STRS.forEach((s, i) => assert.equal(strRepr(s), py.strs[i], JSON.stringify(s)));
});

test("str(exception) from its args equals Python's, in PythonError, RemoteError and PyroError messages", () => {
  EXC_ARGS.forEach(([args], i) => {
    const want = py.excstr[i]!;
    assert.equal(exceptionMessage(args), want, EXC_ARGS[i]![1]);
    assert.equal(pythonMessage(args), want);
    assert.equal(new PythonError("ValueError", ...args).message, want);
    assert.equal(new RemoteError("builtins.ValueError", args).message, want);
    assert.equal(str(new RemoteError("builtins.ValueError", args)), want);
  });
  assert.equal(pythonShortName(new RemoteError("mymod.sub.Oops", [])), "Oops");
  assert.equal(pythonShortName(new PythonError("KeyError", "k")), "KeyError");
  assert.equal(pythonShortName(new TypeError("t")), "TypeError");
});

test("isoformat equals Python's datetime.isoformat() of the same aware UTC datetime", () => {
  DATES.forEach((d, i) => assert.equal(isoformat(d), py.iso[i], d.toISOString()));
});

test("a Date Python's datetime cannot hold (year 12000, 0, -1...) is one SerializeError in all four serializers", () => {
  const names = ["serpent", "json", "marshal", "msgpack"] as const;
  YEARS.forEach((y, i) => {
    const pythonHolds = !py.years[i]!.startsWith("!");
    // Python's datetime refuses exactly the years we refuse, and Pyro4's msgpack decoder (fromtimestamp) too
    assert.equal(pythonHolds, y >= 1 && y <= 9999, `year ${y}: Python said ${py.years[i]}`);
    if (!pythonHolds) assert.match(String(py.timestamps[i]), /^!/, `msgpack timestamp of year ${y}`);
    const d = dateOfYear(y);
    for (const name of names) {
      const s = getSerializer(name);
      if (pythonHolds) {
        assert.ok(s.serializeData(d).length > 0);
        continue;
      }
      for (const send of [() => s.serializeData(d), () => s.serializeData([1, { when: d }]), () => s.serializeCall("obj", "m", [d], {})]) {
        assert.throws(send, (e: unknown) => {
          assert.ok(e instanceof SerializeError, `${name} year ${y}: ${String(e)}`);
          assert.equal(e.code, "ERR_PYRO4_SERIALIZE");
          assert.match(e.message, /Python's datetime holds years 1 to 9999 only/);
          return true;
        });
      }
    }
  });
  // the boundaries: the last millisecond of 9999 goes out, the first of 10000 does not; an invalid Date never
  for (const name of names) {
    const s = getSerializer(name);
    assert.ok(s.serializeData(new Date("9999-12-31T23:59:59.999Z")).length > 0);
    assert.throws(() => s.serializeData(new Date(Date.UTC(10000, 0, 1))), SerializeError);
    assert.throws(() => s.serializeData(new Date(NaN)), /invalid Date/);
  }
});

test("sorted() order of str is by code point", () => {
  const words = ["b", "😀", "\uffff", "a", "", "ab", "\ud7ff", "é"];
  const want = [...words].sort((a, b) => {
    const x = [...a].map((c) => c.codePointAt(0)!);
    const y = [...b].map((c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  });
  assert.deepEqual([...words].sort(compareCodePoints), want);
  assert.deepEqual(want.slice(-2), ["\uffff", "😀"]);
  assert.ok(new Tuple() instanceof Array);
});

test("pyro4 trace prints floats as Python's repr does (one float writer: 1e16, 1e-05, -0.0)", async () => {
  const { pyFormat } = await import("../../src/cli/trace.js");
  const xs = [1e16, 1e-5, -0, 1.5, 2 ** 60, 1e300, 5e-324, NaN, -Infinity, 0.1];
  const py = runPython(["-c", "import sys,struct; print(repr([struct.unpack('>d', bytes.fromhex(h))[0] for h in sys.argv[1:]]))",
    ...xs.map((x) => { const b = Buffer.alloc(8); b.writeDoubleBE(x); return b.toString("hex"); })]).trim();
  assert.equal(pyFormat(xs), py);
});
