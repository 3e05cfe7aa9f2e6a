// json values that must come back from our echo exactly as from Python's (issue "Values survive exactly"), each
// with the value that exposed its defect, and the marker types as Pyro4's JsonSerializer.default sends them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { json } from "../../src/serializers/json.js";
import {
  Complex, FrozenSet, PyDateTime, PyDate, PyTime, TimeDelta, UUID, ByteArray, Range, OrderedDict, tuple, Decimal,
} from "../../src/serializers/values.js";
import { PyroError, SerializeError } from "../../src/errors.js";

const dec = (text: string) => json.deserializeData(Buffer.from(text));
const enc = (v: unknown) => json.serializeData(v).toString("utf8");
const pythonClass = (e: unknown) => (e as { constructor: typeof PyroError }).constructor.pythonName;
const refused = (pyClass: string) => (e: unknown) =>
  e instanceof SerializeError &&
  pythonClass(e) === "Pyro4.errors.SerializeError" &&
  (e as Error).message === `don't know how to serialize class <class '${pyClass}'> using serializer JsonSerializer. Give it vars() or an appropriate __getstate__`;

test("only the exact dict we write for bytes becomes bytes; every other dict goes back as it came", () => {
  assert.deepEqual(dec('{"data": "YWI=", "encoding": "base64"}'), Buffer.from("ab"));
  for (const text of [
    '{"data": "YWI", "encoding": "base64"}',
    '{"data": "hello world!", "encoding": "base64"}',
    '{"data": "YWJ=", "encoding": "base64"}',
    '{"encoding": "base64", "data": "YWI="}',
    '{"data": "YWI=", "encoding": "base64", "x": 1}',
    '{"data": 5, "encoding": "base64"}',
  ]) {
    for (const t of [text, `[${text}, 12345678901234567890]`]) {
      // both decoding paths: JSON.parse, and our own parser (long integers)
      const v = dec(t);
      assert.equal(enc(v), t, t);
    }
  }
});

test("the float class dict is serpent's alone: over json it is refused as Python's reader refuses it", () => {
  const text = '{"__class__": "float", "value": "1.5"}';
  assert.throws(() => dec(text), (e: unknown) => e instanceof SerializeError && e.message === "unsupported serialized class: float");
});

test("the marker types as JsonSerializer.default sends them, and the ones it refuses", () => {
  const cases: Array<[unknown, string]> = [
    [new PyDateTime(2020, 2, 29, 23, 59, 59, 999999), '"2020-02-29T23:59:59.999999"'],
    [new PyDateTime(2020, 2, 29, 1, 2, 3, 4, { utcoffset: 7200 }), '"2020-02-29T01:02:03.000004+02:00"'],
    [new PyDateTime(1, 1, 1), '"0001-01-01T00:00:00"'],
    [new PyDate(9999, 12, 31), '"9999-12-31"'],
    [UUID.fromInt(1), '"00000000-0000-0000-0000-000000000001"'],
    [new OrderedDict<unknown, unknown>([["b", 1], [2, "a"]]), '{"b": 1, "2": "a"}'],
    [new Set([1, 2]), "[1, 2]"],
    [new Date(Date.UTC(2020, 1, 29)), '"2020-02-29T00:00:00+00:00"'],
    [new Decimal("1e5"), '"1E+5"'],
  ];
  for (const [v, text] of cases) assert.equal(enc(v), text, text);
  assert.throws(() => enc(new PyTime(1, 2)), refused("datetime.time"));
  assert.throws(() => enc(new TimeDelta(1)), refused("datetime.timedelta"));
  assert.throws(() => enc(new Range(0, 3)), refused("range"));
  assert.equal(enc(new FrozenSet([1])), "[1]"); // deliberate: Python refuses it, ours sends a list (docs/pyro5.md)
  assert.throws(() => enc(ByteArray.from([1])), refused("bytearray"));
  assert.throws(() => enc(new Complex(1, 2)), refused("complex"));
});

test("dict keys: json.dumps's TypeError with Python's type name", () => {
  const keyError = (name: string) => (e: unknown) =>
    e instanceof SerializeError && pythonClass(e) === "builtins.TypeError" && (e as Error).message === `keys must be str, int, float, bool or None, not ${name}`;
  assert.throws(() => enc(new Map([[tuple(1, 2), 1]])), keyError("tuple"));
  assert.throws(() => enc(new Map([[new PyDateTime(2020, 1, 1), 1]])), keyError("datetime.datetime"));
  assert.throws(() => enc(new Map([[UUID.fromInt(1), 1]])), keyError("UUID"));
  assert.equal(enc(new Map<unknown, unknown>([[null, 1], [true, 2], [1.5, 3], [NaN, 4]])), '{"null": 1, "true": 2, "1.5": 3, "NaN": 4}');
});
