// A scripted conversation with a daemon in raw frames, observed at the byte level: for each request, the reply's
// message type, wire flags (the protocol's own numbering, not the reader's), sequence number, serializer id,
// correlation id (the request's, a new one, or none) and annotation keys, its decoded result or exception, and
// whether the daemon closed the connection after it. Run against Python's daemon and ours, the observations of the
// same script must be equal (test/interop/pyro5-replies.test.ts, pyro5-rules.test.ts).
import { connect, type Socket } from "node:net";
import { encodeMessage, type Annotations } from "../../src/protocol/message.js";
import type { WireFormat } from "../../src/protocol/wire.js";
import type { PyroProfile } from "../../src/profiles/index.js";

export interface Step {
  name: string;
  type: number;
  /** Serializer id of the request (this protocol's numbering). */
  serializerId: number;
  data: Buffer;
  /** Internal (Pyro4-numbered) flags, as encodeMessage takes them. */
  flags?: number;
  /** 16 bytes; null = the request carries no correlation id. */
  corr?: Buffer | null;
  /** Annotations besides CORR (e.g. a SerializedBlob call's BLBI). */
  annotations?: [string, Buffer][];
  /** Whether an answer is expected (false for oneway calls: the step then checks that none comes). */
  reply?: boolean;
}

export interface Observed {
  name: string;
  reply: {
    type: number;
    flags: number;
    seq: number;
    serializerId: number;
    /** "request": the request's id came back; "new": one the daemon made; "none": no correlation id. */
    corr: "request" | "new" | "none";
    annotations: string[];
    /** The decoded payload: a value as JSON, or "ExceptionClass: message". */
    result: string;
  } | null;
  /** The daemon closed the connection after this step. */
  closed: boolean;
}

interface Frame {
  type: number;
  flags: number;
  seq: number;
  serializerId: number;
  corr: Buffer | null;
  annotations: Map<string, Buffer>;
  data: Buffer;
}

/** Split complete frames off `buf` (protocol 48 or 502), returning them and the rest. */
function frames(buf: Buffer, wire: WireFormat): [Frame[], Buffer] {
  const out: Frame[] = [];
  let at = 0;
  const p5 = wire.version === 502;
  for (;;) {
    if (buf.length - at < wire.headerSize) break;
    const h = buf.subarray(at);
    const type = p5 ? h[6]! : h.readUInt16BE(6);
    const serializerId = p5 ? h[7]! : h.readUInt16BE(16);
    const flags = h.readUInt16BE(8);
    const seq = h.readUInt16BE(10);
    const dataLen = h.readUInt32BE(12);
    const annLen = p5 ? h.readUInt32BE(16) : h.readUInt16BE(18);
    const total = wire.headerSize + annLen + dataLen;
    if (buf.length - at < total) break;
    const annotations = new Map<string, Buffer>();
    let a = wire.headerSize;
    while (a < wire.headerSize + annLen) {
      const key = h.toString("ascii", a, a + 4);
      const len = p5 ? h.readUInt32BE(a + 4) : h.readUInt16BE(a + 4);
      a += p5 ? 8 : 6;
      annotations.set(key, Buffer.from(h.subarray(a, a + len)));
      a += len;
    }
    let corr: Buffer | null = null;
    if (p5) {
      if (flags & 64) corr = Buffer.from(h.subarray(20, 36));
    } else corr = annotations.get("CORR") ?? null;
    annotations.delete("CORR");
    out.push({ type, flags, seq, serializerId, corr, annotations, data: Buffer.from(h.subarray(wire.headerSize + annLen, total)) });
    at += total;
  }
  return [out, buf.subarray(at)];
}

function describe(v: unknown): string {
  if (v instanceof Error) {
    const name = (v as { pythonName?: string }).pythonName ?? v.constructor.name;
    return `${name}: ${v.message}`;
  }
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Set ? [...x].sort() : x)) ?? String(v);
}

/** Run `steps` on one connection to 127.0.0.1:`port`. A step after the daemon closed the connection is not sent. */
export async function converse(port: number, profile: PyroProfile, steps: readonly Step[], replyMs = 5000): Promise<Observed[]> {
  const wire = profile.wire;
  const sock: Socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  sock.on("error", () => {});
  let pending: Buffer = Buffer.alloc(0);
  const queue: Frame[] = [];
  let closed = false;
  let wake: (() => void) | null = null;
  sock.on("data", (d) => {
    pending = Buffer.concat([pending, d]);
    const [got, rest] = frames(pending, wire);
    pending = rest;
    queue.push(...got);
    wake?.();
  });
  sock.on("close", () => {
    closed = true;
    wake?.();
  });
  const waitFor = (ms: number, until: () => boolean) =>
    new Promise<void>((resolve) => {
      if (until()) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = () => {
        if (until()) done();
      };
    });
  const observed: Observed[] = [];
  let seq = 0;
  try {
    for (const step of steps) {
      if (closed) break;
      seq = (seq + 1) & 0xffff;
      const pairs: [string, Buffer][] = [...(step.corr ? [["CORR", step.corr] as [string, Buffer]] : []), ...(step.annotations ?? [])];
      const ann: Annotations | null = pairs.length ? new Map(pairs) : null;
      const [head, body] = encodeMessage(step.type, step.serializerId, seq, step.data, { flags: step.flags ?? 0, annotations: ann, wire });
      sock.write(Buffer.concat([head, body]));
      const expect = step.reply !== false;
      await waitFor(expect ? replyMs : 300, () => queue.length > 0 || closed);
      const f = queue.shift() ?? null;
      let reply: Observed["reply"] = null;
      if (f) {
        let result: string;
        try {
          result = f.type === 2 ? "CONNECTOK" : describe(profile.serializer(f.serializerId).deserializeData(f.data));
        } catch (e) {
          result = `undecodable: ${(e as Error).message}`;
        }
        reply = {
          type: f.type,
          flags: f.flags,
          seq: f.seq,
          serializerId: f.serializerId,
          corr: f.corr === null ? "none" : step.corr && f.corr.equals(step.corr) ? "request" : f.corr.equals(Buffer.alloc(16)) ? "none" : "new",
          annotations: [...f.annotations.keys()].sort(),
          result,
        };
      }
      // a connection the daemon drops goes away right after the reply
      await waitFor(250, () => closed);
      observed.push({ name: step.name, reply, closed });
    }
  } finally {
    sock.destroy();
  }
  return observed;
}
