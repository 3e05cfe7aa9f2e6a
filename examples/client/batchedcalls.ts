// Port of Pyro4's "batchedcalls" example: many small calls versus one batch, an error inside a batch,
// a oneway batch and an asynchronous batch.
import { Proxy, kwargs } from "pyro4";

const uri = process.argv[2] ?? "PYRONAME:test.thing";
await using p = new Proxy(uri);

let t0 = performance.now();
let total = 0;
for (let i = 0; i < 200; i++) total += (await p.add(i, kwargs({ b: 1 }))) as number;
console.log(`200 single calls: total ${total} in ${(performance.now() - t0).toFixed(1)} ms`);

t0 = performance.now();
const b = p.$batch();
for (let i = 0; i < 200; i++) void b.add(i, kwargs({ b: 1 })); // results come from $send
const results = (await b.$send()) as number[];
console.log(`one batch of 200: total ${results.reduce((a, x) => a + x, 0)} in ${(performance.now() - t0).toFixed(1)} ms`);

const withError = p.$batch();
const first = withError.echo("first");
const failing = withError.fail();
const skipped = withError.echo("never runs");
await withError.$send().catch((e: Error) => console.log("batch failed:", e.message));
console.log("first call:", await first);
console.log("failing call:", await failing.catch((e: Error) => `${e.name}: ${e.message}`));
console.log("later call:", await skipped.catch((e: Error) => e.message));

const oneway = p.$batch();
void oneway.remember("from a oneway batch"); // a oneway batch has no results
console.log("oneway batch sent:", await oneway.$send({ oneway: true }));

const asyncBatch = p.$batch();
void asyncBatch.slow(0.2);
void asyncBatch.echo("async batch done");
const ar = asyncBatch.$send({ asynchronous: true });
console.log("async batch ready right away?", ar.ready);
console.log("async batch results:", await ar.value);
