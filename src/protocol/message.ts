// Pyro4 wire protocol 48 message codec: the 24-byte header, annotation chunks, HMAC-SHA1 signing and
// zlib compression. Encoding returns [header+annotations, payload] so large payloads are never copied;
// decoding of a byte stream lives in reader.ts.

// the module binding, not the global: Node 20 defines globalThis.Buffer as a getter, which optimized code
// cannot inline (a LoadGlobalIC call and the getter on every use, ~170 instructions each)
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import { deflateSync } from "node:zlib";
import { MessageTooLargeError, ProtocolError } from "../errors.js";
import { PYRO4, headerChecksum as checksum48, type WireFormat } from "./wire.js";

export { PYRO4, PYRO5, wireFormat, type WireFormat } from "./wire.js";

/** Pyro4's wire protocol version. */
export const PROTOCOL_VERSION = 48;
/** Size in bytes of a Pyro4 message header. */
export const HEADER_SIZE = 24;
/** Added into every Pyro4 header checksum. */
export const CHECKSUM_MAGIC = 0x34e9;

/** Message type: a client's connect request (with a handshake). */
export const MSG_CONNECT = 1;
/** Message type: the daemon accepted the connection. */
export const MSG_CONNECTOK = 2;
/** Message type: the daemon refused the connection. */
export const MSG_CONNECTFAIL = 3;
/** Message type: a method call. */
export const MSG_INVOKE = 4;
/** Message type: a call's result (or exception, with FLAGS_EXCEPTION). */
export const MSG_RESULT = 5;
/** Message type: a ping, answered with an empty result. */
export const MSG_PING = 6;

/** Flag: the result is an exception. */
export const FLAGS_EXCEPTION = 1 << 0;
/** Flag: the payload is zlib-compressed. */
export const FLAGS_COMPRESSED = 1 << 1;
/** Flag: a oneway call, no result is sent back. */
export const FLAGS_ONEWAY = 1 << 2;
/** Flag: a batch of calls in one message. */
export const FLAGS_BATCH = 1 << 3;
/** Flag: the client asks for the object's metadata in the connect reply. */
export const FLAGS_META_ON_CONNECT = 1 << 4;
/** Flag: the result is a remote iterator's id (item streaming). */
export const FLAGS_ITEMSTREAMRESULT = 1 << 5;
/** Flag: the daemon passes the call's arguments on still serialized (SerializedBlob). */
export const FLAGS_KEEPSERIALIZED = 1 << 6;

/** Object id of the DaemonObject every daemon serves. */
export const DAEMON_NAME = "Pyro.Daemon";

/** Serializer id Pyro4 puts in PING messages (nothing is serialized). */
export const PING_SERIALIZER_ID = 42;
/** Pyro4 compresses only payloads at least this large, and only when that makes them smaller. */
export const COMPRESSION_THRESHOLD = 200;

/** A message's annotations: four-letter keys to raw bytes. */
export type Annotations = Map<string, Buffer>;

/** A received (or about to be sent) message. `data` is already decompressed on receipt. */
export interface Message {
  type: number;
  flags: number;
  seq: number;
  serializerId: number;
  /** null when the message carries none (the common case: no allocation). */
  annotations: Annotations | null;
  data: Buffer;
}

/** Optional parts of an encoded message: flags, annotations, HMAC key, compression and a size limit. */
export interface EncodeOptions {
  flags?: number;
  annotations?: Annotations | null;
  hmacKey?: Uint8Array | null;
  /** zlib-compress the payload by Pyro4's rule (size >= 200 and smaller result). */
  compress?: boolean;
  /** 0 = unlimited, else refuse to build a larger message (Pyro4 checks this on send too). */
  maxMessageSize?: number;
  /**
   * Build a message of up to SINGLE_WRITE_MAX bytes as one buffer (returned first, with an empty second): one
   * allocation and one write() instead of a header buffer, then a copy of both into a third for writing.
   */
  whole?: boolean;
  /** The protocol to frame for: Pyro4's 48 (default) or Pyro5's 502. */
  wire?: WireFormat;
}

/** HMAC-SHA1 over payload, then the values of the other annotations in ascending key order. */
export function computeHmac(key: Uint8Array, data: Uint8Array | readonly Uint8Array[], annotations: Annotations | null): Buffer {
  const mac = createHmac("sha1", key);
  if (data instanceof Uint8Array) mac.update(data);
  else for (const part of data) mac.update(part);
  if (annotations && annotations.size) {
    const keys = [...annotations.keys()].filter((k) => k !== "HMAC").sort();
    for (const k of keys) mac.update(annotations.get(k)!);
  }
  return mac.digest();
}

/** Compares two HMAC digests in constant time (different lengths are unequal). */
export function hmacEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The checksum of a Pyro4 header from its fields. */
export const headerChecksum = checksum48;

/**
 * Build a message: the header with its annotation chunks, then the payload as given (one buffer or parts, not
 * copied); with `whole`, a small message comes as one buffer and an empty payload. Send it with `writeMessage`,
 * or join it with `encodeMessageBuffer`.
 */
export function encodeMessage(type: number, serializerId: number, seq: number, payload: Buffer, options?: EncodeOptions): [Buffer, Buffer];
export function encodeMessage(type: number, serializerId: number, seq: number, payload: Payload, options?: EncodeOptions): [Buffer, Payload];
export function encodeMessage(
  type: number,
  serializerId: number,
  seq: number,
  payload: Payload,
  options: EncodeOptions = {},
): [Buffer, Payload] {
  const f: Frame = { head: EMPTY, body: EMPTY };
  encodeFrame(
    f, type, serializerId, seq, payload, options.flags ?? 0, options.annotations ?? null, options.hmacKey ?? null,
    options.compress === true, options.maxMessageSize ?? 0, options.whole === true, options.wire ?? PYRO4,
  );
  return [f.head, f.body];
}

/** Where `encodeFrame` puts an encoded message: `encodeMessage`'s pair, in an object the caller reuses. */
export interface Frame {
  head: Buffer;
  body: Payload;
}

/**
 * `encodeMessage` with positional options, into `out` (a caller's reused Frame): the per-call paths of the daemon
 * and the proxy send every message through here, with no options object and no result array per message. The
 * payload may also be text (a text serializer's output, Serializer.serializeDataText): it is sent as UTF-8, written
 * straight into a whole message's buffer.
 */
export function encodeFrame(
  out: Frame,
  type: number,
  serializerId: number,
  seq: number,
  payload: Payload | string,
  flags: number,
  annotations: Annotations | null,
  hmacKey: Uint8Array | null,
  compress: boolean,
  maxMessageSize: number,
  whole: boolean,
  wire: WireFormat,
): void {
  let data: Buffer;
  let parts: readonly Buffer[] | null = null;
  let text: string | null = null;
  if (typeof payload === "string") {
    // text goes into the message buffer as it is encoded, when nothing needs its bytes first and it fits one write
    if (compress || (hmacKey && hmacKey.length) || payload.length > SINGLE_WRITE_MAX || !whole) payload = Buffer.from(payload, "utf8");
    else text = payload;
  }
  if (text !== null) data = EMPTY; // only its length is used below, through dataLen
  else if (Buffer.isBuffer(payload)) data = payload;
  else if (compress) data = Buffer.concat(payload as readonly Buffer[]);
  else {
    parts = payload as readonly Buffer[];
    data = EMPTY; // only its length is used below, through dataLen
  }
  if (compress && data.length >= COMPRESSION_THRESHOLD && !(flags & FLAGS_EXCEPTION)) {
    const z = deflateSync(data);
    if (z.length < data.length) {
      data = z;
      flags |= FLAGS_COMPRESSED;
    }
  }
  const dataLen = text !== null ? Buffer.byteLength(text, "utf8") : parts === null ? data.length : partsLength(parts);
  if (hmacKey && hmacKey.length) {
    if (!wire.hmac) throw new ProtocolError(`${wire.name} (protocol ${wire.version}) has no HMAC signing: use TLS instead`);
    annotations = new Map(annotations ?? []);
    annotations.delete("HMAC");
    annotations.set("HMAC", computeHmac(hmacKey, parts ?? data, annotations));
  }
  const corr = headerCorr(annotations, wire);
  const annLen = annotationsLength(annotations, corr, wire, dataLen, maxMessageSize);
  const headLen = wire.headerSize + annLen;
  whole = whole && parts === null && headLen + dataLen <= SINGLE_WRITE_MAX;
  if (text !== null && !whole) {
    data = Buffer.from(text, "utf8");
    text = null;
  }
  const head = Buffer.allocUnsafe(whole ? headLen + dataLen : headLen);
  putHead(head, type, flags, seq, dataLen, serializerId, annotations, corr, annLen, wire);
  out.head = head;
  if (whole) {
    if (text === null) head.set(data, headLen);
    else if (head.write(text, headLen, "utf8") !== dataLen) throw new ProtocolError("internal error: text payload changed size while encoding");
    out.body = EMPTY;
  } else out.body = parts ?? data;
}

/**
 * `encodeFrame` of the payload `buf[start, end)` written after room for the header (Serializer.serializeDataFramed):
 * the message is built around it, `out.head` a view of `buf` from the header on, of any size, nothing copied. Returns
 * false, doing nothing, where the payload's bytes are needed first (compression of a payload it applies to, HMAC) or
 * the header and annotations do not fit in front of it: then frame `buf.subarray(start, end)` with encodeFrame.
 */
export function encodeFrameAround(
  out: Frame,
  type: number,
  serializerId: number,
  seq: number,
  buf: Buffer,
  start: number,
  end: number,
  flags: number,
  annotations: Annotations | null,
  hmacKey: Uint8Array | null,
  compress: boolean,
  maxMessageSize: number,
  wire: WireFormat,
): boolean {
  const dataLen = end - start;
  if ((compress && dataLen >= COMPRESSION_THRESHOLD && !(flags & FLAGS_EXCEPTION)) || (hmacKey && hmacKey.length)) return false;
  const corr = headerCorr(annotations, wire);
  const annLen = annotationsLength(annotations, corr, wire, dataLen, maxMessageSize);
  const headLen = wire.headerSize + annLen;
  if (headLen > start) return false;
  const head = buf.subarray(start - headLen, end);
  putHead(head, type, flags, seq, dataLen, serializerId, annotations, corr, annLen, wire);
  out.head = head;
  out.body = EMPTY;
  return true;
}

/**
 * The correlation id a message header carries itself (Pyro5: a 16-byte CORR annotation goes in the header, not in a
 * chunk), else null. annotationsLength leaves it out of the chunks and putHead writes it into the header.
 */
function headerCorr(annotations: Annotations | null, wire: WireFormat): Buffer | null {
  if (!wire.corrInHeader || annotations === null) return null;
  const c = annotations.get("CORR");
  return c !== undefined && c.length === 16 ? c : null;
}

/**
 * The length of the annotation chunks of a message, checked against the protocol's and the caller's limits; `corr`
 * (headerCorr: the id the header carries) is not counted.
 */
function annotationsLength(annotations: Annotations | null, corr: Buffer | null, wire: WireFormat, dataLen: number, maxMessageSize: number): number {
  let annLen = 0;
  // the daemon's every reply has exactly one annotation, CORR: read without iterating the Map
  const onlyCorr = annotations !== null && annotations.size === 1 ? annotations.get("CORR") : undefined;
  if (onlyCorr !== undefined) {
    if (onlyCorr !== corr) annLen = wire.chunkHeaderSize + onlyCorr.length;
  } else if (annotations) {
    const chunkHead = wire.chunkHeaderSize;
    for (const [k, v] of annotations) {
      if (k.length !== 4) throw new ProtocolError("annotation key must be of length 4");
      if (!isAscii4(k)) throw new ProtocolError(`annotation key must be ASCII (Pyro4 reads keys as ASCII): ${JSON.stringify(k)}`);
      if (!(corr !== null && k === "CORR" && v === corr)) annLen += chunkHead + v.length;
    }
  }
  if (annLen > wire.maxAnnotations) throw new ProtocolError(`annotations too large (${annLen} bytes, max ${wire.maxAnnotations})`);
  if (dataLen > 0x7fffffff) throw new ProtocolError("invalid message size (outside range 0..2Gb)");
  if (maxMessageSize > 0 && dataLen + annLen > maxMessageSize)
    throw new MessageTooLargeError(`max message size exceeded (${dataLen + annLen} where max=${maxMessageSize})`, { size: dataLen + annLen, max: maxMessageSize });
  return annLen;
}

/** The header (carrying `corr`, see headerCorr) and the annotation chunks (`annLen` bytes) at the start of `head`. */
function putHead(
  head: Buffer, type: number, flags: number, seq: number, dataLen: number, serializerId: number, annotations: Annotations | null, corr: Buffer | null,
  annLen: number, wire: WireFormat,
): void {
  wire.encodeHeader(head, type, flags, seq & 0xffff, dataLen, serializerId, annLen, corr);
  if (annotations && annLen) {
    const wide = wire.chunkHeaderSize === 8;
    const headerSize = wire.headerSize;
    const onlyCorr = annotations.size === 1 ? annotations.get("CORR") : undefined;
    if (onlyCorr !== undefined) putChunk(head, headerSize, "CORR", onlyCorr, wide);
    else {
      let off = headerSize;
      for (const [k, v] of annotations) {
        if (corr !== null && k === "CORR" && v === corr) continue;
        off = putChunk(head, off, k, v, wide);
      }
    }
  }
}

/**
 * A message payload: one buffer, or parts to send one after the other (a serializer hands big bytes values over
 * by reference instead of copying them into one buffer).
 */
export type Payload = Buffer | readonly Buffer[];

/** Write one annotation chunk (a 4-character ASCII key, checked by the caller) at `off`; returns where it ends. */
function putChunk(head: Buffer, off: number, k: string, v: Buffer, wide: boolean): number {
  // byte stores: the key is 4 ASCII characters, too short for a native write to pay off
  head[off] = k.charCodeAt(0);
  head[off + 1] = k.charCodeAt(1);
  head[off + 2] = k.charCodeAt(2);
  head[off + 3] = k.charCodeAt(3);
  if (wide) {
    head.writeUInt32BE(v.length, off + 4);
    off += 8;
  } else {
    head[off + 4] = v.length >>> 8;
    head[off + 5] = v.length & 0xff;
    off += 6;
  }
  head.set(v, off);
  return off + v.length;
}

/** A 4-character key in ASCII, as Pyro4 encodes and decodes annotation keys. */
function isAscii4(k: string): boolean {
  return (k.charCodeAt(0) | k.charCodeAt(1) | k.charCodeAt(2) | k.charCodeAt(3)) < 128;
}

function partsLength(parts: readonly Buffer[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

const EMPTY = Buffer.alloc(0);

/** What `writeMessage` needs of a socket (net.Socket and tls.TLSSocket both fit). */
export interface FrameSink {
  write(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  cork(): void;
  uncork(): void;
}

/**
 * Up to this size `encodeMessage({ whole: true })` builds a message in one buffer for a single write(): Node's
 * cork/writev path (buffered-chunk arrays, a writev request) costs more per call than copying a small payload.
 */
export const SINGLE_WRITE_MAX = 16 * 1024;

/**
 * Send a message built by `encodeMessage` (small ones come whole from it, with `whole: true`): one write for a
 * whole message, else header and payload parts in one corked writev. `cb` runs once all of it has been handed
 * to the kernel.
 */
export function writeMessage(sink: FrameSink, head: Buffer, body: Payload, cb?: (err?: Error | null) => void): void {
  if (Buffer.isBuffer(body) && body.length === 0) {
    sink.write(head, cb);
    return;
  }
  const parts: readonly Buffer[] = Buffer.isBuffer(body) ? [body] : (body as readonly Buffer[]);
  sink.cork();
  sink.write(head);
  for (let i = 0; i < parts.length; i++) sink.write(parts[i]!, i === parts.length - 1 ? cb : undefined);
  sink.uncork();
}

/** The whole message in one buffer (tests, UDP, small control messages). */
export function encodeMessageBuffer(type: number, serializerId: number, seq: number, data: Payload, options?: EncodeOptions): Buffer {
  const [h, d] = encodeMessage(type, serializerId, seq, data, options);
  return Buffer.concat([h, ...(Buffer.isBuffer(d) ? [d] : (d as readonly Buffer[]))]);
}

/** 16 raw bytes of a UUID string, as Pyro4's CORR annotation carries it. */
export function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ""), "hex");
}
/** The canonical text form of a 16-byte UUID (a Pyro5 correlation id on the wire). */
export function bytesToUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
