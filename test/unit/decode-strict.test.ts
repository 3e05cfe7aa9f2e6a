// Strict rejection of garbage by the reader and the four decoders: every error must be typed (ProtocolError,
// SerializeError, ... from src/errors.ts), with no TypeError/RangeError hidden as a SerializeError's cause.
// Seeded mutations of valid payloads and frames (the fuzz suite's mutators), a few thousand per serializer, so a
// parser that trips over its own feet on some input shows here in seconds, not only in the long fuzz run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageReader } from "../../src/protocol/reader.js";
import { Rng, SERIALIZERS, buildFrame, mutateBytes, mutatedFrame, randomValue, validFrame } from "../fuzz/frames.js";
import { untypedCause } from "../fuzz/oracle.js";

const ROUNDS = 3000;

function describe(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}\n${(e.stack ?? "").split("\n").slice(1, 4).join("\n")}` : String(e);
}

for (const s of SERIALIZERS) {
  test(`${s.name}: mutated payloads are decoded or refused with a typed error`, () => {
    const rng = new Rng(0x5eed + s.id);
    const bad: string[] = [];
    let refused = 0;
    let decoded = 0;
    for (let i = 0; i < ROUNDS; i++) {
      let base: Buffer;
      try {
        base = i % 2 ? s.serializeCall("fuzz", "echo", [randomValue(rng)], { k: randomValue(rng) }) : s.serializeData(randomValue(rng));
      } catch {
        base = s.serializeData([1, "two", null]); // a value this format cannot carry (json and Complex...)
      }
      let data = mutateBytes(rng, base);
      if (rng.chance(0.3)) data = mutateBytes(rng, data);
      for (const decode of [() => s.deserializeData(data), () => s.deserializeCall(data), () => s.deserializeCall(data, { zeroCopy: true })]) {
        try {
          decode();
          decoded++;
        } catch (e) {
          refused++;
          const cause = untypedCause(e);
          if (cause !== undefined && bad.length < 5) bad.push(`${describe(e)}\n  cause: ${describe(cause)}\n  input: ${data.toString("hex").slice(0, 200)}`);
        }
      }
    }
    assert.deepEqual(bad, []);
    assert.ok(refused > ROUNDS / 2, `only ${refused} refusals: the mutations did not reach the parser`);
    assert.ok(decoded > 0);
  });
}

test("reader: mutated frames and random chunking are parsed or refused with a typed error", () => {
  const rng = new Rng(0xfeed);
  const bad: string[] = [];
  let refused = 0;
  let parsed = 0;
  for (let i = 0; i < ROUNDS / 2; i++) {
    const s = rng.pick(SERIALIZERS);
    const frames = Array.from({ length: 1 + rng.int(4) }, (_, j) => (rng.chance(0.3) ? buildFrame(validFrame(rng, s, j)) : mutatedFrame(rng, s, j).frame));
    const stream = Buffer.concat(frames);
    const r = new MessageReader({ maxMessageSize: rng.chance(0.5) ? 1 << 20 : 0, hmacKey: rng.chance(0.1) ? Buffer.from("k") : null });
    const transient = rng.chance(0.5);
    try {
      for (let off = 0; off < stream.length; ) {
        const n = 1 + rng.int(rng.chance(0.5) ? 30 : 5000);
        const chunk = stream.subarray(off, off + n);
        parsed += (transient ? r.pushTransient(Buffer.from(chunk)) : r.push(chunk)).length;
        off += n;
      }
    } catch (e) {
      refused++;
      if (untypedCause(e) !== undefined && bad.length < 5) bad.push(`${describe(e)}\n  input: ${stream.toString("hex").slice(0, 200)}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(refused > 50 && parsed > 50, `refused ${refused}, parsed ${parsed}`);
});
