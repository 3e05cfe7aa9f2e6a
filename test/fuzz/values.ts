// `npm run fuzz:values`: the long soak of the generated-value differential tests (issue 24). A random seed (printed
// first; VALUES_SEED fixes it), VALUES_EXAMPLES values (default 2000) per protocol, serializer and direction:
// Hypothesis-generated Python values echoed by a Python client through Python's echo server and ours, and
// fast-check JavaScript values echoed by our client through both. Every distinct difference is printed with its
// smallest example; exits 1 when there is one.
//
// Knobs: VALUES_PROTOCOLS=4,5  VALUES_SERIALIZERS=serpent,json,...  VALUES_DIRECTIONS=python,js
//        VALUES_MAX_LEAVES (Hypothesis containers, default 16)  VALUES_JSON=<file> (every report, for tooling)
//        VALUES_EXCLUDE=decimal,aware,Decimal,Range (kinds left out: values_gen.py's KINDS/FEATURES for Python values,
//        values-arb.ts's LEAF_KINDS for JavaScript values; to look past a known cause).
import { writeFileSync } from "node:fs";
import {
  SERIALIZERS, examplesFromEnv, formatGenReport, runPythonGenerated, runTsGenerated, startEchoPair, type GenReport, type Protocol,
} from "../helpers/values-gen.js";
import { LEAF_KINDS, type LeafKind, type SerializerName } from "../helpers/values-arb.js";

const seed = process.env.VALUES_SEED && /^\d+$/.test(process.env.VALUES_SEED) ? Number(process.env.VALUES_SEED) : Math.floor(Math.random() * 2 ** 31);
const examples = examplesFromEnv(2000);
const list = (name: string, all: string[]) => (process.env[name] ? process.env[name]!.split(",").map((s) => s.trim()).filter((s) => all.includes(s)) : all);
const protocols = list("VALUES_PROTOCOLS", ["4", "5"]).map(Number) as Protocol[];
const serializers = list("VALUES_SERIALIZERS", ["serpent", "json", "marshal", "msgpack", "pickle"]);
const directions = list("VALUES_DIRECTIONS", ["python", "js"]);
const maxLeaves = Number(process.env.VALUES_MAX_LEAVES ?? 16);
const exclude = (process.env.VALUES_EXCLUDE ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const jsExclude = exclude.filter((k): k is LeafKind => (LEAF_KINDS as readonly string[]).includes(k));

console.log(
  `fuzz:values seed ${seed} (rerun with VALUES_SEED=${seed}), ${examples} examples per protocol, serializer and direction` +
    (exclude.length ? `, leaving out ${exclude.join(",")}` : ""),
);
const reports: (GenReport & { direction: string })[] = [];
let failed = false;
const started = Date.now();
for (const protocol of protocols) {
  const pair = await startEchoPair(protocol);
  try {
    for (const serializer of SERIALIZERS[protocol].filter((s) => serializers.includes(s))) {
      for (const direction of directions) {
        const t0 = Date.now();
        const o = { protocol, serializer, pythonUri: pair.pythonUri, oursUri: pair.oursUri, examples, seed };
        const r =
          direction === "python"
            ? await runPythonGenerated({ ...o, maxLeaves, exclude, timeoutMs: Math.max(120_000, examples * 200) })
            : await runTsGenerated({ ...o, serializer: serializer as SerializerName, arb: { maxDepth: 4, exclude: jsExclude } });
        reports.push({ ...r, direction });
        const label = `protocol ${protocol} ${serializer}, ${direction === "python" ? "Python" : "JavaScript"} values`;
        if (r.different) {
          failed = true;
          console.log(formatGenReport(r, label));
        } else {
          console.log(`${label}: seed ${seed}, ${r.examples} examples, ${r.compared} compared, ${r.both_error} refused by both, no difference`);
        }
        console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
    }
  } finally {
    await pair.close();
  }
}
if (process.env.VALUES_JSON) writeFileSync(process.env.VALUES_JSON, JSON.stringify({ seed, examples, reports }, null, 1));
const total = reports.reduce((n, r) => n + r.different, 0);
console.log(
  `fuzz:values seed ${seed}: ${reports.length} runs, ${reports.reduce((n, r) => n + r.examples, 0)} examples, ${total} different, ` +
    `${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exitCode = failed ? 1 : 0;
