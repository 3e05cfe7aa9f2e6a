// The fuzz suite in the default test run, at a reduced count (FUZZ_FRAMES, default 50,000; `npm run fuzz` does
// 1,000,000): runs test/fuzz/run.ts in its own process (with --expose-gc) so unhandled rejections, memory
// growth and leaked connections are measured on a clean process, and fails on whatever it reports, including
// any rejection that is not a typed Pyro error (the strict oracle, oracle.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const frames = Number(process.env.FUZZ_FRAMES ?? 50_000);

test(`fuzz: ${frames} mutated frames against a live daemon, which then still answers`, { timeout: 600_000 }, async () => {
  const script = fileURLToPath(new URL("./run.ts", import.meta.url));
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", script], {
    env: { ...process.env, FUZZ_FRAMES: String(frames) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  const line = out.split("\n").find((l) => l.startsWith("FUZZ-RESULT "));
  assert.ok(line, `no result line (exit ${code}):\n${out}\n${err}`);
  const result = JSON.parse(line.slice("FUZZ-RESULT ".length));
  assert.deepEqual(result.problems, [], JSON.stringify(result, null, 1));
  assert.equal(code, 0, err);
  assert.ok(result.frames.total >= frames, `only ${result.frames.total} frames were sent`);
  assert.equal(result.inProcess.badReplies + result.tcp.badReplies, 0);
  // the strict oracle ran and saw only typed rejections
  assert.equal(result.oracle.untyped, 0, result.oracle.samples.join("\n"));
  const rejects = result.oracle.rejects as Record<string, number>;
  for (const where of ["reader", "direct-reader", "direct-decode", "request"])
    assert.ok(Object.keys(rejects).some((k) => k.startsWith(where + ":")), `no rejection recorded at ${where}: ${JSON.stringify(rejects)}`);
  for (const kind of ["bytes", "payload", "serializer", "flags", "type", "lyingLength", "annotations", "compression", "deep", "foreignPayload", "header", "empty"])
    assert.ok(result.mutations[kind] > 0, `mutation kind ${kind} never ran`);
});
