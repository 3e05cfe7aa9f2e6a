// The msgpack serializer (Pyro4 id 6), byte-compatible with Python's msgpack.packb(use_bin_type=True) plus
// Pyro4's ext types: 0x30 complex (two LE doubles), 0x31 int too big for 64 bits (ASCII decimal), 0x32 datetime
// (LE double POSIX timestamp), 0x33 date (LE int64 proleptic ordinal).
//
// Why not @msgpack/msgpack's Encoder/Decoder: its decoder turns every map into a plain object (int or tuple keys
// Python sends cannot become a Map), rejects "__proto__" keys outright, has no nesting limit, and returns
// subarrays of the input for bin; its encoder sends -0 as int 0, Maps and Sets as empty maps, integral numbers
// beyond 2^53 as floats, bigints only as fixed 8 bytes, and Dates through its own timestamp extension. Fixing that
// would need a pre- and post-pass over every value, so this file speaks the (small) format itself, with one
// reusable output buffer.

import { InvalidArgumentError, PyroError, SerializeError } from "../errors.js";
import { copyAscii } from "./ascii.js";
import { isPythonInt } from "../python/float.js";
import { limitsOf } from "../limits.js";
import { BY_REFERENCE_MIN, ZERO_COPY_MIN, finishParts, type Call, type DeserializeOptions, type FrameScratch, type SerializeOptions, type SerializedParts, type Serializer } from "./types.js";
import {
  Complex, Float, classToDict, depthError, dictToClass, isPlainObject, setKey, toTuple, hashKey, cannotSerialize,
  pythonSerializeError, UUID, PyDateTime, PyDate, PyTime, TimeDelta, Range, Decimal, decimalText,
} from "./values.js";
import { pythonDateTime } from "../python/datetime.js";
import { roundHalfEven, utcMs } from "../python/temporal.js";
import { arrayAsList } from "./pickle-arrays.js";
import { hookRefusal } from "./dialect.js";

const EXT_COMPLEX = 0x30;
const EXT_BIGINT = 0x31;
const EXT_DATETIME = 0x32;
const EXT_DATE = 0x33;
const TWO32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const INITIAL_SIZE = 8192;
/** Buffers grown past this for one big message are dropped afterwards instead of kept for reuse. */
const KEEP_SIZE = 1 << 20;
/** Messages up to this size are copied out of the reused buffer; bigger ones take the buffer with them. */
const COPY_MAX = 16 * 1024;

/**
 * An ext value kept exactly as it arrived. Python Pyro4's daemon reads a call without msgpack's ext_hook, so its
 * methods get (and echo) every ext value unconverted; ours converts the ones Python's ext_hook would accept and
 * keeps the others (unknown codes, datetimes and dates out of Python's range) in this form, so that echoed back
 * they fail on the Python client just as they do from Python's daemon. Written back unchanged.
 */
export class MsgpackExt {
  constructor(
    readonly code: number,
    readonly data: Buffer,
  ) {}
}

// ---------------------------------------------------------------------------------------------------
// Python's datetime.fromtimestamp / timestamp for ext 0x32, computed as CPython does (Modules/_datetimemodule.c,
// Python/pytime.c). Python uses its local time zone for both; we use UTC (a Python peer in UTC gets exactly the
// datetime its own msgpack serializer would give; elsewhere the same instant in its zone, as from a peer in UTC).

/** 0001-01-01T00:00:00 UTC and 10000-01-01T00:00:00 UTC in POSIX seconds. */
const FIRST_SECOND = -62135596800;
const END_SECOND = 253402300800;
const DAY = 86400;

/** datetime.fromtimestamp(t) for a naive datetime in UTC; Python's own error where it has one. */
export function fromTimestamp(t: number): PyDateTime {
  if (t !== t) throw pythonSerializeError("ValueError", "Invalid value NaN (not a number)");
  // _PyTime_DoubleToDenominator: modf, microseconds rounded half to even, carry into the seconds
  let secs = Math.trunc(t);
  let us = roundHalfEven((t - secs) * 1e6);
  if (us >= 1e6) {
    us -= 1e6;
    secs += 1;
  } else if (us < 0) {
    us += 1e6;
    secs -= 1;
  }
  // (the double nearest time_t's maximum is 2^63 itself, which CPython's range check lets through)
  if (!(secs >= -9223372036854775808 && secs <= 9223372036854775808)) throw pythonSerializeError("OverflowError", "timestamp out of range for platform time_t");
  if (secs < FIRST_SECOND + DAY || secs >= END_SECOND) {
    // years beyond 9999 or before 1; and the first day, because CPython probes one day earlier for a fold
    // ("year 0 is out of range" for any time on 0001-01-01)
    const firstDay = secs >= FIRST_SECOND && secs < FIRST_SECOND + DAY;
    const year = civilYear(Math.floor((firstDay ? secs - DAY : secs) / DAY));
    if (!(year - 1900 >= -2147483648 && year - 1900 <= 2147483647)) throw pythonSerializeError("OSError", "[Errno 75] Value too large for defined data type");
    throw pythonSerializeError("ValueError", `year ${year} is out of range`);
  }
  const days = Math.floor(secs / DAY);
  const sod = secs - days * DAY;
  civil(days);
  return new PyDateTime(civilY, civilM, civilD, Math.floor(sod / 3600), Math.floor(sod / 60) % 60, sod % 60, us);
}

let civilY = 0;
let civilM = 0;
let civilD = 0;
/** The proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's civil_from_days) into civilY/M/D. */
function civil(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  civilD = doy - Math.floor((153 * mp + 2) / 5) + 1;
  civilM = mp < 10 ? mp + 3 : mp - 9;
  civilY = yoe + era * 400 + (civilM <= 2 ? 1 : 0);
}

/** The year of a day count from 1970-01-01, any size. */
function civilYear(days: number): number {
  civil(days);
  return civilY;
}

/**
 * A naive datetime's timestamp(), as CPython computes it: the whole seconds since the epoch as a double plus
 * microsecond / 1e6 (so 23:59:59.999999 of 9999-12-31 rounds up to 10000-01-01, and Python's reader fails on it,
 * as on Python's own). CPython's local_to_seconds probes a day before (fold 0) or after (fold 1) the time: in
 * UTC that fails with "year 0" on 0001-01-01 and "year 10000" on 9999-12-31 with fold 1, as ours does.
 */
export function naiveTimestamp(dt: PyDateTime): number {
  const w = new Date(dt.getTime()); // naive: the instant is the wall clock read in UTC
  const y = w.getUTCFullYear();
  const m = w.getUTCMonth();
  const d = w.getUTCDate();
  if (dt.fold === 0 && y === 1 && m === 0 && d === 1) throw pythonSerializeError("ValueError", "year 0 is out of range");
  if (dt.fold === 1 && y === 9999 && m === 11 && d === 31) throw pythonSerializeError("ValueError", "year 10000 is out of range");
  if (!(y >= 1 && y <= 9999)) throw pythonSerializeError("ValueError", `year ${y} is out of range`);
  const secs = utcMs(y, m + 1, d, w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds()) / 1000;
  return secs + dt.microsecond / 1e6;
}

// ---------------------------------------------------------------------------------------------------
// Encoding

class Writer {
  buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  pos = 0;
  busy = false;
  options: SerializeOptions | undefined = undefined;
  /** Set for each message by encodeParts (from its options' limits). */
  maxDepth = 0;
  /** Set by encodeParts: big bytes go by reference, collected in `parts` (made by the first). */
  byReference = false;
  parts: Buffer[] | null = null;
  /** Where the message starts in `buf`: a caller's header room (FrameScratch), else 0. */
  start = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // room beyond the exact need: a big bin/str is followed by a few more bytes, which must not copy it again
    const need = this.pos + n;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, need + (need >> 3)));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private head8(b: number, v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = b;
    this.buf[this.pos++] = v;
  }

  private head16(b: number, v: number): void {
    this.ensure(3);
    this.buf[this.pos] = b;
    this.buf.writeUInt16BE(v, this.pos + 1);
    this.pos += 3;
  }

  private head32(b: number, v: number): void {
    this.ensure(5);
    this.buf[this.pos] = b;
    this.buf.writeUInt32BE(v, this.pos + 1);
    this.pos += 5;
  }

  finish(): Buffer {
    if (this.pos > COPY_MAX || this.buf.length > KEEP_SIZE) {
      // a big message: hand out the buffer it was written into (no second copy of it) and start afresh
      const out = this.buf.subarray(0, this.pos);
      this.buf = Buffer.allocUnsafe(INITIAL_SIZE);
      return out;
    }
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  value(v: unknown, depth: number): void {
    switch (typeof v) {
      case "number":
        if (isPythonInt(v)) this.int(v);
        else this.float(v);
        return;
      case "string":
        this.str(v);
        return;
      case "boolean":
        this.byte(v ? 0xc3 : 0xc2);
        return;
      case "bigint":
        this.bigint(v);
        return;
      case "undefined":
        this.byte(0xc0);
        return;
      case "object":
        if (v === null) {
          this.byte(0xc0);
          return;
        }
        if (depth > this.maxDepth) throw depthError(this.maxDepth);
        this.object(v, depth);
        return;
      default:
        throw new SerializeError(`cannot serialize a ${typeof v} with msgpack`);
    }
  }

  private int(n: number): void {
    if (n >= 0) {
      if (n < 0x80) this.byte(n);
      else if (n < 0x100) this.head8(0xcc, n);
      else if (n < 0x10000) this.head16(0xcd, n);
      else if (n < TWO32) this.head32(0xce, n);
      else {
        this.ensure(9);
        this.buf[this.pos] = 0xcf;
        this.buf.writeUInt32BE(Math.floor(n / TWO32), this.pos + 1);
        this.buf.writeUInt32BE(n >>> 0, this.pos + 5);
        this.pos += 9;
      }
    } else {
      if (n >= -0x20) this.byte(n & 0xff);
      else if (n >= -0x80) this.head8(0xd0, n & 0xff);
      else if (n >= -0x8000) {
        this.ensure(3);
        this.buf[this.pos] = 0xd1;
        this.buf.writeInt16BE(n, this.pos + 1);
        this.pos += 3;
      } else if (n >= -0x80000000) {
        this.ensure(5);
        this.buf[this.pos] = 0xd2;
        this.buf.writeInt32BE(n, this.pos + 1);
        this.pos += 5;
      } else {
        const hi = Math.floor(n / TWO32);
        this.ensure(9);
        this.buf[this.pos] = 0xd3;
        this.buf.writeInt32BE(hi, this.pos + 1);
        this.buf.writeUInt32BE(n - hi * TWO32, this.pos + 5);
        this.pos += 9;
      }
    }
  }

  private bigint(b: bigint): void {
    if (b >= -9007199254740991n && b <= 9007199254740991n) return this.int(Number(b));
    if (b > UINT64_MAX || b < INT64_MIN) {
      // Python's packer overflows and Pyro4's default hook sends the decimal text instead.
      const text = b.toString();
      this.extHeader(EXT_BIGINT, text.length);
      this.ensure(text.length);
      this.pos += this.buf.write(text, this.pos, "latin1");
      return;
    }
    this.ensure(9);
    if (b >= 0n) {
      this.buf[this.pos] = 0xcf;
      this.buf.writeBigUInt64BE(b, this.pos + 1);
    } else {
      this.buf[this.pos] = 0xd3;
      this.buf.writeBigInt64BE(b, this.pos + 1);
    }
    this.pos += 9;
  }

  private float(x: number): void {
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.buf.writeDoubleBE(x, this.pos + 1);
    this.pos += 9;
  }

  private str(s: string): void {
    const len = s.length;
    if (len < 32) {
      // Short ASCII strings (most keys and names) skip the native UTF-8 call.
      this.ensure(len + 1);
      const end = copyAscii(this.buf, this.pos + 1, s);
      if (end >= 0) {
        this.buf[this.pos] = 0xa0 | len;
        this.pos = end;
        return;
      }
    }
    const n = Buffer.byteLength(s, "utf8");
    if (n < 32) this.byte(0xa0 | n);
    else if (n < 0x100) this.head8(0xd9, n);
    else if (n < 0x10000) this.head16(0xda, n);
    else this.head32(0xdb, n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  private bin(b: Uint8Array): void {
    const n = b.byteLength;
    if (n < 0x100) this.head8(0xc4, n);
    else if (n < 0x10000) this.head16(0xc5, n);
    else this.head32(0xc6, n);
    if (this.byReference && n >= BY_REFERENCE_MIN) {
      // by reference: what was written so far is copied out (this buffer is reused), then the value itself
      (this.parts ??= []).push(Buffer.from(this.buf.subarray(this.start, this.pos)), Buffer.from(b.buffer, b.byteOffset, n));
      this.pos = this.start = 0;
      return;
    }
    this.ensure(n);
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  private extHeader(type: number, n: number): void {
    switch (n) {
      case 1: this.head8(0xd4, type); return;
      case 2: this.head8(0xd5, type); return;
      case 4: this.head8(0xd6, type); return;
      case 8: this.head8(0xd7, type); return;
      case 16: this.head8(0xd8, type); return;
    }
    if (n < 0x100) this.head8(0xc7, n);
    else if (n < 0x10000) this.head16(0xc8, n);
    else this.head32(0xc9, n);
    this.byte(type);
  }

  private arrayHeader(n: number): void {
    if (n < 16) this.byte(0x90 | n);
    else if (n < 0x10000) this.head16(0xdc, n);
    else this.head32(0xdd, n);
  }

  private mapHeader(n: number): void {
    if (n < 16) this.byte(0x80 | n);
    else if (n < 0x10000) this.head16(0xde, n);
    else this.head32(0xdf, n);
  }

  private object(v: object, depth: number): void {
    if (Array.isArray(v)) {
      const n = v.length;
      this.arrayHeader(n);
      for (let i = 0; i < n; i++) this.value(v[i], depth + 1);
      return;
    }
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      this.mapHeader(keys.length);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        this.str(k);
        this.value((v as Record<string, unknown>)[k], depth + 1);
      }
      return;
    }
    if (v instanceof Uint8Array) return this.bin(v);
    if (v instanceof Map) {
      this.mapHeader(v.size);
      for (const [k, val] of v) {
        this.value(k, depth + 1);
        this.value(val, depth + 1);
      }
      return;
    }
    if (v instanceof Set) {
      // MsgpackSerializer.default turns a set into a list and refuses a frozenset (class_to_dict); ours sends a frozenset as a
      // list too, deliberately: Python's Pyro5 name server cannot list() a name registered without metadata (stored
      // as frozenset()) over this serializer, ours can (docs/pyro5.md)
      this.arrayHeader(v.size);
      for (const item of v) this.value(item, depth + 1);
      return;
    }
    if (v instanceof Float) return this.float(v.value);
    if (v instanceof Complex) {
      this.extHeader(EXT_COMPLEX, 16);
      this.ensure(16);
      this.buf.writeDoubleLE(v.real, this.pos);
      this.buf.writeDoubleLE(v.imag, this.pos + 8);
      this.pos += 16;
      return;
    }
    this.rare(v, depth);
  }

  /** Dates, the other marker types and class instances: kept out of object() so the common path stays small. */
  private rare(v: object, depth: number): void {
    if (v instanceof Date) {
      let t: number;
      if (v instanceof PyDateTime) {
        // default(): `if obj.tzinfo: raise` (any zone, UTC too), else ExtType(0x32, pack("d", obj.timestamp()))
        if (v.utcoffset !== null) throw new SerializeError("msgpack cannot serialize datetime with timezone info");
        t = naiveTimestamp(v);
      } else if (v instanceof PyDate) {
        // ExtType(0x33, pack("l", obj.toordinal())): a C long, 8 bytes little-endian
        this.extHeader(EXT_DATE, 8);
        this.ensure(8);
        this.buf.writeBigInt64LE(BigInt(v.toOrdinal()), this.pos);
        this.pos += 8;
        return;
      } else t = pythonDateTime(v) / 1000; // a plain Date: its instant
      this.extHeader(EXT_DATETIME, 8);
      this.ensure(8);
      this.buf.writeDoubleLE(t, this.pos);
      this.pos += 8;
      return;
    }
    if (v instanceof UUID) return this.str(v.toString());
    if (v instanceof Decimal) return this.str(decimalText(v.value)); // default(): str(decimal)
    if (v instanceof MsgpackExt) {
      this.extHeader(v.code, v.data.length);
      this.ensure(v.data.length);
      this.buf.set(v.data, this.pos);
      this.pos += v.data.length;
      return;
    }
    if (v instanceof PyTime) throw cannotSerialize("datetime.time", "MsgpackSerializer");
    if (v instanceof TimeDelta) throw cannotSerialize("datetime.timedelta", "MsgpackSerializer");
    if (v instanceof Range) throw cannotSerialize("range", "MsgpackSerializer");
    const replaced = this.options?.replace?.(v);
    if (replaced !== undefined && replaced !== v) return this.value(replaced, depth + 1);
    const items = arrayAsList(v); // array.array: a list ('u': a str), as Pyro4's default() sends it
    if (items !== undefined) return this.value(items, depth);
    this.value(classToDict(v, this.options?.dialect), depth);
  }
}

const pooled = new Writer();

function encode(value: unknown, options: SerializeOptions | undefined): Buffer {
  return encodeParts(value, options, false) as Buffer;
}

/** With a `scratch`, the message is written into it after its room instead of the writer's own buffer (serializeDataFramed). */
function encodeParts(value: unknown, options: SerializeOptions | undefined, byReference: boolean, scratch: FrameScratch | null = null): SerializedParts | null {
  // A replace hook or class converter may itself serialize something: give nested calls their own writer.
  const w = pooled.busy ? new Writer() : pooled;
  w.busy = true;
  const own = w.buf;
  if (scratch !== null) {
    w.buf = scratch.buf;
    w.pos = w.start = scratch.room;
  } else w.pos = w.start = 0;
  w.options = options;
  const maxDepth = (w.maxDepth = limitsOf(options).maxDepth);
  w.byReference = byReference;
  w.parts = null;
  try {
    w.value(value, 1);
    if (scratch === null) return finishParts(w.parts, w.finish());
    if (w.parts !== null) return finishParts(w.parts, w.buf.subarray(w.start, w.pos));
    // one buffer: the message is in the buffer last written, after its room
    scratch.buf = w.buf;
    scratch.end = w.pos;
    return null;
  } catch (e) {
    throw asSerializeError(e, maxDepth);
  } finally {
    if (scratch !== null) w.buf = own;
    w.busy = false;
    w.options = undefined;
    w.parts = null;
  }
}

/** Keep Pyro errors (e.g. SecurityError from a class hook); anything else becomes a SerializeError. */
function asSerializeError(e: unknown, maxDepth: number): Error {
  // a bad value one of our constructors refused (InvalidArgumentError) is malformed input, like a TypeError was
  if (e instanceof PyroError && !(e instanceof InvalidArgumentError)) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return depthError(maxDepth);
  const msg = e instanceof Error ? e.message : String(e);
  return new SerializeError(`msgpack: ${msg}`, { cause: e });
}

// ---------------------------------------------------------------------------------------------------
// Decoding

const STR_CACHE_SIZE = 512;
const strCache: string[] = new Array<string>(STR_CACHE_SIZE).fill("");

const truncated = (): SerializeError => new SerializeError("invalid msgpack data: truncated");

class Reader {
  pos = 0;
  /**
   * @param keepExt a Pyro4 call, read as Python Pyro4's daemon reads it: its loadsCall has no ext_hook, so ext
   *   values Python would fail on are kept (MsgpackExt), and an ext-typed dict key fails as msgpack's
   *   strict_map_key fails on the ExtType it sees there
   */
  constructor(
    private readonly buf: Buffer,
    private readonly end: number,
    private readonly zeroCopy: boolean,
    private readonly keepExt: boolean,
    /** a call, read as Python's daemon reads it: unknown class dicts refused (see dictToClass) */
    private readonly strict: boolean,
    readonly maxDepth: number,
  ) {}

  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.end) throw truncated();
    this.pos = p + n;
    return p;
  }

  value(depth: number): unknown {
    if (this.pos >= this.end) throw truncated();
    const buf = this.buf;
    const h = buf[this.pos++]!;
    if (h < 0x80) return h;
    if (h >= 0xe0) return h - 0x100;
    if (h >= 0xa0 && h < 0xc0) return this.str(h & 0x1f);
    if (h < 0x90) return this.map(h & 0x0f, depth);
    if (h < 0xa0) return this.array(h & 0x0f, depth);
    let p: number;
    switch (h) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(buf[this.need(1)]!);
      case 0xc5: return this.bin(buf.readUInt16BE(this.need(2)));
      case 0xc6: return this.bin(buf.readUInt32BE(this.need(4)));
      case 0xc7: p = this.need(2); return this.ext(buf[p + 1]!, buf[p]!);
      case 0xc8: p = this.need(3); return this.ext(buf[p + 2]!, buf.readUInt16BE(p));
      case 0xc9: p = this.need(5); return this.ext(buf[p + 4]!, buf.readUInt32BE(p));
      case 0xca: return buf.readFloatBE(this.need(4));
      case 0xcb: return buf.readDoubleBE(this.need(8));
      case 0xcc: return buf[this.need(1)]!;
      case 0xcd: return buf.readUInt16BE(this.need(2));
      case 0xce: return buf.readUInt32BE(this.need(4));
      case 0xcf: {
        p = this.need(8);
        const v = buf.readUInt32BE(p) * TWO32 + buf.readUInt32BE(p + 4);
        return Number.isSafeInteger(v) ? v : buf.readBigUInt64BE(p);
      }
      case 0xd0: return buf.readInt8(this.need(1));
      case 0xd1: return buf.readInt16BE(this.need(2));
      case 0xd2: return buf.readInt32BE(this.need(4));
      case 0xd3: {
        p = this.need(8);
        const v = buf.readInt32BE(p) * TWO32 + buf.readUInt32BE(p + 4);
        return Number.isSafeInteger(v) ? v : buf.readBigInt64BE(p);
      }
      case 0xd4: return this.ext(buf[this.need(1)]!, 1);
      case 0xd5: return this.ext(buf[this.need(1)]!, 2);
      case 0xd6: return this.ext(buf[this.need(1)]!, 4);
      case 0xd7: return this.ext(buf[this.need(1)]!, 8);
      case 0xd8: return this.ext(buf[this.need(1)]!, 16);
      case 0xd9: return this.str(buf[this.need(1)]!);
      case 0xda: return this.str(buf.readUInt16BE(this.need(2)));
      case 0xdb: return this.str(buf.readUInt32BE(this.need(4)));
      case 0xdc: return this.array(buf.readUInt16BE(this.need(2)), depth);
      case 0xdd: return this.array(buf.readUInt32BE(this.need(4)), depth);
      case 0xde: return this.map(buf.readUInt16BE(this.need(2)), depth);
      case 0xdf: return this.map(buf.readUInt32BE(this.need(4)), depth);
    }
    throw new SerializeError(`invalid msgpack data: unknown type byte 0x${h.toString(16)} at position ${this.pos - 1}`);
  }

  private str(n: number): string {
    const start = this.need(n);
    const buf = this.buf;
    if (n < 16) {
      // Short ASCII strings (keys, names) come from a small cache: the same few names arrive again and again,
      // and a cached string is neither built again nor hashed again when it is looked up in a Map.
      const e = start + n;
      let h = n;
      for (let i = start; i < e; i++) {
        const c = buf[i]!;
        if (c >= 0x80) return buf.toString("utf8", start, e);
        h = (h * 31 + c) | 0;
      }
      const slot = h & (STR_CACHE_SIZE - 1);
      const hit = strCache[slot]!;
      if (hit.length === n) {
        let i = 0;
        while (i < n && hit.charCodeAt(i) === buf[start + i]) i++;
        if (i === n) return hit;
      }
      const s = buf.toString("latin1", start, e);
      strCache[slot] = s;
      return s;
    }
    return buf.toString("utf8", start, start + n);
  }

  private bin(n: number): Buffer {
    const start = this.need(n);
    const view = this.buf.subarray(start, start + n);
    // a copy unless the caller gave us the frame for good and the bytes are big (a view of a small part
    // would keep the whole frame alive)
    return this.zeroCopy && (n >= ZERO_COPY_MIN || 2 * n >= this.end) ? view : Buffer.from(view);
  }

  private ext(type: number, n: number): unknown {
    const start = this.need(n);
    const buf = this.buf;
    switch (type) {
      case EXT_COMPLEX:
        if (n !== 16) break;
        return new Complex(buf.readDoubleLE(start), buf.readDoubleLE(start + 8));
      case EXT_BIGINT: {
        const text = buf.toString("latin1", start, start + n).trim();
        if (!/^[+-]?\d+$/.test(text)) break;
        const b = BigInt(text);
        return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
      }
      case EXT_DATETIME:
        if (n !== 8) break;
        if (this.keepExt) {
          try {
            return fromTimestamp(buf.readDoubleLE(start));
          } catch {
            break; // out of Python's range: kept as it came (MsgpackExt)
          }
        }
        return fromTimestamp(buf.readDoubleLE(start));
      case EXT_DATE: {
        // A C long: 8 bytes from 64-bit Linux/macOS, 4 from Windows.
        if (n !== 8 && n !== 4) break;
        const ord = n === 8 ? Number(buf.readBigInt64LE(start)) : buf.readInt32LE(start);
        if (ord >= 1 && ord <= 3652059) return PyDate.fromOrdinal(ord);
        if (this.keepExt) break;
        // date.fromordinal's own errors
        throw pythonSerializeError("ValueError", ord < 1 ? "ordinal must be >= 1" : "year 10000 is out of range");
      }
      default:
        if (this.keepExt) break;
        throw hookRefusal(`invalid ext code for msgpack: ${type}`); // Python's ext_hook raises Pyro's SerializeError
    }
    if (this.keepExt) return new MsgpackExt(type, Buffer.from(buf.subarray(start, start + n)));
    throw new SerializeError(`invalid msgpack data: malformed ext 0x${type.toString(16)} value`);
  }

  private array(n: number, depth: number): unknown[] {
    if (depth > this.maxDepth) throw depthError(this.maxDepth);
    if (n > this.end - this.pos) throw truncated(); // every item takes at least one byte
    const arr = new Array<unknown>(n);
    for (let i = 0; i < n; i++) arr[i] = this.value(depth + 1);
    return arr;
  }

  private map(n: number, depth: number): unknown {
    if (depth > this.maxDepth) throw depthError(this.maxDepth);
    if (n * 2 > this.end - this.pos) throw truncated();
    const obj: Record<string, unknown> = {};
    let map: Map<unknown, unknown> | null = null;
    for (let i = 0; i < n; i++) {
      if (this.keepExt && isExtHead(this.buf[this.pos]!))
        throw pythonSerializeError("ValueError", "ExtType is not allowed for map key when strict_map_key=True");
      const k = this.value(depth + 1);
      const v = this.value(depth + 1);
      if (map !== null) map.set(keyOf(k), v);
      else if (typeof k === "string") setKey(obj, k, v);
      else {
        // Python sent int/tuple/bytes keys: the dict becomes a Map, keeping the key order.
        map = new Map(Object.entries(obj));
        map.set(keyOf(k), v);
      }
    }
    if (map !== null) return map;
    return typeof obj.__class__ === "string" ? dictToClass(obj) : obj;
  }
}

/** Arrays only arrive as keys when Python used tuples (lists are unhashable there); -0.0 stays apart from 0. */
function keyOf(k: unknown): unknown {
  if (!Array.isArray(k)) return hashKey(k);
  return toTuple((k as unknown[]).map(keyOf));
}

/**
 * Whether a type byte starts an ext value. Python's msgpack refuses any dict key but str and bytes (strict_map_key,
 * the default of the unpackb Pyro4 and Pyro5 call); we take int, float, tuple, ... keys into a Map. Sent back, such
 * a dict fails on the Python client with the very error Python's daemon raises, except for an ext-typed key in a
 * Pyro4 call: Python names it ExtType there, its client the converted type. That one case is refused here.
 */
function isExtHead(h: number): boolean {
  return (h >= 0xc7 && h <= 0xc9) || (h >= 0xd4 && h <= 0xd8);
}

function decode(data: Uint8Array, options?: DeserializeOptions, call = false): unknown {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const r = new Reader(buf, buf.length, options?.zeroCopy === true, call && options?.dialect?.name !== "Pyro5", call, limitsOf(options).maxDepth);
  let v: unknown;
  try {
    v = r.value(1);
  } catch (e) {
    throw asSerializeError(e, r.maxDepth);
  }
  if (r.pos !== buf.length) throw new SerializeError(`invalid msgpack data: ${buf.length - r.pos} extra bytes after the value`);
  return v;
}

function checkCall(v: unknown): Call {
  if (!Array.isArray(v) || v.length !== 4) throw new SerializeError("invalid msgpack call data: expected a 4-item array");
  // index reads: destructuring a decoded Tuple (its own prototype) takes V8's slow iterator path
  const a = v as unknown[];
  const object = a[0], method = a[1], vargs = a[2], kwargs = a[3];
  if (typeof object !== "string" || typeof method !== "string")
    throw new SerializeError("invalid msgpack call data: object and method must be strings");
  if (!Array.isArray(vargs)) throw new SerializeError("invalid msgpack call data: vargs must be an array");
  if (kwargs !== null && (typeof kwargs !== "object" || Array.isArray(kwargs) || !isPlainObject(kwargs as object)))
    throw new SerializeError("invalid msgpack call data: kwargs must be a dict with string keys, or nil");
  return { object, method, vargs, kwargs: kwargs as Record<string, unknown> | null };
}

export const msgpack: Serializer = {
  name: "msgpack",
  id: 6,
  tuples: false,
  serializeData(value: unknown, options?: SerializeOptions): Buffer {
    return encode(value, options);
  },
  deserializeData(data: Uint8Array, options?: DeserializeOptions): unknown {
    return decode(data, options);
  },
  serializeCall(object, method, vargs, kwargs, options): Buffer {
    return encode([object, method, vargs, kwargs], options);
  },
  serializeDataParts(value: unknown, options?: SerializeOptions): SerializedParts {
    return encodeParts(value, options, true)!;
  },
  serializeCallParts(object, method, vargs, kwargs, options): SerializedParts {
    return encodeParts([object, method, vargs, kwargs], options, true)!;
  },
  serializeDataFramed(value: unknown, options: SerializeOptions | undefined, scratch: FrameScratch): readonly Buffer[] | null {
    return encodeParts(value, options, true, scratch) as readonly Buffer[] | null;
  },
  deserializeCall(data: Uint8Array, options?: DeserializeOptions): Call {
    return checkCall(decode(data, options, true));
  },
};
