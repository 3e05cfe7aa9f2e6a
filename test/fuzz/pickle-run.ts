// Long pickle fuzz run (default 1,000,000 mutations): node --import tsx test/fuzz/pickle-run.ts [count] [seed]
// Prints counts and duration; exits 1 on any untyped failure.
import { fuzz } from "./pickle-mutate.js";

const n = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const r = fuzz(n, seed);
console.log(JSON.stringify({ runs: r.runs, decoded: r.decoded, typedErrors: r.typedErrors, untyped: r.failures.length, seconds: +(r.ms / 1000).toFixed(1), seed }));
for (const f of r.failures) console.log(f.error, "\n", f.hex);
process.exit(r.failures.length ? 1 : 0);
