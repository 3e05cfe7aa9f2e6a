// Keeps README.md and the guides in docs/ honest: every ```ts block is extracted, its `from "pyro4"` imports
// pointed at src/index.ts, and the lot is type-checked with the project's strict compiler settings in one tsc run,
// so an example that uses a renamed option or a method that does not exist fails the build instead of misleading
// users. A canary file with deliberate errors in the same run proves the check really type-checks. The README's
// shape (size, newcomer commands first, the sections and guides it promises) and every relative link and anchor
// between the documents are checked too.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { codeBlocks } from "../helpers/markdown.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TMP_BASE = join(ROOT, "test", ".readme-tmp");

export { codeBlocks };

/** The block's code with `from "pyro4"` pointing at the sources, as seen from `dir`. */
function rewriteImports(code: string, dir: string): string {
  let rel = relative(dir, join(ROOT, "src", "index.js")).split("\\").join("/");
  if (!rel.startsWith(".")) rel = "./" + rel;
  return code.replace(/from\s+["']pyro4["']/g, `from "${rel}"`);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, "").replace(/ /g, "-");
}

/** Relative links `[text](target)` of a markdown text, outside code blocks, with their line numbers. */
export function relativeLinks(markdown: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  let inCode = false;
  markdown.split("\n").forEach((l, i) => {
    if (/^```/.test(l)) inCode = !inCode;
    if (inCode) return;
    for (const m of l.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z]+:/i.test(m[1]!)) out.push({ line: i + 1, target: m[1]! });
    }
  });
  return out;
}

/** The documents whose ```ts examples are type-checked: README.md and every docs/*.md. */
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
const GUIDES = ["client", "server", "nameserver", "values", "configuration", "security", "cli", "troubleshooting"];
/** Documents whose links are checked (the type-checked ones, plus the other READMEs). */
const LINKED = [...DOCS, "examples/README.md", "bench/README.md"];
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const texts = new Map(LINKED.map((d) => [d, readFileSync(join(ROOT, d), "utf8")]));
const docBlocks = DOCS.flatMap((doc) => codeBlocks(texts.get(doc)!).map((b) => ({ doc, ...b })));
const tsBlocks = docBlocks.filter((b) => b.lang === "ts");
const checked = tsBlocks.filter((b) => !b.flags.includes("fragment"));
const slug = (doc: string) => doc.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "_");

describe("README.md and docs/*.md code blocks", () => {
  let dir = "";
  let files: { name: string; block: (typeof checked)[number] }[] = [];
  let tscOutput = "";
  let tscStatus: number | null = null;

  before(() => {
    mkdirSync(TMP_BASE, { recursive: true });
    dir = mkdtempSync(join(TMP_BASE, "check-"));
    files = checked.map((block, i) => ({ name: `${slug(block.doc)}-block-${String(i + 1).padStart(2, "0")}-line-${block.line}.ts`, block }));
    for (const { name, block } of files) {
      // `export {}` keeps each block a module of its own (top-level await, no clashes between blocks)
      writeFileSync(join(dir, name), `// ${block.doc} line ${block.line} (${block.heading})\n${rewriteImports(block.code, dir)}\nexport {};\n`);
    }
    writeFileSync(
      join(dir, "canary.ts"),
      [
        `import { Proxy, NoSuchExport } from "${rewriteImports('from "pyro4"', dir).slice(6, -1)}";`,
        `const p = new Proxy("PYRO:x@localhost:1", { timeout: "soon" });`,
        `function implicitAny(x) { return x; }`,
        `export { p, implicitAny, NoSuchExport };`,
        ``,
      ].join("\n"),
    );
    const base = relative(dir, join(ROOT, "tsconfig.json")).split("\\").join("/");
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: base, compilerOptions: { noEmit: true, incremental: false }, include: [], files: [...files.map((f) => f.name), "canary.ts"] }, null, 2),
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json"), "--pretty", "false"], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
    tscStatus = r.status;
    tscOutput = (r.stdout ?? "") + (r.stderr ?? "");
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("README: a library README of at most 15 KB, the newcomer commands first, the promised sections", () => {
    const size = Buffer.byteLength(readme);
    assert.ok(size <= 15 * 1024, `README.md is ${size} bytes; keep it under 15 KB and move details to docs/`);
    const sh = codeBlocks(readme).filter((b) => b.lang === "sh");
    assert.equal(sh[0]?.code, "npm ci && npx pyro4 echoserver", "first command: install and run the main job");
    assert.equal(sh[1]?.code, "npm test", "second command: the tests");
    assert.ok(sh[1]!.line < 20, "both commands at the very top");
    assert.match(readme.slice(0, 800), /python3-pyro4/, "the Debian packages the tests need are named next to npm test");
    for (const h of [
      "## Install", "## Quick start: call a Python object", "## Quick start: serve an object to Python",
      "## Features and compatibility with Python Pyro4 4.82", "## Differences from Python Pyro4", "## Guides",
    ]) assert.ok(readme.includes(`\n${h}\n`), `missing section ${h}`);
    assert.match(readme, /npm i pyro4/);
    for (const fact of ["ESM", ".mjs", "tsx", "COMMTIMEOUT", "20.19", "22.13", "better-sqlite3@12", "end of life"]) {
      assert.ok(readme.includes(fact), `README should say something about ${fact}`);
    }
    // benchmark figures live in bench/RESULTS.md, not here
    assert.doesNotMatch(readme, /ops\/s|\[\d+(\.\d+)?k-/, "no benchmark tables in the README");
  });

  it("README links every guide, and every guide exists with examples where it promises them", () => {
    for (const g of GUIDES) {
      assert.ok(DOCS.includes(`docs/${g}.md`), `docs/${g}.md is missing`);
      assert.ok(readme.includes(`(docs/${g}.md)`), `README does not link docs/${g}.md`);
    }
    assert.ok(readme.includes("(examples/README.md)") && readme.includes("(bench/RESULTS.md)"));
    for (const g of ["client", "server", "nameserver"]) {
      assert.ok(tsBlocks.filter((b) => b.doc === `docs/${g}.md`).length >= 1, `docs/${g}.md has no ts example`);
    }
    assert.ok(checked.length >= 16, `only ${checked.length} type-checked ts blocks`);
  });

  it("every relative link and anchor between the documents resolves", () => {
    const broken: string[] = [];
    for (const doc of LINKED) {
      for (const { line, target } of relativeLinks(texts.get(doc)!)) {
        const [path, anchor] = target.split("#") as [string, string | undefined];
        const file = path ? join(ROOT, dirname(doc), path) : join(ROOT, doc);
        if (!existsSync(file)) {
          broken.push(`${doc}:${line}: ${target} (no such file)`);
          continue;
        }
        if (anchor && statSync(file).isFile() && file.endsWith(".md")) {
          const anchors = codeBlocksFreeHeadings(readFileSync(file, "utf8")).map(anchorOf);
          if (!anchors.includes(anchor)) broken.push(`${doc}:${line}: ${target} (no heading with that anchor)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it("uses ```ts for every TypeScript block and marks few blocks as fragments", () => {
    const other = docBlocks.filter((b) => /^(typescript|tsx|js|javascript|mjs)$/i.test(b.lang));
    assert.deepEqual(other.map((b) => `${b.doc} line ${b.line}: ${b.lang}`), [], "use ```ts so the block is type-checked");
    const fragments = tsBlocks.filter((b) => b.flags.includes("fragment"));
    assert.ok(fragments.length <= 2, `too many unchecked fragments: ${fragments.map((b) => `${b.doc}:${b.line}`).join(", ")}`);
  });

  it("imports the public API the way users do (from \"pyro4\")", () => {
    for (const b of checked) {
      const specs = [...b.code.matchAll(/from "([^"]+)";/g)].map((m) => m[1]!);
      assert.ok(specs.length > 0, `${b.doc} line ${b.line}: examples show their imports`);
      for (const spec of specs)
        assert.match(spec, /^(pyro4(\/http|\/protocol)?|node:[a-z_/]+|@opentelemetry\/[\w-]+)$/, `${b.doc} line ${b.line}: import from "pyro4" (or node:, @opentelemetry/), not "${spec}"`);
      assert.doesNotMatch(b.code, /from "\.{1,2}\//, `${b.doc} line ${b.line}: no relative imports in examples`);
    }
  });

  it("every checked block type-checks (strict), and the canary's errors are reported", () => {
    const errorLines = tscOutput.split("\n").filter((l) => /error TS\d+/.test(l));
    const canary = errorLines.filter((l) => l.includes("canary.ts"));
    const bySlug = new Map(DOCS.map((d) => [slug(d), d]));
    // errors inside src/ are the main type-check's business; here only the examples count
    const blockErrors = errorLines
      .filter((l) => l.includes("-block-"))
      .map((l) => {
        // <doc>-block-NN-line-L.ts(row,col): file row 1 is the header comment, so the doc's line = L + row - 2 + 1
        const m = /(\w+)-block-\d+-line-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(l);
        return m ? `${bySlug.get(m[1]!) ?? m[1]}:${Number(m[2]) + Number(m[3]) - 1}:${m[4]}: ${m[5]}` : l;
      });
    assert.deepEqual(blockErrors, [], `doc examples do not type-check:\n${blockErrors.join("\n")}`);
    // the canary proves tsc ran on these files with strict settings: missing export, wrong option type, implicit any
    assert.ok(canary.some((l) => l.includes("TS2305")), `canary: missing export not reported:\n${tscOutput}`);
    assert.ok(canary.some((l) => l.includes("TS2322")), `canary: wrong option type not reported:\n${tscOutput}`);
    assert.ok(canary.some((l) => l.includes("TS7006")), `canary: implicit any not reported:\n${tscOutput}`);
    assert.notEqual(tscStatus, 0);
  });

  it("examples/: every example imports \"pyro4\" (never ../../src) and examples/README.md describes each one", () => {
    const exReadme = texts.get("examples/README.md")!;
    const files = ["client", "server"].flatMap((d) => readdirSync(join(ROOT, "examples", d)).filter((f) => f.endsWith(".ts")).map((f) => `${d}/${f}`));
    assert.ok(files.length >= 10, `only ${files.length} examples`);
    for (const f of files) {
      const code = readFileSync(join(ROOT, "examples", f), "utf8");
      assert.match(code, /from "pyro4";/, `examples/${f} should import from "pyro4"`);
      assert.doesNotMatch(code, /from "\.{1,2}\//, `examples/${f} imports a relative path`);
      assert.ok(exReadme.includes("`" + f.split("/")[1] + "`"), `examples/README.md does not describe ${f}`);
    }
  });

  it("anchorOf() and relativeLinks() follow GitHub's rules", () => {
    assert.equal(anchorOf("Quick start: serve an object to Python"), "quick-start-serve-an-object-to-python");
    assert.equal(anchorOf("The client: `locateNS`"), "the-client-locatens");
    assert.equal(anchorOf("Security and connection options: HMAC, serializer, handshake, metadata, TLS"), "security-and-connection-options-hmac-serializer-handshake-metadata-tls");
    assert.deepEqual(relativeLinks("[a](x.md) [b](https://e.org) `[c](no.md)`\n```\n[d](in-code.md)\n```\n[e](y.md#z)"), [
      { line: 1, target: "x.md" },
      { line: 5, target: "y.md#z" },
    ]);
  });

  it("codeBlocks() finds fences, languages, flags and headings", () => {
    const md = "# A\n```ts\nx\n```\n## B\n```ts fragment\ny\nz\n```\n```sh\nls\n```\n";
    assert.deepEqual(
      codeBlocks(md).map((b) => [b.line, b.lang, b.flags, b.heading, b.code]),
      [
        [2, "ts", [], "A", "x"],
        [6, "ts", ["fragment"], "B", "y\nz"],
        [10, "sh", [], "B", "ls"],
      ],
    );
    assert.throws(() => codeBlocks("```ts\nnever closed\n"), /never closed/);
  });
});


/** Headings of a markdown text, leaving out lines inside code blocks (a `# comment` in a sh block is no heading). */
function codeBlocksFreeHeadings(markdown: string): string[] {
  const out: string[] = [];
  let inCode = false;
  for (const l of markdown.split("\n")) {
    if (/^```/.test(l)) inCode = !inCode;
    else if (!inCode && /^#{1,6} /.test(l)) out.push(l.replace(/^#+ /, ""));
  }
  return out;
}
