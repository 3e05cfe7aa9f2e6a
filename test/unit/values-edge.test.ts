// Value fidelity and peer-controlled names at the edges of the value model (issue 15): numbers that are not safe
// integers go out as floats in every serializer, FrozenSet survives where the format can carry it, and names a peer
// chooses (exception classes, dict keys, serializer names) never resolve to Object.prototype members.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getSerializer, hasSerializer, serializerIds } from "../../src/serializers/index.js";
import {
  FrozenSet, frozenset, isFrozenSet, dictToClass, dictToError, errorToDict, registerDictToClass,
  unregisterDictToClass, float,
} from "../../src/serializers/values.js";
import { pythonNameOf } from "../../src/python/exceptions.js";
import { PyroError, RemoteError, SerializeError, NamingError, InvalidArgumentError } from "../../src/errors.js";

const SERIALIZERS = ["serpent", "json", "marshal", "msgpack"] as const;
const PEER_NAMES = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf", "isPrototypeOf", "__defineGetter__"];

test("FrozenSet: a Set that cannot change, built by frozenset() and recognised by isFrozenSet", () => {
  const fs = frozenset<unknown>(1, "a", 1);
  assert.ok(fs instanceof Set);
  assert.ok(isFrozenSet(fs));
  assert.ok(!isFrozenSet(new Set([1])));
  assert.deepEqual([...fs], [1, "a"]);
  assert.equal(fs.size, 2);
  assert.throws(() => fs.add(3), InvalidArgumentError);
  assert.throws(() => fs.delete(1), InvalidArgumentError);
  assert.throws(() => fs.clear(), InvalidArgumentError);
  assert.deepEqual([...fs], [1, "a"]);
  assert.deepEqual([...new FrozenSet(new Set(["x"]))], ["x"]);
  assert.equal(new FrozenSet().size, 0);
  assert.notDeepStrictEqual(frozenset(1), new Set([1]));
});

test("FrozenSet: marshal keeps it a frozenset both ways; serpent, json and msgpack send it like a Set", () => {
  const m = getSerializer("marshal");
  const back = m.deserializeData(m.serializeData({ fs: frozenset(1, 2), s: new Set([3]) })) as Record<string, unknown>;
  assert.ok(isFrozenSet(back.fs));
  assert.deepEqual([...(back.fs as Set<unknown>)], [1, 2]);
  assert.ok(back.s instanceof Set && !isFrozenSet(back.s));
  // a frozenset as a dict key (hashable in Python) stays one
  const keyed = m.deserializeData(m.serializeData(new Map([[frozenset("k"), 1]]))) as Map<unknown, unknown>;
  assert.ok(isFrozenSet([...keyed.keys()][0]));
  const s = getSerializer("serpent");
  assert.equal(s.serializeData(frozenset(1, 2)).toString("hex"), s.serializeData(new Set([1, 2])).toString("hex"));
  for (const name of ["json", "msgpack"] as const) {
    // Pyro4's default() refuses a frozenset (class_to_dict); ours sends a list, deliberately (docs/pyro5.md: Python's
    // Pyro5 name server cannot list() names registered without metadata over json or msgpack, ours can)
    const ser = getSerializer(name);
    assert.equal(ser.serializeData(frozenset(1, 2)).toString("hex"), ser.serializeData([1, 2]).toString("hex"), name);
  }
});

test("a number that is not a safe integer is written as a float by every serializer, a bigint as an int", () => {
  const floats = [1e300, 2 ** 60, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, -Number.MAX_VALUE, 1e16, 1e21];
  for (const name of SERIALIZERS) {
    const s = getSerializer(name);
    for (const x of floats) {
      // writing x must give the same bytes as writing float(x) (the explicit float marker)
      assert.equal(s.serializeData(x).toString("hex"), s.serializeData(float(x)).toString("hex"), `${name} ${x}`);
      const back = s.deserializeData(s.serializeData(x));
      assert.equal(typeof back, "number", `${name} ${x} decodes as a number`);
      assert.ok(Object.is(back, x), `${name} ${x} round trip gave ${String(back)}`);
    }
    const big = s.deserializeData(s.serializeData(2n ** 60n));
    assert.equal(big, 2n ** 60n, `${name} bigint stays an int`);
    assert.equal(s.deserializeData(s.serializeData(2 ** 53 - 1)), 2 ** 53 - 1);
    assert.ok(Object.is(s.deserializeData(s.serializeData(-0)), -0), `${name} -0`);
    assert.ok(Object.is(s.deserializeData(s.serializeData(5e-324)), 5e-324), `${name} 5e-324`);
  }
});

test("float text: what serpent and json write for integral floats beyond 2^53 reads as a float in Python syntax", () => {
  const serpent = getSerializer("serpent");
  const json = getSerializer("json");
  const body = (b: Buffer) => b.toString("utf8").replace(/^# serpent utf-8 python3\.2\n/, "");
  for (const [x, text] of [
    [1e300, "1e+300"], [2 ** 60, "1.152921504606847e+18"], [2 ** 53, "9007199254740992.0"], [Number.MAX_VALUE, "1.7976931348623157e+308"],
  ] as const) {
    assert.equal(body(serpent.serializeData(x)), text);
    assert.equal(json.serializeData(x).toString(), text);
  }
});

test("exception class names from a peer never resolve to Object.prototype members", () => {
  for (const name of PEER_NAMES) {
    for (const cls of [name, "Pyro4.errors." + name]) {
      const err = dictToError({ __class__: cls, __exception__: true, args: ["x"], attributes: {} });
      assert.ok(err instanceof RemoteError, `${cls}: got ${Object.prototype.toString.call(err)}`);
      assert.equal(err.pythonType, cls);
      assert.deepEqual(err.args, ["x"]);
      // through the serializer path as well (a decoded exception dict)
      const viaClass = dictToClass({ __class__: cls, __exception__: true, args: ["y"], attributes: {} });
      assert.ok(viaClass instanceof RemoteError);
    }
  }
  // the real Pyro4 names still map to their classes
  assert.ok(dictToError({ __class__: "Pyro4.errors.NamingError", __exception__: true, args: ["n"] }) instanceof NamingError);
});

test("exception dicts with peer names decode to RemoteError through all four serializers", () => {
  for (const ser of SERIALIZERS) {
    const s = getSerializer(ser);
    for (const name of PEER_NAMES) {
      const v = s.deserializeData(s.serializeData({ __class__: name, __exception__: true, args: ["boom"], attributes: {} }));
      assert.ok(v instanceof RemoteError, `${ser} ${name}`);
      assert.equal(v.pythonType, name);
    }
  }
});

test("a local error named like an Object.prototype member still travels as a Python exception class", () => {
  for (const name of PEER_NAMES) {
    const e = new Error("m");
    e.name = name;
    assert.equal(pythonNameOf(e), "builtins.Exception", name);
    assert.equal(errorToDict(e).__class__, "builtins.Exception");
  }
});

test("a RemoteError's '__proto__' attribute stays an attribute when the error is sent on", () => {
  const attrs: Record<string, unknown> = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
  const d = errorToDict(new RemoteError("builtins.ValueError", ["v"], attrs), null);
  const out = d.attributes as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, "__proto__")?.value, { polluted: true });
  assert.equal(out.constructor, 1);
  for (const ser of SERIALIZERS) {
    const s = getSerializer(ser);
    const back = s.deserializeData(s.serializeData(d)) as RemoteError;
    assert.ok(back instanceof RemoteError);
    assert.deepEqual(Object.getOwnPropertyDescriptor(back.attributes, "__proto__")?.value, { polluted: true }, ser);
  }
});

test("dict-to-class hooks are looked up by own names only", () => {
  // refused like any class nothing knows (never an Object.prototype member)
  for (const name of PEER_NAMES) assert.throws(() => dictToClass({ __class__: name, a: 1 }), /unsupported serialized class|double underscores/, name);
  registerDictToClass("constructor", (_c, dict) => ({ hooked: dict.a }));
  try {
    assert.deepEqual(dictToClass({ __class__: "constructor", a: 2 }), { hooked: 2 });
    assert.throws(() => dictToClass({ __class__: "toString", a: 3 }), /unsupported serialized class: toString/);
  } finally {
    unregisterDictToClass("constructor");
  }
  assert.throws(() => dictToClass({ __class__: "constructor", a: 4 }), /unsupported serialized class: constructor/);
});

test("serializer names and ids from a peer or a config are typed errors, never Object members", () => {
  for (const name of PEER_NAMES) {
    assert.throws(() => getSerializer(name), (e: unknown) => e instanceof SerializeError && e instanceof PyroError, name);
    assert.equal(hasSerializer(name), false);
    assert.equal(serializerIds[name], undefined, name);
    assert.equal(name in serializerIds, false);
  }
  for (const id of [0, 5, 7, 99, -1, NaN, 1.5]) { // 4 is pickle (opt-in), 5 dill and 7 cloudpickle stay refused
    assert.throws(() => getSerializer(id), SerializeError);
    assert.equal(hasSerializer(id), false);
  }
  assert.equal(serializerIds.msgpack, 6);
  assert.ok(Object.isFrozen(serializerIds));
});

test("a '__proto__' dict key from a peer becomes an own property in all four decoders", () => {
  const payloads: Record<(typeof SERIALIZERS)[number], Buffer> = {
    serpent: Buffer.from("# serpent utf-8 python3.2\n{'__proto__':{'polluted':True},'constructor':1,'ok':[{'__proto__':2}]}"),
    json: Buffer.from('{"__proto__": {"polluted": true}, "constructor": 1, "ok": [{"__proto__": 2}]}'),
    // marshal: {'__proto__': {'polluted': True}, 'constructor': 1, 'ok': [{'__proto__': 2}]}
    marshal: Buffer.from(
      "7b" + "7a09" + Buffer.from("__proto__").toString("hex") + "7b" + "7a08" + Buffer.from("polluted").toString("hex") + "54" + "30" +
        "7a0b" + Buffer.from("constructor").toString("hex") + "6901000000" +
        "7a02" + Buffer.from("ok").toString("hex") + "5b01000000" + "7b" + "7a09" + Buffer.from("__proto__").toString("hex") + "6902000000" + "30" +
        "30",
      "hex",
    ),
    msgpack: Buffer.from(
      "83" + "a9" + Buffer.from("__proto__").toString("hex") + "81" + "a8" + Buffer.from("polluted").toString("hex") + "c3" +
        "ab" + Buffer.from("constructor").toString("hex") + "01" +
        "a2" + Buffer.from("ok").toString("hex") + "91" + "81" + "a9" + Buffer.from("__proto__").toString("hex") + "02",
      "hex",
    ),
  };
  for (const ser of SERIALIZERS) {
    const v = getSerializer(ser).deserializeData(payloads[ser]) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype, ser);
    assert.deepEqual(Object.keys(v), ["__proto__", "constructor", "ok"], ser);
    assert.deepEqual(Object.getOwnPropertyDescriptor(v, "__proto__")?.value, { polluted: true }, ser);
    assert.equal(v.constructor, 1, ser);
    const inner = (v.ok as Record<string, unknown>[])[0]!;
    assert.equal(Object.getPrototypeOf(inner), Object.prototype, ser);
    assert.equal(Object.getOwnPropertyDescriptor(inner, "__proto__")?.value, 2, ser);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
});

test("a malformed _ExceptionWrapper from a peer is a clear SerializeError in every decoder", () => {
  for (const ser of SERIALIZERS) {
    const s = getSerializer(ser);
    for (const exception of [undefined, null, "text"]) {
      const dict: Record<string, unknown> = { __class__: "Pyro4.futures._ExceptionWrapper" };
      if (exception !== undefined) dict.exception = exception;
      assert.throws(() => s.deserializeData(s.serializeData(dict)), (e: unknown) => e instanceof SerializeError && /_ExceptionWrapper/.test(e.message), `${ser} ${String(exception)}`);
    }
  }
});
