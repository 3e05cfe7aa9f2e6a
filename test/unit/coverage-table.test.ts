// The coverage table `npm test` prints (test/coverage-table.mjs): rows summed per folder of src/, weakest first.
import { test } from "node:test";
import assert from "node:assert/strict";
// @ts-expect-error: a plain .mjs module of the test runner, without types
import { printCoverageTable } from "../coverage-table.mjs";

const f = (lc: number, lt: number, bc: number, bt: number, fc: number, ft: number) => ({
  lines: { covered: lc, total: lt }, branches: { covered: bc, total: bt }, functions: { covered: fc, total: ft },
});

test("files are summed per folder of src/ (src/ itself for top-level files), weakest line coverage first", () => {
  const out: string[] = [];
  const rows = printCoverageTable(
    {
      total: f(0, 0, 0, 0, 0, 0),
      "/r/src/client/a.ts": f(5, 10, 1, 2, 1, 1),
      "/r/src/client/b.ts": f(5, 10, 1, 2, 0, 1),
      "/r/src/errors.ts": f(9, 10, 0, 0, 2, 2),
      "/r/src/python/deep/x.ts": f(1, 10, 0, 4, 0, 3),
    },
    (file: string) => file.replace("/r/", ""),
    (line: string) => out.push(line),
  );
  assert.deepEqual(rows, [
    { folder: "src/python/", lines: [1, 10], branches: [0, 4], functions: [0, 3] },
    { folder: "src/client/", lines: [10, 20], branches: [2, 4], functions: [1, 2] },
    { folder: "src/", lines: [9, 10], branches: [0, 0], functions: [2, 2] },
  ]);
  assert.match(out.at(-1)!, /^all of src\/ +50\.0% \(20\/40\) +25\.0% \(2\/8\) +42\.9% \(3\/7\)$/);
  assert.match(out.find((l) => l.startsWith("src/python/"))!, /^src\/python\/ +10\.0% \(1\/10\) +0\.0% \(0\/4\) +0\.0% \(0\/3\)$/);
  assert.equal(out.filter((l) => /^src\//.test(l)).length, 3);
});
