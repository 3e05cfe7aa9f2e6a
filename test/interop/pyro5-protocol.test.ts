// Protocol 502 framing against real Python Pyro5 (vendored): its frames decode to the same fields in our reader
// (whole and byte by byte), our encoder builds the same bytes, and Pyro5 parses what we build. Plus the reader's
// refusal of the other protocol version, named in the error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageReader } from "../../src/protocol/reader.js";
import {
  encodeMessageBuffer, bytesToUuid, uuidToBytes, PYRO5, PYRO4, MSG_CONNECT,
  FLAGS_ITEMSTREAMRESULT, FLAGS_KEEPSERIALIZED, FLAGS_META_ON_CONNECT, type Message,
} from "../../src/protocol/message.js";
import { ProtocolError } from "../../src/errors.js";
import { runPython } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";

const ENV = PYRO5_ENV;

interface Case {
  name: string;
  type: number;
  flags: number;
  seq: number;
  ser: number;
  data: string;
  ann: Record<string, string>;
  corr?: string;
  hex: string;
}

const cases: Case[] = runPython(["pyro5_frames.py", "emit"], { env: ENV })
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as Case);

/** Pyro5's wire flags in our internal (Pyro4) numbering. */
function internalFlags(f: number): number {
  let r = f & 0x0f;
  if (f & 16) r |= FLAGS_ITEMSTREAMRESULT;
  if (f & 32) r |= FLAGS_KEEPSERIALIZED;
  return r;
}

function annotationsOf(c: Case): Map<string, Buffer> | null {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(c.ann)) m.set(k, Buffer.from(v, "hex"));
  if (c.corr) m.set("CORR", uuidToBytes(c.corr));
  return m.size ? m : null;
}

function ours(c: Case): Buffer {
  return encodeMessageBuffer(c.type, c.ser, c.seq, Buffer.from(c.data, "hex"), {
    flags: internalFlags(c.flags),
    annotations: annotationsOf(c),
    wire: PYRO5,
  });
}

function checkDecoded(c: Case, msg: Message): void {
  assert.equal(msg.type, c.type);
  assert.equal(msg.seq, c.seq);
  assert.equal(msg.serializerId, c.ser);
  const expectFlags = internalFlags(c.flags) | (c.type === MSG_CONNECT ? FLAGS_META_ON_CONNECT : 0);
  assert.equal(msg.flags, expectFlags);
  assert.equal(msg.data.toString("hex"), c.data);
  const ann: Record<string, string> = {};
  for (const [k, v] of msg.annotations ?? []) ann[k] = k === "CORR" ? bytesToUuid(v) : v.toString("hex");
  const expect: Record<string, string> = { ...c.ann };
  if (c.corr) expect.CORR = c.corr;
  assert.deepEqual(ann, expect);
}

test("Pyro5 emitted five golden frames", () => {
  assert.equal(cases.length, 5);
  assert.equal(cases[0]!.hex.slice(0, 12), "5059524f01f6"); // "PYRO", 502
});

for (const c of cases) {
  test(`502 encode matches Pyro5 byte for byte: ${c.name}`, () => {
    assert.equal(ours(c).toString("hex"), c.hex);
  });
  test(`502 reader decodes Pyro5's frame: ${c.name}`, () => {
    const frame = Buffer.from(c.hex, "hex");
    const whole = new MessageReader({ wire: PYRO5 }).push(frame);
    assert.equal(whole.length, 1);
    checkDecoded(c, whole[0]!);
    // byte by byte (transient chunks: every byte is copied out of a reused buffer)
    const r = new MessageReader({ wire: PYRO5 });
    const got: Message[] = [];
    const step = frame.length > 1000 ? 997 : 1;
    for (let i = 0; i < frame.length; i += step) got.push(...r.pushTransient(Buffer.from(frame.subarray(i, i + step))));
    assert.equal(got.length, 1);
    checkDecoded(c, got[0]!);
  });
}

test("Pyro5 parses the frames we build (fields, annotations, correlation id)", () => {
  const input = cases.map((c) => JSON.stringify({ hex: ours(c).toString("hex") })).join("\n") + "\n";
  const parsed = runPython(["pyro5_frames.py", "parse"], { env: ENV, input }).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(parsed.length, cases.length);
  cases.forEach((c, i) => {
    const p = parsed[i];
    assert.equal(p.error, undefined, p.error);
    assert.equal(p.type, c.type);
    assert.equal(p.flags, c.flags | (c.corr ? 64 : 0)); // Pyro5 sets FLAGS_CORR_ID itself
    assert.equal(p.seq, c.seq);
    assert.equal(p.ser, c.ser);
    assert.equal(p.data, c.data);
    assert.deepEqual(p.ann, c.ann);
    assert.equal(p.corr, c.corr ?? "00000000-0000-0000-0000-000000000000");
  });
});

test("a 502 reader refuses a Pyro4 frame after 6 bytes, naming both versions", () => {
  const p4 = encodeMessageBuffer(MSG_CONNECT, 1, 0, Buffer.from("x"));
  const r = new MessageReader({ wire: PYRO5 });
  assert.deepEqual(r.push(p4.subarray(0, 5)), []);
  assert.throws(() => r.push(p4.subarray(5, 6)), (e: unknown) =>
    e instanceof ProtocolError && /peer speaks protocol 48, that is Pyro4; we speak 502, that is Pyro5/.test(e.message));
});

test("a 48 reader refuses a Pyro5 frame after 6 bytes, naming both versions", () => {
  const p5 = Buffer.from(cases[3]!.hex, "hex");
  const r = new MessageReader({ wire: PYRO4 });
  assert.throws(() => r.push(p5.subarray(0, 6)), (e: unknown) =>
    e instanceof ProtocolError && /peer speaks protocol 502, that is Pyro5; we speak 48/.test(e.message));
});

test("a 502 reader refuses a bad magic number and a size beyond 2 GB", () => {
  const bad = Buffer.from(cases[3]!.hex, "hex");
  bad[39] ^= 1;
  assert.throws(() => new MessageReader({ wire: PYRO5 }).push(bad), (e: unknown) => e instanceof ProtocolError && /magic number/.test(e.message));
  const big = Buffer.from(cases[3]!.hex, "hex");
  big.writeUInt32BE(0xffffff00, 12);
  assert.throws(() => new MessageReader({ wire: PYRO5 }).push(big), (e: unknown) => e instanceof ProtocolError && /2Gb/.test(e.message));
});

test("Pyro5 has no HMAC: encoding with a key is a ProtocolError", () => {
  assert.throws(() => encodeMessageBuffer(MSG_CONNECT, 1, 0, Buffer.from("x"), { wire: PYRO5, hmacKey: Buffer.from("k") }),
    (e: unknown) => e instanceof ProtocolError && /no HMAC/.test(e.message));
});

test("both readers refuse a non-ASCII annotation key, as Pyro4 and Pyro5 do (they decode keys as ASCII)", () => {
  for (const wire of [PYRO4, PYRO5]) {
    const f = encodeMessageBuffer(MSG_CONNECT, 1, 0, Buffer.from("x"), { wire, annotations: new Map([["ABCD", Buffer.from("v")]]) });
    f[wire.headerSize + 1] = 0xc4;
    assert.throws(() => new MessageReader({ wire }).push(f), (e: unknown) => e instanceof ProtocolError && /not ASCII/.test(e.message));
  }
});
