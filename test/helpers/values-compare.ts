// The strict comparison of JavaScript values in the value model (docs/values.md plus the issue-24 marker types), for
// the generated-value differential tests: two values are the same when every node has the same class (Array is not
// Tuple, Set is not FrozenSet, Buffer is not ByteArray, Map is not OrderedDict, number is not bigint or Float, Date
// is not PyDateTime) and the same value: numbers by Object.is (NaN equals NaN, -0 is not 0), dates by instant and by
// every Python field (microseconds, utcoffset, tzname, fold), plain objects and Maps with the same keys in any order
// (an OrderedDict in order), Sets member by member.
//
// canon(v) is a deterministic text of a value's type and value; diffValues(a, b) lists where two values differ with
// a signature that groups differences by cause; typeTree(v) is a short type description for reports.
import {
  Tuple, Complex, Float, UUID, Range, OrderedDict, PyDateTime, PyDate, PyTime, TimeDelta,
} from "../../src/serializers/values.js";
import { Decimal } from "../../src/serializers/pickle.js";
import { RemoteError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

/** The class of a node as this comparison sees it. */
export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  const t = typeof v;
  if (t !== "object" && t !== "function") return t;
  if (Array.isArray(v)) return v instanceof Tuple ? "Tuple" : Object.getPrototypeOf(v) === Array.prototype ? "Array" : ctorName(v);
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return "object";
  return ctorName(v);
}
function ctorName(v: object): string {
  return (v as { constructor?: { name?: string } }).constructor?.name || "anonymous";
}

function num(n: number): string {
  return Object.is(n, -0) ? "-0" : String(n);
}
function zone(z: { utcoffset: number | null; tzname: string | null; fold: 0 | 1 }): string {
  return `,fold=${z.fold}` + (z.utcoffset === null ? "" : `,off=${num(z.utcoffset)},name=${JSON.stringify(z.tzname)}`);
}
function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}
function key(s: string): string {
  return JSON.stringify(s);
}

/** A deterministic text of a value's type and value (equal texts: the same value for this comparison). */
export function canon(v: unknown, depth = 0): string {
  if (depth > 60) return "<too deep>";
  const k = kindOf(v);
  switch (typeof v) {
    case "number":
      return "number:" + num(v);
    case "bigint":
      return "bigint:" + v.toString();
    case "string":
      return "string:" + key(v);
    case "boolean":
      return "boolean:" + v;
    case "undefined":
      return "undefined";
    case "function":
      return "function:" + (v.name || "?");
    case "symbol":
      return "symbol:" + String(v.description);
  }
  if (v === null) return "null";
  const d = depth + 1;
  if (v instanceof PyDateTime) return `PyDateTime:${v.isoformat()}${zone(v)},t=${v.getTime()}`;
  if (v instanceof PyDate) return `PyDate:${v.isoformat()},t=${v.getTime()}`;
  if (v instanceof Date) return `${k}:${Number.isNaN(v.getTime()) ? "invalid" : v.toISOString()}`;
  if (v instanceof PyTime) return `PyTime:${v.isoformat()}${zone(v)}`;
  if (v instanceof TimeDelta) return `TimeDelta:${v.days},${v.seconds},${v.microseconds}`;
  if (v instanceof Float) return "Float:" + num(v.value);
  if (v instanceof Complex) return `Complex:${num(v.real)},${num(v.imag)}`;
  if (v instanceof UUID) return "UUID:" + v.hex;
  if (v instanceof Decimal) return "Decimal:" + v.value;
  if (v instanceof Range) return `Range:${canon(v.start)},${canon(v.stop)},${canon(v.step)}`;
  if (v instanceof URI) return "URI:" + v.asString();
  if (v instanceof Uint8Array) return `${k}:${hex(v)}`;
  if (Array.isArray(v)) return `${k}[${v.map((x) => canon(x, d)).join(",")}]`;
  if (v instanceof OrderedDict) return `${k}{${[...v].map(([a, b]) => canon(a, d) + ":" + canon(b, d)).join(",")}}`;
  if (v instanceof Map) return `${k}{${[...v].map(([a, b]) => canon(a, d) + ":" + canon(b, d)).sort().join(",")}}`;
  if (v instanceof Set) return `${k}{${[...v].map((x) => canon(x, d)).sort().join(",")}}`;
  if (v instanceof RemoteError) return `RemoteError:${v.pythonType}(${canon(v.args, d)})`;
  if (v instanceof Error) return `${k}:${key(v.message)}`;
  const o = v as Record<string, unknown>;
  const fields = Object.keys(o).sort().map((f) => key(f) + ":" + canon(o[f], d)).join(",");
  return k === "object" ? `object{${fields}}` : `${k}(${fields})`;
}

/** `Array[number,Map{string:Float}]`: the classes of a value's nodes (3 levels, 6 items each). */
export function typeTree(v: unknown, depth = 0): string {
  const k = kindOf(v);
  if (depth >= 3 || v === null || typeof v !== "object") return k;
  if (v instanceof Uint8Array || v instanceof Date || v instanceof Range) return k;
  const more = (n: number) => (n > 6 ? ",..." : "");
  if (Array.isArray(v)) return `${k}[${v.slice(0, 6).map((x) => typeTree(x, depth + 1)).join(",")}${more(v.length)}]`;
  if (v instanceof Set) {
    const items = [...v].sort((a, b) => (canon(a) < canon(b) ? -1 : 1));
    return `${k}[${items.slice(0, 6).map((x) => typeTree(x, depth + 1)).join(",")}${more(items.length)}]`;
  }
  if (v instanceof Map) {
    const items = [...v];
    return `${k}{${items.slice(0, 6).map(([a, b]) => typeTree(a, depth + 1) + ":" + typeTree(b, depth + 1)).join(",")}${more(items.length)}}`;
  }
  if (k === "object") {
    const keys = Object.keys(v).sort();
    return `object{${keys.slice(0, 6).map((f) => typeTree((v as Record<string, unknown>)[f], depth + 1)).join(",")}${more(keys.length)}}`;
  }
  return k;
}

export interface ValueDiff {
  path: string;
  reason: string;
  signature: string;
}

function short(s: string, n = 300): string {
  return s.length <= n ? s : `${s.slice(0, n)}...(${s.length} chars)`;
}
function kinds(canons: string[]): string[] {
  return [...new Set(canons.map((c) => c.split(/[:[{(]/)[0]!))].sort();
}

/** Where `b` (through our daemon) differs from `a` (through Python's): at most `limit` entries. */
export function diffValues(a: unknown, b: unknown, path = "$", out: ValueDiff[] = [], limit = 20): ValueDiff[] {
  if (out.length >= limit) return out;
  const add = (reason: string, signature: string) => out.push({ path, reason: short(reason), signature });
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) {
    add(`class ${ka} != ${kb} (${short(canon(a), 120)} vs ${short(canon(b), 120)})`, `class ${ka} -> ${kb}`);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      add(`length ${a.length} != ${b.length}`, `length of ${ka}`);
      return out;
    }
    for (let i = 0; i < a.length; i++) diffValues(a[i], b[i], `${path}[${i}]`, out, limit);
    return out;
  }
  if (a instanceof Map && b instanceof Map) {
    const ma = new Map([...a.keys()].map((x) => [canon(x), x]));
    const mb = new Map([...b.keys()].map((x) => [canon(x), x]));
    const onlyA = [...ma.keys()].filter((x) => !mb.has(x)).sort();
    const onlyB = [...mb.keys()].filter((x) => !ma.has(x)).sort();
    if (onlyA.length || onlyB.length || a.size !== b.size) {
      const reason = `keys differ: only python ${short(JSON.stringify(onlyA), 150)}, only ours ${short(JSON.stringify(onlyB), 150)}`;
      for (const t of kinds(onlyA)) add(reason, `${ka} key of class ${t} does not come back`);
      if (!onlyA.length) for (const t of kinds(onlyB)) add(reason, `${ka} key of class ${t} appears`);
      if (!onlyA.length && !onlyB.length) add(reason, `${ka} size`);
      return out;
    }
    if (a instanceof OrderedDict && [...ma.keys()].join("\u0000") !== [...mb.keys()].join("\u0000")) add("key order differs", `${ka} key order`);
    for (const [c, x] of ma) diffValues(a.get(x), b.get(mb.get(c)), `${path}[${short(canon(x), 40)}]`, out, limit);
    return out;
  }
  if (a instanceof Set && b instanceof Set) {
    const ca = [...a].map((x) => canon(x));
    const cb = [...b].map((x) => canon(x));
    const sa = new Set(ca);
    const sb = new Set(cb);
    const onlyA = [...sa].filter((x) => !sb.has(x)).sort();
    const onlyB = [...sb].filter((x) => !sa.has(x)).sort();
    if (onlyA.length || onlyB.length || a.size !== b.size) {
      const reason = `${ka} members differ (${a.size} vs ${b.size}): only python ${short(JSON.stringify(onlyA), 150)}, only ours ${short(JSON.stringify(onlyB), 150)}`;
      if (!onlyA.length && !onlyB.length) add(reason, `${ka} size`);
      for (const t of kinds(onlyA)) add(reason, `${ka} member of class ${t} does not come back`);
      if (!onlyA.length) for (const t of kinds(onlyB)) add(reason, `${ka} member of class ${t} appears`);
    }
    return out;
  }
  if (ka === "object") {
    const oa = a as Record<string, unknown>;
    const ob = b as Record<string, unknown>;
    const keysA = Object.keys(oa).sort();
    const keysB = Object.keys(ob).sort();
    if (keysA.join("\u0000") !== keysB.join("\u0000")) {
      add(`keys differ: python ${short(JSON.stringify(keysA), 150)}, ours ${short(JSON.stringify(keysB), 150)}`, "object keys");
      return out;
    }
    for (const f of keysA) diffValues(oa[f], ob[f], `${path}[${short(JSON.stringify(f), 40)}]`, out, limit);
    return out;
  }
  const ca = canon(a);
  const cb = canon(b);
  if (ca !== cb) add(`value ${short(ca, 150)} != ${short(cb, 150)}`, `value of ${ka}${valueKind(a, b)}`);
  return out;
}

/** A finer cause of a value difference within one class, so distinct bugs group apart. */
function valueKind(a: unknown, b: unknown): string {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return " (NaN)";
    if (a === b) return " (sign of zero)";
    return " (digits)";
  }
  if (a instanceof PyDateTime && b instanceof PyDateTime) {
    const parts: string[] = [];
    if (a.getTime() !== b.getTime()) parts.push("instant");
    if (a.microsecond !== b.microsecond) parts.push("microseconds");
    if (a.fold !== b.fold) parts.push("fold");
    if ((a.utcoffset === null) !== (b.utcoffset === null)) parts.push("naive/aware");
    else if (a.utcoffset !== b.utcoffset) parts.push("utcoffset");
    if (a.tzname !== b.tzname) parts.push("tzname");
    return ` (${parts.join(",") || "?"})`;
  }
  if (a instanceof PyTime && b instanceof PyTime) {
    const parts: string[] = [];
    if (a.isoformat() !== b.isoformat()) parts.push("clock or offset");
    if (a.fold !== b.fold) parts.push("fold");
    if (a.tzname !== b.tzname) parts.push("tzname");
    return ` (${parts.join(",") || "?"})`;
  }
  if (a instanceof Date && b instanceof Date) return " (instant)";
  if (typeof a === "string" && typeof b === "string") {
    if (/[\ud800-\udfff]/.test(a.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) return " (lone surrogate)";
    if (/[\ud800-\udbff][\udc00-\udfff]/.test(a)) return " (astral)";
  }
  return "";
}

/** A short, stable description of a value for reports (canon, cut). */
export function describeValue(v: unknown, n = 400): string {
  return short(canon(v), n);
}
