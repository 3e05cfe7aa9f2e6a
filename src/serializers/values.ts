// The Python <-> JavaScript value model shared by all four serializers: the marker types for Python values
// JavaScript lacks (defined in python/types.ts, re-exported here), the class-dict hooks (Pyro4's
// register_class_to_dict / register_dict_to_class), exception dicts and decode limits.
// Serializers call into this module; it never imports a serializer.

import { SerializeError, PyroError, RemoteError, pyroErrorClasses, pythonMessage, setRemoteTraceback } from "../errors.js";
import { errorTraceback, pythonNameOf } from "../python/exceptions.js";
import { URI } from "../uri.js";
import { PYRO4_VALUES, PYRO5_VALUES, unknownClassDict, type ValueDialect } from "./dialect.js";

// The marker types moved to python/types.ts (the Python-compatibility layer below the serializers).
export { Tuple, tuple, toTuple, newTuple, isTuple, FrozenSet, frozenset, isFrozenSet, Complex, Float, float, UUID, ByteArray, Range, OrderedDict } from "../python/types.js";
export { PyDateTime, PyDate, PyTime, TimeDelta, type ZoneOptions } from "../python/temporal.js";
import { toTuple } from "../python/types.js";

/** Python bytes as JavaScript sees them. Decoders return Buffers (which are Uint8Arrays). */
export type Bytes = Uint8Array;

/** Limits a decoder enforces on input a peer controls. */
export const limits = {
  /** Maximum nesting of containers; deeper input is a SerializeError, never a stack overflow. */
  maxDepth: 500,
};

export function depthError(): SerializeError {
  return new SerializeError(`data nested deeper than the limit of ${limits.maxDepth} levels`);
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
export function unregisterClassToDict(cls: unknown): void {
  const i = encoders.findIndex((e) => e.key === cls);
  if (i >= 0) encoders.splice(i, 1);
}
/** Turn received dicts whose `__class__` is `className` into objects (Pyro4's register_dict_to_class). */
export function registerDictToClass(className: string, converter: Decoder): void {
  decoders.set(className, converter);
}
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
  if (value instanceof Error) return errorToDict(value, undefined, dialect);
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
 * ExceptionWrapper, serpent's float nan; other classes refused: dialect.ts unknownClassDict). `keepUnknown` keeps
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
    case "float":
      if (typeof dict.value === "string") return parsePythonFloat(dict.value);
      break;
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
