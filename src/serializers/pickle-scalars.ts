// Scalar decoding for the pickle decoder: UTF-8 with surrogatepass, protocol 0 text literals (raw-unicode-escape,
// Python 2 string reprs, text ints and floats) and two's complement longs. Pure functions, no globals.

import { SerializeError } from "../errors.js";

export function err(msg: string): SerializeError {
  return new SerializeError(`pickle: ${msg}`);
}

export function decodeUtf8(b: Buffer, start: number, end: number): string {
  const s = b.toString("utf8", start, end);
  return s.includes("\uFFFD") ? utf8Surrogatepass(b, start, end) : s;
}

/** UTF-8 the way Python's pickle writes it (surrogatepass), decoded strictly. */
export function utf8Surrogatepass(b: Buffer, start: number, end: number): string {
  let out = "";
  let i = start;
  const bad = (): never => {
    throw err(`invalid UTF-8 in string at offset ${i}`);
  };
  const cont = (j: number): number => {
    if (j >= end || (b[j]! & 0xc0) !== 0x80) bad();
    return b[j]! & 0x3f;
  };
  while (i < end) {
    const c = b[i]!;
    let cp: number;
    if (c < 0x80) (cp = c), i++;
    else if (c >= 0xc2 && c < 0xe0) (cp = ((c & 0x1f) << 6) | cont(i + 1)), (i += 2);
    else if (c >= 0xe0 && c < 0xf0) {
      cp = ((c & 0x0f) << 12) | (cont(i + 1) << 6) | cont(i + 2);
      if (cp < 0x800) bad();
      i += 3;
    } else if (c >= 0xf0 && c < 0xf5) {
      cp = ((c & 0x07) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3);
      if (cp < 0x10000 || cp > 0x10ffff) bad();
      i += 4;
    } else return bad();
    out += String.fromCodePoint(cp);
  }
  return out;
}

/** Python's raw-unicode-escape (protocol 0 UNICODE): \uXXXX and \UXXXXXXXX escapes, other bytes are latin-1. */
export function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string | undefined, b: string | undefined) => {
    const cp = parseInt((a ?? b)!, 16);
    if (cp > 0x10ffff) throw err("invalid \\U escape");
    return String.fromCodePoint(cp);
  });
}

/** Python's repr of a str/bytes literal (protocol 0 STRING): 'text' or "text" with backslash escapes. */
export function stringLiteral(s: string): Buffer {
  if (s.length < 2 || (s[0] !== "'" && s[0] !== '"') || s[s.length - 1] !== s[0]) throw err("STRING opcode argument must be quoted");
  const body = s.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c > 0xff) throw err("non-latin-1 character in STRING");
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    const e = body[++i];
    switch (e) {
      case "n": out.push(10); break;
      case "r": out.push(13); break;
      case "t": out.push(9); break;
      case "\\": out.push(0x5c); break;
      case "'": out.push(0x27); break;
      case '"': out.push(0x22); break;
      case "a": out.push(7); break;
      case "b": out.push(8); break;
      case "f": out.push(12); break;
      case "v": out.push(11); break;
      case "\n": break;
      case "x": {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw err("invalid \\x escape in STRING");
        out.push(parseInt(h, 16));
        i += 2;
        break;
      }
      default: {
        const m = /^[0-7]{1,3}/.exec(body.slice(i));
        if (m) {
          out.push(parseInt(m[0], 8) & 0xff);
          i += m[0].length - 1;
        } else {
          out.push(0x5c);
          if (e !== undefined) out.push(e.charCodeAt(0) & 0xff);
        }
      }
    }
  }
  return Buffer.from(out);
}

/** Python int from little-endian two's complement bytes (LONG1 / LONG4). */
export function longFromBytes(b: Buffer, start: number, n: number): number | bigint {
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[start + i]!;
    if (b[start + n - 1]! & 0x80) v -= 2 ** (8 * n);
    return v;
  }
  const v = BigInt.asIntN(8 * n, BigInt("0x" + Buffer.from(b.subarray(start, start + n)).reverse().toString("hex")));
  return normInt(v);
}
export function normInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

export function parseTextInt(s: string, maxDigits: number): number | bigint {
  const t = s.trim().replace(/L$/, "");
  if (!/^[-+]?\d+$/.test(t)) throw err(`invalid integer literal: ${s.slice(0, 40)}`);
  if (t.length > maxDigits) throw err("integer literal too long");
  return normInt(BigInt(t));
}

export function parseTextFloat(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === "nan" || t === "-nan" || t === "+nan") return NaN;
  if (t === "inf" || t === "+inf" || t === "infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) throw err(`invalid float literal: ${s.slice(0, 40)}`);
  return Number(t);
}

/** Big-endian doubles through one scratch array (Buffer's readDoubleBE/writeDoubleBE add bounds checks and a call). */
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The double at b[p..p+8) (big-endian; the caller checked the length). Only when LITTLE_ENDIAN. */
export function float64BE(b: Uint8Array, p: number): number {
  const f = F64_BYTES;
  f[7] = b[p]!;
  f[6] = b[p + 1]!;
  f[5] = b[p + 2]!;
  f[4] = b[p + 3]!;
  f[3] = b[p + 4]!;
  f[2] = b[p + 5]!;
  f[1] = b[p + 6]!;
  f[0] = b[p + 7]!;
  return F64[0]!;
}
/** Write v big-endian at b[p..p+8) (the caller made room). Only when LITTLE_ENDIAN. */
export function writeFloat64BE(b: Uint8Array, v: number, p: number): void {
  F64[0] = v;
  const f = F64_BYTES;
  b[p] = f[7]!;
  b[p + 1] = f[6]!;
  b[p + 2] = f[5]!;
  b[p + 3] = f[4]!;
  b[p + 4] = f[3]!;
  b[p + 5] = f[2]!;
  b[p + 6] = f[1]!;
  b[p + 7] = f[0]!;
}
