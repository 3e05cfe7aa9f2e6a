// The CLI runner (src/cli/command.ts) that every command of `pyro4` and `pyro5` goes through: help on stdout with
// status 0, usage errors on stderr with status 2, a failure as one line and its status, an unexpected error as one
// `prog: error: ...` line (no stack), line and text output styles, and no SIGINT/SIGTERM listener left behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { defineCommand, type CommandIo } from "../../src/cli/command.js";
import type { ParserSpec } from "../../src/python/optparse.js";

const parser: ParserSpec = { prog: "pyro4 demo", options: [{ short: "p", long: "port", type: "int", default: 7, help: "the port" }] };

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } satisfies CommandIo };
}

test("help, usage errors, parsed options and the handler's status", async () => {
  const seen: unknown[] = [];
  const cmd = defineCommand<CommandIo>({
    parser: () => parser,
    output: "line",
    async run({ options, args, out, profile }) {
      seen.push(options.port, args, profile.protocol);
      out("ran");
      return 3;
    },
  });
  let c = capture();
  assert.equal(await cmd(["-h"], c.io), 0);
  assert.match(c.out.join("\n"), /^Usage: pyro4 demo \[options\]\n\nOptions:\n {2}-h, --help/);
  assert.deepEqual(c.err, []);
  c = capture();
  assert.equal(await cmd(["--port", "x"], c.io), 2);
  assert.equal(c.err.join("\n"), "Usage: pyro4 demo [options]\n\npyro4 demo: error: option --port: invalid integer value: 'x'");
  assert.deepEqual(seen, []);
  c = capture();
  assert.equal(await cmd(["-p9", "a"], { ...c.io, protocol: 5 }), 3);
  assert.deepEqual(seen, [9, ["a"], 5]);
  assert.deepEqual(c.out, ["ran"]);
});

test("fail() prints its message and returns its status; anything else is one line with status 1, never a stack", async () => {
  const failing = defineCommand<CommandIo>({ parser: () => parser, output: "text", run: async ({ fail }) => fail("error: no such thing", 4) });
  let c = capture();
  assert.equal(await failing([], c.io), 4);
  assert.deepEqual(c.err, ["error: no such thing\n"], "text style: the sink gets the newline");
  const crashing = defineCommand<CommandIo>({
    parser: () => parser,
    output: "line",
    run: async () => {
      throw new Error("first\n   second line");
    },
  });
  c = capture();
  assert.equal(await crashing([], c.io), 1);
  assert.deepEqual(c.err, ["pyro4 demo: error: first second line"]);
});

test("stopped() resolves on SIGTERM while the command runs, and no signal listener outlives it", async () => {
  const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
  const cmd = defineCommand<CommandIo>({
    parser: () => parser,
    output: "line",
    async run({ stopped, out }) {
      const stop = stopped();
      assert.equal(process.listenerCount("SIGTERM"), before[1]! + 1);
      process.emit("SIGTERM", "SIGTERM");
      await stop;
      out("stopped");
      return 0;
    },
  });
  const c = capture();
  assert.equal(await cmd([], c.io), 0);
  assert.deepEqual(c.out, ["stopped"]);
  assert.deepEqual([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")], before);
  // io.stopSignal replaces the signals (tests, embedding)
  let resolveStop!: () => void;
  const stopSignal = new Promise<void>((r) => (resolveStop = r));
  const viaIo = defineCommand<CommandIo>({
    parser: () => parser,
    output: "line",
    async run({ stopped }) {
      const s = stopped();
      assert.equal(process.listenerCount("SIGTERM"), before[1]);
      resolveStop();
      await s;
      return 0;
    },
  });
  assert.equal(await viaIo([], { stopSignal }), 0);
});
