// Write backpressure: a client that sends 200,000 PINGs and never reads the replies must not make the daemon
// buffer them all. The daemon runs in a child process (backpressure-daemon.ts) so its heap, RSS and unsent reply
// bytes are read from outside; meanwhile another client's calls must succeed, and once the greedy client reads,
// it must get every one of its 200,000 replies (nothing lost, reading resumed after 'drain').
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { MSG_PING, MSG_CONNECTOK, MSG_RESULT } from "../../src/protocol/message.js";
import { MessageReader } from "../../src/protocol/reader.js";
import { SERIALIZERS, buildFrame, connectFrame, invokeFrame } from "./frames.js";
import { exchangeTcp, startFuzzDaemon } from "./harness.js";
import { Daemon } from "../../src/server/daemon.js";
import { PyroError } from "../../src/errors.js";

const PINGS = 200_000;
const MB = (n: number) => Math.round((n / 1048576) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
interface Mem { rss: number; heapUsed: number; external: number; unsent: number; connections: number }

test(`a client that never reads ${PINGS} replies does not grow the daemon's memory; others are served meanwhile`, { timeout: 60_000 }, async (t) => {
  const script = fileURLToPath(new URL("./backpressure-daemon.ts", import.meta.url));
  const hwm = Number(process.env.BP_HWM ?? 1 << 20);
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", script, JSON.stringify({ writeHighWaterMark: hwm })], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const nextLine = () => new Promise<string>((r) => (lines.length ? r(lines.shift()!) : waiters.push(r)));
  const mem = async (): Promise<Mem> => {
    child.stdin!.write("mem\n");
    const l = await nextLine();
    assert.match(l, /^MEM /);
    return JSON.parse(l.slice(4)) as Mem;
  };
  try {
    const ready = await nextLine();
    assert.match(ready, /^READY /);
    const port = Number(ready.split(":").pop());
    const before = await mem();

    // the greedy client: CONNECT, then every PING in one go, and no reading
    const serpent = SERIALIZERS[0]!;
    const ping = (seq: number) => buildFrame({ type: MSG_PING, flags: 0, seq, serializerId: 42, ann: Buffer.alloc(0), data: Buffer.from("ping") });
    const all = Buffer.concat([connectFrame(serpent), ...Array.from({ length: PINGS }, (_, i) => ping(i + 1))]);
    const sock = connect(port, "127.0.0.1");
    await new Promise<void>((r, j) => sock.once("connect", r).once("error", j));
    sock.pause();
    sock.write(all);

    // watch the daemon while the greedy client does not read; another client calls meanwhile
    let peak = before;
    let served = 0;
    for (let i = 0; i < 9; i++) {
      await sleep(250);
      const m = await mem();
      if (m.rss > peak.rss) peak = { ...peak, rss: m.rss };
      if (m.heapUsed > peak.heapUsed) peak = { ...peak, heapUsed: m.heapUsed };
      if (m.unsent > peak.unsent) peak = { ...peak, unsent: m.unsent };
      if (i % 3 === 1) {
        const s = SERIALIZERS[Math.floor(i / 3) % SERIALIZERS.length]!;
        const r = await exchangeTcp(port, [connectFrame(s), invokeFrame(s, 1, "add", [40, 2]), invokeFrame(s, 2, "echo", ["meanwhile"])], 3, 5000);
        assert.equal(r[0]!.type, MSG_CONNECTOK);
        assert.equal(r[1]!.type, MSG_RESULT);
        assert.equal(s.deserializeData(r[1]!.data), 42);
        assert.equal(s.deserializeData(r[2]!.data), "meanwhile");
        served++;
      }
    }
    const figures = {
      hwmMB: MB(hwm), heapBeforeMB: MB(before.heapUsed), heapPeakMB: MB(peak.heapUsed), rssBeforeMB: MB(before.rss), rssPeakMB: MB(peak.rss),
      unsentPeakMB: MB(peak.unsent),
    };
    t.diagnostic(`daemon memory while a client does not read ${PINGS} PING replies: ${JSON.stringify(figures)}`);

    // now read: every reply arrives, in order
    const reader = new MessageReader();
    let got = 0;
    let pings = 0;
    let expectSeq = 1;
    let inOrder = true;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got} of ${PINGS + 1} replies`)), 20_000);
      sock.on("data", (d) => {
        for (const m of reader.push(d)) {
          got++;
          if (m.type === MSG_PING) {
            pings++;
            if (m.seq !== (expectSeq & 0xffff)) inOrder = false;
            expectSeq++;
          }
        }
        if (got >= PINGS + 1) {
          clearTimeout(timer);
          resolve();
        }
      });
      sock.on("error", reject);
      sock.resume();
    });
    sock.destroy();
    assert.equal(pings, PINGS);
    assert.ok(inOrder, "replies in request order");
    assert.ok(served >= 3, "the other client was served while the greedy one did not read");
    // bounded: the daemon holds about one high-water mark of replies, not 200,000 of them
    assert.ok(peak.unsent <= hwm + (256 << 10), `unsent replies peaked at ${MB(peak.unsent)} MB (high-water mark ${MB(hwm)} MB)`);
    assert.ok(peak.heapUsed - before.heapUsed < 8 << 20, `heap grew by ${MB(peak.heapUsed - before.heapUsed)} MB`);
  } finally {
    child.stdin!.end();
    const exited = new Promise((r) => child.once("exit", r));
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(kill);
  }
});

test("a high-water mark below the socket's own (1 byte) still resumes: every reply of a pipelined burst arrives", { timeout: 30_000 }, async () => {
  const daemon = await startFuzzDaemon({ writeHighWaterMark: 1 });
  try {
    const port = Number(daemon.locationStr.split(":").pop());
    const n = 30_000;
    const ping = (seq: number) => buildFrame({ type: MSG_PING, flags: 0, seq, serializerId: 42, ann: Buffer.alloc(0), data: Buffer.from("ping") });
    // the client reads nothing for a while (the daemon's writes back up), then everything
    const sock = connect(port, "127.0.0.1");
    await new Promise<void>((r, j) => sock.once("connect", r).once("error", j));
    sock.pause();
    sock.write(Buffer.concat([connectFrame(SERIALIZERS[2]!), ...Array.from({ length: n }, (_, i) => ping(i + 1))]));
    await sleep(300);
    const reader = new MessageReader();
    let pings = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${pings} of ${n} replies: the connection stalled`)), 15_000);
      sock.on("data", (d) => {
        for (const m of reader.push(d)) if (m.type === MSG_PING) pings++;
        if (pings >= n) {
          clearTimeout(timer);
          resolve();
        }
      });
      sock.resume();
    });
    sock.destroy();
    assert.equal(pings, n);
  } finally {
    await daemon.close();
  }
  let wrong: Daemon | null = null;
  try {
    assert.throws(() => (wrong = new Daemon({ writeHighWaterMark: -1 })), (e: unknown) => e instanceof PyroError && /writeHighWaterMark/.test((e as Error).message));
  } finally {
    await (wrong as Daemon | null)?.close(); // only if it was wrongly accepted: nothing may keep the test process alive
  }
});
