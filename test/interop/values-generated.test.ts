// Issue 24 "Values survive exactly" (items 4 and 5): generated-value differential tests, per protocol (Pyro4 48,
// Pyro5 502) and serializer (serpent, json, marshal, msgpack, and pickle for Pyro4).
//
// - Python's direction: test/fixtures/values_gen_client.py draws Hypothesis values (values_gen.py: recursive
//   containers, edge ints and floats, astral text, bytes, complex, Decimal, UUID, datetimes of years 1..9999 with
//   microseconds, fixed-offset zones with and without names, fold, dates, times, timedeltas, ranges, OrderedDict, a
//   class registered with register_class_to_dict) and echoes each through Python's own echo server and daemon
//   (values_gen_server.py) and through our Daemon serving our EchoServer: what comes back must be identical, type
//   by type (values_gen_compare.py); where Python's round trip raises, ours must raise too. Python against Python
//   runs first and must show no difference (the comparison and the generation are deterministic).
// - JavaScript's direction: fast-check values of our value model (test/helpers/values-arb.ts) sent by our client
//   to both echo servers; what comes back must be identical (test/helpers/values-compare.ts).
//
// A failure prints every distinct cause with its smallest example and the seed: rerun with VALUES_SEED=<seed>, and
// VALUES_EXAMPLES=<n> for more examples (default 150 per serializer and direction). `npm run fuzz:values` soaks.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  SERIALIZERS, examplesFromEnv, formatGenReport, runPythonGenerated, runTsGenerated, seedFromEnv, startEchoPair,
  type EchoPair, type GenReport, type Protocol,
} from "../helpers/values-gen.js";

const SEED = seedFromEnv();
const EXAMPLES = examplesFromEnv(150);

function summary(r: GenReport): string {
  return `seed ${r.seed}: ${r.examples} examples, ${r.compared} compared, ${r.both_error} refused by both, ${r.different} different`;
}

for (const protocol of [4, 5] as Protocol[]) {
  describe(`protocol ${protocol === 4 ? "4 (Pyro4 4.82)" : "5 (Pyro5 5.17)"}`, () => {
    let pair: EchoPair;
    before(async () => {
      pair = await startEchoPair(protocol);
    });
    after(() => pair?.close());

    for (const serializer of SERIALIZERS[protocol]) {
      test(`${serializer}: generated Python values come back from our echo server as from Python's`, async (t) => {
        const base = { protocol, serializer, pythonUri: pair.pythonUri, examples: EXAMPLES, seed: SEED };
        const sanity = await runPythonGenerated({ ...base, oursUri: pair.pythonUri, oursIsPython: true });
        assert.equal(sanity.different, 0, `Python against Python must not differ:\n${formatGenReport(sanity, "python vs python")}`);
        assert.ok(sanity.compared >= EXAMPLES / 2, `most generated values must be sendable (${summary(sanity)})`);
        const r = await runPythonGenerated({ ...base, oursUri: pair.oursUri });
        t.diagnostic(`protocol ${protocol} ${serializer}, Python values: ${summary(r)}`);
        assert.equal(r.examples, EXAMPLES);
        assert.equal(r.different, 0, formatGenReport(r));
      });

      test(`${serializer}: generated JavaScript values come back from Python's echo server as from ours`, async (t) => {
        const base = { protocol, serializer, pythonUri: pair.pythonUri, examples: EXAMPLES, seed: SEED };
        const sanity = await runTsGenerated({ ...base, oursUri: pair.pythonUri });
        assert.equal(sanity.different, 0, `Python against Python must not differ:\n${formatGenReport(sanity, "python vs python")}`);
        assert.ok(sanity.compared >= EXAMPLES / 2, `most generated values must be sendable (${summary(sanity)})`);
        const r = await runTsGenerated({ ...base, oursUri: pair.oursUri });
        t.diagnostic(`protocol ${protocol} ${serializer}, JavaScript values: ${summary(r)}`);
        assert.equal(r.examples, EXAMPLES);
        assert.equal(r.different, 0, formatGenReport(r));
      });
    }
  });
}
