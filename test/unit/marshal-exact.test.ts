// marshal values that must come back from our echo exactly as from Python's (issue "Values survive exactly"), each
// with the value that exposed its defect, and the marker types as Pyro4's MarshalSerializer sends or refuses them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { marshal } from "../../src/serializers/marshal.js";
import { FrozenSet, NEG_ZERO, PyDateTime, PyDate, PyTime, TimeDelta, UUID, ByteArray, Range, OrderedDict, Decimal } from "../../src/serializers/values.js";
import { PyroError, SerializeError } from "../../src/errors.js";

const pythonClass = (e: unknown) => (e as { constructor: typeof PyroError }).constructor.pythonName;
const roundTrip = (hex: string) => marshal.serializeData(marshal.deserializeData(Buffer.from(hex, "hex"))).toString("hex");

test("-0.0 in a set, a frozenset or as a dict key stays -0.0 (a JavaScript Set or Map would make it 0)", () => {
  // Python's marshal.dumps({-0.0, 1}), frozenset({-0.0}), {-0.0: 'z'} (reference flags dropped: we never write them)
  const cases: Array<[string, string]> = [
    ["bc02000000e70000000000000080e901000000", "3c020000006700000000000000806901000000"],
    ["be01000000e70000000000000080", "3e01000000670000000000000080"],
    ["fbe70000000000000080da017a30", "7b6700000000000000807a017a30"],
  ];
  for (const [python, ours] of cases) assert.equal(roundTrip(python), ours, python);
  const s = marshal.deserializeData(Buffer.from(cases[0]![0], "hex")) as Set<unknown>;
  assert.ok(s.has(NEG_ZERO) && !s.has(0));
  assert.ok((marshal.deserializeData(Buffer.from(cases[1]![0], "hex")) as FrozenSet).has(NEG_ZERO));
});

test("the float class dict is serpent's alone: over marshal it is refused as Python's reader refuses it", () => {
  const data = marshal.serializeData({ __class__: "float", value: "1.5" });
  assert.throws(() => marshal.deserializeData(data), (e: unknown) => e instanceof SerializeError && e.message === "unsupported serialized class: float");
});

test("marker types: converted as Pyro4 converts the value itself (an argument), refused inside containers", () => {
  const top = (pyClass: string) => (e: unknown) =>
    e instanceof SerializeError && pythonClass(e) === "Pyro4.errors.SerializeError" &&
    (e as Error).message === `don't know how to serialize class <class '${pyClass}'> using serializer MarshalSerializer. Give it vars() or an appropriate __getstate__`;
  const nested = (e: unknown) => e instanceof SerializeError && pythonClass(e) === "builtins.ValueError" && (e as Error).message === "unmarshallable object";
  const cases: Array<[unknown, string]> = [
    [new PyDateTime(2020, 2, 29), "datetime.datetime"],
    [new PyDate(2020, 2, 29), "datetime.date"],
    [new PyTime(1), "datetime.time"],
    [new TimeDelta(1), "datetime.timedelta"],
    [new Range(0, 1), "range"],
    [new Decimal("1.5"), "decimal.Decimal"],
  ];
  for (const [v, cls] of cases) {
    assert.throws(() => marshal.serializeData(v), top(cls), cls);
    assert.throws(() => marshal.serializeCall("o", "m", [v], null), top(cls), cls);
    assert.throws(() => marshal.serializeCall("o", "m", [], { k: v }), top(cls), cls);
    assert.throws(() => marshal.serializeData([v]), nested, cls);
    assert.throws(() => marshal.serializeCall("o", "m", [[v]], null), nested, cls);
  }
  assert.deepEqual(marshal.deserializeData(marshal.serializeData(UUID.fromInt(1))), "00000000-0000-0000-0000-000000000001");
  assert.equal(marshal.deserializeCall(marshal.serializeCall("o", "m", [UUID.fromInt(1)], null)).vargs[0], "00000000-0000-0000-0000-000000000001");
  assert.throws(() => marshal.serializeData({ id: UUID.fromInt(1) }), nested);
  assert.throws(() => marshal.serializeData(new OrderedDict([["a", 1]])), nested); // a dict to Pyro4, then marshal refuses it
  assert.deepEqual(marshal.deserializeData(marshal.serializeData([ByteArray.from([1, 2])])), [Buffer.from([1, 2])]);
  // a plain Date keeps going as its isoformat() text, anywhere
  assert.deepEqual(marshal.deserializeData(marshal.serializeData([new Date(0)])), ["1970-01-01T00:00:00+00:00"]);
});
