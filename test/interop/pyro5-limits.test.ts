// A protocol-5 daemon and proxy enforce their own limits on what they decode, as the Pyro4 ones do
// (test/interop/limits.test.ts): a real Python Pyro5 client sending nesting beyond the daemon's maxDepth gets the
// error Python's serializer raises for too deep data and is served again; our Pyro5 proxy refuses a reply from
// Python's Pyro5 daemon nested beyond its maxDepth. And a call carrying a msgpack ext type Pyro5 does not know is
// refused before the method runs, as Python Pyro5's daemon refuses it (its loadsCall has the ext hook, unlike Pyro4's).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { Daemon, type DaemonOptions } from "../../src/server/daemon.js";
import { expose } from "../../src/server/expose.js";
import { Proxy } from "../../src/client/proxy.js";
import { SerializeError } from "../../src/errors.js";

@expose
class Nest {
  calls = 0;
  depth(x: unknown): number {
    this.calls++;
    let n = 0;
    while (Array.isArray(x)) {
      x = x[0];
      n++;
    }
    return n;
  }
  echo(x: unknown): unknown {
    this.calls++;
    return x;
  }
  count(): number {
    return this.calls;
  }
  deep(n: number): unknown {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = [v];
    return v;
  }
}

// The same object in Python, served by Python's Pyro5 daemon.
const PY_DAEMON = String.raw`
from Pyro5.api import Daemon, expose
@expose
class Nest(object):
    calls = 0
    def depth(self, x):
        Nest.calls += 1
        n = 0
        while isinstance(x, list):
            x, n = x[0], n + 1
        return n
    def echo(self, x):
        Nest.calls += 1
        return x
    def count(self):
        return Nest.calls
    def deep(self, n):
        v = 1
        for _ in range(n):
            v = [v]
        return v
d = Daemon(host="127.0.0.1")
print("URI " + str(d.register(Nest, "nest")), flush=True)
d.requestLoop()
`;

// The Python Pyro5 client: one scenario against argv[1], one JSON line of outcomes.
const CLIENT = String.raw`
import sys, json, msgpack
from Pyro5.api import Proxy
uri, what = sys.argv[1], sys.argv[2]
def outcome(f):
    try:
        return ["ok", f()]
    except Exception as e:
        return [type(e).__module__ + "." + type(e).__name__, str(e)]
def deep(n):
    v = 1
    for _ in range(n):
        v = [v]
    return v
out = []
if what == "deep":
    with Proxy(uri) as p:
        out.append(outcome(lambda: p.depth(deep(60))))
    with Proxy(uri) as p:
        out.append(outcome(lambda: p.depth(deep(40))))
        out.append(outcome(lambda: p.count()))
elif what == "ext":
    with Proxy(uri) as p:
        out.append(outcome(lambda: p.echo(msgpack.ExtType(0x40, b"\n"))))
    with Proxy(uri) as p:
        out.append(outcome(lambda: p.count()))
print(json.dumps(out))
`;

// every daemon and Python process a test starts, stopped at the end
const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops) await stop();
});

async function ours(options: DaemonOptions): Promise<string> {
  const d = await Daemon.create({ protocol: 5, host: "127.0.0.1", ...options });
  stops.push(() => d.close());
  return d.register(new Nest(), "nest").toString();
}

async function theirs(): Promise<string> {
  const py = await startPython(["-c", PY_DAEMON], /^URI (\S+)/, { env: PYRO5_ENV });
  stops.push(() => py.stop());
  return py.ready;
}

async function client(uri: string, what: string, serializer: string): Promise<unknown[]> {
  const out = await runPythonAsync(["-c", CLIENT, uri, what], { env: { ...PYRO5_ENV, PYRO_SERIALIZER: serializer }, timeoutMs: 60_000 });
  return JSON.parse(out.trim().split("\n").pop()!) as unknown[];
}

// What the Python client gets for call data nested too deep: the exception Python's serializer raises there
// (src/server/decode-errors.ts), our message; msgpack's StackError is no class Python Pyro5 rebuilds, so its client
// raises its own SerializeError about that class (as it would from Python's daemon).
const TOO_DEEP: Record<string, [string, RegExp]> = {
  marshal: ["builtins.ValueError", /^data nested deeper than the limit of 50 levels$/],
  msgpack: ["Pyro5.errors.SerializeError", /^unsupported serialized class: msgpack\.exceptions\.StackError$/],
};

for (const serializer of ["marshal", "msgpack"]) {
  test(`Pyro5 daemon, ${serializer}: a call nested beyond limits.maxDepth is refused before the method runs; shallower calls are served`, async () => {
    const [refused, served, calls] = (await client(await ours({ limits: { maxDepth: 50 } }), "deep", serializer)) as string[][];
    const [cls, message] = TOO_DEEP[serializer]!;
    assert.equal(refused![0], cls, JSON.stringify(refused));
    assert.match(refused![1]!, message);
    assert.deepEqual(served, ["ok", 40]);
    assert.deepEqual(calls, ["ok", 1], "only the shallow call ran");
    // the default limit takes the same call
    assert.deepEqual(await client(await ours({}), "deep", serializer), [["ok", 60], ["ok", 40], ["ok", 2]]);
  });
}

test("Pyro5 proxy: a reply from Python's Pyro5 daemon nested beyond the proxy's limits.maxDepth is a SerializeError", async () => {
  const uri = await theirs();
  const levels = (v: unknown): number => JSON.stringify(v).split("[").length - 1;
  for (const serializer of ["marshal", "msgpack", "json", "serpent"] as const) {
    const low = new Proxy<Nest>(uri, { protocol: 5, serializer, limits: { maxDepth: 50 } });
    const normal = new Proxy<Nest>(uri, { protocol: 5, serializer });
    try {
      await assert.rejects(low.deep(60), (e: unknown) => e instanceof SerializeError && /limit of 50 levels/.test(e.message), serializer);
      assert.equal(levels(await low.deep(40)), 40, serializer);
      assert.equal(levels(await normal.deep(60)), 60, serializer);
    } finally {
      await low.$release();
      await normal.$release();
    }
  }
});

test("Pyro5 daemon, msgpack: a call with an ext type Pyro5 does not know is refused as Python's Pyro5 daemon refuses it, the method never runs", async () => {
  const expected = await client(await theirs(), "ext", "msgpack");
  assert.deepEqual(expected, [["Pyro5.errors.SerializeError", "invalid ext code for msgpack: 64"], ["ok", 0]]);
  assert.deepEqual(await client(await ours({}), "ext", "msgpack"), expected);
});
