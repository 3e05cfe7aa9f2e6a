// A batch's call list marked as BatchCalls (plain [method, args, kwargs] entries) must encode to exactly the bytes
// of the same calls built as Tuples, on every serializer, for random argument values and at every depth limit
// (the same error where the Tuple form fails). The Python side of the same bytes: test/interop/batch-client.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getSerializer } from "../../src/serializers/index.js";
import { BATCH_NO_ARGS, BATCH_NO_KWARGS, BatchCalls, batchCalls, type BatchCall } from "../../src/serializers/batch-calls.js";
import { Tuple, toTuple, tuple } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS } from "../../src/limits.js";

/** A small seeded PRNG (mulberry32), so that a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number, depth: number, shared: unknown[]): unknown {
  const k = Math.floor(r() * (depth > 3 ? 5 : 9));
  switch (k) {
    case 0: return Math.floor(r() * 1000) - 500;
    case 1: return "s" + Math.floor(r() * 100);
    case 2: return r() < 0.5 ? null : r() < 0.5;
    case 3: return r() * 10;
    case 4: return shared.length ? shared[Math.floor(r() * shared.length)] : tuple();
    case 5: case 6: {
      const items = Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1, shared));
      const v = k === 5 ? toTuple(items) : items;
      shared.push(v);
      return v;
    }
    default: {
      const d: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 3); i > 0; i--) d["k" + i] = randomValue(r, depth + 1, shared);
      return d;
    }
  }
}

/** n random calls: as the recorder keeps them, and as Tuples (the representation before). */
function randomBatch(r: () => number, n: number): { plain: BatchCall[]; tuples: unknown[] } {
  const shared: unknown[] = [];
  const plain: BatchCall[] = [];
  for (let i = 0; i < n; i++) {
    const args = Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, 0, shared));
    if (r() < 0.1) args.push(...Array.from({ length: 300 }, (_, j) => j)); // marshal's long tuple form
    const kwargs: Record<string, unknown> = r() < 0.3 ? { a: randomValue(r, 0, shared) } : {};
    // the recorder's shared empties for a call without arguments, and names the encoders' shortcut must leave alone
    const name = ["m" + (i % 7), "m" + (i % 7), "näme", "x".repeat(63), "y".repeat(64), ""][Math.floor(r() * 6)]!;
    const noArgs = args.length === 0 && r() < 0.7;
    plain.push([name, noArgs ? BATCH_NO_ARGS : args, Object.keys(kwargs).length === 0 && r() < 0.7 ? BATCH_NO_KWARGS : kwargs]);
  }
  return { plain, tuples: plain.map(([m, a, kw]) => tuple(m, toTuple(a), kw)) };
}

function encode(ser: string, calls: unknown[], maxDepth: number): Buffer | string {
  try {
    return getSerializer(ser as "pickle").serializeCall("obj", "<batch>", calls, null, { limits: { ...DEFAULT_LIMITS, maxDepth } });
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

for (const ser of ["pickle", "serpent", "marshal"]) {
  test(`${ser}: a BatchCalls list encodes to the bytes of the same calls as Tuples`, () => {
    const r = rng(28);
    for (let round = 0; round < 60; round++) {
      const { plain, tuples } = randomBatch(r, [0, 1, 2, 3, 4, 50, 1200][round % 7]!);
      const want = encode(ser, tuples, DEFAULT_LIMITS.maxDepth);
      assert.ok(Buffer.isBuffer(want), String(want));
      const got = encode(ser, batchCalls(plain.slice()), DEFAULT_LIMITS.maxDepth);
      assert.ok(Buffer.isBuffer(got) && got.equals(want), `${ser} round ${round}: ${String(got)}`);
    }
  });

  test(`${ser}: a BatchCalls list fails at the same depth limits, with the same error`, () => {
    const r = rng(4);
    // the error is the same wherever the limit is hit: batches that are flat apart from the call structure
    // itself find the depth at which that structure alone fails
    const flat = (): { plain: BatchCall[]; tuples: unknown[] } => {
      const plain: BatchCall[] = [["m", [1, "a"], {}], ["n", [], {}], ["o", [], { k: 2 }]];
      return { plain, tuples: plain.map(([m, a, kw]) => tuple(m, toTuple(a), kw)) };
    };
    for (let round = 0; round < 12; round++) {
      const { plain, tuples } = round < 4 ? flat() : randomBatch(r, 5);
      if (round % 2) {
        plain.push(["deep", [tuple(tuple([1]))], { k: [[2]] }]);
        tuples.push(tuple("deep", tuple(tuple(tuple([1]))), { k: [[2]] }));
      }
      for (let maxDepth = 0; maxDepth <= 7; maxDepth++) {
        const want = encode(ser, tuples, maxDepth);
        const got = encode(ser, batchCalls(plain.slice()), maxDepth);
        if (typeof want === "string") assert.equal(got, want, `${ser} maxDepth ${maxDepth}`);
        else assert.ok(Buffer.isBuffer(got) && got.equals(want), `${ser} maxDepth ${maxDepth}: ${String(got)}`);
      }
    }
  });
}

test("BatchCalls marks the list it is given; derived arrays are plain", () => {
  const calls: BatchCall[] = [["a", [], {}]];
  const marked = batchCalls(calls);
  assert.equal(marked, calls);
  assert.ok(marked instanceof BatchCalls && Array.isArray(marked));
  assert.ok(!(marked.map((c) => c) instanceof BatchCalls));
  assert.ok(!(marked.slice() instanceof Tuple));
});
