// The pickle encoder: our value model out as a protocol 4 pickle (one FRAME) that Python's plain pickle.loads reads
// back as the same Python types: tuple vs list, set/frozenset, bytes/bytearray, big ints, floats, datetime/date/time
// (microseconds, fixed offsets with their names, fold)/timedelta, Decimal, complex, UUID, range, OrderedDict, Pyro4's
// URI and Proxy objects, and exceptions as instances of their own class (so a Python client re-raises them).
// Everything it names is a harmless constructor Python's own pickler would name for the same value, written the way
// Python writes it at protocol 4 (Python 3.4+ reads it; protocol 5 would only add BYTEARRAY8). No memo: shared
// references are written twice and cycles hit the depth limit.

import { SerializeError } from "../errors.js";
import { copyAscii } from "./ascii.js";
import { isPythonInt } from "../python/float.js";
import { URI } from "../uri.js";
import * as op from "./pickle-ops.js";
import { LITTLE_ENDIAN, writeFloat64BE } from "./pickle-scalars.js";
import { Decimal, realDicts, uuidSafe } from "./pickle-values.js";
import { UnicodeArray, arrayPickleArgs } from "./pickle-arrays.js";
import { BY_REFERENCE_MIN, finishParts, type FrameScratch, type SerializeOptions, type SerializedParts } from "./types.js";
import { ByteArray, Complex, Float, FrozenSet, OrderedDict, PyDate, PyDateTime, PyTime, Range, TimeDelta, Tuple, UUID, classToDict, depthError, isPlainObject } from "./values.js";
import { limitsOf } from "../limits.js";
import { BATCH_NO_KWARGS, BatchCalls, type BatchCall } from "./batch-calls.js";

const PROTOCOL = 4;

class Writer {
  buf: Buffer;
  pos = 0;
  /** Where the pickle starts in `buf` (a caller's header room, FrameScratch; 0 again after a part went by reference). */
  private start: number;
  private readonly maxDepth: number;

  constructor(private readonly options: SerializeOptions | undefined, buf: Buffer | null = null, start = 0) {
    this.maxDepth = limitsOf(options).maxDepth;
    this.buf = buf ?? Buffer.allocUnsafe(256);
    this.start = start;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, need + (need >> 4) + 64));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  private u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  private op2(a: number, b: number): void {
    this.ensure(2);
    this.buf[this.pos++] = a;
    this.buf[this.pos++] = b;
  }

  /** Set by the *Parts entry points: big bytes become parts of the result instead of being copied. */
  byReference = false;
  /** The parts so far, once a big bytes value went by reference. */
  private parts: Buffer[] | null = null;
  private partsLen = 0;

  begin(): void {
    const s = (this.pos = this.start);
    this.ensure(11);
    this.buf[s] = op.PROTO;
    this.buf[s + 1] = PROTOCOL;
    this.buf[s + 2] = op.FRAME;
    this.pos = s + 11; // frame length filled in by end()
  }
  endParts(): SerializedParts {
    if (this.parts === null) return this.end();
    this.u8(op.STOP);
    // the header is in the first part (the buffer begin() wrote it to may have been outgrown since)
    writeU64(this.parts[0]!, this.partsLen + this.pos - this.start - 11, 3);
    return finishParts(this.parts, this.buf.subarray(0, this.pos));
  }

  end(): Buffer {
    // finish() first: its STOP may outgrow this.buf, and the pickle is in the buffer it leaves
    const stop = this.finish();
    return this.buf.subarray(this.start, stop);
  }

  /** Write STOP and the frame length (or drop the frame of a tiny pickle); returns where the pickle ends in `buf`. */
  finish(): number {
    this.u8(op.STOP);
    const s = this.start;
    const frameLen = this.pos - s - 11;
    if (frameLen < 4) {
      // Python writes no frame for tiny pickles; drop ours the same way (at most 3 bytes to move)
      const b = this.buf;
      for (let i = s + 11; i < this.pos; i++) b[i - 9] = b[i]!;
      return this.pos - 9;
    }
    writeU64(this.buf, frameLen, s + 3);
    return this.pos;
  }

  /** The parts so far (null: none, the pickle is one buffer). */
  get partsSoFar(): readonly Buffer[] | null {
    return this.parts;
  }

  int(v: number): void {
    if (v >= 0 && v < 0x100) this.op2(op.BININT1, v);
    else if (v >= 0 && v < 0x10000) {
      this.ensure(3);
      this.buf[this.pos] = op.BININT2;
      this.buf.writeUInt16LE(v, this.pos + 1);
      this.pos += 3;
    } else if (v >= -0x80000000 && v <= 0x7fffffff) {
      this.ensure(5);
      this.buf[this.pos] = op.BININT;
      this.buf.writeInt32LE(v, this.pos + 1);
      this.pos += 5;
    } else this.long(BigInt(v));
  }

  /** LONG1/LONG4: little-endian two's complement, shortest form (as Python's encode_long). */
  long(v: bigint): void {
    if (v >= -0x80000000n && v <= 0x7fffffffn) return this.int(Number(v));
    let bits = (v < 0n ? -v - 1n : v).toString(2).length + 1; // +1 for the sign bit
    const n = Math.ceil(bits / 8);
    bits = n * 8;
    let u = BigInt.asUintN(bits, v);
    if (n < 256) this.op2(op.LONG1, n);
    else {
      this.ensure(5);
      this.buf[this.pos] = op.LONG4;
      this.buf.writeInt32LE(n, this.pos + 1);
      this.pos += 5;
    }
    this.ensure(n);
    for (let i = 0; i < n; i++) {
      this.buf[this.pos++] = Number(u & 0xffn);
      u >>= 8n;
    }
  }

  float(v: number): void {
    this.ensure(9);
    this.buf[this.pos] = op.BINFLOAT;
    if (LITTLE_ENDIAN) writeFloat64BE(this.buf, v, this.pos + 1);
    else this.buf.writeDoubleBE(v, this.pos + 1);
    this.pos += 9;
  }

  str(s: string): void {
    const n = s.length;
    if (n < 64) {
      // short ASCII (keys, names, method names): copy without a native round trip
      this.ensure(2 + n);
      const end = copyAscii(this.buf, this.pos + 2, s);
      if (end >= 0) {
        this.buf[this.pos] = op.SHORT_BINUNICODE;
        this.buf[this.pos + 1] = n;
        this.pos = end;
        return;
      }
    }
    const data = (s as string & { isWellFormed(): boolean }).isWellFormed() ? null : surrogatepass(s);
    const blen = data ? data.length : Buffer.byteLength(s, "utf8");
    if (blen < 256) this.op2(op.SHORT_BINUNICODE, blen);
    else if (blen <= 0xffffffff) {
      this.ensure(5);
      this.buf[this.pos] = op.BINUNICODE;
      this.buf.writeUInt32LE(blen, this.pos + 1);
      this.pos += 5;
    }
    this.ensure(blen);
    if (data) data.copy(this.buf, this.pos);
    else this.buf.write(s, this.pos, blen, "utf8");
    this.pos += blen;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    if (n < 256) this.op2(op.SHORT_BINBYTES, n);
    else if (n <= 0xffffffff) {
      this.ensure(5);
      this.buf[this.pos] = op.BINBYTES;
      this.buf.writeUInt32LE(n, this.pos + 1);
      this.pos += 5;
    } else {
      this.ensure(9);
      this.buf[this.pos] = op.BINBYTES8;
      this.buf.writeBigUInt64LE(BigInt(n), this.pos + 1);
      this.pos += 9;
    }
    if (this.byReference && n >= BY_REFERENCE_MIN) {
      // hand the caller's bytes over as a part of their own instead of copying them
      (this.parts ??= []).push(this.buf.subarray(this.start, this.pos), Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      this.partsLen += this.pos - this.start + n;
      this.buf = Buffer.allocUnsafe(256);
      this.pos = this.start = 0;
      return;
    }
    this.ensure(n);
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  global(module: string, name: string): void {
    this.str(module);
    this.str(name);
    this.u8(op.STACK_GLOBAL);
  }

  tuple(items: readonly unknown[], depth: number): void {
    const n = items.length;
    if (n === 0) return this.u8(op.EMPTY_TUPLE);
    if (n > 3) this.u8(op.MARK);
    for (let i = 0; i < n; i++) this.value(items[i], depth);
    this.u8(n === 1 ? op.TUPLE1 : n === 2 ? op.TUPLE2 : n === 3 ? op.TUPLE3 : op.TUPLE);
  }

  /** A batch's call list (batch-calls.ts): what tuple(vargs, 1) writes when every entry is a Tuple with a tuple of args. */
  private batchCalls(calls: BatchCalls): void {
    const n = calls.length;
    if (n === 0) return this.u8(op.EMPTY_TUPLE);
    if (n > 3) this.u8(op.MARK);
    for (let i = 0; i < n; i++) this.batchCall(calls[i]!);
    this.u8(n === 1 ? op.TUPLE1 : n === 2 ? op.TUPLE2 : n === 3 ? op.TUPLE3 : op.TUPLE);
  }

  /** value(tuple(method, tuple(...args), kwargs), 1), with the same depth checks. */
  private batchCall(c: BatchCall): void {
    if (2 > this.maxDepth) throw depthError(this.maxDepth); // the entry at depth 1, its args at 2
    const name = c[0], args = c[1], kwargs = c[2];
    if (typeof name === "string" && name.length < 64 && args.length === 0 && kwargs === BATCH_NO_KWARGS) {
      // a call without arguments, `name () {}`, in one piece: what str, tuple, EMPTY_DICT and TUPLE3 write for it
      this.ensure(name.length + 5);
      const b = this.buf, end = copyAscii(b, this.pos + 2, name);
      if (end >= 0) {
        b[this.pos] = op.SHORT_BINUNICODE;
        b[this.pos + 1] = name.length;
        b[end] = op.EMPTY_TUPLE;
        b[end + 1] = op.EMPTY_DICT;
        b[end + 2] = op.TUPLE3;
        this.pos = end + 3;
        return;
      }
    }
    if (typeof name === "string") this.str(name);
    else this.value(name, 2);
    this.tuple(args, 3);
    // a call without keyword arguments has the shared empty kwargs: plainDict writes EMPTY_DICT for it
    if (kwargs === BATCH_NO_KWARGS) this.u8(op.EMPTY_DICT);
    else this.value(kwargs, 2);
    this.u8(op.TUPLE3);
  }

  /** Batches of 1000 as Python's pickler writes them (keeps its unpickler's stack small). */
  private batched(items: Iterable<unknown>, opcode: number, depth: number, pairs: boolean): void {
    let count = 0;
    for (const it of items) {
      if (count === 0) this.u8(op.MARK);
      if (pairs) {
        const [k, v] = it as [unknown, unknown];
        this.value(k, depth);
        this.value(v, depth);
      } else this.value(it, depth);
      if (++count === 1000) {
        this.u8(opcode);
        count = 0;
      }
    }
    if (count) this.u8(opcode);
  }

  /** batched() for a plain array by index: the same opcodes without an iterator. */
  private list(items: unknown[], depth: number): void {
    let count = 0;
    for (let i = 0; i < items.length; i++) {
      if (count === 0) this.u8(op.MARK);
      this.value(items[i], depth);
      if (++count === 1000) {
        this.u8(op.APPENDS);
        count = 0;
      }
    }
    if (count) this.u8(op.APPENDS);
  }

  value(v: unknown, depth: number): void {
    switch (typeof v) {
      case "string":
        return this.str(v);
      case "number":
        if (isPythonInt(v)) return this.int(v); // 1e300 or 2**60 is a float that happens to be integral (issue 15)
        return this.float(v);
      case "boolean":
        return this.u8(v ? op.NEWTRUE : op.NEWFALSE);
      case "bigint":
        return this.long(v);
      case "undefined":
        return this.u8(op.NONE);
      case "object":
        if (v === null) return this.u8(op.NONE);
        if (depth > this.maxDepth) throw depthError(this.maxDepth);
        return this.object(v, depth + 1);
      default:
        throw new SerializeError(`cannot pickle a ${typeof v}`);
    }
  }

  private object(v: object, depth: number): void {
    if (Array.isArray(v)) {
      if (v instanceof Tuple) return this.tuple(v, depth);
      this.u8(op.EMPTY_LIST);
      return Object.getPrototypeOf(v) === Array.prototype ? this.list(v, depth) : this.batched(v, op.APPENDS, depth, false);
    }
    // dicts first: kwargs and records are the commonest objects (none of the classes below has a plain prototype)
    if (isPlainObject(v)) return this.dict(v as Record<string, unknown>, depth);
    if (v instanceof Uint8Array) return v instanceof ByteArray ? this.bytearray(v) : this.bytes(v);
    if (ArrayBuffer.isView(v) || v instanceof UnicodeArray) {
      const a = arrayPickleArgs(v);
      if (a) return this.array(a.typecode, a.mformat, a.items);
    }
    if (v instanceof Float) return this.float(v.value);
    if (v instanceof Map) {
      if (v instanceof OrderedDict) {
        this.global("collections", "OrderedDict");
        this.u8(op.EMPTY_TUPLE);
        this.u8(op.REDUCE);
      } else this.u8(op.EMPTY_DICT);
      return this.batched(v, op.SETITEMS, depth, true);
    }
    if (v instanceof Set) {
      if (v instanceof FrozenSet) {
        this.u8(op.MARK);
        for (const x of v) this.value(x, depth);
        return this.u8(op.FROZENSET);
      }
      this.u8(op.EMPTY_SET);
      return this.batched(v, op.ADDITEMS, depth, false);
    }
    if (v instanceof Date) return v instanceof PyDateTime ? this.pyDatetime(v) : v instanceof PyDate ? this.date(v) : this.datetime(v);
    if (v instanceof Complex) {
      this.global("builtins", "complex");
      this.float(v.real);
      this.float(v.imag);
      this.u8(op.TUPLE2);
      return this.u8(op.REDUCE);
    }
    if (v instanceof Decimal) {
      this.global("decimal", "Decimal");
      this.str(v.value);
      this.u8(op.TUPLE1);
      return this.u8(op.REDUCE);
    }
    if (v instanceof URI) return this.uri(v.state(), depth);
    if (v instanceof PyTime) return this.time(v);
    if (v instanceof TimeDelta) return this.timedelta(v.days, v.seconds, v.microseconds);
    if (v instanceof UUID) return this.uuid(v, depth);
    if (v instanceof Range) return this.range(v);
    if (ArrayBuffer.isView(v)) return this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    const replaced = this.options?.replace?.(v);
    if (replaced !== undefined && replaced !== v) return this.value(replaced, depth);
    return this.classDict(classToDict(v), depth);
  }

  private dict(d: Record<string, unknown>, depth: number): void {
    const cls = d.__class__;
    if (typeof cls === "string" && !realDicts.has(d)) {
      // Pyro4's dict forms (from classToDict, errorToDict or an autoproxy replacer) go out as the real objects
      if (d.__exception__ === true) return this.exception(d, depth);
      if (cls === "Pyro4.core.Proxy" || cls === "Pyro4.core.URI" || cls === "Pyro4.futures._ExceptionWrapper") return this.classDict(d, depth);
    }
    this.plainDict(d, depth);
  }

  private plainDict(d: Record<string, unknown>, depth: number): void {
    this.u8(op.EMPTY_DICT);
    const keys = Object.keys(d);
    for (let i = 0; i < keys.length; i += 1000) {
      const end = Math.min(keys.length, i + 1000);
      this.u8(op.MARK);
      for (let j = i; j < end; j++) {
        this.str(keys[j]!);
        this.value(d[keys[j]!], depth);
      }
      this.u8(op.SETITEMS);
    }
  }

  /** The dict form of a class instance: Pyro4's own classes become real objects, anything else a dict. */
  private classDict(d: Record<string, unknown>, depth: number): void {
    switch (d.__class__) {
      case "Pyro4.core.Proxy":
        return this.proxy(d.state as unknown[], depth);
      case "Pyro4.core.URI":
        return this.uri(d.state as unknown[], depth);
      case "Pyro4.futures._ExceptionWrapper":
        this.global("Pyro4.futures", "_ExceptionWrapper");
        this.u8(op.EMPTY_TUPLE);
        this.u8(op.NEWOBJ);
        this.u8(op.EMPTY_DICT);
        this.str("exception");
        this.value(d.exception, depth);
        this.u8(op.SETITEM);
        return this.u8(op.BUILD);
    }
    if (d.__exception__ === true && typeof d.__class__ === "string") return this.exception(d, depth);
    return this.plainDict(d, depth);
  }

  /** Pyro4.core.URI: NEWOBJ then BUILD with its __getstate__ tuple (protocol, object, sockname, host, port). */
  private uri(state: readonly unknown[], depth: number): void {
    this.global("Pyro4.core", "URI");
    this.u8(op.EMPTY_TUPLE);
    this.u8(op.NEWOBJ);
    this.tuple(state, depth);
    this.u8(op.BUILD);
  }

  /** Pyro4.core.Proxy: its __getstate__ 9-tuple (URI, oneway set, methods set, attrs set, timeout, hmac bytes...). */
  private proxy(s: readonly unknown[], depth: number): void {
    if (!Array.isArray(s) || s.length < 9) throw new SerializeError("invalid proxy state");
    const uri = s[0] instanceof URI ? s[0] : new URI(String(s[0]));
    const hmac = typeof s[5] === "string" && s[5].startsWith("b64:") ? Buffer.from(s[5].slice(4), "base64") : s[5] instanceof Uint8Array ? s[5] : null;
    this.global("Pyro4.core", "Proxy");
    this.u8(op.EMPTY_TUPLE);
    this.u8(op.NEWOBJ);
    this.u8(op.MARK);
    this.uri(uri.state(), depth);
    for (let i = 1; i <= 3; i++) this.value(new Set(s[i] as Iterable<unknown>), depth);
    this.float(Number(s[4] ?? 0));
    this.value(hmac, depth);
    this.value(s[6], depth);
    this.value(s[7], depth);
    this.value(s[8], depth);
    this.u8(op.TUPLE);
    this.u8(op.BUILD);
  }

  /** An exception dict (errorToDict's shape) as the exception itself: class(*args), then its attributes. */
  private exception(d: Record<string, unknown>, depth: number): void {
    const cls = d.__class__ as string;
    const dot = cls.lastIndexOf(".");
    this.global(dot < 0 ? "builtins" : cls.slice(0, dot), dot < 0 ? cls : cls.slice(dot + 1));
    const args = d.args;
    this.tuple(Array.isArray(args) ? args : args == null ? [] : [args], depth);
    this.u8(op.REDUCE);
    const attrs = d.attributes;
    if (attrs && typeof attrs === "object" && Object.keys(attrs).length) {
      this.value(attrs, depth);
      this.u8(op.BUILD);
    }
  }

  /** datetime.datetime with its wall-clock fields, microseconds, fold and fixed-offset tzinfo (with its name). */
  private pyDatetime(d: PyDateTime): void {
    const t = d.getTime();
    if (t !== t) throw new SerializeError("cannot serialize an invalid Date");
    const off = d.utcoffset;
    // the wall clock as PyDateTime computes it (one Date here instead of one per field getter)
    const w = new Date(off === null ? t : t + Math.round(off * 1000));
    const y = w.getUTCFullYear();
    if (y < 1 || y > 9999) throw new SerializeError(`year ${y} is out of Python's datetime range`);
    const us = d.microsecond;
    this.global("datetime", "datetime");
    this.state10(y, (w.getUTCMonth() + 1) | (d.fold ? 0x80 : 0), w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), us);
    if (off === null) this.u8(op.TUPLE1);
    else {
      this.timezone(off, d.tzname);
      this.u8(op.TUPLE2);
    }
    this.u8(op.REDUCE);
  }

  /** A datetime's 10-byte state as SHORT_BINBYTES, written in place (no Buffer per datetime). */
  private state10(y: number, month: number, day: number, h: number, m: number, sec: number, us: number): void {
    this.ensure(12);
    const b = this.buf;
    const p = this.pos;
    b[p] = op.SHORT_BINBYTES;
    b[p + 1] = 10;
    b[p + 2] = y >> 8;
    b[p + 3] = y & 0xff;
    b[p + 4] = month;
    b[p + 5] = day;
    b[p + 6] = h;
    b[p + 7] = m;
    b[p + 8] = sec;
    b[p + 9] = us >> 16;
    b[p + 10] = (us >> 8) & 0xff;
    b[p + 11] = us & 0xff;
    this.pos = p + 12;
  }

  /** datetime.date(year, month, day). */
  private date(d: PyDate): void {
    const y = d.getUTCFullYear();
    if (y !== y || y < 1 || y > 9999) throw new SerializeError(`year ${y} is out of Python's date range`);
    this.global("datetime", "date");
    this.ensure(6);
    const b = this.buf;
    const p = this.pos;
    b[p] = op.SHORT_BINBYTES;
    b[p + 1] = 4;
    b[p + 2] = y >> 8;
    b[p + 3] = y & 0xff;
    b[p + 4] = d.getUTCMonth() + 1;
    b[p + 5] = d.getUTCDate();
    this.pos = p + 6;
    this.u8(op.TUPLE1);
    this.u8(op.REDUCE);
  }

  /** datetime.time: fold is the high bit of the hour (protocol 4); the tzinfo a second argument. */
  private time(t: PyTime): void {
    const us = t.microsecond;
    this.global("datetime", "time");
    this.ensure(8);
    const b = this.buf;
    const p = this.pos;
    b[p] = op.SHORT_BINBYTES;
    b[p + 1] = 6;
    b[p + 2] = t.hour | (t.fold ? 0x80 : 0);
    b[p + 3] = t.minute;
    b[p + 4] = t.second;
    b[p + 5] = us >> 16;
    b[p + 6] = (us >> 8) & 0xff;
    b[p + 7] = us & 0xff;
    this.pos = p + 8;
    if (t.utcoffset === null) this.u8(op.TUPLE1);
    else {
      this.timezone(t.utcoffset, t.tzname);
      this.u8(op.TUPLE2);
    }
    this.u8(op.REDUCE);
  }

  /** datetime.timezone(timedelta(...)[, name]) for an offset in seconds (microseconds as its fraction). */
  private timezone(offset: number, name: string | null): void {
    const total = Math.round(offset * 1e6);
    const days = Math.floor(total / 86400e6);
    const rest = total - days * 86400e6;
    const secs = Math.floor(rest / 1e6);
    this.global("datetime", "timezone");
    this.timedelta(days, secs, rest - secs * 1e6);
    if (name === null) this.u8(op.TUPLE1);
    else {
      this.str(name);
      this.u8(op.TUPLE2);
    }
    this.u8(op.REDUCE);
  }

  /** datetime.timedelta(days, seconds, microseconds), normalized as Python keeps it. */
  private timedelta(days: number, seconds: number, us: number): void {
    this.global("datetime", "timedelta");
    this.int(days);
    this.int(seconds);
    this.int(us);
    this.u8(op.TUPLE3);
    this.u8(op.REDUCE);
  }

  /** uuid.UUID as Python pickles it: an empty instance, then its state {'int': n[, 'is_safe': s]}. */
  private uuid(u: UUID, depth: number): void {
    this.global("uuid", "UUID");
    this.u8(op.EMPTY_TUPLE);
    this.u8(op.NEWOBJ);
    this.u8(op.EMPTY_DICT);
    this.str("int");
    this.long(u.int);
    this.u8(op.SETITEM);
    if (uuidSafe.has(u)) {
      this.str("is_safe");
      this.value(uuidSafe.get(u), depth);
      this.u8(op.SETITEM);
    }
    this.u8(op.BUILD);
  }

  /** bytearray(b'...'), as Python writes it below protocol 5. */
  private bytearray(b: ByteArray): void {
    this.global("builtins", "bytearray");
    this.bytes(b);
    this.u8(op.TUPLE1);
    this.u8(op.REDUCE);
  }

  /** array.array as Python writes it at protocol 3+: array._array_reconstructor(array.array, typecode, mformat, bytes). */
  private array(typecode: string, mformat: number, items: Uint8Array): void {
    this.global("array", "_array_reconstructor");
    this.u8(op.MARK);
    this.global("array", "array");
    this.str(typecode);
    this.int(mformat);
    this.bytes(items);
    this.u8(op.TUPLE);
    this.u8(op.REDUCE);
  }

  /** range(start, stop, step): Python always writes all three. */
  private range(r: Range): void {
    this.global("builtins", "range");
    for (const x of [r.start, r.stop, r.step]) {
      if (typeof x === "bigint") this.long(x);
      else if (Number.isSafeInteger(x)) this.int(x);
      else if (Number.isInteger(x)) this.long(BigInt(x));
      else throw new SerializeError(`range: ${x} is not an int`);
    }
    this.u8(op.TUPLE3);
    this.u8(op.REDUCE);
  }

  /** A Date as a naive datetime.datetime in UTC (microseconds from the milliseconds). */
  private datetime(d: Date): void {
    const t = d.getTime();
    if (t !== t) throw new SerializeError("cannot serialize an invalid Date");
    const y = d.getUTCFullYear();
    if (y < 1 || y > 9999) throw new SerializeError(`year ${y} is out of Python's datetime range`);
    const us = d.getUTCMilliseconds() * 1000;
    this.global("datetime", "datetime");
    this.state10(y, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), us);
    this.u8(op.TUPLE1);
    this.u8(op.REDUCE);
  }

  call(object: string, method: string, vargs: readonly unknown[], kwargs: Record<string, unknown> | null): void {
    this.u8(op.MARK);
    this.str(object);
    this.str(method);
    if (vargs instanceof BatchCalls) this.batchCalls(vargs);
    else this.tuple(vargs, 1);
    this.value(kwargs, 0);
    this.u8(op.TUPLE);
  }
}

/** A little-endian 8-byte length without a BigInt (lengths stay far below 2^53). */
function writeU64(b: Buffer, v: number, at: number): void {
  b.writeUInt32LE(v % 4294967296, at);
  b.writeUInt32LE(Math.floor(v / 4294967296), at + 4);
}

/** UTF-8 with Python's surrogatepass: a lone surrogate becomes its own 3-byte sequence. */
function surrogatepass(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Buffer.from(out);
}

export function pickleValue(value: unknown, options?: SerializeOptions): Buffer {
  const w = new Writer(options);
  w.begin();
  w.value(value, 0);
  return w.end();
}

/** Pyro4's PickleSerializer.dumpsCall: the tuple (object, method, vargs tuple, kwargs). */
export function pickleCall(object: string, method: string, vargs: readonly unknown[], kwargs: Record<string, unknown> | null, options?: SerializeOptions): Buffer {
  const w = new Writer(options);
  w.begin();
  w.call(object, method, vargs, kwargs);
  return w.end();
}

/** pickleValue / pickleCall with bytes of BY_REFERENCE_MIN or more handed over by reference (see Serializer). */
export function pickleValueParts(value: unknown, options?: SerializeOptions): SerializedParts {
  const w = new Writer(options);
  w.byReference = true;
  w.begin();
  w.value(value, 0);
  return w.endParts();
}

/** pickleValueParts written into a caller's reused buffer after its header room (Serializer.serializeDataFramed). */
export function pickleValueFramed(value: unknown, options: SerializeOptions | undefined, scratch: FrameScratch): readonly Buffer[] | null {
  const w = new Writer(options, scratch.buf, scratch.room);
  w.byReference = true;
  w.begin();
  w.value(value, 0);
  if (w.partsSoFar !== null) return w.endParts() as readonly Buffer[];
  // one buffer: the pickle is in the buffer last written, after its room
  scratch.end = w.finish();
  scratch.buf = w.buf;
  return null;
}
export function pickleCallParts(object: string, method: string, vargs: readonly unknown[], kwargs: Record<string, unknown> | null, options?: SerializeOptions): SerializedParts {
  const w = new Writer(options);
  w.byReference = true;
  w.begin();
  w.call(object, method, vargs, kwargs);
  return w.endParts();
}
