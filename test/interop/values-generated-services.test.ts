// Issue 24 item 5: the generated-value differential tests against the services that carry values.
// - Name server metadata: through one Python client (test/fixtures/values_gen_ns.py), names are registered with
//   Hypothesis-generated metadata (sets, frozensets, lists, tuples of strings, astral text included) in Python's
//   name server and in ours, per protocol and serializer; lookup/list/yplookup/set_metadata/remove must answer the
//   same, type by type (metadata lists compared as sorted: Python sends them in its set order). Two Python name
//   servers against each other first: no difference.
// - HTTP gateway JSON: one Python backend returns generated values (values_gen_backend.py); Python's gateway and ours
//   in front of it must answer GET /pyro/http.gen/value?index=i with the same status, headers and body bytes.
// Smaller budgets than values-generated.test.ts (50 examples); VALUES_SEED and VALUES_EXAMPLES override.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  examplesFromEnv, formatGenReport, runGatewayGenerated, runNsGenerated, seedFromEnv, startNsPair, type NsPair, type Protocol,
} from "../helpers/values-gen.js";

const SEED = seedFromEnv();
const EXAMPLES = examplesFromEnv(50);

for (const protocol of [4, 5] as Protocol[]) {
  describe(`name server metadata, protocol ${protocol}`, () => {
    let pair: NsPair;
    before(async () => {
      pair = await startNsPair(protocol);
    });
    after(() => pair?.close());

    for (const serializer of ["serpent", "json", "marshal", "msgpack"]) {
      test(`${serializer}: generated metadata gives the same answers from our name server as from Python's`, async (t) => {
        const base = { protocol, serializer, pythonUri: pair.pythonUri, examples: EXAMPLES, seed: SEED };
        const sanity = await runNsGenerated({ ...base, oursUri: pair.python2Uri, oursIsPython: true });
        assert.equal(sanity.different, 0, `two Python name servers must not differ:\n${formatGenReport(sanity, "python vs python")}`);
        const r = await runNsGenerated({ ...base, oursUri: pair.oursUri });
        t.diagnostic(`protocol ${protocol} ${serializer}: seed ${r.seed}, ${r.examples} examples, ${r.compared} answers compared, ${r.different} examples different`);
        assert.equal(r.different, 0, formatGenReport(r, `name server metadata, protocol ${protocol} ${serializer}`));
      });
    }
  });

  test(`HTTP gateway, protocol ${protocol}: generated values from a Python backend come through ours as through Python's`, async (t) => {
    const r = await runGatewayGenerated({ protocol, examples: EXAMPLES, seed: SEED });
    t.diagnostic(`gateway protocol ${protocol}: seed ${r.seed}, ${r.examples} values, ${r.identical} identical`);
    const causes = Object.entries(r.causes).map(([k, c]) => `  [${c.count}x] ${k}\n      ${c.example.replace(/\n/g, "\n      ")}`);
    assert.equal(r.different, 0, `gateway protocol ${protocol}, seed ${r.seed} (rerun with VALUES_SEED=${r.seed}):\n${causes.join("\n")}`);
  });
}
