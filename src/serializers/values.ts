// The Python <-> JavaScript value model shared by all four serializers: marker types for Python values
// JavaScript lacks (tuple, complex, float-typed integrals), the class-dict hooks (Pyro4's
// register_class_to_dict / register_dict_to_class), exception dicts and decode limits.
// Serializers call into this module; it never imports a serializer.

import { SerializeError, PyroError, RemoteError, pyroErrorClasses, pythonMessage } from "../errors.js";
import { URI } from "../uri.js";
import { PYRO4_VALUES, PYRO5_VALUES, activeDialect, type ValueDialect } from "./dialect.js";

/** A Python tuple. A real Array (indexing, iteration, length work), distinguishable from a list. */
export class Tuple<T = unknown> extends Array<T> {
  // map/filter/slice on a tuple give plain arrays: a derived sequence is not a tuple in Python either.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}
/** Build a Python tuple: `tuple(1, "a")` travels as `(1, 'a')`. */
export function tuple<T>(...items: T[]): Tuple<T>;
export function tuple<T extends unknown[]>(...items: T): Tuple<T[number]>;
export function tuple(...items: unknown[]): Tuple<unknown> {
  return toTuple(items);
}
export function toTuple<T>(items: Iterable<T>): Tuple<T> {
  const arr = Array.isArray(items) ? (items as T[]) : Array.from(items);
  const t = newTuple<T>(arr.length);
  for (let i = 0; i < arr.length; i++) t[i] = arr[i]!;
  return t;
}
/**
 * An empty tuple of length n, for decoders to fill. Built as a plain Array given Tuple's prototype: `new Tuple(n)`
 * inside a hot decoder loop made V8 abort every optimization of that loop ("dependency change") and left the
 * marshal decoder about 8x slower; `push` onto the subclass is slower still.
 */
export function newTuple<T = unknown>(n: number): Tuple<T> {
  return Object.setPrototypeOf(new Array<T>(n), Tuple.prototype) as Tuple<T>;
}
export function isTuple(x: unknown): x is Tuple {
  return x instanceof Tuple;
}

/**
 * A Python frozenset: a Set that cannot change after it is built (add/delete/clear throw a TypeError, as the
 * missing methods do in Python). marshal carries it as its own type both ways; serpent has no frozenset literal
 * (Python itself sends one as a set), json and msgpack send it as a list, like a Set.
 */
export class FrozenSet<T = unknown> extends Set<T> {
  #frozen: boolean;
  constructor(items?: Iterable<T> | null) {
    super();
    // super(items) would call our add() before #frozen exists
    if (items != null) for (const x of items) super.add(x);
    this.#frozen = true;
  }
  override add(value: T): this {
    if (this.#frozen) throw new TypeError("a frozenset cannot be changed (add)");
    return super.add(value);
  }
  override delete(_value: T): boolean {
    throw new TypeError("a frozenset cannot be changed (delete)");
  }
  override clear(): void {
    throw new TypeError("a frozenset cannot be changed (clear)");
  }
}
/** Build a Python frozenset: `frozenset(1, "a")` travels as `frozenset({1, 'a'})` over marshal. */
export function frozenset<T>(...items: T[]): FrozenSet<T> {
  return new FrozenSet(items);
}
export function isFrozenSet(x: unknown): x is FrozenSet {
  return x instanceof FrozenSet;
}

/** Python complex number. */
export class Complex {
  constructor(
    readonly real: number,
    readonly imag: number,
  ) {}
  toString(): string {
    return `(${this.real}${this.imag < 0 || Object.is(this.imag, -0) ? "-" : "+"}${Math.abs(this.imag)}j)`;
  }
}

/**
 * A number that must travel as a Python float even when integral (JavaScript cannot tell 2 from 2.0).
 * Decoders return plain numbers; use `float(2)` when the Python side insists on a float type.
 */
export class Float {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}
export function float(value: number): Float {
  return new Float(value);
}

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

type Encoder = (value: any) => Record<string, unknown>;
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
  converter: (value: T) => Record<string, unknown>,
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
export function classToDict(value: object): Record<string, unknown> {
  for (let i = 0; i < encoders.length; i++) {
    const e = encoders[i]!;
    if (e.match(value)) return e.encode(value);
  }
  if (value instanceof URI) return { __class__: activeDialect().uriClass, state: toTuple(value.state()) };
  if (value instanceof Error) return errorToDict(value);
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
 * Post-process a received dict that has a string `__class__`: user hooks first, then the Pyro4 rules
 * (URI, exceptions, ExceptionWrapper, serpent's float nan). Unknown classes stay dicts (documented).
 */
export function dictToClass(dict: Record<string, unknown>): unknown {
  const cls = dict.__class__ as string;
  const hook = decoders.get(cls);
  if (hook) return hook(cls, dict);
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
  if (dict.__exception__ === true) return dictToError(dict);
  return dict;
}

/** Batch results carry the failing call's exception in this wrapper (Pyro4.futures._ExceptionWrapper). */
export class ExceptionWrapper {
  constructor(readonly exception: Error) {}
}
registerClassToDict(ExceptionWrapper, (w) => ({ __class__: activeDialect().exceptionWrapperClass, exception: errorToDict(w.exception) }));

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

/** JavaScript error names that have a same-meaning Python builtin. */
const jsToPython: Record<string, string> = {
  Error: "builtins.Exception",
  TypeError: "builtins.TypeError",
  RangeError: "builtins.ValueError",
  SyntaxError: "builtins.SyntaxError",
  ReferenceError: "builtins.NameError",
  EvalError: "builtins.RuntimeError",
  URIError: "builtins.ValueError",
  AggregateError: "builtins.Exception",
};
/** Python builtin exception names a Python client can rebuild (the subset worth mapping to). */
export const pythonBuiltinExceptions = new Set([
  "ArithmeticError", "AssertionError", "AttributeError", "BaseException", "BlockingIOError", "BrokenPipeError",
  "BufferError", "ChildProcessError", "ConnectionAbortedError", "ConnectionError", "ConnectionRefusedError",
  "ConnectionResetError", "EOFError", "EnvironmentError", "Exception", "FileExistsError", "FileNotFoundError",
  "FloatingPointError", "GeneratorExit", "IOError", "ImportError", "IndexError", "InterruptedError",
  "IsADirectoryError", "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError", "ModuleNotFoundError",
  "NameError", "NotADirectoryError", "NotImplementedError", "OSError", "OverflowError", "PermissionError",
  "ProcessLookupError", "RecursionError", "ReferenceError", "RuntimeError", "StopAsyncIteration", "StopIteration",
  "SyntaxError", "SystemError", "SystemExit", "TimeoutError", "TypeError", "UnboundLocalError", "UnicodeDecodeError",
  "UnicodeEncodeError", "UnicodeError", "ValueError", "ZeroDivisionError",
]);

/** Traceback lines for a JavaScript error, in the shape Python's traceback module prints. */
export function errorTraceback(err: Error, pythonName: string): string[] {
  const lines = ["Traceback (most recent call last):\n"];
  const frames = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).reverse();
  for (const f of frames) lines.push(`  ${f.trim()}\n`);
  const short = pythonName.replace(/^builtins\./, "");
  lines.push(err.message ? `${short}: ${err.message}\n` : `${short}\n`);
  return lines;
}

/** The Python class name an error travels as: one a Python client can rebuild. */
export function pythonNameOf(err: Error, dialect: ValueDialect = activeDialect()): string {
  if (err instanceof RemoteError) return err.pythonType;
  if (err instanceof PyroError) {
    const name = (err.constructor as typeof PyroError).pythonName;
    // our error classes are named after Pyro4's; a Pyro5 peer rebuilds them from its own errors module
    const d = dialect;
    return d !== PYRO4_VALUES && name.startsWith(PYRO4_VALUES.errorsPrefix) ? d.errorsPrefix + name.slice(PYRO4_VALUES.errorsPrefix.length) : name;
  }
  const explicit = (err as { pythonType?: unknown }).pythonType;
  if (typeof explicit === "string") return explicit;
  // own properties only: a name like "constructor" must not find Object.prototype members
  if (Object.hasOwn(jsToPython, err.name)) return jsToPython[err.name]!;
  if (pythonBuiltinExceptions.has(err.name)) return "builtins." + err.name;
  return "builtins.Exception";
}

/** Pyro4's exception dict for an error (the daemon sends this with the EXCEPTION flag). */
export function errorToDict(err: Error, traceback?: string[] | null, dialect: ValueDialect = activeDialect()): Record<string, unknown> {
  const cls = pythonNameOf(err, dialect);
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
    if (Array.isArray(tb)) err.remoteTraceback = tb as string[];
    (err as unknown as { args: unknown[] }).args = args;
    return err;
  }
  // Any other class (builtins or user modules) is described, never resolved to code.
  return new RemoteError(cls, args, attrs);
}
