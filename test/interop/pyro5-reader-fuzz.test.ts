// Fuzzing the protocol 502 reader with Python Pyro5 as the strict oracle: 3000 mutated frames (seeded) built from
// valid Pyro5 frames (bit flips, byte changes, truncation, extension, length-field edits, bad annotation chunks).
// Python's ReceivingMessage judges each frame; our reader, fed the whole frame, must agree: accept with the same
// fields, or refuse. Our reader may refuse more than Pyro5 in one documented case (sizes beyond 2 GB).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageReader } from "../../src/protocol/reader.js";
import { encodeMessageBuffer, PYRO5, FLAGS_ITEMSTREAMRESULT, FLAGS_KEEPSERIALIZED, FLAGS_META_ON_CONNECT, MSG_CONNECT, MSG_CONNECTOK, type Message } from "../../src/protocol/message.js";
import { runPython } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";

const N = 3000;
let seed = 0x5eed502;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const ri = (n: number) => Math.floor(rnd() * n);

function base(): Buffer {
  const ann = new Map<string, Buffer>();
  const nAnn = ri(3);
  for (let i = 0; i < nAnn; i++) ann.set(["XTRA", "ABCD", "STRM", "BLBI"][i]!, Buffer.from("v".repeat(ri(20))));
  if (ri(2)) ann.set("CORR", Buffer.alloc(16, ri(256)));
  const data = Buffer.from(Array.from({ length: ri(60) }, () => ri(256)));
  return encodeMessageBuffer(1 + ri(6), 1 + ri(4), ri(65536), data, { flags: ri(16), annotations: ann.size ? ann : null, wire: PYRO5 });
}

function mutate(f: Buffer): Buffer {
  const b = Buffer.from(f);
  switch (ri(7)) {
    case 0: { const i = ri(b.length); b[i]! ^= 1 << ri(8); return b; }
    case 1: { b[ri(b.length)] = ri(256); return b; }
    case 2: return b.subarray(0, ri(b.length));
    case 3: return Buffer.concat([b, Buffer.from([ri(256), ri(256)])]);
    case 4: { b.writeUInt32BE(Math.max(0, b.readUInt32BE(12) + ri(9) - 4), 12); return b; } // data length
    case 5: { b.writeUInt32BE(Math.max(0, b.readUInt32BE(16) + ri(9) - 4), 16); return b; } // annotations length
    default: { // a chunk length inside the annotations, when there are any
      const annLen = b.readUInt32BE(16);
      if (annLen >= 8 && b.length >= 48) b.writeUInt32BE(ri(annLen + 4), 44);
      else b[ri(b.length)] = ri(256);
      return b;
    }
  }
}

/** Our reader's verdict on one whole frame. */
function ours(frame: Buffer): { ok: Message } | { error: string } | { incomplete: true } {
  const r = new MessageReader({ wire: PYRO5 });
  try {
    const msgs = r.push(frame);
    if (msgs.length === 1 && r.pending === 0) return { ok: msgs[0]! };
    return { incomplete: true }; // no message yet, or bytes beyond one message: Pyro5 calls both a length mismatch
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Pyro5's wire flags from our internal ones (the reader renumbers them). */
function wireFlags(m: Message, hasCorr: boolean): number {
  let f = m.flags & 0x0f;
  if (m.flags & FLAGS_ITEMSTREAMRESULT) f |= 16;
  if (m.flags & FLAGS_KEEPSERIALIZED) f |= 32;
  if (hasCorr) f |= 64;
  f |= m.flags & ~0x7f & 0xffff;
  if (m.type !== MSG_CONNECT && m.type !== MSG_CONNECTOK && m.flags & FLAGS_META_ON_CONNECT) f |= 16; // not reached
  return f;
}

test(`502 reader agrees with Python Pyro5 on ${N} mutated frames`, () => {
  const frames: Buffer[] = [];
  for (let i = 0; i < N; i++) frames.push(i % 10 === 0 ? base() : mutate(base()));
  const oracle = runPython(["pyro5_reader_oracle.py"], { env: PYRO5_ENV, input: frames.map((f) => f.toString("hex")).join("\n") + "\n" })
    .trim().split("\n").map((l) => JSON.parse(l) as { ok?: { type: number; flags: number; seq: number; ser: number; data: string; ann: Record<string, string> }; error?: string });
  assert.equal(oracle.length, N);
  const disagreements: string[] = [];
  let accepted = 0;
  for (let i = 0; i < N; i++) {
    const py = oracle[i]!;
    const js = ours(frames[i]!);
    const hex = frames[i]!.toString("hex");
    if (py.ok) {
      accepted++;
      if (!("ok" in js)) {
        disagreements.push(`#${i} Pyro5 accepts, we say ${JSON.stringify(js)}: ${hex}`);
        continue;
      }
      const m = js.ok;
      const corr = frames[i]!.readUInt16BE(8) & 64 ? true : false;
      const ann: Record<string, string> = {};
      for (const [k, v] of m.annotations ?? []) if (!(corr && k === "CORR" && !(k in py.ok.ann))) ann[k] = v.toString("hex");
      const got = { type: m.type, flags: wireFlags(m, corr), seq: m.seq, ser: m.serializerId, data: m.data.toString("hex"), ann };
      try {
        assert.deepEqual(got, py.ok);
      } catch {
        disagreements.push(`#${i} fields differ: ours ${JSON.stringify(got)} Pyro5 ${JSON.stringify(py.ok)}`);
      }
    } else if ("ok" in js) {
      disagreements.push(`#${i} Pyro5 refuses (${py.error}), we accept: ${hex}`);
    }
  }
  assert.ok(accepted > N / 20 && accepted < N, `accepted ${accepted}`);
  assert.deepEqual(disagreements.slice(0, 10), []);
});
