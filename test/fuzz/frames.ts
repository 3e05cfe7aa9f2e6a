// Frame generators and mutators for the daemon fuzz suite: valid Pyro4 messages in every serializer, then
// byte-level mutations (flips, splices, truncation) and structure-aware ones (valid header + mutated payload,
// wrong serializer ids, flipped flags, bad annotations, lying lengths, bogus compression, deep nesting).
// A seeded PRNG makes every run reproducible (FUZZ_SEED).
import { deflateSync } from "node:zlib";
import {
  FLAGS_BATCH, FLAGS_COMPRESSED, FLAGS_META_ON_CONNECT, FLAGS_ONEWAY, HEADER_SIZE, MSG_CONNECT, MSG_INVOKE, MSG_PING,
  PING_SERIALIZER_ID, PROTOCOL_VERSION, headerChecksum,
} from "../../src/protocol/message.js";
import { getSerializer, type Serializer } from "../../src/serializers/index.js";
import { Complex, tuple } from "../../src/serializers/values.js";

export const SERIALIZERS: Serializer[] = ["serpent", "json", "marshal", "msgpack"].map((n) => getSerializer(n));
export const OBJECT_ID = "fuzz";

/** xorshift128+ style PRNG (fast, seedable, good enough for fuzzing). */
export class Rng {
  private a: number;
  private b: number;
  constructor(seed: number) {
    this.a = (seed ^ 0x9e3779b9) >>> 0 || 1;
    this.b = (Math.imul(seed, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0 || 2;
  }
  u32(): number {
    let s1 = this.a;
    const s0 = this.b;
    this.a = s0;
    s1 ^= s1 << 23;
    s1 ^= s1 >>> 17;
    s1 ^= s0 ^ (s0 >>> 26);
    this.b = s1 >>> 0;
    return (this.a + this.b) >>> 0;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

export interface FrameFields {
  type: number;
  flags: number;
  seq: number;
  serializerId: number;
  /** Raw annotation chunk bytes (already encoded). */
  ann: Buffer;
  data: Buffer;
  /** Lies written into the header (checksum still made to match them). */
  dataLenField?: number;
  annLenField?: number;
  version?: number;
  badChecksum?: boolean;
}

/** A frame from fields; the checksum matches whatever lengths are written unless badChecksum. */
export function buildFrame(f: FrameFields): Buffer {
  const dataLen = f.dataLenField ?? f.data.length;
  const annLen = f.annLenField ?? f.ann.length;
  const h = Buffer.allocUnsafe(HEADER_SIZE);
  h.write("PYRO", 0, "latin1");
  h.writeUInt16BE(f.version ?? PROTOCOL_VERSION, 4);
  h.writeUInt16BE(f.type & 0xffff, 6);
  h.writeUInt16BE(f.flags & 0xffff, 8);
  h.writeUInt16BE(f.seq & 0xffff, 10);
  h.writeInt32BE(dataLen | 0, 12);
  h.writeUInt16BE(f.serializerId & 0xffff, 16);
  h.writeUInt16BE(annLen & 0xffff, 18);
  h.writeUInt16BE(0, 20);
  let ck = headerChecksum(f.type & 0xffff, f.flags & 0xffff, f.seq & 0xffff, dataLen | 0, f.serializerId & 0xffff, annLen & 0xffff);
  if (f.badChecksum) ck = (ck + 1) & 0xffff;
  h.writeUInt16BE(ck, 22);
  return Buffer.concat([h, f.ann, f.data]);
}

export function annChunk(key: string, value: Buffer, lenField = value.length): Buffer {
  const b = Buffer.allocUnsafe(6 + value.length);
  b.write(key.padEnd(4, "_").slice(0, 4), 0, "latin1");
  b.writeUInt16BE(lenField & 0xffff, 4);
  value.copy(b, 6);
  return b;
}

/** A random value in the project's value model (what a client may legitimately send). */
export function randomValue(rng: Rng, depth = 0): unknown {
  const k = rng.int(depth > 3 ? 9 : 14);
  switch (k) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.int(2000) - 1000;
    case 3: return rng.pick([0.5, -1.25, 1e300, -0, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, -(2 ** 31), 2 ** 63]);
    case 4: return rng.pick(["", "x", "héllo", "日本", "\u0000", "'\"\\", "a".repeat(rng.int(300))]);
    case 5: return BigInt(rng.u32()) * 1000000007n * 1000000007n * (rng.chance(0.5) ? -1n : 1n);
    case 6: return rng.bytes(rng.int(40));
    case 7: return rng.pick([NaN, Infinity, -Infinity, 1e-320]);
    case 8: return new Complex(rng.int(10), -rng.int(10));
    case 9: return Array.from({ length: rng.int(5) }, () => randomValue(rng, depth + 1));
    case 10: return tuple(...Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1)));
    case 11: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) o[rng.pick(["a", "b", "__class__", "__proto__", "constructor", "data", "encoding", String(i)])] = randomValue(rng, depth + 1);
      return o;
    }
    case 12: return new Set(Array.from({ length: rng.int(4) }, () => rng.int(100)));
    default: return new Map<unknown, unknown>([[rng.int(9), randomValue(rng, depth + 1)], [tuple<unknown>(1, "k"), 2]]);
  }
}

/** Serialize, or fall back to a plain value when the format cannot carry it (json and Complex, etc). */
function ser(s: Serializer, f: () => Buffer, fallback: () => Buffer): Buffer {
  try {
    return f();
  } catch {
    return fallback();
  }
}

const METHODS = ["echo", "add", "gen", "fail", "value", "nothing", "_private", "__getattr__", "__setattr__", "<batch>"];

/** A valid (well-formed) frame of some kind. `connect` forces a CONNECT message. */
export function validFrame(rng: Rng, s: Serializer, seq: number, connect = false): FrameFields {
  if (connect || rng.chance(0.08)) {
    const object = rng.chance(0.9) ? OBJECT_ID : "nope";
    const hs = rng.chance(0.8) ? "hello" : randomValue(rng);
    const data = ser(s, () => s.serializeData({ handshake: hs, object }), () => s.serializeData({ handshake: "hello", object }));
    return { type: MSG_CONNECT, flags: rng.chance(0.5) ? FLAGS_META_ON_CONNECT : 0, seq, serializerId: s.id, ann: Buffer.alloc(0), data };
  }
  if (rng.chance(0.07)) return { type: MSG_PING, flags: 0, seq, serializerId: PING_SERIALIZER_ID, ann: Buffer.alloc(0), data: Buffer.from("ping") };
  const method = rng.pick(METHODS);
  let flags = 0;
  let data: Buffer;
  const plain = () => s.serializeCall(OBJECT_ID, "echo", [1, "two", [3]], {});
  if (method === "<batch>") {
    flags = FLAGS_BATCH;
    const calls = Array.from({ length: 1 + rng.int(4) }, () => tuple<unknown>(rng.pick(METHODS), [randomValue(rng)], {}));
    data = ser(s, () => s.serializeCall(OBJECT_ID, method, calls, null), plain);
  } else if (method === "__getattr__" || method === "__setattr__") {
    const args = method === "__getattr__" ? ["value"] : ["value", randomValue(rng)];
    data = ser(s, () => s.serializeCall(OBJECT_ID, method, args, null), plain);
  } else {
    const args = method === "add" ? [rng.int(100), rng.int(100)] : method === "gen" ? [rng.int(4)] : [randomValue(rng)];
    data = ser(s, () => s.serializeCall(OBJECT_ID, method, args, rng.chance(0.2) ? { b: randomValue(rng) } : {}), plain);
  }
  if (rng.chance(0.1)) flags |= FLAGS_ONEWAY;
  let ann: Buffer = Buffer.alloc(0);
  if (rng.chance(0.2)) ann = annChunk("CORR", rng.bytes(16));
  if (rng.chance(0.05) && data.length > 200) {
    data = deflateSync(data);
    flags |= FLAGS_COMPRESSED;
  }
  return { type: MSG_INVOKE, flags, seq, serializerId: s.id, ann, data };
}

/** Deeply nested payloads, hand-encoded per format (the encoders themselves refuse to build them). */
export function deepPayload(s: Serializer, depth: number): Buffer {
  switch (s.name) {
    case "serpent":
      return Buffer.from("# serpent utf-8 python3.2\n" + "[".repeat(depth) + "]".repeat(depth));
    case "json":
      return Buffer.from("[".repeat(depth) + "]".repeat(depth));
    case "marshal": {
      const b = Buffer.alloc(depth * 5 + 1);
      for (let i = 0; i < depth; i++) {
        b[i * 5] = 0x5b; // '[' list
        b.writeUInt32LE(1, i * 5 + 1);
      }
      b[depth * 5] = 0x4e; // None
      return b;
    }
    default: {
      const b = Buffer.alloc(depth + 1, 0x91); // fixarray of 1
      b[depth] = 0xc0;
      return b;
    }
  }
}

const TOKENS = ["(", ")", "[", "]", "{", "}", "'", '"', "\\", ",", ":", "1e999", "-", "None", "True", "\u0000", "\uffff", "\\x", "\\u12", "0x", "9".repeat(400), "((((((((((", "{'__class__':'float','value':'nan'}", "{'data':'!!','encoding':'base64'}", "b'", "set()", "1j"];
const BYTES_OF_INTEREST = [0x00, 0xff, 0x7f, 0x80, 0xc1, 0xd9, 0xdb, 0xdd, 0xdf, 0xc7, 0xc9, 0x5b, 0x7b, 0x28, 0x29, 0x73, 0x75, 0x69, 0x6c, 0x3c, 0xe9, 0x3e];

export function mutateBytes(rng: Rng, b: Buffer): Buffer {
  if (b.length === 0) return rng.bytes(1 + rng.int(8));
  const out = Buffer.from(b);
  switch (rng.int(7)) {
    case 0: // bit flips
      for (let i = 1 + rng.int(4); i > 0; i--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return out;
    case 1: // interesting bytes
      for (let i = 1 + rng.int(3); i > 0; i--) out[rng.int(out.length)] = rng.pick(BYTES_OF_INTEREST);
      return out;
    case 2: // truncate
      return out.subarray(0, rng.int(out.length));
    case 3: { // insert random bytes
      const at = rng.int(out.length + 1);
      return Buffer.concat([out.subarray(0, at), rng.bytes(1 + rng.int(16)), out.subarray(at)]);
    }
    case 4: { // duplicate a range
      const a = rng.int(out.length);
      const e = a + rng.int(Math.min(64, out.length - a) + 1);
      return Buffer.concat([out.subarray(0, e), out.subarray(a, e), out.subarray(e)]);
    }
    case 5: { // textual token splice
      const at = rng.int(out.length + 1);
      const cut = rng.int(4);
      return Buffer.concat([out.subarray(0, at), Buffer.from(rng.pick(TOKENS), "utf8"), out.subarray(Math.min(out.length, at + cut))]);
    }
    default: { // set a 32-bit word to an extreme (lengths inside marshal/msgpack)
      if (out.length < 4) return out;
      const at = rng.int(out.length - 3);
      out.writeUInt32LE(rng.pick([0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0]), at);
      return out;
    }
  }
}

/** 4 MB of zeros in ~4 KB: beyond the fuzz daemon's 1 MB limit once inflated. */
const ZIP_BOMB = deflateSync(Buffer.alloc(4 << 20));

export type MutationKind =
  | "bytes" | "payload" | "serializer" | "flags" | "type" | "lyingLength" | "annotations" | "compression" | "deep" | "foreignPayload" | "header"
  | "empty";

/** One mutated frame derived from a valid one. Returns the bytes and which mutation it was. */
export function mutatedFrame(rng: Rng, s: Serializer, seq: number): { frame: Buffer; kind: MutationKind } {
  const f = validFrame(rng, s, seq);
  const k = rng.int(100);
  if (k < 14) return { frame: mutateBytes(rng, buildFrame(f)), kind: "bytes" };
  if (k < 44) return { frame: buildFrame({ ...f, data: mutateBytes(rng, f.flags & FLAGS_COMPRESSED ? f.data : f.data) }), kind: "payload" };
  if (k < 51) return { frame: buildFrame({ ...f, serializerId: rng.pick([0, 4, 5, 7, 42, 99, 0xffff, ...SERIALIZERS.map((x) => x.id)]) }), kind: "serializer" };
  if (k < 58) return { frame: buildFrame({ ...f, flags: rng.chance(0.5) ? f.flags ^ (1 << rng.int(16)) : rng.u32() & 0xffff }), kind: "flags" };
  if (k < 62) return { frame: buildFrame({ ...f, type: rng.pick([0, 2, 3, 5, 7, 0xffff, rng.u32() & 0xffff]) }), kind: "type" };
  if (k < 69) {
    const lie = rng.int(4);
    if (lie === 0) return { frame: buildFrame({ ...f, dataLenField: f.data.length + 1 + rng.int(100) }), kind: "lyingLength" };
    if (lie === 1) return { frame: buildFrame({ ...f, dataLenField: Math.max(0, f.data.length - 1 - rng.int(f.data.length + 1)) }), kind: "lyingLength" };
    if (lie === 2) return { frame: buildFrame({ ...f, dataLenField: rng.pick([-1, -0x80000000, 0x7fffffff, 1 << 30]) }), kind: "lyingLength" };
    return { frame: buildFrame({ ...f, annLenField: f.ann.length + 1 + rng.int(2000) }), kind: "lyingLength" };
  }
  if (k < 78) {
    let ann: Buffer;
    switch (rng.int(6)) {
      case 0: ann = annChunk("CORR", rng.bytes(rng.int(40))); break; // wrong CORR length
      case 1: ann = annChunk("HMAC", rng.bytes(20)); break; // HMAC on a daemon without a key
      case 2: ann = Buffer.concat([annChunk("ABCD", rng.bytes(4), 5000)]); break; // chunk length beyond annotations
      case 3: ann = rng.bytes(1 + rng.int(5)); break; // truncated chunk header
      case 4: ann = Buffer.concat(Array.from({ length: 2000 }, (_, i) => annChunk(String(i % 10000).padStart(4, "0"), Buffer.alloc(0)))); break; // many chunks
      default: ann = annChunk(rng.bytes(4).toString("latin1"), rng.bytes(rng.int(3000))); break; // binary key, big value
    }
    return { frame: buildFrame({ ...f, ann }), kind: "annotations" };
  }
  if (k < 84) {
    let data: Buffer;
    switch (rng.int(4)) {
      case 0: data = f.data; break; // flag set, data not compressed
      case 1: data = mutateBytes(rng, deflateSync(f.data)); break;
      case 2: data = ZIP_BOMB; break; // zip bomb: 4 MB beyond the fuzz daemon's limit
      default: data = deflateSync(mutateBytes(rng, f.data)); break;
    }
    return { frame: buildFrame({ ...f, flags: f.flags | FLAGS_COMPRESSED, data }), kind: "compression" };
  }
  if (k < 88) {
    const depth = rng.pick([600, 5_000, 100_000]);
    return { frame: buildFrame({ ...f, type: rng.chance(0.3) ? MSG_CONNECT : MSG_INVOKE, data: deepPayload(s, depth) }), kind: "deep" };
  }
  if (k < 94) {
    // a valid payload of another format under this serializer id, or random bytes
    const other = rng.pick(SERIALIZERS);
    const g = validFrame(rng, other, seq);
    return { frame: buildFrame({ ...f, data: rng.chance(0.8) ? g.data : rng.bytes(rng.int(200)) }), kind: "foreignPayload" };
  }
  if (k < 97) {
    return {
      frame: buildFrame({ ...f, version: rng.pick([0, 46, 47, 49, 502, PROTOCOL_VERSION]), badChecksum: rng.chance(0.5) }),
      kind: "header",
    };
  }
  // zero-length messages (a bare 24-byte header: no annotations, no data) of any type, sometimes several
  const bare = () => buildFrame({ ...f, type: rng.pick([MSG_PING, MSG_PING, MSG_INVOKE, MSG_CONNECT, 5, 0xffff]), ann: Buffer.alloc(0), data: Buffer.alloc(0) });
  return { frame: rng.chance(0.5) ? bare() : Buffer.concat([bare(), bare(), bare()]), kind: "empty" };
}

/** The CONNECT a connection starts with (valid, so the mutated frames after it reach request handling). */
export function connectFrame(s: Serializer, meta = true): Buffer {
  return buildFrame({
    type: MSG_CONNECT, flags: meta ? FLAGS_META_ON_CONNECT : 0, seq: 0, serializerId: s.id, ann: Buffer.alloc(0),
    data: s.serializeData({ handshake: "hello", object: OBJECT_ID }),
  });
}

export function invokeFrame(s: Serializer, seq: number, method: string, args: unknown[], flags = 0): Buffer {
  return buildFrame({ type: MSG_INVOKE, flags, seq, serializerId: s.id, ann: Buffer.alloc(0), data: s.serializeCall(OBJECT_ID, method, args, {}) });
}
