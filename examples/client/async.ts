// Port of Pyro4's "async" and "futures" examples: asynchronous proxy calls return AsyncResults (awaitable,
// with ready/wait/chain/iferror); Future does the same for local functions, with delay and cancel.
import { Proxy, Future } from "pyro4";

const uri = process.argv[2] ?? "PYRONAME:test.thing";
await using p = new Proxy(uri);

const r = p.$async.slow(1);
console.log("result ready?", r.ready);
console.log("waited 100 ms, ready?", await r.wait(100));
console.log("meanwhile, a normal call on the same proxy:", await p.echo("not blocked"));
console.log("value:", await r.value);

const chained = p.$async.add(5).chain((v: number, factor: number) => v * factor, 2).chain((v: number) => `chain ended with ${v}`);
console.log(await chained);

const failing = p.$async.fail().iferror((e) => console.log("iferror handler got:", (e as Error).message));
await failing.wait();

const f = new Future((a: number, b: number) => a + b).chain((sum: number) => sum * 10);
f.delay(200);
console.log("future result:", await f.call(3, 4));
const cancelled = new Future(() => "never");
cancelled.delay(1000);
const cr = cancelled.call();
cancelled.cancel();
console.log("cancelled future:", await cr.value.catch((e: Error) => e.message));
