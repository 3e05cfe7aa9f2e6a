// msgpack values that must come back from our echo exactly as from Python's (issue "Values survive exactly"), besides
// datetimes (msgpack-datetime.test.ts): the float class dict, -0.0 keys, and the marker types as Pyro4's
// MsgpackSerializer.default sends or refuses them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { msgpack } from "../../src/serializers/msgpack.js";
import { FrozenSet, NEG_ZERO, PyTime, TimeDelta, UUID, ByteArray, Range, OrderedDict, Complex, Decimal } from "../../src/serializers/values.js";
import { PyroError, SerializeError } from "../../src/errors.js";

const pythonClass = (e: unknown) => (e as { constructor: typeof PyroError }).constructor.pythonName;
const hex = (v: unknown) => msgpack.serializeData(v).toString("hex");

test("the float class dict is serpent's alone: over msgpack it is refused as Python's reader refuses it", () => {
  const data = msgpack.serializeData({ __class__: "float", value: "1.5" });
  assert.throws(() => msgpack.deserializeData(data), (e: unknown) => e instanceof SerializeError && e.message === "unsupported serialized class: float");
});

test("a -0.0 dict key stays -0.0", () => {
  const m = msgpack.deserializeData(Buffer.from("81cb8000000000000000a17a", "hex")) as Map<unknown, unknown>;
  assert.equal(m.get(NEG_ZERO), "z");
  assert.equal(hex(m), "81cb8000000000000000a17a");
});

test("the marker types as MsgpackSerializer.default sends them, and the ones it refuses", () => {
  assert.equal(hex(UUID.fromInt(1)), "d924" + Buffer.from("00000000-0000-0000-0000-000000000001").toString("hex"));
  assert.equal(hex(ByteArray.from([97, 98])), "c4026162");
  assert.equal(hex(new OrderedDict([["b", 1], ["a", 2]])), "82a16201a16102");
  assert.equal(hex(new Set([1, 2])), "920102");
  assert.equal(hex(new Decimal("1.50")), "a4312e3530");
  assert.equal(hex(new Complex(1, 2)), "d830000000000000f03f0000000000000040");
  const refused = (pyClass: string) => (e: unknown) =>
    e instanceof SerializeError && pythonClass(e) === "Pyro4.errors.SerializeError" &&
    (e as Error).message === `don't know how to serialize class <class '${pyClass}'> using serializer MsgpackSerializer. Give it vars() or an appropriate __getstate__`;
  assert.equal(hex(new FrozenSet([1])), hex([1])); // deliberate: Python refuses it, ours sends a list (docs/pyro5.md)
  assert.throws(() => hex(new PyTime(1)), refused("datetime.time"));
  assert.throws(() => hex(new TimeDelta(1)), refused("datetime.timedelta"));
  assert.throws(() => hex(new Range(0, 1)), refused("range"));
});
