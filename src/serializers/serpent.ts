// The serpent serializer (Pyro4's default, wire id 1): values travel as Python literal source text that
// Python reads with ast.literal_eval. The writer reproduces Python serpent 1.41's output byte for byte (as used
// by Pyro4's SerpentSerializer, module_in_classname=True), even where Python cannot read it back (complex with a
// NaN or -0.0 imaginary part): a Python peer then fails on our text exactly as on Python's own. It refuses what
// Python serpent refuses, with serpent's errors. The reader is serpent-parser.ts.

import { InvalidArgumentError, SerializeError, PyroError } from "../errors.js";
import type { Serializer, Call, DeserializeOptions, SerializeOptions } from "./types.js";
import { limitsOf } from "../limits.js";
import type { ValueDialect } from "./dialect.js";
import {
  Tuple, Complex, Float, depthError, classToDict, isPlainObject, tuple, ByteArray, OrderedDict, UUID, Range,
  PyDateTime, PyDate, PyTime, TimeDelta, pythonClassOf, pythonSerializeError, Decimal, decimalText, unpackError,
} from "./values.js";
import { parseSerpent } from "./serpent-parser.js";
import { BatchCalls, type BatchCall } from "./batch-calls.js";
import { strRepr } from "../python/str.js";
import { floatRepr, isPythonInt } from "../python/float.js";
import { isoformat, pyIsoformat } from "../python/datetime.js";
import { arrayAsList } from "./pickle-arrays.js";

const HEADER = "# serpent utf-8 python3.2\n";
const NAN_DICT = "{'__class__':'float','value':'nan'}";

/**
 * Python serpent's `_check_hashable_type` for dict keys and set elements: bool, bytes, str, tuple and numbers
 * only. None (and a datetime, a frozenset, ...) is refused with serpent's own TypeError, before anything is sent.
 */
function checkKey(k: unknown): void {
  switch (typeof k) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
      return;
    case "object":
      if (k instanceof Tuple || k instanceof Complex || k instanceof Float || k instanceof Decimal || (k instanceof Uint8Array && !(k instanceof ByteArray))) return;
  }
  throw pythonSerializeError(
    "TypeError",
    `one of the keys in a dict or set is not of a primitive hashable type: <class '${pythonClassOf(k)}'>. ` +
      "Use simple types as keys or use a list or tuple as container.",
  );
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
  constructor(
    private readonly replace: ((value: object) => unknown) | undefined,
    private readonly dialect: ValueDialect | undefined,
    private readonly maxDepth: number,
  ) {}

  value(v: unknown): void {
    switch (typeof v) {
      case "string":
        this.out += strRepr(v);
        return;
      case "number":
        if (isPythonInt(v)) this.out += String(v);
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
    else this.out += floatRepr(n);
  }

  private object(v: object): void {
    if (++this.depth > this.maxDepth) throw depthError(this.maxDepth);
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
      if (v instanceof OrderedDict) this.orderedDict(v);
      else this.map(v);
    } else if (v instanceof Set) {
      this.set(v);
    } else if (v instanceof Float) {
      this.float(v.value);
    } else if (v instanceof Complex) {
      this.complex(v);
    } else {
      this.rare(v);
    }
    this.depth--;
  }

  /** serpent's own OrderedDict rule (module_in_classname): a class dict with the items as a list of pairs. */
  private orderedDict(v: OrderedDict): void {
    this.dict({ __class__: "collections.OrderedDict", items: Array.from(v, ([k, x]) => tuple(k, x)) });
  }

  /** Dates, the other marker types and class instances: kept out of object() so the common path stays small. */
  private rare(v: object): void {
    if (v instanceof Date) {
      // serpent writes datetime and date as isoformat() text; a plain Date is an aware UTC datetime
      this.out += strRepr(v instanceof PyDateTime || v instanceof PyDate ? pyIsoformat(v) : isoformat(v));
    } else if (v instanceof UUID) {
      this.out += strRepr(v.toString());
    } else if (v instanceof Decimal) {
      this.out += strRepr(decimalText(v.value)); // serpent: repr(str(decimal))
    } else if (v instanceof PyTime) {
      this.out += strRepr(v.isoformat());
    } else if (v instanceof TimeDelta) {
      this.float(v.totalSeconds()); // serpent: repr(total_seconds()), a float
    } else if (v instanceof Range) {
      throw pythonSerializeError("TypeError", "don't know how to serialize class <class 'range'>. Give it vars() or an appropriate __getstate__");
    } else {
      const replaced = this.replace?.(v);
      if (replaced !== undefined) this.value(replaced);
      else {
        const items = arrayAsList(v); // array.array: a list ('u': a str), as serpent writes it
        if (items !== undefined) this.value(items);
        else this.dict(classToDict(v, this.dialect));
      }
    }
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

  /** A batch's call list (batch-calls.ts): what tuple() writes when every entry is a Tuple with a tuple of args. */
  batchCalls(calls: BatchCalls): void {
    const n = calls.length;
    this.out += "(";
    for (let i = 0; i < n; i++) {
      if (i > 0) this.out += ",";
      this.batchCall(calls[i]!);
    }
    this.out += n === 1 ? ",)" : ")";
  }

  /** value(tuple(method, tuple(...args), kwargs)), with the same depth checks. */
  private batchCall(c: BatchCall): void {
    if (++this.depth > this.maxDepth) throw depthError(this.maxDepth);
    this.out += "(";
    this.value(c[0]);
    this.out += ",";
    if (++this.depth > this.maxDepth) throw depthError(this.maxDepth);
    this.tuple(c[1]);
    this.depth--;
    this.out += ",";
    this.value(c[2]);
    this.out += ")";
    this.depth--;
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
      this.out += strRepr(k) + ":";
      this.value(d[k]);
    }
    this.out += "}";
  }

  private map(m: Map<unknown, unknown>): void {
    this.out += "{";
    let first = true;
    for (const [k, val] of m) {
      checkKey(k);
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
      checkKey(e);
      if (first) first = false;
      else this.out += ",";
      this.value(e);
    }
    this.out += "}";
  }

  /**
   * Exactly Python serpent's text, also where ast.literal_eval cannot read it back: a NaN part is the nan dict
   * and a negative-zero imaginary part "+-0.0j" (no literal gives complex(x, -0.0): "x-0.0j" is x+0j). A Python
   * reader fails on those just as on the same value from Python's serializer; ours reads them (serpent-parser.ts).
   */
  private complex(c: Complex): void {
    const im = c.imag;
    this.out += "(";
    this.float(c.real);
    if (im >= 0) this.out += "+"; // as Python's `imag >= 0`: true for -0.0, false for nan
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

function run<T>(maxDepth: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PyroError && !(e instanceof InvalidArgumentError)) throw e;
    if (e instanceof RangeError || (e instanceof InvalidArgumentError && e.pythonType === "builtins.ValueError")) throw depthError(maxDepth);
    throw new SerializeError(`serpent: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function serializeData(value: unknown, options?: SerializeOptions): Buffer {
  const maxDepth = limitsOf(options).maxDepth;
  return run(maxDepth, () => {
    const w = new Writer(options?.replace, options?.dialect, maxDepth);
    w.value(value);
    return finish(w);
  });
}

/** serializeData's text, or its Buffer when the value holds big bytes (Serializer.serializeDataText). */
function serializeDataText(value: unknown, options?: SerializeOptions): string | Buffer {
  const maxDepth = limitsOf(options).maxDepth;
  return run(maxDepth, () => {
    const w = new Writer(options?.replace, options?.dialect, maxDepth);
    w.value(value);
    return w.parts === null ? w.out : finish(w);
  });
}

function serializeCall(
  object: string,
  method: string,
  vargs: readonly unknown[],
  kwargs: Record<string, unknown> | null,
  options?: SerializeOptions,
): Buffer {
  const maxDepth = limitsOf(options).maxDepth;
  return run(maxDepth, () => {
    const w = new Writer(options?.replace, options?.dialect, maxDepth);
    // Pyro4's SerpentSerializer.dumpsCall: the 4-tuple (objectId, method, vargs-tuple, kwargs-or-None).
    w.out += "(" + strRepr(String(object)) + "," + strRepr(String(method)) + ",";
    if (vargs instanceof BatchCalls) w.batchCalls(vargs);
    else w.tuple(vargs);
    w.out += ",";
    if (kwargs == null) w.out += "None";
    else w.value(kwargs);
    w.out += ")";
    return finish(w);
  });
}

function deserializeData(data: Uint8Array, options?: DeserializeOptions): unknown {
  return parseSerpent(data, false, limitsOf(options).maxDepth);
}


function deserializeCall(data: Uint8Array, options?: DeserializeOptions): Call {
  const v = parseSerpent(data, true, limitsOf(options).maxDepth);
  if (!Array.isArray(v) || v.length !== 4) throw unpackError(v, 4) ?? new SerializeError("serpent call data is not a 4-tuple");
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
  serializeDataText,
  deserializeData,
  serializeCall,
  deserializeCall,
};
