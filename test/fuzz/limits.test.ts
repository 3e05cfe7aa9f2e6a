// Limits a peer cannot exceed, checked against a live daemon over loopback: message size (also after
// decompression), annotation size, nesting depth in every decoder, connection cap, idle and slow-client
// timeouts, stream count and lifetime per connection, batch size. A limit the daemon does not offer yet is
// written against the option name we expect (see EXPECTED_OPTIONS) and fails until it exists. The strict oracle
// (oracle.ts) records every refusal's error class; the last test fails on any that is not a typed Pyro error.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { deflateSync } from "node:zlib";
import {
  FLAGS_BATCH, FLAGS_COMPRESSED, FLAGS_EXCEPTION, FLAGS_ITEMSTREAMRESULT, MSG_CONNECT, MSG_CONNECTFAIL, MSG_CONNECTOK, MSG_INVOKE,
  MSG_RESULT, type Message,
} from "../../src/protocol/message.js";
import { MessageReader } from "../../src/protocol/reader.js";
import { getSerializer } from "../../src/serializers/index.js";
import { tuple } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS } from "../../src/limits.js";
import type { Daemon, DaemonOptions } from "../../src/server/daemon.js";
import { OBJECT_ID, SERIALIZERS, annChunk, buildFrame, connectFrame, deepPayload, invokeFrame } from "./frames.js";
import { startFuzzDaemon } from "./harness.js";
import { talk, type Talk } from "../helpers/raw-talk.js";
import { ErrorOracle } from "./oracle.js";

/** Options these tests expect the Daemon to accept for limits it does not have yet. */
type ExpectedOptions = DaemonOptions & {
  /** Milliseconds a message may take to arrive completely once its first byte came (slowloris). */
  messageTimeout?: number;
  /** Open item streams one connection may hold; more -> an error reply for the call that would open one. */
  maxStreamsPerConnection?: number;
  /** Calls in one batch request; more -> an error reply, none of the calls run. */
  maxBatchSize?: number;
};

const serpent = getSerializer("serpent");
const marshal = getSerializer("marshal");
const daemons: Daemon[] = [];
// strict oracle: every refusal the daemons in this file make must be a typed error (checked by the last test)
const oracle = new ErrorOracle();
oracle.install(SERIALIZERS);
after(async () => {
  for (const d of daemons) await d.close();
});
async function daemonWith(options: ExpectedOptions = {}): Promise<{ daemon: Daemon; port: number }> {
  const daemon = await startFuzzDaemon(options);
  daemons.push(daemon);
  return { daemon, port: Number(daemon.locationStr.split(":").pop()) };
}

/** Send more on an open connection and wait for n more replies (or close). */
function more(t: Talk, chunks: Buffer[], n: number, waitMs = 3000): Promise<Message[]> {
  return new Promise((resolve) => {
    const reader = new MessageReader();
    const got: Message[] = [];
    const done = () => {
      clearTimeout(timer);
      t.sock.off("data", onData);
      resolve(got);
    };
    const onData = (d: Buffer) => {
      got.push(...reader.push(d));
      if (got.length >= n) done();
    };
    const timer = setTimeout(done, waitMs);
    t.sock.on("data", onData);
    t.sock.once("close", done);
    for (const c of chunks) t.sock.write(c);
  });
}

async function assertServes(port: number): Promise<void> {
  const r = await talk(port, [connectFrame(serpent), invokeFrame(serpent, 1, "add", [40, 2])], { count: 2 });
  assert.equal(r.messages[1]?.type, MSG_RESULT, "daemon no longer answers a normal call");
  assert.equal(serpent.deserializeData(r.messages[1]!.data), 42);
}

test("limit: a header announcing more than maxMessageSize is refused before any payload arrives", async () => {
  const { port } = await daemonWith({ limits: { maxMessageSize: 4096 } });
  const big = invokeFrame(serpent, 1, "echo", ["x".repeat(5000)]);
  // CONNECT first, alone: good frames sharing a segment with a bad one are lost (see the reader test below)
  const r = await talk(port, [connectFrame(serpent)], { count: 1, keep: true });
  assert.equal(r.messages[0]?.type, MSG_CONNECTOK);
  const rest = await more(r, [big.subarray(0, 24)], 1, 2000);
  assert.equal(rest.length, 0);
  assert.ok(r.sock.destroyed || (await new Promise((res) => setTimeout(() => res(r.sock.destroyed || r.sock.readableEnded), 200))), "connection must be dropped on the header alone");
  await assertServes(port);
});

test("limit: annotations count toward maxMessageSize", async () => {
  const { port } = await daemonWith({ maxMessageSize: 4096 });
  const ann = annChunk("XXXX", Buffer.alloc(5000));
  const frame = buildFrame({ type: MSG_INVOKE, flags: 0, seq: 1, serializerId: serpent.id, ann, data: serpent.serializeCall(OBJECT_ID, "add", [1, 2], {}) });
  const r = await talk(port, [connectFrame(serpent)], { count: 1, keep: true });
  assert.equal(r.messages[0]?.type, MSG_CONNECTOK);
  const closed = new Promise<boolean>((res) => {
    r.sock.once("close", () => res(true));
    setTimeout(() => res(false), 2000);
  });
  const rest = await more(r, [frame], 1, 2000);
  assert.equal(rest.length, 0);
  assert.ok(await closed);
  r.sock.destroy();
});

test("limit: a compressed payload inflating beyond maxMessageSize (zip bomb) is refused", async () => {
  const { port } = await daemonWith({ maxMessageSize: 64 * 1024 });
  const bomb = deflateSync(Buffer.alloc(64 << 20));
  const frame = buildFrame({ type: MSG_INVOKE, flags: FLAGS_COMPRESSED, seq: 1, serializerId: serpent.id, ann: Buffer.alloc(0), data: bomb });
  const before = process.memoryUsage().rss;
  const r = await talk(port, [connectFrame(serpent), frame], { waitMs: 3000 });
  assert.ok(r.closed);
  assert.ok(process.memoryUsage().rss - before < 48 << 20, "the bomb must not be inflated in full");
  await assertServes(port);
});

test("limit: limits.maxInflatedSize caps decompression even when maxMessageSize is large", async () => {
  const { daemon, port } = await daemonWith({ limits: { maxInflatedSize: 64 * 1024 } });
  assert.equal(daemon.limits.maxMessageSize, 1 << 20); // the harness default: larger than the inflate cap
  const fits = deflateSync(serpent.serializeCall(OBJECT_ID, "add", [40, 2], {}));
  const ok = buildFrame({ type: MSG_INVOKE, flags: FLAGS_COMPRESSED, seq: 1, serializerId: serpent.id, ann: Buffer.alloc(0), data: fits });
  const r1 = await talk(port, [connectFrame(serpent), ok], { count: 2 });
  assert.equal(r1.messages[1]?.type, MSG_RESULT);
  assert.equal(serpent.deserializeData(r1.messages[1]!.data), 42);
  const bomb = deflateSync(Buffer.alloc(1 << 20));
  const frame = buildFrame({ type: MSG_INVOKE, flags: FLAGS_COMPRESSED, seq: 1, serializerId: serpent.id, ann: Buffer.alloc(0), data: bomb });
  const r = await talk(port, [connectFrame(serpent), frame], { waitMs: 3000 });
  assert.ok(r.closed, "a payload inflating beyond the cap drops the connection");
  assert.equal(r.messages.length, 1);
  await assertServes(port);
});

test("limit: annotation chunks lying about their length are refused", async () => {
  const { port } = await daemonWith();
  for (const ann of [annChunk("ABCD", Buffer.alloc(4), 9000), Buffer.from([0x41, 0x42])]) {
    const frame = buildFrame({ type: MSG_INVOKE, flags: 0, seq: 1, serializerId: serpent.id, ann, data: serpent.serializeCall(OBJECT_ID, "add", [1, 2], {}) });
    const r = await talk(port, [connectFrame(serpent), frame], { waitMs: 2000 });
    assert.ok(r.closed);
    assert.equal(r.messages.length, 1);
  }
  await assertServes(port);
});

for (const s of SERIALIZERS) {
  test(`limit: nesting depth in the ${s.name} decoder (direct and through the daemon)`, async () => {
    for (const depth of [DEFAULT_LIMITS.maxDepth + 100, 100_000]) {
      const payload = deepPayload(s, depth);
      assert.throws(() => s.deserializeData(payload), (e: Error) => (e as { code?: string }).code === "ERR_PYRO4_SERIALIZE" && /deeper|depth|nest/i.test(e.message), `${s.name} depth ${depth}`);
      assert.throws(() => s.deserializeCall(payload), (e: Error) => (e as { code?: string }).code === "ERR_PYRO4_SERIALIZE");
    }
    const { port } = await daemonWith();
    const invoke = buildFrame({ type: MSG_INVOKE, flags: 0, seq: 1, serializerId: s.id, ann: Buffer.alloc(0), data: deepPayload(s, 100_000) });
    const r = await talk(port, [connectFrame(s), invoke], { waitMs: 3000, count: 2 });
    assert.equal(r.messages[1]?.type, MSG_RESULT);
    assert.ok(r.messages[1]!.flags & FLAGS_EXCEPTION, "an error reply");
    // Python's decoders raise RecursionError, SyntaxError, ...: answered, and the connection stays (not a Pyro
    // CommunicationError)
    assert.ok(!r.closed, "the connection stays, as with Python's daemon");
    const conn = buildFrame({ type: MSG_CONNECT, flags: 0, seq: 0, serializerId: s.id, ann: Buffer.alloc(0), data: deepPayload(s, 100_000) });
    const r2 = await talk(port, [conn], { waitMs: 3000 });
    assert.equal(r2.messages[0]?.type, MSG_CONNECTFAIL);
    await assertServes(port);
  });
}

test("limit: maxConnections answers the extra client with CONNECTFAIL 'no free workers', and frees slots", async () => {
  const { daemon, port } = await daemonWith({ limits: { maxConnections: 3 } });
  const held: Talk[] = [];
  for (let i = 0; i < 3; i++) held.push(await talk(port, [connectFrame(serpent)], { count: 1, keep: true }));
  for (const h of held) assert.equal(h.messages[0]?.type, MSG_CONNECTOK);
  const refused = await talk(port, [connectFrame(serpent)], { waitMs: 2000 });
  assert.equal(refused.messages[0]?.type, MSG_CONNECTFAIL);
  assert.match(String(getSerializer(refused.messages[0]!.serializerId).deserializeData(refused.messages[0]!.data)), /no free workers/);
  assert.ok(refused.closed);
  held.pop()!.sock.destroy();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(daemon.connections.size, 2);
  const ok = await talk(port, [connectFrame(serpent)], { count: 1 });
  assert.equal(ok.messages[0]?.type, MSG_CONNECTOK, "a freed slot is usable again");
  for (const h of held) h.sock.destroy();
});

test("limit: commTimeout drops a client that sent half a header, freeing its slot", async () => {
  const { port } = await daemonWith({ commTimeout: 500, maxConnections: 1 });
  const r = await talk(port, [connectFrame(serpent).subarray(0, 12)], { waitMs: 4000 });
  assert.ok(r.closed, "idle half-header client must be dropped");
  assert.ok(r.ms < 2500, `dropped after ${Math.round(r.ms)} ms`);
  await assertServes(port);
});

test("limit: commTimeout drops an idle connection that never says anything", async () => {
  const { port } = await daemonWith({ commTimeout: 500 });
  const r = await talk(port, [], { waitMs: 4000 });
  assert.ok(r.closed);
  assert.ok(r.ms < 2500);
});

/** A bare client socket to the daemon, and whether the daemon has closed it. */
async function watchedSocket(port: number): Promise<{ sock: ReturnType<typeof connect>; closed: () => boolean }> {
  const sock = connect(port, "127.0.0.1");
  let closed = false;
  sock.on("close", () => (closed = true));
  sock.on("error", () => {});
  await new Promise((r) => sock.once("connect", r));
  return { sock, closed: () => closed };
}

test("limit: a slowloris trickling one byte at a time cannot hold a message open forever (messageTimeout)", async () => {
  const { port } = await daemonWith({ commTimeout: 1000, messageTimeout: 1500, maxConnections: 1 });
  const frame = connectFrame(serpent);
  const { sock, closed } = await watchedSocket(port);
  // the whole message would take (frame.length - 1) * 300 ms, far more than messageTimeout: the daemon must cut it
  // short. No elapsed time is asserted: a slow machine only trickles slower (and commTimeout would then cut it too)
  for (let i = 0; i < frame.length - 1 && !closed(); i++) {
    sock.write(frame.subarray(i, i + 1));
    await new Promise((r) => setTimeout(r, 300));
  }
  sock.destroy();
  assert.ok(closed(), "the daemon must drop a peer whose message takes longer than messageTimeout");
});

test("limit: a peer that sends a whole header and then stalls is dropped after messageTimeout", async () => {
  // the header alone completes no message: the timer must keep running although no payload byte is buffered
  const { port } = await daemonWith({ messageTimeout: 1000 });
  const { sock, closed } = await watchedSocket(port);
  const t0 = performance.now();
  sock.write(connectFrame(serpent).subarray(0, 24));
  // a budget only a daemon that never drops the peer exhausts (no commTimeout here: only messageTimeout can)
  while (!closed() && performance.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  sock.destroy();
  assert.ok(closed(), "the daemon must drop a peer whose message stays incomplete past messageTimeout");
});

test("limit: item streams expire after iterStreamLifetime", async () => {
  const { daemon, port } = await daemonWith({ iterStreamLifetime: 500 });
  const r = await talk(port, [connectFrame(serpent), invokeFrame(serpent, 1, "gen", [5])], { count: 2, keep: true });
  assert.ok(r.messages[1]!.flags & FLAGS_ITEMSTREAMRESULT);
  const id = r.messages[1]!.annotations!.get("STRM")!.toString("latin1");
  assert.equal(daemon.streams.size, 1);
  await new Promise((res) => setTimeout(res, 800));
  const next = buildFrame({ type: MSG_INVOKE, flags: 0, seq: 2, serializerId: serpent.id, ann: Buffer.alloc(0), data: serpent.serializeCall("Pyro.Daemon", "get_next_stream_item", [id], {}) });
  const [reply] = await more(r, [next], 1);
  assert.ok(reply!.flags & FLAGS_EXCEPTION);
  assert.match(JSON.stringify(serpent.deserializeData(reply!.data)), /item stream terminated/);
  assert.equal(daemon.streams.size, 0);
  r.sock.destroy();
});

test("limit: item streams per connection are capped (maxStreamsPerConnection)", async () => {
  const { daemon, port } = await daemonWith({ limits: { maxStreamsPerConnection: 5 }, iterStreamLifetime: 0 });
  const frames = [connectFrame(serpent)];
  for (let i = 1; i <= 6; i++) frames.push(invokeFrame(serpent, i, "gen", [3]));
  const r = await talk(port, frames, { count: 7, keep: true });
  const streamed = r.messages.slice(1).filter((m) => m.annotations?.has("STRM")).length;
  r.sock.destroy();
  assert.equal(streamed, 5, "the 6th stream must be refused");
  assert.ok(r.messages[6]!.flags & FLAGS_EXCEPTION);
  assert.ok(daemon.streams.size <= 5);
});

test("limit: batch size is capped (maxBatchSize) and an oversized batch runs none of its calls", async () => {
  const { port } = await daemonWith({ limits: { maxBatchSize: 10 } });
  const calls = Array.from({ length: 11 }, (_, i) => tuple<unknown>("add", [i, 1], {}));
  const frame = buildFrame({ type: MSG_INVOKE, flags: FLAGS_BATCH, seq: 1, serializerId: serpent.id, ann: Buffer.alloc(0), data: serpent.serializeCall(OBJECT_ID, "<batch>", calls, null) });
  const r = await talk(port, [connectFrame(serpent), frame], { count: 2 });
  assert.ok(r.messages[1]!.flags & FLAGS_EXCEPTION, "an oversized batch must be refused");
});

test("reader: good messages before garbage in the same TCP segment are still answered (as Pyro4 does)", async () => {
  const { port } = await daemonWith();
  const oneChunk = Buffer.concat([connectFrame(serpent), invokeFrame(serpent, 1, "add", [1, 2]), Buffer.from("garbage-garbage-garbage!!")]);
  const r = await talk(port, [oneChunk], { waitMs: 2000, count: 2 });
  const first = r.messages[0];
  if (first?.type !== MSG_CONNECTOK)
    assert.fail(`got ${r.messages.map((m) => m.type)} (${first ? String(marshal.deserializeData(first.data)) : ""})`);
  assert.equal(serpent.deserializeData(r.messages[1]!.data), 3);
});

test("strict oracle: every rejection during these limit tests was a typed Pyro error", () => {
  const r = oracle.report();
  assert.equal(r.untyped, 0, r.samples.join("\n"));
  assert.ok(Object.keys(r.rejects).length > 0, "the oracle saw the refusals");
  oracle.uninstall();
});
