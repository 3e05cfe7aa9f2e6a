// The framing differences between Pyro4's wire protocol 48 and Pyro5's protocol 502, named in one place. The
// reader and encodeMessage are shared; they take a WireFormat and ask it for header size, annotation chunk
// layout and the header itself. Inside the library messages always use Pyro4's flag numbering and carry a
// correlation id as a "CORR" annotation; the Pyro5 format translates both at the wire (its flags are renumbered
// and its correlation id lives in the header), so client, daemon and context code need no per-protocol branches.

// the module binding, not the global: Node 20 defines globalThis.Buffer as a getter, which optimized code
// cannot inline (a LoadGlobalIC call and the getter on every use, ~170 instructions each)
import { Buffer } from "node:buffer";
import { ProtocolError } from "../errors.js";
import { PYRO4_VALUES, PYRO5_VALUES, type ValueDialect } from "../serializers/dialect.js";

// Internal flag numbering (= Pyro4's). Duplicated from message.ts to keep this module free of import cycles.
const F_EXCEPTION = 1 << 0;
const F_COMPRESSED = 1 << 1;
const F_ONEWAY = 1 << 2;
const F_BATCH = 1 << 3;
const F_META_ON_CONNECT = 1 << 4;
const F_ITEMSTREAMRESULT = 1 << 5;
const F_KEEPSERIALIZED = 1 << 6;

const MSG_CONNECT = 1;
const MSG_CONNECTOK = 2;

/** Annotation length/data length as the header states them (the reader keeps one of these, not one per message). */
export interface HeaderLengths {
  annLen: number;
  dataLen: number;
}

/** A decoded header: message.ts's Message (declared here too, so this module imports nothing of the codec). */
interface Message {
  type: number;
  flags: number;
  seq: number;
  serializerId: number;
  annotations: Map<string, Buffer> | null;
  data: Buffer;
}

/** One protocol's header layout: Pyro4 (protocol 48) or Pyro5 (protocol 502). */
export interface WireFormat {
  readonly name: "Pyro4" | "Pyro5";
  /** The protocol version in every header: 48 or 502. */
  readonly version: number;
  readonly headerSize: number;
  /** Bytes before each annotation chunk's data: 4-letter key + length (u16 for 48, u32 for 502). */
  readonly chunkHeaderSize: number;
  /** Largest total annotation size the header can state. */
  readonly maxAnnotations: number;
  /** Whether the protocol has HMAC signing (Pyro5 removed it: use TLS). */
  readonly hmac: boolean;
  /** Parse and validate a complete header at `at` (magic, version, checksum/magic number); flags come back internal. */
  decodeHeader(h: Buffer, at: number, lens: HeaderLengths): Message;
  /** Write the header into head[0..headerSize); `corr` is a 16-byte correlation id or null. Flags are internal. */
  encodeHeader(head: Buffer, type: number, flags: number, seq: number, dataLen: number, serializerId: number, annLen: number, corr: Uint8Array | null): void;
  /** Whether a "CORR" annotation travels in the header instead of as a chunk. */
  readonly corrInHeader: boolean;
  /** Serializer ids and class names of the values this protocol carries. */
  readonly values: ValueDialect;
}

/** Pyro4's header checksum. */
export function headerChecksum(type: number, flags: number, seq: number, dataLen: number, serializerId: number, annLen: number): number {
  return (type + 48 + dataLen + annLen + serializerId + flags + seq + 0x34e9) & 0xffff;
}

function u16(b: Buffer, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
function u32(b: Buffer, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}
function put16(b: Buffer, i: number, v: number): void {
  b[i] = (v >>> 8) & 0xff;
  b[i + 1] = v & 0xff;
}
function put32(b: Buffer, i: number, v: number): void {
  b[i] = (v >>> 24) & 0xff;
  b[i + 1] = (v >>> 16) & 0xff;
  b[i + 2] = (v >>> 8) & 0xff;
  b[i + 3] = v & 0xff;
}

const PYRO_MAGIC = 0x5059524f; // "PYRO"
const EMPTY_BUF = Buffer.alloc(0);

/** Who speaks a protocol version, for error messages. */
function speaker(version: number): string {
  return version === 48 ? ", that is Pyro4" : version >= 500 && version < 600 ? ", that is Pyro5" : "";
}

/**
 * The error for a peer whose first 6 bytes are not "PYRO" + our version: it names both versions, so a Pyro4
 * peer reaching a Pyro5 endpoint (or the reverse) reads at once what is wrong.
 */
export function preambleError(magic: number, version: number, ours: WireFormat): ProtocolError {
  const hint =
    magic === PYRO_MAGIC
      ? ` (peer speaks protocol ${version}${speaker(version)}; we speak ${ours.version}${ours.version === 48 ? "" : speaker(ours.version)})`
      : " (not a Pyro message)";
  return new ProtocolError("invalid data or unsupported protocol version" + hint);
}

/** Check the first 6 bytes of a header (magic and version): the reader does this before the header is complete. */
export function checkPreamble(h: Buffer, at: number, wire: WireFormat): void {
  const magic = u32(h, at);
  const version = u16(h, at + 4);
  if (magic !== PYRO_MAGIC || version !== wire.version) throw preambleError(magic, version, wire);
}

/** Pyro4's wire format (protocol 48). */
export const PYRO4: WireFormat = {
  name: "Pyro4",
  version: 48,
  headerSize: 24,
  chunkHeaderSize: 6,
  maxAnnotations: 0xffff,
  hmac: true,
  corrInHeader: false,
  values: PYRO4_VALUES,
  decodeHeader(h, at, lens) {
    checkPreamble(h, at, PYRO4);
    const type = u16(h, at + 6);
    const flags = u16(h, at + 8);
    const seq = u16(h, at + 10);
    const dataLen = u32(h, at + 12) | 0; // signed, as Pyro4 packs it
    const serializerId = u16(h, at + 16);
    const annLen = u16(h, at + 18);
    const checksum = u16(h, at + 22);
    if (checksum !== headerChecksum(type, flags, seq, dataLen, serializerId, annLen)) throw new ProtocolError("header checksum mismatch");
    if (dataLen < 0) throw new ProtocolError(`invalid data length in header: ${dataLen}`);
    lens.annLen = annLen;
    lens.dataLen = dataLen;
    return { type, flags, seq, serializerId, annotations: null, data: EMPTY_BUF };
  },
  encodeHeader(head, type, flags, seq, dataLen, serializerId, annLen) {
    // byte stores: the Buffer write helpers cost more than the header itself
    const sum = headerChecksum(type, flags, seq, dataLen, serializerId, annLen);
    put32(head, 0, PYRO_MAGIC);
    put16(head, 4, 48);
    put16(head, 6, type);
    put16(head, 8, flags);
    put16(head, 10, seq);
    put32(head, 12, dataLen);
    put16(head, 16, serializerId);
    put16(head, 18, annLen);
    head[20] = 0;
    head[21] = 0;
    put16(head, 22, sum);
  },
};

// Pyro5's flag bits (Pyro5/protocol.py). They differ from Pyro4's from bit 4 on, and Pyro5 has no
// META_ON_CONNECT: its CONNECT always asks for, and its CONNECTOK always carries, the object's metadata.
const P5_ITEMSTREAMRESULT = 1 << 4;
const P5_KEEPSERIALIZED = 1 << 5;
const P5_CORR_ID = 1 << 6;
const P5_MAGIC = 0x4dc5;
const LOW = F_EXCEPTION | F_COMPRESSED | F_ONEWAY | F_BATCH;

/** Pyro5 wire flags -> internal (Pyro4-numbered) flags; bits neither protocol defines pass through. */
function flagsIn5(w: number, type: number): number {
  let f = w & (LOW | ~0x7f);
  if (w & P5_ITEMSTREAMRESULT) f |= F_ITEMSTREAMRESULT;
  if (w & P5_KEEPSERIALIZED) f |= F_KEEPSERIALIZED;
  if (type === MSG_CONNECT || type === MSG_CONNECTOK) f |= F_META_ON_CONNECT;
  return f & 0xffff;
}
function flagsOut5(f: number): number {
  let w = f & (LOW | ~0x7f);
  if (f & F_ITEMSTREAMRESULT) w |= P5_ITEMSTREAMRESULT;
  if (f & F_KEEPSERIALIZED) w |= P5_KEEPSERIALIZED;
  return w & 0xffff;
}

/** Pyro5's wire format (protocol 502). */
export const PYRO5: WireFormat = {
  name: "Pyro5",
  version: 502,
  headerSize: 40,
  chunkHeaderSize: 8,
  maxAnnotations: 0x7fffffff,
  hmac: false,
  corrInHeader: true,
  values: PYRO5_VALUES,
  decodeHeader(h, at, lens) {
    checkPreamble(h, at, PYRO5);
    const magic = u16(h, at + 38);
    if (magic !== P5_MAGIC) throw new ProtocolError(`invalid magic number in protocol 502 header: 0x${magic.toString(16)} (expected 0x4dc5)`);
    const type = h[at + 6]!;
    const serializerId = h[at + 7]!;
    const wireFlags = u16(h, at + 8);
    const seq = u16(h, at + 10);
    const dataLen = u32(h, at + 12);
    const annLen = u32(h, at + 16);
    if (dataLen > 0x7fffffff || annLen > 0x7fffffff || dataLen + annLen > 0x7fffffff)
      throw new ProtocolError(`invalid message size in header (data ${dataLen}, annotations ${annLen}; max 2Gb)`);
    lens.annLen = annLen;
    lens.dataLen = dataLen;
    const msg: Message = { type, flags: flagsIn5(wireFlags, type), seq, serializerId, annotations: null, data: EMPTY_BUF };
    if (wireFlags & P5_CORR_ID) msg.annotations = new Map([["CORR", Buffer.from(h.subarray(at + 20, at + 36))]]);
    return msg;
  },
  encodeHeader(head, type, flags, seq, dataLen, serializerId, annLen, corr) {
    let w = flagsOut5(flags);
    if (corr) w |= P5_CORR_ID;
    put32(head, 0, PYRO_MAGIC);
    put16(head, 4, 502);
    head[6] = type & 0xff;
    head[7] = serializerId & 0xff;
    put16(head, 8, w);
    put16(head, 10, seq);
    put32(head, 12, dataLen);
    put32(head, 16, annLen);
    if (corr) head.set(corr.subarray(0, 16), 20);
    else head.fill(0, 20, 36);
    put16(head, 36, 0);
    put16(head, 38, P5_MAGIC);
  },
};

/** The wire format of a protocol: 4 (Pyro4, protocol 48, the default) or 5 (Pyro5, protocol 502). */
export function wireFormat(protocol: 4 | 5 | undefined | null): WireFormat {
  if (protocol === 5) return PYRO5;
  if (protocol == null || protocol === 4) return PYRO4;
  throw new ProtocolError(`unknown Pyro protocol: ${String(protocol)} (use 4 for Pyro4 or 5 for Pyro5)`);
}
