// Python's str semantics that JavaScript strings lack: repr() quoting and escaping (str.isprintable rules),
// and sorted() order (by code point, not UTF-16 unit). One implementation for the serpent writer (hot path,
// byte-for-byte with Python), the name-server tools and every other repr. Leaf module: imports nothing.

// Printable ASCII except the quote and the backslash: such strings need no escaping at all.
const PLAIN_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;
// Characters Python's str.isprintable() rejects: Unicode "Other" and "Separator" categories except the
// ASCII space. repr() escapes them. (Python's Unicode version may differ from ours for newly assigned
// characters; both sides still read either form.)
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;
const NON_PRINTABLE_G = /[\p{C}\p{Z}]/gu;

let bmpEscape: Uint8Array | null = null;
/** One flag per BMP code unit (1 = escape it), built once with a single regex pass over all of them. */
function bmpTable(): Uint8Array {
  if (bmpEscape) return bmpEscape;
  const t = new Uint8Array(0x10000);
  const units = new Uint16Array(0x10000 - 0x800);
  for (let c = 0, i = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) units[i++] = c;
  let all = "";
  for (let i = 0; i < units.length; i += 8192) all += String.fromCharCode.apply(null, units.subarray(i, i + 8192) as unknown as number[]);
  for (const m of all.matchAll(NON_PRINTABLE_G)) t[m[0].charCodeAt(0)] = 1;
  t.fill(1, 0xd800, 0xe000); // lone surrogates (pairs are handled before the table is consulted)
  t[0x20] = 0;
  t[0x5c] = 1;
  return (bmpEscape = t);
}

const HEX = "0123456789abcdef".split("").map((ch) => ch.charCodeAt(0));
let scratch = new Uint16Array(1024);

/** repr() of a string that needs escapes: code units go to a scratch buffer (cheaper than many small concatenations). */
function escapedRepr(s: string, quote: number): string {
  const table = bmpTable();
  const len = s.length;
  if (scratch.length < len + 16) scratch = new Uint16Array(Math.max(len + 16, scratch.length * 2));
  let buf = scratch;
  let n = 0;
  buf[n++] = quote;
  for (let i = 0; i < len; i++) {
    if (n + 12 > buf.length) {
      const bigger = new Uint16Array(buf.length * 2);
      bigger.set(buf);
      buf = scratch = bigger;
    }
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (c === quote || c === 0x5c) buf[n++] = 0x5c;
      buf[n++] = c;
      continue;
    }
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
        if (!NON_PRINTABLE.test(String.fromCharCode(c, lo))) {
          buf[n++] = c;
          buf[n++] = lo;
          continue;
        }
      }
    }
    if (cp < 0x10000 && !table[cp]) {
      buf[n++] = cp;
      continue;
    }
    buf[n++] = 0x5c;
    let width: number;
    if (cp === 9 || cp === 10 || cp === 13) {
      buf[n++] = cp === 9 ? 0x74 : cp === 10 ? 0x6e : 0x72;
      continue;
    } else if (cp < 0x100) {
      buf[n++] = 0x78; // x
      width = 2;
    } else if (cp < 0x10000) {
      buf[n++] = 0x75; // u
      width = 4;
    } else {
      buf[n++] = 0x55; // U
      width = 8;
    }
    for (let k = (width - 1) * 4; k >= 0; k -= 4) buf[n++] = HEX[(cp >>> k) & 15]!;
  }
  buf[n++] = quote;
  let out = "";
  for (let i = 0; i < n; i += 8192) out += String.fromCharCode.apply(null, buf.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  return out;
}

/** Python's repr() of a str. */
export function strRepr(s: string): string {
  if (PLAIN_ASCII.test(s)) return "'" + s + "'";
  return escapedRepr(s, s.includes("'") && !s.includes('"') ? 0x22 : 0x27);
}

/** Python's sorted() order for strings: by code point, not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d) return d;
  }
}
