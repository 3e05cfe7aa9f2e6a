// Every runnable ```ts snippet of README.md and docs/*.md, run the way the README tells a user to: a fresh
// `npm init -y` project made an ES module project (`npm pkg set type=module`), the packed tarball installed, the
// snippet saved as a .ts file and run with `npx tsx`, against the Python servers it needs (Python Pyro4's and
// Pyro5's echo servers, a name server and `npx pyro4 httpgateway` from the installed package). A block that cannot
// run alone is marked on its fence: `ts fragment` (not even type-checked alone) or `ts no-run` (type-checked by
// test/unit/readme.test.ts, but it needs a setup no test provides, such as TLS certificates or a Python publisher);
// this test counts both and fails when a block is neither marked nor listed in RUNS below.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { codeBlocks } from "../helpers/markdown.js";
import { startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { spawnReady, type ReadyProcess } from "../helpers/ready-process.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";

/** What a snippet needs running, and what it must print (or, for a server, the line that says it serves). */
interface Run {
  needs?: "pyro4-echo" | "pyro5-echo" | "gateway";
  /** Each must match the output (stdout + stderr) of a snippet that runs to its end with status 0. */
  expect?: RegExp[];
  /** A server snippet: ready once a line matches; then it is stopped. */
  server?: RegExp;
  timeoutMs?: number;
}

// key: "<doc> <heading> #<n>" (n counts the ts blocks under that heading)
const RUNS: Record<string, Run> = {
  "README.md Install #1": { expect: [/^$/] },
  "README.md Quick start: call a Python object #1": {
    needs: "pyro4-echo",
    expect: [/^hello from JavaScript\n\[ 1, 2\.5, \{ three: 3 \} \]\none\ntwo\nthree\n$/],
  },
  "README.md Quick start: serve an object to Python #1": { server: /^Ready\. Object uri = PYRO:example\.greeting@localhost:\d+$/ },
  "docs/client.md Oneway calls, batches, asynchronous results #1": { needs: "pyro4-echo", expect: [/^\[ 1, 2 \]\n1\n\[ 3 \]\nfalse\n42 x\n70\n$/] },
  "docs/client.md Remote iterators (item streaming) #1": {
    needs: "pyro4-echo",
    expect: [/^one\ntwo\nthree\n\{ done: false, value: 'one' \}\n\[ 'one', 'two', 'three' \]\n$/],
  },
  "docs/client.md Timeouts, cancelling, retries, reconnecting #1": {
    needs: "pyro4-echo",
    expect: [/^timed out; the connection was closed, the next call reconnects\nAbortError\ntrue\n$/],
    timeoutMs: 60_000,
  },
  "docs/client.md Security and connection options: HMAC, serializer, handshake, metadata, TLS #1": { expect: [/^$/] },
  "docs/client.md Errors and remote tracebacks #1": {
    needs: "pyro4-echo",
    expect: [/^builtins\.ValueError \[ 'expected error from echoserver error\(\) method' \]\n/, /\| ValueError: expected error from echoserver error\(\) method/],
  },
  "docs/configuration.md Configuration #1": { expect: [/^9090\n9999 2000\n$/] },
  "docs/configuration.md Pyro5: `config5` #1": { expect: [/^1073741824\n\[ '<broadcast>', '0\.0\.0\.0' \]\n$/] },
  "docs/httpgateway.md HTTP gateway and browser client #1": {
    needs: "gateway",
    expect: [/^\[[\s\S]*'echo'[\s\S]*\] \[ 'verbose' \] false\none\ntwo\nthree\nbuiltins\.ValueError \[ 'expected error from echoserver error\(\) method' \] \[\n\s+'Traceback/],
  },
  "docs/errors.md Errors #1": { needs: "pyro4-echo", expect: [/^$/] },
  "docs/httpgateway.md Programmatic use #1": { expect: [/^gateway on port \d+\n\[ 'protocol', 'host', 'port', 'ssl' \]\n$/] },
  "docs/nameserver.md Embedding a name server, registering and looking up #1": {
    expect: [/^PYRO:Pyro\.NameServer@localhost:\d+ Not starting broadcast server for localhost\.\n/, /\n2 1\n$/],
  },
  "docs/observability.md Payload fields #1": { expect: [/^$/] },
  "docs/observability.md OpenTelemetry #1": { expect: [/^$/] },
  "docs/pyro5.md Start #1": { needs: "pyro5-echo", expect: [/^hello\n$/] },
  "docs/pyro5.md Start #2": { server: /^PYRO:greeter@127\.0\.0\.1:\d+$/ },
  "docs/pyro5.md Start #3": { server: /^PYRO:Pyro\.NameServer@127\.0\.0\.1:9090$/ },
  "docs/pyro5.md What is implemented (and tested against Python Pyro5) #1": { server: /^PYRO:dispatcher@localhost:\d+$/ },
  "docs/server.md Limits #1": { expect: [/^16777216\n$/] },
  "docs/server.md Exposing: decorators and registration options #1": { server: /^PYRO:example\.plain@localhost:\d+$/ },
  "docs/server.md Handshake validation, call context, instance modes #1": {
    expect: [/^PYRO:example\.session@\.\/u:\/tmp\/example-session\.sock\n$/],
  },
  "docs/values.md Class hooks #1": { expect: [/^$/] },
};

const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
const blocks = DOCS.flatMap((doc) => {
  const seen = new Map<string, number>();
  return codeBlocks(readFileSync(join(ROOT, doc), "utf8"))
    .filter((b) => b.lang === "ts")
    .map((b) => {
      const n = (seen.get(b.heading) ?? 0) + 1;
      seen.set(b.heading, n);
      return { ...b, doc, key: `${doc} ${b.heading} #${n}` };
    });
});
const fragments = blocks.filter((b) => b.flags.includes("fragment"));
const noRun = blocks.filter((b) => b.flags.includes("no-run"));
const runnable = blocks.filter((b) => !b.flags.includes("fragment") && !b.flags.includes("no-run"));

test("every ts block is run here, or marked `fragment` / `no-run` on its fence (counted)", () => {
  console.log(`docs snippets: ${runnable.length} run, ${noRun.length} no-run (${noRun.map((b) => `${b.doc}:${b.line}`).join(", ")}), ${fragments.length} fragments`);
  assert.deepEqual(runnable.map((b) => b.key).filter((k) => !(k in RUNS)), [], "a new snippet: add it to RUNS (or mark its fence no-run)");
  assert.deepEqual(Object.keys(RUNS).filter((k) => !runnable.some((b) => b.key === k)), [], "RUNS lists blocks that do not exist (or are marked)");
  assert.ok(runnable.length >= 20, `only ${runnable.length} runnable snippets`);
  assert.ok(noRun.length <= 5, `${noRun.length} no-run blocks: make them runnable`);
  assert.ok(fragments.length <= 2, `${fragments.length} fragments`);
});

let work = "";
let project = "";
let pyEcho: PythonServer | undefined;
let py5Echo: PythonServer | undefined;
let pyNs: PythonServer | undefined;
let pyNsEcho: PythonServer | undefined;
let gateway: ReadyProcess | undefined;
const targets: Record<NonNullable<Run["needs"]>, string> = { "pyro4-echo": "", "pyro5-echo": "", gateway: "" };

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" }, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The environment a user's shell would have: no PYRO_* leftovers of the test run. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: "false", ...extra };
  for (const k of Object.keys(env)) if (k.startsWith("PYRO_") && !(k in extra)) delete env[k];
  delete env.NODE_OPTIONS;
  return env;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), "pyro4-snippets-"));
  const stage = join(work, "stage");
  mkdirSync(stage);
  run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(stage, "dist")], ROOT);
  cpSync(join(ROOT, "package.json"), join(stage, "package.json"));
  cpSync(join(ROOT, "README.md"), join(stage, "README.md"));
  const packed = JSON.parse(run(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", work], stage));
  project = join(work, "app");
  mkdirSync(project);
  // the README's instructions: npm init -y, "type": "module", npm i pyro4, npm i -D tsx
  run(NPM, ["init", "-y"], project);
  run(NPM, ["pkg", "set", "type=module"], project);
  run(NPM, ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(work, packed[0].filename as string)], project);
  // tsx (and the OpenTelemetry API one snippet imports) from this repository's copy: no network in tests
  run(NPM, ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "-D", join(ROOT, "node_modules/tsx"), join(ROOT, "node_modules/@opentelemetry/api")], project);

  const needs = new Set(runnable.map((b) => RUNS[b.key]?.needs).filter(Boolean));
  if (needs.has("pyro4-echo")) {
    pyEcho = await startPython(["-m", "Pyro4.test.echoserver"], /^echo uri: (\S+)/);
    targets["pyro4-echo"] = pyEcho.ready;
  }
  if (needs.has("pyro5-echo")) {
    py5Echo = await startPython(["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"], /^echo uri: (\S+)/, { env: PYRO5_ENV });
    targets["pyro5-echo"] = py5Echo.ready;
  }
  if (needs.has("gateway")) {
    // Python's name server and echo server (registered as test.echoserver), our gateway from the installed package
    pyNs = await startPython(["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0", "-x"], /NS running on 127\.0\.0\.1:(\d+)/);
    const nsEnv = { PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: pyNs.ready };
    pyNsEcho = await startPython(["-m", "Pyro4.test.echoserver", "-n"], /^echo uri: (\S+)/, { env: nsEnv });
    gateway = await spawnReady(NPX, ["--offline", "pyro4", "httpgateway", "-H", "127.0.0.1", "-p", "0", "-e", "test\\."], {
      ready: /^Pyro HTTP gateway running on (http:\S+)/,
      env: userEnv(nsEnv),
      cwd: project,
      label: "npx pyro4 httpgateway",
      group: true,
      timeoutMs: 60_000,
      graceMs: 3000,
    });
    targets.gateway = gateway.match[1]!; // http://127.0.0.1:PORT/pyro/
  }
});

after(async () => {
  await Promise.all([pyEcho?.stop(), py5Echo?.stop(), pyNsEcho?.stop(), gateway?.stop()]);
  await pyNs?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `npx tsx FILE ARGS` in the project, to its end: status and output (stdout + stderr, in order). */
function runSnippet(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NPX, ["--offline", "tsx", file, ...args], { cwd: project, env: userEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

// a few at a time: most of each run is npx and tsx starting up, or a snippet waiting on a remote slow() call
describe("README.md and docs/*.md snippets", { concurrency: 4 }, () => {
  for (const [i, block] of runnable.entries()) {
    test(`runs as a user would: ${block.doc}:${block.line} (${block.heading})`, { timeout: 120_000 }, async () => {
      const spec = RUNS[block.key];
      assert.ok(spec, `no RUNS entry for ${block.key}`);
      const file = `snippet-${String(i + 1).padStart(2, "0")}.ts`;
      writeFileSync(join(project, file), block.code + "\n");
      const args = spec.needs ? [targets[spec.needs]] : [];
      if (spec.needs) assert.ok(args[0], `${spec.needs} did not start`);
      if (spec.server) {
        const server = await spawnReady(NPX, ["--offline", "tsx", file, ...args], {
          ready: spec.server,
          env: userEnv(),
          cwd: project,
          label: `npx tsx ${block.doc}:${block.line}`,
          group: true,
          timeoutMs: spec.timeoutMs ?? 60_000,
          graceMs: 3000,
        });
        try {
          assert.ok(server.alive(), "the server keeps running");
        } finally {
          await server.stop();
        }
        return;
      }
      const r = await runSnippet(file, args, spec.timeoutMs ?? 60_000);
      assert.equal(r.code, 0, `${block.doc}:${block.line} exited with ${r.code}:\n${r.out}`);
      for (const e of spec.expect ?? []) assert.match(r.out, e, `${block.doc}:${block.line}`);
    });
  }
});
