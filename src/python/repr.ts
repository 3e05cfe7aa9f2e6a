// Python's repr() and str() of values as the serializers hand them to JavaScript (see the value model in
// docs): what `pyro4 nsc`, the echo server's verbose log and exception messages print, so the text matches
// what the Python tools print for the same value. Imports only the other leaf helpers (no errors, no
// serializers), so errors.ts can use it for str(exception).

import { floatRepr, complexRepr, isPythonInt } from "./float.js";
import { strRepr } from "./str.js";
import { Tuple, FrozenSet, Complex, Float } from "./types.js";

export { strRepr } from "./str.js";
export { floatRepr, complexRepr } from "./float.js";

/** Deeper than this, repr writes `...` (Python would raise RecursionError; a log line should not). */
const MAX_DEPTH = 200;

/** Python's repr() of a bytes value: `b'a\x00'`, `b"it's"`. */
export function bytesRepr(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x27) hasSingle = true;
    else if (b[i] === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = quote === 0x22 ? 'b"' : "b'";
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === quote || c === 0x5c) out += "\\" + String.fromCharCode(c);
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c < 0x20 || c >= 0x7f) out += (c < 16 ? "\\x0" : "\\x") + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out + String.fromCharCode(quote);
}

/**
 * Python's repr() of an aware UTC datetime for a Date: `datetime.datetime(2020, 1, 2, 3, 4, 5, 678000,
 * tzinfo=datetime.timezone.utc)` (seconds and microseconds only when non-zero, as Python writes it).
 */
export function datetimeRepr(d: Date): string {
  if (Number.isNaN(d.getTime())) return "<invalid Date>";
  const ms = d.getUTCMilliseconds();
  const s = d.getUTCSeconds();
  let out = `datetime.datetime(${d.getUTCFullYear()}, ${d.getUTCMonth() + 1}, ${d.getUTCDate()}, ${d.getUTCHours()}, ${d.getUTCMinutes()}`;
  if (ms) out += `, ${s}, ${ms * 1000}`;
  else if (s) out += `, ${s}`;
  return out + ", tzinfo=datetime.timezone.utc)";
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
  if (v instanceof Uint8Array) return bytesRepr(v);
  if (v instanceof Date) return datetimeRepr(v);
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
