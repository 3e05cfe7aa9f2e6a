// The pickle globals the decoder understands, rebuilt by our own code as the value types that keep everything Python
// put in them (set, bytes, bytearray, complex, range, the datetime types with microseconds, offsets, names and fold,
// Decimal, UUID, collections), and the rule that refuses every other global by name. Nothing here calls anything a pickle
// names: a global is a (module, name) pair of strings.

import { InvalidArgumentError, SerializeError, pyroErrorClasses } from "../errors.js";
import { err } from "./pickle-scalars.js";
import { arrayFrom, arrayTypecode, reconstruct } from "./pickle-arrays.js";
import { Decimal, builtinTypeNames, deniedModules, exceptionName, py2Modules, py2Names, uuidSafe } from "./pickle-values.js";
import { ByteArray, Complex, Float, FrozenSet, OrderedDict, Tuple, PyDate, PyDateTime, PyTime, Range, TimeDelta, UUID, pythonSerializeError, type ZoneOptions } from "./values.js";
import { datetimeArgsError } from "../python/datetime.js";
import { pythonBuiltinExceptions } from "../python/exceptions.js";

/** A global the pickle named: only a name until an opcode uses it in one of the ways we understand. */
export class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get full(): string {
    return `${this.module}.${this.name}`;
  }
}


/** A datetime.timezone (only meaningful as a datetime's or time's tzinfo): its UTC offset and its own name. */
export class TimeZone {
  constructor(
    /** Seconds east of UTC, with microseconds as the fraction (Python allows them since 3.7). */
    readonly offset: number,
    /** The name given to timezone(offset, name), or null. */
    readonly name: string | null,
  ) {}
}

export function hostile(full: string): SerializeError {
  return new SerializeError(`pickle: refusing global '${full}': only known value types and plain classes can be unpickled${tzHint(full)}`);
}

/** Time zone libraries whose tzinfo objects pickle as calls we refuse: say why instead of only naming the global. */
function tzHint(full: string): string {
  return /^(zoneinfo|pytz|dateutil|backports\.zoneinfo|pendulum)\b/.test(full) ? TZ_ONLY : "";
}
const TZ_ONLY = " (a tzinfo other than datetime.timezone cannot be carried: send a fixed-offset datetime.timezone, e.g. dt.astimezone(datetime.timezone.utc))";

/** A refused global's error, with the zoneinfo case explained when `following` (the bytes after the global) names it. */
export function refusal(e: unknown, following: Buffer): unknown {
  // a zoneinfo.ZoneInfo pickles as builtins.getattr(zoneinfo.ZoneInfo, "_unpickle")(key, 1)
  if (e instanceof SerializeError && e.message.includes("'builtins.getattr'") && following.includes("zoneinfo")) return new SerializeError(e.message + TZ_ONLY);
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// Known globals


export function bytesArg(v: unknown, what: string): Buffer {
  if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === "string") return Buffer.from(v, "latin1"); // protocol 0-2 pickles carry these bytes as latin-1 text
  throw err(`${what}: expected bytes`);
}

/** A copy of bytes as a bytearray. */
export function toByteArray(src: Uint8Array): ByteArray {
  const out = new ByteArray(src.length);
  out.set(src);
  return out;
}

const NAIVE: ZoneOptions = Object.freeze({});
const FOLD1: ZoneOptions = Object.freeze({ fold: 1 });
/** The ZoneOptions of a datetime's or time's tzinfo argument: none, or a datetime.timezone. */
function zoneOf(tz: unknown, fold: number, what: string): ZoneOptions {
  const f = fold ? 1 : 0;
  if (tz === undefined || tz === null) return f ? FOLD1 : NAIVE;
  if (tz instanceof TimeZone) return { utcoffset: tz.offset, tzname: tz.name, fold: f };
  const cls = tz !== null && typeof tz === "object" && typeof (tz as { __class__?: unknown }).__class__ === "string" ? `'${(tz as { __class__: string }).__class__}'` : typeof tz;
  throw err(`${what}: unsupported tzinfo ${cls}${TZ_ONLY}`);
}

/** A range error of one of our constructors as a SerializeError that names the Python type. */
function rangeErr(what: string, e: unknown): unknown {
  return e instanceof RangeError || e instanceof InvalidArgumentError ? err(`${what}: ${e.message}`) : e;
}

/** Arguments the constructor refuses: the ValueError Python's unpickler raises (the client gets it; the connection stays). */
function outOfRange(date: [number, number, number] | null, time: [number, number, number, number] | null): void {
  const message = datetimeArgsError(date, time);
  if (message !== null) throw pythonSerializeError("ValueError", message);
}

/** The int arguments of a datetime/date/time constructor call: `min` to `max` ints, then a tzinfo where it takes one. */
function intArgs(args: unknown[], min: number, max: number, what: string, tz = true): number[] {
  const n = Math.min(args.length, max);
  if (n < min || args.length > max + (tz ? 1 : 0)) throw err(`${what}: expected ${min} to ${max} int arguments`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = args[i];
    if (typeof v !== "number" || !Number.isInteger(v)) throw err(`${what}: expected int arguments`);
    out.push(v);
  }
  return out;
}

/**
 * datetime's pickled state: year (2 bytes BE), month (its high bit is fold, protocol 4+), day, hour, minute, second,
 * microsecond (3 bytes BE); the tzinfo is a second argument.
 */
export function datetimeFrom(args: unknown[]): PyDateTime {
  if (typeof args[0] === "number") {
    // the constructor call datetime(year, month, day[, hour, minute, second, microsecond[, tzinfo]]), as Pyrolite
    // pickles a Java Calendar
    const [y, mo, d, h = 0, mi = 0, sec = 0, us = 0] = intArgs(args, 3, 7, "datetime");
    outOfRange([y!, mo!, d!], [h, mi, sec, us]);
    try {
      return new PyDateTime(y!, mo!, d!, h, mi, sec, us, zoneOf(args[7], 0, "datetime"));
    } catch (e) {
      throw rangeErr("datetime", e);
    }
  }
  const b = bytesArg(args[0], "datetime");
  if (b.length !== 10) throw err("datetime: bad state length");
  const zone = zoneOf(args[1], b[2]! >> 7, "datetime");
  const us = (b[7]! << 16) | (b[8]! << 8) | b[9]!;
  try {
    return new PyDateTime((b[0]! << 8) | b[1]!, b[2]! & 0x7f, b[3]!, b[4]!, b[5]!, b[6]!, us, zone);
  } catch (e) {
    throw rangeErr("datetime", e);
  }
}
export function dateFrom(args: unknown[]): PyDate {
  if (typeof args[0] === "number") {
    // date(year, month, day), as Pyrolite pickles a java.sql.Date
    const [y, mo, d] = intArgs(args, 3, 3, "date", false);
    outOfRange([y!, mo!, d!], null);
    try {
      return new PyDate(y!, mo!, d!);
    } catch (e) {
      throw rangeErr("date", e);
    }
  }
  const b = bytesArg(args[0], "date");
  if (b.length !== 4) throw err("date: bad state length");
  try {
    return new PyDate((b[0]! << 8) | b[1]!, b[2]!, b[3]!);
  } catch (e) {
    throw rangeErr("date", e);
  }
}
/** time's pickled state: hour (its high bit is fold), minute, second, microsecond (3 bytes BE); then the tzinfo. */
export function timeFrom(args: unknown[]): PyTime {
  if (typeof args[0] === "number") {
    // time(hour[, minute, second, microsecond[, tzinfo]]), as Pyrolite pickles its Time
    const [h, mi = 0, sec = 0, us = 0] = intArgs(args, 1, 4, "time");
    outOfRange(null, [h!, mi, sec, us]);
    try {
      return new PyTime(h!, mi, sec, us, zoneOf(args[4], 0, "time"));
    } catch (e) {
      throw rangeErr("time", e);
    }
  }
  const b = bytesArg(args[0], "time");
  if (b.length !== 6) throw err("time: bad state length");
  const zone = zoneOf(args[1], b[0]! >> 7, "time");
  try {
    return new PyTime(b[0]! & 0x7f, b[1]!, b[2]!, (b[3]! << 16) | (b[4]! << 8) | b[5]!, zone);
  } catch (e) {
    throw rangeErr("time", e);
  }
}
/** timedelta pickles as timedelta(days, seconds, microseconds), already normalized. */
export function timedeltaFrom(args: unknown[]): TimeDelta {
  const [d = 0, s = 0, us = 0] = args;
  if (typeof d !== "number" || typeof s !== "number" || typeof us !== "number") throw err("timedelta: expected int arguments");
  try {
    return new TimeDelta(d, s, us);
  } catch (e) {
    throw rangeErr("timedelta", e);
  }
}
/** timezone(offset) or timezone(offset, name). */
function timezoneFrom(args: unknown[]): TimeZone {
  const [off, name] = args;
  if (!(off instanceof TimeDelta)) throw err("datetime.timezone: expected a timedelta");
  if (args.length > 2 || (args.length === 2 && typeof name !== "string")) throw err("datetime.timezone: the name must be a str");
  const us = (off.days * 86400 + off.seconds) * 1e6 + off.microseconds; // exact: |us| < 2^53
  if (us <= -86400e6 || us >= 86400e6) throw err("datetime.timezone: offset must be strictly between -24 and 24 hours");
  return new TimeZone(us / 1e6, args.length === 2 ? (name as string) : null);
}
/** range(stop) / range(start, stop[, step]) with int arguments (Python pickles all three). */
function rangeFrom(args: unknown[]): Range {
  const isInt = (x: unknown): x is number | bigint => typeof x === "bigint" || (typeof x === "number" && Number.isInteger(x));
  if (args.length < 1 || args.length > 3 || !args.every(isInt)) throw err("range: expected 1 to 3 int arguments");
  const a = args as (number | bigint)[];
  try {
    return a.length === 1 ? new Range(0, a[0]!) : new Range(a[0]!, a[1]!, a[2] ?? 1);
  } catch (e) {
    throw rangeErr("range", e);
  }
}
export function uuidFrom(state: unknown): UUID {
  const n = (state as Record<string, unknown> | null)?.int;
  if (typeof n !== "number" && typeof n !== "bigint") throw err("uuid.UUID: state has no int");
  let u: UUID;
  try {
    u = UUID.fromInt(n);
  } catch (e) {
    throw rangeErr("uuid.UUID", e);
  }
  if (Object.prototype.hasOwnProperty.call(state, "is_safe")) uuidSafe.set(u, (state as Record<string, unknown>).is_safe);
  return u;
}

/**
 * A set item or dict key as it goes into a Set or Map: what Python cannot hash is refused (a frozenset can be hashed,
 * a set cannot), and -0.0 becomes float(-0), since a JavaScript Set or Map would store it as +0 (the int 0 on the
 * way back).
 */
export function hashable(v: unknown, what: string): unknown {
  if (v === 0) return 1 / v < 0 ? new Float(-0) : v;
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v) ? !(v instanceof Tuple) : v instanceof Set ? !(v instanceof FrozenSet) : v instanceof Map || v instanceof ByteArray || isDict(v) || arrayTypecode(v) !== undefined)
    throw err(`unhashable ${what}`);
  return v;
}

/** A plain object: what a Python dict with str keys decodes to. */
export function isDict(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

export function iter(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  if (typeof v === "string") return [...v];
  if (v instanceof Uint8Array) return [...v];
  throw err(`${what}: expected an iterable`);
}

/** bytes(...) as Python 3 and Python 2 pickles call it: nothing, bytes, a latin-1/utf-8 str, or ints. */
function bytesFrom(g: Global, args: unknown[]): Buffer {
  if (args.length === 0) return Buffer.alloc(0);
  if (typeof args[0] === "string") {
    if (args.length > 1 && !/^latin[-_]?1$|^iso-?8859-1$/i.test(String(args[1])) && !/^utf-?8$/i.test(String(args[1])))
      throw err(`${g.name}: unsupported encoding ${String(args[1])}`);
    return Buffer.from(args[0], /^utf-?8$/i.test(String(args[1])) ? "utf8" : "latin1");
  }
  if (args[0] instanceof Uint8Array) return Buffer.from(args[0]);
  return Buffer.from(iter(args[0], g.name).map((x) => Number(x) & 0xff));
}

/** The result of REDUCE for globals we understand (`callable(*args)` emulated, nothing called). */
export function reduceKnown(g: Global, args: unknown[]): unknown {
  const f = g.full;
  switch (f) {
    case "builtins.set":
      return new Set(args.length ? iter(args[0], g.name).map((v) => hashable(v, "set item")) : []);
    case "builtins.frozenset":
      return new FrozenSet(args.length ? iter(args[0], g.name).map((v) => hashable(v, "set item")) : []);
    case "builtins.bytearray":
      return toByteArray(bytesFrom(g, args));
    case "builtins.bytes":
      return bytesFrom(g, args);
    case "_codecs.encode":
      if (typeof args[0] !== "string") throw err("_codecs.encode: expected a str");
      if (args.length > 1 && !/^latin[-_]?1$|^utf-?8$/i.test(String(args[1]))) throw err(`_codecs.encode: unsupported encoding ${String(args[1])}`);
      return Buffer.from(args[0], args.length > 1 && /^utf/i.test(String(args[1])) ? "utf8" : "latin1");
    case "builtins.complex":
      return new Complex(Number(args[0] ?? 0), Number(args[1] ?? 0));
    case "datetime.datetime":
      return datetimeFrom(args);
    case "datetime.date":
      return dateFrom(args);
    case "datetime.time":
      return timeFrom(args);
    case "datetime.timedelta":
      return timedeltaFrom(args);
    case "datetime.timezone":
      return timezoneFrom(args);
    case "builtins.range":
      return rangeFrom(args);
    case "decimal.Decimal":
      return new Decimal(String(args[0]));
    case "collections.OrderedDict": {
      // Python 3 adds the items afterwards (SETITEMS); Python 2 passes them as a list of [key, value] pairs
      const d = new OrderedDict();
      if (args.length) for (const kv of iter(args[0], "OrderedDict")) {
        if (!Array.isArray(kv) || kv.length !== 2) throw err("OrderedDict: expected [key, value] pairs");
        d.set(typeof kv[0] === "string" ? kv[0] : hashable(kv[0], "dict key"), kv[1]);
      }
      return d;
    }
    case "collections.defaultdict":
      return {};
    case "collections.deque":
      return args.length ? [...iter(args[0], "deque")] : [];
    case "array.array":
      return arrayFrom(args);
    case "array._array_reconstructor":
      if (!(args[0] instanceof Global) || args[0].full !== "array.array") throw err("array._array_reconstructor: the type must be array.array");
      return reconstruct(args);
  }
  return undefined;
}

export const reduceKnownNames = new Set([
  "builtins.set", "builtins.frozenset", "builtins.bytearray", "builtins.bytes", "_codecs.encode", "builtins.complex",
  "datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta", "datetime.timezone", "decimal.Decimal",
  "collections.OrderedDict", "collections.defaultdict", "collections.deque", "copyreg._reconstructor", "builtins.range",
  "array.array", "array._array_reconstructor",
]);
/** Classes NEWOBJ may instantiate whose state we turn into our own values. */
export const newobjKnownNames = new Set([
  "Pyro4.core.URI", "Pyro4.core.Proxy", "uuid.UUID", "Pyro4.futures._ExceptionWrapper", "collections.OrderedDict",
  // what a Flame server returns (class dicts for src/client/flame.ts)
  "Pyro4.utils.flame.FlameModule", "Pyro4.utils.flame.FlameBuiltin", "Pyro4.utils.flame.RemoteInteractiveConsole",
]);

/** Resolve (module, name) to a Global, or refuse it. */
export function lookupGlobal(module: string, name: string): Global {
  module = py2Modules[module] ?? module;
  const renamed = py2Names[`${module}.${name}`];
  if (renamed) [module, name] = renamed;
  if (!module || !name || /[\s\n]/.test(module + name)) throw err(`invalid global name '${module}.${name}'`);
  const full = `${module}.${name}`;
  if (reduceKnownNames.has(full) || newobjKnownNames.has(full)) return new Global(module, name);
  if (module === "builtins" && builtinTypeNames.has(name)) return new Global(module, name);
  if (exceptionName(module, name, pythonBuiltinExceptions, pyroErrorClasses)) return new Global(module, name);
  // An exception class of any module (a Python peer's _pickle.UnpicklingError, subprocess.CalledProcessError) is only
  // ever described as a RemoteError, never called: its name is allowed even where the module's other names are not.
  if (looksLikeException(name) && /^[A-Za-z]\w*$/.test(name)) return new Global(module, name);
  const top = module.split(".")[0]!;
  if (deniedModules.has(module) || deniedModules.has(top)) throw hostile(full);
  // Attribute chains into dunders (Class.__init__.__globals__ ...) are never plain classes.
  if (/(^|\.)__\w+__($|\.)/.test(name) || name.startsWith("_") && name.includes(".")) throw hostile(full);
  if (module.includes("__") && module !== "__main__" && !/^[\w.]+$/.test(module)) throw hostile(full);
  return new Global(module, name);
}

export function looksLikeException(name: string): boolean {
  const last = name.slice(name.lastIndexOf(".") + 1);
  return /(Error|Exception|Warning|Exit|Interrupt)$/.test(last);
}
