// PostgreSQL name-server storage against a real throwaway PostgreSQL cluster: the name server's semantics and
// errors equal the memory storage's call for call; register(safe=True) races between two instances give one
// winner; the schema is created once and versioned; an unreachable database gives clear NamingErrors and the
// storage recovers when it comes back; Python clients (locateNS, pyro4-nsc, PYRONAME:) see two of our instances
// on one database as one name server.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPgCluster, freePort, type PgCluster } from "../helpers/postgres.js";
import { runPythonAsync } from "../helpers/python.js";
import { NameServer, NAMESERVER_NAME } from "../../src/naming/nameserver.js";
import { SqlStorage } from "../../src/naming/storage-sql.js";
import { PgStorage, pgDriver } from "../../src/naming/storage-pg.js";
import { createStorage, startNameServer, type RunningNameServer } from "../../src/naming/server.js";
import { Daemon } from "../../src/server/daemon.js";
import { NamingError } from "../../src/errors.js";

let pg: PgCluster;
let dbNo = 0;
const closers: (() => Promise<void>)[] = [];

before(async () => {
  pg = await startPgCluster();
});
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  pg?.stop();
});

function storage(url: string): PgStorage {
  const s = new PgStorage(url, { connectTimeoutMs: 2000 });
  closers.push(() => s.close());
  return s;
}

async function outcome(fn: () => unknown): Promise<unknown> {
  try {
    const v = await fn();
    return { ok: JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Set ? [...x] : x))) };
  } catch (e) {
    const err = e as Error & { pythonType?: string };
    return { error: err.pythonType ?? err.constructor.name, message: err.message };
  }
}

// The reference is the sqlite storage, itself proven equal to Python's SqlStorage (naming-storage.test.ts): both
// move a re-registered name to the end of the listing, where Python's MemoryStorage keeps its place.
describe("PgStorage semantics equal the sql storage's", () => {
  test("every name-server operation, results and errors", async () => {
    const pgs = storage(pg.createDatabase(`sem${dbNo++}`));
    await pgs.open();
    const dir = mkdtempSync(join(tmpdir(), "pyro4-pgsem-"));
    const sql = new SqlStorage(join(dir, "ref.sqlite"));
    closers.push(async () => {
      sql.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const mem = new NameServer(sql);
    const ours = new NameServer(pgs);
    const ops: [string, (ns: NameServer<SqlStorage> | NameServer<PgStorage>) => unknown][] = [
      ["self", (ns) => ns.register(NAMESERVER_NAME, "PYRO:Pyro.NameServer@127.0.0.1:9090", false, ["class:Pyro4.naming.NameServer"])],
      ["reg a", (ns) => ns.register("a.one", "PYRO:obj1@host:1", false, ["x", "y", "3"])],
      ["reg b", (ns) => ns.register("a.two", "PYRO:obj2@host:2")],
      ["reg c", (ns) => ns.register("b.three", "PYRO:obj3@./u:/tmp/s", false, new Set(["y"]))],
      ["reg unicode", (ns) => ns.register("ünï.名前", "PYRO:obj4@[::1]:5", false, ["tåg"])],
      ["safe taken", (ns) => ns.register("a.one", "PYRO:other@h:1", true)],
      ["safe free", (ns) => ns.register("c.four", "PYRO:obj5@h:5", true, ["z"])],
      ["reg bad uri", (ns) => ns.register("bad", "nonsense")],
      ["reg int name", (ns) => ns.register(42, "PYRO:x@h:1")],
      ["reg str metadata", (ns) => ns.register("m", "PYRO:x@h:1", false, "abc")],
      ["reg unhashable tag", (ns) => ns.register("m", "PYRO:x@h:1", false, [["l"]])],
      ["count", (ns) => ns.count()],
      ["lookup", async (ns) => String(await ns.lookup("a.two"))],
      ["lookup meta", (ns) => ns.lookup("a.one", true)],
      ["lookup unknown", (ns) => ns.lookup("nope")],
      ["lookup int", (ns) => ns.lookup(7)],
      ["lookup list", (ns) => ns.lookup(["x"])],
      ["list", (ns) => ns.list()],
      ["list meta", (ns) => ns.list(null, null, null, null, true)],
      ["list prefix", (ns) => ns.list("a.")],
      ["list prefix wildcard", (ns) => ns.list("a_")],
      ["list regex", (ns) => ns.list(null, ".*o$")],
      ["list bad regex", (ns) => ns.list(null, "(")],
      ["list all", (ns) => ns.list(null, null, ["y"])],
      ["list any", (ns) => ns.list(null, null, null, ["z", "tåg", "3"])],
      ["list two filters", (ns) => ns.list("a", "b")],
      ["set_metadata", (ns) => ns.set_metadata("a.two", ["new"])],
      ["set_metadata unknown", (ns) => ns.set_metadata("nope", ["t"])],
      ["set_metadata str", (ns) => ns.set_metadata("a.two", "t")],
      ["list after set_metadata", (ns) => ns.list(null, null, null, null, true)],
      ["re-register moves", (ns) => ns.register("a.one", "PYRO:obj1b@host:1")],
      ["order", async (ns) => Object.keys(await ns.list())],
      ["remove name", (ns) => ns.remove("b.three")],
      ["remove unknown", (ns) => ns.remove("b.three")],
      ["remove self", (ns) => ns.remove(NAMESERVER_NAME)],
      ["remove prefix", (ns) => ns.remove(null, "a.")],
      ["remove regex", (ns) => ns.remove(null, "c\\..*")],
      ["remove unhashable", (ns) => ns.remove(["x"])],
      ["final", (ns) => ns.list(null, null, null, null, true)],
      ["count end", (ns) => ns.count()],
    ];
    for (const [what, op] of ops) {
      const want = await outcome(() => op(mem));
      const got = await outcome(() => op(ours));
      assert.deepEqual(got, want, what);
    }
  });

  test("tags keep their Python type (int, float, bool, None) as in Python's MemoryStorage", async () => {
    const ns = new NameServer(storage(pg.createDatabase(`typed${dbNo++}`)));
    await ns.register("t", "PYRO:t@h:1", false, [3, 2.5, true, null, "s", 12345678901234567890n]);
    const [, tags] = (await ns.lookup("t", true)) as unknown as [unknown, unknown[]];
    assert.equal(tags.length, 6);
    assert.deepEqual(new Set(tags), new Set([3, 2.5, true, null, "s", 12345678901234567890n]));
    assert.deepEqual(Object.keys(await ns.list(null, null, null, [true])), ["t"]);
    assert.deepEqual(Object.keys(await ns.list(null, null, null, ["3"])), []);
  });

  test("a lookup returns a Promise that rejects (never throws synchronously) on bad arguments", async () => {
    const ns = new NameServer(storage(pg.createDatabase(`rej${dbNo++}`)));
    const p = ns.lookup(["unhashable"]);
    assert.ok(p instanceof Promise);
    await assert.rejects(p, /unhashable type: 'list'/);
  });
});

describe("shared storage across instances", () => {
  test("register(safe=True) race between two instances: one winner, one NamingError", async () => {
    const url = pg.createDatabase(`race${dbNo++}`);
    const a = new NameServer(storage(url));
    const b = new NameServer(storage(url));
    await a.storage.open();
    await b.storage.open();
    for (let i = 0; i < 25; i++) {
      const results = await Promise.allSettled([
        a.register(`race.${i}`, `PYRO:a${i}@h:1`, true),
        b.register(`race.${i}`, `PYRO:b${i}@h:1`, true),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(won.length, 1, `round ${i}`);
      assert.equal(lost.length, 1);
      assert.ok(lost[0]!.reason instanceof NamingError);
      assert.equal(lost[0]!.reason.message, `name already registered: race.${i}`);
      const winner = results[0]!.status === "fulfilled" ? `PYRO:a${i}@h:1` : `PYRO:b${i}@h:1`;
      assert.equal(String(await a.lookup(`race.${i}`)), winner);
      assert.equal(String(await b.lookup(`race.${i}`)), winner);
    }
  });

  test("concurrent unsafe registers of one name from two instances all succeed; one row remains", async () => {
    const url = pg.createDatabase(`unsafe${dbNo++}`);
    const a = new NameServer(storage(url));
    const b = new NameServer(storage(url));
    const calls = [];
    for (let i = 0; i < 20; i++) calls.push((i % 2 ? a : b).register("same", `PYRO:o${i}@h:1`, false, [`t${i}`]));
    await Promise.all(calls);
    const listed = (await a.list(null, null, null, null, true)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(listed), ["same"]);
    assert.equal(pg.psql("SELECT count(*) FROM pyro_metadata", url.split("/").pop()).trim(), "1");
  });

  test("schema: created once with a version row, reopened intact, a newer version is refused", async () => {
    const db = `schema${dbNo++}`;
    const url = pg.createDatabase(db);
    const s1 = storage(url);
    const s2 = storage(url);
    await Promise.all([s1.open(), s2.open()]); // two instances starting together
    assert.equal(pg.psql("SELECT string_agg(version::text, ',') FROM pyro_schema_version", db).trim(), "1");
    const tables = pg.psql("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema='public'", db);
    assert.equal(tables.trim(), "pyro_metadata,pyro_names,pyro_schema_version");
    await new NameServer(s1).register("kept", "PYRO:k@h:1", false, ["t"]);
    await s1.close();
    const s3 = storage(url);
    const [kept, tags] = (await new NameServer(s3).lookup("kept", true)) as unknown as [unknown, unknown[]];
    assert.deepEqual([String(kept), tags], ["PYRO:k@h:1", ["t"]]);
    assert.equal(String(await new NameServer(s3).lookup("kept")), "PYRO:k@h:1");
    pg.psql("UPDATE pyro_schema_version SET version = 99", db);
    const s4 = storage(url);
    await assert.rejects(s4.open(), (e: Error) => e instanceof NamingError && /schema version 99 is newer than this name server supports \(1\)/.test(e.message));
  });
});

describe("database unreachable", () => {
  test("startNameServer with nothing listening fails with a clear NamingError", async () => {
    const port = await freePort();
    await assert.rejects(
      startNameServer({ host: "127.0.0.1", port: 0, storage: `postgresql://postgres@127.0.0.1:${port}/x`, pgOptions: { connectTimeoutMs: 1000 } }),
      (e: Error) => e instanceof NamingError && /name server storage unavailable \(postgresql postgresql:\/\/postgres@127\.0\.0\.1:\d+\/x\) in open: .*ECONNREFUSED/.test(e.message),
    );
  });

  test("without the pg package: a clear error saying how to install it", async () => {
    pgDriver.module = "pg-not-installed-here";
    try {
      await assert.rejects(
        startNameServer({ host: "127.0.0.1", port: 0, storage: pg.url() }),
        (e: Error) =>
          e instanceof NamingError &&
          /^postgresql storage needs the npm package 'pg', which could not be loaded \(Cannot find module 'pg-not-installed-here'.*\); install it with: npm i pg$/s.test(e.message),
      );
    } finally {
      pgDriver.module = "pg";
    }
  });

  test("a password in the URL is not shown", () => {
    assert.equal(createStorage("postgresql://u:secret@h:1/db").description, "postgresql://u:***@h:1/db");
  });

  test("calls fail with NamingError while the server is down and work again after it restarts", async () => {
    const url = pg.createDatabase(`down${dbNo++}`);
    const ns = new NameServer(storage(url));
    await ns.register("before", "PYRO:b@h:1");
    pg.pause();
    try {
      await assert.rejects(ns.lookup("before"), (e: Error) => e instanceof NamingError && /name server storage unavailable/.test(e.message));
      await assert.rejects(ns.register("during", "PYRO:d@h:1"), NamingError);
    } finally {
      pg.start();
    }
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      try {
        await ns.register("after", "PYRO:a@h:1");
        ok = true;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(ok, "recovered");
    assert.deepEqual(Object.keys(await ns.list()), ["before", "after"]);
  });
});

describe("Python clients against two instances on one database", () => {
  let a: RunningNameServer;
  let b: RunningNameServer;
  let daemon: Daemon;
  before(async () => {
    const url = pg.createDatabase(`py${dbNo++}`);
    // each with its own broadcast responder (explicit bchost, since loopback servers skip it otherwise)
    a = await startNameServer({ host: "127.0.0.1", port: 0, storage: url, bchost: "127.0.0.1", bcport: 0 });
    b = await startNameServer({ host: "127.0.0.1", port: 0, storage: url, bchost: "127.0.0.1", bcport: 0 });
    closers.push(() => a.close(), () => b.close());
    daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    closers.push(() => daemon.close());
    daemon.register({ hello: (who: string) => `hello ${who}` }, "greeter", { expose: ["hello"] });
    void daemon.requestLoop();
  });

  test("Pyro4.locateNS on A registers, on B looks up; each answers Pyro.NameServer with itself", async () => {
    const greeter = daemon.uriFor("greeter").asString();
    const code = `
import Pyro4, sys
a = Pyro4.locateNS(host="127.0.0.1", port=${a.uri.port})
b = Pyro4.locateNS(host="127.0.0.1", port=${b.uri.port})
a.register("py.greeter", "${greeter}", metadata={"greet"})
a.register("py.taken", "PYRO:x@h:1", safe=True)
try:
    b.register("py.taken", "PYRO:y@h:1", safe=True)
    print("no error")
except Pyro4.errors.NamingError as e:
    print("NamingError", e)
print(b.lookup("py.greeter"))
print(sorted(b.list(metadata_all={"greet"}).keys()))
print(a.lookup("Pyro.NameServer").port == ${a.uri.port}, b.lookup("Pyro.NameServer").port == ${b.uri.port})
print(Pyro4.Proxy("PYRONAME:py.greeter@127.0.0.1:${b.uri.port}").hello("py"))
print(Pyro4.Proxy("PYROMETA:greet@127.0.0.1:${a.uri.port}").hello("meta"))
print(b.count())
`;
    const out = (await runPythonAsync(["-c", code])).trim().split("\n");
    assert.deepEqual(out, [
      "NamingError name already registered: py.taken",
      greeter,
      "['py.greeter']",
      "True True",
      "hello py",
      "hello meta",
      "3",
    ]);
  });

  test("broadcast discovery: each instance answers with its own address", async () => {
    const code = `
import Pyro4
for bc in (${a.broadcast!.getPort()}, ${b.broadcast!.getPort()}):
    ns = Pyro4.locateNS(port=bc)
    print(ns._pyroUri, ns.count())
`;
    const out = (await runPythonAsync(["-c", code], { env: { PYRO_BROADCAST_ADDRS: "127.0.0.1" } })).trim().split("\n");
    const count = await a.nameserver.count();
    assert.deepEqual(out, [`${a.uri.asString()} ${count}`, `${b.uri.asString()} ${count}`]);
  });

  test("python -m Pyro4.nsc against B lists what was registered through A", async () => {
    await a.nameserver.register("nsc.viaA", "PYRO:n@h:1", false, new Set(["m"]));
    const out = await runPythonAsync(["-m", "Pyro4.nsc", "-n", "127.0.0.1", "-p", String(b.uri.port), "list", "nsc."]);
    assert.match(out, /nsc\.viaA --> PYRO:n@h:1\n\s+metadata: \['m'\]/);
    const rm = await runPythonAsync(["-m", "Pyro4.nsc", "-n", "127.0.0.1", "-p", String(b.uri.port), "remove", "nsc.viaA"]);
    assert.match(rm, /Removed/);
    await assert.rejects(a.nameserver.lookup("nsc.viaA") as Promise<unknown>, /unknown name: nsc.viaA/);
  });
});
