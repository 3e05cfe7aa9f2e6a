// Python's repr() and str() of values as the serializers hand them to JavaScript (see the value model in
// docs): what `pyro4 nsc`, the echo server's verbose log and exception messages print, so the text matches
// what the Python tools print for the same value. Imports only the other leaf helpers (no errors, no
// serializers), so errors.ts can use it for str(exception).

import { floatRepr, complexRepr, isPythonInt } from "./float.js";
import { strRepr } from "./str.js";
import { Tuple, FrozenSet, Complex, Float, UUID, ByteArray, Range, OrderedDict } from "./types.js";
import { PyDate, PyDateTime, PyTime, TimeDelta } from "./temporal.js";

export { strRepr } from "./str.js";
export { floatRepr, complexRepr } from "./float.js";

/** Deeper than this, repr writes `...` (Python would raise RecursionError; a log line should not). */
const MAX_DEPTH = 200;

/**
 * Python's repr() of a bytes value: `b'a\x00'`, `b"it's"` (inside a bytearray's repr Python escapes `'` even
 * between double quotes). With `max`, only the first `max` bytes are shown and
 * how many more there are follows (for log lines).
 */
export function bytesRepr(b: Uint8Array, max = Infinity, bytearray = false): string {
  const n = Math.min(b.length, max);
  let hasSingle = false;
  let hasDouble = false;
  for (let i = 0; i < n; i++) {
    if (b[i] === 0x27) hasSingle = true;
    else if (b[i] === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = quote === 0x22 ? 'b"' : "b'";
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === quote || c === 0x5c || (bytearray && c === 0x27)) out += "\\" + String.fromCharCode(c);
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c < 0x20 || c >= 0x7f) out += (c < 16 ? "\\x0" : "\\x") + c.toString(16);
    else out += String.fromCharCode(c);
  }
  out += String.fromCharCode(quote);
  return n < b.length ? out + `... (${b.length} bytes, ${b.length - n} more not shown)` : out;
}

/**
 * Python's repr() of an aware UTC datetime for a Date: `datetime.datetime(2020, 1, 2, 3, 4, 5, 678000,
 * tzinfo=datetime.timezone.utc)` (seconds and microseconds only when non-zero, as Python writes it).
 */
export function datetimeRepr(d: Date): string {
  if (Number.isNaN(d.getTime())) return "<invalid Date>";
  if (d instanceof PyDate) return `datetime.date(${d.year}, ${d.month}, ${d.day})`;
  if (d instanceof PyDateTime)
    return `datetime.datetime(${d.year}, ${d.month}, ${d.day}, ${clockArgs(d)}${zoneArgs(d)})`;
  const ms = d.getUTCMilliseconds();
  const s = d.getUTCSeconds();
  let out = `datetime.datetime(${d.getUTCFullYear()}, ${d.getUTCMonth() + 1}, ${d.getUTCDate()}, ${d.getUTCHours()}, ${d.getUTCMinutes()}`;
  if (ms) out += `, ${s}, ${ms * 1000}`;
  else if (s) out += `, ${s}`;
  return out + ", tzinfo=datetime.timezone.utc)";
}

/** hour, minute, then second and microsecond only when non-zero, as Python's datetime and time reprs write them. */
function clockArgs(t: { hour: number; minute: number; second: number; microsecond: number }): string {
  let out = `${t.hour}, ${t.minute}`;
  if (t.microsecond) out += `, ${t.second}, ${t.microsecond}`;
  else if (t.second) out += `, ${t.second}`;
  return out;
}

function zoneArgs(t: { utcoffset: number | null; tzname: string | null; fold: 0 | 1 }): string {
  let out = t.fold ? ", fold=1" : "";
  if (t.utcoffset !== null) {
    const off = TimeDelta.fromSeconds(t.utcoffset);
    out += t.utcoffset === 0 && t.tzname === null
      ? ", tzinfo=datetime.timezone.utc"
      : `, tzinfo=datetime.timezone(${timedeltaRepr(off)}${t.tzname === null ? "" : ", " + strRepr(t.tzname)})`;
  }
  return out;
}

/** Python's repr() of a timedelta: `datetime.timedelta(days=-1, seconds=86399)`, `datetime.timedelta(0)`. */
export function timedeltaRepr(t: TimeDelta): string {
  const parts: string[] = [];
  if (t.days) parts.push(`days=${t.days}`);
  if (t.seconds) parts.push(`seconds=${t.seconds}`);
  if (t.microseconds) parts.push(`microseconds=${t.microseconds}`);
  return `datetime.timedelta(${parts.length ? parts.join(", ") : "0"})`;
}

/** A JS number as Python sees it: a safe integer is an int, anything else (fractions, 1e300, -0) a float. */
function numberRepr(n: number): string {
  return isPythonInt(n) ? String(n) : floatRepr(n);
}

/** The containers being printed, for Python's `[...]` on a reference back to one of them. */
const active: object[] = [];

/**
 * Python's repr() of a value in the JavaScript value model: None/True/False, int (safe integers and bigint),
 * float (other numbers and `float()` markers), str, bytes, list, tuple, set, frozenset, dict (plain objects and
 * Maps), complex, datetime (Date), exceptions (`ValueError('x')`). Sets and dicts print in insertion order (a
 * Python set prints in hash order, which only coincides for some values). Other objects print their own
 * `toString()` when they have one, else `<Name object>`.
 */
export function repr(v: unknown): string {
  switch (typeof v) {
    case "string":
      return strRepr(v);
    case "number":
      return numberRepr(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "True" : "False";
    case "undefined":
      return "None";
    case "object":
      return v === null ? "None" : objectRepr(v);
    default:
      return String(v);
  }
}

function objectRepr(v: object): string {
  if (v instanceof Float) return floatRepr(v.value);
  if (v instanceof Complex) return complexRepr(v.real, v.imag);
  if (v instanceof ByteArray) return `bytearray(${bytesRepr(v, Infinity, true)})`;
  if (v instanceof Uint8Array) return bytesRepr(v);
  if (v instanceof Date) return datetimeRepr(v);
  if (v instanceof PyTime) return `datetime.time(${clockArgs(v)}${zoneArgs(v)})`;
  if (v instanceof TimeDelta) return timedeltaRepr(v);
  if (v instanceof UUID) return `UUID('${v}')`;
  if (v instanceof Range) return String(v);
  const isTuple = v instanceof Tuple;
  const isList = !isTuple && Array.isArray(v);
  if (active.includes(v)) return isTuple ? "(...)" : isList ? "[...]" : "{...}";
  if (active.length >= MAX_DEPTH) return "...";
  active.push(v);
  try {
    if (isTuple) {
      const t = v as Tuple;
      return t.length === 1 ? "(" + repr(t[0]) + ",)" : "(" + items(t) + ")";
    }
    if (isList) return "[" + items(v as unknown[]) + "]";
    if (v instanceof FrozenSet) return v.size ? "frozenset({" + items(v) + "})" : "frozenset()";
    if (v instanceof Set) return v.size ? "{" + items(v) + "}" : "set()";
    if (v instanceof OrderedDict) {
      const parts: string[] = [];
      for (const [k, x] of v) parts.push("(" + repr(k) + ", " + repr(x) + ")");
      return parts.length ? "OrderedDict([" + parts.join(", ") + "])" : "OrderedDict()";
    }
    if (v instanceof Map) {
      const parts: string[] = [];
      for (const [k, x] of v) parts.push(repr(k) + ": " + repr(x));
      return "{" + parts.join(", ") + "}";
    }
    if (v instanceof Error) {
      const args = (v as { args?: unknown }).args;
      const list = Array.isArray(args) ? args : v.message ? [v.message] : [];
      return v.name + "(" + items(list) + ")";
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      const parts: string[] = [];
      for (const k of Object.keys(v)) parts.push(strRepr(k) + ": " + repr((v as Record<string, unknown>)[k]));
      return "{" + parts.join(", ") + "}";
    }
    if (typeof (v as { toString?: unknown }).toString === "function" && v.toString !== Object.prototype.toString) return String(v);
    return `<${(v as { constructor?: { name?: string } }).constructor?.name ?? "object"} object>`;
  } finally {
    active.pop();
  }
}

function items(values: Iterable<unknown>): string {
  let out = "";
  for (const x of values) out += (out ? ", " : "") + repr(x);
  return out;
}

/** Python's str(): a str is itself, an exception its message, anything else its repr. */
export function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Error) return v.message;
  return repr(v);
}

/** str(exception) as Python computes it from the exception's args: `''`, `str(arg)`, or `repr(args)`. */
export function exceptionMessage(args: readonly unknown[]): string {
  if (args.length === 0) return "";
  if (args.length === 1) return str(args[0]);
  return "(" + items(args) + ")";
}
