// `npm run fuzz`: FUZZ_FRAMES (default 1,000,000) mutated frames against one live daemon — most fed in-process
// through the daemon's connection handler, FUZZ_TCP_SHARE (default 0.03) over real loopback TCP — then checks that
// the daemon still answers every serializer (and a real Python client when FUZZ_PYTHON is not 0), that its memory
// did not grow without bound, that no connection leaked, and that no unhandled rejection/exception or console
// error happened. Prints figures and a final `FUZZ-RESULT {json}` line; exits 1 on any failure.
// Run with `node --expose-gc` for exact memory figures. Other knobs: FUZZ_SEED, FUZZ_FRAMES_PER_CONN.
import { inspect } from "node:util";
import { spawnSync } from "node:child_process";
import { FLAGS_EXCEPTION, MSG_CONNECTOK, MSG_RESULT, MSG_PING } from "../../src/protocol/message.js";
import { Rng, SERIALIZERS, connectFrame, invokeFrame, mutatedFrame, validFrame, buildFrame } from "./frames.js";
import { addStats, emptyStats, exchangeTcp, feedInProcess, feedTcp, startFuzzDaemon } from "./harness.js";
import { PYTHON, runPythonAsync } from "../helpers/python.js";
import { existsSync } from "node:fs";
import { ErrorOracle } from "./oracle.js";

const TOTAL = Number(process.env.FUZZ_FRAMES ?? 1_000_000);
const TCP_SHARE = Number(process.env.FUZZ_TCP_SHARE ?? 0.03);
const SEED = Number(process.env.FUZZ_SEED ?? 20240607);
const PER_CONN = Number(process.env.FUZZ_FRAMES_PER_CONN ?? 6);
const WAVE = 64;
const TCP_PARALLEL = 32;

const problems: string[] = [];
process.on("unhandledRejection", (e) => problems.push(`unhandledRejection: ${inspect(e)}`));
process.on("uncaughtException", (e) => problems.push(`uncaughtException: ${inspect(e)}`));
const origError = console.error;
const warnings: string[] = [];
console.error = (...a: unknown[]) => {
  problems.push(`console.error: ${a.map((x) => (typeof x === "string" ? x : inspect(x))).join(" ")}`);
  origError(...a);
};
console.warn = (...a: unknown[]) => {
  warnings.push(a.map(String).join(" ").slice(0, 300));
};
process.on("warning", (w) => warnings.push(`${w.name}: ${w.message}`.slice(0, 300)));

// strict oracle: every rejection must be a typed error (see oracle.ts); hooks the daemon in this process
const oracle = new ErrorOracle();
oracle.install(SERIALIZERS);
const MAX_MESSAGE_SIZE = 1 << 20; // startFuzzDaemon's

const gc = (globalThis as { gc?: () => void }).gc;
async function memory() {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}
const MB = (n: number) => Math.round((n / 1048576) * 10) / 10;

/** Frames for one connection: usually a valid CONNECT first, then mutated and valid frames. */
function connectionFrames(rng: Rng, kinds: Map<string, number>, budget: number): { frames: Buffer[]; n: number } {
  const s = rng.pick(SERIALIZERS);
  const frames: Buffer[] = [];
  if (rng.chance(0.85)) frames.push(connectFrame(s, rng.chance(0.5)));
  const n = Math.min(budget, 1 + rng.int(PER_CONN * 2 - 1));
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.25)) {
      frames.push(buildFrame(validFrame(rng, s, i + 1)));
      kinds.set("valid", (kinds.get("valid") ?? 0) + 1);
    } else {
      const m = mutatedFrame(rng, s, i + 1);
      frames.push(m.frame);
      kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
    }
  }
  for (const f of frames) oracle.checkFrame(f, MAX_MESSAGE_SIZE);
  return { frames, n };
}

/** Every serializer still answers a call, a ping works, and an error reply keeps its connection. */
async function checkAnswers(port: number): Promise<void> {
  for (const s of SERIALIZERS) {
    const r = await exchangeTcp(
      port,
      [connectFrame(s), invokeFrame(s, 1, "add", [40, 2]), invokeFrame(s, 2, "fail", []), invokeFrame(s, 3, "echo", ["still here"]), buildFrame({ type: MSG_PING, flags: 0, seq: 4, serializerId: 42, ann: Buffer.alloc(0), data: Buffer.from("x") })],
      5,
    );
    const ok = r[0]!.type === MSG_CONNECTOK && r[1]!.type === MSG_RESULT && s.deserializeData(r[1]!.data) === 42 &&
      (r[2]!.flags & FLAGS_EXCEPTION) !== 0 && s.deserializeData(r[3]!.data) === "still here" && r[4]!.type === MSG_PING;
    if (!ok) problems.push(`daemon does not answer ${s.name} normally after fuzzing`);
  }
}

async function main(): Promise<void> {
  const daemon = await startFuzzDaemon();
  const port = Number(daemon.locationStr.split(":").pop());
  const rng = new Rng(SEED);
  const kinds = new Map<string, number>();
  const tcpFrames = Math.round(TOTAL * TCP_SHARE);
  const inprocFrames = TOTAL - tcpFrames;
  await checkAnswers(port);

  // warm up (JIT, serializer caches) before the baseline memory sample
  const warm = emptyStats();
  await feedInProcess(daemon, Array.from({ length: 200 }, () => connectionFrames(rng, new Map(), 8).frames), warm);
  const mem0 = await memory();
  const tStart = performance.now();
  const t0 = performance.now();
  let inproc = emptyStats();
  let generated = 0;
  let peakHeap = 0;
  let nextReport = 100_000;
  while (generated < inprocFrames) {
    const wave: Buffer[][] = [];
    for (let i = 0; i < WAVE && generated < inprocFrames; i++) {
      const { frames, n } = connectionFrames(rng, kinds, inprocFrames - generated);
      generated += n;
      wave.push(frames);
    }
    const st = emptyStats();
    await feedInProcess(daemon, wave, st);
    inproc = addStats(inproc, st);
    if (generated >= nextReport) {
      nextReport += 100_000;
      const h = process.memoryUsage().heapUsed;
      peakHeap = Math.max(peakHeap, h);
      process.stdout.write(`  in-process: ${generated} frames, ${inproc.connections} connections, heap ${MB(h)} MB, ${Math.round(performance.now() - t0)} ms\n`);
    }
  }
  const t1 = performance.now();

  let tcp = emptyStats();
  let tcpGenerated = 0;
  while (tcpGenerated < tcpFrames) {
    const batch: Buffer[][] = [];
    for (let i = 0; i < TCP_PARALLEL && tcpGenerated < tcpFrames; i++) {
      const { frames, n } = connectionFrames(rng, kinds, tcpFrames - tcpGenerated);
      tcpGenerated += n;
      batch.push(frames);
    }
    const st = emptyStats();
    await Promise.all(batch.map((fr) => feedTcp(port, fr, st)));
    tcp = addStats(tcp, st);
  }
  const t2 = performance.now();

  // let lingering streams expire and closing sockets drain, then look at what is left
  await new Promise((r) => setTimeout(r, 300));
  (daemon.streams as { sweep(): void }).sweep();
  await checkAnswers(port);
  let python = "skipped";
  if (process.env.FUZZ_PYTHON !== "0" && existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import Pyro4"]).status === 0) {
    const code = [
      "import sys, Pyro4",
      "Pyro4.config.SERIALIZERS_ACCEPTED = set(['serpent','json','marshal','msgpack'])",
      "for s in ['serpent','json','marshal','msgpack']:",
      "    Pyro4.config.SERIALIZER = s",
      "    with Pyro4.Proxy(sys.argv[1]) as p:",
      "        assert p.add(1, 2) == 3, s",
      "        assert list(p.gen(3)) == [0, 1, 2], s",
      "print('ok')",
    ].join("\n");
    try {
      python = (await runPythonAsync(["-c", code, daemon.uriFor("fuzz").asString()], { timeoutMs: 30_000 })).trim();
    } catch (e) {
      python = String(e);
    }
    if (python !== "ok") problems.push(`Python client after fuzzing: ${python}`);
  }
  // closing sockets finish asynchronously (the answer check's own connections included): give them a moment
  for (let i = 0; i < 40 && daemon.connections.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
  const leftConnections = daemon.connections.size;
  // streams of clients that went away linger (iterStreamLinger, 1 s here), then the daemon's sweep closes them:
  // count what is left once that time has passed (a malformed request no longer costs its connection, as in
  // Python, so more generator calls succeed and more streams are lingering at the end of a run)
  await new Promise((r) => setTimeout(r, daemon.streams.linger * 1000 + 100));
  daemon.streams.sweep();
  const leftStreams = daemon.streams.size;
  const mem1 = await memory();
  await daemon.close();

  const heapGrowth = mem1.heapUsed - mem0.heapUsed;
  const rssGrowth = mem1.rss - mem0.rss;
  // generous: the fuzz keeps nothing; 64 MB heap / 256 MB rss growth means something accumulates
  if (heapGrowth > 64 * 1048576) problems.push(`heap grew by ${MB(heapGrowth)} MB`);
  if (rssGrowth > 256 * 1048576) problems.push(`rss grew by ${MB(rssGrowth)} MB`);
  if (leftConnections > 0) problems.push(`${leftConnections} connections still registered in the daemon after every client went away`);
  if (leftStreams > 0) problems.push(`${leftStreams} streams left after every client went away and their linger passed`);
  const errors = oracle.report();
  if (errors.untyped) problems.push(`${errors.untyped} rejections were not typed Pyro errors: ${errors.samples.slice(0, 3).join(" || ")}`);
  if (inproc.badReplies || tcp.badReplies) problems.push(`daemon wrote ${inproc.badReplies + tcp.badReplies} malformed reply frames`);

  const result = {
    ok: problems.length === 0,
    seed: SEED,
    frames: { total: generated + tcpGenerated, inProcess: inproc.framesSent, tcp: tcp.framesSent },
    inProcess: { ...inproc, ms: Math.round(t1 - t0), framesPerSec: Math.round(inproc.framesSent / ((t1 - t0) / 1000)) },
    tcp: { ...tcp, ms: Math.round(t2 - t1) },
    mutations: Object.fromEntries([...kinds].sort()),
    oracle: errors,
    memory: {
      gcExposed: !!gc, heapBeforeMB: MB(mem0.heapUsed), heapAfterMB: MB(mem1.heapUsed), rssBeforeMB: MB(mem0.rss), rssAfterMB: MB(mem1.rss),
      peakHeapMB: MB(peakHeap),
    },
    totalMs: Math.round(performance.now() - tStart),
    leftConnections,
    leftStreams,
    python,
    warnings: warnings.length,
    warningSamples: [...new Set(warnings)].slice(0, 5),
    problems,
  };
  process.stdout.write(`FUZZ-RESULT ${JSON.stringify(result)}\n`);
  process.exitCode = problems.length ? 1 : 0;
}

main().then(
  () => process.exit(),
  (e) => {
    process.stdout.write(`FUZZ-RESULT ${JSON.stringify({ ok: false, problems: [...problems, `fuzz driver crashed: ${inspect(e)}`] })}\n`);
    process.exit(1);
  },
);
