// A name server's replies are decoded within the limits of whoever asked: a proxy resolving a PYRONAME URI hands its
// `limits` to the name-server proxy it makes for that, and locateNS takes a `limits` option. Against a Python Pyro4
// and Pyro5 daemon posing as the name server (its lookup answers a list nested 60 levels for "deep", else the URI
// of a real echo object): with maxDepth 50 the lookup reply is our SerializeError; within the limits the proxy
// resolves and works; with the defaults the reply decodes (and then is no URI).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { Proxy } from "../../src/client/proxy.js";
import { locateNS } from "../../src/naming/locate.js";
import { SerializeError } from "../../src/errors.js";

const FAKE_NS = String.raw`
import sys
if sys.argv[1] == "5":
    import Pyro5.api as pyro
else:
    import Pyro4 as pyro
def deep(n):
    v = "leaf"
    for _ in range(n):
        v = [v]
    return v
@pyro.expose
class Echo(object):
    def echo(self, x):
        return x
@pyro.expose
class FakeNameServer(object):
    def lookup(self, name, return_metadata=False):
        return deep(60) if name == "deep" else echo_uri
    def ping(self):
        pass
d = pyro.Daemon(host="127.0.0.1")
echo_uri = d.register(Echo(), "echo")
d.register(FakeNameServer(), "Pyro.NameServer")
print("port:", d.locationStr.rsplit(":", 1)[1], flush=True)
d.requestLoop()
`;

const servers = new Map<4 | 5, PythonServer>();
before(async () => {
  for (const v of [4, 5] as const)
    servers.set(v, await startPython(["-c", FAKE_NS, String(v)], /^port: (\d+)$/, { env: v === 5 ? PYRO5_ENV : {} }));
});
after(async () => {
  for (const s of servers.values()) await s.stop();
});

const LIMITS = { maxDepth: 50 };
const tooDeep = (e: unknown) => e instanceof SerializeError && /^data nested deeper than the limit of 50 levels$/.test(e.message);
const levels = (v: unknown): number => JSON.stringify(v).split("[").length - 1;

for (const v of [4, 5] as const) {
  test(`Pyro${v}: a proxy resolving PYRONAME checks the name server's reply against its own limits`, async () => {
    const port = servers.get(v)!.ready;
    const limited = new Proxy(`PYRONAME:deep@127.0.0.1:${port}`, { protocol: v, limits: LIMITS });
    const normal = new Proxy(`PYRONAME:deep@127.0.0.1:${port}`, { protocol: v });
    const echo = new Proxy<{ echo(x: unknown): Promise<unknown> }>(`PYRONAME:echo@127.0.0.1:${port}`, { protocol: v, limits: LIMITS });
    try {
      await assert.rejects(limited.$bind(), tooDeep);
      // the defaults take the reply; it is just no URI
      await assert.rejects(normal.$bind(), (e: unknown) => !(e instanceof SerializeError) && /leaf/.test(String(e)));
      // within the limits the name resolves and the object answers
      assert.equal(levels(await echo.echo([[["x"]]])), 3);
    } finally {
      await limited.$release();
      await normal.$release();
      await echo.$release();
    }
  });

  test(`Pyro${v}: locateNS's limits option applies to the name server's replies`, async () => {
    const port = Number(servers.get(v)!.ready);
    const limited = await locateNS("127.0.0.1", port, { protocol: v, limits: LIMITS });
    const normal = await locateNS("127.0.0.1", port, { protocol: v });
    try {
      await assert.rejects(limited.proxy.lookup("deep"), tooDeep);
      assert.equal(levels(await normal.proxy.lookup("deep")), 60);
      assert.equal(String(await limited.proxy.lookup("echo")), String(await normal.proxy.lookup("echo")));
    } finally {
      await limited.release();
      await normal.release();
    }
  });
}
