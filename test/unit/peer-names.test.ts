// Names that come from outside (a peer's method name, a registration's params table, a command name on the
// command line) are looked up as own entries only, never reaching Object.prototype members.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { computeExposure } from "../../src/server/expose.js";
import { hasMember, resolveMethod, getRemoteAttribute, callMethod } from "../../src/server/dispatch.js";

class Served {
  toString() {
    return "served";
  }
  greet(who: string, punct = "!") {
    return `hi ${who}${punct}`;
  }
  get size() {
    return 3;
  }
}

test("hasMember: own and class members, not what every object inherits", () => {
  const s = new Served();
  assert.equal(hasMember(s, "greet"), true);
  assert.equal(hasMember(s, "size"), true);
  assert.equal(hasMember(s, "toString"), true); // the class defines its own
  for (const n of ["constructor", "__proto__", "hasOwnProperty", "valueOf", "isPrototypeOf", "__defineGetter__"])
    assert.equal(hasMember(s, n), false, n);
  assert.equal(hasMember({}, "toString"), false);
});

test("resolveMethod / __getattr__ of inherited names give Python's 'no attribute' errors", () => {
  const e = computeExposure(Served, true, {}, false);
  const s = new Served();
  for (const n of ["valueOf", "hasOwnProperty", "constructor", "__proto__"]) {
    assert.throws(() => resolveMethod(s, e, n), { message: `'Served' object has no attribute '${n}'` });
    assert.throws(() => getRemoteAttribute(s, e, n), { message: `type object 'Served' has no attribute '${n}'` });
  }
});

test("a params table is read for own entries only (toString is not Object.prototype.toString's parameters)", () => {
  const e = computeExposure(Served, true, { params: { greet: ["who", "punct"] } }, false);
  const m = e.methods.get("toString")!;
  assert.ok(m);
  assert.deepEqual(m.params?.names ?? [], []);
  assert.equal(callMethod(new Served(), "Served", m, [], null), "served");
  assert.equal(callMethod(new Served(), "Served", e.methods.get("greet")!, ["bob"], { punct: "?" }), "hi bob?");
});

test("pyro4 constructor / toString: unknown command, one line, exit 2", () => {
  for (const name of ["constructor", "toString"]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", name], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^pyro4: unknown command '${name}'`));
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
});
