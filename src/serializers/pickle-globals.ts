// The pickle globals the decoder understands, rebuilt by our own code (set, bytes, complex, the datetime types,
// Decimal, collections), and the rule that refuses every other global by name. Nothing here calls anything a pickle
// names: a global is a (module, name) pair of strings.

import { SerializeError, pyroErrorClasses } from "../errors.js";
import { err } from "./pickle-scalars.js";
import { Decimal, builtinTypeNames, deniedModules, exceptionName, py2Modules } from "./pickle-values.js";
import { Complex, FrozenSet } from "./values.js";
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


/** A datetime.timezone (only meaningful as a datetime's tzinfo): its UTC offset in seconds. */
export class TimeZone {
  constructor(readonly offset: number) {}
}

export function hostile(full: string): SerializeError {
  return new SerializeError(`pickle: refusing global '${full}': only known value types and plain classes can be unpickled`);
}

// ---------------------------------------------------------------------------------------------------------------
// Known globals


export function bytesArg(v: unknown, what: string): Buffer {
  if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === "string") return Buffer.from(v, "latin1"); // protocol 0-2 pickles carry these bytes as latin-1 text
  throw err(`${what}: expected bytes`);
}

/** datetime's pickled state: year(2 bytes BE) month day hour minute second microsecond(3 bytes BE). */
export function datetimeFrom(args: unknown[]): Date {
  const b = bytesArg(args[0], "datetime");
  if (b.length !== 10) throw err("datetime: bad state length");
  const month = b[2]! & 0x7f; // the high bit is the fold flag
  const us = (b[7]! << 16) | (b[8]! << 8) | b[9]!;
  let ms = Date.UTC(0, month - 1, b[3]!, b[4]!, b[5]!, b[6]!, Math.floor(us / 1000));
  const d = new Date(ms);
  d.setUTCFullYear((b[0]! << 8) | b[1]!);
  ms = d.getTime();
  const tz = args[1];
  if (tz instanceof TimeZone) ms -= tz.offset * 1000;
  else if (tz != null) throw err("datetime: unsupported tzinfo (only datetime.timezone)");
  return new Date(ms);
}
export function dateFrom(args: unknown[]): Date {
  const b = bytesArg(args[0], "date");
  if (b.length !== 4) throw err("date: bad state length");
  const d = new Date(Date.UTC(2000, b[2]! - 1, b[3]!));
  d.setUTCFullYear((b[0]! << 8) | b[1]!);
  return d;
}
/** datetime.time as its isoformat text, as serpent sends it. */
export function timeFrom(args: unknown[]): string {
  const b = bytesArg(args[0], "time");
  if (b.length !== 6) throw err("time: bad state length");
  const p2 = (n: number) => String(n).padStart(2, "0");
  const us = (b[3]! << 16) | (b[4]! << 8) | b[5]!;
  let s = `${p2(b[0]! & 0x7f)}:${p2(b[1]!)}:${p2(b[2]!)}`;
  if (us) s += "." + String(us).padStart(6, "0");
  const tz = args[1];
  if (tz instanceof TimeZone) {
    const o = Math.abs(tz.offset);
    s += `${tz.offset < 0 ? "-" : "+"}${p2(Math.floor(o / 3600))}:${p2(Math.floor((o % 3600) / 60))}`;
  }
  return s;
}
/** datetime.timedelta as total seconds (as serpent sends it). */
export function timedeltaFrom(args: unknown[]): number {
  const [d = 0, s = 0, us = 0] = args.map(Number);
  return d * 86400 + s + us / 1e6;
}
export function uuidText(n: unknown): string {
  if (typeof n !== "number" && typeof n !== "bigint") throw err("uuid.UUID: state has no int");
  const h = BigInt(n).toString(16).padStart(32, "0");
  if (h.length !== 32 || h.startsWith("-")) throw err("uuid.UUID: int out of range");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function iter(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  if (typeof v === "string") return [...v];
  if (v instanceof Uint8Array) return [...v];
  throw err(`${what}: expected an iterable`);
}

/** The result of REDUCE for globals we understand (`callable(*args)` emulated, nothing called). */
export function reduceKnown(g: Global, args: unknown[]): unknown {
  const f = g.full;
  switch (f) {
    case "builtins.set":
      return new Set(args.length ? iter(args[0], g.name) : []);
    case "builtins.frozenset":
      return new FrozenSet(args.length ? iter(args[0], g.name) : []);
    case "builtins.bytearray":
    case "builtins.bytes":
      if (args.length === 0) return Buffer.alloc(0);
      if (typeof args[0] === "string") {
        if (args.length > 1 && !/^latin[-_]?1$|^iso-?8859-1$/i.test(String(args[1])) && !/^utf-?8$/i.test(String(args[1])))
          throw err(`${g.name}: unsupported encoding ${String(args[1])}`);
        return Buffer.from(args[0], /^utf-?8$/i.test(String(args[1])) ? "utf8" : "latin1");
      }
      if (args[0] instanceof Uint8Array) return Buffer.from(args[0]);
      return Buffer.from(iter(args[0], g.name).map((x) => Number(x) & 0xff));
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
    case "datetime.timezone": {
      const off = args[0];
      if (typeof off !== "number") throw err("datetime.timezone: expected a timedelta");
      return new TimeZone(off);
    }
    case "decimal.Decimal":
      return new Decimal(String(args[0]));
    case "collections.OrderedDict":
    case "collections.defaultdict":
      return {};
    case "collections.deque":
      return args.length ? [...iter(args[0], "deque")] : [];
  }
  return undefined;
}

export const reduceKnownNames = new Set([
  "builtins.set", "builtins.frozenset", "builtins.bytearray", "builtins.bytes", "_codecs.encode", "builtins.complex",
  "datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta", "datetime.timezone", "decimal.Decimal",
  "collections.OrderedDict", "collections.defaultdict", "collections.deque", "copyreg._reconstructor",
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
  if (!module || !name || /[\s\n]/.test(module + name)) throw err(`invalid global name '${module}.${name}'`);
  const full = `${module}.${name}`;
  if (reduceKnownNames.has(full) || newobjKnownNames.has(full)) return new Global(module, name);
  if (module === "builtins" && builtinTypeNames.has(name)) return new Global(module, name);
  if (exceptionName(module, name, pythonBuiltinExceptions, pyroErrorClasses)) return new Global(module, name);
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
