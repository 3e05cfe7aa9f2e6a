// Publishing of `pyro4:frame:send` / `pyro4:frame:receive`: the transports call these only after checking the
// channel's hasSubscribers, so parsing a header back out of bytes happens only for someone who listens.

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

/** Header fields and annotations of a frame's leading bytes (header + annotation chunks). */
export function parseHead(head: Buffer): { type: number; flags: number; seq: number; dataSize: number; serializerId: number; annotations: Annotations | null } {
  const type = head.readUInt16BE(6);
  const flags = head.readUInt16BE(8);
  const seq = head.readUInt16BE(10);
  const dataSize = head.readUInt32BE(12);
  const serializerId = head.readUInt16BE(16);
  const annLen = head.readUInt16BE(18);
  let annotations: Annotations | null = null;
  let off = HEADER_SIZE;
  const end = Math.min(HEADER_SIZE + annLen, head.length);
  while (off + 6 <= end) {
    const key = head.toString("latin1", off, off + 4);
    const len = head.readUInt16BE(off + 4);
    (annotations ??= new Map()).set(key, Buffer.from(head.subarray(off + 6, off + 6 + len)));
    off += 6 + len;
  }
  return { type, flags, seq, dataSize, serializerId, annotations };
}

function annotationInfo(annotations: Annotations | null): [string[], number[], number] {
  const keys: string[] = [];
  const sizes: number[] = [];
  let total = 0;
  if (annotations)
    for (const [k, v] of annotations) {
      keys.push(k);
      sizes.push(v.length);
      total += 6 + v.length;
    }
  return [keys, sizes, total];
}

/** Publish a frame about to be written: `head` and `body` as encodeMessage returned them. */
export function publishSend(side: Side, connectionId: number, head: Buffer, body: Payload): void {
  const parts: Buffer[] = Buffer.isBuffer(body) ? [body] : [...(body as readonly Buffer[])];
  const h = parseHead(head);
  const [annotationKeys, annotationSizes, annBytes] = annotationInfo(h.annotations);
  const headLen = HEADER_SIZE + annBytes;
  // a small message comes whole in `head`, with an empty body
  const data = head.length > headLen ? head.subarray(headLen) : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const msg: FrameMessage = {
    side,
    connectionId,
    type: h.type,
    typeName: messageTypeName(h.type),
    flags: h.flags,
    seq: h.seq,
    serializerId: h.serializerId,
    annotationKeys,
    annotationSizes,
    annotations: h.annotations,
    dataSize: h.dataSize,
    size: headLen + h.dataSize,
    data,
    bytes: () => Buffer.concat([head, ...parts]),
  };
  frameSend.publish(msg);
}

/** Publish a frame the reader completed (its payload is already decompressed). */
export function publishReceive(side: Side, connectionId: number, m: Message): void {
  const [annotationKeys, annotationSizes, annBytes] = annotationInfo(m.annotations);
  const msg: FrameMessage = {
    side,
    connectionId,
    type: m.type,
    typeName: messageTypeName(m.type),
    flags: m.flags,
    seq: m.seq,
    serializerId: m.serializerId,
    annotationKeys,
    annotationSizes,
    annotations: m.annotations,
    dataSize: m.data.length,
    size: HEADER_SIZE + annBytes + m.data.length,
    data: m.data,
    bytes: () =>
      encodeMessageBuffer(m.type, m.serializerId, m.seq, m.data, { flags: m.flags & ~FLAGS_COMPRESSED, annotations: m.annotations }),
  };
  frameReceive.publish(msg);
}
