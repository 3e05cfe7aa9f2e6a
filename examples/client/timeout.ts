// Port of Pyro4's "timeout" example: per-proxy and per-call timeouts, and cancelling with an AbortSignal.
import { Proxy, TimeoutError } from "pyro4";

const uri = process.argv[2] ?? "PYRONAME:test.thing";
await using p = new Proxy(uri, { timeout: 500 });
try {
  await p.slow(2);
} catch (e) {
  if (e instanceof TimeoutError) console.log("timed out as expected:", e.message);
  else throw e;
}
console.log("the proxy reconnects for the next call:", await p.echo("still here"));
console.log("a longer timeout for one call:", await p.$with({ timeout: 3000 }).slow(0.6));
const ac = new AbortController();
setTimeout(() => ac.abort(), 100);
await p.$with({ signal: ac.signal }).slow(2).catch((e: Error) => console.log("aborted:", e.name));
