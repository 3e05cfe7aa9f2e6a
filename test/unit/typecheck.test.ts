// The whole project (sources, tests, examples, benchmarks) must type-check under strict settings: the public
// API's types are part of what we ship.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

test("tsc --noEmit passes on the whole project", () => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"], { encoding: "utf8", timeout: 240_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
