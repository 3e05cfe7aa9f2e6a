// The daemon sends serpent and json replies as text that encodeFrame writes straight into the message buffer
// (Serializer.serializeDataText) instead of a payload Buffer copied into it. These tests pin that the bytes on the
// wire do not change: the frame of the text equals the frame of serializeData's bytes (whole, large, compressed,
// HMAC-signed, Pyro5), and those payloads are the bytes Python Pyro4's own serializers make for the same values.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { encodeFrame, MSG_RESULT, PYRO4, PYRO5, type Annotations, type Frame } from "../../src/protocol/message.js";
import { serpent } from "../../src/serializers/serpent.js";
import { json } from "../../src/serializers/json.js";
import { getPyro5Serializer } from "../../src/serializers/pyro5.js";
import type { Serializer } from "../../src/serializers/types.js";
import { runPython } from "../helpers/python.js";

const CORR: Annotations = new Map([["CORR", Buffer.from("00112233445566778899aabbccddeeff", "hex")]]);
const TWO: Annotations = new Map([["CORR", CORR.get("CORR")!], ["XTRA", Buffer.from("xy")]]);

/** Values Python's serializers can write too (so each has a Python-made golden), and the Python literal of each. */
const VALUES: [unknown, string][] = [
  [null, "None"],
  [42, "42"],
  ["héllo 😀 \u0000 '\"\\", "'héllo \\U0001f600 \\x00 \\'\"\\\\'"],
  [[1, "two", { k: [true, false] }], "[1, 'two', {'k': [True, False]}]"],
  ["x".repeat(20_000), "'x' * 20000"], // above the single-write size: not written in place
  ["é".repeat(9_000), "'é' * 9000"], // under 16k characters, over 16 KB as UTF-8
];

function frame(payload: Buffer | string, s: Serializer, ann: Annotations | null, compress: boolean, hmac: Buffer | null, wire = PYRO4): Buffer {
  const f: Frame = { head: Buffer.alloc(0), body: Buffer.alloc(0) };
  encodeFrame(f, MSG_RESULT, s.id, 7, payload, 0, ann, hmac, compress, 0, true, wire);
  return Buffer.concat([f.head, ...(Buffer.isBuffer(f.body) ? [f.body] : f.body)]);
}

test("a text reply's frame is byte for byte the frame of serializeData's bytes", () => {
  const more: unknown[] = ["lone \ud800 surrogate", { big: Buffer.alloc(40_000, 7) }]; // serpent: big bytes come as a Buffer
  for (const s of [serpent, json]) {
    for (const v of [...VALUES.map(([x]) => x), ...more]) {
      const text = s.serializeDataText!(v);
      const bytes = s.serializeData(v);
      assert.deepEqual(Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8"), bytes, `${s.name} text of ${String(v).slice(0, 30)}`);
      for (const ann of [null, CORR, TWO])
        for (const compress of [false, true])
          for (const hmac of [null, Buffer.from("secret")])
            assert.deepEqual(frame(text, s, ann, compress, hmac), frame(bytes, s, ann, compress, hmac), `${s.name} ${ann?.size ?? 0} ${compress} ${!!hmac}`);
    }
  }
  for (const name of ["serpent", "json"] as const) {
    const s = getPyro5Serializer(name);
    for (const [v] of VALUES) assert.deepEqual(frame(s.serializeDataText!(v), s, CORR, false, null, PYRO5), frame(s.serializeData(v), s, CORR, false, null, PYRO5));
  }
});

test("the text replies are the bytes Python Pyro4's serpent and json serializers write", () => {
  const script = `import sys, Pyro4.util
ser = {"serpent": Pyro4.util.SerpentSerializer(), "json": Pyro4.util.JsonSerializer()}
for line in sys.stdin.read().splitlines():
    name, literal = line.split(" ", 1)
    print(ser[name].serializeData(eval(literal))[0].hex())
`;
  const cases = (["serpent", "json"] as const).flatMap((n) => VALUES.map(([v, py]) => [n, v, py] as const));
  const hex = runPython(["-c", script], { input: cases.map(([n, , py]) => `${n} ${py}`).join("\n") }).trim().split("\n");
  assert.equal(hex.length, cases.length);
  cases.forEach(([n, v], i) => {
    const s = n === "serpent" ? serpent : json;
    const f = frame(s.serializeDataText!(v), s, CORR, false, null);
    // the payload follows the 24-byte header and the CORR chunk (6 + 16 bytes)
    assert.equal(f.subarray(24 + 22).toString("hex"), hex[i], `${n} ${String(v).slice(0, 30)}`);
  });
});
