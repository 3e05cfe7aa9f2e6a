// A catastrophic regex from a Python client must not freeze our name server: the hostile list(regex=...) gets
// Python's NamingError within the time budget while another Python client's lookups keep being answered. Our
// name server runs as `pyro4 ns` in a child process, so an unguarded one would block only itself, not the test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { runPythonAsync } from "../helpers/python.js";
import { Proxy } from "../../src/client/proxy.js";
import { NamingError } from "../../src/errors.js";

let ns: ChildProcess;
let port: string;

before(async () => {
  ns = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "ns", "-n", "127.0.0.1", "-p", "0", "-x"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  port = await new Promise<string>((res, rej) => {
    createInterface({ input: ns.stdout! }).on("line", (l) => {
      const m = /URI = PYRO:\S+@127\.0\.0\.1:(\d+)/.exec(l);
      if (m) res(m[1]!);
    });
    ns.once("exit", (c) => rej(new Error(`name server exited (${c})`)));
  });
});
after(() => {
  // SIGKILL the group: an unguarded name server stuck in a regex never handles SIGTERM
  if (ns.pid) process.kill(-ns.pid, "SIGKILL");
});

test("Python: list(regex='(a+)+$') with a 41-char name gets NamingError in the budget; lookups continue", { timeout: 60_000 }, async () => {
  const out = await runPythonAsync(["naming_hostile_regex.py", "127.0.0.1", port, "40", "8"], { env: { PYTHONWARNINGS: "ignore" } });
  const r = JSON.parse(out);
  assert.equal(r.hostile.ok, false, out);
  assert.equal(r.hostile.type, "NamingError", out);
  assert.equal(r.hostile.isNamingError, true);
  assert.match(r.hostile.message, /^invalid regex: evaluation exceeded the name server's time budget of 1000 ms$/);
  assert.ok(r.hostile.elapsed_s < 6, out);
  assert.deepEqual(r.bystanderErrors, [], out);
  // the bystander kept being answered while the hostile regex was being evaluated
  assert.ok(r.during.count >= 3, out);
});

test("TS client: patterns that need the worker still give re.match results; long patterns are refused", { timeout: 60_000 }, async () => {
  await using p = new Proxy(`PYRO:Pyro.NameServer@127.0.0.1:${port}`);
  {
    for (const n of ["ab.x", "aab.y", "b.z", "abab.q"]) await p.$call("register", [n, `PYRO:o@127.0.0.1:3`]);
    // two quantifiers / alternation: evaluated off the main thread
    const got = (await p.$call("list", [], { regex: "(a|b)+\\.[xq]" })) as Record<string, string>;
    assert.deepEqual(Object.keys(got).sort(), ["ab.x", "abab.q"]);
    assert.equal(await p.$call("remove", [], { regex: "a+b+\\.y" }), 1);
    await assert.rejects(p.$call("list", [], { regex: "a".repeat(1025) }), (e: Error) => {
      assert.ok(e instanceof NamingError, String(e));
      assert.equal(e.message, "invalid regex: pattern longer than 1024 characters");
      return true;
    });
  }
});
