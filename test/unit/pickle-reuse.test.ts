// The pickle decoder reuses one machine (stack, marks, memo) from message to message and skips its depth walk for
// plain data with too few objects to be too deep. These tests pin what that must never change: nothing of one
// message is visible to the next (memo entries, stack, marks, even after an error), a decode started from inside a
// decode (a class hook) gets its own machine, and the depth limit holds on every path.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SerializeError } from "../../src/errors.js";
import { pickle } from "../../src/serializers/pickle.js";
import { registerDictToClass, tuple, unregisterDictToClass } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS as limits } from "../../src/limits.js";

const bin = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));

test("pickle: a memo entry of one message is never visible to the next (dense, sparse and huge indexes)", () => {
  const cases: [Buffer, Buffer][] = [
    [bin([0x80, 4, 0x8c, 1, 0x61, 0x94, 0x8c, 1, 0x62, 0x94, 0x86, 0x2e]), bin([0x80, 4, 0x68, 0, 0x2e])], // MEMOIZE / BINGET
    [bin([0x80, 4, 0x5d, 0x72, 0xff, 0xff, 0xff, 0xff, 0x2e]), bin([0x80, 4, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e])], // LONG_BINPUT 2^32-1
    [bin("]p99999\n."), bin("g99999\n.")], // text PUT far beyond the memo's length
    [bin([0x80, 4, 0x5d, 0x72, 0, 0x10, 0, 0, 0x2e]), bin([0x80, 4, 0x6a, 0, 0x10, 0, 0, 0x2e])],
  ];
  for (const [put, get] of cases) {
    pickle.deserializeData(put);
    assert.throws(() => pickle.deserializeData(get), (e: unknown) => e instanceof SerializeError && /memo key \d+ not found/.test(e.message), put.toString("hex"));
    // and a dense memo after a sparse one still works
    assert.deepEqual(pickle.deserializeData(bin([0x80, 4, 0x8c, 1, 0x7a, 0x94, 0x68, 0, 0x86, 0x2e])), tuple("z", "z"));
  }
});

test("pickle: a failed decode leaves nothing behind for the next message (stack, marks, memo)", () => {
  const bad = [bin([0x80, 4, 0x28, 0x4b, 1, 0x28, 0x4b, 2, 0x94]), bin("(((K\x01\x8c"), bin([0x80, 4, 0x7d, 0x94, 0x28, 0x4b, 1, 0x65, 0x2e])];
  for (const b of bad) {
    assert.throws(() => pickle.deserializeData(b), SerializeError);
    assert.deepEqual(pickle.deserializeData(bin([0x80, 4, 0x5d, 0x4b, 1, 0x61, 0x2e])), [1]);
    assert.throws(() => pickle.deserializeData(bin([0x80, 4, 0x68, 0, 0x2e])), /memo key 0 not found/);
    assert.throws(() => pickle.deserializeData(bin([0x80, 4, 0x30, 0x2e])), /stack underflow/);
  }
});

test("pickle: a class hook that unpickles while the outer pickle is being decoded gets its own machine", () => {
  // inner: ("xyz", "xyz") through memo slot 0; outer: ["abc" (memo slot 0), mod.Thing(), BINGET 0]
  const inner = bin([0x80, 4, 0x8c, 3], "xyz", [0x94, 0x68, 0, 0x86, 0x2e]);
  registerDictToClass("mod.Thing", () => ({ inner: pickle.deserializeData(inner) }));
  try {
    const outer = bin([0x80, 4, 0x5d, 0x28, 0x8c, 3], "abc", [0x94], "cmod\nThing\n", [0x29, 0x52, 0x7d, 0x62, 0x68, 0, 0x65, 0x2e]);
    assert.deepEqual(pickle.deserializeData(outer), ["abc", { inner: tuple("xyz", "xyz") }, "abc"]);
    const call = pickle.deserializeCall(pickle.serializeCall("obj", "m", [tuple(1, 2), [3]], { k: "v" }));
    assert.deepEqual(call, { object: "obj", method: "m", vargs: [tuple(1, 2), [3]], kwargs: { k: "v" } });
  } finally {
    unregisterDictToClass("mod.Thing");
  }
});

test("pickle: the depth limit holds for plain data built on the stack, with DUP, and just below the limit", () => {
  // n empty lists, then n-1 APPENDs: a chain of n lists (the last one at depth n-1)
  const chain = (n: number) => bin([0x80, 4], Buffer.alloc(n, 0x5d).toString("latin1"), Buffer.alloc(n - 1, 0x61).toString("latin1"), [0x2e]);
  let v = pickle.deserializeData(chain(limits.maxDepth + 1));
  for (let i = 0; i < limits.maxDepth; i++) v = (v as unknown[])[0];
  assert.deepEqual(v, []);
  assert.throws(() => pickle.deserializeData(chain(limits.maxDepth + 2)), /nested deeper/);
  // a list holding itself (EMPTY_LIST DUP APPEND) is one object, yet infinitely deep
  assert.throws(() => pickle.deserializeData(bin("]2a.")), /nested deeper/);
  // many objects, shallow: fine
  const wide = pickle.serializeData(Array.from({ length: 3 * limits.maxDepth }, (_, i) => [i]));
  assert.equal((pickle.deserializeData(wide) as unknown[]).length, 3 * limits.maxDepth);
});

test("pickle: PUT at a huge index, then a dict turning into a Map, decodes correctly", () => {
  // EMPTY_DICT, LONG_BINPUT 0xf0000000, SETITEM(1, 1): the memo fix-up must not walk billions of empty slots
  const data = bin([0x80, 4, 0x7d, 0x72, 0, 0, 0, 0xf0, 0x4b, 1, 0x4b, 1, 0x73, 0x2e]);
  const m = pickle.deserializeData(data);
  assert.ok(m instanceof Map);
  assert.equal((m as Map<unknown, unknown>).get(1), 1);
});
