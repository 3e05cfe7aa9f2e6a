// test/helpers/ready-process.ts starts every long-running child of the tests and the bench (startPython,
// startNsProcess, the bench's startChild): its failure paths (early exit, no ready line, process groups) only show
// when something is already broken, so they are checked here on small Node children.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { spawnReady } from "../helpers/ready-process.js";

const node = (code: string) => ["-e", code] as const;
const base = { env: process.env, cwd: process.cwd(), label: "child" };

/** Running (a zombie left for an init that does not reap counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

test("resolves on the first matching line (stdout or stderr) with its capture and the lines before it", async () => {
  const r = await spawnReady(process.execPath, node(`console.log("starting"); console.error("URI = PYRO:x@h:1"); setInterval(() => {}, 1000);`), {
    ...base,
    ready: /^URI = (\S+)/,
  });
  try {
    assert.equal(r.match[1], "PYRO:x@h:1");
    assert.ok(r.output.includes("starting") && r.output.includes("URI = PYRO:x@h:1"), r.output.join("|"));
    assert.equal(r.alive(), true);
  } finally {
    await r.stop();
  }
  assert.equal(r.alive(), false);
});

test("an exit before the ready line rejects with the exit code and the output", async () => {
  await assert.rejects(
    spawnReady(process.execPath, node(`console.log("bad flag"); process.exit(3);`), { ...base, ready: /^URI/ }),
    (e: Error) => /^child exited \(3\) before ready:\nbad flag/.test(e.message),
  );
});

test("no ready line in time: rejects and kills the child", async () => {
  let pid = 0;
  await assert.rejects(
    spawnReady(process.execPath, node(`console.log("waiting"); setInterval(() => {}, 1000);`), {
      ...base,
      ready: /^URI/,
      timeoutMs: 2000, // a loaded machine (and V8 coverage) can take over 500 ms to start node and print "waiting"
      onSpawn: (p) => (pid = p.pid!),
    }),
    (e: Error) => /^child not ready in time; output:\nwaiting/.test(e.message),
  );
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(pid > 0 && !alive(pid), "the child is gone");
});

test("group: stop signals the whole process group (a wrapper's own child goes too)", async () => {
  const r = await spawnReady(
    process.execPath,
    node(`const c = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }); console.log("READY " + c.pid); setInterval(() => {}, 1000);`),
    { ...base, ready: /^READY (\d+)/, group: true, graceMs: 1000 },
  );
  const grandchild = Number(r.match[1]);
  try {
    assert.ok(alive(grandchild));
    await r.stop();
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(alive(grandchild), false, "the wrapper's child was stopped with the group");
  } finally {
    if (alive(grandchild)) process.kill(grandchild, "SIGKILL");
  }
});

test("output is capped at maxLines", async () => {
  const r = await spawnReady(process.execPath, node(`for (let i = 0; i < 50; i++) console.log("line " + i); console.log("GO"); setInterval(() => {}, 1000);`), {
    ...base,
    ready: /^GO/,
    maxLines: 10,
  });
  await r.stop();
  assert.equal(r.output.length, 10);
  assert.equal(r.output[0], "line 0");
});
