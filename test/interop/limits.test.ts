// The limits (src/limits.ts) seen by a real Python Pyro4 4.82 client: an oversized message and a connection
// beyond the cap get exactly the outcome Python's own daemon gives for the same setting (MAX_MESSAGE_SIZE,
// THREADPOOL_SIZE), and our daemon keeps serving; Python values at the default limits (nesting as deep as Python
// Pyro4 can send, and deeper; a pickle tuple beyond the old 1M stack cap) round-trip; nesting beyond the depth
// limit is answered with an error (the class Python's marshal raises), after which the daemon still serves; batch
// size, streams per connection and the inflate cap (Python has none of these) give the Python client a typed error.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { Daemon, type DaemonOptions } from "../../src/server/daemon.js";
import { expose } from "../../src/server/expose.js";
import { DEFAULT_LIMITS } from "../../src/limits.js";

class Echo {
  @expose echo(x: unknown) {
    return x;
  }
  @expose *count(n: number) {
    for (let i = 0; i < n; i++) yield i;
  }
}

// The Python client: runs one scenario against `uri` and prints one JSON line of outcomes.
const CLIENT = String.raw`
import sys, json, Pyro4
uri, what = sys.argv[1], sys.argv[2]
port = uri.rsplit(":", 1)[1]
def outcome(f):
    try:
        r = f()
        return ["ok", r]
    except Exception as e:
        return [type(e).__module__ + "." + type(e).__name__, str(e).replace(port, "PORT")]
def deep(n):
    v = 1
    for _ in range(n):
        v = [v]
    return v
def depth(v):
    n = 0
    while isinstance(v, list):
        v, n = v[0], n + 1
    return n
out = []
if what == "big":
    with Pyro4.Proxy(uri) as p:
        out.append(outcome(lambda: p.echo("small")))
        out.append(outcome(lambda: len(p.echo("x" * 5000))))
    with Pyro4.Proxy(uri) as p:
        out.append(outcome(lambda: p.echo("after")))
elif what == "conns":
    p1 = Pyro4.Proxy(uri)
    p1._pyroBind()
    p2 = Pyro4.Proxy(uri)
    out.append(outcome(lambda: p2._pyroBind()))
    out.append(outcome(lambda: p1.echo("first still served")))
    p1._pyroRelease()
elif what.startswith("deep:"):
    n = int(what.split(":")[1])
    if what.count(":") == 2:
        sys.setrecursionlimit(int(what.split(":")[2]))  # a Python program that raised its limit nests deeper
    with Pyro4.Proxy(uri) as p:
        out.append(outcome(lambda: depth(p.echo(deep(n)))))
        out.append(outcome(lambda: p.echo("after")))
elif what == "batch":
    with Pyro4.Proxy(uri) as p:
        for n in (10, 11):
            b = Pyro4.batch(p)
            for i in range(n):
                b.echo(i)
            out.append(outcome(lambda: len(list(b()))))
        out.append(outcome(lambda: p.echo("after")))
elif what == "streams":
    with Pyro4.Proxy(uri) as p:
        its = [p.count(3) for _ in range(5)]
        out.append(outcome(lambda: p.count(3)))
        out.append(outcome(lambda: [list(it) for it in its][0]))
        out.append(outcome(lambda: list(p.count(3))))
elif what == "zip":
    Pyro4.config.COMPRESSION = True
    with Pyro4.Proxy(uri) as p:
        out.append(outcome(lambda: len(p.echo("x" * 100000))))
        out.append(outcome(lambda: len(p.echo("x" * 3000000))))
    with Pyro4.Proxy(uri) as p:
        out.append(outcome(lambda: p.echo("after")))
elif what == "wide":
    with Pyro4.Proxy(uri) as p:
        t = tuple(range(1500000))
        out.append(outcome(lambda: p.echo(t) == t))
print(json.dumps(out))
`;

// Python's daemon with the same echo object; its limits come from PYRO_* environment variables.
const PY_DAEMON = String.raw`
import Pyro4
Pyro4.config.SERIALIZERS_ACCEPTED = {"serpent", "marshal", "json", "pickle"}
@Pyro4.expose
class Echo(object):
    def echo(self, x):
        return x
d = Pyro4.Daemon(host="127.0.0.1")
print("URI " + str(d.register(Echo(), "echo")), flush=True)
d.requestLoop()
`;

const daemons: Daemon[] = [];
const pythons: PythonServer[] = [];
after(async () => {
  for (const d of daemons) await d.close();
  for (const p of pythons) await p.stop();
});

async function ours(options: DaemonOptions): Promise<string> {
  const d = await Daemon.create({ host: "127.0.0.1", serializersAccepted: ["serpent", "marshal", "json", "pickle"], ...options });
  daemons.push(d);
  return d.register(new Echo(), "echo").toString();
}

async function theirs(env: Record<string, string>): Promise<string> {
  const p = await startPython(["-c", PY_DAEMON], /^URI (\S+)/, { env });
  pythons.push(p);
  return p.ready;
}

async function client(uri: string, what: string, serializer = "serpent"): Promise<unknown[]> {
  const out = await runPythonAsync(["-c", CLIENT, uri, what], { env: { PYRO_SERIALIZER: serializer }, timeoutMs: 120_000 });
  return JSON.parse(out.trim().split("\n").pop()!) as unknown[];
}

test("a message beyond maxMessageSize: the Python client sees what Python's daemon (MAX_MESSAGE_SIZE) gives it, and is served again", async () => {
  const [py, ts] = await Promise.all([theirs({ PYRO_MAX_MESSAGE_SIZE: "4096" }), ours({ limits: { maxMessageSize: 4096 } })]);
  const expected = await client(py, "big");
  assert.deepEqual(expected[0], ["ok", "small"]);
  assert.notEqual((expected[1] as string[])[0], "ok", "Python's daemon refuses the big message");
  assert.deepEqual(expected[2], ["ok", "after"]);
  assert.deepEqual(await client(ts, "big"), expected);
});

test("the config MAX_MESSAGE_SIZE still maps into the daemon's limits (legacy maxMessageSize option too)", async () => {
  const d = new Daemon({ host: "127.0.0.1", maxMessageSize: 4096 });
  daemons.push(d);
  await d.ready;
  assert.equal(d.limits.maxMessageSize, 4096);
  assert.equal(d.maxMessageSize, 4096);
  const ts = d.register(new Echo(), "echo").toString();
  const py = await theirs({ PYRO_MAX_MESSAGE_SIZE: "4096" });
  assert.deepEqual(await client(ts, "big"), await client(py, "big"));
});

test("a connection beyond maxConnections: the same CONNECTFAIL as Python's full thread pool; the first client is still served", async () => {
  const [py, ts] = await Promise.all([
    theirs({ PYRO_THREADPOOL_SIZE: "1", PYRO_THREADPOOL_SIZE_MIN: "1" }),
    ours({ limits: { maxConnections: 1 } }),
  ]);
  const expected = await client(py, "conns");
  assert.equal((expected[0] as string[])[0], "Pyro4.errors.CommunicationError");
  assert.match((expected[0] as string[])[1]!, /no free workers/);
  assert.deepEqual(expected[1], ["ok", "first still served"]);
  assert.deepEqual(await client(ts, "conns"), expected);
});

// With its default recursion limit Python Pyro4 4.82 itself round-trips at most 494 levels (marshal, json), 496
// (pickle), 198 (serpent) through Python's own daemon: measured, see docs/security.md.
for (const serializer of ["marshal", "json", "pickle"]) {
  test(`default limits: ${serializer} nesting as deep as Python Pyro4 can send (490) round-trips, and 900 with a raised recursion limit`, async () => {
    const ts = await ours({});
    assert.deepEqual(await client(ts, "deep:490", serializer), [["ok", 490], ["ok", "after"]]);
    assert.deepEqual(await client(ts, "deep:900:20000", serializer), [["ok", 900], ["ok", "after"]]);
  });
}

test("nesting beyond limits.maxDepth: the Python client gets the error Python's marshal raises for too deep data, and is served again", async () => {
  const ts = await ours({});
  const over = DEFAULT_LIMITS.maxDepth + 100; // marshal: Python's marshal writes up to 2000 levels
  const [first, second] = (await client(ts, `deep:${over}:20000`, "marshal")) as string[][];
  // the exception class Python's marshal raises for data nested too deep (decode-errors.ts), with our message
  assert.equal(first![0], "builtins.ValueError");
  assert.match(first![1]!, /nested deeper than the limit of 1000 levels/);
  assert.deepEqual(second, ["ok", "after"]);
  const low = await ours({ limits: { maxDepth: 50 } });
  const [lowFirst] = (await client(low, "deep:60", "marshal")) as string[][];
  assert.equal(lowFirst![0], "builtins.ValueError");
  assert.match(lowFirst![1]!, /limit of 50 levels/);
});

test("default limits: a pickled tuple of 1.5M items (beyond the old 1M stack cap) round-trips from Python", async () => {
  const ts = await ours({});
  assert.deepEqual(await client(ts, "wide", "pickle"), [["ok", true]]);
});

test("a batch beyond maxBatchSize: the Python client gets a PyroError, none of the calls run, the proxy is served again", async () => {
  const ts = await ours({ limits: { maxBatchSize: 10 } });
  const [ok, refused, after] = (await client(ts, "batch")) as unknown[][];
  assert.deepEqual(ok, ["ok", 10]);
  assert.deepEqual(refused, ["Pyro4.errors.PyroError", "batch too large: 11 calls where max=10"]);
  assert.deepEqual(after, ["ok", "after"]);
});

test("an item stream beyond maxStreamsPerConnection: the Python client gets a PyroError; the open streams still work", async () => {
  const ts = await ours({ limits: { maxStreamsPerConnection: 5 } });
  const [refused, first, again] = (await client(ts, "streams")) as unknown[][];
  assert.deepEqual(refused, ["Pyro4.errors.PyroError", "too many open item streams on this connection (max=5)"]);
  assert.deepEqual(first, ["ok", [0, 1, 2]]);
  assert.deepEqual(again, ["ok", [0, 1, 2]], "closed streams free their slots");
});

test("a compressed request inflating beyond maxInflatedSize: dropped like an oversized message; other proxies are served", async () => {
  const ts = await ours({ limits: { maxInflatedSize: 1 << 20 } });
  const [small, big, after] = (await client(ts, "zip")) as unknown[][];
  assert.deepEqual(small, ["ok", 100000], "compressed requests under the cap are served");
  assert.equal(big![0], "Pyro4.errors.ConnectionClosedError");
  assert.deepEqual(after, ["ok", "after"]);
  const [, bigDefault] = (await client(await ours({}), "zip")) as unknown[][];
  assert.deepEqual(bigDefault, ["ok", 3000000], "the default cap lets it through");
});
