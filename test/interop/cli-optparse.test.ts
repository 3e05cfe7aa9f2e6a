// The `pyro4` commands read their command lines as Python's pyro4-ns, pyro4-nsc and pyro4-test-echoserver do:
// every flag form, the same option values, byte-identical help (at several $COLUMNS) and optparse's errors and
// exit statuses. Python's side is generated live by running the real tools' main() (test/fixtures/cli_optparse.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runPython, PYTHON } from "../helpers/python.js";
import { runToEnd, type RunResult } from "../helpers/run-to-end.js";
import { parseOptions, OptParseExit, type ParserSpec } from "../../src/python/optparse.js";
import { nsMain, nsParser, STORAGE_HELP } from "../../src/cli/ns.js";
import { nscMain, nscParser } from "../../src/cli/nsc.js";
import { echoserverMain, echoserverParser } from "../../src/cli/echoserver.js";
import { NSC_SHARED_ARGV } from "../helpers/nsc-argv.js";

type Tool = "ns" | "nsc" | "echoserver";
interface Case {
  tool: Tool;
  argv: string[];
  columns?: number | string | null;
  run?: boolean;
}
interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
  parsed: { options: Record<string, unknown>; args: string[] } | null;
}

const PARSERS: Record<Tool, ParserSpec> = { ns: nsParser, nsc: nscParser, echoserver: echoserverParser };

/** The Python tool's view of our parsed options: our extension options (documented, listed last) left out. */
function withoutExtensionValues(tool: Tool, o: Outcome): Outcome {
  if (!o.parsed) return o;
  const options = { ...o.parsed.options };
  for (const spec of PARSERS[tool].options) if (spec.extension) delete options[spec.dest ?? spec.long.replace(/-/g, "_")];
  return { ...o, parsed: { ...o.parsed, options } };
}

/** Our help text without the lines of our extension options (they come last, after every Python option). */
function withoutExtensionHelp(tool: Tool, text: string): string {
  const ext = PARSERS[tool].options.filter((x) => x.extension);
  if (!ext.length) return text;
  const lines = text.split("\n");
  const first = lines.findIndex((l) => ext.some((x) => l.startsWith(`  --${x.long}`) || (x.short !== undefined && l.startsWith(`  -${x.short}`))));
  if (first < 0) return text;
  let end = first;
  while (end < lines.length && (lines[end]!.startsWith("  -") || lines[end]!.startsWith("   "))) end++;
  return [...lines.slice(0, first), ...lines.slice(end)].join("\n");
}

function python(cases: Case[]): Outcome[] {
  // -s's help deliberately names our storages (STORAGE_HELP); Python formats that text for the comparison
  return JSON.parse(runPython(["cli_optparse.py"], { input: JSON.stringify(cases), env: { PYRO4_TEST_STORAGE_HELP: STORAGE_HELP } })) as Outcome[];
}

async function withColumns<T>(columns: Case["columns"], f: () => Promise<T>): Promise<T> {
  const saved = process.env.COLUMNS;
  if (columns === undefined || columns === null) delete process.env.COLUMNS;
  else process.env.COLUMNS = String(columns);
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.COLUMNS;
    else process.env.COLUMNS = saved;
  }
}

/** Our command (the real main function) for a line that must end in help or an error, never a server. */
async function oursExit(c: Case): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const line = (to: "out" | "err") => (l: string) => (to === "out" ? (stdout += l + "\n") : (stderr += l + "\n"));
  const status = await withColumns(c.columns, async () => {
    if (c.tool === "ns") return nsMain(c.argv, { out: line("out"), err: line("err"), stopSignal: Promise.resolve() });
    if (c.tool === "nsc") return nscMain(c.argv, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
    return echoserverMain(c.argv, { out: line("out"), err: line("err") });
  });
  return { status, stdout, stderr, parsed: null };
}

/** Our parser's reading of a line the Python tool accepted. */
function oursParsed(c: Case): Outcome {
  try {
    return { status: null, stdout: "", stderr: "", parsed: parseOptions(c.argv, PARSERS[c.tool]) };
  } catch (e) {
    if (!(e instanceof OptParseExit)) throw e;
    return { status: e.status, stdout: e.toStderr ? "" : e.output, stderr: e.toStderr ? e.output : "", parsed: null };
  }
}

const FORMS: Case[] = [
  ...[
    [],
    ["-p", "9090"],
    ["--port=9090"],
    ["--port", "9090"],
    ["-p9090"],
    ["--po", "9090"],
    ["--por=9090"],
    ["-xp9090"],
    ["-xk", "secret"],
    ["-x", "-n", "h", "-s", "sql:/tmp/x.db"],
    ["-n", "h", "extra", "positional", "-x"],
    ["--", "-x"],
    ["-p", "0x1F"],
    ["-p", "010"],
    ["-p", "0b101"],
    ["-p", "0o17"],
    ["-p", " 12 "],
    ["-p", "+7"],
    ["-p", "-3"],
    ["-p", "1_000"],
    ["--bch", "", "--bcp", "5", "--nath", "a", "--natp=6"],
    ["-k", "--port"],
    ["-n", "-"],
    ["--nathost=a=b"],
    ["-u", "sock", "--unix", "other"],
    ["--storage", "memory", "--nobc", "--key=k"],
  ].map((argv): Case => ({ tool: "ns", argv })),
  ...[
    ...NSC_SHARED_ARGV,
    ["--host=h", "--", "-v"],
  ].map((argv): Case => ({ tool: "nsc", argv })),
  ...[
    [],
    ["-Nvq"],
    ["-nN"],
    ["--names"],
    ["-H", "0.0.0.0", "-p", "0"],
    ["--host", "h", "--port=1", "-u", "/tmp/s", "-k", "key"],
    ["-qH127.0.0.1"],
    ["--quiet", "ignored", "positional"],
  ].map((argv): Case => ({ tool: "echoserver", argv })),
];

const ERRORS: [Tool, string[]][] = [
  ["ns", ["--bogus"]],
  ["ns", ["-z"]],
  ["ns", ["-xz"]],
  ["ns", ["-p"]],
  ["ns", ["--port"]],
  ["ns", ["-n", "h", "-p"]],
  ["ns", ["-p", "x"]],
  ["ns", ["--port=abc"]],
  ["ns", ["--port="]],
  ["ns", ["-p", "1.5"]],
  ["ns", ["-p", "09"]],
  ["ns", ["-p", "0x"]],
  ["ns", ["-p", "1__0"]],
  ["ns", ["-p", "it's"]],
  ["ns", ["-p", `both ' and "`]],
  ["ns", ["-p", "tab\there"]],
  ["ns", ["-p=5"]],
  ["ns", ["--nobc=3"]],
  ["ns", ["--na", "3"]],
  ["ns", ["--bc", "3"]],
  ["ns", ["---x"]],
  ["ns", ["--=x"]],
  ["ns", ["--x"]],
  ["ns", ["--help=1"]],
  ["ns", ["--bogus", "-h"]],
  ["ns", ["-p", "x", "-h"]],
  ["nsc", ["--bogus"]],
  ["nsc", ["-k"]],
  ["nsc", ["-vz", "list"]],
  ["nsc", ["-p", "port", "list"]],
  ["echoserver", ["--bogus"]],
  ["echoserver", ["--na"]],
  ["echoserver", ["-p", "x"]],
  ["echoserver", ["-qk"]],
  ["echoserver", ["--verbose=yes"]],
];

const HELPS: Case[] = [];
for (const tool of ["ns", "nsc", "echoserver"] as const) {
  for (const columns of [null, 200, 100, 60, 40, 30, 10, "abc"]) HELPS.push({ tool, argv: ["-h"], columns });
  for (const argv of [["--help"], ["--he"], ["-xh"], ["-h", "--bogus"]]) {
    if (tool === "ns" || argv[0] !== "-xh") HELPS.push({ tool, argv });
  }
}

test("every flag form gives the option values and arguments Python's tools get", () => {
  const theirs = python(FORMS);
  assert.equal(theirs.length, FORMS.length);
  FORMS.forEach((c, i) => {
    assert.ok(theirs[i]!.parsed, `Python accepts ${c.tool} ${JSON.stringify(c.argv)}: ${theirs[i]!.stderr}`);
    assert.deepEqual(withoutExtensionValues(c.tool, oursParsed(c)), theirs[i], `${c.tool} ${JSON.stringify(c.argv)}`);
  });
});

test("-h prints Python's help text, wrapped the same at any $COLUMNS", async () => {
  const theirs = python(HELPS);
  for (const [i, c] of HELPS.entries()) {
    const want = theirs[i]!;
    assert.equal(want.status, 0, `${c.tool} ${c.argv.join(" ")}`);
    assert.match(want.stdout, /^Usage: pyro4 /);
    const ours = await oursExit(c);
    if (PARSERS[c.tool].options.some((x) => x.extension)) assert.match(ours.stdout, /\n  --prune/, "our extension options are listed");
    assert.deepEqual({ ...ours, stdout: withoutExtensionHelp(c.tool, ours.stdout) }, want, `${c.tool} ${JSON.stringify(c.argv)} COLUMNS=${c.columns}`);
  }
});

test("bad options: optparse's usage + error lines on stderr, exit status 2", async () => {
  const cases: Case[] = [
    ...ERRORS.map(([tool, argv]): Case => ({ tool, argv })),
    // pyro4-nsc checks its command after parsing; run the Python tool past parse_args for these
    ...[[], ["bogus"], ["-v"], ["-n", "h", "--", "-v"]].map((argv): Case => ({ tool: "nsc", argv, run: true })),
  ];
  const theirs = python(cases);
  for (const [i, c] of cases.entries()) {
    const want = theirs[i]!;
    assert.equal(want.status, 2, `${c.tool} ${JSON.stringify(c.argv)}: ${JSON.stringify(want)}`);
    assert.match(want.stderr, /^Usage: pyro4 [\s\S]*\n\npyro4 \w+: error: .+\n$/);
    const ours = await oursExit(c);
    // an "ambiguous option" list also names our extension options; the Python tool's list is the rest
    let stderr = ours.stderr;
    for (const x of PARSERS[c.tool].options) if (x.extension) stderr = stderr.replace(`, --${x.long},`, ",").replace(`, --${x.long}?`, "?");
    assert.deepEqual({ ...ours, stderr }, want, `${c.tool} ${JSON.stringify(c.argv)}`);
  }
});

// The installed commands, end to end: `pyro4 <tool>` against `python3 -m Pyro4.<module>`.
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const MODULES: Record<Tool, [string, string]> = {
  ns: ["Pyro4.naming", "naming.py"],
  nsc: ["Pyro4.nsc", "nsc.py"],
  echoserver: ["Pyro4.test.echoserver", "echoserver.py"],
};

function run(cmd: string, args: string[]): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONWARNINGS: "ignore" };
  delete env.COLUMNS;
  return runToEnd(cmd, args, { env, timeoutMs: 30_000 });
}

test("`pyro4 ns -h`, `pyro4 echoserver -h`, `pyro4 nsc --bogus` print what `python3 -m Pyro4.<tool>` prints", { timeout: 120_000 }, async () => {
  const lines: [Tool, string[]][] = [["ns", ["-h"]], ["echoserver", ["-h"]], ["nsc", ["--bogus"]]];
  for (const [tool, argv] of lines) {
    const [module, script] = MODULES[tool];
    const [ours, theirs] = await Promise.all([
      run(process.execPath, ["--import", "tsx", MAIN, tool, ...argv]),
      run(PYTHON, ["-m", module, ...argv]),
    ]);
    // pyro4-ns's -s help names dbm:file (refused here) and not postgresql://: ours is STORAGE_HELP (one line, as theirs)
    const adapt = (s: string) =>
      s
        .replaceAll(`Usage: ${script}`, `Usage: pyro4 ${tool}`)
        .replaceAll(`${script}: error:`, `pyro4 ${tool}: error:`)
        .replace("Storage system to use (memory, dbm:file, sql:file)", STORAGE_HELP);
    assert.equal(theirs.code, argv[0] === "-h" ? 0 : 2);
    assert.deepEqual({ ...ours, stdout: withoutExtensionHelp(tool, ours.stdout) }, { ...theirs, stdout: adapt(theirs.stdout), stderr: adapt(theirs.stderr) }, `pyro4 ${tool} ${argv[0]}`);
  }
});

test("`pyro4 ns -h` lists the storages the name server takes: postgresql://, not the refused dbm:file", async () => {
  const ours = await oursExit({ tool: "ns", argv: ["-h"] });
  assert.match(ours.stdout, /Storage to use \(memory, sql:file, postgresql:\/\/\.\.\.\)/);
  assert.doesNotMatch(ours.stdout, /dbm/);
});

test("Python's int() and float() rules for typed option values", async () => {
  const { parseOptparseInt } = await import("../../src/python/optparse.js");
  const { parsePyFloat } = await import("../../src/python/numbers.js");
  const ints = ["0", "7", "-7", "+7", " 8 ", "010", "08", "0x1f", "0X1F", "0x_1f", "0b101", "0b-1", "0b", "0o17", "0_7", "1_000", "1__0", "_1", "1_", "", " ", "0x", "12a", "1.0", "١٢"];
  const floats = ["1", "1.5", "-1.5e3", ".5", "5.", "1_0.5", "inf", "-Infinity", "nan", "NaN", "1e", "e1", "", "1__0", "0x10", " 2.5 "];
  const py = JSON.parse(
    runPython([
      "-c",
      `import json, sys, optparse
def f(conv, v):
    try:
        r = conv(v)
        return r if r == r and abs(r) != float("inf") else repr(r)
    except ValueError:
        return None
print(json.dumps([[f(optparse._parse_int, v) for v in json.loads(sys.argv[1])], [f(float, v) for v in json.loads(sys.argv[2])]]))`,
      JSON.stringify(ints),
      JSON.stringify(floats),
    ]),
  ) as [unknown[], unknown[]];
  const js = (n: number | null) => (n === null ? null : Number.isNaN(n) ? "nan" : n === Infinity ? "inf" : n === -Infinity ? "-inf" : n);
  // Python's int() takes any Unicode decimal digit; we take ASCII digits only (the one known difference)
  const expectInts = py[0].map((v, i) => (ints[i] === "١٢" ? null : v));
  assert.deepEqual(ints.map((v) => js(parseOptparseInt(v))), expectInts);
  assert.deepEqual(floats.map((v) => js(parsePyFloat(v))), py[1]);
});

test("help lines break where Python's textwrap.wrap breaks them", async () => {
  const { wrap } = await import("../../src/python/textwrap.js");
  const texts = [
    "port of the NS (or bc-port if host isn't specified)",
    'hostname to bind broadcast server on (default is "")',
    "a-b-c-d-e-f-g-h-i-j verylongwordwithoutanybreakpossibility-and-hyphen-parts here -- em dash--yes",
    "  lead\ttab\nnl  trail  ",
    "x---y ab-cd 12-34 é-ü-ö über-long-wörds 😀😀😀😀😀😀😀😀😀😀😀😀",
    "",
  ];
  const cases = texts.flatMap((text) => Array.from({ length: 40 }, (_, i) => [text, i + 1] as const));
  const py = JSON.parse(
    runPython([
      "-c",
      "import json, sys, textwrap\nprint(json.dumps([textwrap.wrap(t, w) for t, w in json.loads(sys.stdin.read())]))",
    ], { input: JSON.stringify(cases) }),
  ) as string[][];
  assert.deepEqual(cases.map(([t, w]) => wrap(t, w)), py);
});
