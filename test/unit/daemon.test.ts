// Pure TypeScript checks of the daemon's building blocks: parameter-list parsing, Python-style argument binding,
// private-name rules, exposure from decorators and registration options, registry rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseParams } from "../../src/server/params.js";
import { bindArguments } from "../../src/server/dispatch.js";
import { computeExposure, expose, isPrivateName, oneway, behavior, classBehavior } from "../../src/server/expose.js";
import { Daemon } from "../../src/server/daemon.js";
import { DaemonError } from "../../src/errors.js";

const paramCases: [string, string, { names: (string | null)[]; required: number; rest: string | null; kwargsObject: boolean } | null][] = [
  ["method", "add(a, b) { return a + b; }", { names: ["a", "b"], required: 2, rest: null, kwargsObject: false }],
  ["defaults", "f(a, b = 2, c = g(1, 2)) {}", { names: ["a", "b", "c"], required: 1, rest: null, kwargsObject: false }],
  ["async generator", "async *gen(n = 3) {}", { names: ["n"], required: 0, rest: null, kwargsObject: false }],
  ["function", "function named(x, /* c, d */ y) {}", { names: ["x", "y"], required: 2, rest: null, kwargsObject: false }],
  ["arrow", "(a, b) => a", { names: ["a", "b"], required: 2, rest: null, kwargsObject: false }],
  ["bare arrow", "x => x", { names: ["x"], required: 1, rest: null, kwargsObject: false }],
  ["rest", "f(a, ...more) {}", { names: ["a"], required: 1, rest: "more", kwargsObject: false }],
  ["object pattern", "f(a, { x = 1, y = '),(' } = {}) {}", { names: ["a", null], required: 1, rest: null, kwargsObject: true }],
  ["strings with commas", "f(a = 'x,y', b = `t${1,2}`) {}", { names: ["a", "b"], required: 0, rest: null, kwargsObject: false }],
  ["computed key", "['we(ird'](p) {}", { names: ["p"], required: 1, rest: null, kwargsObject: false }],
  ["no params", "ping() {}", { names: [], required: 0, rest: null, kwargsObject: false }],
  ["native", "function push() { [native code] }", null],
];
for (const [name, src, expected] of paramCases) {
  test(`parseParams: ${name}`, () => assert.deepEqual(parseParams(src), expected));
}

const info = parseParams("f(a, b = 2, c = 3) {}")!;
const bindCases: [string, unknown[], Record<string, unknown> | null, unknown[] | RegExp][] = [
  ["positional", [1, 2, 3], null, [1, 2, 3]],
  ["defaults left out", [1], {}, [1]],
  ["keyword fills gap", [1], { c: 9 }, [1, undefined, 9]],
  ["all keywords", [], { c: 3, a: 1 }, [1, undefined, 3]],
  ["too many", [1, 2, 3, 4], null, /X\.f\(\) takes from 2 to 4 positional arguments but 5 were given/],
  ["missing", [], { b: 1 }, /X\.f\(\) missing 1 required positional argument: 'a'/],
  ["duplicate", [1], { a: 2 }, /got multiple values for argument 'a'/],
  ["unexpected", [1], { z: 2 }, /got an unexpected keyword argument 'z'/],
];
for (const [name, vargs, kwargs, expected] of bindCases) {
  test(`bindArguments: ${name}`, () => {
    if (expected instanceof RegExp) {
      assert.throws(() => bindArguments("X.f", info, vargs, kwargs), (e: Error & { pythonType?: string }) => {
        assert.equal(e.pythonType, "builtins.TypeError");
        assert.match(e.message, expected);
        return true;
      });
    } else assert.deepEqual(bindArguments("X.f", info, vargs, kwargs), expected);
  });
}

test("bindArguments: unknown keywords go into a trailing object pattern", () => {
  const p = parseParams("f(a, { x = 1, y = 2 } = {}) {}")!;
  assert.deepEqual(bindArguments("f", p, [1], { y: 5 }), [1, { y: 5 }]);
  assert.deepEqual(bindArguments("f", p, [], { a: 0, x: 1 }), [0, { x: 1 }]);
});

test("isPrivateName follows Pyro4", () => {
  for (const n of ["_x", "__x", "__init__", "__call__", "__getattr__", "___", "__"]) assert.equal(isPrivateName(n), true, n);
  for (const n of ["x", "x_", "__len__", "__dunder__", "__getitem__"]) assert.equal(isPrivateName(n), false, n);
});

test("decorators: class, method, getter, accessor, oneway; private names refused", () => {
  @expose
  class A {
    m() {}
    get g() {
      return 1;
    }
    _p() {}
    @oneway o() {}
  }
  class B extends A {
    @expose extra() {}
    notExposed() {}
    @expose accessor acc = 1;
  }
  const e = computeExposure(B, true, {}, true);
  assert.deepEqual([...e.methods.keys()].sort(), ["extra", "m", "o"]);
  assert.deepEqual([...e.attrs.keys()].sort(), ["acc", "g"]);
  assert.deepEqual(e.metadata(true).oneway, ["o"]);
  assert.throws(() => {
    class C {
      @expose _hidden() {}
    }
    return C;
  }, /private names/);
});

test("registration options expose plain objects; REQUIRE_EXPOSE off exposes all public members", () => {
  const obj = { add: (a: number, b: number) => a + b, get v() { return 1; }, data: 5, _x() {} };
  const e = computeExposure(obj, false, { expose: ["add", "v"], oneway: ["add"], params: { add: ["a", "b"] } }, true);
  assert.deepEqual([...e.methods.keys()], ["add"]);
  assert.deepEqual(e.methods.get("add")!.params!.names, ["a", "b"]);
  assert.deepEqual([...e.attrs.keys()], ["v"]);
  const all = computeExposure(obj, false, {}, false);
  assert.deepEqual([...all.methods.keys()].sort(), ["add"]);
  assert.throws(() => computeExposure(obj, false, { expose: ["_x"] }, true), DaemonError);
  assert.throws(() => computeExposure(obj, false, { expose: ["missing"] }, true), DaemonError);
});

test("behavior decorator", () => {
  @behavior("percall")
  class P {}
  assert.equal(classBehavior(P).instanceMode, "percall");
  assert.throws(() => behavior("weird" as "single"), /invalid instance mode/);
});

test("Daemon registry: ids, duplicates, uriFor, proxyFor, unregister", async () => {
  await using d = await Daemon.create({ host: "127.0.0.1" });
  @expose
  class T {
    hi() {}
  }
  const t = new T();
  const uri = d.register(t, "t1");
  assert.equal(uri.asString(), `PYRO:t1@${d.locationStr}`);
  assert.throws(() => d.register(t, "t2"), /already has a Pyro id/);
  assert.throws(() => d.register(new T(), "t1"), /already registered with that id/);
  const auto = d.register(new T());
  assert.match(auto.object, /^obj_[0-9a-f]{32}$/);
  const proxy = d.proxyFor(t);
  assert.equal(proxy.__class__, "Pyro4.core.Proxy");
  assert.equal(proxy.state.length, 9);
  assert.deepEqual([...(proxy.state[2] as string[])], ["hi"]);
  assert.deepEqual(d.registeredIds().sort(), ["Pyro.Daemon", auto.object, "t1"].sort());
  d.unregister(t);
  d.unregister("Pyro.Daemon");
  assert.deepEqual(d.registeredIds().sort(), ["Pyro.Daemon", auto.object].sort());
  assert.throws(() => d.uriFor(t), /isn't registered/);
});

test("Daemon: fixed port location is known before listening; NAT location", async () => {
  const d = new Daemon({ host: "127.0.0.1", port: 0, nathost: "nat.example", natport: 0 });
  assert.throws(() => d.locationStr, /not known until it listens/);
  await d.ready;
  const port = d.locationStr.split(":")[1];
  assert.equal(d.natLocationStr, `nat.example:${port}`);
  assert.equal(d.uriFor("x").asString(), `PYRO:x@nat.example:${port}`);
  assert.equal(d.uriFor("x", false).asString(), `PYRO:x@127.0.0.1:${port}`);
  await d.close();
  assert.throws(() => new Daemon({ nathost: "x", natport: null }), /natport/);
  await assert.rejects(Daemon.create({ host: "127.0.0.1", serializersAccepted: ["dill"] as never }), /not supported/);
});

test("a call without CORR gets a fresh version-4 correlation id, sent back in the reply", async () => {
  const { Proxy } = await import("../../src/client/proxy.js");
  const { currentContext } = await import("../../src/server/context.js");
  const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
  const uri = daemon.register({ corr: () => currentContext()!.correlationId }, "c", { expose: ["corr"] });
  const p = new Proxy(uri);
  try {
    const ids = [await p.corr(), await p.corr(), await p.corr()] as string[];
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const id of ids) assert.match(id, v4);
    assert.equal(new Set(ids).size, 3);
  } finally {
    await p.$release();
    await daemon.close();
  }
});
