// NameServer semantics against both storages (memory, sqlite): results, Pyro4's error types and messages, and
// the sql file schema. Python-side equivalence is checked in test/interop/naming*.test.ts.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NameServer, NAMESERVER_NAME } from "../../src/naming/nameserver.js";
import { truthy } from "../../src/python/types.js";
import { MemoryStorage, type NameStorage } from "../../src/naming/storage.js";
import { SqlStorage } from "../../src/naming/storage-sql.js";
import { openSqlite } from "../../src/naming/sqlite-adapter.js";
import { URI } from "../../src/uri.js";
import { Tuple, tuple } from "../../src/serializers/values.js";
import { NamingError, PyroError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "pyro4-ns-unit-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

const storages: [string, () => NameStorage][] = [
  ["memory", () => new MemoryStorage()],
  ["sql", () => new SqlStorage(join(dir, `ns${fileNo++}.sqlite`))],
];

function fresh(make: () => NameStorage): NameServer {
  const ns = new NameServer(make());
  ns.register(NAMESERVER_NAME, "PYRO:Pyro.NameServer@127.0.0.1:9090", false, new Set(["class:Pyro4.naming.NameServer"]));
  return ns;
}

function errorOf(fn: () => unknown): { type: string; message: string } {
  try {
    fn();
  } catch (e) {
    const err = e as Error & { pythonType?: string };
    const type = err.pythonType?.replace("builtins.", "") ?? err.name;
    return { type, message: err.message };
  }
  assert.fail("expected an error");
}

for (const [kind, make] of storages) {
  describe(`NameServer (${kind} storage)`, () => {
    test("register / lookup / count / ping", () => {
      const ns = fresh(make);
      assert.equal(ns.count(), 1);
      assert.equal(ns.register("my.obj", "PYRO:obj1@127.0.0.1:5555", false, new Set(["printer", "fast"])), null);
      ns.register("other", new URI("PYRO:o@h:1"));
      assert.equal(ns.count(), 3);
      const u = ns.lookup("my.obj");
      assert.ok(u instanceof URI);
      assert.equal(u.toString(), "PYRO:obj1@127.0.0.1:5555");
      const withMeta = ns.lookup("my.obj", true) as Tuple<unknown>;
      assert.ok(withMeta instanceof Tuple);
      assert.ok(withMeta[0] instanceof URI);
      assert.ok(Array.isArray(withMeta[1]) && !(withMeta[1] instanceof Tuple));
      assert.deepEqual([...(withMeta[1] as string[])].sort(), ["fast", "printer"]);
      assert.deepEqual((ns.lookup("other", true) as Tuple<unknown>)[1], []);
      assert.equal(ns.ping(), null);
    });

    test("uri strings are stored as given; lookup parses them", () => {
      const ns = fresh(make);
      ns.register("e", "pyro:x@h:1");
      assert.equal(ns.list("e").e, "pyro:x@h:1");
      assert.equal(String(ns.lookup("e")), "PYRO:x@h:1");
    });

    test("safe registration, overwrite keeps listing position (memory) / metadata replaced", () => {
      const ns = fresh(make);
      ns.register("a", "PYRO:a@h:1", false, ["t"]);
      ns.register("a", "PYRO:a@h:2");
      assert.equal(String(ns.lookup("a")), "PYRO:a@h:2");
      assert.deepEqual((ns.lookup("a", true) as unknown[])[1], []);
      assert.deepEqual(errorOf(() => ns.register("a", "PYRO:a@h:3", true)), {
        type: "NamingError",
        message: "name already registered: a",
      });
      assert.equal(String(ns.lookup("a")), "PYRO:a@h:2");
    });

    test("metadata: set_metadata, list filters, return_metadata shape", () => {
      const ns = fresh(make);
      ns.register("p1", "PYRO:p1@h:1", false, ["printer", "color"]);
      ns.register("p2", "PYRO:p2@h:1", false, tuple("printer"));
      ns.register("s1", "PYRO:s1@h:1", false, { scanner: 1 });
      assert.deepEqual(Object.keys(ns.list(null, null, ["printer"])).sort(), ["p1", "p2"]);
      assert.deepEqual(Object.keys(ns.list(null, null, new Set(["printer", "color"]))), ["p1"]);
      assert.deepEqual(Object.keys(ns.list(null, null, null, ["color", "scanner"])).sort(), ["p1", "s1"]);
      assert.deepEqual(ns.list(null, null, null, ["nothing"]), {});
      const full = ns.list(null, null, null, ["scanner"], true);
      assert.ok(full.s1 instanceof Tuple);
      assert.deepEqual([...(full.s1 as Tuple<unknown>)], ["PYRO:s1@h:1", ["scanner"]]);
      ns.set_metadata("p2", ["x"]);
      assert.deepEqual((ns.lookup("p2", true) as unknown[])[1], ["x"]);
      ns.set_metadata("p2", null);
      assert.deepEqual((ns.lookup("p2", true) as unknown[])[1], []);
      ns.set_metadata("p1", new Set());
      assert.deepEqual((ns.lookup("p1", true) as unknown[])[1], []);
      assert.equal(String(ns.lookup("p1")), "PYRO:p1@h:1");
      // empty filters are falsy: everything is listed
      assert.equal(Object.keys(ns.list(null, null, [])).length, 4);
    });

    test("list: prefix (exact startswith), regex (re.match), everything", () => {
      const ns = fresh(make);
      for (const n of ["a.b", "a.c", "A.d", "a_x", "ba", "x%y"]) ns.register(n, `PYRO:o@h:1`);
      assert.deepEqual(Object.keys(ns.list("a.")), ["a.b", "a.c"]);
      assert.deepEqual(Object.keys(ns.list("a_")), ["a_x"]);
      assert.deepEqual(Object.keys(ns.list("x%")), ["x%y"]);
      assert.deepEqual(Object.keys(ns.list(null, "a")).sort(), ["a.b", "a.c", "a_x"]);
      assert.deepEqual(Object.keys(ns.list(null, "(?i)a\\.")).sort(), ["A.d", "a.b", "a.c"]);
      assert.deepEqual(Object.keys(ns.list(null, ".*a$")), ["ba"]);
      assert.deepEqual(Object.keys(ns.list(null, "Pyro\\.")), [NAMESERVER_NAME]);
      assert.equal(Object.keys(ns.list()).length, 7);
      assert.equal(ns.list()[NAMESERVER_NAME], "PYRO:Pyro.NameServer@127.0.0.1:9090");
    });

    test("remove: name, prefix, regex; never the name server itself", () => {
      const ns = fresh(make);
      for (const n of ["a.1", "a.2", "b.1", "b.2", "c"]) ns.register(n, "PYRO:o@h:1", false, ["t"]);
      assert.equal(ns.remove("c"), 1);
      assert.equal(ns.remove("c"), 0);
      assert.equal(ns.remove(NAMESERVER_NAME), 0);
      assert.equal(ns.remove(null, "a."), 2);
      assert.equal(ns.remove(null, "zzz"), 0);
      assert.equal(ns.remove(null, null, "Pyro|b\\.1"), 1);
      assert.equal(ns.remove(null, "Pyro"), 0);
      assert.equal(ns.remove(), 0);
      assert.equal(ns.remove("nope", "b"), 1);
      assert.deepEqual(Object.keys(ns.list()), [NAMESERVER_NAME]);
      assert.equal(ns.count(), 1);
    });

    test("bad input raises Pyro4's errors and leaves the server usable", () => {
      const ns = fresh(make);
      ns.register("a", "PYRO:a@h:1");
      const cases: [() => unknown, string, string][] = [
        [() => ns.register(1, "PYRO:a@h:1"), "TypeError", "name must be a str"],
        [() => ns.register("a", 5), "TypeError", "only URIs or strings can be registered"],
        [() => ns.register("a", "bogus"), "PyroError", "invalid uri"],
        [() => ns.register("a", "PYRO:x@h:1", false, "x"), "TypeError", "metadata should not be a str, but another iterable (set, list, etc)"],
        [() => ns.register("a", "PYRO:x@h:1", false, 5), "TypeError", "'int' object is not iterable"],
        [() => ns.register("a", "PYRO:x@h:1", false, [[1]]), "TypeError", "unhashable type: 'list'"],
        [() => ns.lookup("zz"), "NamingError", "unknown name: zz"],
        [() => ns.lookup(5), "TypeError", 'can only concatenate str (not "int") to str'],
        [() => ns.lookup([1]), "TypeError", "unhashable type: 'list'"],
        [() => ns.set_metadata(5, []), "TypeError", "name must be a str"],
        [() => ns.set_metadata("zz", []), "NamingError", "unknown name: zz"],
        [() => ns.set_metadata("a", "t"), "TypeError", "metadata should not be a str, but another iterable (set, list, etc)"],
        [() => ns.list("a", "b"), "ValueError", "you can only filter on one thing at a time"],
        [() => ns.list("", "b"), "ValueError", "you can only filter on one thing at a time"],
        [() => ns.list(null, null, "x"), "TypeError", "metadata_all should not be a str, but another iterable (set, list, etc)"],
        [() => ns.list(null, null, null, "x"), "TypeError", "metadata_any should not be a str, but another iterable (set, list, etc)"],
        [() => ns.list(null, null, 5), "TypeError", "'int' object is not iterable"],
        [() => ns.list(null, 5), "TypeError", "first argument must be string or compiled pattern"],
        [() => ns.list(5), "TypeError", "startswith first arg must be str or a tuple of str, not int"],
        [() => ns.list(null, "(("), "NamingError", "invalid regex: missing ), unterminated subpattern at position 1"],
        [() => ns.remove(null, null, "a)"), "NamingError", "invalid regex: unbalanced parenthesis at position 1"],
        [() => ns.remove([1]), "TypeError", "unhashable type: 'list'"],
      ];
      for (const [fn, type, message] of cases) assert.deepEqual(errorOf(fn), { type, message }, message);
      assert.ok((() => { try { ns.lookup("zz"); } catch (e) { return e instanceof NamingError; } return false; })());
      assert.ok((() => { try { ns.register("a", "bogus"); } catch (e) { return e instanceof PyroError; } return false; })());
      assert.equal(ns.remove(5), 0);
      assert.equal(String(ns.lookup("a")), "PYRO:a@h:1");
      assert.equal(ns.count(), 2);
    });

    test("names and tags that are awkward in JavaScript", () => {
      const ns = fresh(make);
      ns.register("__proto__", "PYRO:p@h:1", false, ["constructor"]);
      ns.register("", "PYRO:e@h:1");
      ns.register("ünï.名前", "PYRO:u@h:1", false, ["tåg"]);
      const all = ns.list(null, null, null, null, true);
      assert.ok(Object.prototype.hasOwnProperty.call(all, "__proto__"));
      assert.deepEqual([...(all["__proto__"] as Tuple<unknown>)], ["PYRO:p@h:1", ["constructor"]]);
      assert.equal(String(ns.lookup("")), "PYRO:e@h:1");
      assert.deepEqual(Object.keys(ns.list(null, null, ["tåg"])), ["ünï.名前"]);
      assert.equal(ns.remove(""), 0); // Python: `if name and ...` — the empty name is falsy
    });
  });
}

test("truthy follows Python", () => {
  const cases: [unknown, boolean][] = [
    [null, false], [undefined, false], [0, false], [0n, false], ["", false], [[], false], [new Set(), false],
    [{}, false], [false, false], [NaN, true], [1, true], ["a", true], [[0], true], [{ a: 1 }, true], [tuple(), false],
  ];
  for (const [v, want] of cases) assert.equal(truthy(v), want, String(v));
});

describe("SqlStorage file", () => {
  test("creates Pyro4's schema and persists across reopen", () => {
    const file = join(dir, "persist.sqlite");
    const s1 = new SqlStorage(file);
    const ns = new NameServer(s1);
    ns.register("x", "PYRO:x@h:1", false, ["a", "b"]);
    ns.register("y", "PYRO:y@h:1");
    s1.close();
    const { db } = openSqlite(file);
    const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type='table' ORDER BY name").all();
    assert.deepEqual(tables.map((t) => t.name), ["pyro_metadata", "pyro_names"]);
    assert.match(String(tables[1]!.sql), /id integer PRIMARY KEY,\s+name nvarchar NOT NULL UNIQUE,\s+uri nvarchar NOT NULL/);
    assert.match(String(tables[0]!.sql), /FOREIGN KEY\(object\) REFERENCES pyro_names\(id\)/);
    db.close();
    const ns2 = new NameServer(new SqlStorage(file));
    assert.equal(ns2.count(), 2);
    assert.deepEqual([...((ns2.lookup("x", true) as unknown[])[1] as string[])].sort(), ["a", "b"]);
    ns2.storage.close();
  });

  test("migrates an old schema without pyro_metadata", () => {
    const file = join(dir, "old.sqlite");
    const { db } = openSqlite(file);
    db.exec("CREATE TABLE pyro_names(name nvarchar PRIMARY KEY, uri nvarchar NOT NULL)");
    db.prepare("INSERT INTO pyro_names(name, uri) VALUES (?, ?)").run("old.name", "PYRO:o@h:1");
    db.close();
    const ns = new NameServer(new SqlStorage(file));
    assert.equal(String(ns.lookup("old.name")), "PYRO:o@h:1");
    ns.register("new", "PYRO:n@h:1", false, ["t"]);
    assert.deepEqual(Object.keys(ns.list(null, null, ["t"])), ["new"]);
    ns.storage.close();
  });

  test(":memory: is refused like Pyro4 does", () => {
    assert.throws(() => new SqlStorage(":memory:"), (e: unknown) => (e as { code?: string }).code === "ERR_PYRO4_CONFIG_VALUE" && /We don't support the sqlite :memory: database type/.test(String(e)));
  });
});
