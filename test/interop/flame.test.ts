// The Flame client against Debian's real Flame server (`python3 -m Pyro4.utils.flameserver`, what pyro4-flameserver
// runs) over pickle: remote modules and builtins, evaluate/execute, module and file transfer, remote exceptions, the
// remote console, and the `pyro4 flame-console` command attached to stdin/stdout.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startPython, FIXTURES, type PythonServer } from "../helpers/python.js";
import { connectFlame, type Flame } from "../../src/client/flame.js";
import { kwargs } from "../../src/client/support.js";
import { RemoteError, SerializeError } from "../../src/errors.js";
import { tuple } from "../../src/serializers/values.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
let server: PythonServer;
let flame: Flame;
const tmp = mkdtempSync(join(tmpdir(), "pyro4-flame-"));

before(async () => {
  server = await startPython(["-m", "Pyro4.utils.flameserver", "-H", "127.0.0.1"], /server uri: (\S+)/, {
    env: { PYRO_FLAME_ENABLED: "true", PYRO_SERIALIZERS_ACCEPTED: "pickle" },
  });
  flame = await connectFlame(server.ready);
});
after(async () => {
  await flame?.close();
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test("flame: module proxies call module functions, nested attributes and keyword arguments", async () => {
  const os = await flame.module("os");
  assert.equal(await os.getcwd(), FIXTURES);
  assert.equal(await os.path.join("a", "b", "c"), "a/b/c");
  const json = await flame.module("json");
  assert.equal(await json.dumps({ b: 1, a: tuple(2, 3) }, kwargs({ sort_keys: true })), '{"a": [2, 3], "b": 1}');
  // awaiting a module proxy must not look like a thenable
  assert.equal((os as unknown as { then?: unknown }).then, undefined);
});

test("flame: builtins, with keyword arguments", async () => {
  const len = await flame.builtin("len");
  assert.equal(await len([1, 2, 3]), 3);
  const sorted = await flame.builtin("sorted");
  assert.deepEqual(await sorted([3, 1, 2], kwargs({ reverse: true })), [3, 2, 1]);
});

test("flame: evaluate returns Python values with their types; execute changes server state", async () => {
  const v = (await flame.evaluate("(1, [2], {3}, b'x', 2**70, 1.5, None, {'k': (4,)})")) as unknown[];
  assert.deepStrictEqual(v, tuple(1, [2], new Set([3]), Buffer.from("x"), 2n ** 70n, 1.5, null, { k: tuple(4) }));
  await flame.execute("flame_test_value = 41");
  assert.equal(await flame.evaluate("flame_test_value + 1"), 42);
});

test("flame: sendmodule makes a module the server can import and call; getmodule returns source", async () => {
  await flame.sendmodule("tsflamemod", "def double(a):\n    return a * 2\n");
  const mod = await flame.module("tsflamemod");
  assert.equal(await mod.double(21), 42);
  assert.match(await flame.getmodule("json"), /JSON \(JavaScript Object Notation\)/);
});

test("flame: sendfile and getfile", async () => {
  const file = join(tmp, "data.bin");
  const data = Buffer.from([0, 1, 2, 255, 10]);
  await flame.sendfile(file, data);
  assert.deepEqual(readFileSync(file), data);
  assert.deepEqual(await flame.getfile(file), data);
});

test("flame: remote exceptions keep their Python class", async () => {
  await assert.rejects(flame.evaluate("1/0"), (e: unknown) => e instanceof RemoteError && e.pythonType === "builtins.ZeroDivisionError");
  await assert.rejects(flame.module("no_such_module_xyz"), (e: unknown) => e instanceof RemoteError && e.pythonType === "builtins.ModuleNotFoundError");
  const os = await flame.module("os");
  await assert.rejects(os.no_such_function(), (e: unknown) => e instanceof RemoteError && e.pythonType === "builtins.AttributeError");
});

test("flame: the limits option applies to the Flame proxy's replies (nesting depth, pickle int size)", async () => {
  const limited = await connectFlame(server.ready, { limits: { maxDepth: 50, maxIntBytes: 64 } });
  try {
    const deep = (n: number) => `${"[".repeat(n)}'leaf'${"]".repeat(n)}`;
    await assert.rejects(limited.evaluate(deep(60)), (e: unknown) => e instanceof SerializeError && /data nested deeper than the limit of 50 levels/.test(e.message));
    await assert.rejects(limited.evaluate("2**1000"), (e: unknown) => e instanceof SerializeError && /int of 126 bytes exceeds the limit of 64/.test(e.message));
    // within the limits: what a Flame proxy with the defaults gets; the defaults take the rest
    assert.deepEqual(await limited.evaluate(deep(40)), await flame.evaluate(deep(40)));
    assert.equal(await limited.evaluate("2**400"), 2n ** 400n);
    assert.equal(JSON.stringify(await flame.evaluate(deep(60))), `${"[".repeat(60)}"leaf"${"]".repeat(60)}`);
    assert.equal(await flame.evaluate("2**1000"), 2n ** 1000n);
  } finally {
    await limited.close();
  }
});

test("flame: remote console runs lines, keeps state, and reports open blocks", async () => {
  const con = await flame.console();
  try {
    assert.match(await con.banner(), /^Python 3.*\n\(Remote console on 127\.0\.0\.1:\d+\)$/s);
    assert.deepEqual(await con.push("x = 6 * 7"), { output: "", more: false });
    assert.deepEqual(await con.push("print(x)"), { output: "42\n", more: false });
    assert.deepEqual(await con.push("for i in range(2):"), { output: "", more: true });
    assert.deepEqual(await con.push("    print(i)"), { output: "", more: true });
    assert.deepEqual(await con.push(""), { output: "0\n1\n", more: false });
    const err = await con.push("1/0");
    assert.match(err.output, /ZeroDivisionError: division by zero/);
  } finally {
    await con.close();
  }
  // the server unregistered the console: calling it again fails
  await assert.rejects(con.proxy.$call("get_banner", []), /unknown object|DaemonError|not found/i);
});

function runCli(args: string[], input: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(input);
  });
}

test("pyro4 flame-console attaches stdin/stdout to the remote console", async () => {
  const r = await runCli(["flame-console", server.ready], "print(1 + 1)\nfor i in range(2):\n    print(i * 10)\n\nimport sys\nprint(sys.version_info[0])\n");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Python 3.*\(Remote console on 127\.0\.0\.1:\d+\)\n>>> 2\n>>> \.\.\. \.\.\. 0\n10\n>>> >>> 3\n>>> \n\(Remote session ended\)\n$/s);
  const quiet = await runCli(["flame-console", "--no-prompts", server.ready.replace(/^PYRO:Pyro\.Flame@/, "")], "print('hi')\n");
  assert.equal(quiet.code, 0, quiet.err);
  assert.match(quiet.out, /\nhi\n\(Remote session ended\)\n$/);
});

test("pyro4 flame-console: usage and connection errors are short messages, not stacks", async () => {
  const none = await runCli(["flame-console"], "");
  assert.equal(none.code, 2);
  assert.match(none.err, /expected one URI/);
  const refused = await runCli(["flame-console", "127.0.0.1:1"], "");
  assert.equal(refused.code, 1);
  assert.match(refused.err, /^pyro4 flame-console: .*(refused|connect)/i);
  assert.doesNotMatch(refused.err, /\n\s+at /);
});
