// The daemon encodes marshal, msgpack and pickle replies into a reused scratch buffer after room for the header
// (Serializer.serializeDataFramed) and builds the frame around the payload (encodeFrame's `room`) instead of copying
// a payload Buffer into a frame. These tests pin that the bytes on the wire do not change: the frame of a framed
// payload equals the frame of serializeData's bytes (small, grown past the scratch, big bytes by reference,
// compressed, HMAC-signed, more annotations than the room holds, Pyro5), the payloads are what Python Pyro4's own
// serializer makes (msgpack) or read back as the same values (marshal, pickle), and a scratch the socket still
// holds is never written again.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { EventEmitter } from "node:events";
import { encodeFrame, encodeFrameAround, encodeMessageBuffer, MSG_CONNECT, MSG_INVOKE, FLAGS_META_ON_CONNECT, MSG_RESULT, PYRO4, PYRO5, type Annotations, type Frame, type WireFormat } from "../../src/protocol/message.js";
import { MessageReader } from "../../src/protocol/reader.js";
import { marshal } from "../../src/serializers/marshal.js";
import { msgpack } from "../../src/serializers/msgpack.js";
import { pickle } from "../../src/serializers/pickle.js";
import { getPyro5Serializer } from "../../src/serializers/pyro5.js";
import { Tuple } from "../../src/serializers/values.js";
import type { FrameScratch, Serializer } from "../../src/serializers/types.js";
import { Daemon } from "../../src/server/index.js";
import { Connection } from "../../src/server/connection.js";
import { FRAME_ROOM } from "../../src/server/frame-scratch.js";
import { runPython } from "../helpers/python.js";

const CORR: Annotations = new Map([["CORR", Buffer.from("00112233445566778899aabbccddeeff", "hex")]]);
const TWO: Annotations = new Map([["CORR", CORR.get("CORR")!], ["XTRA", Buffer.from("xy")]]);
const WIDE: Annotations = new Map([["CORR", CORR.get("CORR")!], ["BIGA", Buffer.alloc(300, 1)]]); // more than the room

/** Values Python's serializers write too (so each has a Python-made golden), and the Python literal of each. */
const VALUES: [unknown, string][] = [
  [null, "None"],
  [42, "42"],
  [-7, "-7"],
  [1.5, "1.5"],
  ["héllo 😀 \u0000 '\"\\", "'héllo \\U0001f600 \\x00 \\'\"\\\\'"],
  [[1, "two", { k: [true, false] }], "[1, 'two', {'k': [True, False]}]"],
  [Buffer.from("bytes\x00\xff", "latin1"), "b'bytes\\x00\\xff'"],
  ["x".repeat(3000), "'x' * 3000"], // grows the 1 KB scratch
  ["x".repeat(20_000), "'x' * 20000"], // above the single-write size: still one buffer, built around the payload
  [Buffer.alloc(100_000, 3), "b'\\x03' * 100000"], // big bytes: parts by reference, header separate
];

function frame(payload: Buffer | readonly Buffer[], s: Serializer, ann: Annotations | null, compress: boolean, hmac: Buffer | null, wire: WireFormat = PYRO4): Frame {
  const f: Frame = { head: Buffer.alloc(0), body: Buffer.alloc(0) };
  encodeFrame(f, MSG_RESULT, s.id, 7, payload, 0, ann, hmac, compress, 0, true, wire);
  return f;
}

/** The daemon's way (requests.ts, Connection.writeAround): framed into the scratch, the frame built around it where it can be. */
function framed(v: unknown, s: Serializer, scratch: FrameScratch, ann: Annotations | null, compress: boolean, hmac: Buffer | null, wire: WireFormat = PYRO4): Frame {
  const parts = s.serializeDataFramed!(v, undefined, scratch);
  if (parts !== null) return frame(parts, s, ann, compress, hmac, wire);
  const f: Frame = { head: Buffer.alloc(0), body: Buffer.alloc(0) };
  if (!encodeFrameAround(f, MSG_RESULT, s.id, 7, scratch.buf, scratch.room, scratch.end, 0, ann, hmac, compress, 0, wire))
    return frame(scratch.buf.subarray(scratch.room, scratch.end), s, ann, compress, hmac, wire);
  return f;
}
const bytesOf = (f: Frame) => Buffer.concat([f.head, ...(Buffer.isBuffer(f.body) ? [f.body] : f.body)]);

/** A scratch as the daemon keeps one: its bytes left over from before (not zeroed). */
const dirtyScratch = (): FrameScratch => ({ buf: Buffer.alloc(1024, 0xaa), room: FRAME_ROOM, end: 0 });

const PYRO4_BINARY: Serializer[] = [marshal, msgpack, pickle];
const PYRO5_BINARY: Serializer[] = [getPyro5Serializer("marshal"), getPyro5Serializer("msgpack")];

test("a framed binary reply's frame is byte for byte the frame of serializeData's bytes", () => {
  const more: unknown[] = [Tuple.from([1, "t"]), "lone \ud800 surrogate", { big: Buffer.alloc(70_000, 7), after: "x" }];
  for (const [wire, sers] of [[PYRO4, PYRO4_BINARY], [PYRO5, PYRO5_BINARY]] as [WireFormat, Serializer[]][]) {
    for (const s of sers) {
      const scratch = dirtyScratch(); // one scratch for every value in turn, as the daemon reuses it
      for (const v of [...VALUES.map(([x]) => x), ...more]) {
        if (s.name === "msgpack" && typeof v === "string" && v.includes("\ud800")) continue; // msgpack refuses it
        const bytes = s.serializeData(v);
        for (const ann of [null, CORR, TWO, WIDE])
          for (const compress of [false, true])
            for (const hmac of wire === PYRO4 ? [null, Buffer.from("secret")] : [null]) {
              const what = `${wire.name} ${s.name} ${String(v).slice(0, 20)} ann=${ann?.size ?? 0} compress=${compress} hmac=${!!hmac}`;
              const f = framed(v, s, scratch, ann, compress, hmac, wire);
              assert.deepEqual(bytesOf(f), bytesOf(frame(bytes, s, ann, compress, hmac, wire)), what);
              // the common reply (one buffer, annotations that fit, not compressed nor signed) is built around the
              // payload: a view of the scratch
              const around = bytes.length < 64 * 1024 && ann !== WIDE && !(compress && bytes.length >= 200) && !hmac;
              assert.equal(overlap(f.head, scratch.buf), around, `${what}: built around the payload`);
              if (around) assert.equal((f.body as Buffer).length, 0, what);
            }
      }
    }
  }
});

test("the framed payloads are the bytes Python Pyro4's msgpack serializer writes, and Python reads marshal and pickle back as the same values", () => {
  const script = `import sys, pickle, Pyro4.util
ser = {"marshal": Pyro4.util.MarshalSerializer(), "msgpack": Pyro4.util.MsgpackSerializer()}
for line in sys.stdin.read().splitlines():
    name, payload, literal = line.split(" ", 2)
    value = eval(literal)
    if name == "msgpack":
        print(ser[name].serializeData(value)[0].hex())
    else:
        # Python's marshal flags shared objects (FLAG_REF) and its pickler memoizes: same values, other bytes
        back = pickle.loads(bytes.fromhex(payload)) if name == "pickle" else ser[name].deserializeData(bytes.fromhex(payload))
        print("ok" if type(back) is type(value) and back == value else "differs: %r" % (back,))
`;
  const cases: [Serializer, unknown, string, Buffer][] = [];
  for (const s of PYRO4_BINARY) {
    const scratch = dirtyScratch();
    for (const [v, py] of VALUES) {
      if (Buffer.isBuffer(v) && v.length > 50_000 && s !== pickle) continue; // Python's framing of big bytes is tested in interop
      const f = bytesOf(framed(v, s, scratch, CORR, false, null));
      cases.push([s, v, py, f.subarray(24 + 22)]); // after the 24-byte header and the CORR chunk (6 + 16 bytes)
    }
  }
  const out = runPython(["-c", script], { input: cases.map(([s, , py, p]) => `${s.name} ${p.toString("hex")} ${py}`).join("\n") }).trim().split("\n");
  assert.equal(out.length, cases.length);
  cases.forEach(([s, v, , p], i) => {
    const what = `${s.name} ${String(v).slice(0, 20)}`;
    if (s === msgpack) assert.equal(p.toString("hex"), out[i], what);
    else assert.equal(out[i], "ok", what);
  });
});

/** Whether two buffers share memory (not only an ArrayBuffer: small buffers come from Buffer's shared pool). */
function overlap(a: Buffer, b: Buffer): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

/** Enough of a net.Socket for a daemon Connection; every written buffer is kept as it is (not copied). */
class HoldingSocket extends EventEmitter {
  remoteAddress = "127.0.0.1";
  remotePort = 5555;
  remoteFamily = "IPv4";
  /** What net.Socket reports: bytes written but not yet with the kernel. */
  writableLength = 0;
  writableHighWaterMark = 16384;
  written: Buffer[] = [];
  setKeepAlive(): this { return this; }
  setNoDelay(): this { return this; }
  setTimeout(): this { return this; }
  cork(): void {}
  uncork(): void {}
  write(b: Buffer): boolean {
    this.written.push(b);
    return true;
  }
  pause(): this { return this; }
  resume(): this { return this; }
  end(): this { return this; }
  destroy(): this { return this; }
}

test("a reply buffer the socket still holds is never overwritten by the next reply; one it released is reused", async () => {
  const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["marshal", "msgpack", "pickle"] });
  try {
    const results: string[] = [];
    const long = (i: number) => i % 4 === 3; // every fourth reply grows the scratch
    daemon.register({ next: () => {
      const r = `reply ${results.length} `.repeat(long(results.length % 12) ? 200 : 1);
      results.push(r);
      return r;
    } }, "obj", { expose: ["next"] });
    for (const s of [marshal, msgpack, pickle]) {
      results.length = 0;
      const sock = new HoldingSocket();
      new Connection(sock as never, daemon as never);
      sock.emit("data", encodeMessageBuffer(MSG_CONNECT, s.id, 0, s.serializeData({ handshake: "hello", object: "obj" }), { flags: FLAGS_META_ON_CONNECT }));
      await new Promise((r) => setTimeout(r, 20));
      const call = encodeMessageBuffer(MSG_INVOKE, s.id, 1, s.serializeCall("obj", "next", [], {}));
      const replies: Buffer[] = [];
      const copies: Buffer[] = [];
      const isHeld = (i: number) => i % 2 === 0; // every other reply stays queued in the socket
      for (let i = 0; i < 12; i++) {
        sock.writableLength = isHeld(i) ? 1000 : 0;
        const before = sock.written.length;
        sock.emit("data", call);
        assert.equal(sock.written.length, before + 1, `${s.name}: reply ${i} written whole`);
        replies.push(sock.written[before]!);
        copies.push(Buffer.from(sock.written[before]!));
      }
      for (let i = 0; i < 12; i++) {
        // a held reply is as it was written, whatever came after it
        if (isHeld(i)) assert.deepEqual(replies[i], copies[i], `${s.name}: held reply ${i} unchanged`);
        if (i === 11) continue;
        // a released reply's buffer goes to the next reply (unless that one outgrew it); a held one never does
        const shared = overlap(replies[i + 1]!, replies[i]!);
        if (isHeld(i)) assert.equal(shared, false, `${s.name}: reply ${i + 1} not written into held reply ${i}`);
        else if (!long(i + 1)) assert.equal(shared, true, `${s.name}: reply ${i + 1} reuses the buffer of reply ${i}`);
      }
      // and every reply is the right one, in order
      const msgs = new MessageReader({ limits: daemon.limits }).push(Buffer.concat(copies));
      assert.deepEqual(msgs.map((m) => [m.seq, s.deserializeData(m.data)]), results.map((r) => [1, r]));
    }
  } finally {
    await daemon.close();
  }
});
