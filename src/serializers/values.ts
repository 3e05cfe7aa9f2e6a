// The Python <-> JavaScript value model shared by all four serializers: the marker types for Python values
// JavaScript lacks (defined in python/types.ts, re-exported here), the class-dict hooks (Pyro4's
// register_class_to_dict / register_dict_to_class), exception dicts and the nesting error.
// Serializers call into this module; it never imports a serializer.

import { strRepr as pyStrRepr } from "../python/str.js";
import { parsePyFloat } from "../python/numbers.js";
import { SerializeError, RemoteError, pyroErrorClasses, pythonMessage, setRemoteTraceback } from "../errors.js";
import { errorTraceback, pythonNameOf } from "../python/exceptions.js";
import { URI } from "../uri.js";
import { PYRO4_VALUES, PYRO5_VALUES, unknownClassDict, type ValueDialect } from "./dialect.js";

// The marker types moved to python/types.ts (the Python-compatibility layer below the serializers).
export { Tuple, tuple, toTuple, newTuple, isTuple, FrozenSet, frozenset, isFrozenSet, Complex, Float, float, UUID, ByteArray, Range, OrderedDict } from "../python/types.js";
export { PyDateTime, PyDate, PyTime, TimeDelta, type ZoneOptions } from "../python/temporal.js";
// pickle's Decimal (defined with the pickle values): the other serializers send it as Python does, as its str()
export { Decimal } from "./pickle-values.js";
import { toTuple, Float, FrozenSet, OrderedDict, UUID, Range, Tuple, Complex, ByteArray } from "../python/types.js";
import { PyDate, PyTime, TimeDelta } from "../python/temporal.js";
import { Decimal } from "./pickle-values.js";

/** Python bytes as JavaScript sees them. Decoders return Buffers (which are Uint8Arrays). */
export type Bytes = Uint8Array;

/** Nesting deeper than `maxDepth` (Limits.maxDepth): a SerializeError, never a stack overflow. */
export function depthError(maxDepth: number): SerializeError {
  return new SerializeError(`data nested deeper than the limit of ${maxDepth} levels`);
}

// ---------------------------------------------------------------------------------------------------
// Class hooks

type Encoder = (value: any, dialect: ValueDialect) => Record<string, unknown>;
type Decoder = (className: string, dict: Record<string, unknown>) => unknown;

interface EncoderEntry {
  match: (value: object) => boolean;
  encode: Encoder;
  key: unknown;
}
const encoders: EncoderEntry[] = [];
const decoders = new Map<string, Decoder>();

/**
 * Teach every serializer to send instances of `cls` (or values `cls` accepts, when it is a predicate) as
 * the dict `converter` returns. Like Pyro4, that dict should carry `__class__`.
 */
export function registerClassToDict<T extends object>(
  cls: (abstract new (...args: any[]) => T) | ((value: object) => boolean),
  converter: (value: T, dialect: ValueDialect) => Record<string, unknown>,
  options: { isPredicate?: boolean } = {},
): void {
  unregisterClassToDict(cls);
  const match = options.isPredicate
    ? (cls as (value: object) => boolean)
    : (v: object) => v instanceof (cls as abstract new (...args: any[]) => T);
  encoders.unshift({ match, encode: converter as Encoder, key: cls });
}
/** Removes a converter added with `registerClassToDict` for this class. */
export function unregisterClassToDict(cls: unknown): void {
  const i = encoders.findIndex((e) => e.key === cls);
  if (i >= 0) encoders.splice(i, 1);
}
/** Turn received dicts whose `__class__` is `className` into objects (Pyro4's register_dict_to_class). */
export function registerDictToClass(className: string, converter: Decoder): void {
  decoders.set(className, converter);
}
/** Removes a converter added with `registerDictToClass` for this Python class name. */
export function unregisterDictToClass(className: string): void {
  decoders.delete(className);
}

/**
 * The dict form of a non-plain object (anything but null-prototype/Object-prototype objects, arrays, Maps,
 * Sets, bytes, Tuple, Complex, Float, Date, bigint), or undefined when no rule applies.
 * Order: user hooks, errors, URI, then objects with toJSON/own enumerable fields (class name attached).
 */
export function classToDict(value: object, dialect: ValueDialect = PYRO4_VALUES): Record<string, unknown> {
  for (let i = 0; i < encoders.length; i++) {
    const e = encoders[i]!;
    if (e.match(value)) return e.encode(value, dialect);
  }
  if (value instanceof URI) return { __class__: dialect.uriClass, state: toTuple(value.state()) };
  if (value instanceof Error) return errorValueToDict(value, dialect);
  const ctorName = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
  const dict: Record<string, unknown> = { __class__: ctorName };
  for (const k of Object.keys(value)) setKey(dict, k, (value as Record<string, unknown>)[k]);
  return dict;
}

/** True for objects that serialize as a Python dict directly (not via classToDict). */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Post-process a received dict that has a string `__class__`: user hooks first, then exception dicts (always an
 * error object, whatever their class: see dictToError), then the rules of Python's dict_to_class (URI,
 * ExceptionWrapper; serpent's float dict is the serpent reader's alone, see serpentFloat; other classes refused: dialect.ts unknownClassDict). `keepUnknown` keeps
 * an unknown class's dict instead (pickle, where it stands for an instance Python would have made).
 */
export function dictToClass(dict: Record<string, unknown>, keepUnknown = false): unknown {
  const cls = dict.__class__ as string;
  const hook = decoders.get(cls);
  if (hook) return hook(cls, dict);
  if (dict.__exception__ === true) return dictToError(dict);
  switch (cls) {
    case "Pyro4.core.URI":
    case "Pyro5.core.URI": {
      const state = dict.state as unknown[];
      return URI.fromState(state);
    }
    case "Pyro4.futures._ExceptionWrapper":
    case "Pyro5.core._ExceptionWrapper": {
      const ex = dict.exception;
      if (ex instanceof Error) return new ExceptionWrapper(ex);
      if (ex === null || typeof ex !== "object") throw new SerializeError("invalid _ExceptionWrapper: its exception is not an exception dict");
      return new ExceptionWrapper(dictToError(ex as Record<string, unknown>));
    }
  }
  return keepUnknown ? dict : unknownClassDict(cls, dict);
}

/** Batch results carry the failing call's exception in this wrapper (Pyro4.futures._ExceptionWrapper). */
export class ExceptionWrapper {
  constructor(readonly exception: Error) {}
}
registerClassToDict(ExceptionWrapper, (w, dialect) => ({ __class__: dialect.exceptionWrapperClass, exception: errorToDict(w.exception, undefined, dialect) }));

// ---------------------------------------------------------------------------------------------------
// Python's own errors, and the shapes Python gives values

/**
 * A SerializeError that a Python peer receives as the builtin exception Python's serializer raises in the same
 * place (`ValueError: year 10000 is out of range` from msgpack's datetime, `TypeError` from serpent's key check),
 * so a Python client sees the same error from our daemon as from Python's. In JavaScript it is a SerializeError
 * like any other (same class for instanceof, same code); only its wire class name differs.
 */
export function pythonSerializeError(
  pythonType: "ValueError" | "TypeError" | "OverflowError" | "KeyError" | "OSError" | "SyntaxError" | "UnicodeDecodeError", message: string, args?: unknown[],
): SerializeError {
  let cls = builtinSerializeErrors.get(pythonType);
  if (cls === undefined) {
    cls = class extends SerializeError {
      static override pythonName = "builtins." + pythonType;
    };
    Object.defineProperty(cls, "name", { value: "SerializeError" });
    builtinSerializeErrors.set(pythonType, cls);
  }
  const err = new cls(message);
  // Python's own args where they are not just the message (UnicodeDecodeError's five); not an attribute
  if (args) Object.defineProperty(err, "args", { value: args, enumerable: false, writable: true, configurable: true });
  return err;
}
const builtinSerializeErrors = new Map<string, typeof SerializeError>();

/**
 * The builtin Python class ("TypeError"...) of an error made by pythonSerializeError, else null. Python raises a
 * builtin exception there, not a Pyro CommunicationError, so a daemon answers it and keeps the connection (as
 * Python's does for serpent's TypeError).
 */
export function pythonBuiltinSerializeError(e: unknown): string | null {
  if (!(e instanceof SerializeError)) return null;
  const type = String((e.constructor as unknown as { pythonName: string }).pythonName).slice(9);
  return builtinSerializeErrors.get(type) === e.constructor ? type : null;
}

/**
 * Python's `a, b, ... = v` with `expected` names, for decoded data a daemon unpacks (a serpent call's 4-tuple, a
 * SerializedBlob's BLBI 3-tuple): the unpacking's own TypeError / ValueError, which Python's daemon answers while the
 * connection stays; null when `v` unpacks into `expected` items.
 */
export function unpackError(v: unknown, expected: number): SerializeError | null {
  const n = Array.isArray(v) || typeof v === "string" ? [...(v as Iterable<unknown>)].length
    : v instanceof Uint8Array ? v.length
      : v instanceof Map || v instanceof Set ? v.size
        : v !== null && typeof v === "object" && isPlainObject(v) ? Object.keys(v).length : -1;
  if (n < 0) return pythonSerializeError("TypeError", `cannot unpack non-iterable ${pythonClassOf(v)} object`);
  if (n < expected) return pythonSerializeError("ValueError", `not enough values to unpack (expected ${expected}, got ${n})`);
  if (n > expected) return pythonSerializeError("ValueError", `too many values to unpack (expected ${expected})`);
  return null;
}

/** Pyro4's class_to_dict failure for a Python type a serializer cannot carry, in Python's words. */
export function cannotSerialize(pythonClass: string, serializerClass: string): SerializeError {
  return new SerializeError(
    `don't know how to serialize class <class '${pythonClass}'> using serializer ${serializerClass}. Give it vars() or an appropriate __getstate__`,
  );
}

/** The Python class (`type(x)` as `<class '...'>` shows it) a value of the value model stands for. */
export function pythonClassOf(v: unknown): string {
  switch (typeof v) {
    case "string": return "str";
    case "number": return Number.isInteger(v) && !Object.is(v, -0) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? "int" : "float";
    case "bigint": return "int";
    case "boolean": return "bool";
    case "undefined": return "NoneType";
    case "object": break;
    default: return typeof v;
  }
  if (v === null) return "NoneType";
  if (v instanceof Tuple) return "tuple";
  if (Array.isArray(v)) return "list";
  if (v instanceof Uint8Array) return v instanceof ByteArray ? "bytearray" : "bytes";
  if (v instanceof FrozenSet) return "frozenset";
  if (v instanceof Set) return "set";
  if (v instanceof OrderedDict) return "collections.OrderedDict";
  if (v instanceof Map || isPlainObject(v)) return "dict";
  if (v instanceof Float) return "float";
  if (v instanceof Complex) return "complex";
  if (v instanceof PyDate) return "datetime.date";
  if (v instanceof Date) return "datetime.datetime";
  if (v instanceof PyTime) return "datetime.time";
  if (v instanceof TimeDelta) return "datetime.timedelta";
  if (v instanceof UUID) return "uuid.UUID";
  if (v instanceof Range) return "range";
  if (v instanceof Decimal) return "decimal.Decimal";
  return (v as { constructor?: { name?: string } }).constructor?.name ?? "object";
}

/**
 * Python keeps -0.0 in a set or as a dict key; a JavaScript Set or Map turns -0 into 0 (SameValueZero), which
 * would go back as the int 0. Decoders put this one frozen Float there instead, so it goes back as -0.0.
 */
export const NEG_ZERO: Float = Object.freeze(new Float(-0));

/** A decoded set element or dict key as a Set/Map must hold it (-0 becomes NEG_ZERO). */
export function hashKey(v: unknown): unknown {
  return v === 0 && 1 / (v as number) < 0 ? NEG_ZERO : v;
}

/**
 * Python's float(x) for what a float class dict carries (SerpentSerializer.dict_to_class: `float(data["value"])`):
 * str in Python's float syntax (spaces around, `_` between digits, inf/infinity/nan in any case), int, bool, float.
 * An integral result is a Float, so it goes back as a float, not an int. Anything else fails as Python fails.
 */
export function serpentFloat(value: unknown): number | Float {
  let x: number;
  if (typeof value === "string") {
    const parsed = parsePyFloat(value);
    if (parsed === null) throw pythonSerializeError("ValueError", `could not convert string to float: ${pyStrRepr(value)}`);
    x = parsed;
  } else if (typeof value === "number") x = value;
  else if (typeof value === "boolean") x = value ? 1 : 0;
  else if (typeof value === "bigint") {
    x = Number(value);
    if (!Number.isFinite(x)) throw pythonSerializeError("OverflowError", "int too large to convert to float");
  } else if (value instanceof Float) x = value.value;
  else throw pythonSerializeError("TypeError", `float() argument must be a string or a real number, not '${pythonClassOf(value)}'`);
  return Number.isInteger(x) && !Object.is(x, -0) ? new Float(x) : x;
}

const DECIMAL = /^([+-]?)(?:(\d(?:_?\d)*)?(?:\.(\d(?:_?\d)*)?)?(?:e([+-]?\d(?:_?\d)*))?|(inf|infinity)|(s?nan)(\d*))$/i;

/**
 * Python's str(Decimal(text)): what serpent, json and msgpack send for a decimal.Decimal (pickle's `Decimal`
 * keeps its text as given; Python normalizes it: `1e5` is `1E+5`, `123e-8` is `0.00000123`, `nan` is `NaN`).
 */
export function decimalText(text: string): string {
  const m = DECIMAL.exec(text.trim());
  if (m === null || (m[2] === undefined && m[3] === undefined && m[5] === undefined && m[6] === undefined))
    throw new SerializeError(`invalid Decimal text: ${JSON.stringify(text)}`);
  const sign = m[1] === "-" ? "-" : "";
  if (m[5] !== undefined) return sign + "Infinity";
  if (m[6] !== undefined) return sign + (m[6].length === 4 ? "sNaN" : "NaN") + (m[7] ? m[7].replace(/^0+/, "") : "");
  const intPart = (m[2] ?? "").replaceAll("_", "");
  const frac = (m[3] ?? "").replaceAll("_", "");
  const digits = (intPart + frac).replace(/^0+(?=\d)/, "") || "0";
  const exp = (m[4] === undefined ? 0 : Number(m[4].replaceAll("_", ""))) - frac.length;
  // Decimal.__str__
  const left = exp + digits.length;
  const dot = exp <= 0 && left > -6 ? left : 1;
  let s: string;
  if (dot <= 0) s = "0." + "0".repeat(-dot) + digits;
  else if (dot >= digits.length) s = digits + "0".repeat(dot - digits.length);
  else s = digits.slice(0, dot) + "." + digits.slice(dot);
  return sign + s + (left === dot ? "" : "E" + (left - dot >= 0 ? "+" : "") + (left - dot));
}

/**
 * The bytes of serpent's bytes dict `{'data': <base64>, 'encoding': 'base64'}` (json's too), or null when the dict
 * is not exactly what a serializer writes for bytes: two keys, `data` first, and `data` the canonical base64 of
 * its bytes (padded, standard alphabet, no stray characters or bits). Only then does decoding it to bytes and
 * sending those back give the very same dict again; Python itself never decodes it (serpent.tobytes is the
 * receiver's call), so any other dict must stay a dict to go back unchanged.
 */
export function bytesOfDict(d: Record<string, unknown>, nkeys: number): Buffer | null {
  if (nkeys !== 2 || d.encoding !== "base64") return null;
  const data = d.data;
  if (typeof data !== "string") return null;
  for (const k in d) {
    if (k !== "data") return null; // "data" must come first
    break;
  }
  return canonicalBase64(data);
}

/** The bytes of canonical base64 text, or null: Node's decoder skips what it does not know and takes `-`/`_`. */
export function canonicalBase64(s: string): Buffer | null {
  const n = s.length;
  if (n % 4 !== 0) return null;
  const pad = n > 0 && s.charCodeAt(n - 1) === 0x3d ? (s.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0;
  const b = Buffer.from(s, "base64");
  // a skipped or misplaced character shortens the output; url-safe characters do not, so look for them
  if (b.length !== (n / 4) * 3 - pad || s.indexOf("-") >= 0 || s.indexOf("_") >= 0) return null;
  if (pad > 0) {
    // the unused low bits of the last character before the padding must be zero
    const c = s.charCodeAt(n - pad - 1);
    const v = c >= 97 ? c - 71 : c >= 65 ? c - 65 : c >= 48 ? c + 4 : c === 43 ? 62 : 63;
    if ((v & (pad === 1 ? 0x3 : 0xf)) !== 0) return null;
  }
  return b;
}

export function parsePythonFloat(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === "nan" || t === "+nan" || t === "-nan") return NaN;
  if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  const n = Number(t);
  if (Number.isNaN(n)) throw new SerializeError(`invalid float value: ${text}`);
  return n;
}

/** Assign a key without letting `__proto__` reach the prototype chain. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

// ---------------------------------------------------------------------------------------------------
// Exceptions

/** An error's Python class name in a dialect: our classes are named after Pyro4's errors module; a Pyro5 peer
 * rebuilds them from its own. */
function dialectName(name: string, d: ValueDialect): string {
  return d !== PYRO4_VALUES && name.startsWith(PYRO4_VALUES.errorsPrefix) ? d.errorsPrefix + name.slice(PYRO4_VALUES.errorsPrefix.length) : name;
}

/** Pyro4's exception dict for an error (the daemon sends this with the EXCEPTION flag). */
export function errorToDict(err: Error, traceback?: string[] | null, dialect: ValueDialect = PYRO4_VALUES): Record<string, unknown> {
  const cls = dialectName(pythonNameOf(err), dialect);
  let args: unknown[];
  const attributes: Record<string, unknown> = {};
  if (err instanceof RemoteError) {
    args = err.args;
    // setKey, not Object.assign: a peer's "__proto__" attribute must stay an attribute, not become a prototype
    const attrs = err.attributes;
    for (const k of Object.keys(attrs)) setKey(attributes, k, attrs[k]);
  } else {
    const own = (err as { args?: unknown }).args;
    args = Array.isArray(own) ? own : err.message ? [err.message] : [];
    // A JS error mapped to a builtin keeps its JS class name visible to the Python side.
    if (cls === "builtins.Exception" && err.name !== "Error" && err.message) args = [`${err.name}: ${err.message}`];
    for (const k of Object.keys(err)) {
      if (k === "args" || k === "code" || k === "name" || k === "pythonType" || k === "remoteTraceback" || k === "cause") continue;
      setKey(attributes, k, (err as unknown as Record<string, unknown>)[k]);
    }
  }
  attributes._pyroTraceback =
    traceback !== undefined ? traceback : (err as { remoteTraceback?: string[] }).remoteTraceback ?? errorTraceback(err, cls);
  return { __class__: cls, __exception__: true, args: toTuple(args), attributes };
}

/**
 * An exception travelling as a value (an argument or a result, not an error reply): Python sends vars(obj), which
 * holds _pyroTraceback only when the exception already has one (it was raised through Pyro), so a traceback is
 * sent only when the error carries a remote one; none is made up.
 */
function errorValueToDict(err: Error, dialect: ValueDialect): Record<string, unknown> {
  const tb = (err as { remoteTraceback?: string[] }).remoteTraceback;
  const dict = errorToDict(err, tb ?? null, dialect);
  if (tb === undefined) delete (dict.attributes as Record<string, unknown>)._pyroTraceback;
  return dict;
}

/** Rebuild an error from a received exception dict: PyroError subclasses by name, else RemoteError. */
export function dictToError(dict: Record<string, unknown>): Error {
  const cls = String(dict.__class__ ?? "builtins.Exception");
  const args = Array.isArray(dict.args) ? Array.from(dict.args as unknown[]) : dict.args == null ? [] : [dict.args];
  const attrs = (dict.attributes && typeof dict.attributes === "object" ? dict.attributes : {}) as Record<string, unknown>;
  const short =
    cls.startsWith(PYRO4_VALUES.errorsPrefix) || cls.startsWith(PYRO5_VALUES.errorsPrefix) ? cls.slice(13) : cls.includes(".") ? null : cls;
  // The class name comes from the peer: only own entries count ("constructor", "__proto__", "toString" are not
  // error classes, whatever Object.prototype says).
  const ctor = short !== null && Object.hasOwn(pyroErrorClasses, short) ? pyroErrorClasses[short] : undefined;
  if (ctor) {
    const err = new ctor(pythonMessage(args));
    const tb = attrs._pyroTraceback;
    if (Array.isArray(tb)) setRemoteTraceback(err, tb as string[]);
    (err as unknown as { args: unknown[] }).args = args;
    return err;
  }
  // Any other class (builtins or user modules) is described, never resolved to code.
  return new RemoteError(cls, args, attrs);
}
