// msgpack's datetime (ext 0x32) and date (ext 0x33) as Python's MsgpackSerializer makes and reads them, and what
// Pyro4's and Pyro5's daemons do with ext values in calls (issue "Values survive exactly"). The hex strings are
// Python Pyro4's own output (TZ=UTC), for the values that exposed the old defects: microseconds lost below the
// millisecond (23:59:59.999999 could roll over into the next day), date coming back as datetime, date(1, 1, 1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { msgpack, fromTimestamp, naiveTimestamp, MsgpackExt } from "../../src/serializers/msgpack.js";
import { getPyro5Serializer } from "../../src/serializers/pyro5.js";
import { PyDateTime, PyDate } from "../../src/serializers/values.js";
import { PyroError, SerializeError } from "../../src/errors.js";

const hex = (b: Buffer) => b.toString("hex");
const dec = (h: string) => msgpack.deserializeData(Buffer.from(h, "hex"));
/** The Python class a SerializeError travels as. */
const pythonClass = (e: unknown) => (e as { constructor: typeof PyroError }).constructor.pythonName;

/** [Python's bytes for datetime.datetime(...fields), the fields Python reads back from them]. */
const DATETIMES: Array<[string, number[], number[]?]> = [
  ["d732fcffffbfbe96d741", [2020, 2, 29, 23, 59, 59, 999999]],
  ["d732000000606a96d741", [2020, 2, 29, 0, 0, 0, 0]],
  ["d732040000606a96d741", [2020, 2, 29, 0, 0, 0, 1]],
  ["d732fcffff5fe673d841", [2021, 12, 31, 23, 59, 59, 999999]],
  ["d7320000004b21ef2cc2", [1, 1, 2, 0, 0, 0, 0]],
  ["d73200000078f97f4d42", [9999, 12, 31, 0, 0, 0, 0]],
  ["d732ffffbf20fa7f4d42", [9999, 12, 31, 23, 59, 59, 999969]],
  // the double has no room for these microseconds: Python writes these bytes and reads back .999908
  ["d732fdffbf20fa7f4d42", [9999, 12, 31, 23, 59, 59, 999900], [9999, 12, 31, 23, 59, 59, 999908]],
  ["d7320000b8a0f7c6b0be", [1969, 12, 31, 23, 59, 59, 999999]],
  ["d7320000000000000000", [1970, 1, 1, 0, 0, 0, 0]],
  ["d7326c7e00307b451e42", [3000, 1, 1, 0, 0, 0, 123457], [3000, 1, 1, 0, 0, 0, 123459]],
  ["d7320000c0fadd5dcc41", [2000, 2, 29, 12, 30, 45, 500000]],
];

const fields = (d: PyDateTime) => [d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond];

test("a naive PyDateTime goes out as the bytes Python writes for that datetime, microseconds included", () => {
  for (const [h, f] of DATETIMES) {
    const dt = new PyDateTime(f[0]!, f[1]!, f[2]!, f[3], f[4], f[5], f[6]);
    assert.equal(hex(msgpack.serializeData(dt)), h, f.join());
  }
});

test("ext 0x32 arrives as the naive PyDateTime Python's fromtimestamp makes of it", () => {
  for (const [h, f, back] of DATETIMES) {
    const v = dec(h);
    assert.ok(v instanceof PyDateTime, h);
    assert.deepEqual(fields(v), back ?? f, h);
    assert.equal(v.utcoffset, null);
    assert.equal(v.fold, 0);
    // and goes back as the very same bytes (what Python Pyro4's daemon, which never converts them, sends back)
    assert.equal(hex(msgpack.serializeData(v)), h);
  }
  assert.equal((dec("d732fcffffbfbe96d741") as PyDateTime).isoformat(), "2020-02-29T23:59:59.999999");
});

test("fromtimestamp and timestamp() agree with each other over the whole range, as Python's do", () => {
  let seed = 42;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) % n);
  for (let i = 0; i < 20000; i++) {
    const y = 1 + rnd(9999);
    const dt = new PyDateTime(y, 1 + rnd(12), 1 + rnd(28), rnd(24), rnd(60), rnd(60), i % 3 === 0 ? 999999 : rnd(1000000));
    if (y === 1 && dt.month === 1 && dt.day === 1) continue;
    const t = naiveTimestamp(dt);
    const back = fromTimestamp(t);
    assert.equal(naiveTimestamp(back), t, dt.isoformat()); // the echo sends back the double it got
    // and the fields are the ones the double holds: exact where a double has microseconds to spare
    if (Math.abs(t) < 2 ** 32) assert.deepEqual(fields(back), fields(dt), dt.isoformat());
  }
});

test("Python's own errors for timestamps outside its datetime range", () => {
  const cases: Array<[number, string, string]> = [
    [-62135596800, "builtins.ValueError", "year 0 is out of range"], // 0001-01-01: CPython probes a day earlier
    [-62135596800 + 86399, "builtins.ValueError", "year 0 is out of range"],
    [253402300800, "builtins.ValueError", "year 10000 is out of range"], // 9999-12-31T23:59:59.999999's double
    [-62135596801, "builtins.ValueError", "year 0 is out of range"],
    [NaN, "builtins.ValueError", "Invalid value NaN (not a number)"],
    [Infinity, "builtins.OverflowError", "timestamp out of range for platform time_t"],
    [1e20, "builtins.OverflowError", "timestamp out of range for platform time_t"],
  ];
  for (const [t, cls, msg] of cases) {
    assert.throws(() => fromTimestamp(t), (e: unknown) => e instanceof SerializeError && pythonClass(e) === cls && (e as Error).message === msg, String(t));
  }
  assert.deepEqual(fields(fromTimestamp(-62135596800 + 86400)), [1, 1, 2, 0, 0, 0, 0]);
  // in a message
  assert.throws(() => dec("d7320000000000000000".slice(0, 4) + "0000c020fa7f4d42"), /year 10000 is out of range/);
});

test("timestamp() fails where CPython's does: 0001-01-01 with fold 0, 9999-12-31 with fold 1", () => {
  const refused: Array<[PyDateTime, string]> = [
    [new PyDateTime(1, 1, 1), "year 0 is out of range"],
    [new PyDateTime(1, 1, 1, 23, 59, 59, 999999), "year 0 is out of range"],
    [new PyDateTime(9999, 12, 31, 0, 0, 0, 0, { fold: 1 }), "year 10000 is out of range"],
  ];
  for (const [dt, msg] of refused) {
    assert.throws(() => msgpack.serializeData(dt), (e: unknown) => e instanceof SerializeError && pythonClass(e) === "builtins.ValueError" && (e as Error).message === msg);
  }
  assert.equal(hex(msgpack.serializeData(new PyDateTime(1, 1, 1, 0, 0, 0, 0, { fold: 1 }))), "d732000000ee23ef2cc2");
  assert.equal(hex(msgpack.serializeData(new PyDateTime(9999, 12, 31))), "d73200000078f97f4d42");
});

test("an aware PyDateTime is refused as Python refuses it (any zone, UTC too); a plain Date still goes as its instant", () => {
  for (const off of [0, 7200, -19800]) {
    assert.throws(() => msgpack.serializeData(new PyDateTime(2020, 2, 29, 1, 0, 0, 0, { utcoffset: off })), (e: unknown) =>
      e instanceof SerializeError && pythonClass(e) === "Pyro4.errors.SerializeError" && (e as Error).message === "msgpack cannot serialize datetime with timezone info");
  }
  assert.equal(hex(msgpack.serializeData(new Date(Date.UTC(2020, 1, 29)))), "d732000000606a96d741");
});

test("date (ext 0x33) both ways as PyDate, years 1 and 9999 and the leap day", () => {
  const dates: Array<[string, PyDate]> = [
    ["d733cc400b0000000000", new PyDate(2020, 2, 29)],
    ["d7330100000000000000", new PyDate(1, 1, 1)],
    ["d733dbb9370000000000", new PyDate(9999, 12, 31)],
  ];
  for (const [h, d] of dates) {
    assert.equal(hex(msgpack.serializeData(d)), h);
    const v = dec(h);
    assert.ok(v instanceof PyDate && !(v instanceof PyDateTime), h);
    assert.equal((v as PyDate).isoformat(), d.isoformat());
  }
  assert.throws(() => dec("d7330000000000000000"), (e: unknown) => pythonClass(e) === "builtins.ValueError" && /ordinal must be >= 1/.test((e as Error).message));
  assert.throws(() => dec("d733dcb9370000000000"), /year 10000 is out of range/);
});

test("a Pyro4 call keeps the ext values Python cannot convert, as Pyro4's loadsCall (no ext_hook) does; Pyro5 fails on them", () => {
  const outOfRange = Buffer.from("0000c020fa7f4d42", "hex"); // 9999-12-31T23:59:59.999998 as Python writes it
  const call = (ext: string) => Buffer.concat([Buffer.from("94a16fa16d91", "hex"), Buffer.from(ext, "hex"), Buffer.from("80", "hex")]);
  const cases = ["d732" + outOfRange.toString("hex"), "d7330000000000000000", "d4400a"];
  for (const ext of cases) {
    const c = msgpack.deserializeCall(call(ext));
    const v = c.vargs[0];
    assert.ok(v instanceof MsgpackExt, ext);
    // echoed back unchanged: the Python client then fails on it just as on Python's own echo
    assert.equal(hex(msgpack.serializeData(v)), ext);
    assert.throws(() => msgpack.deserializeData(Buffer.from(ext, "hex")), SerializeError);
    assert.throws(() => getPyro5Serializer("msgpack").deserializeCall(call(ext)), SerializeError);
  }
  // convertible ones are converted in both
  assert.ok(msgpack.deserializeCall(call("d732000000606a96d741")).vargs[0] instanceof PyDateTime);
});

test("a dict key that is an ext value fails a Pyro4 call with msgpack's strict_map_key error naming ExtType", () => {
  const data = Buffer.concat([Buffer.from("94a16fa16d91", "hex"), Buffer.from("81d732000000000000000001", "hex"), Buffer.from("80", "hex")]);
  assert.throws(() => msgpack.deserializeCall(data), (e: unknown) =>
    pythonClass(e) === "builtins.ValueError" && (e as Error).message === "ExtType is not allowed for map key when strict_map_key=True");
  // Pyro5 and plain data read the key (a Python peer then fails on it as Python would)
  assert.ok((getPyro5Serializer("msgpack").deserializeCall(data).vargs[0] as Map<unknown, unknown>).size === 1);
});
