// Runs the examples of README.md and docs/*.md end to end against real Python Pyro4: the client examples (README
// quick start, docs/client.md oneway/batch/async, remote iterators, timeouts, errors) against Python's
// pyro4-test-echoserver, the README's quick-start server and docs/server.md's exposing example called by Python
// clients, and the self-contained name-server and configuration examples. The code run is the documents' text
// itself (only `from "pyro4"` is pointed at src/), so the documented output cannot drift from the real one. The
// README's client quick start also runs as a user would run it: saved as a .mjs file, with plain node, importing
// the built package ("pyro4" -> dist/).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The first ```ts block under the heading of `doc` (README.md, docs/x.md) that starts with `heading`. */
function blockUnder(doc: string, heading: string): string {
  const lines = readFileSync(join(ROOT, doc), "utf8").split("\n");
  const at = lines.findIndex((l) => /^#{1,4} /.test(l) && l.replace(/^#+ /, "").startsWith(heading));
  assert.ok(at >= 0, `${doc} has no heading '${heading}'`);
  let i = at + 1;
  while (i < lines.length && !/^```ts\s*$/.test(lines[i]!)) {
    assert.ok(!/^#{1,4} /.test(lines[i]!), `no ts block under '${heading}'`);
    i++;
  }
  const end = lines.indexOf("```", i + 1);
  assert.ok(i < lines.length && end > i, `no ts block under '${heading}'`);
  return lines.slice(i + 1, end).join("\n");
}

let dir = "";
function writeBlock(name: string, doc: string, heading: string): string {
  let rel = relative(dir, join(ROOT, "src", "index.js")).split("\\").join("/");
  if (!rel.startsWith(".")) rel = "./" + rel;
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, blockUnder(doc, heading).replace(/from\s+"pyro4"/g, `from "${rel}"`) + "\nexport {};\n");
  return file;
}

function runNode(file: string, args: string[], timeoutMs = 30_000, tsx = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(tsx ? ["--import", "tsx"] : []), file, ...args], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (out += b));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${relative(ROOT, file)} exited with ${code}:\n${out}`));
    });
  });
}

describe("README examples against Python Pyro4", () => {
  let echo: PythonServer;
  let echoUri = "";
  before(async () => {
    mkdirSync(join(ROOT, "test", ".readme-tmp"), { recursive: true });
    dir = mkdtempSync(join(ROOT, "test", ".readme-tmp", "run-"));
    echo = await startPython(["-m", "Pyro4.test.echoserver"], /^echo uri: (\S+)/);
    echoUri = echo.ready;
  });
  after(async () => {
    await echo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const clientTable: [string, string, string, (string | RegExp)[], number?][] = [
    ["README.md", "Quick start: call a Python object", "quickstart", ["hello from JavaScript\n[ 1, 2.5, { three: 3 } ]\none\ntwo\nthree\n"]],
    [
      "docs/client.md",
      "Oneway calls, batches, asynchronous results",
      "oneway-batch-async",
      ["[ 1, 2 ]\n1\n", "[ 3 ]\nfalse\n42 x\n70\n"],
    ],
    [
      "docs/client.md",
      "Remote iterators",
      "iterators",
      ["one\ntwo\nthree\n{ done: false, value: 'one' }\n[ 'one', 'two', 'three' ]\n"],
    ],
    [
      "docs/client.md",
      "Errors and remote tracebacks",
      "errors",
      [
        "builtins.ValueError [ 'expected error from echoserver error() method' ]\n",
        /\+--- This exception occured remotely \(Pyro\) - Remote traceback:[\s\S]*\| ValueError: expected error from echoserver error\(\) method[\s\S]*\+--- End of remote traceback/,
      ],
    ],
    [
      "docs/client.md",
      "Timeouts, cancelling, retries, reconnecting",
      "timeouts",
      ["timed out; the connection was closed, the next call reconnects\nAbortError\ntrue\n"],
      40_000,
    ],
  ];
  for (const [doc, heading, name, expected, timeout] of clientTable) {
    it(`client: ${doc} ${heading}`, async () => {
      const out = await runNode(writeBlock(name, doc, heading), [echoUri], timeout);
      for (const e of expected) {
        if (typeof e === "string") assert.ok(out.includes(e), `expected ${JSON.stringify(e)} in:\n${out}`);
        else assert.match(out, e);
      }
    });
  }

  it("README: the client quick start runs as hello.mjs with plain node and the built package", async () => {
    const file = join(dir, "hello.mjs");
    writeFileSync(file, blockUnder("README.md", "Quick start: call a Python object")); // unchanged: imports "pyro4"
    const out = await runNode(file, [echoUri], 30_000, false);
    assert.equal(out, "hello from JavaScript\n[ 1, 2.5, { three: 3 } ]\none\ntwo\nthree\n");
  });

  it("server: the README quick-start server answers a Python client", async () => {
    const file = writeBlock("quickstart-server", "README.md", "Quick start: serve an object to Python");
    const server = await startPython(["--import", "tsx", file], /^Ready\. Object uri = (\S+)/, { executable: process.execPath });
    try {
      assert.match(server.ready, /^PYRO:example\.greeting@localhost:\d+$/);
      const out = await runPythonAsync(["examples_greeting.py", server.ready, "Alice"]);
      assert.equal(
        out,
        "Hello, Alice. Here is your fortune message:\nBehold the warranty -- the bold print giveth and the fine print taketh away.\n",
      );
    } finally {
      await server.stop();
    }
  });

  it("server: the exposing example behaves as documented for a Python client", async () => {
    const file = writeBlock("exposing", "docs/server.md", "Exposing: decorators and registration options");
    const server = await startPython(["--import", "tsx", file], /^(PYRO:example\.plain@\S+)/, { executable: process.execPath });
    try {
      const counter = server.output.find((l) => l.startsWith("PYRO:example.counter@"))!;
      const py = [
        "import sys, Pyro4",
        "c = Pyro4.Proxy(sys.argv[1])",
        "print(c.label, c.total, c.increment(), c.increment(by=2), c.total)",
        "c.label = 'renamed'",
        "print(c.label, c.describe('n', upper=True, extra=1))",
        "print(list(c.countdown(3)))",
        "try:\n    c.increment(-1)\nexcept ValueError as x:\n    print('ValueError', x)",
        "try:\n    c.total = 5\nexcept AttributeError as x:\n    print('AttributeError')",
        "print(sorted(c._pyroMethods), sorted(c._pyroAttrs), sorted(c._pyroOneway))",
        "c.reset()",
        "print(c.total, Pyro4.Proxy(sys.argv[1]).label)",
        "p = Pyro4.Proxy(sys.argv[2])",
        "print(p.ping(), sorted(p._pyroMethods))",
      ].join("\n");
      const out = await runPythonAsync(["-c", py, counter, server.ready]);
      const lines = out.trim().split("\n");
      assert.equal(lines[0], "counter 0 1 3 3");
      assert.match(lines[1]!, /^renamed N: 3 \{"EXTRA":1\} FROM 127\.0\.0\.1$/);
      assert.equal(lines[2], "[3, 2, 1]");
      assert.equal(lines[3], "ValueError negative increment");
      assert.equal(lines[4], "AttributeError");
      assert.equal(lines[5], "['countdown', 'describe', 'increment', 'reset'] ['label', 'total'] ['reset']");
      assert.equal(lines[6], "0 renamed"); // reset ran; @behavior("single"): another connection sees the same instance
      assert.equal(lines[7], "pong ['ping']");
    } finally {
      await server.stop();
    }
  });

  it("name server: the embedding example runs and prints what it says", async () => {
    const out = await runNode(writeBlock("nameserver", "docs/nameserver.md", "Embedding a name server"), []);
    assert.match(out, /^PYRO:Pyro\.NameServer@localhost:\d+ Not starting broadcast server for localhost\.\n/);
    const uri = /\n<Pyro4\.core\.URI (PYRO:obj_[0-9a-f]{32}@localhost:\d+)>\n/.exec(out)?.[1];
    assert.ok(uri, out);
    assert.ok(out.includes(`[\n  <Pyro4.core.URI ${uri}>,\n  [ 'class:Thing', 'demo' ]\n]\n`), out);
    assert.ok(out.includes(`{\n  'example.thing': '${uri}'\n}\n`), out);
    assert.ok(out.includes(`'example.thing': [\n    '${uri}',\n    [ 'class:Thing', 'demo' ]\n  ]`), out);
    assert.match(out, /\n2 1\n$/);
  });

  it("configuration: the config example prints what it says", async () => {
    const out = await runNode(writeBlock("configuration", "docs/configuration.md", "Configuration"), []);
    assert.equal(out, "9090\n9999 2000\n");
  });
});
