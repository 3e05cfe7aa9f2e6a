// Keeps README.md honest: every ```ts block is extracted, its `from "pyro4"` imports pointed at src/index.ts,
// and the lot is type-checked with the project's strict compiler settings in one tsc run, so an example that
// uses a renamed option or a method that does not exist fails the build instead of misleading users. A canary
// file with deliberate errors in the same run proves the check really type-checks.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TMP_BASE = join(ROOT, "test", ".readme-tmp");

interface Block {
  /** 1-based line of the opening fence in README.md. */
  line: number;
  lang: string;
  /** Words after the language on the fence line (e.g. "fragment"). */
  flags: string[];
  heading: string;
  code: string;
}

/** Fenced code blocks of a markdown text, each with the heading it appears under. */
export function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^#{1,6} /.test(l)) heading = l.replace(/^#+ /, "");
    const open = /^```(\S*)\s*(.*)$/.exec(l);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`README.md line ${start + 1}: code block is never closed`);
    blocks.push({ line: start + 1, lang: open[1]!, flags: open[2]!.split(/\s+/).filter(Boolean), heading, code: body.join("\n") });
  }
  return blocks;
}

/** The block's code with `from "pyro4"` pointing at the sources, as seen from `dir`. */
function rewriteImports(code: string, dir: string): string {
  let rel = relative(dir, join(ROOT, "src", "index.js")).split("\\").join("/");
  if (!rel.startsWith(".")) rel = "./" + rel;
  return code.replace(/from\s+["']pyro4["']/g, `from "${rel}"`);
}

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const blocks = codeBlocks(readme);
const tsBlocks = blocks.filter((b) => b.lang === "ts");
const checked = tsBlocks.filter((b) => !b.flags.includes("fragment"));

describe("README.md code blocks", () => {
  let dir = "";
  let files: { name: string; block: Block }[] = [];
  let tscOutput = "";
  let tscStatus: number | null = null;

  before(() => {
    mkdirSync(TMP_BASE, { recursive: true });
    dir = mkdtempSync(join(TMP_BASE, "check-"));
    files = checked.map((block, i) => ({ name: `block-${String(i + 1).padStart(2, "0")}-line-${block.line}.ts`, block }));
    for (const { name, block } of files) {
      // `export {}` keeps each block a module of its own (top-level await, no clashes between blocks)
      writeFileSync(join(dir, name), `// README.md line ${block.line} (${block.heading})\n${rewriteImports(block.code, dir)}\nexport {};\n`);
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

  it("has the documented sections and enough TypeScript examples", () => {
    for (const h of ["## Client", "## Server", "## Name server", "## Command line: `pyro4`"]) assert.ok(readme.includes(`\n${h}\n`), `missing section ${h}`);
    assert.ok(!readme.includes("<!-- API-SECTIONS -->"), "the API-SECTIONS marker should have been replaced");
    assert.ok(checked.length >= 12, `only ${checked.length} type-checked ts blocks`);
  });

  it("uses ```ts for every TypeScript block and marks few blocks as fragments", () => {
    const other = blocks.filter((b) => /^(typescript|tsx|js|javascript|mjs)$/i.test(b.lang));
    assert.deepEqual(other.map((b) => `line ${b.line}: ${b.lang}`), [], "use ```ts so the block is type-checked");
    const fragments = tsBlocks.filter((b) => b.flags.includes("fragment"));
    assert.ok(fragments.length <= 2, `too many unchecked fragments: lines ${fragments.map((b) => b.line).join(", ")}`);
  });

  it("imports the public API the way users do (from \"pyro4\")", () => {
    for (const b of checked) {
      assert.match(b.code, /from "pyro4";/, `README.md line ${b.line}: examples import from "pyro4"`);
      assert.doesNotMatch(b.code, /from "\.{1,2}\//, `README.md line ${b.line}: no relative imports in examples`);
    }
  });

  it("every checked block type-checks (strict), and the canary's errors are reported", () => {
    const errorLines = tscOutput.split("\n").filter((l) => /error TS\d+/.test(l));
    const canary = errorLines.filter((l) => l.includes("canary.ts"));
    // errors inside src/ are the main type-check's business; here only the examples count
    const blockErrors = errorLines
      .filter((l) => l.includes("block-"))
      .map((l) => {
        // block-NN-line-L.ts(row,col): file row 1 is the header comment, so README line = L + row - 2 + 1
        const m = /block-\d+-line-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(l);
        return m ? `README.md:${Number(m[1]) + Number(m[2]) - 1}:${m[3]}: ${m[4]}` : l;
      });
    assert.deepEqual(blockErrors, [], `README examples do not type-check:\n${blockErrors.join("\n")}`);
    // the canary proves tsc ran on these files with strict settings: missing export, wrong option type, implicit any
    assert.ok(canary.some((l) => l.includes("TS2305")), `canary: missing export not reported:\n${tscOutput}`);
    assert.ok(canary.some((l) => l.includes("TS2322")), `canary: wrong option type not reported:\n${tscOutput}`);
    assert.ok(canary.some((l) => l.includes("TS7006")), `canary: implicit any not reported:\n${tscOutput}`);
    assert.notEqual(tscStatus, 0);
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

