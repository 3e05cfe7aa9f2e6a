// Runs README.md examples end to end against real Python Pyro4: the client examples (quick start, oneway/batch/
// async, remote iterators, timeouts, errors) against Python's pyro4-test-echoserver, the quick-start server
// called by a Python client, and the self-contained name-server example. The code run is the README text
// itself (only `from "pyro4"` is pointed at src/), so the documented output cannot drift from the real one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The first ```ts block under the heading that starts with `heading`. */
function blockUnder(heading: string): string {
  const lines = README.split("\n");
  const at = lines.findIndex((l) => /^#{2,4} /.test(l) && l.replace(/^#+ /, "").startsWith(heading));
  assert.ok(at >= 0, `README.md has no heading '${heading}'`);
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
function writeBlock(name: string, heading: string): string {
  let rel = relative(dir, join(ROOT, "src", "index.js")).split("\\").join("/");
  if (!rel.startsWith(".")) rel = "./" + rel;
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, blockUnder(heading).replace(/from\s+"pyro4"/g, `from "${rel}"`) + "\nexport {};\n");
  return file;
}

function runNode(file: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { cwd: ROOT });
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

  const clientTable: [string, string, (string | RegExp)[], number?][] = [
    ["Quick start: call the echo server", "quickstart", ["hello from TypeScript\n", "[ 1, 2.5, { three: 3 } ]\n"]],
    [
      "Oneway calls, batches, asynchronous results",
      "oneway-batch-async",
      ["[ 1, 2 ]\n1\n", "[ 3 ]\nfalse\n42 x\n70\n"],
    ],
    [
      "Remote iterators",
      "iterators",
      ["one\ntwo\nthree\n{ done: false, value: 'one' }\n[ 'one', 'two', 'three' ]\n"],
    ],
    [
      "Errors and remote tracebacks",
      "errors",
      [
        "builtins.ValueError [ 'expected error from echoserver error() method' ]\n",
        /\+--- This exception occured remotely \(Pyro\) - Remote traceback:[\s\S]*\| ValueError: expected error from echoserver error\(\) method[\s\S]*\+--- End of remote traceback/,
      ],
    ],
    [
      "Timeouts, cancelling, retries, reconnecting",
      "timeouts",
      ["timed out; the connection was closed, the next call reconnects\nAbortError\n"],
      40_000,
    ],
  ];
  for (const [heading, name, expected, timeout] of clientTable) {
    it(`client: ${heading}`, async () => {
      const out = await runNode(writeBlock(name, heading), [echoUri], timeout);
      for (const e of expected) {
        if (typeof e === "string") assert.ok(out.includes(e), `expected ${JSON.stringify(e)} in:\n${out}`);
        else assert.match(out, e);
      }
    });
  }

  it("server: the quick-start server answers a Python client", async () => {
    const file = writeBlock("quickstart-server", "Quick start: serve an object");
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
    const file = writeBlock("exposing", "Exposing: decorators and registration options");
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
    const out = await runNode(writeBlock("nameserver", "Name server"), []);
    assert.match(out, /^PYRO:Pyro\.NameServer@localhost:\d+ Not starting broadcast server for localhost\.\n/);
    const uri = /\n<Pyro4\.core\.URI (PYRO:obj_[0-9a-f]{32}@localhost:\d+)>\n/.exec(out)?.[1];
    assert.ok(uri, out);
    assert.ok(out.includes(`[\n  <Pyro4.core.URI ${uri}>,\n  [ 'class:Thing', 'demo' ]\n]\n`), out);
    assert.ok(out.includes(`{\n  'example.thing': '${uri}'\n}\n`), out);
    assert.ok(out.includes(`'example.thing': [\n    '${uri}',\n    [ 'class:Thing', 'demo' ]\n  ]`), out);
    assert.match(out, /\n2 1\n$/);
  });
});
