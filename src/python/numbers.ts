// Python's int() and float() of a string, in one place: the PYRO_* settings (config.ts, config5.ts), the command
// lines (optparse.ts) and the serpent float class dict (serializers/values.ts) read numbers from text as Python
// does, and used to carry three slightly different copies of these rules (one accepted "1._5", one "0x10").

/** The characters Python's str.strip() and int()/float() skip around a number (str.isspace, without U+FEFF). */
const SPACE = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const STRIP = new RegExp(`^${SPACE}+|${SPACE}+$`, "g");

/** `text` without the whitespace Python strips around a number. */
export function pyStrip(text: string): string {
  return text.replace(STRIP, "");
}

const DIGITS = { 2: "[01]", 8: "[0-7]", 10: "[0-9]", 16: "[0-9a-fA-F]" } as const;
const PREFIX = { 2: /^0[bB]_?/, 8: /^0[oO]_?/, 16: /^0[xX]_?/, 10: null } as const;

/**
 * Python's int(text, radix) for ASCII digits: optional sign, an optional 0b/0o/0x prefix in that radix, `_` between
 * digits, surrounding whitespace; null where Python raises ValueError.
 */
export function parsePyInt(text: string, radix: 2 | 8 | 10 | 16 = 10): number | null {
  let s = pyStrip(text);
  let sign = 1;
  if (s[0] === "+" || s[0] === "-") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  const prefix = PREFIX[radix];
  if (prefix) s = s.replace(prefix, "");
  const digit = DIGITS[radix];
  if (!new RegExp(`^${digit}(?:_?${digit})*$`).test(s)) return null;
  return sign * parseInt(s.replaceAll("_", ""), radix);
}

const D = String.raw`[0-9](?:_?[0-9])*`;
const FLOAT = new RegExp(`^[+-]?(?:${D}(?:\\.(?:${D})?)?|\\.${D})(?:[eE][+-]?${D})?$`);
const SPECIAL = /^([+-]?)(?:(inf(?:inity)?)|(nan))$/i;

/** Python's float() of a string (inf/infinity/nan in any case, `_` between digits); null where Python raises. */
export function parsePyFloat(text: string): number | null {
  const s = pyStrip(text);
  const m = SPECIAL.exec(s);
  if (m) return m[3] ? NaN : m[1] === "-" ? -Infinity : Infinity;
  if (!FLOAT.test(s)) return null;
  return Number(s.replaceAll("_", ""));
}
