// The value model helpers every serializer relies on: tuples, class hooks, exception dicts both ways.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  tuple, isTuple, Tuple, classToDict, dictToClass, registerClassToDict, unregisterClassToDict, registerDictToClass,
  unregisterDictToClass, errorToDict, dictToError, setKey, ExceptionWrapper, parsePythonFloat, Complex,
} from "../../src/serializers/values.js";
import { RemoteError, NamingError, PyroError, SecurityError, SerializeError, TimeoutError, formatRemoteTraceback } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

test("tuple is an array that stays distinguishable; derived arrays are lists", () => {
  const t = tuple(1, 2, 3);
  assert.ok(Array.isArray(t));
  assert.ok(isTuple(t));
  assert.equal(t.length, 3);
  assert.ok(!isTuple(t.map((x) => x * 2)));
  assert.ok(!isTuple([1, 2]));
  assert.notDeepStrictEqual(t, [1, 2, 3]);
  assert.deepEqual([...t], [1, 2, 3]);
  assert.equal(tuple(7).length, 1, "tuple(7) holds one item, not seven holes");
  assert.ok(new Tuple() instanceof Array);
});

test("setKey never reaches the prototype", () => {
  const o: Record<string, unknown> = {};
  setKey(o, "__proto__", { polluted: true });
  assert.equal(({} as any).polluted, undefined);
  assert.equal((o as any).polluted, undefined);
  assert.deepEqual(Object.keys(o), ["__proto__"]);
});

const errorMap: [Error, string, unknown[]][] = [
  [new TypeError("bad type"), "builtins.TypeError", ["bad type"]],
  [new RangeError("out"), "builtins.ValueError", ["out"]],
  [new Error("plain"), "builtins.Exception", ["plain"]],
  [Object.assign(new Error("x"), { name: "KeyError" }), "builtins.KeyError", ["x"]],
  [Object.assign(new Error("custom"), { name: "MyAppError" }), "builtins.Exception", ["MyAppError: custom"]],
  [new NamingError("unknown name: x"), "Pyro4.errors.NamingError", ["unknown name: x"]],
  [new RemoteError("mymod.Special", ["a", 1], { extra: 5 }), "mymod.Special", ["a", 1]],
];
for (const [err, cls, args] of errorMap) {
  test(`errorToDict: ${err.name} travels as ${cls}`, () => {
    const d = errorToDict(err) as any;
    assert.equal(d.__class__, cls);
    assert.equal(d.__exception__, true);
    assert.ok(isTuple(d.args));
    assert.deepEqual([...d.args], args);
    assert.ok(Array.isArray(d.attributes._pyroTraceback));
    assert.match(d.attributes._pyroTraceback[0], /^Traceback \(most recent call last\):\n$/);
    assert.ok(d.attributes._pyroTraceback.every((l: string) => l.endsWith("\n")));
  });
}

test("dictToError rebuilds Pyro errors by short or qualified name, others as RemoteError", () => {
  const tb = ["Traceback (most recent call last):\n", "ValueError: boom\n"];
  const e1 = dictToError({ __class__: "Pyro4.errors.TimeoutError", __exception__: true, args: ["slow"], attributes: { _pyroTraceback: tb } });
  assert.ok(e1 instanceof TimeoutError);
  assert.equal(e1.message, "slow");
  assert.deepEqual((e1 as PyroError).remoteTraceback, tb);
  const e2 = dictToError({ __class__: "PyroError", __exception__: true, args: ["short"], attributes: {} });
  assert.ok(e2 instanceof PyroError);
  const e3 = dictToError({ __class__: "builtins.ValueError", __exception__: true, args: ["bad", 42], attributes: { _pyroTraceback: tb, custom: "hi" } });
  assert.ok(e3 instanceof RemoteError);
  assert.equal((e3 as RemoteError).pythonName, "ValueError");
  assert.equal(e3.name, "ValueError");
  assert.equal(e3.message, "('bad', 42)");
  assert.deepEqual((e3 as RemoteError).attributes.custom, "hi");
  assert.ok(formatRemoteTraceback(e3).some((l) => l.includes("This exception occured remotely")));
});

test("dictToClass: URI, ExceptionWrapper, exceptions; other classes (the float dict too) refused as Python refuses them", () => {
  const u = dictToClass({ __class__: "Pyro4.core.URI", state: tuple<unknown>("PYRO", "obj", null, "localhost", 1234) });
  assert.ok(u instanceof URI);
  assert.equal(String(u), "PYRO:obj@localhost:1234");
  // serpent's float dict is the serpent reader's alone (serpentFloat); elsewhere Python's dict_to_class refuses it
  assert.throws(() => dictToClass({ __class__: "float", value: "nan" }), /unsupported serialized class: float/);
  const w = dictToClass({ __class__: "Pyro4.futures._ExceptionWrapper", exception: { __class__: "builtins.KeyError", __exception__: true, args: ["k"], attributes: {} } });
  assert.ok(w instanceof ExceptionWrapper);
  assert.ok((w as ExceptionWrapper).exception instanceof RemoteError);
  assert.throws(() => dictToClass({ __class__: "shop.Item", name: "shoe" }), (e: unknown) => e instanceof SerializeError && e.message === "unsupported serialized class: shop.Item");
  assert.throws(() => dictToClass({ __class__: "__main__.Item" }), (e: unknown) => e instanceof SecurityError && e.message === "refused to deserialize types with double underscores in their name: __main__.Item");
  // exception dicts are always errors, whatever their class (Python would refuse the ones it cannot import)
  assert.ok(dictToClass({ __class__: "__main__.MyError", __exception__: true, args: ["m"], attributes: {} }) instanceof RemoteError);
  // Pyro's own daemon and serializer classes, which Python rebuilds and we cannot, stay dicts
  const daemon = { __class__: "Pyro5.server.Daemon", state: {} };
  assert.equal(dictToClass(daemon), daemon);
});

test("class hooks: register and unregister both directions", () => {
  class Point {
    constructor(public x: number, public y: number) {}
  }
  registerClassToDict(Point, (p) => ({ __class__: "geo.Point", x: p.x, y: p.y }));
  registerDictToClass("geo.Point", (_n, d) => new Point(d.x as number, d.y as number));
  try {
    assert.deepEqual(classToDict(new Point(1, 2)), { __class__: "geo.Point", x: 1, y: 2 });
    const back = dictToClass({ __class__: "geo.Point", x: 3, y: 4 });
    assert.ok(back instanceof Point && back.x === 3);
  } finally {
    unregisterClassToDict(Point);
    unregisterDictToClass("geo.Point");
  }
  assert.deepEqual(classToDict(new Point(1, 2)), { __class__: "Point", x: 1, y: 2 });
  assert.throws(() => dictToClass({ __class__: "geo.Point", x: 3 }), /unsupported serialized class: geo\.Point/);
});

test("parsePythonFloat and Complex formatting", () => {
  assert.equal(parsePythonFloat("inf"), Infinity);
  assert.equal(parsePythonFloat("-inf"), -Infinity);
  assert.ok(Number.isNaN(parsePythonFloat("nan")));
  assert.equal(parsePythonFloat("1.5"), 1.5);
  assert.throws(() => parsePythonFloat("abc"), /invalid float/);
  assert.equal(String(new Complex(1, -2)), "(1-2j)");
});
