// Issue 24 ("values survive exactly") for the pickle serializer, without Python: Python's own pickles (protocols 0-5,
// test/fixtures/pickle-values-corpus.json, written by pickle_values_corpus.py) of the edge values decode to the value
// types with every field Python put in them, and go back through our encoder unchanged; TypeScript-built values at the
// edges (leap days, years 1 and 9999, microseconds, offsets of +-23:59:59.999999 with names, fold, timedelta.min/max,
// big and negative ranges, nested frozensets, OrderedDict with non-str keys) survive our encoder and decoder; and what
// cannot be carried (a zoneinfo tzinfo, out-of-range fields) is a typed SerializeError.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { SerializeError } from "../../src/errors.js";
import { pickle, Decimal } from "../../src/serializers/pickle.js";
import { uuidSafe } from "../../src/serializers/pickle-values.js";
import {
  ByteArray, Complex, Float, FrozenSet, OrderedDict, PyDate, PyDateTime, PyTime, Range, TimeDelta, Tuple, UUID, float, frozenset, tuple,
} from "../../src/serializers/values.js";
import { isPythonInt } from "../../src/python/float.js";

const bits = (x: number): string => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return `float(${b.toString("hex")})`;
};
const tzDesc = (off: number | null, name: string | null): string => (off === null ? "naive" : `tz(${Math.round(off * 1e6)},${name === null ? "null" : JSON.stringify(name)})`);

/** The canonical text of a decoded value (the same as desc() in test/fixtures/pickle_values_corpus.py). */
function desc(v: unknown): string {
  if (v === null || v === undefined) return "None";
  switch (typeof v) {
    case "boolean":
      return v ? "True" : "False";
    case "number":
      return isPythonInt(v) ? `int(${v})` : bits(v);
    case "bigint":
      return `int(${v})`;
    case "string":
      return `str(${Buffer.from(v, "utf16le").toString("hex")})`;
  }
  if (v instanceof Float) return bits(v.value);
  if (v instanceof ByteArray) return `bytearray(${Buffer.from(v).toString("hex")})`;
  if (v instanceof Uint8Array) return `bytes(${Buffer.from(v).toString("hex")})`;
  if (v instanceof Complex) return `complex(${bits(v.real)},${bits(v.imag)})`;
  if (v instanceof Decimal) return `Decimal(${v.value})`;
  if (v instanceof PyDateTime)
    return `datetime(${v.year},${v.month},${v.day},${v.hour},${v.minute},${v.second},${v.microsecond},fold=${v.fold},${tzDesc(v.utcoffset, v.tzname)})`;
  if (v instanceof PyDate) return `date(${v.year},${v.month},${v.day})`;
  if (v instanceof Date) return `Date(${v.toISOString()})`;
  if (v instanceof PyTime) return `time(${v.hour},${v.minute},${v.second},${v.microsecond},fold=${v.fold},${tzDesc(v.utcoffset, v.tzname)})`;
  if (v instanceof TimeDelta) return `timedelta(${v.days},${v.seconds},${v.microseconds})`;
  if (v instanceof UUID) return `UUID(${v.hex},${uuidSafe.has(v) ? String(uuidSafe.get(v) ?? "null") : "null"})`;
  if (v instanceof Range) return `range(${v.start},${v.stop},${v.step})`;
  if (v instanceof Tuple) return `(${v.map(desc).join(",")})`;
  if (Array.isArray(v)) return `[${v.map(desc).join(",")}]`;
  if (v instanceof FrozenSet) return `frozenset{${[...v].map(desc).sort().join(",")}}`;
  if (v instanceof Set) return `set{${[...v].map(desc).sort().join(",")}}`;
  if (v instanceof OrderedDict) return `OrderedDict[${[...v].map(([k, x]) => `${desc(k)}:${desc(x)}`).join(",")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${desc(k)}:${desc(x)}`).sort().join(",")}}`;
  if (Object.getPrototypeOf(v) === Object.prototype)
    return `{${Object.entries(v as object).map(([k, x]) => `${desc(k)}:${desc(x)}`).sort().join(",")}}`;
  throw new Error(`no desc for ${Object.prototype.toString.call(v)} ${String(v)}`);
}

const roundTrip = (v: unknown): unknown => pickle.deserializeData(pickle.serializeData(v));

test("pickle values: Python's pickles (protocols 0-5) of 132 edge values decode with every field, and survive our encoder", () => {
  const corpus = JSON.parse(readFileSync(new URL("../fixtures/pickle-values-corpus.json", import.meta.url), "utf8")) as { name: string; desc: string[]; hex: string[] }[];
  assert.ok(corpus.length >= 130);
  const failures: string[] = [];
  let checked = 0;
  for (const c of corpus) {
    for (let proto = 0; proto < 6; proto++) {
      try {
        const v = pickle.deserializeData(Buffer.from(c.hex[proto]!, "hex"));
        assert.equal(desc(v), c.desc[proto], "decoded");
        assert.equal(desc(roundTrip(v)), c.desc[proto], "through our encoder");
        checked++;
      } catch (e) {
        failures.push(`${c.name} (protocol ${proto}): ${(e as Error).message.slice(0, 600)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(checked, corpus.length * 6);
});

const MAX_OFF = 86399.999999;
const S = (s: string) => `str(${Buffer.from(s, "utf16le").toString("hex")})`;
/** [name, a TypeScript value, its desc after our encoder and decoder]. */
const TS_CASES: [string, unknown, string][] = [];
const add = (name: string, v: unknown, d: string) => TS_CASES.push([name, v, d]);
for (const [y, m, d] of [[2020, 2, 29], [2000, 2, 29], [1900, 2, 28], [1, 1, 1], [9999, 12, 31], [1970, 1, 1], [1969, 12, 31]] as const) {
  for (const us of [0, 1, 999999]) {
    add(`datetime ${y}-${m}-${d} us ${us}`, new PyDateTime(y, m, d, 13, 14, 15, us), `datetime(${y},${m},${d},13,14,15,${us},fold=0,naive)`);
    add(`date ${y}-${m}-${d}`, new PyDate(y, m, d), `date(${y},${m},${d})`);
  }
}
add("datetime 2020-02-29 123456", new PyDateTime(2020, 2, 29, 13, 14, 15, 123456), "datetime(2020,2,29,13,14,15,123456,fold=0,naive)");
add("datetime max", new PyDateTime(9999, 12, 31, 23, 59, 59, 999999), "datetime(9999,12,31,23,59,59,999999,fold=0,naive)");
add("datetime min", new PyDateTime(1, 1, 1), "datetime(1,1,1,0,0,0,0,fold=0,naive)");
add("datetime fold=1", new PyDateTime(2021, 10, 31, 2, 30, 0, 0, { fold: 1 }), "datetime(2021,10,31,2,30,0,0,fold=1,naive)");
add("datetime utc", new PyDateTime(2020, 2, 29, 23, 59, 59, 999999, { utcoffset: 0 }), "datetime(2020,2,29,23,59,59,999999,fold=0,tz(0,null))");
add("datetime +23:59:59.999999", new PyDateTime(2020, 1, 1, 12, 0, 0, 0, { utcoffset: MAX_OFF }), "datetime(2020,1,1,12,0,0,0,fold=0,tz(86399999999,null))");
add("datetime -23:59:59.999999 named", new PyDateTime(2020, 1, 1, 12, 0, 0, 0, { utcoffset: -MAX_OFF, tzname: "far west" }), 'datetime(2020,1,1,12,0,0,0,fold=0,tz(-86399999999,"far west"))');
add("datetime -1 us offset", new PyDateTime(2020, 6, 1, 0, 0, 0, 0, { utcoffset: -0.000001 }), "datetime(2020,6,1,0,0,0,0,fold=0,tz(-1,null))");
add("datetime named offset 0", new PyDateTime(2020, 1, 1, 0, 0, 0, 0, { utcoffset: 0, tzname: "UTC" }), 'datetime(2020,1,1,0,0,0,0,fold=0,tz(0,"UTC"))');
add("datetime empty name", new PyDateTime(2020, 1, 1, 0, 0, 0, 0, { utcoffset: 0, tzname: "" }), 'datetime(2020,1,1,0,0,0,0,fold=0,tz(0,""))');
add("datetime year 1 at +01:00 (instant before year 1)", new PyDateTime(1, 1, 1, 0, 0, 0, 0, { utcoffset: 3600 }), "datetime(1,1,1,0,0,0,0,fold=0,tz(3600000000,null))");
add("datetime year 9999 at -01:00 (instant after 9999)", new PyDateTime(9999, 12, 31, 23, 59, 59, 999999, { utcoffset: -3600 }), "datetime(9999,12,31,23,59,59,999999,fold=0,tz(-3600000000,null))");
add("datetime fold=1 aware named", new PyDateTime(2021, 10, 31, 2, 30, 0, 0, { utcoffset: 3600, tzname: "CET", fold: 1 }), 'datetime(2021,10,31,2,30,0,0,fold=1,tz(3600000000,"CET"))');
add("datetime from a Date", PyDateTime.fromDate(new Date(Date.UTC(2020, 1, 29, 1, 2, 3, 4))), "datetime(2020,2,29,1,2,3,4000,fold=0,naive)");
add("plain Date: a naive UTC datetime (documented)", new Date(Date.UTC(2020, 1, 29, 1, 2, 3, 4)), "datetime(2020,2,29,1,2,3,4000,fold=0,naive)");
add("date 1-1-1 and 9999-12-31 ordinals", [PyDate.fromOrdinal(1), PyDate.fromOrdinal(3652059)], "[date(1,1,1),date(9999,12,31)]");
add("time midnight", new PyTime(), "time(0,0,0,0,fold=0,naive)");
add("time max", new PyTime(23, 59, 59, 999999), "time(23,59,59,999999,fold=0,naive)");
add("time 1 us", new PyTime(0, 0, 0, 1), "time(0,0,0,1,fold=0,naive)");
add("time utc", new PyTime(1, 2, 3, 0, { utcoffset: 0 }), "time(1,2,3,0,fold=0,tz(0,null))");
add("time -01:00 named", new PyTime(1, 2, 3, 4, { utcoffset: -3600, tzname: "Y" }), 'time(1,2,3,4,fold=0,tz(-3600000000,"Y"))');
add("time +-23:59:59.999999", [new PyTime(12, 0, 0, 0, { utcoffset: MAX_OFF }), new PyTime(12, 0, 0, 0, { utcoffset: -MAX_OFF })], "[time(12,0,0,0,fold=0,tz(86399999999,null)),time(12,0,0,0,fold=0,tz(-86399999999,null))]");
add("time fold=1", new PyTime(1, 30, 0, 0, { fold: 1 }), "time(1,30,0,0,fold=1,naive)");
add("time fold=1 aware", new PyTime(1, 30, 0, 0, { fold: 1, utcoffset: 7200 }), "time(1,30,0,0,fold=1,tz(7200000000,null))");
add("timedelta 0", new TimeDelta(), "timedelta(0,0,0)");
add("timedelta.min", new TimeDelta(-999999999), "timedelta(-999999999,0,0)");
add("timedelta.max", new TimeDelta(999999999, 86399, 999999), "timedelta(999999999,86399,999999)");
add("timedelta -1 us", new TimeDelta(0, 0, -1), "timedelta(-1,86399,999999)");
add("timedelta normalized", new TimeDelta(1, -1, 1000001), "timedelta(1,0,1)");
add("timedelta from seconds", TimeDelta.fromSeconds(-1.5), "timedelta(-1,86398,500000)");
add("uuid 0 and max", [UUID.fromInt(0), UUID.fromInt((1n << 128n) - 1n)], `[UUID(${"0".repeat(32)},null),UUID(${"f".repeat(32)},null)]`);
add("uuid text", new UUID("{12345678-1234-5678-1234-567812345678}"), "UUID(12345678123456781234567812345678,null)");
add("bytearray", new ByteArray([0x61, 0, 0xff]), "bytearray(6100ff)");
add("bytearray empty", new ByteArray(0), "bytearray()");
add("bytes vs bytearray", [Buffer.from("x"), new ByteArray([0x78]), tuple(new ByteArray([0x79]))], "[bytes(78),bytearray(78),(bytearray(79))]");
add("range(0, 3)", new Range(0, 3), "range(0,3,1)");
add("range negative step", new Range(10, -10, -3), "range(10,-10,-3)");
add("range empty negative", new Range(-1, -1, -1), "range(-1,-1,-1)");
add("range bigints", new Range(2n ** 70n, -(2n ** 70n), -(2n ** 65n)), `range(${2n ** 70n},${-(2n ** 70n)},${-(2n ** 65n)})`);
add("range mixed number and bigint", new Range(-5, 2n ** 60n, 2 ** 52), `range(-5,${2n ** 60n},${2 ** 52})`);
add("OrderedDict str keys keep their order", new OrderedDict([["b", 1], ["a", 2], ["1", 3]]), `OrderedDict[${S("b")}:int(1),${S("a")}:int(2),${S("1")}:int(3)]`);
add("OrderedDict non-str keys", new OrderedDict<unknown, unknown>([[2, "b"], [tuple(1, "x"), 1], [null, 0], [frozenset(1), 2], [new PyDate(2020, 2, 29), 3]]),
  `OrderedDict[int(2):${S("b")},(int(1),${S("x")}):int(1),None:int(0),frozenset{int(1)}:int(2),date(2020,2,29):int(3)]`);
add("OrderedDict empty", new OrderedDict(), "OrderedDict[]");
add("OrderedDict nested", new OrderedDict([["o", new OrderedDict([[1, 2]])]]), `OrderedDict[${S("o")}:OrderedDict[int(1):int(2)]]`);
add("frozenset in frozenset", new FrozenSet<unknown>([frozenset(1), frozenset(), 2]), "frozenset{frozenset{int(1)},frozenset{},int(2)}");
add("frozenset 3 deep", frozenset(frozenset(frozenset("a"))), `frozenset{frozenset{frozenset{${S("a")}}}}`);
add("set of frozensets", new Set([frozenset(1, 2), frozenset("x")]), `set{frozenset{int(1),int(2)},frozenset{${S("x")}}}`);
add("set vs frozenset", [new Set(), frozenset(), new Set([1]), frozenset(1)], "[set{},frozenset{},set{int(1)},frozenset{int(1)}]");
add("frozenset and tuple dict keys", new Map<unknown, unknown>([[frozenset(1), "fs"], [tuple(1, frozenset(2)), "t"]]), `{(int(1),frozenset{int(2)}):${S("t")},frozenset{int(1)}:${S("fs")}}`);
add("-0.0 in a set and as a key", [new Set([float(-0)]), new Map([[float(-0), 1]])], `[set{${bits(-0)}},{${bits(-0)}:int(1)}]`);
add("dict that looks like an exception", { __class__: "builtins.ValueError", __exception__: true, args: tuple("x"), attributes: {} }, "");
add("Decimal specials", ["1.5", "-0", "NaN", "sNaN", "-Infinity", "1E+10"].map((d) => new Decimal(d)), "[Decimal(1.5),Decimal(-0),Decimal(NaN),Decimal(sNaN),Decimal(-Infinity),Decimal(1E+10)]");
add("complex -0 nan inf", [new Complex(-0, -0), new Complex(NaN, Infinity), new Complex(1, 2)], `[complex(${bits(-0)},${bits(-0)}),complex(${bits(NaN)},${bits(Infinity)}),complex(${bits(1)},${bits(2)})]`);
// float(2) goes out as 2.0 but, as every integral float below 2**53, reads back as the number 2 (documented)
add("floats", [-0, NaN, Infinity, -Infinity, 1e300, 5e-324, 2 ** 53, float(2)], `[${[-0, NaN, Infinity, -Infinity, 1e300, 5e-324, 2 ** 53].map(bits).join(",")},int(2)]`);
add("big ints", [2n ** 53n, -(2n ** 63n), 10n ** 100n, 2 ** 53 - 1], `[int(${2n ** 53n}),int(${-(2n ** 63n)}),int(${10n ** 100n}),int(${2 ** 53 - 1})]`);
add("lone surrogate", "a\ud800b", "str(610000d86200)");
add("nested mix", [{ when: new PyDateTime(2020, 2, 29, 1, 0, 0, 0, { utcoffset: 3600 }), fs: frozenset(new PyDate(1, 1, 1)) }, tuple(new TimeDelta(999999999, 86399, 999999), UUID.fromInt(1), new Range(0, 3))],
  `[{${S("fs")}:frozenset{date(1,1,1)},${S("when")}:datetime(2020,2,29,1,0,0,0,fold=0,tz(3600000000,null))},(timedelta(999999999,86399,999999),UUID(${"0".repeat(31)}1,null),range(0,3,1))]`);

test(`pickle values: ${TS_CASES.length} TypeScript values at the edges survive our encoder and decoder with every field`, () => {
  const failures: string[] = [];
  for (const [name, v, want] of TS_CASES) {
    try {
      const back = roundTrip(v);
      // the exception-shaped dict: our own dict form of an exception goes out as the exception (as with every serializer)
      if (want === "") assert.equal((back as Error).constructor.name, "RemoteError");
      else assert.equal(desc(back), want);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message.slice(0, 600)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test("pickle values: a decoded dict with __class__ keys goes back as a dict, not as the exception, URI or proxy it looks like", () => {
  const py = {
    __class__: "builtins.ValueError", __exception__: true, args: tuple("x"), attributes: {},
  };
  // decode a dict built by the decoder from pickle bytes (not a TS object): SETITEMS into EMPTY_DICT
  const enc = pickle.serializeData(new Map<unknown, unknown>(Object.entries(py)));
  const fromPickle = pickle.deserializeData(enc) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(fromPickle), Object.prototype);
  assert.deepEqual(fromPickle, py);
  const back = pickle.deserializeData(pickle.serializeData(fromPickle)) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(back), Object.prototype, "still a plain dict");
  assert.deepEqual(back, py);
  for (const look of [{ __class__: "Pyro4.core.URI", state: tuple("PYRO", "obj", null, "localhost", 9999) }, { __class__: "Pyro4.core.Proxy", state: tuple() }, { __class__: "Pyro4.futures._ExceptionWrapper", exception: 1 }]) {
    const d = pickle.deserializeData(pickle.serializeData(new Map<unknown, unknown>(Object.entries(look))));
    assert.deepEqual(pickle.deserializeData(pickle.serializeData(d)), look);
  }
  // nested too
  const nested = pickle.deserializeData(pickle.serializeData([{ k: new Map<unknown, unknown>(Object.entries(py)) }]));
  assert.deepEqual(pickle.deserializeData(pickle.serializeData(nested)), [{ k: py }]);
});

const errs = (data: Buffer | (() => unknown), re: RegExp) =>
  assert.throws(typeof data === "function" ? data : () => pickle.deserializeData(data), (e: unknown) => {
    assert.ok(e instanceof SerializeError, `${Object.prototype.toString.call(e)} ${String(e)}`);
    assert.match((e as Error).message, re);
    return true;
  });

test("pickle values: what cannot be carried is a typed SerializeError that says why", () => {
  // datetime(2020, 1, 1, tzinfo=zoneinfo.ZoneInfo('Europe/Amsterdam')), pickled by Python 3.11 at protocols 5 and 2
  for (const hex of [
    "80059582000000000000008c086461746574696d65948c086461746574696d65949394430a07e40101000000000000948c086275696c74696e73948c07676574617474729493948c087a6f6e65696e666f948c085a6f6e65496e666f9493948c095f756e7069636b6c6594869452948c104575726f70652f416d7374657264616d944b0186945294869452942e",
    "8002636461746574696d650a6461746574696d650a7100635f636f646563730a656e636f64650a7101580b00000007c3a40101000000000000710258060000006c6174696e317103867104527105635f5f6275696c74696e5f5f0a676574617474720a7106637a6f6e65696e666f0a5a6f6e65496e666f0a710758090000005f756e7069636b6c65710886710952710a58100000004575726f70652f416d7374657264616d710b4b0186710c52710d86710e52710f2e",
  ]) errs(Buffer.from(hex, "hex"), /refusing global 'builtins\.getattr'.*tzinfo other than datetime\.timezone/);
  // a tzinfo of a plain class (dateutil.tz.tzutc()): NEWOBJ of the class, then the datetime
  const sbu = (s: string) => Buffer.concat([Buffer.from([0x8c, s.length]), Buffer.from(s)]);
  const dt = Buffer.concat([sbu("datetime"), sbu("datetime"), Buffer.from([0x93, 0x43, 10, 7, 228, 1, 1, 0, 0, 0, 0, 0, 0])]);
  errs(Buffer.concat([Buffer.from([0x80, 4]), dt, sbu("dateutil.tz.tz"), sbu("tzutc"), Buffer.from([0x93, 0x29, 0x81, 0x86, 0x52, 0x2e])]), /datetime: unsupported tzinfo 'dateutil\.tz\.tz\.tzutc'.*fixed-offset/);
  errs(Buffer.concat([Buffer.from([0x80, 4]), sbu("pytz"), sbu("_p"), Buffer.from([0x93]), sbu("Europe/Amsterdam"), Buffer.from([0x85, 0x52, 0x2e])]), /refusing global 'pytz\._p'.*tzinfo other than datetime\.timezone/);
  // out-of-range fields in a datetime, date or time state
  const state = (mod: string, cls: string, bytes: number[]) => Buffer.concat([Buffer.from([0x80, 4]), sbu(mod), sbu(cls), Buffer.from([0x93, 0x43, bytes.length, ...bytes, 0x85, 0x52, 0x2e])]);
  errs(state("datetime", "datetime", [7, 228, 2, 30, 0, 0, 0, 0, 0, 0]), /datetime: day must be an integer in 1\.\.29/);
  errs(state("datetime", "datetime", [7, 228, 13, 1, 0, 0, 0, 0, 0, 0]), /datetime: month/);
  errs(state("datetime", "datetime", [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]), /datetime: year/);
  errs(state("datetime", "datetime", [7, 228, 1, 1, 0, 0, 0, 0x0f, 0x42, 0x40]), /datetime: microsecond/);
  errs(state("datetime", "date", [7, 228, 2, 30]), /date: day/);
  errs(state("datetime", "time", [24, 0, 0, 0, 0, 0]), /time: hour/);
  errs(state("datetime", "datetime", [7, 228, 1, 1]), /datetime: bad state length/);
  // timezone offsets of 24 hours or more, and a timezone that is not a tzinfo argument
  const td = (d: number, s: number) => Buffer.concat([sbu("datetime"), sbu("timedelta"), Buffer.from([0x93, 0x4a]), int32(d), Buffer.from([0x4a]), int32(s), Buffer.from([0x4b, 0, 0x87, 0x52])]);
  const tzv = (d: number, s: number) => Buffer.concat([Buffer.from([0x80, 4]), sbu("datetime"), sbu("timezone"), Buffer.from([0x93]), td(d, s), Buffer.from([0x85, 0x52])]);
  errs(Buffer.concat([tzv(1, 0), Buffer.from([0x2e])]), /offset must be strictly between -24 and 24 hours/);
  errs(Buffer.concat([tzv(-2, 86399), Buffer.from([0x2e])]), /offset must be strictly between/);
  errs(Buffer.concat([tzv(0, 3600), Buffer.from([0x2e])]), /datetime\.timezone cannot be used as a value/);
  errs(Buffer.concat([Buffer.from([0x80, 4]), td(1000000000, 0), Buffer.from([0x2e])]), /timedelta: .*days/);
  // range(0, 3, 0), range('a')
  errs(Buffer.concat([Buffer.from([0x80, 4]), sbu("builtins"), sbu("range"), Buffer.from([0x93, 0x4b, 0, 0x4b, 3, 0x4b, 0, 0x87, 0x52, 0x2e])]), /range: .*must not be zero/);
  errs(Buffer.concat([Buffer.from([0x80, 4]), sbu("builtins"), sbu("range"), Buffer.from([0x93]), sbu("a"), Buffer.from([0x85, 0x52, 0x2e])]), /range: expected 1 to 3 int arguments/);
  // a uuid.UUID int beyond 128 bits
  errs(Buffer.concat([Buffer.from([0x80, 4]), sbu("uuid"), sbu("UUID"), Buffer.from([0x93, 0x29, 0x81, 0x7d]), sbu("int"), Buffer.from([0x8a, 17, ...Array(16).fill(0), 1, 0x73, 0x62, 0x2e])]), /uuid\.UUID: .*128-bit/);
  // unhashable set items and dict keys, as Python would refuse them
  errs(Buffer.from([0x80, 4, 0x8f, 0x28, 0x8f, 0x90, 0x2e]), /unhashable set item/);
  errs(Buffer.from([0x80, 4, 0x28, 0x5d, 0x91, 0x2e]), /unhashable set item/);
  errs(Buffer.from([0x80, 4, 0x7d, 0x7d, 0x4b, 1, 0x73, 0x2e]), /unhashable dict key/);
  // our encoder: a PyDateTime moved out of Python's range by a Date setter, a range of non-ints
  const moved = new PyDateTime(9999, 12, 31);
  moved.setUTCFullYear(10000);
  errs(() => pickle.serializeData(moved), /year 10000 is out of Python's datetime range/);
  errs(() => pickle.serializeData(new Range(0, 1.5)), /range: 1\.5 is not an int/);
});

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

test("pickle values: bytearray decodes as a ByteArray (a view into the message only with zeroCopy), bytes stay Buffers", () => {
  const big = new ByteArray(70_000).fill(9);
  const data = pickle.serializeData([big, Buffer.from("b")]);
  const copied = pickle.deserializeData(data) as [ByteArray, Buffer];
  assert.ok(copied[0] instanceof ByteArray && !Buffer.isBuffer(copied[0]));
  assert.ok(Buffer.isBuffer(copied[1]));
  assert.notEqual(copied[0].buffer, data.buffer);
  // BYTEARRAY8 (protocol 5), as Python writes a bytearray
  const p5 = Buffer.concat([Buffer.from([0x80, 5, 0x96]), Buffer.from([0x70, 0x11, 1, 0, 0, 0, 0, 0]), Buffer.alloc(70_000, 3), Buffer.from([0x2e])]);
  const view = pickle.deserializeData(p5, { zeroCopy: true }) as ByteArray;
  assert.ok(view instanceof ByteArray);
  assert.equal(view.buffer, p5.buffer);
  assert.equal(view.length, 70_000);
  assert.notEqual((pickle.deserializeData(p5) as ByteArray).buffer, p5.buffer);
});

test("pickle values: the decoded value types are the value model's (instanceof Date for datetimes and dates)", () => {
  const v = roundTrip([new PyDateTime(2020, 2, 29), new PyDate(2020, 2, 29)]) as Date[];
  assert.ok(v[0] instanceof Date && v[0] instanceof PyDateTime);
  assert.ok(v[1] instanceof Date && v[1] instanceof PyDate && !(v[1] instanceof PyDateTime));
  assert.equal(v[0]!.getTime(), Date.UTC(2020, 1, 29));
  const aware = roundTrip(new PyDateTime(2020, 2, 29, 1, 0, 0, 500, { utcoffset: 7200, tzname: "X", fold: 1 })) as PyDateTime;
  assert.equal(aware.getTime(), Date.UTC(2020, 1, 28, 23));
  assert.equal(aware.isoformat(), "2020-02-29T01:00:00.000500+02:00");
  assert.deepEqual([aware.utcoffset, aware.tzname, aware.fold], [7200, "X", 1]);
});

test("pickle values: a Python 2 OrderedDict (its items as [key, value] pairs in the call) keeps order and -0.0 keys", () => {
  // collections.OrderedDict([[-0.0, 1], ['a', 2]]) the way Python 2.7's OrderedDict.__reduce__ writes it
  const v = pickle.deserializeData(Buffer.from("800263636f6c6c656374696f6e730a4f726465726564446963740a5d285d284780000000000000004b01655d285801000000614b02656585522e", "hex"));
  assert.equal(desc(v), `OrderedDict[${bits(-0)}:int(1),${S("a")}:int(2)]`);
});
