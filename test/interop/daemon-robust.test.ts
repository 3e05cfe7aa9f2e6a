// Hostile and broken input on the wire: random bytes, bad magic, bad checksum, truncated frames, oversized
// lengths, invalid serpent, wrong message order. Each bad connection is dropped or answered with an error,
// and the daemon keeps serving other clients (checked with raw frames and with a real Python client).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { randomBytes } from "node:crypto";
import { runPythonAsync } from "../helpers/python.js";
import { talk } from "../helpers/raw-talk.js";
import { startTestDaemon } from "./daemon-fixture.js";
import type { Daemon } from "../../src/server/daemon.js";
import {
  encodeMessageBuffer, FLAGS_EXCEPTION, FLAGS_META_ON_CONNECT, HEADER_SIZE, MSG_CONNECT, MSG_CONNECTFAIL, MSG_CONNECTOK,
  MSG_INVOKE, MSG_RESULT, headerChecksum, type Message,
} from "../../src/protocol/message.js";
import { getSerializer } from "../../src/serializers/index.js";

const serpent = getSerializer("serpent");
const marshal = getSerializer("marshal");
let daemon: Daemon;
let port: number;
before(async () => {
  ({ daemon } = await startTestDaemon({ maxMessageSize: 1 << 20 }));
  port = Number(daemon.locationStr.split(":")[1]);
});
after(() => daemon.close());

/** Send chunks, collect replies until the server closes the socket (or `waitMs` passes). */
function exchange(chunks: (Buffer | number)[], waitMs = 1500, endAfter = false): Promise<{ messages: Message[]; closed: boolean }> {
  return talk(port, chunks, { waitMs, endAfter });
}

const connectMsg = (objectId = "thing", seq = 0) =>
  encodeMessageBuffer(MSG_CONNECT, serpent.id, seq, serpent.serializeData({ handshake: "hello", object: objectId }), { flags: FLAGS_META_ON_CONNECT });
const invokeMsg = (payload: Buffer, seq = 1) => encodeMessageBuffer(MSG_INVOKE, serpent.id, seq, payload);

/** A complete good client exchange: the daemon still works. */
async function assertStillServing(): Promise<void> {
  const r = await exchange([connectMsg(), invokeMsg(serpent.serializeCall("thing", "add", [40, 2], {}))], 3000);
  assert.equal(r.messages[0]?.type, MSG_CONNECTOK);
  assert.equal(r.messages[1]?.type, MSG_RESULT);
  assert.equal(serpent.deserializeData(r.messages[1]!.data), 42);
}

function header(fields: { magic?: string; version?: number; type?: number; dataLen?: number; checksum?: number }): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h.write(fields.magic ?? "PYRO", 0, "latin1");
  h.writeUInt16BE(fields.version ?? 48, 4);
  h.writeUInt16BE(fields.type ?? MSG_CONNECT, 6);
  h.writeUInt16BE(0, 8);
  h.writeUInt16BE(0, 10);
  h.writeInt32BE(fields.dataLen ?? 0, 12);
  h.writeUInt16BE(serpent.id, 16);
  h.writeUInt16BE(0, 18);
  h.writeUInt16BE(fields.checksum ?? headerChecksum(fields.type ?? MSG_CONNECT, 0, 0, fields.dataLen ?? 0, serpent.id, 0), 22);
  return h;
}

const failText = (m: Message) => marshal.deserializeData(m.data);

const cases: { name: string; chunks: () => (Buffer | number)[]; expect: (r: { messages: Message[]; closed: boolean }) => void; endAfter?: boolean }[] = [
  {
    name: "random bytes",
    chunks: () => [randomBytes(4096)],
    expect: (r) => assert.ok(r.closed),
  },
  {
    name: "bad magic",
    chunks: () => [header({ magic: "HTTP" }), Buffer.from("GET / HTTP/1.0\r\n\r\n")],
    expect: (r) => {
      assert.ok(r.closed);
      assert.equal(r.messages[0]?.type, MSG_CONNECTFAIL);
      assert.match(String(failText(r.messages[0]!)), /invalid data or unsupported protocol version/);
    },
  },
  {
    name: "Pyro5 protocol version",
    chunks: () => [header({ version: 502 })],
    expect: (r) => {
      assert.ok(r.closed);
      assert.match(String(failText(r.messages[0]!)), /502/);
    },
  },
  {
    name: "bad checksum",
    chunks: () => [header({ checksum: 1234 })],
    expect: (r) => {
      assert.ok(r.closed);
      assert.equal(r.messages[0]?.type, MSG_CONNECTFAIL);
      assert.equal(failText(r.messages[0]!), "header checksum mismatch");
    },
  },
  {
    name: "truncated frame, then the client hangs up",
    chunks: () => [connectMsg().subarray(0, 30)],
    endAfter: true,
    expect: (r) => assert.ok(r.closed),
  },
  {
    name: "oversized length (beyond MAX_MESSAGE_SIZE)",
    chunks: () => [header({ dataLen: 0x7fffffff })],
    expect: (r) => {
      assert.ok(r.closed);
      assert.equal(r.messages.length, 0);
    },
  },
  {
    name: "negative length",
    chunks: () => [header({ dataLen: -5 })],
    expect: (r) => assert.ok(r.closed),
  },
  {
    name: "invalid serpent in CONNECT",
    chunks: () => [encodeMessageBuffer(MSG_CONNECT, serpent.id, 0, Buffer.from("# serpent utf-8 python3.2\n{'handshake': ]]]"))],
    expect: (r) => {
      assert.ok(r.closed);
      assert.equal(r.messages[0]?.type, MSG_CONNECTFAIL);
      assert.equal(r.messages[0]?.serializerId, serpent.id);
    },
  },
  {
    name: "INVOKE before CONNECT",
    chunks: () => [invokeMsg(serpent.serializeCall("thing", "add", [1, 2], {}))],
    expect: (r) => {
      assert.ok(r.closed);
      assert.equal(failText(r.messages[0]!), "invalid msg type 4 received");
    },
  },
  {
    // Python's daemon answers serpent's SyntaxError like any exception and keeps the connection (pyro5-rules.test.ts)
    name: "invalid serpent in INVOKE: error reply, the connection stays",
    chunks: () => [connectMsg(), invokeMsg(Buffer.from("# serpent utf-8 python3.2\n('thing', 'add', (1,2), {")), invokeMsg(serpent.serializeCall("thing", "add", [1, 2], {}), 2)],
    expect: (r) => {
      assert.ok(!r.closed);
      assert.equal(r.messages[0]?.type, MSG_CONNECTOK);
      assert.equal(r.messages[1]?.type, MSG_RESULT);
      assert.ok(r.messages[1]!.flags & FLAGS_EXCEPTION);
      assert.match(String(serpent.deserializeData(r.messages[1]!.data)), /^SyntaxError: /);
      assert.equal(serpent.deserializeData(r.messages[2]!.data), 3);
    },
  },
  {
    name: "CONNECT again after the handshake",
    chunks: () => [connectMsg(), connectMsg()],
    expect: (r) => {
      assert.ok(r.closed);
      assert.equal(r.messages.length, 1);
    },
  },
  {
    name: "unknown serializer id in INVOKE",
    chunks: () => [connectMsg(), encodeMessageBuffer(MSG_INVOKE, 99, 1, Buffer.from("x"))],
    expect: (r) => {
      assert.ok(r.closed);
      assert.equal(r.messages.length, 1);
    },
  },
  {
    name: "garbage while a slow call runs: the call is answered, then the connection closes",
    chunks: () => [connectMsg(), invokeMsg(serpent.serializeCall("thing", "slow", [0.3], {})), 50, randomBytes(100)],
    expect: (r) => {
      assert.ok(r.closed);
      assert.equal(serpent.deserializeData(r.messages[1]!.data), "slept 0.3");
    },
  },
];

for (const c of cases) {
  test(`robustness: ${c.name}`, async () => {
    const r = await exchange(c.chunks(), 2000, c.endAfter);
    c.expect(r);
    await assertStillServing();
  });
}

test("robustness: a half-sent frame does not hold up other clients", async () => {
  const hanging = connect(port, "127.0.0.1");
  await new Promise((r) => hanging.once("connect", r));
  hanging.write(connectMsg().subarray(0, 10));
  await assertStillServing();
  hanging.destroy();
});

test("robustness: a Python client works after all of the above", async () => {
  const out = await runPythonAsync(["daemon_features.py", "plain", daemon.uriFor("thing").asString()]);
  assert.equal(out.trim(), "ok");
});
