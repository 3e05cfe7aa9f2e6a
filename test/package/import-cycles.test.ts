// Fails on any import cycle among the modules under src/: cycles make load order matter (a class used before
// its module finished evaluating) and tie modules that should be separable. Type-only imports count too,
// because they still couple the modules' designs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Relative specifiers of every import/export-from and dynamic import in a module. */
export function importsOf(code: string): string[] {
  const specs: string[] = [];
  const text = code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const re = /(?:\bimport\s*(?:type\s+)?(?:[\w*{}\s,$]+?\s*from\s*)?|\bexport\s*(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s*|\bimport\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of text.matchAll(re)) specs.push(m[1]!);
  return specs;
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const deps = importsOf(readFileSync(file, "utf8")).map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts")));
    g.set(file, [...new Set(deps)]);
  }
  return g;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
export function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test("the import scanner sees static, type-only, re-export and dynamic imports", () => {
  const code = [
    'import { a } from "./a.js";',
    'import type { B } from "../b.js";',
    'export * from "./c.js";',
    'export { d, type E } from "./d.js";',
    'const f = await import("./f.js");',
    'import "./g.js";',
    'import { h } from "node:fs"; // not relative',
    '// import { x } from "./commented.js";',
  ].join("\n");
  assert.deepEqual(importsOf(code), ["./a.js", "../b.js", "./c.js", "./d.js", "./f.js", "./g.js"]);
});

test("the cycle finder reports a cycle and ignores a diamond", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a", "e"]], ["e", ["a"]]]);
  assert.deepEqual(cycles(g), [["a", "b", "c"]]);
});

test("src/ has no import cycles", () => {
  const g = graph();
  assert.ok(g.size > 30, `expected the whole source tree, found ${g.size} modules`);
  const found = cycles(g).map((c) => c.map((f) => relative(SRC, f)).join(" <-> "));
  assert.deepEqual(found, [], `import cycles in src/:\n  ${found.join("\n  ")}`);
});
