// The API reference (`npm run docs`, TypeDoc over the three package entry points) cannot drift from the code:
// TypeDoc must run without a warning (typedoc.json treats warnings as errors, and every exported class, interface,
// type, variable and namespace needs a TSDoc comment), and every runtime export of each entry point must be in the
// generated reference. The reference is written to a temporary directory, never into the repository.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface Reflection {
  name: string;
  kind: number;
  children?: Reflection[];
  comment?: { summary?: { text: string }[] };
  signatures?: { comment?: { summary?: { text: string }[] } }[];
  id?: number;
  /** A re-export of a symbol another entry point documents (TypeDoc's Reference kind). */
  target?: number;
}

/** A top-level export's TSDoc summary: on the reflection, on a function's signature, or on a re-export's target. */
function summaryOf(r: Reflection): string {
  if (r.target !== undefined && !r.comment) {
    const target = project!.children!.flatMap((m) => m.children ?? []).find((t) => t.id === r.target);
    return target && target !== r ? summaryOf(target) : "";
  }
  const c = r.comment ?? r.signatures?.find((s) => s.comment)?.comment;
  return (c?.summary ?? []).map((t) => t.text).join("").trim();
}

let work = "";
let run: ReturnType<typeof spawnSync> | null = null;
let project: Reflection | null = null;

before(() => {
  work = mkdtempSync(join(tmpdir(), "pyro4-docs-"));
  run = spawnSync(
    process.execPath,
    [join(ROOT, "node_modules/typedoc/bin/typedoc"), "--json", join(work, "api.json"), "--out", join(work, "html")],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
  );
  if (existsSync(join(work, "api.json"))) project = JSON.parse(readFileSync(join(work, "api.json"), "utf8")) as Reflection;
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("TypeDoc builds the reference without a warning (warnings are errors, exported symbols need TSDoc)", () => {
  const output = `${run!.stdout}${run!.stderr}`;
  assert.equal(run!.status, 0, output);
  assert.doesNotMatch(output, /\[warning\]|\[error\]/, output);
  assert.ok(existsSync(join(work, "html", "index.html")), "no HTML reference was written");
  assert.deepEqual(project!.children!.map((m) => m.name).sort(), ["http/client", "index", "protocol"]);
});

for (const [entry, module] of [
  ["src/index.ts", "index"],
  ["src/http/client.ts", "http/client"],
  ["src/protocol/index.ts", "protocol"],
] as const) {
  test(`every runtime export of ${entry} is in the reference (module "${module}")`, async () => {
    const exported = Object.keys((await import(join(ROOT, entry))) as object).sort();
    assert.ok(exported.length > 0);
    const documented = new Set((project!.children!.find((m) => m.name === module)?.children ?? []).map((r) => r.name));
    assert.deepEqual(exported.filter((name) => !documented.has(name)), [], `exports of ${entry} missing from the API reference`);
  });

  test(`every export of ${entry} has a TSDoc summary, functions included (module "${module}")`, () => {
    const members = project!.children!.find((m) => m.name === module)?.children ?? [];
    assert.ok(members.length > 0);
    assert.deepEqual(members.filter((r) => !summaryOf(r)).map((r) => r.name), [], `exports of ${entry} without TSDoc`);
  });
}
