// Docs that cannot drift from the code: every command that `pyro4 --help` / `pyro5 --help` lists, and every flag
// that each command's `--help` prints, must appear in docs/cli.md (in that command's table row, short and long form
// together as `-n/--host`); every configuration item that `check-config` prints (Config and Config5) must appear in
// docs/configuration.md's tables with the default check-config prints. The bins run as users run them (child
// processes), so a flag added to a parser without a line in the docs fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Config } from "../../src/config.js";
import { Config5 } from "../../src/config5.js";
import { runToEnd, type RunResult } from "../helpers/run-to-end.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BINS = { pyro4: join(ROOT, "src/cli/main.ts"), pyro5: join(ROOT, "src/cli/pyro5.ts") } as const;
type Bin = keyof typeof BINS;

/** A bin's output in a neutral environment: default terminal width, no PYRO_* settings. */
function runBin(bin: Bin, args: string[]): Promise<RunResult> {
  const env = { ...process.env };
  delete env.COLUMNS;
  for (const k of Object.keys(env)) if (k.startsWith("PYRO_")) delete env[k];
  return runToEnd(process.execPath, ["--import", "tsx", BINS[bin], ...args], { cwd: ROOT, env });
}

/** The command names a bin's usage text lists (`  name   about` lines under "commands:"). */
export function commandsOf(usage: string): string[] {
  const block = usage.split("commands:\n")[1] ?? "";
  const out: string[] = [];
  for (const line of block.split("\n")) {
    if (line.trim() === "") break;
    const m = /^ {2}([a-z][\w-]*)\s/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** A help text's flags: `-n/--host` for a short+long pair, `--bchost` or `-x` alone; -h/--help left out. */
export function flagsOf(help: string): string[] {
  const out: string[] = [];
  for (const line of help.split("\n")) {
    // optparse: "  -n HOST, --host=HOST  ...", "  -x, --nobc", "  --bchost=BCHOST"
    const m = /^ {2}(?:(-[A-Za-z])(?: [A-Z_]+)?, )?(--[a-z][\w-]*)(?:[= ][A-Z_]+)?(?:\s|$)/.exec(line);
    if (!m) continue;
    if (m[2] === "--help") continue;
    out.push(m[1] ? `${m[1]}/${m[2]}` : m[2]!);
  }
  return out;
}

/** The table row of docs/cli.md for `bin cmd` (its first cell starts with that command in backticks). */
function rowOf(doc: string, bin: Bin, cmd: string): string | undefined {
  return doc.split("\n").find((l) => l.startsWith(`| \`${bin} ${cmd}`) && /^\| `[^`]*` \|/.test(l) && l.split("`")[1]!.split(" ")[1] === cmd);
}

test("flagsOf() and commandsOf() read optparse help and the bins' usage", () => {
  const help = [
    "Usage: pyro4 ns [options]", "", "Options:",
    "  -h, --help            show this help message and exit",
    "  -n HOST, --host=HOST  hostname to bind server on",
    "  -u UNIXSOCKET, --unixsocket=UNIXSOCKET",
    "                        Unix domain socket name to bind server on",
    "  --bchost=BCHOST       hostname",
    "  -x, --nobc            don't start",
    "  --prune-after=PRUNEAFTER",
    "                        --not-a-flag in a help line",
  ].join("\n");
  assert.deepEqual(flagsOf(help), ["-n/--host", "-u/--unixsocket", "--bchost", "-x/--nobc", "--prune-after"]);
  assert.deepEqual(commandsOf("usage: x\n\ncommands:\n  ns            a\n  flame-console b\n\n  help [cmd]    c\n"), ["ns", "flame-console"]);
});

test("docs/cli.md has a row for every command of `pyro4 --help` and `pyro5 --help`, naming each flag its --help prints", async () => {
  const doc = readFileSync(join(ROOT, "docs/cli.md"), "utf8");
  const missing: string[] = [];
  let flagsChecked = 0;
  for (const bin of ["pyro4", "pyro5"] as const) {
    const usage = await runBin(bin, ["--help"]);
    assert.equal(usage.code, 0, usage.stderr);
    const commands = commandsOf(usage.stdout);
    assert.ok(commands.length >= 5, `${bin} --help lists ${commands.join(", ")}`);
    for (const general of ["help", "--version"]) if (!doc.includes(`\`${bin} ${general}`) && !doc.includes(`\`npx ${bin} ${general}`)) missing.push(`${bin} ${general}: not mentioned`);
    const helps = await Promise.all(commands.map((c) => runBin(bin, [c, "--help"])));
    commands.forEach((cmd, i) => {
      const h = helps[i]!;
      assert.equal(h.code, 0, `${bin} ${cmd} --help: ${h.stderr}`);
      const row = rowOf(doc, bin, cmd);
      if (!row) {
        missing.push(`${bin} ${cmd}: no table row`);
        return;
      }
      for (const flag of flagsOf(h.stdout)) {
        flagsChecked++;
        // `-n/--host` in the row; a long-only flag as `--bchost` (followed by a non-name character)
        if (!new RegExp(`\`${flag.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(?![\\w-])`).test(row)) missing.push(`${bin} ${cmd}: ${flag}`);
      }
    });
  }
  assert.deepEqual(missing, [], "docs/cli.md is missing these (add them to the command's row)");
  assert.ok(flagsChecked >= 60, `only ${flagsChecked} flags checked`);
});

/** `NAME = value` lines as check-config prints them, for the built-in defaults. */
function defaults(lines: string[]): Map<string, string> {
  return new Map(lines.map((l) => [l.slice(0, l.indexOf(" = ")), l.slice(l.indexOf(" = ") + 3)]));
}

/** configuration.md's table rows between `from` and `to` (headings): item names and default cells, paired. */
export function documentedDefaults(doc: string, from: string, to: string | null): Map<string, string[]> {
  const start = doc.indexOf(from);
  const end = to === null ? doc.length : doc.indexOf(to, start + 1);
  assert.ok(start >= 0 && end > start, `configuration.md: section ${from} not found`);
  const out = new Map<string, string[]>();
  for (const line of doc.slice(start, end).split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const names = [...cells[0]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    const values = [...(cells[1] ?? "").matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
    names.forEach((n, i) => out.set(n, [...(out.get(n) ?? []), values.length === names.length ? values[i]! : `(${values.length} defaults for ${names.length} items)`]));
  }
  return out;
}

test("docs/configuration.md lists every Pyro4 and Pyro5 configuration item with the default check-config prints", () => {
  const doc = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
  const sections: [string, Map<string, string>, Map<string, string[]>][] = [
    ["Pyro4 (config)", defaults(new Config({}).dumpItems({})), documentedDefaults(doc, "## The items", "## Pyro5: `config5`")],
    ["Pyro5 (config5)", defaults(new Config5({}).dumpItems()), documentedDefaults(doc, "## Pyro5: `config5`", "Where Pyro5 differs from Pyro4")],
  ];
  const wrong: string[] = [];
  for (const [what, items, documented] of sections) {
    assert.ok(items.size >= 39, `${what}: ${items.size} items`);
    for (const [name, value] of items) {
      const shown = value === "" ? '""' : value;
      const found = documented.get(name);
      if (!found) wrong.push(`${what}: ${name} is not in the table`);
      else if (!found.includes(shown)) wrong.push(`${what}: ${name} documented as ${found.join(" / ")}, check-config prints ${shown}`);
    }
    for (const name of documented.keys()) if (!items.has(name)) wrong.push(`${what}: ${name} is documented but is no item`);
  }
  assert.deepEqual(wrong, []);
});
