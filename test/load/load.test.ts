// Load on a live daemon over loopback: 1,000 concurrent connections (held, then all calling at once), Python
// clients in threads measuring calls/s, and slowloris peers that must neither hold up nor lock out normal
// clients. Figures (connections held, calls/s, memory) go to the test diagnostics (`npm test` prints them).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { MSG_CONNECTFAIL, MSG_CONNECTOK, MSG_RESULT, type Message } from "../../src/protocol/message.js";
import { MessageReader } from "../../src/protocol/reader.js";
import { getSerializer } from "../../src/serializers/index.js";
import type { Daemon, DaemonOptions } from "../../src/server/daemon.js";
import { connectFrame, invokeFrame } from "../fuzz/frames.js";
import { startFuzzDaemon } from "../fuzz/harness.js";

const serpent = getSerializer("serpent");
const daemons: Daemon[] = [];
after(async () => {
  for (const d of daemons) await d.close();
});
async function daemonWith(options: DaemonOptions = {}) {
  const daemon = await startFuzzDaemon(options);
  daemons.push(daemon);
  return { daemon, port: Number(daemon.locationStr.split(":").pop()), uri: daemon.uriFor("fuzz").asString() };
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const MB = (n: number) => Math.round((n / 1048576) * 10) / 10;

/** A raw client: send frames, await replies one batch at a time. */
class RawClient {
  private reader = new MessageReader();
  private waiting: { n: number; got: Message[]; resolve: (m: Message[]) => void } | null = null;
  closed = false;
  /** Messages the daemon sent this client. */
  received = 0;
  constructor(readonly sock: Socket) {
    sock.on("data", (d) => {
      for (const m of this.reader.push(d)) {
        this.received++;
        const w = this.waiting;
        if (!w) continue;
        w.got.push(m);
        if (w.got.length >= w.n) {
          this.waiting = null;
          w.resolve(w.got);
        }
      }
    });
    sock.on("close", () => {
      this.closed = true;
      const w = this.waiting;
      this.waiting = null;
      w?.resolve(w.got);
    });
    sock.on("error", () => {});
  }
  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }
  send(frames: Buffer[], n: number): Promise<Message[]> {
    return new Promise((resolve) => {
      this.waiting = { n, got: [], resolve };
      this.sock.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    });
  }
}

test("load: 1,000 concurrent connections are held and all call at once", { timeout: 120_000 }, async (t) => {
  const { daemon, port } = await daemonWith();
  const mem0 = process.memoryUsage();
  const clients: RawClient[] = [];
  for (let i = 0; i < 1000; i += 100) clients.push(...(await Promise.all(Array.from({ length: 100 }, () => RawClient.open(port)))));
  const ok = await Promise.all(clients.map((c) => c.send([connectFrame(serpent)], 1)));
  assert.ok(ok.every((r) => r[0]?.type === MSG_CONNECTOK));
  await until(() => daemon.connections.size === 1000, 60_000);
  const held = daemon.connections.size;
  const mem1 = process.memoryUsage();
  // every connection pipelines CALLS calls at the same time
  const CALLS = 20;
  const t0 = performance.now();
  const replies = await Promise.all(
    clients.map((c, i) => c.send(Array.from({ length: CALLS }, (_, k) => invokeFrame(serpent, k + 1, "add", [i, k])), CALLS)),
  );
  const secs = (performance.now() - t0) / 1000;
  replies.forEach((r, i) => {
    assert.equal(r.length, CALLS);
    assert.ok(r.every((m, k) => m.type === MSG_RESULT && serpent.deserializeData(m.data) === i + k));
  });
  const callsPerSec = Math.round((1000 * CALLS) / secs);
  t.diagnostic(`connections held: ${held}; ${1000 * CALLS} calls in ${secs.toFixed(2)} s = ${callsPerSec} calls/s (client and daemon in one process)`);
  t.diagnostic(`memory for 1,000 idle connections (both ends, one process): rss +${MB(mem1.rss - mem0.rss)} MB, heap +${MB(mem1.heapUsed - mem0.heapUsed)} MB`);
  for (const c of clients) c.sock.destroy();
  await until(() => daemon.connections.size === 0, 60_000);
});

test("load: 300 slowloris peers trickling bytes do not hold up a normal client", { timeout: 120_000 }, async (t) => {
  // Counted, not timed: the slow peers' bytes are paced by the normal client's completed calls (one byte each, then
  // CALLS_PER_BYTE calls), so every call is answered while all 300 peers hold a connection with a message still
  // incomplete. A daemon that waited for one peer's message before serving others would answer nothing more (the
  // next byte only comes after the calls) until it gave up on the peers; then peers would be closed, which fails.
  const { daemon, port } = await daemonWith({ commTimeout: 30_000 });
  const frame = connectFrame(serpent);
  const loris = await Promise.all(Array.from({ length: 300 }, () => RawClient.open(port)));
  for (const l of loris) l.sock.write(frame.subarray(0, 1));
  await until(() => daemon.connections.size === 300, 60_000);
  const c = await RawClient.open(port);
  const [hello] = await c.send([connectFrame(serpent)], 1);
  assert.equal(hello?.type, MSG_CONNECTOK, "the normal client is accepted while the slow peers are connected");
  const CALLS_PER_BYTE = 3;
  let calls = 0;
  for (let i = 1; i < frame.length - 1; i++) {
    for (const l of loris) l.sock.write(frame.subarray(i, i + 1));
    for (let k = 0; k < CALLS_PER_BYTE; k++) {
      const [r] = await c.send([invokeFrame(serpent, calls + 1, "add", [calls, 1])], 1);
      assert.equal(serpent.deserializeData(r!.data), calls + 1);
      calls++;
      assert.equal(loris.filter((l) => l.closed).length, 0, `a slow peer was dropped before call ${calls} was answered`);
    }
  }
  assert.equal(daemon.connections.size, 301, "the daemon still holds every slow peer and the client");
  assert.ok(loris.every((l) => l.received === 0), "no slow peer's message was complete, so none was answered");
  t.diagnostic(`with 300 slowloris peers holding incomplete messages: ${calls} calls answered, ${frame.length - 1} bytes trickled to each peer between them`);
  c.sock.destroy();
  for (const l of loris) l.sock.destroy();
});

test("load: peers sending half a header fill maxConnections; others get 'no free workers' until commTimeout frees the slots", { timeout: 120_000 }, async () => {
  // commTimeout 5 s: the 51st client must arrive while the 50 peers still hold their slots, on a loaded machine too
  const { daemon, port } = await daemonWith({ maxConnections: 50, commTimeout: 5000 });
  const loris = await Promise.all(Array.from({ length: 50 }, () => RawClient.open(port)));
  for (const l of loris) l.sock.write(connectFrame(serpent).subarray(0, 10));
  await until(() => daemon.connections.size === 50, 60_000);
  const c = await RawClient.open(port);
  const [fail] = await c.send([connectFrame(serpent)], 1);
  assert.equal(fail?.type, MSG_CONNECTFAIL);
  assert.match(String(getSerializer(fail!.serializerId).deserializeData(fail!.data)), /no free workers/);
  await until(() => loris.every((l) => l.closed), 60_000);
  const c2 = await RawClient.open(port);
  const [ok] = await c2.send([connectFrame(serpent)], 1);
  assert.equal(ok?.type, MSG_CONNECTOK);
  c2.sock.destroy();
});

/** Polls `cond`; `ms` is a budget only a broken daemon exhausts, not a speed. */
async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await sleep(20);
  }
}
