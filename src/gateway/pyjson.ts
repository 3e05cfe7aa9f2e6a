// Python's `json.dumps` as Pyro4's HTTP gateway uses it for the bodies it writes itself ($meta, local errors):
// default separators ", " / ": " and ensure_ascii=True. Results from the backend pass through untouched; only
// exceptions that the gateway re-raises (name server and metadata failures) are re-emitted from their wire JSON,
// token by token, so number literals keep their exact text (1.0 stays 1.0) as Python's round trip keeps them.

import { ProtocolError } from "../errors.js";

const HEX = "0123456789abcdef";

/** A JSON string literal as Python writes it with ensure_ascii=True (anything outside ' '..'~' escaped). */
export function pyString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    start = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += "\\\\"; break;
      case 0x0a: out += "\\n"; break;
      case 0x0d: out += "\\r"; break;
      case 0x09: out += "\\t"; break;
      case 0x08: out += "\\b"; break;
      case 0x0c: out += "\\f"; break;
      default:
        out += "\\u" + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
    }
  }
  return out + s.slice(start) + '"';
}

/** json.dumps for the plain values the gateway builds (strings, safe integers, booleans, null, arrays, objects). */
export function pyDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return pyString(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    if (v !== v) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
    const s = String(v);
    return /[.e]/.test(s) ? s.replace(/e([+-])(\d)$/, "e$10$2") : s + ".0";
  }
  if (Array.isArray(v)) return "[" + v.map(pyDumps).join(", ") + "]";
  if (typeof v === "object") {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) parts.push(pyString(k) + ": " + pyDumps(x));
    return "{" + parts.join(", ") + "}";
  }
  return pyString(String(v));
}

/** A JSON value kept as text where it matters: numbers as their literal. */
export type RawJson = null | boolean | string | { num: string } | RawJson[] | Map<string, RawJson>;

/** Parse JSON (plus Python's NaN/Infinity) keeping number literals; throws ProtocolError on bad input. */
export function parseRaw(text: string, maxDepth = 64): RawJson {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new ProtocolError(`bad JSON at offset ${i}`);
  };
  const value = (depth: number): RawJson => {
    if (depth > maxDepth) fail();
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const m = new Map<string, RawJson>();
      ws();
      if (text[i] === "}") return i++, m;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = str();
        ws();
        if (text[i++] !== ":") fail();
        m.set(k, value(depth + 1));
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i++] === "}") return m;
        fail();
      }
    }
    if (c === "[") {
      i++;
      const a: RawJson[] = [];
      ws();
      if (text[i] === "]") return i++, a;
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i++] === "]") return a;
        fail();
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(lit, i)) return (i += lit.length), v;
    }
    const m = /^-?(?:Infinity|NaN|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) return fail();
    i += m[0].length;
    return { num: m[0] };
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail();
  return v;
}

/** json.dumps of a RawJson value. */
export function dumpRaw(v: RawJson): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return pyString(v);
  if (Array.isArray(v)) return "[" + v.map(dumpRaw).join(", ") + "]";
  if (v instanceof Map) {
    const parts: string[] = [];
    for (const [k, x] of v) parts.push(pyString(k) + ": " + dumpRaw(x));
    return "{" + parts.join(", ") + "}";
  }
  return v.num;
}
