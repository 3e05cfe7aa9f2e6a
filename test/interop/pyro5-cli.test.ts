// The `pyro5` command (src/cli/pyro5.ts) against Python Pyro5's own tools: `pyro5 ns` as a child process used by
// a Python Pyro5 client and by `python -m Pyro5.nsc`, compared with `python -m Pyro5.nameserver`; `pyro5 nsc`
// against Python's Pyro5 name server, line for line with `python -m Pyro5.nsc`; `pyro5 echoserver` called by a
// Python Pyro5 proxy and printing Pyro5.utils.echoserver's lines; the flags of each compared with argparse's, and
// every command line read as argparse reads it: the same values, the same errors byte for byte, status 2.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { spawnReady } from "../helpers/ready-process.js";
import { join } from "node:path";
import { PYTHON, FIXTURES, runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { REPO } from "../helpers/ns-process.js";
import { nsMain, ns5Parser } from "../../src/cli/ns.js";
import { nscMain, nsc5Parser } from "../../src/cli/nsc.js";
import { echoserverMain, echoserver5Parser } from "../../src/cli/echoserver.js";
import { httpgatewayMain, gatewayParser } from "../../src/cli/httpgateway.js";
import { checkConfigCommand } from "../../src/cli/check-config.js";
import { PYRO5_PROFILE } from "../../src/profiles/index.js";
import { parseArgparse } from "../../src/python/argparse.js";
import { OptParseExit, destOf, type ParserSpec } from "../../src/python/optparse.js";
import { NSC_SHARED_ARGV } from "../helpers/nsc-argv.js";

const ENV = PYRO5_ENV;

interface Child {
  proc: ChildProcess;
  lines: string[];
  ready: string;
  exited: Promise<number | null>;
  /** SIGTERM to the process group (SIGKILL after 5 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Start `pyro5 ARGS` (src/cli/pyro5.ts through tsx) in its own process group; wait for a line matching `ready`. */
async function startPyro5(args: string[], ready: RegExp): Promise<Child> {
  const r = await spawnReady(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), ...args], {
    ready,
    env: process.env,
    cwd: REPO,
    label: `pyro5 ${args.join(" ")}`,
    group: true,
    timeoutMs: 30_000,
    graceMs: 5000,
  });
  const exited = r.exited.then(() => r.proc.exitCode);
  return { proc: r.proc, lines: r.output, ready: r.match[1] ?? r.match[0], exited, stop: () => r.stop().then(() => r.proc.exitCode) };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion, keeping its exit status and both streams. */
function runCmd(cmd: string, args: string[], input = "", env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: FIXTURES, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
const pyNsc = (port: number, args: string[], input = "") => runCmd(PYTHON, ["-m", "Pyro5.nsc", "-n", "127.0.0.1", "-p", String(port), ...args], input, ENV);

/** `pyro5 nsc` in-process (the code the bin runs), answering removematching's question with `answer`. */
async function ourNsc(port: number, args: string[], answer = ""): Promise<Result> {
  let stdout = "";
  let stderr = "";
  const code = await nscMain(["-n", "127.0.0.1", "-p", String(port), ...args], {
    protocol: 5,
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    ask: async (prompt) => {
      stdout += prompt;
      return answer;
    },
  });
  return { code, stdout, stderr };
}

// a Python set prints in its process's string-hash order: compare set contents, not that order
const sortSet = (m: string) => "{" + m.slice(1, -1).split(", ").sort().join(", ") + "}";
const norm = (s: string, port: number) => s.replaceAll(`127.0.0.1:${port}`, "NS").replace(/\r/g, "").replace(/\{'[^{}]*\}/g, sortSet);

let pyNs: PythonServer;
let pyNs2: PythonServer;
before(async () => {
  const start = () => startPython(["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"], /NS running on 127\.0\.0\.1:(\d+)/, { env: ENV });
  [pyNs, pyNs2] = await Promise.all([start(), start()]);
});
after(async () => {
  await pyNs?.stop();
  await pyNs2?.stop();
});

test("`pyro5 ns` prints Pyro5.nameserver's lines and serves a Python Pyro5 client and Pyro5.nsc as Python's does", async () => {
  const ours = await startPyro5(["ns", "-n", "127.0.0.1", "-p", "0", "-x"], /^URI = PYRO:Pyro\.NameServer@127\.0\.0\.1:(\d+)$/);
  try {
    const port = Number(ours.ready);
    const theirs = Number(pyNs.ready);
    // the start-up lines, port aside, are Python's
    const pyLines = pyNs.output.filter((l) => l !== "").map((l) => norm(l, theirs));
    assert.deepEqual(ours.lines.map((l) => norm(l, port)), pyLines.slice(0, ours.lines.length));
    assert.deepEqual(ours.lines.map((l) => norm(l, port)), ["Not starting broadcast server for localhost.", "NS running on NS (127.0.0.1)", "URI = PYRO:Pyro.NameServer@NS"]);

    // Pyro5.api.locate_ns(host, port): register, lookup, list, yplookup, errors: the same results from both
    const client = (p: number) => runPythonAsync(["pyro5_ns_client.py", "127.0.0.1", String(p)], { env: ENV, timeoutMs: 30_000 });
    const mine = JSON.parse((await client(port)).trim());
    const ref = JSON.parse((await client(theirs)).trim());
    assert.equal(mine.lookup_type, "URI");
    assert.equal(mine.lookup, "PYRO:one@h1:1001");
    assert.match(mine.unknown, /^NamingError: unknown name: no\.such/);
    assert.deepEqual(mine, ref);

    // the client removed app.*; other.three stays, tagged green
    for (const args of [["list"], ["lookup", "other.three"], ["yplookup_any", "green"], ["ping"]]) {
      const a = await pyNsc(port, args);
      const b = await pyNsc(theirs, args);
      assert.equal(a.code, 0, a.stderr);
      assert.ok(a.stdout.length > 0);
      assert.equal(norm(a.stdout, port), norm(b.stdout, theirs), `Pyro5.nsc ${args.join(" ")}`);
    }
    assert.match((await pyNsc(port, ["list"])).stdout, /^other\.three --> PYRO:three@h3:1003\n {4}metadata: \{'green'\}$/m);
  } finally {
    const code = await ours.stop();
    assert.equal(code, 0);
    assert.equal(ours.lines.at(-1), "NS shut down.");
  }
});

test("`pyro5 nsc` prints what `python -m Pyro5.nsc` prints, command for command, against Python's Pyro5 name server", async () => {
  // each tool gets its own Python name server, so the same sequence of changes gives the same state
  const mineNs = Number(pyNs2.ready);
  const refNs = Number(pyNs.ready);
  // the shared one still holds other.three from the test above: clear it
  await pyNsc(refNs, ["remove", "other.three"]);
  const steps: { args: string[]; answer?: string }[] = [
    { args: ["ping"] },
    { args: ["register", "nsc.a", "PYRO:a@h:1"] },
    { args: ["register", "nsc.b", "PYRO:b@h:2"] },
    { args: ["register", "zz.c", "PYRO:c@h:3"] },
    { args: ["setmeta", "nsc.a", "blue", "green"] },
    { args: ["setmeta", "nsc.b", "blue"] },
    { args: ["list"] },
    { args: ["list", "nsc."] },
    { args: ["listmatching", "nsc\\..*"] },
    { args: ["lookup", "nsc.a"] },
    { args: ["yplookup_all", "blue", "green"] },
    { args: ["yplookup_any", "green", "nothing"] },
    { args: ["setmeta", "nsc.b"] },
    { args: ["remove", "zz.c"] },
    { args: ["remove", "zz.c"] },
    { args: ["removematching", "nsc\\.b"], answer: "n" },
    { args: ["removematching", "nsc\\.b"], answer: "y" },
    { args: ["list"] },
    { args: ["lookup", "no.such"] }, // Error: NamingError - unknown name: no.such, status 1
    { args: ["register", "nsc.a", "PYRO:other@h:9"] }, // safe=True: already registered
    { args: ["lookup"] }, // requires one argument: name (stderr, status 1)
    { args: ["register", "x"] },
  ];
  let compared = 0;
  for (const { args, answer } of steps) {
    const a = await ourNsc(mineNs, args, answer ?? "");
    const b = await pyNsc(refNs, args, answer !== undefined ? answer + "\n" : "");
    const what = `nsc ${args.join(" ")}`;
    assert.equal(norm(a.stdout, mineNs), norm(b.stdout, refNs), what);
    assert.equal(a.code, b.code, what);
    if (b.code !== 0 && !b.stdout) assert.equal(a.stderr.trim(), b.stderr.trim().split("\n").at(-1), what); // SystemExit(msg)
    compared++;
  }
  assert.equal(compared, steps.length);
  assert.match((await ourNsc(mineNs, ["list"])).stdout, /^nsc\.a --> PYRO:a@h:1\n {4}metadata: \{'(blue', 'green|green', 'blue)'\}$/m);

  // the bin itself (dispatch through src/cli/pyro5.ts), as a child process
  const bin = await runCmd(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), "nsc", "-n", "127.0.0.1", "-p", String(mineNs), "lookup", "nsc.a"], "", {});
  const ref = await pyNsc(refNs, ["lookup", "nsc.a"]);
  assert.equal(bin.code, 0, bin.stderr);
  assert.equal(norm(bin.stdout, mineNs), norm(ref.stdout, refNs));
  assert.match(bin.stdout, /^PYRO:a@h:1\nmetadata: \{'/);
});

test("`pyro5 nsc` refuses Pyro4-only commands and options like argparse does (status 2)", async () => {
  for (const args of [["listmeta_all", "x"], ["-k", "secret", "list"], []]) {
    const a = await ourNsc(Number(pyNs.ready), args);
    const b = await pyNsc(Number(pyNs.ready), args);
    assert.equal(b.code, 2, b.stderr);
    assert.equal(a.code, 2, `pyro5 nsc ${args.join(" ")}: ${a.stderr}`);
    // argparse's last line: "nsc.py: error: ..." (ours: "pyro5 nsc: error: ..."); the whole text: see cli_argparse.py
    const last = (s: string) => s.trim().split("\n").at(-1)!.replace(/^.*?: error: /, "");
    assert.equal(last(a.stderr), last(b.stderr), `pyro5 nsc ${args.join(" ")}`);
  }
});

test("`pyro5 echoserver` prints Pyro5.utils.echoserver's lines and answers a Python Pyro5 proxy", async () => {
  const ours = await startPyro5(["echoserver", "-H", "127.0.0.1", "-p", "0"], /^echo uri: (PYRO:\S+)$/);
  const theirs = await startPython(["-u", "-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1"], /^echo uri: (PYRO:\S+)$/, { env: ENV });
  try {
    // the ready line is "echo uri: ..."; both print "echoserver running." right after it: wait for that on both sides
    const deadline = Date.now() + 60_000; // a budget for a loaded machine, not a speed
    while (!(ours.lines.includes("echoserver running.") && theirs.output.includes("echoserver running.")) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const port = (uri: string) => Number(/:(\d+)$/.exec(uri)![1]);
    assert.deepEqual(
      ours.lines.map((l) => norm(l, port(ours.ready))),
      theirs.output.map((l) => norm(l, port(theirs.ready))),
    );
    assert.deepEqual(ours.lines.slice(0, 2), ["Starting Pyro's built-in test echo server.", "object name: test.echoserver"]);
    const script = [
      "import sys, json",
      "from Pyro5.api import Proxy",
      "p = Proxy(sys.argv[1])",
      "out = {'echo': p.echo([1, 'two', {'three': 3.5}]), 'gen': list(p.generator())}",
      "try:",
      "    p.error()",
      "except ValueError as e:",
      "    out['error'] = str(e)",
      "try:",
      "    p.error_with_text()",
      "except ValueError as e:",
      "    out['error_with_text'] = str(e)",
      "p.verbose = False",
      "out['verbose'] = p.verbose",
      "p.oneway_echo('x')",
      "print(json.dumps(out))",
    ].join("\n");
    const call = async (uri: string) => JSON.parse((await runPythonAsync(["-c", script, uri], { env: ENV, timeoutMs: 30_000 })).trim());
    const mine = await call(ours.ready);
    const ref = await call(theirs.ready);
    assert.deepEqual(mine.echo, [1, "two", { three: 3.5 }]);
    assert.deepEqual(mine.gen, ["one", "two", "three"]);
    assert.equal(mine.error, "this is the generated error from echoserver echo() method");
    assert.deepEqual(mine, ref);
    // shutdown() ends the echo server's loop: the process exits by itself with status 0
    await runPythonAsync(["-c", "import sys\nfrom Pyro5.api import Proxy\nProxy(sys.argv[1]).shutdown()", ours.ready], { env: ENV, timeoutMs: 30_000 });
    assert.equal(await ours.exited, 0);
  } finally {
    await ours.stop();
    await theirs.stop();
  }
});

test("the pyro5 commands take the flags of Pyro5's argparse tools, and no Pyro4-only -k", async () => {
  const shortPairs = (help: string) => [...help.matchAll(/^ {2}(-\w)(?: [A-Z_]+)?, (--[\w-]+)/gm)].map((m) => `${m[1]}/${m[2]}`).sort();
  const longFlags = (help: string) => new Set([...help.matchAll(/(?<![\w-])--[a-z][\w-]*/g)].map((m) => m[0]));
  const pyHelp = async (mod: string) => (await runCmd(PYTHON, ["-m", mod, "-h"], "", ENV)).stdout;
  const ourHelp = async (main: (argv: string[], io: any) => Promise<number>) => {
    let text = "";
    const code = await main(["-h"], { protocol: 5, out: (t: string) => (text += t + "\n") });
    assert.equal(code, 0);
    return text;
  };
  const cases: [string, (argv: string[], io: any) => Promise<number>, string[]][] = [
    ["Pyro5.nameserver", nsMain, ["--prune", "--prune-after"]], // our extension: pruning of dead registrations
    ["Pyro5.nsc", nscMain, []],
    ["Pyro5.utils.echoserver", echoserverMain, []],
    // our extensions: request body limit, pooled backend connections, name server lookup cache, TLS from flags
    ["Pyro5.utils.httpgateway", httpgatewayMain, ["--max-body", "--reuse", "--pool-size", "--ns-cache", "--ssl", "--ssl-cacerts", "--ssl-clientcert", "--ssl-clientkey"]],
  ];
  for (const [mod, main, extensions] of cases) {
    const theirText = await pyHelp(mod);
    const ourText = await ourHelp(main);
    const theirs = longFlags(theirText);
    const ours = longFlags(ourText);
    for (const e of extensions) ours.delete(e);
    assert.ok(theirs.size >= 5, `${mod}: ${[...theirs]}`);
    assert.deepEqual([...ours].sort(), [...theirs].sort(), mod);
    // and each short flag is the same long flag's (-n/--host), as argparse pairs them
    assert.ok(shortPairs(theirText).length >= 3, theirText);
    assert.deepEqual(shortPairs(ourText), shortPairs(theirText), `${mod}: short flags`);
  }
  // -k (HMAC) does not exist in Pyro5: argparse's usage error, not a silently ignored key
  for (const main of [nsMain, echoserverMain, httpgatewayMain] as ((argv: string[], io: any) => Promise<number>)[]) {
    let err = "";
    assert.equal(await main(["-k", "secret"], { protocol: 5, err: (l: string) => (err += l) }), 2);
    assert.match(err, /: error: unrecognized arguments: -k secret$/m);
  }
});

test("`pyro5` without a command, with an unknown one, and --version", async () => {
  const pyro5 = (...args: string[]) => runCmd(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), ...args]);
  const [none, unknown, version] = await Promise.all([pyro5(), pyro5("flameserver"), pyro5("--version")]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /^ {2}ns {12}start a Pyro5 name server/m);
  assert.match(none.stdout, /^ {2}nsc /m);
  assert.match(none.stdout, /^ {2}echoserver /m);
  assert.equal(unknown.code, 2);
  assert.match(none.stdout, /^ {2}httpgateway /m);
  assert.match(unknown.stderr, /^pyro5: unknown command 'flameserver'/);
  assert.doesNotMatch(unknown.stderr, /\n\s+at /); // no Node stack
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^pyro5 \(pyro4 \d+\.\d+\.\d+, Pyro5 compatible, protocol 502\) on Node /);
});

test("`pyro5 configure` (Python's name) prints what `python -m Pyro5.configure` prints, header lines aside", async () => {
  const env = { PYRO_COMMTIMEOUT: "2.5", PYRO_BROADCAST_ADDRS: "10.0.0.255, 127.0.0.1", PYRO_SSL: "yes" };
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("PYRO_")) clean[k] = v;
  const [ours, theirs] = await Promise.all([
    runCmd(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), "configure"], "", { ...clean, ...env }),
    runCmd(PYTHON, ["-m", "Pyro5.configure"], "", { ...clean, ...env, ...ENV }),
  ]);
  assert.equal(theirs.code, 0, theirs.stderr);
  assert.equal(ours.code, 0, ours.stderr);
  // from "Protocol version" on, line for line (before it: versions and paths of the two programs)
  const tail = (s: string) => s.slice(s.indexOf("Protocol version:")).trimEnd().split("\n");
  assert.ok(tail(theirs.stdout).length >= 40, theirs.stdout);
  assert.deepEqual(tail(ours.stdout), tail(theirs.stdout));
  assert.ok(tail(ours.stdout).includes("COMMTIMEOUT = 2.5"));
  const header = ours.stdout.split("\n").slice(0, 3);
  assert.match(header[0]!, /^Pyro version: 5\.\d+/);
  assert.match(header[1]!, /^Loaded from: /);
});

test("`pyro5 <tool> -h` is argparse's help of Python's tool, at any $COLUMNS (our extension options left out)", async () => {
  const { ns5Parser, STORAGE_HELP } = await import("../../src/cli/ns.js");
  const { nsc5Parser } = await import("../../src/cli/nsc.js");
  const { echoserver5Parser } = await import("../../src/cli/echoserver.js");
  const { gatewayParser } = await import("../../src/cli/httpgateway.js");
  const { formatHelp, helpWidth } = await import("../../src/python/optparse.js");
  const { PYRO5_PROFILE } = await import("../../src/profiles/index.js");
  const tools: [string, string, import("../../src/python/optparse.js").ParserSpec][] = [
    ["Pyro5.nameserver", "pyro5 ns", ns5Parser],
    ["Pyro5.nsc", "pyro5 nsc", nsc5Parser],
    ["Pyro5.utils.echoserver", "pyro5 echoserver", echoserver5Parser],
    ["Pyro5.utils.httpgateway", "pyro5 httpgateway", gatewayParser(PYRO5_PROFILE)],
  ];
  // Python's tool, named like ours (argparse's prog is argv[0]); -s's help is ours (postgresql://, see ns.ts)
  const script = [
    "import argparse, runpy, sys",
    "mod, prog, storage_help = sys.argv[1:4]",
    "add = argparse.ArgumentParser.add_argument",
    "def patched(self, *a, **k):",
    "    if '--storage' in a: k['help'] = storage_help",
    "    return add(self, *a, **k)",
    "argparse.ArgumentParser.add_argument = patched",
    "sys.argv = [prog, '-h']",
    "runpy.run_module(mod, run_name='__main__')",
  ].join("\n");
  let compared = 0;
  for (const columns of ["80", "120", "60", "40"]) {
    for (const [mod, prog, spec] of tools) {
      const theirs = await runCmd(PYTHON, ["-c", script, mod, prog, STORAGE_HELP], "", { ...ENV, COLUMNS: columns });
      assert.equal(theirs.code, 0, theirs.stderr);
      const ours = formatHelp({ ...spec, options: spec.options.filter((o) => !o.extension) }, helpWidth({ COLUMNS: columns }));
      assert.equal(ours, theirs.stdout, `${prog} -h at COLUMNS=${columns}`);
      compared++;
    }
  }
  assert.equal(compared, 16);
});

// ---- argparse's reading of a command line (test/fixtures/cli_argparse.py runs each Python tool's real main())

type Tool5 = "ns" | "nsc" | "echoserver" | "httpgateway";
interface Case5 {
  tool: Tool5;
  argv: string[];
}
interface Outcome5 {
  status: number | null;
  stdout: string;
  stderr: string;
  parsed: { options: Record<string, unknown>; args: unknown[] } | null;
}

const SPEC5: Record<Tool5, ParserSpec> = { ns: ns5Parser, nsc: nsc5Parser, echoserver: echoserver5Parser, httpgateway: gatewayParser(PYRO5_PROFILE) };
/** The Python tool's parser: ours without our extension options (they are listed last; the usage line names them). */
const pythonOnly = (spec: ParserSpec): ParserSpec => ({ ...spec, options: spec.options.filter((o) => !o.extension) });

async function pyArgparse(cases: Case5[]): Promise<Outcome5[]> {
  return JSON.parse(await runPythonAsync(["cli_argparse.py"], { input: JSON.stringify(cases), env: ENV, timeoutMs: 60_000 })) as Outcome5[];
}

/** Our parser alone (the code the commands run). */
function ourParse(c: Case5, spec = SPEC5[c.tool]): Outcome5 {
  try {
    return { status: null, stdout: "", stderr: "", parsed: parseArgparse(c.argv, spec) };
  } catch (e) {
    if (!(e instanceof OptParseExit)) throw e;
    return { status: e.status, stdout: e.toStderr ? "" : e.output, stderr: e.toStderr ? e.output : "", parsed: null };
  }
}

/** Our command itself (the bin's code), for a line that ends in an error or in help; a server it starts stops at once. */
async function ourMain5(c: Case5): Promise<Outcome5> {
  let stdout = "";
  let stderr = "";
  const stopSignal = Promise.resolve();
  const lines = { protocol: 5 as const, stopSignal, out: (l: string) => (stdout += l + "\n"), err: (l: string) => (stderr += l + "\n") };
  const text = { protocol: 5 as const, stopSignal, out: (t: string) => (stdout += t), err: (t: string) => (stderr += t) };
  const status =
    c.tool === "ns" ? await nsMain(c.argv, lines)
    : c.tool === "echoserver" ? await echoserverMain(c.argv, lines)
    : c.tool === "nsc" ? await nscMain(c.argv, text)
    : await httpgatewayMain(c.argv, text);
  return { status, stdout, stderr, parsed: null };
}

const FORMS5: Case5[] = [
  ...[
    [],
    ["-p", "9090"],
    ["--port=9090"],
    ["--port", "9090"],
    ["-p9090"],
    ["-p=5"],
    ["--po", "9090"],
    ["--por=9090"],
    ["-xp9090"],
    ["-x", "-n", "h", "-s", "sql:/tmp/x.db"],
    ["-p", " 12 "],
    ["-p", "+7"],
    ["-p", "-3"],
    ["-p", "1_000"],
    ["-p", "010"],
    ["--bch", "", "--bcp", "5", "--nath", "a", "--natp=6"],
    ["-n", "-"],
    ["-n", "-5"],
    ["-n", "-a b"],
    ["--nathost=a=b"],
    ["-u", "sock", "--unix", "other"],
    ["--storage", "memory", "--nobc"],
  ].map((argv): Case5 => ({ tool: "ns", argv })),
  ...[
    ["list"],
    ...NSC_SHARED_ARGV,
    ["--host=h", "--", "list"],
    ["register", "a", "--", "b"],
    ["lookup", "-x"],
    ["list", "-k", "secret"],
    ["setmeta", "name", "--bogus=1", "tag"],
  ].map((argv): Case5 => ({ tool: "nsc", argv })),
  ...[
    [],
    ["-Nvq"],
    ["-nN"],
    ["--names"],
    ["-H", "0.0.0.0", "-p", "0"],
    ["--host", "h", "--port=1", "-u", "/tmp/s"],
    ["-qH127.0.0.1"],
  ].map((argv): Case5 => ({ tool: "echoserver", argv })),
  ...[
    [],
    ["-c", "http://x", "-t", "2.5"],
    ["-t", "1e3"],
    ["-t", " 2 "],
    ["-e", "foo\\..*", "-g", "key", "-H", "0.0.0.0", "-p", "0"],
  ].map((argv): Case5 => ({ tool: "httpgateway", argv })),
];

const ERRORS5: Case5[] = [
  ...[
    ["-k"],
    ["-k", "secret"],
    ["--bogus"],
    ["-z"],
    ["-xz"],
    ["-p"],
    ["--port"],
    ["-n", "h", "-p"],
    ["-n", "-x"],
    ["-p", "--"],
    ["-p", "x"],
    ["--port=abc"],
    ["--port="],
    ["-p", "1.5"],
    ["-p", "0x10"],
    ["-p", "0b101"],
    ["-p", "1__0"],
    ["-p", "it's"],
    ["--nobc=3"],
    ["--na", "3"],
    ["--bc", "3"],
    ["---x"],
    ["--x"],
    ["--help=1"],
    ["-p", "x", "-h"],
    ["extra"],
    ["extra", "-x", "more"],
    ["--", "-x"],
  ].map((argv): Case5 => ({ tool: "ns", argv })),
  ...[
    [],
    ["-v"],
    ["bogus"],
    ["--bogus"],
    ["-k", "secret", "list"],
    ["listmeta_all", "x"],
    ["-p", "port", "list"],
    ["-vz", "list"],
    ["--host=h", "--", "-v"],
    ["-n"],
    ["-h", "--bogus"],
    ["--bogus", "-h"],
  ].map((argv): Case5 => ({ tool: "nsc", argv })),
  ...[
    ["-k", "secret"],
    ["--bogus"],
    ["--na"],
    ["-p", "x"],
    ["-qk"],
    ["--verbose=yes"],
    ["ignored", "positional"],
    ["-H"],
    ["--bogus", "-h"],
  ].map((argv): Case5 => ({ tool: "echoserver", argv })),
  ...[
    ["-k", "secret"],
    ["-t", "soon"],
    ["-t", ""],
    ["-p", "80.0"],
    ["extra"],
    ["--h"],
    ["-c"],
  ].map((argv): Case5 => ({ tool: "httpgateway", argv })),
];

test("`pyro5 <tool>` reads every command line form to the values Python's argparse reads", async () => {
  const theirs = await pyArgparse(FORMS5);
  assert.equal(theirs.length, FORMS5.length);
  FORMS5.forEach((c, i) => {
    const what = `${c.tool} ${JSON.stringify(c.argv)}`;
    assert.ok(theirs[i]!.parsed, `Python accepts ${what}: ${theirs[i]!.stderr}`);
    const ours = ourParse(c);
    assert.ok(ours.parsed, `${what}: ${ours.stderr}`);
    const options = { ...ours.parsed.options };
    for (const o of SPEC5[c.tool].options) if (o.extension) delete options[destOf(o)];
    assert.deepEqual({ options, args: ours.parsed.args }, theirs[i]!.parsed, what);
  });
});

test("`pyro5 <tool>` usage errors are argparse's, byte for byte, with status 2 (unknown options, missing values, bad ints, extra arguments)", async () => {
  const theirs = await pyArgparse(ERRORS5);
  let errors = 0;
  for (const [i, c] of ERRORS5.entries()) {
    const what = `${c.tool} ${JSON.stringify(c.argv)}`;
    const want = theirs[i]!;
    assert.equal(want.parsed, null, `Python refuses ${what}`);
    // the Python tool's parser (our extension options left out): the same text, stream and status
    assert.deepEqual(ourParse(c, pythonOnly(SPEC5[c.tool])), want, what);
    // the command itself prints what its parser (with the extension options in the usage line) says
    const ours = await ourMain5(c);
    assert.deepEqual(ours, ourParse(c), `${what}: the command`);
    if (!SPEC5[c.tool].options.some((o) => o.extension)) assert.deepEqual(ours, want, `${what}: the command, byte for byte`);
    if (want.status === 2) {
      assert.match(want.stderr, /^usage: pyro5 \w+ [\s\S]*\npyro5 \w+: error: .+\n$/);
      assert.equal(ours.stderr.split("\n").at(-2), want.stderr.split("\n").at(-2), `${what}: the error line`);
      errors++;
    }
  }
  assert.ok(errors >= 50, `${errors} errors compared`);
  // python -m Pyro5.configure reads no command line; ours refuses arguments in the same argparse wording
  let err = "";
  assert.equal(await checkConfigCommand(["-k"], { protocol: 5, err: (l) => (err += l + "\n") }), 2);
  assert.equal(err, "usage: pyro5 check-config [-h]\npyro5 check-config: error: unrecognized arguments: -k\n");
});

test("the `pyro5` bin's usage errors are what `python -m Pyro5.<tool>` prints (status 2)", async () => {
  // Python's tool named like ours (argparse's prog is argv[0])
  const script = "import runpy, sys\nmod, prog = sys.argv[1:3]\nsys.argv = [prog] + sys.argv[3:]\nrunpy.run_module(mod, run_name='__main__')";
  const cases: [Tool5, string, string[]][] = [
    ["ns", "Pyro5.nameserver", ["-k", "secret"]],
    ["nsc", "Pyro5.nsc", ["bogus"]],
    ["echoserver", "Pyro5.utils.echoserver", ["-p", "0x10"]],
    ["httpgateway", "Pyro5.utils.httpgateway", ["extra"]],
  ];
  for (const [tool, mod, argv] of cases) {
    const [ours, theirs] = await Promise.all([
      runCmd(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), tool, ...argv]),
      runCmd(PYTHON, ["-c", script, mod, `pyro5 ${tool}`, ...argv], "", ENV),
    ]);
    const what = `pyro5 ${tool} ${argv.join(" ")}`;
    assert.equal(theirs.code, 2, theirs.stderr);
    assert.equal(ours.code, 2, `${what}: ${ours.stderr}`);
    assert.equal(ours.stdout, theirs.stdout, what);
    // ns and httpgateway list our extension options in the usage line: the rest is Python's
    if (SPEC5[tool].options.some((o) => o.extension)) assert.equal(ours.stderr, ourParse({ tool, argv }).stderr, what);
    else assert.equal(ours.stderr, theirs.stderr, what);
    assert.equal(ours.stderr.split("\n").at(-2), theirs.stderr.split("\n").at(-2), what);
  }
});
