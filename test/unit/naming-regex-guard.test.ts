// Which name server regexes may run inline (cannot backtrack super-linearly) and which go to the worker with a
// deadline; and that the worker path refuses a catastrophic pattern with NamingError instead of hanging.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isCheapPattern, matchNames } from "../../src/naming/regex-guard.js";
import { compilePythonRegex } from "../../src/python/regex.js";
import { NameServer } from "../../src/naming/nameserver.js";
import { NamingError } from "../../src/errors.js";

test("cheap: no quantifier, or one quantifier without alternation and without back-references", () => {
  for (const p of ["abc", "a|b|c", "(?i)a\\.", "test\\..*", ".*a$", "Pyro|b\\.1", "[*+?{]x", "a{3}", "\\*\\+|x"])
    assert.equal(isCheapPattern(p), true, p);
  for (const p of ["(a+)+$", "(a|aa)*$", "(a*)*", "a*a*b", "(x)\\1", "(?P<n>a)(?P=n)", "a+|b", "a{1,}b{2,}", "(a|b)+"])
    assert.equal(isCheapPattern(p), false, p);
});

test("a catastrophic pattern over a long name is refused with NamingError within the budget", async () => {
  const names = ["a".repeat(40) + "b", "other"];
  // (a+)+$ over 40 a's and a b takes about 2^40 steps: only the budget's termination of the worker ends it within
  // the test's lifetime, so the rejection itself proves it (no elapsed time asserted)
  const r = matchNames("(a+)+$", compilePythonRegex("(a+)+$"), names, 300);
  assert.ok(r instanceof Promise);
  await assert.rejects(r, (e: Error) => e instanceof NamingError && /time budget of 300 ms/.test(e.message));
  // the pool still works after a terminated worker
  assert.deepEqual(await matchNames("(a|o)+", compilePythonRegex("(a|o)+"), names, 2000), names);
});

test("NameServer.list/remove: cheap regexes answer synchronously, others asynchronously with the same result", async () => {
  const ns = new NameServer(undefined, { regexBudgetMs: 250 });
  for (const n of ["ab.x", "aab.y", "b.z"]) await ns.register(n, "PYRO:o@h:1");
  assert.deepEqual(Object.keys(ns.list(null, "a.*") as object).sort(), ["aab.y", "ab.x"]);
  const slow = ns.list(null, "(a|b)+\\.[xz]");
  assert.ok(slow instanceof Promise);
  assert.deepEqual(Object.keys(await slow).sort(), ["ab.x", "b.z"]);
  assert.equal(await ns.remove(null, null, "a+b+\\.y"), 1);
  await ns.register("a".repeat(40) + "b", "PYRO:o@h:1");
  await assert.rejects(Promise.resolve(ns.list(null, "(a+)+$")), NamingError);
  assert.throws(() => ns.list(null, "x".repeat(1025)), /pattern longer than 1024 characters/);
});
