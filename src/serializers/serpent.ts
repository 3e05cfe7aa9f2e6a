// The serpent serializer (Pyro4's default, wire id 1): values travel as Python literal source text that
// Python reads with ast.literal_eval. The writer reproduces Python serpent 1.41's output byte for byte
// (as used by Pyro4's SerpentSerializer, module_in_classname=True), except where Python's own output would
// be unreadable (complex with NaN or -0.0 imaginary part); the reader is serpent-parser.ts.

import { SerializeError, PyroError } from "../errors.js";
import type { Serializer, Call, SerializeOptions } from "./types.js";
import { Tuple, Complex, Float, limits, depthError, classToDict, isPlainObject } from "./values.js";
import { parseSerpent } from "./serpent-parser.js";

const HEADER = "# serpent utf-8 python3.2\n";
const NAN_DICT = "{'__class__':'float','value':'nan'}";

// Printable ASCII except the quote and the backslash: such strings need no escaping at all.
const PLAIN_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;
// Characters Python's str.isprintable() rejects: Unicode "Other" and "Separator" categories except the
// ASCII space. repr() escapes them. (Python's Unicode version may differ from ours for newly assigned
// characters; both sides still read either form.)
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;
const NON_PRINTABLE_G = /[\p{C}\p{Z}]/gu;

let bmpEscape: Uint8Array | null = null;
/** One flag per BMP code unit (1 = escape it), built once with a single regex pass over all of them. */
function bmpTable(): Uint8Array {
  if (bmpEscape) return bmpEscape;
  const t = new Uint8Array(0x10000);
  const units = new Uint16Array(0x10000 - 0x800);
  for (let c = 0, i = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) units[i++] = c;
  let all = "";
  for (let i = 0; i < units.length; i += 8192) all += String.fromCharCode.apply(null, units.subarray(i, i + 8192) as unknown as number[]);
  for (const m of all.matchAll(NON_PRINTABLE_G)) t[m[0].charCodeAt(0)] = 1;
  t.fill(1, 0xd800, 0xe000); // lone surrogates (pairs are handled before the table is consulted)
  t[0x20] = 0;
  t[0x5c] = 1;
  return (bmpEscape = t);
}

const HEX = "0123456789abcdef".split("").map((ch) => ch.charCodeAt(0));
let scratch = new Uint16Array(1024);

/** repr() of a string that needs escapes: code units go to a scratch buffer (cheaper than many small concatenations). */
function escapedRepr(s: string, quote: number): string {
  const table = bmpTable();
  const len = s.length;
  if (scratch.length < len + 16) scratch = new Uint16Array(Math.max(len + 16, scratch.length * 2));
  let buf = scratch;
  let n = 0;
  buf[n++] = quote;
  for (let i = 0; i < len; i++) {
    if (n + 12 > buf.length) {
      const bigger = new Uint16Array(buf.length * 2);
      bigger.set(buf);
      buf = scratch = bigger;
    }
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (c === quote || c === 0x5c) buf[n++] = 0x5c;
      buf[n++] = c;
      continue;
    }
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
        if (!NON_PRINTABLE.test(String.fromCharCode(c, lo))) {
          buf[n++] = c;
          buf[n++] = lo;
          continue;
        }
      }
    }
    if (cp < 0x10000 && !table[cp]) {
      buf[n++] = cp;
      continue;
    }
    buf[n++] = 0x5c;
    let width: number;
    if (cp === 9 || cp === 10 || cp === 13) {
      buf[n++] = cp === 9 ? 0x74 : cp === 10 ? 0x6e : 0x72;
      continue;
    } else if (cp < 0x100) {
      buf[n++] = 0x78; // x
      width = 2;
    } else if (cp < 0x10000) {
      buf[n++] = 0x75; // u
      width = 4;
    } else {
      buf[n++] = 0x55; // U
      width = 8;
    }
    for (let k = (width - 1) * 4; k >= 0; k -= 4) buf[n++] = HEX[(cp >>> k) & 15]!;
  }
  buf[n++] = quote;
  let out = "";
  for (let i = 0; i < n; i += 8192) out += String.fromCharCode.apply(null, buf.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  return out;
}

/** Python's repr() of a str. */
export function pythonStrRepr(s: string): string {
  if (PLAIN_ASCII.test(s)) return "'" + s + "'";
  return escapedRepr(s, s.includes("'") && !s.includes('"') ? 0x22 : 0x27);
}

/** Python's repr() of a finite, non-NaN float (shortest round-trip digits, Python's notation rules). */
export function pythonFloatRepr(n: number): string {
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const a = n < 0 ? -n : n;
  if (a >= 1e-4 && a < 1e16) {
    // JavaScript uses the same digits and fixed notation in this range; Python always shows a fraction.
    const s = String(n);
    return s.includes(".") ? s : s + ".0";
  }
  const e = a.toExponential();
  const ePos = e.indexOf("e");
  const exp = Number(e.slice(ePos + 1));
  const absExp = exp < 0 ? -exp : exp;
  return (n < 0 ? "-" : "") + e.slice(0, ePos) + (exp < 0 ? "e-" : "e+") + (absExp < 10 ? "0" : "") + absExp;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
/** A Date as Python's datetime.isoformat() writes an aware UTC datetime. */
export function dateToIso(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new SerializeError("cannot serialize an invalid Date");
  const ms = d.getUTCMilliseconds();
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}` +
    (ms ? `.${pad(ms, 3)}000` : "") +
    "+00:00"
  );
}

function isHashableKey(k: unknown): boolean {
  switch (typeof k) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
    case "undefined":
      return true;
    case "object":
      return k === null || k instanceof Tuple || k instanceof Complex || k instanceof Float;
    default:
      return false;
  }
}

/** Builds serpent text. V8 string ropes make the += appends linear; the result is flattened once. */
/**
 * Bytes of at least this size are not turned into one big base64 string: they are base64-encoded in chunks
 * straight into the output buffer (`finish`). A string of a megabyte lives in V8's large-object space and
 * costs fresh pages on every call; the chunks stay small.
 */
const BIG_BYTES = 32 * 1024;
/** Chunk of raw bytes per base64 step: a multiple of 3, so the base64 pieces join without padding. */
const B64_CHUNK = 3 * 16 * 1024;

class Writer {
  out = HEADER;
  /** Text written so far and big byte blobs, in order, when the value holds any big bytes (else null). */
  parts: (string | Uint8Array)[] | null = null;
  private depth = 0;
  constructor(private readonly replace: ((value: object) => unknown) | undefined) {}

  value(v: unknown): void {
    switch (typeof v) {
      case "string":
        this.out += pythonStrRepr(v);
        return;
      case "number":
        // Only a safe integer is a Python int: anything integral beyond 2^53 was a float (1e300, 2.0**60) and
        // must go back as one (bigint is the way to send a big int).
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) this.out += String(v);
        else this.float(v);
        return;
      case "boolean":
        this.out += v ? "True" : "False";
        return;
      case "bigint":
        this.out += v.toString();
        return;
      case "undefined":
        this.out += "None";
        return;
      case "object":
        if (v === null) this.out += "None";
        else this.object(v);
        return;
      default:
        throw new SerializeError(`cannot serialize a value of type ${typeof v}`);
    }
  }

  float(n: number): void {
    if (n !== n) this.out += NAN_DICT;
    else if (n === Infinity) this.out += "1e30000";
    else if (n === -Infinity) this.out += "-1e30000";
    else this.out += pythonFloatRepr(n);
  }

  private object(v: object): void {
    if (++this.depth > limits.maxDepth) throw depthError();
    if (Array.isArray(v)) {
      if (v instanceof Tuple) this.tuple(v);
      else this.list(v);
    } else if (v instanceof Uint8Array) {
      if (v.byteLength >= BIG_BYTES) {
        (this.parts ??= []).push(this.out + "{'data': '", v);
        this.out = "', 'encoding': 'base64'}";
      } else {
        const b64 = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
        this.out += "{'data': '" + b64 + "', 'encoding': 'base64'}";
      }
    } else if (isPlainObject(v)) {
      this.dict(v as Record<string, unknown>);
    } else if (v instanceof Map) {
      this.map(v);
    } else if (v instanceof Set) {
      this.set(v);
    } else if (v instanceof Float) {
      this.float(v.value);
    } else if (v instanceof Complex) {
      this.complex(v);
    } else if (v instanceof Date) {
      this.out += pythonStrRepr(dateToIso(v));
    } else {
      const replaced = this.replace?.(v);
      if (replaced !== undefined) this.value(replaced);
      else this.dict(classToDict(v));
    }
    this.depth--;
  }

  tuple(t: readonly unknown[]): void {
    const n = t.length;
    this.out += "(";
    for (let i = 0; i < n; i++) {
      if (i > 0) this.out += ",";
      this.value(t[i]);
    }
    this.out += n === 1 ? ",)" : ")";
  }

  private list(l: readonly unknown[]): void {
    this.out += "[";
    for (let i = 0; i < l.length; i++) {
      if (i > 0) this.out += ",";
      this.value(l[i]);
    }
    this.out += "]";
  }

  dict(d: Record<string, unknown>): void {
    this.out += "{";
    let first = true;
    for (const k in d) {
      if (!Object.prototype.hasOwnProperty.call(d, k)) continue;
      if (first) first = false;
      else this.out += ",";
      this.out += pythonStrRepr(k) + ":";
      this.value(d[k]);
    }
    this.out += "}";
  }

  private map(m: Map<unknown, unknown>): void {
    this.out += "{";
    let first = true;
    for (const [k, val] of m) {
      if (!isHashableKey(k)) throw new SerializeError("a dict key must be a str, number, bool, None, tuple or complex");
      if (first) first = false;
      else this.out += ",";
      this.value(k);
      this.out += ":";
      this.value(val);
    }
    this.out += "}";
  }

  private set(s: Set<unknown>): void {
    // Python has no empty-set literal; serpent sends an empty tuple instead.
    if (s.size === 0) {
      this.out += "()";
      return;
    }
    this.out += "{";
    let first = true;
    for (const e of s) {
      if (!isHashableKey(e)) throw new SerializeError("a set element must be a str, number, bool, None, tuple or complex");
      if (first) first = false;
      else this.out += ",";
      this.value(e);
    }
    this.out += "}";
  }

  private complex(c: Complex): void {
    const re = c.real;
    const im = c.imag;
    // Python serpent would write NaN parts as a dict inside the literal, which no reader accepts.
    if (re !== re || im !== im) throw new SerializeError("a complex number with a NaN part cannot be serialized with serpent");
    this.out += "(";
    this.float(re);
    // Python serpent writes "+-0.0j" for a negative-zero imaginary part, which ast.literal_eval rejects;
    // "-0.0j" keeps the output readable by Python.
    if (im >= 0 && !Object.is(im, -0)) this.out += "+";
    this.float(im);
    this.out += "j)";
  }
}

function finish(w: Writer): Buffer {
  const parts = w.parts;
  if (parts === null) return Buffer.from(w.out, "utf8");
  parts.push(w.out);
  let total = 0;
  for (const p of parts) total += typeof p === "string" ? Buffer.byteLength(p, "utf8") : Math.ceil(p.byteLength / 3) * 4;
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (const p of parts) {
    if (typeof p === "string") {
      off += out.write(p, off, "utf8");
      continue;
    }
    const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    for (let i = 0; i < b.length; i += B64_CHUNK) off += out.write(b.toString("base64", i, Math.min(b.length, i + B64_CHUNK)), off, "latin1");
  }
  return out;
}

function run<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PyroError) throw e;
    if (e instanceof RangeError) throw depthError();
    throw new SerializeError(`serpent: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function serializeData(value: unknown, options?: SerializeOptions): Buffer {
  return run(() => {
    const w = new Writer(options?.replace);
    w.value(value);
    return finish(w);
  });
}

function serializeCall(
  object: string,
  method: string,
  vargs: readonly unknown[],
  kwargs: Record<string, unknown> | null,
  options?: SerializeOptions,
): Buffer {
  return run(() => {
    const w = new Writer(options?.replace);
    // Pyro4's SerpentSerializer.dumpsCall: the 4-tuple (objectId, method, vargs-tuple, kwargs-or-None).
    w.out += "(" + pythonStrRepr(String(object)) + "," + pythonStrRepr(String(method)) + ",";
    w.tuple(vargs);
    w.out += ",";
    if (kwargs == null) w.out += "None";
    else w.value(kwargs);
    w.out += ")";
    return finish(w);
  });
}

function deserializeData(data: Uint8Array): unknown {
  return parseSerpent(data);
}

function deserializeCall(data: Uint8Array): Call {
  const v = parseSerpent(data);
  if (!Array.isArray(v) || v.length !== 4) throw new SerializeError("serpent call data is not a 4-tuple");
  // index reads: destructuring a decoded Tuple (its own prototype) takes V8's slow iterator path
  const a = v as unknown[];
  const object = a[0], method = a[1], vargs = a[2], kwargs = a[3];
  if (typeof object !== "string" || typeof method !== "string")
    throw new SerializeError("serpent call data: object id and method name must be strings");
  if (!Array.isArray(vargs)) throw new SerializeError("serpent call data: vargs must be a tuple or list");
  if (kwargs !== null && (typeof kwargs !== "object" || !isPlainObject(kwargs)))
    throw new SerializeError("serpent call data: kwargs must be a dict with str keys or None");
  return { object, method, vargs, kwargs: kwargs as Record<string, unknown> | null };
}

export const serpent: Serializer = {
  name: "serpent",
  id: 1,
  tuples: true,
  serializeData,
  deserializeData,
  serializeCall,
  deserializeCall,
};
