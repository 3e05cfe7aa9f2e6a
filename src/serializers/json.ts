// The json serializer (Pyro4 id 2). Writes what Python's json.dumps writes for Pyro4's JsonSerializer
// (ensure_ascii=False, separators ", " and ": ", float repr, NaN/Infinity) so our bytes equal Python's, and reads
// everything Python emits, including NaN/Infinity and integers beyond 2^53 (kept exact as bigint).
// Decoding uses JSON.parse plus one post-processing walk on the common path; a small parser of our own takes
// over only when the text may hold long integers or Python's non-standard constants.

import { InvalidArgumentError, PyroError, SerializeError } from "../errors.js";
import type { Call, DeserializeOptions, SerializeOptions, Serializer } from "./types.js";
import { limitsOf } from "../limits.js";
import {
  Complex, Float, classToDict, depthError, dictToClass, isPlainObject, setKey, bytesOfDict, cannotSerialize, pythonClassOf,
  pythonSerializeError, UUID, ByteArray, Decimal, decimalText, PyDateTime, PyDate, PyTime, TimeDelta, Range,
} from "./values.js";
import { floatRepr, isPythonInt } from "../python/float.js";
import { isoformat, pyIsoformat } from "../python/datetime.js";
import { arrayAsList } from "./pickle-arrays.js";

// ---------------------------------------------------------------------------------------------------
// Encoding

function jsonFloat(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return floatRepr(x);
}

function jsonNumber(x: number): string {
  if (isPythonInt(x)) return String(x);
  return jsonFloat(x);
}

function encodeKey(k: unknown): string {
  switch (typeof k) {
    case "string":
      return k;
    case "number":
      return jsonNumber(k);
    case "bigint":
      return k.toString();
    case "boolean":
      return k ? "true" : "false";
    case "object":
      if (k === null) return "null";
      if (k instanceof Float) return jsonFloat(k.value);
      break;
    case "undefined":
      return "null";
  }
  // json.dumps's own TypeError, with the type's tp_name (datetime.datetime, tuple; a Python class's bare name: UUID)
  throw pythonSerializeError("TypeError", `keys must be str, int, float, bool or None, not ${k instanceof UUID ? "UUID" : pythonClassOf(k)}`);
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal as Python writes it with ensure_ascii=False (JSON.stringify agrees; skip it when we can). */
function quote(s: string): string {
  if (s.length < 64) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
    }
    return '"' + s + '"';
  }
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

class JsonWriter {
  out = "";
  readonly maxDepth: number;
  constructor(private readonly options: SerializeOptions | undefined) {
    this.maxDepth = limitsOf(options).maxDepth;
  }

  value(v: unknown, depth: number): void {
    switch (typeof v) {
      case "string":
        this.out += quote(v); // same escapes as Python with ensure_ascii=False; lone surrogates as \udXXX
        return;
      case "number":
        this.out += jsonNumber(v);
        return;
      case "boolean":
        this.out += v ? "true" : "false";
        return;
      case "bigint":
        this.out += v.toString();
        return;
      case "undefined":
        this.out += "null";
        return;
      case "object":
        if (v === null) {
          this.out += "null";
          return;
        }
        if (depth > this.maxDepth) throw depthError(this.maxDepth);
        this.object(v, depth);
        return;
      default:
        throw new SerializeError(`cannot serialize a ${typeof v} with json`);
    }
  }

  private object(v: object, depth: number): void {
    if (Array.isArray(v)) return this.list(v, depth);
    if (isPlainObject(v)) {
      let first = true;
      this.out += "{";
      for (const k of Object.keys(v)) {
        this.out += first ? quote(k) + ": " : ", " + quote(k) + ": ";
        first = false;
        this.value((v as Record<string, unknown>)[k], depth + 1);
      }
      this.out += "}";
      return;
    }
    if (v instanceof Uint8Array) {
      // bytes are our extension (Python's json cannot send them); a bytearray Python's serializer refuses, as we do
      if (v instanceof ByteArray) throw cannotSerialize("bytearray", "JsonSerializer");
      this.out += `{"data": "${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")}", "encoding": "base64"}`;
      return;
    }
    if (v instanceof Map) {
      let first = true;
      this.out += "{";
      for (const [k, val] of v) {
        this.out += (first ? "" : ", ") + quote(encodeKey(k)) + ": ";
        first = false;
        this.value(val, depth + 1);
      }
      this.out += "}";
      return;
    }
    if (v instanceof Set) {
      // JsonSerializer.default turns a set into a list and refuses a frozenset (class_to_dict); ours sends a frozenset as a
      // list too, deliberately: Python's Pyro5 name server cannot list() a name registered without metadata (stored
      // as frozenset()) over this serializer, ours can (docs/pyro5.md)
      return this.list(v, depth);
    }
    if (v instanceof Float) {
      this.out += jsonFloat(v.value);
      return;
    }
    this.rare(v, depth);
  }

  /** Dates, the other marker types and class instances: kept out of object() so the common path stays small. */
  private rare(v: object, depth: number): void {
    if (v instanceof Date) {
      // default(): datetime and date as isoformat(); a plain Date is an aware UTC datetime
      this.out += '"' + (v instanceof PyDateTime || v instanceof PyDate ? pyIsoformat(v) : isoformat(v)) + '"';
      return;
    }
    if (v instanceof UUID) {
      this.out += '"' + v.toString() + '"';
      return;
    }
    if (v instanceof Decimal) {
      this.out += quote(decimalText(v.value)); // default(): str(decimal)
      return;
    }
    if (v instanceof Complex) throw cannotSerialize("complex", "JsonSerializer");
    if (v instanceof PyTime) throw cannotSerialize("datetime.time", "JsonSerializer");
    if (v instanceof TimeDelta) throw cannotSerialize("datetime.timedelta", "JsonSerializer");
    if (v instanceof Range) throw cannotSerialize("range", "JsonSerializer");
    const replaced = this.options?.replace?.(v);
    if (replaced !== undefined && replaced !== v) return this.value(replaced, depth + 1);
    const items = arrayAsList(v); // array.array: a list ('u': a str), as Pyro4's default() sends it
    if (items !== undefined) return this.value(items, depth);
    this.value(classToDict(v, this.options?.dialect), depth);
  }

  private list(items: Iterable<unknown>, depth: number): void {
    let first = true;
    this.out += "[";
    for (const item of items) {
      if (!first) this.out += ", ";
      first = false;
      this.value(item, depth + 1);
    }
    this.out += "]";
  }
}

function encode(value: unknown, options: SerializeOptions | undefined): Buffer {
  return Buffer.from(encodeText(value, options), "utf8");
}

/** The JSON text of `value` (Serializer.serializeDataText). */
function encodeText(value: unknown, options: SerializeOptions | undefined): string {
  const w = new JsonWriter(options);
  try {
    w.value(value, 1);
  } catch (e) {
    throw asSerializeError(e, w.maxDepth);
  }
  return w.out;
}

/** Keep Pyro errors (e.g. SecurityError from a class hook); anything else becomes a SerializeError. */
function asSerializeError(e: unknown, maxDepth: number): Error {
  // a bad value one of our constructors refused (InvalidArgumentError) is malformed input, like a TypeError was
  if (e instanceof PyroError && !(e instanceof InvalidArgumentError)) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return depthError(maxDepth);
  const msg = e instanceof Error ? e.message : String(e);
  return new SerializeError(`json: ${msg}`, { cause: e });
}

// ---------------------------------------------------------------------------------------------------
// Decoding

/** Turn the dicts Pyro4 gives meaning to (base64 bytes, `__class__` dicts) into values; bound the depth. */
function postprocess(v: unknown, depth: number, strict: boolean, max: number): unknown {
  if (depth > max) throw depthError(max);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== null && typeof x === "object") v[i] = postprocess(x, depth + 1, strict, max);
    }
    return v;
  }
  const obj = v as Record<string, unknown>;
  let n = 0;
  for (const k in obj) {
    n++;
    const x = obj[k];
    if (x !== null && typeof x === "object") obj[k] = postprocess(x, depth + 1, strict, max);
  }
  return finishDict(obj, n, strict);
}

function finishDict(obj: Record<string, unknown>, nkeys: number, _strict: boolean): unknown {
  if (typeof obj.__class__ === "string") return dictToClass(obj);
  // our own bytes (Python's json cannot send bytes): only the exact dict we write, so any other goes back as it came
  return nkeys === 2 ? bytesOfDict(obj, 2) ?? obj : obj;
}

// Integers of 16+ digits may exceed 2^53; a number token follows a structural character or starts the text.
const LONG_INT = /(?:^|[\s,:[])-?\d{16}/;

/** `strict`: a call, read as Python's daemon reads it (unknown class dicts refused, see dictToClass). */
function parse(data: Uint8Array, options: DeserializeOptions | undefined, strict = false): unknown {
  const max = limitsOf(options).maxDepth;
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");
  if (!LONG_INT.test(text)) {
    let parsed: unknown;
    let ok = true;
    try {
      parsed = JSON.parse(text);
    } catch {
      ok = false; // NaN/Infinity, or malformed: the careful parser decides and explains
    }
    if (ok) {
      if (parsed === null || typeof parsed !== "object") return parsed;
      try {
        return postprocess(parsed, 1, strict, max);
      } catch (e) {
        throw asSerializeError(e, max);
      }
    }
  }
  try {
    return new JsonParser(text, strict, max).parseDocument();
  } catch (e) {
    throw asSerializeError(e, max);
  }
}

const WS = new Uint8Array(128);
WS[0x20] = WS[0x09] = WS[0x0a] = WS[0x0d] = 1;

/** Strict JSON plus Python's NaN/Infinity/-Infinity; integers beyond 2^53 become bigint. */
class JsonParser {
  private pos = 0;
  constructor(
    private readonly s: string,
    private readonly strict: boolean,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): unknown {
    const v = this.value(1);
    this.ws();
    if (this.pos < this.s.length) this.fail("extra data");
    return v;
  }

  private fail(what: string): never {
    throw new SerializeError(`invalid json data: ${what} at position ${this.pos}`);
  }

  private ws(): void {
    const s = this.s;
    let p = this.pos;
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c < 128 && WS[c]) p++;
      else break;
    }
    this.pos = p;
  }

  private value(depth: number): unknown {
    this.ws();
    const s = this.s;
    const c = s.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.object(depth);
      case 0x5b: // [
        return this.array(depth);
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal("true", true);
      case 0x66: // f
        return this.literal("false", false);
      case 0x6e: // n
        return this.literal("null", null);
      case 0x4e: // N
        return this.literal("NaN", NaN);
      case 0x49: // I
        return this.literal("Infinity", Infinity);
      case 0x2d: // -
        if (s.charCodeAt(this.pos + 1) === 0x49) {
          this.pos++;
          return this.literal("Infinity", -Infinity);
        }
        return this.number();
      default:
        if (c >= 0x30 && c <= 0x39) return this.number();
        this.fail(this.pos >= s.length ? "unexpected end of data" : `unexpected character ${JSON.stringify(s[this.pos])}`);
    }
  }

  private literal(word: string, v: unknown): unknown {
    if (!this.s.startsWith(word, this.pos)) this.fail("invalid literal");
    this.pos += word.length;
    return v;
  }

  private number(): number | bigint {
    const s = this.s;
    const start = this.pos;
    let p = start;
    if (s.charCodeAt(p) === 0x2d) p++;
    const intStart = p;
    while (p < s.length && s.charCodeAt(p) >= 0x30 && s.charCodeAt(p) <= 0x39) p++;
    const intDigits = p - intStart;
    if (intDigits === 0) {
      this.pos = p;
      this.fail("invalid number");
    }
    if (intDigits > 1 && s.charCodeAt(intStart) === 0x30) {
      this.pos = intStart;
      this.fail("leading zero in number");
    }
    let isFloat = false;
    if (s.charCodeAt(p) === 0x2e) {
      isFloat = true;
      p++;
      const f = p;
      while (p < s.length && s.charCodeAt(p) >= 0x30 && s.charCodeAt(p) <= 0x39) p++;
      if (p === f) {
        this.pos = p;
        this.fail("invalid number");
      }
    }
    const e = s.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      isFloat = true;
      p++;
      const sign = s.charCodeAt(p);
      if (sign === 0x2b || sign === 0x2d) p++;
      const f = p;
      while (p < s.length && s.charCodeAt(p) >= 0x30 && s.charCodeAt(p) <= 0x39) p++;
      if (p === f) {
        this.pos = p;
        this.fail("invalid number");
      }
    }
    this.pos = p;
    const text = s.slice(start, p);
    if (isFloat || intDigits < 16) return Number(text);
    const big = BigInt(text);
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
  }

  private string(): string {
    const s = this.s;
    let p = this.pos + 1;
    let chunkStart = p;
    let out = "";
    for (;;) {
      if (p >= s.length) {
        this.pos = p;
        this.fail("unterminated string");
      }
      const c = s.charCodeAt(p);
      if (c === 0x22) break;
      if (c < 0x20) {
        this.pos = p;
        this.fail("invalid control character in string");
      }
      if (c !== 0x5c) {
        p++;
        continue;
      }
      out += s.slice(chunkStart, p);
      const esc = s.charCodeAt(p + 1);
      p += 2;
      switch (esc) {
        case 0x22: out += '"'; break;
        case 0x5c: out += "\\"; break;
        case 0x2f: out += "/"; break;
        case 0x62: out += "\b"; break;
        case 0x66: out += "\f"; break;
        case 0x6e: out += "\n"; break;
        case 0x72: out += "\r"; break;
        case 0x74: out += "\t"; break;
        case 0x75: {
          const hex = s.slice(p, p + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = p;
            this.fail("invalid \\u escape");
          }
          out += String.fromCharCode(parseInt(hex, 16)); // lone surrogates stay lone code units
          p += 4;
          break;
        }
        default:
          this.pos = p - 1;
          this.fail("invalid escape");
      }
      chunkStart = p;
    }
    this.pos = p + 1;
    return out + s.slice(chunkStart, p);
  }

  private array(depth: number): unknown[] {
    if (depth > this.maxDepth) throw depthError(this.maxDepth);
    this.pos++;
    const arr: unknown[] = [];
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return arr;
    }
    for (;;) {
      arr.push(this.value(depth + 1));
      this.ws();
      const c = this.s.charCodeAt(this.pos++);
      if (c === 0x5d) return arr;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  private object(depth: number): unknown {
    if (depth > this.maxDepth) throw depthError(this.maxDepth);
    this.pos++;
    const obj: Record<string, unknown> = {};
    let n = 0;
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 0x22) this.fail("expected a string key");
      const key = this.string();
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      const v = this.value(depth + 1);
      if (!Object.prototype.hasOwnProperty.call(obj, key)) n++;
      setKey(obj, key, v);
      this.ws();
      const c = this.s.charCodeAt(this.pos++);
      if (c === 0x7d) return finishDict(obj, n, this.strict);
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }
}

function checkCall(v: unknown): Call {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new SerializeError("invalid json call data: not a dict");
  const d = v as Record<string, unknown>;
  const { object, method, params, kwargs } = d;
  if (typeof object !== "string" || typeof method !== "string")
    throw new SerializeError("invalid json call data: object and method must be strings");
  if (!Array.isArray(params)) throw new SerializeError("invalid json call data: params must be a list");
  if (kwargs !== null && kwargs !== undefined && (typeof kwargs !== "object" || !isPlainObject(kwargs as object) || Array.isArray(kwargs)))
    throw new SerializeError("invalid json call data: kwargs must be a dict or null");
  return { object, method, vargs: params, kwargs: (kwargs ?? null) as Record<string, unknown> | null };
}

export const json: Serializer = {
  name: "json",
  id: 2,
  tuples: false,
  serializeData(value: unknown, options?: SerializeOptions): Buffer {
    return encode(value, options);
  },
  serializeDataText(value: unknown, options?: SerializeOptions): string {
    return encodeText(value, options);
  },
  deserializeData(data: Uint8Array, options?: DeserializeOptions): unknown {
    return parse(data, options);
  },
  serializeCall(object, method, vargs, kwargs, options): Buffer {
    return encode({ object, method, params: vargs, kwargs }, options);
  },
  deserializeCall(data: Uint8Array, options?: DeserializeOptions): Call {
    return checkCall(parse(data, options, true));
  },
};
