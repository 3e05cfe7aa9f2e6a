// test/helpers/ready-process.ts starts every long-running child of the tests and the bench (startPython,
// startNsProcess, the bench's startChild): its failure paths (early exit, no ready line, process groups) only show
// when something is already broken, so they are checked here on small Node children.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
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

/** Polls `cond` until true; the budget only runs out when the behaviour is broken, never because the machine is slow. */
async function eventually(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`${what} (not within ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("no ready line in time: rejects with the output so far and kills the child", async () => {
  // the timeout is the feature, and it runs from the spawn: on a loaded machine the child may not even have printed
  // "waiting" when it fires. The output check needs that line first, so the budget grows until the child printed
  // before the timeout (an order of events, observed on the same pipe), and only then is the message checked.
  for (const timeoutMs of [1000, 4000, 16_000, 64_000]) {
    const seen: { child?: ChildProcess; printed: boolean } = { printed: false };
    const err = await spawnReady(process.execPath, node(`console.log("waiting"); setInterval(() => {}, 1000);`), {
      ...base,
      ready: /^URI/,
      timeoutMs,
      onSpawn: (p) => {
        seen.child = p;
        p.stdout!.on("data", () => (seen.printed = true));
      },
    }).then(
      async (r) => {
        await r.stop();
        return assert.fail("resolved without a ready line");
      },
      (e: Error) => e,
    );
    const printedFirst = seen.printed;
    assert.match(err.message, /^child not ready in time; output:/);
    // the child is killed: its exit comes (its exit event, polled with a budget only a child left running exhausts)
    const child = seen.child!;
    await eventually(() => child.exitCode !== null || child.signalCode !== null, "the child is killed");
    assert.equal(child.signalCode, "SIGKILL");
    if (printedFirst) {
      assert.equal(err.message, "child not ready in time; output:\nwaiting");
      return;
    }
    assert.equal(err.message, "child not ready in time; output:\n", "nothing printed before the timeout: no output");
  }
  assert.fail("the child never printed its first line before the timeout");
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
    // the group's signal reaches the grandchild; its exit is not ours to await, so it is polled for
    await eventually(() => !alive(grandchild), "the wrapper's child was stopped with the group");
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
