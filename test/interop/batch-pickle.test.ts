// A real Python Pyro4 client sends batches over pickle to our daemon, which decodes them with the batch hint
// (DeserializeOptions.batch: the call and args tuples stay plain arrays): tuple arguments (nested, shared between
// calls, empty, as dict keys and set items, an args tuple or a whole call tuple passed on as an argument) must come
// back to Python identical, types included. And the hint is taken only while nobody subscribes to
// pyro4:server:request: its subscribers see the batch's calls as tuples, as they always did.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import dc from "node:diagnostics_channel";
import { runPythonAsync } from "../helpers/python.js";
import { Daemon } from "../../src/server/daemon.js";
import { expose } from "../../src/server/expose.js";
import { Tuple, toTuple } from "../../src/serializers/values.js";
import type { ServerRequestMessage } from "../../src/observe/channels.js";

class Echo {
  @expose echo(x: unknown) {
    return x;
  }
  /** All positional arguments back as one tuple. */
  @expose many(...a: unknown[]) {
    return toTuple(a);
  }
  @expose ping() {
    return null;
  }
  /** How many positional arguments came (a result without tuples: no prototype changes of its own). */
  @expose count(...a: unknown[]) {
    return a.length;
  }
}

let daemon: Daemon;
before(async () => {
  daemon = await Daemon.create({ host: "127.0.0.1", serializersAccepted: ["serpent", "pickle"] });
  daemon.register(new Echo(), "echo");
});
after(() => daemon.close());

// `same` compares types as well as values (1 == True and (1,) != [1] in Python, but 1 is no True here).
const SCENARIOS = `
import sys, Pyro4, Pyro4.message
Pyro4.config.SERIALIZER = "pickle"
def same(a, b):
    if type(a) is not type(b): return False
    if isinstance(a, (list, tuple)): return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict): return len(a) == len(b) and all(k in b and same(v, b[k]) for k, v in a.items())
    if isinstance(a, (set, frozenset)): return a == b
    return a == b
def check(what, got, want):
    if not same(got, want):
        print("MISMATCH", what, repr(got), repr(want)); sys.exit(1)
T = (1, (2, ()), "t")
values = [(), (1,), ((),), (((),),), ((1, 2), [3, (4,)], {"k": (5, 6)}), {(1, 2): (3,), "s": ((),)},
          frozenset({(1, "a")}), [(), ()], T, (T, T), [T, (T,)], ("x",) * 7, tuple(range(10))]
with Pyro4.Proxy(sys.argv[1]) as p:
    b = Pyro4.batch(p)
    for v in values: b.echo(v)
    for v in values: b.many(*v) if isinstance(v, tuple) else b.many(v, v)
    b.many()
    b.ping()
    want = values + [v if isinstance(v, tuple) else (v, v) for v in values] + [(), None]
    check("batch", list(b()), want)
    # the calls list built by hand: an args tuple and whole call tuples shared, passed on as arguments
    args = ((1, 2), ())
    c1 = ("many", args, {})
    c2 = ("echo", (args,), {})
    c3 = ("echo", (c1,), {})
    calls = [c1, c2, c3, c1, ("many", (c3, args), {}), ("echo", ([c1, c2],), {})]
    check("shared", p._pyroInvokeBatch(calls), [args, args, c1, args, (c3, args), [c1, c2]])
    # many plain calls (over 1000: the pickle has several APPENDS)
    b = Pyro4.batch(p)
    for i in range(2100): b.many(i, (i,), ())
    check("big", list(b()), [(i, (i,), ()) for i in range(2100)])
print("ok")
`;

test("a Python client's pickle batches with tuple arguments come back identical", async () => {
  const out = await runPythonAsync(["-c", SCENARIOS, daemon.uriFor("echo").asString()]);
  assert.equal(out.trim(), "ok");
});

/** Object.setPrototypeOf calls in this process while `fn` runs (the Python client is another process). */
async function prototypesDuring(fn: () => Promise<unknown>): Promise<number> {
  const original = Object.setPrototypeOf;
  let n = 0;
  Object.setPrototypeOf = (o: object, p: object | null) => {
    n++;
    return original(o, p);
  };
  try {
    await fn();
  } finally {
    Object.setPrototypeOf = original;
  }
  return n;
}

const PINGS = `
import sys, Pyro4
Pyro4.config.SERIALIZER = "pickle"
with Pyro4.Proxy(sys.argv[1]) as p:
    b = Pyro4.batch(p)
    for i in range(300): b.count(i)
    assert list(b()) == [1] * 300
print("ok")
`;

test("the daemon decodes a batch without prototype changes, unless pyro4:server:request has subscribers", async () => {
  const uri = daemon.uriFor("echo").asString();
  const run = () => runPythonAsync(["-c", PINGS, uri]);
  // without subscribers: 300 calls, each with its args tuple, and not one prototype change for them (what is left
  // is the connection's own, such as the handshake)
  const quiet = await prototypesDuring(run);
  // with a subscriber the decoder makes them Tuples as before: 600 more
  const seen: ServerRequestMessage[] = [];
  const handlers = { start: (m: unknown) => void seen.push(m as ServerRequestMessage), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
  const tc = dc.tracingChannel("pyro4:server:request");
  tc.subscribe(handlers);
  let traced: number;
  try {
    traced = await prototypesDuring(run);
  } finally {
    tc.unsubscribe(handlers);
  }
  assert.ok(traced - quiet >= 600, `with a subscriber ${traced} prototype changes, without ${quiet}`);
  assert.ok(quiet < 100, `without a subscriber ${quiet} prototype changes for a batch of 300 calls`);
  // and the subscriber saw the batch's calls as tuples (name, args tuple, kwargs), as always
  const batch = seen.find((m) => m.method === "<batch>")!;
  assert.ok(batch, "the batch request was published");
  assert.equal(batch.args.length, 300);
  batch.args.forEach((c, i) => {
    assert.ok(c instanceof Tuple, "a call is a tuple");
    assert.equal(c[0], "count");
    assert.ok(c[1] instanceof Tuple && c[1].length === 1 && c[1][0] === i, "its args are a tuple");
    assert.deepEqual(c[2], {});
  });
});
