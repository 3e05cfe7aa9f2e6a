// Publishing of `pyro4:frame:send` / `pyro4:frame:receive`: the transports call these only after checking the
// channel's hasSubscribers; the payload objects then work out annotations, payload and bytes only when a
// subscriber reads them.

import {
  FLAGS_COMPRESSED,
  HEADER_SIZE,
  encodeMessageBuffer,
  type Annotations,
  type Message,
  type Payload,
} from "../protocol/message.js";
import { frameReceive, frameSend, type FrameMessage, type Side } from "./channels.js";

const TYPE_NAMES = ["?", "CONNECT", "CONNECTOK", "CONNECTFAIL", "INVOKE", "RESULT", "PING"];
export function messageTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE${type}`;
}

const FLAG_NAMES = ["EXCEPTION", "COMPRESSED", "ONEWAY", "BATCH", "META_ON_CONNECT", "ITEMSTREAMRESULT", "KEEPSERIALIZED"];
/** "ONEWAY|BATCH" style names of message flags ("0" for none). */
export function flagNames(flags: number): string {
  const out: string[] = [];
  for (let i = 0; i < FLAG_NAMES.length; i++) if (flags & (1 << i)) out.push(FLAG_NAMES[i]!);
  const unknown = flags & ~((1 << FLAG_NAMES.length) - 1);
  if (unknown) out.push(`0x${unknown.toString(16)}`);
  return out.length ? out.join("|") : "0";
}

/** The annotations of a frame's leading bytes (header + `annLen` bytes of annotation chunks), copied out. */
function parseAnnotations(head: Buffer, annLen: number): Annotations | null {
  let annotations: Annotations | null = null;
  let off = HEADER_SIZE;
  const end = Math.min(HEADER_SIZE + annLen, head.length);
  while (off + 6 <= end) {
    const key = head.toString("latin1", off, off + 4);
    const len = head.readUInt16BE(off + 4);
    (annotations ??= new Map()).set(key, Buffer.from(head.subarray(off + 6, off + 6 + len)));
    off += 6 + len;
  }
  return annotations;
}

function keysOf(a: Annotations | null): string[] {
  return a ? [...a.keys()] : [];
}
function sizesOf(a: Annotations | null): number[] {
  const out: number[] = [];
  if (a) for (const v of a.values()) out.push(v.length);
  return out;
}

/**
 * A frame about to be written, read back from the bytes encodeMessage made. Header fields are read at once;
 * annotations, payload and the whole frame only when a subscriber asks for them.
 */
class SentFrame implements FrameMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly serializerId: number;
  readonly dataSize: number;
  readonly size: number;
  private readonly annLen: number;
  private parsed: Annotations | null | undefined = undefined;
  constructor(
    readonly side: Side,
    readonly connectionId: number,
    private readonly head: Buffer,
    private readonly body: Payload,
  ) {
    this.type = (head[6]! << 8) | head[7]!;
    this.flags = (head[8]! << 8) | head[9]!;
    this.seq = (head[10]! << 8) | head[11]!;
    this.dataSize = head.readUInt32BE(12);
    this.serializerId = (head[16]! << 8) | head[17]!;
    this.annLen = (head[18]! << 8) | head[19]!;
    this.size = HEADER_SIZE + this.annLen + this.dataSize;
  }
  get typeName(): string {
    return messageTypeName(this.type);
  }
  get annotations(): Annotations | null {
    if (this.parsed === undefined) this.parsed = this.annLen ? parseAnnotations(this.head, this.annLen) : null;
    return this.parsed;
  }
  get annotationKeys(): string[] {
    return keysOf(this.annotations);
  }
  get annotationSizes(): number[] {
    return sizesOf(this.annotations);
  }
  get data(): Buffer {
    const headLen = HEADER_SIZE + this.annLen;
    // a small message comes whole in `head`, with an empty body
    if (this.head.length > headLen) return this.head.subarray(headLen);
    const b = this.body;
    return Buffer.isBuffer(b) ? b : (b as readonly Buffer[]).length === 1 ? (b as readonly Buffer[])[0]! : Buffer.concat(b as readonly Buffer[]);
  }
  bytes(): Buffer {
    const b = this.body;
    return Buffer.concat([this.head, ...(Buffer.isBuffer(b) ? [b] : (b as readonly Buffer[]))]);
  }
}

/** A frame the reader completed: its Message, with the derived fields computed when asked for. */
class ReceivedFrame implements FrameMessage {
  constructor(
    readonly side: Side,
    readonly connectionId: number,
    private readonly m: Message,
  ) {}
  get type(): number {
    return this.m.type;
  }
  get typeName(): string {
    return messageTypeName(this.m.type);
  }
  get flags(): number {
    return this.m.flags;
  }
  get seq(): number {
    return this.m.seq;
  }
  get serializerId(): number {
    return this.m.serializerId;
  }
  get annotations(): Annotations | null {
    return this.m.annotations;
  }
  get annotationKeys(): string[] {
    return keysOf(this.m.annotations);
  }
  get annotationSizes(): number[] {
    return sizesOf(this.m.annotations);
  }
  get dataSize(): number {
    return this.m.data.length;
  }
  get size(): number {
    let n = HEADER_SIZE + this.m.data.length;
    const a = this.m.annotations;
    if (a) for (const v of a.values()) n += 6 + v.length;
    return n;
  }
  get data(): Buffer {
    return this.m.data;
  }
  bytes(): Buffer {
    const m = this.m;
    return encodeMessageBuffer(m.type, m.serializerId, m.seq, m.data, { flags: m.flags & ~FLAGS_COMPRESSED, annotations: m.annotations });
  }
}

/** Publish a frame about to be written: `head` and `body` as encodeMessage returned them. */
export function publishSend(side: Side, connectionId: number, head: Buffer, body: Payload): void {
  frameSend.publish(new SentFrame(side, connectionId, head, body));
}

/** Publish a frame the reader completed (its payload is already decompressed). */
export function publishReceive(side: Side, connectionId: number, m: Message): void {
  frameReceive.publish(new ReceivedFrame(side, connectionId, m));
}
