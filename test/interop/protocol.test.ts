// Wire frames built by real Python Pyro4 (Pyro4.message.Message) parse in our reader, and frames we build parse
// in Python's Message.recv: header fields, annotations, HMAC and compression, both ways.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageReader } from "../../src/protocol/reader.js";
import { encodeMessageBuffer, FLAGS_COMPRESSED } from "../../src/protocol/message.js";
import { runPython } from "../helpers/python.js";

interface Frame {
  name: string;
  hex: string;
  type: number;
  flags: number;
  seq: number;
  serializer: number;
  data: string;
  annotations: Record<string, string>;
  hmac_key: string | null;
}

const pyFrames: Frame[] = JSON.parse(runPython(["protocol_frames.py", "gen"]));

test("Python made at least the 14 frame kinds", () => {
  assert.ok(pyFrames.length >= 14);
});

for (const f of pyFrames) {
  test(`Python frame parses in TS: ${f.name}`, () => {
    const bytes = Buffer.from(f.hex, "hex");
    const reader = new MessageReader({ hmacKey: f.hmac_key ? Buffer.from(f.hmac_key) : null });
    // feed in awkward pieces to exercise the state machine across chunk borders
    const msgs = [];
    for (let i = 0; i < bytes.length; i += 7) msgs.push(...reader.push(bytes.subarray(i, i + 7)));
    assert.equal(msgs.length, 1);
    const m = msgs[0]!;
    assert.equal(m.type, f.type);
    assert.equal(m.flags, f.flags & ~FLAGS_COMPRESSED, "compressed flag cleared after inflating");
    assert.equal(m.seq, f.seq);
    assert.equal(m.serializerId, f.serializer);
    assert.equal(m.data.toString("hex"), f.data);
    const ann: Record<string, string> = {};
    for (const [k, v] of m.annotations ?? []) ann[k] = v.toString("hex");
    assert.deepEqual(ann, f.annotations);
    assert.equal(reader.pending, 0);
  });
}

test("TS frames parse in Python's Message.recv (incl. HMAC, compression, wrong key refused)", () => {
  const corr = Buffer.from("11111111222233334444555555555555", "hex");
  const big = Buffer.from("# serpent utf-8 python3.2\n" + JSON.stringify(Array.from({ length: 300 }, (_, i) => i)));
  const cases = [
    { name: "invoke", type: 4, ser: 1, seq: 1, flags: 0, data: Buffer.from("x"), ann: null, key: null, compress: false },
    { name: "connect_meta", type: 1, ser: 2, seq: 0, flags: 0x10, data: Buffer.from("{}"), ann: null, key: null, compress: false },
    { name: "hmac", type: 5, ser: 1, seq: 65535, flags: 0, data: Buffer.from("data"), ann: new Map([["CORR", corr], ["XTRA", Buffer.from("hello")]]), key: "secret", compress: false },
    { name: "compressed", type: 5, ser: 3, seq: 9, flags: 0, data: big, ann: null, key: null, compress: true },
    { name: "compressed_hmac", type: 4, ser: 6, seq: 10, flags: 0x4, data: big, ann: new Map([["CORR", corr]]), key: "k3y", compress: true },
  ];
  const frames = cases.map((c) => ({
    name: c.name,
    hex: encodeMessageBuffer(c.type, c.ser, c.seq, c.data, { flags: c.flags, annotations: c.ann, hmacKey: c.key ? Buffer.from(c.key) : null, compress: c.compress }).toString("hex"),
    hmac_key: c.key,
  }));
  // the same HMAC frame checked with a wrong key, and without a key (asymmetric)
  frames.push({ ...frames[2]!, name: "hmac_wrong_key", hmac_key: "wrong" });
  frames.push({ ...frames[2]!, name: "hmac_no_key", hmac_key: null });
  const seen = JSON.parse(runPython(["protocol_frames.py", "check"], { input: JSON.stringify(frames) })) as any[];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    const s = seen[i];
    assert.equal(s.ok, true, `${c.name}: ${s.error}`);
    assert.equal(s.type, c.type);
    assert.equal(s.seq, c.seq);
    assert.equal(s.serializer, c.ser);
    assert.equal(s.flags & ~FLAGS_COMPRESSED, c.flags);
    assert.equal(Boolean(s.flags & FLAGS_COMPRESSED), c.compress, `${c.name}: compression flag`);
    assert.equal(s.data, c.data.toString("hex"));
    if (c.ann) for (const [k, v] of c.ann) assert.equal(s.annotations[k], v.toString("hex"));
    assert.equal("HMAC" in s.annotations, c.key !== null);
  }
  assert.deepEqual(seen[cases.length], { name: "hmac_wrong_key", ok: false, error: "SecurityError: message hmac mismatch" });
  assert.deepEqual(seen[cases.length + 1], { name: "hmac_no_key", ok: false, error: "SecurityError: hmac key config not symmetric" });
});

test("HMAC test vector from the protocol notes matches Python", () => {
  const f = pyFrames.find((x) => x.name === "invoke_hmac")!;
  const reader = new MessageReader({ hmacKey: Buffer.from("secret") });
  const [m] = reader.push(Buffer.from(f.hex, "hex"));
  assert.equal(m!.annotations!.get("HMAC")!.toString("hex"), f.annotations.HMAC);
});
