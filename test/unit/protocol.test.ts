// Message codec and reader edge cases: checksum, version, limits, HMAC, truncation and chunking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageReader } from "../../src/protocol/reader.js";
import { encodeMessage, encodeMessageBuffer, computeHmac, headerChecksum, uuidToBytes, bytesToUuid, MSG_INVOKE, MSG_PING, MSG_RESULT, FLAGS_COMPRESSED } from "../../src/protocol/message.js";
import { ProtocolError, SecurityError, MessageTooLargeError } from "../../src/errors.js";
import { deflateSync } from "node:zlib";
import { getSerializer } from "../../src/serializers/index.js";

const SER = "# serpent utf-8 python3.2\n";

/**
 * assert.throws validator: the error must be of the typed class (a PyroError subclass) and match `re`. A bare
 * regex would also accept a TypeError whose message happened to match.
 */
function typed(cls: abstract new (...a: any[]) => Error, re: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.match((e as Error).message, re);
    return true;
  };
}
const KEY = Buffer.from("k");

/** `n` bytes of a pattern that shifts every 2^shift bytes, so misplaced or stale bytes show. */
function pattern(n: number, mul: number, shift: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * mul + (i >> shift)) & 0xff;
  return b;
}

/** HMAC-signed messages back to back, serializer 4, sequence numbers 1, 2, ...; the first carries a CORR. */
function signedStream(...msgs: [type: number, data: Buffer][]): Buffer {
  return Buffer.concat(
    msgs.map(([type, data], i) =>
      encodeMessageBuffer(type, 4, i + 1, data, { annotations: i === 0 ? new Map([["CORR", Buffer.alloc(16, 3)]]) : null, hmacKey: KEY }),
    ),
  );
}

test("worked example from the notes: first bytes of a Python client's CONNECT", () => {
  const data = Buffer.from(SER + "{'handshake':'hello','object':'thing'}");
  const buf = encodeMessageBuffer(1, 1, 0, data, { flags: 0x10 });
  assert.equal(buf.subarray(0, 24).toString("hex"), "5059524f003000010010000000000040000100000000356b");
});

test("HMAC test vector (key secret, CORR + XTRA annotations)", () => {
  const data = Buffer.from(SER + "{'handshake':'hello','object':'thing'}");
  const ann = new Map([["CORR", Buffer.from("11111111222233334444555555555555", "hex")], ["XTRA", Buffer.from("hello")]]);
  assert.equal(computeHmac(Buffer.from("secret"), data, ann).toString("hex"), "0376b118fdf288921bb2edd9d3e1a569e395acc0");
});

test("round trip across every chunk split", () => {
  const data = Buffer.from("payload-" + "x".repeat(50));
  const buf = Buffer.concat([
    encodeMessageBuffer(MSG_INVOKE, 1, 5, data, { annotations: new Map([["CORR", Buffer.alloc(16, 7)]]) }),
    encodeMessageBuffer(MSG_RESULT, 2, 6, Buffer.from("second")),
  ]);
  for (let split = 1; split < buf.length; split++) {
    const r = new MessageReader();
    const msgs = [...r.push(buf.subarray(0, split)), ...r.push(buf.subarray(split))];
    assert.equal(msgs.length, 2, `split ${split}`);
    assert.equal(msgs[0]!.data.toString(), data.toString());
    assert.equal(msgs[0]!.annotations!.get("CORR")!.length, 16);
    assert.equal(msgs[1]!.seq, 6);
    assert.equal(msgs[1]!.annotations, null);
  }
});

test("large bodies assembled in place: any chunking, HMAC, a following message in the last chunk", () => {
  const key = KEY;
  const big = pattern(700_000, 31, 9);
  const stream = signedStream([MSG_INVOKE, big], [MSG_RESULT, Buffer.from("after")], [MSG_INVOKE, big.subarray(1000, 400_000)]);
  for (const size of [1, 7, 4096, 65536, 100_003, 300_000, stream.length]) {
    const r = new MessageReader({ hmacKey: key });
    const got = [];
    for (let off = 0; off < stream.length; off += size) {
      got.push(...r.push(stream.subarray(off, off + size)));
      if (got.length === 0) assert.ok(r.pending > 0, "a started message is pending");
    }
    assert.equal(r.pending, 0, `size ${size}`);
    assert.deepEqual(got.map((m) => m.seq), [1, 2, 3], `size ${size}`);
    assert.ok(got[0]!.data.equals(big), `size ${size}`);
    assert.equal(got[1]!.data.toString(), "after");
    assert.ok(got[2]!.data.equals(big.subarray(1000, 400_000)), `size ${size}`);
  }
  // a body that fails its HMAC after in-place assembly is refused like any other
  const bad = Buffer.from(stream.subarray(0, stream.length));
  bad[30_000] ^= 1;
  const r = new MessageReader({ hmacKey: key });
  assert.throws(() => {
    for (let off = 0; off < bad.length; off += 65536) r.push(bad.subarray(off, off + 65536));
  }, typed(SecurityError, /hmac mismatch/));
});

test("transient chunks (a reused read buffer): messages and partial messages survive the buffer being overwritten", () => {
  const key = KEY;
  const mid = pattern(90_000, 7, 8);
  const big = Buffer.concat([mid, mid, mid, mid]);
  const stream = signedStream(
    [MSG_INVOKE, Buffer.from("small")], [MSG_RESULT, mid], [MSG_INVOKE, Buffer.from("x")], [MSG_RESULT, big], [MSG_INVOKE, Buffer.from("last")],
  );
  const shared = Buffer.alloc(70_000);
  // the relay's form too: the whole shared buffer and how much of it the read filled
  for (const [size, whole] of [1, 5, 23, 24, 25, 100, 4096, 65536, 70_000].flatMap((s) => [[s, false], [s, true]] as const)) {
    const r = new MessageReader({ hmacKey: key });
    const got = [];
    for (let off = 0; off < stream.length; off += size) {
      const n = stream.copy(shared, 0, off, off + size);
      got.push(...(whole ? r.pushTransient(shared, n) : r.pushTransient(shared.subarray(0, n))));
      shared.fill(0xee); // what the next read would do to the buffer
    }
    assert.equal(r.pending, 0, `size ${size}`);
    assert.deepEqual(got.map((m) => m.seq), [1, 2, 3, 4, 5], `size ${size}`);
    assert.equal(got[0]!.data.toString(), "small", `size ${size}`);
    assert.ok(got[0]!.annotations!.get("CORR")!.equals(Buffer.alloc(16, 3)), `size ${size}`);
    assert.ok(got[1]!.data.equals(mid), `size ${size}`);
    assert.equal(got[2]!.data.toString(), "x");
    assert.ok(got[3]!.data.equals(big), `size ${size}`);
    assert.equal(got[4]!.data.toString(), "last", `size ${size}`);
  }
  // plain and transient pushes mixed on one reader
  const r = new MessageReader({ hmacKey: key });
  const got = [];
  for (let off = 0, i = 0; off < stream.length; off += 1000, i++) {
    if (i % 2) got.push(...r.push(Buffer.from(stream.subarray(off, off + 1000))));
    else {
      const n = stream.copy(shared, 0, off, off + 1000);
      got.push(...r.pushTransient(shared.subarray(0, n)));
      shared.fill(0xee);
    }
  }
  assert.deepEqual(got.map((m) => m.seq), [1, 2, 3, 4, 5]);
  assert.ok(got[3]!.data.equals(big));
});

test("reads straight into a large body (readTarget / filledInPlace), mixed with shared-buffer reads", () => {
  const key = KEY;
  const big = pattern(1_100_000, 13, 10);
  const stream = signedStream([MSG_RESULT, big], [MSG_RESULT, Buffer.from("tiny")], [MSG_RESULT, big.subarray(0, 300_000)]);
  const shared = Buffer.alloc(65536);
  for (const readSize of [65536, 10_000, 200_000]) {
    const r = new MessageReader({ hmacKey: key });
    const got = [];
    let off = 0;
    let direct = 0;
    while (off < stream.length) {
      // what the socket does: read as much as is there and fits the buffer it was given
      const target = r.readTarget(4096);
      const into = target ?? shared;
      const n = stream.copy(into, 0, off, off + Math.min(readSize, into.length));
      off += n;
      if (target) {
        direct += n;
        got.push(...r.filledInPlace(n));
      } else {
        got.push(...r.pushTransient(shared.subarray(0, n)));
        shared.fill(0xee);
      }
    }
    assert.equal(r.pending, 0, `read size ${readSize}`);
    assert.deepEqual(got.map((m) => m.seq), [1, 2, 3], `read size ${readSize}`);
    assert.ok(got[0]!.data.equals(big), `read size ${readSize}`);
    assert.equal(got[1]!.data.toString(), "tiny");
    assert.ok(got[2]!.data.equals(big.subarray(0, 300_000)), `read size ${readSize}`);
    assert.ok(direct > 1_000_000, `most of the big bodies went straight in (${direct} bytes, read size ${readSize})`);
  }
  // a body that fails its HMAC after direct reads is refused like any other
  const bad = Buffer.from(stream);
  bad[500_000] ^= 1;
  const r = new MessageReader({ hmacKey: key });
  assert.throws(() => {
    for (let off = 0; off < bad.length; ) {
      const target = r.readTarget(4096);
      const into = target ?? shared;
      const n = bad.copy(into, 0, off, off + 65536);
      off += n;
      if (target) r.filledInPlace(n);
      else r.pushTransient(shared.subarray(0, n));
    }
  }, typed(SecurityError, /hmac mismatch/));
  assert.equal(r.readTarget(0), null, "no target once the stream has failed");
});

test("a header alone does not make the reader reserve its claimed size", () => {
  // no size limit: a peer claiming 200 MB gets a buffer for it only after sending an eighth of it
  const claimed = 200_000_000;
  const [head] = encodeMessage(MSG_INVOKE, 4, 1, Buffer.alloc(0));
  const h = Buffer.from(head);
  h.writeInt32BE(claimed, 12);
  h.writeUInt16BE(headerChecksum(MSG_INVOKE, 0, 1, claimed, 4, 0), 22);
  const r = new MessageReader();
  const before = process.memoryUsage().arrayBuffers;
  r.push(h);
  r.push(Buffer.alloc(1_000_000));
  assert.ok(process.memoryUsage().arrayBuffers - before < 50_000_000, "no 200 MB buffer for 1 MB of data");
  assert.equal(r.pending, 24 + 1_000_000);
  r.push(Buffer.alloc(claimed / 8));
  assert.ok(process.memoryUsage().arrayBuffers - before >= claimed, "the body buffer once an eighth has arrived");
  assert.equal(r.pending, 24 + 1_000_000 + claimed / 8);
});

const errorCases: [string, (b: Buffer) => Buffer, RegExp, abstract new (...a: any[]) => Error][] = [
  ["bad magic", (b) => { b.write("XXXX", 0, "latin1"); return b; }, /invalid data or unsupported protocol version \(not a Pyro message\)/, ProtocolError],
  ["pyro5 peer", (b) => { b.writeUInt16BE(502, 4); return b; }, /protocol 502, that is Pyro5; we speak 48/, ProtocolError],
  ["bad checksum", (b) => { b.writeUInt16BE(b.readUInt16BE(22) ^ 1, 22); return b; }, /header checksum mismatch/, ProtocolError],
  ["flipped flags", (b) => { b.writeUInt16BE(4, 8); return b; }, /header checksum mismatch/, ProtocolError],
];
for (const [name, mutate, re, cls] of errorCases) {
  test(`reader rejects ${name}`, () => {
    const b = mutate(encodeMessageBuffer(MSG_INVOKE, 1, 1, Buffer.from("abc")));
    assert.throws(() => new MessageReader().push(b), (e: any) => e instanceof (cls as any) && re.test(e.message));
  });
}

test("oversized length is refused from the header alone, before the payload arrives", () => {
  const [head] = encodeMessage(MSG_INVOKE, 1, 1, Buffer.alloc(5000));
  const r = new MessageReader({ maxMessageSize: 1000 });
  assert.throws(() => r.push(head), (e: any) => e instanceof MessageTooLargeError && /5000 where max=1000/.test(e.message) && (e as any).pyroMsg.seq === 1);
});

test("encoder refuses over MAX_MESSAGE_SIZE too", () => {
  assert.throws(() => encodeMessage(MSG_INVOKE, 1, 1, Buffer.alloc(100), { maxMessageSize: 10 }), MessageTooLargeError);
});

test("HMAC mismatch and asymmetric config", () => {
  const signed = encodeMessageBuffer(MSG_INVOKE, 1, 1, Buffer.from("abc"), { hmacKey: Buffer.from("k1") });
  assert.throws(() => new MessageReader({ hmacKey: Buffer.from("k2") }).push(signed), (e: any) => e instanceof SecurityError && e.message === "message hmac mismatch");
  assert.throws(() => new MessageReader().push(signed), typed(SecurityError, /hmac key config not symmetric/));
  const plain = encodeMessageBuffer(MSG_INVOKE, 1, 1, Buffer.from("abc"));
  assert.throws(() => new MessageReader({ hmacKey: Buffer.from("k1") }).push(plain), typed(SecurityError, /hmac key config not symmetric/));
  assert.equal(new MessageReader({ hmacKey: Buffer.from("k1") }).push(signed)[0]!.data.toString(), "abc");
});

test("tampered payload fails HMAC", () => {
  const signed = encodeMessageBuffer(MSG_INVOKE, 1, 1, Buffer.from("abc"), { hmacKey: Buffer.from("k1") });
  signed[signed.length - 1] = "x".charCodeAt(0);
  assert.throws(() => new MessageReader({ hmacKey: Buffer.from("k1") }).push(signed), typed(SecurityError, /message hmac mismatch/));
});

test("compression: only >= 200 bytes and only when smaller", () => {
  const small = encodeMessage(MSG_RESULT, 1, 1, Buffer.alloc(199, 65), { compress: true });
  assert.equal(small[0].readUInt16BE(8) & FLAGS_COMPRESSED, 0);
  const big = encodeMessage(MSG_RESULT, 1, 1, Buffer.alloc(1000, 65), { compress: true });
  assert.ok(big[0].readUInt16BE(8) & FLAGS_COMPRESSED);
  assert.ok(big[1].length < 1000);
  const random = encodeMessage(MSG_RESULT, 1, 1, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 251)), { compress: true });
  const msg = new MessageReader().push(Buffer.concat(big))[0]!;
  assert.equal(msg.data.length, 1000);
  assert.equal(msg.flags & FLAGS_COMPRESSED, 0);
  void random;
});

test("zip bomb is capped by MAX_MESSAGE_SIZE", () => {
  const bomb = deflateSync(Buffer.alloc(10_000_000));
  const buf = encodeMessageBuffer(MSG_RESULT, 1, 1, bomb, { flags: FLAGS_COMPRESSED });
  assert.throws(() => new MessageReader({ maxMessageSize: 1_000_000 }).push(buf), MessageTooLargeError);
});

test("corrupt compressed payload is a ProtocolError", () => {
  const buf = encodeMessageBuffer(MSG_RESULT, 1, 1, Buffer.from("not zlib at all"), { flags: FLAGS_COMPRESSED });
  assert.throws(() => new MessageReader().push(buf), (e: any) => e instanceof ProtocolError && /invalid compressed payload/.test(e.message));
});

test("annotation keys must be 4 chars; annotation length beyond its block is refused", () => {
  assert.throws(() => encodeMessage(MSG_INVOKE, 1, 1, Buffer.alloc(0), { annotations: new Map([["TOOLONG", Buffer.alloc(1)]]) }), typed(ProtocolError, /annotation key must be of length 4/));
  // Pyro4 encodes and decodes keys as ASCII: anything else would break the peer's reader
  for (const key of ["AB\u20acD", "XyZ\u00e9"])
    assert.throws(() => encodeMessage(MSG_INVOKE, 1, 1, Buffer.alloc(0), { annotations: new Map([[key, Buffer.alloc(1)]]) }), typed(ProtocolError, /annotation key must be ASCII/));
  const keyed = encodeMessageBuffer(MSG_INVOKE, 1, 1, Buffer.alloc(0), { annotations: new Map([["XyZ9", Buffer.from([1, 2, 3])]]) });
  assert.equal(keyed.toString("latin1", 24, 28), "XyZ9");
  assert.equal(keyed.readUInt16BE(28), 3);
  const buf = encodeMessageBuffer(MSG_INVOKE, 1, 1, Buffer.from("zz"), { annotations: new Map([["ABCD", Buffer.alloc(4)]]) });
  buf.writeUInt16BE(200, 24 + 4); // lie about the chunk length
  assert.throws(() => new MessageReader().push(buf), typed(ProtocolError, /length beyond annotations/));
});

test("annotations above 64 KiB in total are refused", () => {
  assert.throws(() => encodeMessage(MSG_INVOKE, 1, 1, Buffer.alloc(0), { annotations: new Map([["BIGG", Buffer.alloc(65530)]]) }), typed(ProtocolError, /annotations too large/));
});

test("negative data length is refused", () => {
  const b = encodeMessageBuffer(MSG_INVOKE, 1, 1, Buffer.alloc(0));
  b.writeInt32BE(-5, 12);
  // fix the checksum so only the length is wrong
  b.writeUInt16BE((4 + 48 + -5 + 0 + 1 + 0 + 1 + 0x34e9) & 0xffff, 22);
  assert.throws(() => new MessageReader().push(b), typed(ProtocolError, /invalid data length/));
});

test("uuid bytes round trip", () => {
  const u = "0b5ea5e7-6a0e-4f24-9d29-6e0b7c0c3b71";
  assert.equal(uuidToBytes(u).length, 16);
  assert.equal(bytesToUuid(uuidToBytes(u)), u);
});

test("whole: small messages come as one buffer equal to header + payload; big ones stay split", () => {
  const ann = new Map([["CORR", Buffer.alloc(16, 7)], ["XYZW", Buffer.from("hi")]]);
  for (const opts of [{}, { annotations: ann }, { annotations: ann, hmacKey: Buffer.from("k") }, { compress: true }]) {
    for (const size of [0, 5, 300, 16 * 1024 - 100, 20000]) {
      const data = Buffer.alloc(size, 0x41);
      const [h, d] = encodeMessage(MSG_INVOKE, 1, 77, data, { ...opts, flags: 0 });
      const [w, rest] = encodeMessage(MSG_INVOKE, 1, 77, data, { ...opts, flags: 0, whole: true });
      assert.deepEqual(Buffer.concat([w, rest]), Buffer.concat([h, d]));
      assert.equal(rest.length === 0, h.length + d.length <= 16 * 1024 || d.length === 0);
    }
  }
});

test("big bytes by reference: parts concatenate to the plain serialization; messages from parts equal plain ones", () => {
  const big = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 13) % 256));
  const big2 = new Uint8Array(70_000).fill(9).subarray(1000); // a view with an offset
  const values: unknown[] = [big, [big, "x", { k: big2 }, big], { a: 1 }, "small", [Buffer.alloc(10), 5], new Uint8Array(64 * 1024 - 1)];
  for (const name of ["marshal", "msgpack"] as const) {
    const s = getSerializer(name);
    for (const v of values) {
      const parts = s.serializeDataParts!(v);
      const flat = Buffer.isBuffer(parts) ? parts : Buffer.concat(parts as Buffer[]);
      assert.deepEqual(flat, s.serializeData(v), `${name} data`);
      const call = s.serializeCallParts!("obj", "m", [v, 1], { kw: v });
      const flatCall = Buffer.isBuffer(call) ? call : Buffer.concat(call as Buffer[]);
      assert.deepEqual(flatCall, s.serializeCall("obj", "m", [v, 1], { kw: v }), `${name} call`);
    }
    const parts = s.serializeDataParts!([big, "x", big2]) as Buffer[];
    assert.ok(Array.isArray(parts) && parts.some((p) => p.buffer === big.buffer), `${name}: big bytes are a part, not a copy`);
    assert.ok(Buffer.isBuffer(s.serializeDataParts!({ a: [1, 2] })), `${name}: nothing big, one buffer`);
    // framing from parts: same bytes as from the flat payload, with annotations, HMAC and compression
    const ann = new Map([["CORR", Buffer.alloc(16, 3)]]);
    for (const opts of [{}, { annotations: ann, hmacKey: Buffer.from("secret") }, { compress: true }]) {
      const viaParts = encodeMessageBuffer(MSG_RESULT, s.id, 9, parts, opts);
      assert.deepEqual(viaParts, encodeMessageBuffer(MSG_RESULT, s.id, 9, Buffer.concat(parts), opts));
      const msg = new MessageReader({ hmacKey: "hmacKey" in opts ? opts.hmacKey : null }).push(viaParts)[0]!;
      assert.deepEqual(s.deserializeData(msg.data), [big, "x", Buffer.from(big2)]);
    }
  }
});

test("zero-length messages (no annotations, no data): alone, several in one chunk, split anywhere", () => {
  const bare = (type: number, seq: number) => encodeMessageBuffer(type, 42, seq, Buffer.alloc(0));
  assert.equal(bare(MSG_PING, 1).length, 24);
  // alone
  const one = new MessageReader().push(bare(MSG_PING, 1));
  assert.equal(one.length, 1);
  assert.equal(one[0]!.type, MSG_PING);
  assert.equal(one[0]!.data.length, 0);
  assert.equal(one[0]!.annotations, null);
  // several in one chunk, every type, followed by a message with data
  const stream = Buffer.concat([bare(MSG_PING, 1), bare(MSG_INVOKE, 2), bare(MSG_RESULT, 3), bare(0xffff, 4), encodeMessageBuffer(MSG_PING, 42, 5, Buffer.from("ping"))]);
  for (const transient of [false, true]) {
    const r = new MessageReader();
    const msgs = transient ? r.pushTransient(Buffer.from(stream)) : r.push(stream);
    assert.deepEqual(msgs.map((m) => [m.type, m.seq, m.data.length]), [[MSG_PING, 1, 0], [MSG_INVOKE, 2, 0], [MSG_RESULT, 3, 0], [0xffff, 4, 0], [MSG_PING, 5, 4]]);
    assert.equal(r.pending, 0);
    assert.equal(r.failure, null);
  }
  // split at every pair of offsets (the header ends exactly at a chunk's end, the next starts in the same chunk...)
  for (let a = 1; a < stream.length; a++) {
    for (const b of [a + 1, a + 7, a + 24, stream.length]) {
      if (b > stream.length) continue;
      for (const transient of [false, true]) {
        const r = new MessageReader();
        const feed = (c: Buffer) => (transient ? r.pushTransient(Buffer.from(c)) : r.push(c));
        const msgs = [...feed(stream.subarray(0, a)), ...(b > a ? feed(stream.subarray(a, b)) : []), ...(b < stream.length ? feed(stream.subarray(b)) : [])];
        assert.deepEqual(msgs.map((m) => m.seq), [1, 2, 3, 4, 5], `split ${a}/${b} transient=${transient}`);
      }
    }
  }
  // one byte at a time
  const r = new MessageReader();
  const seqs: number[] = [];
  for (let i = 0; i < stream.length; i++) for (const m of r.push(stream.subarray(i, i + 1))) seqs.push(m.seq);
  assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
});
