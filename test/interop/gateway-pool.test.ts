// The gateway's connection handling: Python's fresh connection per request by default (a session-mode object gets
// a fresh instance per request), and the opt-in extensions: `reuse` (bounded pool per backend URI; a session-mode
// object keeps one instance per pooled connection), `nsCacheSecs` (lookup cache dropped when a cached location
// fails, the request retried once), with backends that move and die. Pyro4 and Pyro5, our name server and daemons.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Daemon, currentContext, locateNS, startNameServer, type NameServerClient, type RunningNameServer } from "pyro4";
import { HttpGateway } from "../../src/gateway/server.js";
import { httpgatewayMain } from "../../src/cli/httpgateway.js";
import { rawRequest, startTsGateway, type NsAddress } from "../helpers/gateway.js";

class Counter {
  n = 0;
  inc() {
    return ++this.n;
  }
  slow(ms: number) {
    return new Promise((r) => setTimeout(() => r("slept"), Number(ms)));
  }
}
const EXPOSE = { expose: ["inc", "slow"], params: { slow: ["ms"] } };

interface World {
  ns: RunningNameServer;
  addr: NsAddress;
  client: NameServerClient;
  daemons: Daemon[];
}

async function world(protocol: 4 | 5): Promise<World> {
  const ns = await startNameServer({ host: "127.0.0.1", port: 0, enableBroadcast: false, ...(protocol === 5 ? { protocol } : {}) });
  const port = Number(ns.uri.location!.split(":").pop());
  const addr: NsAddress = { host: "127.0.0.1", port, protocol };
  const client = (await locateNS("127.0.0.1", port, protocol === 5 ? { protocol } : {})) as NameServerClient;
  return { ns, addr, client, daemons: [] };
}

/** A daemon with a session-mode Counter class registered as `name` (re-registered: the name moves here). */
async function backend(w: World, name: string, mode: "session" | "single" = "session"): Promise<Daemon> {
  const d = new Daemon({ host: "127.0.0.1", port: 0, ...(w.addr.protocol === 5 ? { protocol: 5 as const } : {}) });
  await d.start();
  const uri = d.register(class extends Counter {}, undefined, { ...EXPOSE, instanceMode: mode }); // a class has one Pyro id
  await w.client.register(name, uri); // safe=False: replaces an earlier registration
  w.daemons.push(d);
  return d;
}

async function get(g: HttpGateway, path: string): Promise<{ status: number; json: unknown; text: string }> {
  const r = await rawRequest(g.url, "GET", `/pyro/${path}`);
  let json: unknown = null;
  try {
    json = JSON.parse(r.text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, json, text: r.text };
}

/** `n` concurrent slow calls (all must answer "slept"); the largest pool figures seen meanwhile. */
async function concurrentSlowCalls(g: HttpGateway, name: string, n: number, ms: number): Promise<{ maxOpen: number; maxWaiting: number }> {
  let finished = false;
  const all = Promise.all(Array.from({ length: n }, () => get(g, `${name}/slow?ms=${ms}`))).finally(() => (finished = true));
  let maxOpen = 0;
  let maxWaiting = 0;
  while (!finished) {
    for (const s of Object.values(g.poolStats())) {
      maxOpen = Math.max(maxOpen, s.open);
      maxWaiting = Math.max(maxWaiting, s.waiting);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  for (const r of await all) assert.deepEqual([r.status, r.json], [200, "slept"]);
  return { maxOpen, maxWaiting };
}

for (const protocol of [4, 5] as const) {
  const P = protocol === 5 ? "Pyro5" : "Pyro4";
  let w: World;
  before(async () => {
    w = await world(protocol);
  });
  after(async () => {
    await w.client.$release().catch(() => {});
    for (const d of w.daemons) await d.close().catch(() => {});
    await w.ns.close();
  });

  test(`${P}: default mode: a session-mode object gets a fresh instance per request (as Python's gateway)`, async () => {
    await backend(w, "http.session1");
    const g = await startTsGateway(w.addr);
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual((await get(g, "http.session1/inc")).json, 1);
      assert.deepEqual(g.poolStats(), {});
    } finally {
      await g.close();
    }
  });

  test(`${P}: reuse: pooled connections, bounded per backend URI; a session instance lives as long as its connection`, async () => {
    await backend(w, "http.session2");
    await backend(w, "http.single", "single");
    const g = await startTsGateway(w.addr, { reuse: "http\\.s", poolSize: 2 });
    try {
      // one client after the other: the same pooled connection, so the same session instance
      assert.deepEqual((await get(g, "http.session2/inc")).json, 1);
      assert.deepEqual((await get(g, "http.session2/inc")).json, 2);
      // 6 concurrent slow calls through a pool of 2: never more than 2 connections, all answered
      const { maxOpen, maxWaiting } = await concurrentSlowCalls(g, "http.single", 6, 50);
      assert.equal(maxOpen, 2);
      assert.ok(maxWaiting > 0);
      // a name outside the reuse regex keeps Python's fresh connection per request
      await backend(w, "http.other");
      assert.deepEqual((await get(g, "http.other/inc")).json, 1);
      assert.deepEqual((await get(g, "http.other/inc")).json, 1);
    } finally {
      await g.close();
    }
  });

  test(`${P}: reuse with the default pool bound (8): 8 concurrent requests get 8 connections, 32 queue behind them`, async () => {
    await backend(w, "http.wide", "single");
    const g = await startTsGateway(w.addr, { reuse: "http\\.w", nsCacheSecs: 10 });
    try {
      // (32: up to 24 wait; fewer when the machine is slow to deliver all 32 requests within one 300 ms call)
      for (const [clients, open, waiting] of [[8, 8, [0, 0]], [32, 8, [1, 24]]] as const) {
        const { maxOpen, maxWaiting } = await concurrentSlowCalls(g, "http.wide", clients, 300);
        assert.deepEqual([clients, maxOpen], [clients, open]);
        assert.ok(maxWaiting >= waiting[0] && maxWaiting <= waiting[1], `${clients} clients: ${maxWaiting} waited`);
      }
    } finally {
      await g.close();
    }
  });

  test(`${P}: the correlation id the backend sees is the one answered in X-Pyro-Correlation-Id (fresh uuid4 or the client's), default and reuse`, async () => {
    const d = new Daemon({ host: "127.0.0.1", port: 0, ...(protocol === 5 ? { protocol: 5 as const } : {}) });
    await d.start();
    w.daemons.push(d);
    class Corr {
      corr() {
        return currentContext()?.correlationId ?? null;
      }
    }
    await w.client.register("http.corr", d.register(Corr, undefined, { expose: ["corr"] }));
    for (const reuse of [null, "http\\.c"]) {
      const g = await startTsGateway(w.addr, reuse ? { reuse, nsCacheSecs: 10 } : {});
      try {
        const seen = new Set<string>();
        for (let i = 0; i < 3; i++) {
          const r = await rawRequest(g.url, "GET", "/pyro/http.corr/corr");
          const header = r.headers["x-pyro-correlation-id"] as string;
          assert.match(header, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          assert.equal(JSON.parse(r.text), header);
          seen.add(header);
        }
        assert.equal(seen.size, 3);
        const given = await rawRequest(g.url, "GET", "/pyro/http.corr/corr", { "X-Pyro-Correlation-Id": "{11112222-1111-2222-3333-22224444999A}" });
        assert.deepEqual([given.headers["x-pyro-correlation-id"], JSON.parse(given.text)], ["11112222-1111-2222-3333-22224444999a", "11112222-1111-2222-3333-22224444999a"]);
      } finally {
        await g.close();
      }
    }
  });

  test(`${P}: reuse: a backend that dies gives a typed error, then the pool reconnects to its successor`, async () => {
    const d = await backend(w, "http.session3");
    const g = await startTsGateway(w.addr, { reuse: "http\\.", poolSize: 4 });
    try {
      assert.equal((await get(g, "http.session3/inc")).status, 200);
      await d.close();
      const r = await get(g, "http.session3/inc");
      assert.equal(r.status, 500);
      assert.match(String((r.json as { __class__: string }).__class__), new RegExp(`^${P}\\.errors\\.(CommunicationError|ConnectionClosedError)$`));
      await backend(w, "http.session3"); // the name moves to a new daemon
      const again = await get(g, "http.session3/inc");
      assert.deepEqual([again.status, again.json], [200, 1]);
    } finally {
      await g.close();
    }
  });

  test(`${P}: nsCacheSecs: a cached location that fails is dropped and the request retried once with a fresh lookup`, async () => {
    const d = await backend(w, "http.moving");
    const g = await startTsGateway(w.addr, { nsCacheSecs: 60 });
    try {
      assert.equal((await get(g, "http.moving/inc")).status, 200);
      await d.close();
      const d2 = await backend(w, "http.moving"); // moved: the cache still points at the dead daemon
      const r = await get(g, "http.moving/inc");
      assert.deepEqual([r.status, r.json], [200, 1]);
      // a cached location is used until it fails: a new registration is not seen while the old place answers
      // gone for good: the fresh lookup's location fails too, and that error is answered (no endless retry)
      await d2.close();
      await w.client.remove("http.moving");
      await w.client.register("http.moving", "PYRO:nothing@127.0.0.1:1");
      const gone = await get(g, "http.moving/inc");
      assert.equal(gone.status, 500);
      assert.equal((gone.json as { __class__: string }).__class__, `${P}.errors.CommunicationError`);
    } finally {
      await g.close();
    }
  });

  test(`${P}: default mode follows a moved name at once (the speculative connection to the old place is dropped)`, async () => {
    const d = await backend(w, "http.moving2");
    const g = await startTsGateway(w.addr);
    try {
      assert.equal((await get(g, "http.moving2/inc")).status, 200);
      const d2 = await backend(w, "http.moving2"); // moved while the old daemon still runs
      assert.deepEqual((await get(g, "http.moving2/inc")).json, 1);
      await d.close();
      assert.deepEqual((await get(g, "http.moving2/inc")).json, 1);
      await d2.close();
      const r = await get(g, "http.moving2/inc");
      assert.equal((r.json as { __class__: string }).__class__, `${P}.errors.CommunicationError`);
    } finally {
      await g.close();
    }
  });
}

test("options are checked: poolSize, nsCacheSecs, reuse regex; the CLI flags reach the gateway", async () => {
  assert.throws(() => new HttpGateway({ poolSize: 0 }), /poolSize/);
  assert.throws(() => new HttpGateway({ nsCacheSecs: -1 }), /nsCacheSecs/);
  assert.throws(() => new HttpGateway({ reuse: "(" }));
  let errText = "";
  const status = await httpgatewayMain(["--pool-size", "0"], { err: (t) => (errText += t), out: () => {} });
  assert.equal(status, 2);
  assert.match(errText, /poolSize/);
  let started: HttpGateway | null = null;
  const ok = await httpgatewayMain(["-H", "127.0.0.1", "-p", "0", "--reuse", "http\\.", "--pool-size", "3", "--ns-cache", "5"], {
    protocol: 5, out: () => {}, err: () => {}, started: (g) => (started = g),
  });
  assert.equal(ok, 0);
  await (started as HttpGateway | null)?.close();
});
