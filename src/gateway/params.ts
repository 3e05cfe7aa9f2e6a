// Request parameters decoded the way Python's gateways decode them. Pyro4's: wsgiref unquotes the path as latin-1, cgi.parse
// reads the query string (and a POSTed application/x-www-form-urlencoded body, body first) with
// urllib.parse.parse_qs(keep_blank_values=False, encoding latin-1), and singlyfy_parameters turns one-element
// lists into their value. Percent-encoded UTF-8 therefore arrives as latin-1 text, exactly as in Python.
// Pyro5's: urllib.parse.parse_qs(QUERY_STRING) with its default encoding, UTF-8 (errors="replace").
// Limits (parameter count, JSON nesting) are ours: Python has none.

import { GatewayRequestError, PyException } from "./errors.js";

/** urllib.parse.unquote(s, encoding="latin-1"): each valid %XX becomes the char with that code. */
export function unquoteLatin1(s: string): string {
  if (!s.includes("%")) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * urllib.parse.unquote(s) (encoding utf-8, errors "replace"): each run of %XX escapes is decoded as UTF-8 bytes,
 * a bad sequence becoming U+FFFD; characters outside ASCII (latin-1 request bytes) pass through as they are.
 */
export function unquoteUtf8(s: string): string {
  if (!s.includes("%")) return s;
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.alloc(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return UTF8.decode(bytes);
  });
}
const UTF8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export type Params = Map<string, string | string[]>;

/** parse_qs(qs, keep_blank_values=False, strict_parsing=False, separator="&") into `into`. */
export function parseQs(qs: string, into: Map<string, string[]>, maxFields: number, encoding: "latin1" | "utf8" = "latin1"): void {
  const unquote = encoding === "utf8" ? unquoteUtf8 : unquoteLatin1;
  if (!qs) return;
  for (const nv of qs.split("&")) {
    if (!nv) continue;
    const eq = nv.indexOf("=");
    if (eq < 0 || eq === nv.length - 1) continue; // no '=' or blank value: dropped, as Python does
    const name = unquote(nv.slice(0, eq).replace(/\+/g, " "));
    const value = unquote(nv.slice(eq + 1).replace(/\+/g, " "));
    const list = into.get(name);
    if (list) list.push(value);
    else {
      if (into.size >= maxFields) throw new GatewayRequestError(400, `too many parameters (max ${maxFields})`);
      into.set(name, [value]);
    }
  }
}

/** singlyfy_parameters: one-element lists become the element. */
export function singlyfy(m: Map<string, string[]>): Params {
  const out: Params = new Map();
  for (const [k, v] of m) out.set(k, v.length === 1 ? v[0]! : v);
  return out;
}

/** cgi.parse_header's key: the part before the first ';', stripped, case kept (cgi compares it as is). */
export function contentTypeKey(header: string | undefined): string {
  if (header === undefined) return "text/plain"; // wsgiref's default when the header is absent
  const semi = header.indexOf(";");
  return (semi < 0 ? header : header.slice(0, semi)).trim();
}

/**
 * Python's uuid.UUID(text) for the X-Pyro-Correlation-Id header; returns the canonical form, or throws a
 * ValueError-like message exactly as Python words it.
 */
export function pythonUuid(text: string): string {
  let hex = text.replace(/urn:/g, "").replace(/uuid:/g, "");
  hex = hex.replace(/^[{}]+|[{}]+$/g, "").replace(/-/g, "");
  if (hex.length !== 32) throw pyValueError("badly formed hexadecimal UUID string");
  // int(hex, 16): surrounding whitespace, a sign, a 0x prefix and single underscores between digits are accepted
  const m = /^[\s]*([+-]?)(0[xX])?(_?[0-9a-fA-F](?:_?[0-9a-fA-F])*)[\s]*$/.exec(hex);
  if (!m || (m[3]!.startsWith("_") && !m[2])) {
    throw pyValueError(`invalid literal for int() with base 16: '${hex.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`);
  }
  const digits = m[3]!.replace(/_/g, "");
  const value = BigInt("0x" + digits);
  if ((m[1] === "-" && value !== 0n) || value >= 1n << 128n) throw pyValueError("int is out of range (need a 128-bit value)");
  const h = value.toString(16).padStart(32, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function pyValueError(message: string): PyException {
  return new PyException("builtins.ValueError", [message]);
}
