// Pyro4's marshal serializer (id 3): Python's marshal format version 4 as CPython 3.11 reads and writes it
// (Python/marshal.c). Written by hand because early CONNECTFAIL replies are always marshal-encoded and because
// Python peers may pick marshal as their serializer.
//
// Differences from Python's Pyro4 MarshalSerializer, on purpose:
// - Encoding: any non-plain object anywhere in the value (not just at the top level, as Pyro4 does) is turned into
//   a dict via `options.replace` / `classToDict`. A Python Pyro4 peer only turns *top-level* class dicts back into
//   objects, so a URI nested in a list arrives there as a plain dict (Python itself cannot send that at all).
//   The marker types of Python's own types (UUID, datetimes, Decimal, ...) follow Pyro4 exactly instead: converted
//   or refused as the value itself, refused ("unmarshallable object") inside a container.
// - Decoding: dicts with a string `__class__` go through `dictToClass` at every nesting level (Python does the same
//   in recreate_classes). We never write FLAG_REF/'r' references; Python reads reference-free data fine.
// - Decoding is strict: trailing bytes after the object, Ellipsis, StopIteration and code objects are errors.

import { InvalidArgumentError, PyroError, SerializeError } from "../errors.js";
import { copyAscii } from "./ascii.js";
import { isPythonInt } from "../python/float.js";
import { limitsOf } from "../limits.js";
import { BY_REFERENCE_MIN, ZERO_COPY_MIN, finishParts, type Call, type DeserializeOptions, type FrameScratch, type SerializeOptions, type SerializedParts, type Serializer } from "./types.js";
import {
  Complex, Float, FrozenSet, Tuple, classToDict, newTuple, depthError, dictToClass, isPlainObject, parsePythonFloat, setKey, hashKey,
  cannotSerialize, pythonSerializeError, OrderedDict, UUID, PyDateTime, PyDate, PyTime, TimeDelta, Range, Decimal,
} from "./values.js";
import { isoformat } from "../python/datetime.js";
import { arrayAsList } from "./pickle-arrays.js";
import { BatchCalls, type BatchCall } from "./batch-calls.js";

const FLAG_REF = 0x80;
const T_NULL = 0x30; // '0'
const T_NONE = 0x4e; // 'N'
const T_FALSE = 0x46; // 'F'
const T_TRUE = 0x54; // 'T'
const T_INT = 0x69; // 'i'
const T_BINARY_FLOAT = 0x67; // 'g'
const T_BINARY_COMPLEX = 0x79; // 'y'
const T_LONG = 0x6c; // 'l'
const T_STRING = 0x73; // 's' (bytes)
const T_TUPLE = 0x28; // '('
const T_SMALL_TUPLE = 0x29; // ')'
const T_LIST = 0x5b; // '['
const T_DICT = 0x7b; // '{'
const T_UNICODE = 0x75; // 'u'
const T_SET = 0x3c; // '<'
const T_FROZENSET = 0x3e; // '>'
const T_ASCII = 0x61; // 'a'
const T_SHORT_ASCII = 0x7a; // 'z'
// the codes the encoder writes; the decoder's switch spells every code it reads (these and 'S' 'f' 'x' 't' 'r' 'c'
// '?' 'A' 'Z' '.') as a literal with its name

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

// =====================================================================================================
// Encoder

/** Buffer's own latin1 decoder, without toString's encoding dispatch (present in every Node version we support). */
type LatinSlice = Buffer & { latin1Slice(start: number, end: number): string };
type StringWithWellFormed = string & { isWellFormed(): boolean };

class Writer {
  buf: Buffer;
  pos: number;
  /** Where the message starts in `buf` (a caller's header room, FrameScratch; 0 again after a part went by reference). */
  private start: number;
  /** Set by encodeParts: big bytes go by reference, collected in `parts` (made by the first). */
  byReference = false;
  parts: Buffer[] | null = null;
  /** The depth of the values Pyro4 converts before marshal.dumps (convert_obj_into_marshallable): 0, or 2 in a call. */
  top = 0;
  readonly maxDepth: number;

  constructor(private readonly options: SerializeOptions | undefined, buf: Buffer | null = null, start = 0) {
    this.maxDepth = limitsOf(options).maxDepth;
    this.buf = buf ?? Buffer.allocUnsafe(256);
    this.pos = this.start = start;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    // double for many small writes, but a big value gets just its room (plus a little for what follows):
    // doubling past it would allocate up to twice the message, in fresh pages, on every call
    const size = Math.max(this.buf.length * 2, need + (need >> 4) + 64);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  result(): Buffer {
    return this.buf.subarray(this.start, this.pos);
  }

  private typeAndInt32(type: number, v: number): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.pos;
    b[p++] = type;
    b[p++] = v & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    b[p++] = (v >>> 16) & 0xff;
    b[p++] = (v >>> 24) & 0xff;
    this.pos = p;
  }

  private double(type: number, v: number): void {
    this.ensure(9);
    this.buf[this.pos] = type;
    this.buf.writeDoubleLE(v, this.pos + 1);
    this.pos += 9;
  }

  /** Python ints beyond int32: 'l', signed digit count, then 15-bit digits as little-endian 16-bit words. */
  private long(v: bigint): void {
    const neg = v < 0n;
    let a = neg ? -v : v;
    const digits: number[] = [];
    while (a > 0n) {
      digits.push(Number(a & 0x7fffn));
      a >>= 15n;
    }
    this.writeDigits(digits, neg);
  }

  /** A safe integer beyond int32. */
  private longFromNumber(v: number): void {
    const neg = v < 0;
    let a = neg ? -v : v;
    const digits: number[] = [];
    while (a > 0) {
      const d = a % 32768;
      digits.push(d);
      a = (a - d) / 32768;
    }
    this.writeDigits(digits, neg);
  }

  private writeDigits(digits: number[], neg: boolean): void {
    const n = digits.length;
    this.typeAndInt32(T_LONG, neg ? -n : n);
    this.ensure(2 * n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const d = digits[i]!;
      b[p++] = d & 0xff;
      b[p++] = d >>> 8;
    }
    this.pos = p;
  }

  private int(v: number): void {
    if (v >= INT32_MIN && v <= INT32_MAX) this.typeAndInt32(T_INT, v);
    else this.longFromNumber(v);
  }

  /** Python's choice: ASCII -> 'z' (short) / 'a', anything else -> 'u' UTF-8 with surrogatepass. */
  str(s: string): void {
    const n = s.length;
    if (n < 48) {
      // Most strings (keys, names) are short ASCII: copy them without a native round trip.
      this.ensure(2 + n);
      const end = copyAscii(this.buf, this.pos + 2, s);
      if (end >= 0) {
        this.buf[this.pos] = T_SHORT_ASCII;
        this.buf[this.pos + 1] = n;
        this.pos = end;
        return;
      }
    }
    const blen = Buffer.byteLength(s, "utf8");
    if (blen === n) {
      if (n < 256) {
        this.ensure(2 + n);
        this.buf[this.pos++] = T_SHORT_ASCII;
        this.buf[this.pos++] = n;
      } else {
        this.typeAndInt32(T_ASCII, n);
        this.ensure(n);
      }
      this.pos += this.buf.write(s, this.pos, n, "latin1");
      return;
    }
    // A lone surrogate takes 3 bytes both as U+FFFD and with surrogatepass, so blen is right either way.
    this.typeAndInt32(T_UNICODE, blen);
    this.ensure(blen);
    if ((s as StringWithWellFormed).isWellFormed()) this.buf.write(s, this.pos, blen, "utf8");
    else writeUtf8Surrogatepass(s, this.buf, this.pos);
    this.pos += blen;
  }

  call(object: string, method: string, vargs: readonly unknown[], kwargs: Record<string, unknown> | null): void {
    this.top = 2; // the depth of each argument and keyword argument value
    this.ensure(2);
    this.buf[this.pos++] = T_SMALL_TUPLE;
    this.buf[this.pos++] = 4;
    this.str(object);
    this.str(method);
    const n = vargs.length;
    this.typeAndInt32(T_LIST, n);
    if (vargs instanceof BatchCalls) for (let i = 0; i < n; i++) this.batchCall(vargs[i]!);
    else for (let i = 0; i < n; i++) this.value(vargs[i], 2);
    if (kwargs === null || kwargs === undefined) {
      this.ensure(1);
      this.buf[this.pos++] = T_NONE;
    } else this.value(kwargs, 1);
  }

  /** value(tuple(method, tuple(...args), kwargs), 2) for an entry of a batch's call list (batch-calls.ts). */
  private batchCall(c: BatchCall): void {
    if (3 >= this.maxDepth) throw depthError(this.maxDepth); // the entry at depth 2, its args at 3
    this.ensure(2);
    this.buf[this.pos++] = T_SMALL_TUPLE;
    this.buf[this.pos++] = 3;
    this.value(c[0], 3);
    const args = c[1];
    const n = args.length;
    if (n < 256) {
      this.ensure(2);
      this.buf[this.pos++] = T_SMALL_TUPLE;
      this.buf[this.pos++] = n;
    } else this.typeAndInt32(T_TUPLE, n);
    for (let i = 0; i < n; i++) this.value(args[i], 4);
    this.value(c[2], 3);
  }

  /**
   * Python's error for a value type marshal cannot carry: Pyro4 converts only the value itself (each argument of a
   * call) with class_to_dict, which refuses these types; inside a container marshal.dumps meets them and refuses.
   */
  private unmarshallable(pythonClass: string, depth: number): SerializeError {
    return depth === this.top ? cannotSerialize(pythonClass, "MarshalSerializer") : pythonSerializeError("ValueError", "unmarshallable object");
  }

  private bytes(v: Uint8Array): void {
    const n = v.length;
    this.typeAndInt32(T_STRING, n);
    if (this.byReference && n >= BY_REFERENCE_MIN) {
      // by reference: the text so far and the value become parts; writing goes on in a fresh buffer
      (this.parts ??= []).push(this.buf.subarray(this.start, this.pos), Buffer.from(v.buffer, v.byteOffset, n));
      this.buf = Buffer.allocUnsafe(256);
      this.pos = this.start = 0;
      return;
    }
    this.ensure(n);
    this.buf.set(v, this.pos);
    this.pos += n;
  }

  value(v: unknown, depth: number): void {
    switch (typeof v) {
      case "string":
        return this.str(v);
      case "number":
        if (isPythonInt(v)) return this.int(v);
        return this.double(T_BINARY_FLOAT, v);
      case "boolean":
        this.ensure(1);
        this.buf[this.pos++] = v ? T_TRUE : T_FALSE;
        return;
      case "undefined":
        this.ensure(1);
        this.buf[this.pos++] = T_NONE;
        return;
      case "bigint":
        if (v >= -0x80000000n && v <= 0x7fffffffn) return this.typeAndInt32(T_INT, Number(v));
        return this.long(v);
      case "object":
        if (v === null) {
          this.ensure(1);
          this.buf[this.pos++] = T_NONE;
          return;
        }
        return this.object(v, depth);
      default:
        throw new SerializeError(`cannot serialize a ${typeof v} with marshal`);
    }
  }

  private object(v: object, depth: number): void {
    if (depth >= this.maxDepth) throw depthError(this.maxDepth);
    const d = depth + 1;
    if (Array.isArray(v)) {
      const n = v.length;
      if (v instanceof Tuple) {
        if (n < 256) {
          this.ensure(2);
          this.buf[this.pos++] = T_SMALL_TUPLE;
          this.buf[this.pos++] = n;
        } else this.typeAndInt32(T_TUPLE, n);
      } else this.typeAndInt32(T_LIST, n);
      for (let i = 0; i < n; i++) this.value(v[i], d);
      return;
    }
    if (v instanceof Uint8Array) return this.bytes(v);
    if (isPlainObject(v)) {
      this.ensure(1);
      this.buf[this.pos++] = T_DICT;
      const rec = v as Record<string, unknown>;
      for (const k in rec) {
        if (!Object.prototype.hasOwnProperty.call(rec, k)) continue;
        this.str(k);
        this.value(rec[k], d);
      }
      this.ensure(1);
      this.buf[this.pos++] = T_NULL;
      return;
    }
    if (v instanceof Map) {
      // an OrderedDict passes Pyro4's marshallable check (it is a dict) and then marshal.dumps refuses it
      if (v instanceof OrderedDict) throw pythonSerializeError("ValueError", "unmarshallable object");
      this.ensure(1);
      this.buf[this.pos++] = T_DICT;
      for (const [k, val] of v) {
        this.value(k, d);
        this.value(val, d);
      }
      this.ensure(1);
      this.buf[this.pos++] = T_NULL;
      return;
    }
    if (v instanceof Set) {
      this.typeAndInt32(v instanceof FrozenSet ? T_FROZENSET : T_SET, v.size);
      for (const item of v) this.value(item, d);
      return;
    }
    if (v instanceof Float) return this.double(T_BINARY_FLOAT, v.value);
    if (v instanceof Complex) {
      this.ensure(17);
      this.buf[this.pos] = T_BINARY_COMPLEX;
      this.buf.writeDoubleLE(v.real, this.pos + 1);
      this.buf.writeDoubleLE(v.imag, this.pos + 9);
      this.pos += 17;
      return;
    }
    this.rare(v, depth);
  }

  /** Dates, the other marker types and class instances: kept out of object() so the common path stays small. */
  private rare(v: object, depth: number): void {
    if (v instanceof Date) {
      // a plain Date is our extension: its isoformat() text; Python's marshal cannot carry a datetime or date
      if (v instanceof PyDateTime) throw this.unmarshallable("datetime.datetime", depth);
      if (v instanceof PyDate) throw this.unmarshallable("datetime.date", depth);
      return this.str(isoformat(v));
    }
    if (v instanceof UUID) {
      // MarshalSerializer.class_to_dict: str(uuid), for the value itself (an argument) only
      if (depth !== this.top) throw pythonSerializeError("ValueError", "unmarshallable object");
      return this.str(v.toString());
    }
    if (v instanceof PyTime) throw this.unmarshallable("datetime.time", depth);
    if (v instanceof TimeDelta) throw this.unmarshallable("datetime.timedelta", depth);
    if (v instanceof Range) throw this.unmarshallable("range", depth);
    if (v instanceof Decimal) throw this.unmarshallable("decimal.Decimal", depth);
    if (this.options?.replace) {
      const r = this.options.replace(v);
      if (r !== undefined && r !== v) return this.value(r, depth);
    }
    const items = arrayAsList(v); // array.array: a list ('u': a str), as Pyro4's convert_obj_into_marshallable
    if (items !== undefined) return this.value(items, depth);
    return this.value(classToDict(v, this.options?.dialect), depth);
  }
}

/** UTF-8 with Python's surrogatepass: a lone surrogate becomes its own 3-byte sequence. */
function writeUtf8Surrogatepass(s: string, b: Buffer, p: number): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) b[p++] = c;
    else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const lo = s.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
          i++;
          b[p++] = 0xf0 | (c >> 18);
          b[p++] = 0x80 | ((c >> 12) & 0x3f);
          b[p++] = 0x80 | ((c >> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    }
  }
}

function encode(fill: (w: Writer) => void, options: SerializeOptions | undefined): Buffer {
  return encodeParts(fill, options, false) as Buffer;
}

function encodeParts(fill: (w: Writer) => void, options: SerializeOptions | undefined, byReference: boolean): SerializedParts {
  const w = new Writer(options);
  w.byReference = byReference;
  try {
    fill(w);
  } catch (e) {
    throw wrapError(e, w.maxDepth);
  }
  return finishParts(w.parts, w.result());
}

/** serializeDataParts into a caller's reused buffer after its header room (Serializer.serializeDataFramed). */
function encodeFramed(value: unknown, options: SerializeOptions | undefined, scratch: FrameScratch): readonly Buffer[] | null {
  const w = new Writer(options, scratch.buf, scratch.room);
  w.byReference = true;
  try {
    w.value(value, 0);
  } catch (e) {
    throw wrapError(e, w.maxDepth);
  }
  if (w.parts !== null) return finishParts(w.parts, w.result()) as readonly Buffer[];
  // one buffer: the message is in the buffer last written, after its room
  scratch.buf = w.buf;
  scratch.end = w.pos;
  return null;
}

// =====================================================================================================
// Decoder

/** Marks a reference slot that Python reserves before the object exists (frozensets); refs to it are invalid. */
const RESERVED = Symbol("reserved");

function hex(n: number): string {
  return "0x" + n.toString(16).padStart(2, "0");
}

const SHORT_MAX = 24;
const SHORT_CACHE_SIZE = 1024;
const shortCache: (string | undefined)[] = new Array<string | undefined>(SHORT_CACHE_SIZE).fill(undefined);

class Reader {
  readonly buf: Buffer;
  pos = 0;
  readonly end: number;
  readonly refs: unknown[] = [];
  /** In a call, the item being read is the call tuple's third (vargs): see the tuple case of read(). */
  private vargsNext = false;
  /** Flagged dicts still being filled, and the ones referenced from inside themselves (rare: only then it matters). */
  building: Set<object> | null = null;
  recursed: Set<object> | null = null;

  /** `strict`: a call, read as Python's daemon reads it (unknown class dicts refused, see dictToClass). */
  constructor(data: Uint8Array, private readonly zeroCopy: boolean, private readonly strict: boolean, readonly maxDepth: number) {
    this.buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.end = this.buf.length;
  }

  truncated(): SerializeError {
    return new SerializeError(`marshal data truncated (at offset ${this.pos} of ${this.end} bytes)`);
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw this.truncated();
  }

  int32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }

  /** A length or count field: never negative, never more than the bytes left (each item takes >= minSize bytes). */
  size(what: string, minSize: number): number {
    const at = this.pos;
    const n = this.int32();
    if (n < 0) throw new SerializeError(`bad marshal data (negative ${what} size ${n} at offset ${at})`);
    if (n * minSize > this.end - this.pos) {
      throw new SerializeError(`marshal data truncated (${what} of ${n} claimed at offset ${at}, ${this.end - this.pos} bytes left)`);
    }
    return n;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  textFloat(): number {
    this.need(1);
    const n = this.buf[this.pos++]!;
    this.need(n);
    const s = this.buf.toString("latin1", this.pos, this.pos + n);
    this.pos += n;
    return parsePythonFloat(s);
  }

  latin1(n: number): string {
    this.need(n);
    const p = this.pos;
    this.pos = p + n;
    if (n > SHORT_MAX) return (this.buf as LatinSlice).latin1Slice(p, p + n);
    // Short strings (dict keys above all) repeat across messages: reuse one string so V8 finds the property
    // key without hashing a fresh string every time.
    const b = this.buf;
    let h = n;
    for (let i = p; i < p + n; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
    const slot = h & (SHORT_CACHE_SIZE - 1);
    const cached = shortCache[slot];
    if (cached !== undefined && cached.length === n) {
      let i = 0;
      while (i < n && cached.charCodeAt(i) === b[p + i]) i++;
      if (i === n) return cached;
    }
    const s = (b as LatinSlice).latin1Slice(p, p + n);
    shortCache[slot] = s;
    return s;
  }

  utf8(n: number): string {
    this.need(n);
    const p = this.pos;
    this.pos = p + n;
    const s = this.buf.toString("utf8", p, p + n);
    // Node replaces invalid sequences (and Python's surrogatepass surrogates) by U+FFFD; only then decode by hand.
    return s.includes("\uFFFD") ? decodeUtf8Surrogatepass(this.buf, p, p + n) : s;
  }

  long(): number | bigint {
    const at = this.pos - 1;
    const n = this.int32();
    if (n === 0) return 0;
    const count = n < 0 ? -n : n;
    if (2 * count > this.end - this.pos) throw this.truncated();
    const b = this.buf;
    const start = this.pos;
    this.pos = start + 2 * count;
    // Horner from the top digit; while the value stays below 2^53 every step is exact.
    let v = 0;
    for (let i = count - 1; i >= 0; i--) {
      const d = b[start + 2 * i]! | (b[start + 2 * i + 1]! << 8);
      if (d > 0x7fff) throw new SerializeError(`bad marshal data (digit out of range in long at offset ${at})`);
      if (i === count - 1 && d === 0) throw new SerializeError(`bad marshal data (unnormalized long data at offset ${at})`);
      v = v * 32768 + d;
    }
    if (v <= Number.MAX_SAFE_INTEGER) return n < 0 ? -v : v;
    let big = 0n;
    for (let i = count - 1; i >= 0; i--) big = (big << 15n) | BigInt(b[start + 2 * i]! | (b[start + 2 * i + 1]! << 8));
    return n < 0 ? -big : big;
  }

  ref(idx: number): unknown {
    if (idx < 0 || idx >= this.refs.length) throw new SerializeError(`bad marshal data (invalid reference ${idx})`);
    const v = this.refs[idx];
    if (v === RESERVED) throw new SerializeError(`bad marshal data (reference ${idx} to an unfinished object)`);
    if (this.building !== null && this.building.has(v as object)) (this.recursed ??= new Set()).add(v as object);
    return v;
  }

  read(depth: number): unknown {
    if (this.pos >= this.end) throw this.truncated();
    const at = this.pos;
    const code = this.buf[this.pos++]!;
    const flag = code & FLAG_REF;
    let v: unknown;
    switch (code & 0x7f) {
      case 0x4e: // T_NONE
        return null;
      case 0x54: // T_TRUE
        return true;
      case 0x46: // T_FALSE
        return false;
      case 0x69: // T_INT
        v = this.int32();
        break;
      case 0x6c: // T_LONG
        v = this.long();
        break;
      case 0x67: // T_BINARY_FLOAT
        v = this.double();
        break;
      case 0x79: /* T_BINARY_COMPLEX */ {
        const re = this.double();
        v = new Complex(re, this.double());
        break;
      }
      case 0x66: // T_FLOAT
        v = this.textFloat();
        break;
      case 0x78: /* T_COMPLEX */ {
        const re = this.textFloat();
        v = new Complex(re, this.textFloat());
        break;
      }
      case 0x7a: // T_SHORT_ASCII
      case 0x5a: // T_SHORT_ASCII_INTERNED
        this.need(1);
        v = this.latin1(this.buf[this.pos++]!);
        break;
      case 0x61: // T_ASCII
      case 0x41: // T_ASCII_INTERNED
        v = this.latin1(this.size("string", 1));
        break;
      case 0x75: // T_UNICODE
      case 0x74: // T_INTERNED
        v = this.utf8(this.size("string", 1));
        break;
      case 0x73: /* T_STRING */ {
        const n = this.size("bytes", 1);
        // A copy unless the caller gave us the message buffer for good and the bytes are big (a view of a
        // small part would keep the whole message alive).
        const view = this.buf.subarray(this.pos, this.pos + n);
        v = this.zeroCopy && (n >= ZERO_COPY_MIN || 2 * n >= this.end) ? view : Buffer.from(view);
        this.pos += n;
        break;
      }
      case 0x72: // T_REF
        return this.ref(this.int32());
      case 0x29: // T_SMALL_TUPLE
      case 0x28: /* T_TUPLE */ {
        let n: number;
        if ((code & 0x7f) === T_SMALL_TUPLE) {
          this.need(1);
          n = this.buf[this.pos++]!;
        } else n = this.size("tuple", 1);
        if (depth >= this.maxDepth) throw depthError(this.maxDepth);
        // In a call, the call tuple itself and its vargs tuple stay plain arrays unless flagged (a T_REF could
        // then show them elsewhere): deserializeCall only reads their items and the daemon spreads vargs, and
        // giving an array Tuple's prototype costs more than the rest of a small call's decoding.
        const plain = this.strict && !flag && (depth === 0 || (depth === 1 && this.vargsNext));
        // Sized construction: push() on an Array subclass is an order of magnitude slower.
        const t = plain ? new Array<unknown>(n) : newTuple(n);
        if (flag) this.refs.push(t);
        if (this.strict && depth === 0) {
          // the call tuple: its third item is vargs
          for (let i = 0; i < n; i++) {
            this.vargsNext = i === 2;
            t[i] = this.read(depth + 1);
          }
          this.vargsNext = false;
        } else for (let i = 0; i < n; i++) t[i] = this.read(depth + 1);
        return t;
      }
      case 0x5b: /* T_LIST */ {
        const n = this.size("list", 1);
        if (depth >= this.maxDepth) throw depthError(this.maxDepth);
        const a = new Array<unknown>(n);
        if (flag) this.refs.push(a);
        for (let i = 0; i < n; i++) a[i] = this.read(depth + 1);
        return a;
      }
      case 0x3c: // T_SET
      case 0x3e: /* T_FROZENSET */ {
        const n = this.size("set", 1);
        if (depth >= this.maxDepth) throw depthError(this.maxDepth);
        // Python registers a set at once, a frozenset only when complete.
        if ((code & 0x7f) === T_SET) {
          const s = new Set<unknown>();
          if (flag) this.refs.push(s);
          for (let i = 0; i < n; i++) s.add(hashKey(this.read(depth + 1)));
          return s;
        }
        let idx = -1;
        if (flag) {
          idx = this.refs.length;
          this.refs.push(RESERVED);
        }
        const items = new Array<unknown>(n);
        for (let i = 0; i < n; i++) items[i] = hashKey(this.read(depth + 1));
        const fs = new FrozenSet(items);
        if (idx >= 0) this.refs[idx] = fs;
        return fs;
      }
      case 0x7b: // T_DICT
        if (depth >= this.maxDepth) throw depthError(this.maxDepth);
        return this.dict(flag !== 0, depth + 1);
      case 0x30: // T_NULL
        throw new SerializeError(`bad marshal data (NULL object at offset ${at})`);
      case 0x2e: // T_ELLIPSIS
        throw new SerializeError("marshal data contains Ellipsis, which has no JavaScript equivalent");
      case 0x53: // T_STOPITER
        throw new SerializeError("marshal data contains StopIteration, which has no JavaScript equivalent");
      case 0x63: // T_CODE
        throw new SerializeError("marshal data contains a Python code object, which is not supported");
      case 0x3f: // T_UNKNOWN
      default:
        throw new SerializeError(`bad marshal data (unknown type code ${hex(code)} at offset ${at})`);
    }
    if (flag) this.refs.push(v);
    return v;
  }

  private dict(flag: boolean, depth: number): unknown {
    let obj: Record<string, unknown> | null = {};
    let map: Map<unknown, unknown> | null = null;
    let idx = -1;
    if (flag) {
      idx = this.refs.length;
      this.refs.push(obj);
      (this.building ??= new Set()).add(obj);
    }
    const first = obj;
    const b = this.buf;
    for (;;) {
      if (this.pos >= this.end) throw this.truncated();
      if ((b[this.pos]! & 0x7f) === T_NULL) {
        this.pos++;
        break;
      }
      const key = this.read(depth);
      const value = this.read(depth);
      if (obj !== null) {
        if (typeof key === "string") {
          setKey(obj, key, value);
          continue;
        }
        // A non-string key: Python dicts with int/tuple/... keys become Maps.
        map = new Map<unknown, unknown>();
        for (const k of Object.keys(obj)) map.set(k, obj[k]);
        obj = null;
      }
      map!.set(hashKey(key), value);
    }
    let result: unknown = obj ?? map;
    if (obj !== null && typeof obj.__class__ === "string") result = dictToClass(obj);
    if (idx >= 0) {
      this.building!.delete(first);
      if (result !== first) {
        if (this.recursed?.has(first)) {
          throw new SerializeError("marshal data has a dict that contains itself and cannot be kept as one object");
        }
        this.refs[idx] = result;
      }
    }
    return result;
  }
}

/** Strict UTF-8 decoding with Python's surrogatepass (the slow path; only for strings Node could not decode). */
function decodeUtf8Surrogatepass(b: Buffer, start: number, end: number): string {
  const units: number[] = [];
  const parts: string[] = [];
  let i = start;
  const bad = (): never => {
    throw new SerializeError(`bad marshal data (invalid UTF-8 at offset ${i})`);
  };
  const cont = (j: number): number => {
    if (j >= end) bad();
    const c = b[j]!;
    if ((c & 0xc0) !== 0x80) bad();
    return c & 0x3f;
  };
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      units.push(c);
      i++;
    } else if (c >= 0xc2 && c < 0xe0) {
      units.push(((c & 0x1f) << 6) | cont(i + 1));
      i += 2;
    } else if (c >= 0xe0 && c < 0xf0) {
      const cp = ((c & 0x0f) << 12) | (cont(i + 1) << 6) | cont(i + 2);
      if (cp < 0x800) bad();
      units.push(cp);
      i += 3;
    } else if (c >= 0xf0 && c < 0xf5) {
      const cp = ((c & 0x07) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3);
      if (cp < 0x10000 || cp > 0x10ffff) bad();
      units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      i += 4;
    } else bad();
    if (units.length >= 8192) {
      parts.push(String.fromCharCode(...units));
      units.length = 0;
    }
  }
  parts.push(String.fromCharCode(...units));
  return parts.join("");
}

function wrapError(e: unknown, maxDepth: number): Error {
  // a bad value one of our constructors refused (InvalidArgumentError) is malformed input, like a TypeError was
  if (e instanceof PyroError && !(e instanceof InvalidArgumentError)) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return depthError(maxDepth);
  const msg = e instanceof Error ? e.message : String(e);
  const err = new SerializeError(`marshal: ${msg}`);
  (err as { cause?: unknown }).cause = e;
  return err;
}

function decode(data: Uint8Array, options?: DeserializeOptions, call = false): unknown {
  const r = new Reader(data, options?.zeroCopy === true, call, limitsOf(options).maxDepth);
  let v: unknown;
  try {
    v = r.read(0);
  } catch (e) {
    throw wrapError(e, r.maxDepth);
  }
  if (r.pos !== r.end) throw new SerializeError(`marshal data has ${r.end - r.pos} unexpected trailing bytes at offset ${r.pos}`);
  return v;
}

// =====================================================================================================
// The serializer

export const marshal: Serializer = {
  name: "marshal",
  id: 3,
  tuples: true,

  serializeData(value: unknown, options?: SerializeOptions): Buffer {
    return encode((w) => w.value(value, 0), options);
  },

  deserializeData(data: Uint8Array, options?: DeserializeOptions): unknown {
    return decode(data, options);
  },

  /** Like Pyro4's MarshalSerializer.dumpsCall: the tuple (object, method, vargs as a list, kwargs dict or None). */
  serializeCall(object, method, vargs, kwargs, options): Buffer {
    return encode((w) => w.call(object, method, vargs, kwargs), options);
  },

  serializeDataParts(value: unknown, options?: SerializeOptions): SerializedParts {
    return encodeParts((w) => w.value(value, 0), options, true);
  },

  serializeCallParts(object, method, vargs, kwargs, options): SerializedParts {
    return encodeParts((w) => w.call(object, method, vargs, kwargs), options, true);
  },

  serializeDataFramed(value: unknown, options: SerializeOptions | undefined, scratch: FrameScratch): readonly Buffer[] | null {
    return encodeFramed(value, options, scratch);
  },

  deserializeCall(data: Uint8Array, options?: DeserializeOptions): Call {
    const v = decode(data, options, true);
    if (!Array.isArray(v) || v.length !== 4) throw new SerializeError("marshal call data is not a 4-tuple (object, method, vargs, kwargs)");
    // index reads: destructuring a decoded Tuple (its own prototype) takes V8's slow iterator path
    const a = v as unknown[];
    const object = a[0], method = a[1], vargs = a[2], kwargs = a[3];
    if (typeof object !== "string" || typeof method !== "string") {
      throw new SerializeError("marshal call data: object id and method name must be strings");
    }
    if (!Array.isArray(vargs)) throw new SerializeError("marshal call data: vargs must be a list or tuple");
    if (kwargs !== null && (typeof kwargs !== "object" || !isPlainObject(kwargs))) {
      throw new SerializeError("marshal call data: kwargs must be a dict with string keys or None");
    }
    return {
      object,
      method,
      vargs: vargs instanceof Tuple ? Array.from(vargs) : vargs,
      kwargs: kwargs as Record<string, unknown> | null,
    };
  },
};

