// CI-sized pickle decoder fuzzing (30,000 mutations, seconds): every mutated pickle decodes or fails with a typed
// SerializeError. The 1,000,000-mutation run is test/fuzz/pickle-run.ts.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { fuzz } from "./pickle-mutate.js";

test("pickle fuzz: 30,000 mutated pickles give values or SerializeErrors only", () => {
  const seed = Number(process.env.FUZZ_SEED ?? 20);
  const r = fuzz(30_000, seed);
  assert.equal(r.runs, 30_000);
  assert.deepEqual(r.failures, [], `seed ${seed}`);
  assert.equal(r.decoded + r.typedErrors, r.runs);
  // the mutations must actually reach the error paths and the success paths
  assert.ok(r.typedErrors > 1000, `only ${r.typedErrors} typed errors`);
  assert.ok(r.decoded > 100, `only ${r.decoded} decoded`);
});
