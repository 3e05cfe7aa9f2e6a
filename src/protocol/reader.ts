// Incremental message reader: a state machine over socket chunks. It validates each header as soon as it is
// complete (magic, version, checksum, size limit) so a bad peer is refused before we buffer its payload, slices
// messages out of a single chunk without copying (or copies them out of a socket's reused read buffer), copies a
// large body into its final buffer chunk by chunk as it arrives (while the wire is still busy, not all at once at
// the end), and checks HMAC and decompresses with a size cap.

// the module binding, not the global: Node 20 defines globalThis.Buffer as a getter, which optimized code
// cannot inline (a LoadGlobalIC call and the getter on every use, ~170 instructions each)
import { Buffer } from "node:buffer";
import { inflateSync } from "node:zlib";
import { MessageTooLargeError, ProtocolError, SecurityError } from "../errors.js";
import { FLAGS_COMPRESSED, computeHmac, hmacEquals, type Annotations, type Message } from "./message.js";
import { PYRO4, checkPreamble, type HeaderLengths, type WireFormat } from "./wire.js";
import { inflateCap, limitsOf, type Limits } from "../limits.js";

/** Limits and checks of a MessageReader. */
export interface ReaderOptions {
  /**
   * The limits checked here: maxMessageSize (annotations + payload, as the header announces them, and the
   * decompressed size) and maxInflatedSize (the decompression cap). Default: DEFAULT_LIMITS.
   */
  limits?: Limits;
  /** Overrides limits.maxMessageSize (0 = unlimited, as Pyro4's MAX_MESSAGE_SIZE). */
  maxMessageSize?: number;
  hmacKey?: Uint8Array | null;
  /** The protocol to read: Pyro4's 48 (default) or Pyro5's 502. */
  wire?: WireFormat;
}

/** Protocol errors thrown by the reader carry the header they belong to when it was readable. */
export interface ErrorWithMessage extends Error {
  pyroMsg?: Message;
}

/**
 * Bodies at least this big are assembled in place: their buffer is allocated once part of them has arrived and
 * each later chunk is copied in as it comes. Joining a 10 MB body from 150 socket chunks in one go cost a third
 * of the client's time in a 10 MB echo, all of it after the last byte had arrived.
 */
const IN_PLACE_MIN = 256 * 1024;
/** ...but only once 1/IN_PLACE_SHARE of the body is here: a peer cannot make us reserve more than 8x what it sent. */
const IN_PLACE_SHARE = 8;

/**
 * Splits a byte stream into Pyro messages: push() the socket's chunks, get every complete message back, checked and
 * decompressed.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  /** Where the unread part of chunks[0] starts (an offset, not a new view per message). */
  private off = 0;
  private buffered = 0;
  private header: Message | null = null;
  private bodyLen = 0;
  private annLen = 0;
  /** The body being filled in place, and how much of it has arrived. */
  private body: Buffer | null = null;
  private filled = 0;
  /** The chunk being fed is the socket's reused read buffer: whatever outlives this push must be copied. */
  private transient = false;
  maxMessageSize: number;
  /** Largest decompressed payload (limits.maxInflatedSize, or maxMessageSize when smaller): zip bombs stop here. */
  readonly inflateCap: number;
  hmacKey: Uint8Array | null;
  readonly wire: WireFormat;
  private readonly headerSize: number;
  private readonly lens: HeaderLengths = { annLen: 0, dataLen: 0 };

  constructor(options: ReaderOptions = {}) {
    const limits = limitsOf(options);
    this.maxMessageSize = options.maxMessageSize ?? limits.maxMessageSize;
    this.inflateCap = inflateCap(limits, this.maxMessageSize);
    this.hmacKey = options.hmacKey ?? null;
    this.wire = options.wire ?? PYRO4;
    this.headerSize = this.wire.headerSize;
  }

  /** Bytes received but not yet part of a complete message (a parsed header counts: its message has started). */
  get pending(): number {
    return this.buffered + this.filled + (this.header ? this.headerSize : 0);
  }

  /**
   * Feed one chunk; returns the messages it completed (often one). Throws ProtocolError / SecurityError /
   * MessageTooLargeError on bad input; after a throw the stream is out of sync and the connection must be dropped.
   * Messages may share memory with the chunk, which the caller must not reuse.
   */
  push(chunk: Buffer): Message[] {
    return this.feed(chunk, false);
  }

  /**
   * `push` for a chunk that is only valid during this call (a socket's reused `onread` buffer): the messages and
   * any partial message kept for later are copies, so the caller may overwrite the chunk as soon as this returns.
   */
  pushTransient(chunk: Buffer, end = chunk.length): Message[] {
    return this.feed(chunk, true, end);
  }

  private feed(chunk: Buffer, transient: boolean, end = chunk.length): Message[] {
    if (this.failure) throw this.failure;
    let out: Message[] | null = null;
    this.transient = transient;
    try {
      if (transient && this.buffered === 0 && this.header === null && this.body === null) {
        // Nothing is pending (the usual case: a read holds whole replies). Messages complete in the read are
        // decoded from it in place, their annotation values and data copied out one by one: no copy of the whole
        // body and no views of it (a Buffer view costs a TypedArray and, through Buffer#subarray, its
        // ArrayBuffer lookup; several hundred instructions each).
        const hs = this.headerSize;
        const lens = this.lens;
        let pos = 0;
        while (end - pos >= hs) {
          this.parseHeader(chunk, pos);
          const bodyEnd = pos + hs + lens.annLen + lens.dataLen;
          if (bodyEnd > end) {
            pos += hs; // header parsed: the general path below continues with its body
            break;
          }
          const msg = this.finish(chunk, pos + hs, true);
          if (out === null) out = [msg]; // a literal: `[]` then push() grows a backing store for 17
          else out.push(msg);
          pos = bodyEnd;
        }
        if (pos === end) return out ?? EMPTY;
        chunk = chunk.subarray(pos, end);
      } else if (end !== chunk.length) chunk = chunk.subarray(0, end);
      if (this.body) {
        const body = this.body;
        const need = body.length - this.filled;
        if (chunk.length < need) {
          body.set(chunk, this.filled);
          this.filled += chunk.length;
          return EMPTY;
        }
        body.set(need === chunk.length ? chunk : chunk.subarray(0, need), this.filled);
        this.body = null;
        this.filled = 0;
        out = [this.finish(body, 0, false)];
        if (need === chunk.length) return out;
        chunk = chunk.subarray(need);
      }
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      for (;;) {
        if (!this.header) {
          const hs = this.headerSize;
          if (this.buffered < hs) {
            // magic and version are checked as soon as they are here: a peer speaking the other protocol version
            // (a Pyro4 client's shorter header) gets its error now, not after a wait for bytes that never come
            if (this.buffered >= 6) this.checkStart();
            break;
          }
          const first = this.chunks[0]!;
          if (first.length - this.off >= hs) {
            // read in place: no view, no copy
            this.parseHeader(first, this.off);
            this.skip(first, hs);
          } else this.parseHeader(this.take(hs), 0);
        }
        if (this.buffered < this.bodyLen) {
          // a transient chunk's share is copied either way: straight into the body buffer is the only copy
          if ((transient || this.bodyLen >= IN_PLACE_MIN) && this.buffered * IN_PLACE_SHARE >= this.bodyLen) {
            this.filled = this.buffered;
            this.body = this.take(this.buffered, this.bodyLen);
          }
          break;
        }
        const body = this.take(this.bodyLen);
        const msg = this.finish(body, 0, false);
        (out ??= []).push(msg);
      }
      if (transient && this.buffered) this.keepLeftover(chunk);
    } catch (e) {
      this.failure = e as ErrorWithMessage;
      // Good messages that arrived before the bad bytes are still delivered (Pyro4 answers them too);
      // the caller finds the error in `failure`, and the next push throws it.
      if (out) return out;
      throw e;
    } finally {
      this.transient = false;
    }
    return out ?? EMPTY;
  }

  /**
   * Where the next socket read may land directly (Node's `onread` buffer function): the unfilled rest of a body
   * being assembled in place, when at least `min` bytes of it are missing, so the kernel copies straight into the
   * message's own buffer; else null.
   */
  readTarget(min: number): Buffer | null {
    const body = this.body;
    return body && !this.failure && body.length - this.filled >= min ? body.subarray(this.filled) : null;
  }

  /** `n` bytes were read straight into the buffer `readTarget()` returned; returns the message they completed. */
  filledInPlace(n: number): Message[] {
    if (this.failure) throw this.failure;
    const body = this.body;
    if (!body || n > body.length - this.filled) throw new ProtocolError("internal error: read past the body being assembled");
    this.filled += n;
    if (this.filled < body.length) return EMPTY;
    this.body = null;
    this.filled = 0;
    try {
      return [this.finish(body, 0, false)];
    } catch (e) {
      this.failure = e as ErrorWithMessage;
      throw e;
    }
  }

  /** The unread rest of a transient chunk (always the last one buffered) becomes a copy of its own. */
  private keepLeftover(chunk: Buffer): void {
    const last = this.chunks.length - 1;
    if (this.chunks[last] !== chunk) return;
    const from = last === 0 ? this.off : 0;
    this.chunks[last] = Buffer.from(chunk.subarray(from));
    if (last === 0) this.off = 0;
  }

  /** The error that ended this stream, once bad input was seen (the stream cannot be resynchronised). */
  failure: ErrorWithMessage | null = null;

  /** Consume `n` bytes of `first` (= chunks[0], which holds at least that many unread bytes). */
  private skip(first: Buffer, n: number): void {
    this.buffered -= n;
    this.off += n;
    if (this.off === first.length) {
      this.chunks.shift();
      this.off = 0;
    }
  }

  /**
   * The next `n` buffered bytes: a view of the first chunk when it holds them all (and may be kept), else a copy;
   * with `size`, copied into the start of a new buffer of that size.
   */
  private take(n: number, size = n): Buffer {
    // a message without annotations and data (a bare PING) may end exactly where the buffered bytes do
    if (n === 0 && size === 0) return EMPTY_BUF;
    const first = this.chunks[0]!;
    const off = this.off;
    if (first.length - off >= n && size === n && !this.transient) {
      const result = off === 0 && n === first.length ? first : first.subarray(off, off + n);
      this.skip(first, n);
      return result;
    }
    const result = Buffer.allocUnsafe(size);
    let pos = 0;
    while (pos < n) {
      const c = this.chunks[0]!;
      const start = pos === 0 ? this.off : 0;
      const len = Math.min(c.length - start, n - pos);
      c.copy(result, pos, start, start + len);
      pos += len;
      if (start + len === c.length) {
        this.chunks.shift();
        this.off = 0;
      } else this.off = start + len;
    }
    this.buffered -= n;
    return result;
  }

  /** Validate the first 6 buffered bytes of a header that is not complete yet. */
  private checkStart(): void {
    const first = this.chunks[0]!;
    if (first.length - this.off >= 6) checkPreamble(first, this.off, this.wire);
    else {
      const six = Buffer.allocUnsafe(6);
      let pos = 0;
      for (let c = 0; pos < 6; c++) {
        const chunk = this.chunks[c]!;
        const start = c === 0 ? this.off : 0;
        const n = Math.min(chunk.length - start, 6 - pos);
        chunk.copy(six, pos, start, start + n);
        pos += n;
      }
      checkPreamble(six, 0, this.wire);
    }
  }

  private parseHeader(h: Buffer, at: number): void {
    const lens = this.lens;
    const msg = this.wire.decodeHeader(h, at, lens);
    const dataLen = lens.dataLen;
    const annLen = lens.annLen;
    if (this.maxMessageSize > 0 && dataLen + annLen > this.maxMessageSize) {
      const err: ErrorWithMessage = new MessageTooLargeError(
        `max message size exceeded (${dataLen + annLen} where max=${this.maxMessageSize})`,
        { size: dataLen + annLen, max: this.maxMessageSize },
      );
      err.pyroMsg = msg;
      throw err;
    }
    this.header = msg;
    this.annLen = annLen;
    this.bodyLen = annLen + dataLen;
  }

  /**
   * The message whose body starts at `at` in `body` (and runs to its end unless `copy`): annotations and data as
   * views of `body`, or with `copy` (a transient read) as copies of their own.
   */
  private finish(body: Buffer, at: number, copy: boolean): Message {
    const msg = this.header!;
    this.header = null;
    const annLen = this.annLen;
    const dataLen = this.bodyLen - annLen;
    if (annLen) {
      // msg.annotations may already hold what the header carried (Pyro5's correlation id)
      const ann: Annotations = msg.annotations ?? new Map();
      const ch = this.wire.chunkHeaderSize;
      let i = 0;
      while (i < annLen) {
        if (i + ch > annLen) throw this.fail(msg, new ProtocolError("invalid annotation chunk: truncated header"));
        const key = annotationKey(body, at + i);
        // Pyro4 and Pyro5 both decode keys as ASCII and drop the connection otherwise
        if (key === null) throw this.fail(msg, new ProtocolError("invalid annotation chunk: key is not ASCII"));
        const len = ch === 6 ? u16(body, at + i + 4) : u32(body, at + i + 4);
        if (i + ch + len > annLen) throw this.fail(msg, new ProtocolError(`invalid annotation chunk '${key}': length beyond annotations`));
        const from = at + i + ch;
        ann.set(key, copy ? copyOut(body, from, len) : body.subarray(from, from + len));
        i += ch + len;
      }
      msg.annotations = ann;
    }
    msg.data = copy ? copyOut(body, at + annLen, dataLen) : annLen ? body.subarray(annLen) : body;
    const mac = this.wire.hmac ? msg.annotations?.get("HMAC") : undefined;
    if (mac && this.hmacKey && this.hmacKey.length) {
      if (!hmacEquals(mac, computeHmac(this.hmacKey, msg.data, msg.annotations)))
        throw this.fail(msg, new SecurityError("message hmac mismatch"));
    } else if (!!mac !== !!(this.hmacKey && this.hmacKey.length)) {
      throw this.fail(msg, new SecurityError("hmac key config not symmetric"));
    }
    if (msg.flags & FLAGS_COMPRESSED) {
      const cap = this.inflateCap;
      try {
        msg.data = inflateSync(msg.data, { maxOutputLength: cap });
      } catch (e) {
        const tooBig = (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
        throw this.fail(
          msg,
          tooBig
            ? new MessageTooLargeError(`max message size exceeded (decompressed payload larger than ${cap})`)
            : new ProtocolError(`invalid compressed payload: ${(e as Error).message}`),
        );
      }
      msg.flags &= ~FLAGS_COMPRESSED;
    }
    return msg;
  }

  private fail(msg: Message, err: ErrorWithMessage): ErrorWithMessage {
    err.pyroMsg = msg;
    return err;
  }
}

function u16(b: Buffer, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
function u32(b: Buffer, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** Below this many bytes a copy is a byte loop: Buffer#copy of a range makes a view of the source first. */
const LOOP_COPY_MAX = 64;

/** `len` bytes of `src` from `start`, in a buffer of their own. */
function copyOut(src: Buffer, start: number, len: number): Buffer {
  if (len === 0) return EMPTY_BUF;
  const out = Buffer.allocUnsafe(len);
  if (len <= LOOP_COPY_MAX) for (let i = 0; i < len; i++) out[i] = src[start + i]!;
  else src.copy(out, 0, start, start + len);
  return out;
}

/** The 4-character key at `i` (null if not ASCII): the keys every message carries come as constants, others are decoded. */
function annotationKey(b: Buffer, i: number): string | null {
  const k = u32(b, i);
  if (k === 0x434f5252) return "CORR";
  if (k === 0x484d4143) return "HMAC";
  if (k & 0x80808080) return null;
  return b.toString("latin1", i, i + 4);
}

const EMPTY: Message[] = [];
const EMPTY_BUF = Buffer.alloc(0);
