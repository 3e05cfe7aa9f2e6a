// The name server's regex dialect and sql file format checked against Python itself: our translation of
// Python `re` patterns must accept/reject and match exactly like re.match, and sqlite files must be readable
// by Pyro4's SqlStorage and the other way round.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPython } from "../helpers/python.js";
import { compilePythonRegex, pythonMatch } from "../../src/python/regex.js";
import { SqlStorage } from "../../src/naming/storage-sql.js";
import { NameServer } from "../../src/naming/nameserver.js";

const dir = mkdtempSync(join(tmpdir(), "pyro4-ns-storage-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const names = [
  "Pyro.NameServer", "a", "a.b", "a.b.c", "A.B", "ab", "b.a", "x_y", "x-y", "x y", "x\ny", "end\n", "123", "a1",
  "ünï.code", "名前.サービス", "tab\there", "dots...", "{brace}", "[bracket]", "back\\slash", "$dollar", "^caret",
  "", "😀.emoji", "aaa", "abab",
];
const patterns = [
  // valid
  "a", "a.b", "a\\.b", "^a", "a$", "a\\Z", "\\Aa", ".*\\.c$", "[ab]+$", "[^a]", "[a-c]{2}", "x.y", "x\\sy", "x\\Sy",
  "\\d+", "\\w+$", "\\W", "\\bb", "a\\B", "(a|b)\\.", "(?:ab)+$", "(?P<g>a)b(?P=g)?", "(a)(b)\\2?", "(?i)a\\.b$",
  "(?s)x.y", "(?m)^y", "(?x) a \\. b  # comment", "a{,1}$", "a{2}", "a{1,}", "a*?", "\\{brace\\}", "\\[bracket]",
  "back\\\\slash", "\\$dollar", "\\^caret", "[\\]\\[]", "[.]", "tab\\there", "\\x41", "\\u00fc", "\\101",
  "[\\w.]+$", "[\\d]+", "ü", "名前\\.", "😀", ".{1}\\.emoji", "(?=a)", "(?!a).", "(?<=a)b", "(?<!a)b", "(?#note)a",
  "", "x{", "a{1,2", "[-a]", "[a-]", "[]a]", "[^]a]", "(a)|b", "a|", "|a", "\\.\\.\\.", "dots\\.{3}$",
  // invalid
  "((", "(", ")", "a)", "*", "a**", "[a", "[b-a]", "\\", "a{2,1}", "(?P<1>a)", "(?<a)", "(?Px)", "\\q", "+a",
  "(?P=x)", "(?i", "[]", "(?#", "a|*", "\\1", "(a)\\2", "{1}", "a{1}{2}", "?", "(?z)", "[\\q]", "\\p{L}",
  "(?P<a>x)(?P<a>y)", "\\k", "a\n(", "a(?i)b", "[\\d-z]", "[a-\\d]", "\\8", "(?P<a", "(?P<a>", "(?P", "(?", "^*",
  "\\x4", "\\u12", "(a)(?P=a)", "(?P<a>a\\1)",
];

test("Python regexes: same accept/reject messages and re.match results as Python", () => {
  const expected = JSON.parse(
    runPython(["naming_regex.py"], { input: JSON.stringify({ patterns, names }) }),
  ) as ({ error: string } | { matches: string[] })[];
  const mismatches: string[] = [];
  patterns.forEach((p, i) => {
    const want = expected[i]!;
    let got: { error: string } | { matches: string[] };
    try {
      const re = compilePythonRegex(p);
      got = { matches: names.filter((n) => pythonMatch(re, n)) };
    } catch (e) {
      got = { error: (e as Error).message };
    }
    try {
      assert.deepEqual(got, want);
    } catch {
      mismatches.push(`${JSON.stringify(p)}: ours ${JSON.stringify(got)} python ${JSON.stringify(want)}`);
    }
  });
  assert.deepEqual(mismatches, []);
});

const data: Record<string, [string, string[]]> = {
  "Pyro.NameServer": ["PYRO:Pyro.NameServer@127.0.0.1:9090", ["class:Pyro4.naming.NameServer"]],
  "my.printer": ["PYRO:obj_1@127.0.0.1:5555", ["printer", "color"]],
  "plain": ["PYRO:obj_2@./u:/tmp/sock", []],
  "ünï.名前": ["PYRO:obj_3@[::1]:5556", ["tåg"]],
};

test("sql file written by Python's SqlStorage opens in ours", () => {
  const file = join(dir, "from-python.sqlite");
  runPython(["naming_sqlfile.py", "write", file], { input: JSON.stringify(data) });
  const storage = new SqlStorage(file);
  const ns = new NameServer(storage);
  const got: Record<string, [string, string[]]> = {};
  for (const [n, r] of storage.everything()) got[n] = [r.uri, [...r.metadata].map(String).sort()];
  assert.deepEqual(got, Object.fromEntries(Object.entries(data).map(([k, [u, t]]) => [k, [u, [...t].sort()]])));
  assert.deepEqual(Object.keys(ns.list(null, null, ["printer"])), ["my.printer"]);
  // and we can keep writing into Python's file
  ns.register("added.by.ts", "PYRO:x@h:1", false, ["t"]);
  ns.remove("plain");
  storage.close();
  const back = JSON.parse(runPython(["naming_sqlfile.py", "read", file])) as Record<string, unknown>;
  assert.deepEqual(back["added.by.ts"], ["PYRO:x@h:1", ["t"]]);
  assert.equal(back.plain, undefined);
});

test("sql file written by ours opens in Python's SqlStorage", () => {
  const file = join(dir, "from-ts.sqlite");
  const storage = new SqlStorage(file);
  const ns = new NameServer(storage);
  for (const [n, [u, t]] of Object.entries(data)) ns.register(n, u, false, t);
  ns.register("plain", "PYRO:obj_2@./u:/tmp/sock2"); // overwrite
  ns.set_metadata("my.printer", ["printer"]);
  storage.close();
  const back = JSON.parse(runPython(["naming_sqlfile.py", "read", file])) as Record<string, [string, string[]]>;
  assert.deepEqual(back, {
    "Pyro.NameServer": ["PYRO:Pyro.NameServer@127.0.0.1:9090", ["class:Pyro4.naming.NameServer"]],
    "my.printer": ["PYRO:obj_1@127.0.0.1:5555", ["printer"]],
    plain: ["PYRO:obj_2@./u:/tmp/sock2", []],
    "ünï.名前": ["PYRO:obj_3@[::1]:5556", ["tåg"]],
  });
});
