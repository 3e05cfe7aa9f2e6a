// Port of Pyro4's "attributes" example: read remote attributes with await, write them with $set.
// Server: python3 test/fixtures/client_server.py   then: node --import tsx examples/client/attributes.ts <URI>
import { Proxy, errors } from "pyro4";

interface Thing {
  value: number;
  readonly name: string;
}

const uri = process.argv[2] ?? "PYRONAME:test.thing";
await using thing = new Proxy<Thing>(uri);
console.log("name  =", await thing.name);
console.log("value =", await thing.value);
await thing.$set("value", 99);
console.log("value after $set =", await thing.value);
await thing.$set("value", 42);
try {
  await (thing as unknown as Record<string, PromiseLike<unknown>>).nonexisting;
} catch (e) {
  if (e instanceof errors.AttributeError) console.log("AttributeError:", e.message);
  else throw e;
}
try {
  (thing as unknown as Record<string, unknown>).value = 1;
} catch (e) {
  console.log(`${(e as errors.PyroError).code}:`, (e as Error).message); // ERR_PYRO4_INVALID_ARG: use $set
}
