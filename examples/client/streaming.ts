// Port of Pyro4's "streaming" example: remote generators consumed with for await; breaking out of the loop
// closes the remote stream; an error raised in the middle of the generator ends the loop with that error.
import { Proxy } from "pyro4";

interface Thing {
  numbers(n: number): Generator<number>;
  forever(): Generator<number>;
  broken(n: number): Generator<number>;
  stream_count(): number;
}

const uri = process.argv[2] ?? "PYRONAME:test.thing";
await using p = new Proxy<Thing>(uri);

for await (const n of p.numbers(5)) console.log("finite:", n);
for await (const n of p.forever()) {
  console.log("infinite:", n);
  if (n >= 3) break; // sends close_stream
}
console.log("streams still open on the server:", await p.stream_count());
try {
  for await (const n of p.broken(2)) console.log("before the error:", n);
} catch (e) {
  console.log("stream failed:", (e as Error).message);
}
