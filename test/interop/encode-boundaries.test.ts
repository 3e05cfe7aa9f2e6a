// The binary encoders (pickle, marshal, msgpack) write into a buffer that grows as it fills; a value whose encoding
// ends exactly where the buffer ends once made pickle's end() return the old, outgrown buffer without STOP and frame
// length (a regression caught by a seeded batch test only under coverage). Every entry point, with values whose
// encodings end on and around the growth boundaries, is read back by Python's own pickle/marshal/msgpack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { runPython } from "../helpers/python.js";
import { getSerializer } from "../../src/serializers/index.js";
import { FRAME_ROOM } from "../../src/server/frame-scratch.js";

const SERIALIZERS = ["pickle", "marshal", "msgpack"] as const;

/** Strings and int lists whose encodings end on, just before and just after 128-4096 bytes. */
function values(): unknown[] {
  const out: unknown[] = [];
  for (const b of [128, 256, 512, 1024, 2048, 4096]) for (let n = b - 48; n <= b + 8; n++) out.push("x".repeat(n));
  for (let n = 0; n <= 600; n++) out.push(Array.from({ length: n }, (_, i) => i % 200));
  return out;
}

/** Each entry point's bytes for `v`: the plain, by-reference and framed data encodings and the call encoding. */
function encodings(ser: (typeof SERIALIZERS)[number], v: unknown): Array<[string, Buffer]> {
  const s = getSerializer(ser);
  const out: Array<[string, Buffer]> = [["serializeData", s.serializeData(v)]];
  out.push(["serializeCall", s.serializeCall("obj", "m", [v], { k: v })]);
  if (s.serializeDataParts) {
    const p = s.serializeDataParts(v);
    out.push(["serializeDataParts", Buffer.isBuffer(p) ? p : Buffer.concat(p as readonly Buffer[])]);
  }
  if (s.serializeDataFramed) {
    // a small scratch, so that the encodings outgrow it at different points
    const scratch = { buf: Buffer.alloc(FRAME_ROOM + 64), room: FRAME_ROOM, end: FRAME_ROOM };
    const parts = s.serializeDataFramed(v, undefined, scratch);
    out.push(["serializeDataFramed", parts ? Buffer.concat(parts) : Buffer.from(scratch.buf.subarray(FRAME_ROOM, scratch.end))]);
  }
  return out;
}

test("pickle, marshal, msgpack: values ending on the encoders' buffer boundaries are read back by Python, every entry point", () => {
  const vs = values();
  const cases: Array<{ ser: string; how: string; value: unknown; call: boolean }> = [];
  const lines: string[] = [];
  for (const ser of SERIALIZERS) {
    for (const v of vs) {
      for (const [how, bytes] of encodings(ser, v)) {
        cases.push({ ser, how, value: v, call: how === "serializeCall" });
        lines.push(`${ser} ${bytes.toString("base64")}`);
      }
    }
  }
  const got = runPython(["decode_lines.py"], { input: lines.join("\n") + "\n", timeoutMs: 120_000 }).trim().split("\n");
  assert.equal(got.length, cases.length);
  const wrong: string[] = [];
  got.forEach((line, i) => {
    const c = cases[i]!;
    const want = c.call ? ["obj", "m", [c.value], { k: c.value }] : c.value;
    const back: unknown = JSON.parse(line);
    try {
      assert.deepEqual(back, want);
    } catch {
      if (wrong.length < 5) wrong.push(`${c.ser} ${c.how} (${typeof c.value === "string" ? `str of ${c.value.length}` : `list of ${(c.value as unknown[]).length}`}): ${line.slice(0, 120)}`);
      else wrong.push("");
    }
  });
  assert.deepEqual(wrong, [], `${wrong.length} of ${cases.length} encodings differ in Python`);
  assert.ok(cases.length > 3000, `${cases.length} encodings checked`);
});
