// Python `re` patterns for the name server's list(regex=...)/remove(regex=...): clients write Python regex
// syntax and expect Python's re.match semantics and re.error messages, so patterns are parsed with Python's
// grammar, rejected with Python's wording ("missing ), unterminated subpattern at position 0"), and
// translated to an equivalent JavaScript RegExp (unicode mode, anchored at the start like re.match).

import { PyroError, type PyroErrorCode } from "../errors.js";

/** A pattern Python's `re` would reject; `message` is str(re.error). */
export class PythonRegexError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_REGEX";
  constructor(msg: string, pattern: string, pos?: number) {
    super(pos === undefined ? msg : msg + positionText(pattern, pos));
  }
}

function positionText(pattern: string, pos: number): string {
  let s = ` at position ${pos}`;
  if (pattern.includes("\n")) {
    const before = pattern.slice(0, pos);
    const line = before.split("\n").length;
    const col = pos - (before.lastIndexOf("\n") + 1) + 1;
    s += ` (line ${line}, column ${col})`;
  }
  return s;
}

const WORD = "\\p{L}\\p{N}_";
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };
const QUANT = new Set(["*", "+", "?", "{"]);

function lit(cp: number): string {
  const ch = String.fromCodePoint(cp);
  return /[A-Za-z0-9 _]/.test(ch) ? ch : `\\u{${cp.toString(16)}}`;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
}

class Translator {
  private pos = 0;
  private groups = 0;
  private readonly names = new Map<string, number>();
  private readonly open = new Set<number>();
  constructor(
    private readonly p: string,
    private readonly flags: Flags,
  ) {}

  private err(msg: string, pos?: number): never {
    throw new PythonRegexError(msg, this.p, pos);
  }

  translate(): string {
    const out = this.alternation(0);
    if (this.pos < this.p.length) {
      // only a stray ")" stops the top-level alternation early
      this.err("unbalanced parenthesis", this.pos);
    }
    return out;
  }

  private skipVerbose(): void {
    if (!this.flags.x) return;
    const p = this.p;
    for (;;) {
      const c = p[this.pos];
      if (c === undefined) return;
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\v" || c === "\f") this.pos++;
      else if (c === "#") {
        while (this.pos < p.length && p[this.pos] !== "\n") this.pos++;
      } else return;
    }
  }

  private alternation(depth: number): string {
    const parts = [this.sequence(depth)];
    while (this.p[this.pos] === "|") {
      this.pos++;
      parts.push(this.sequence(depth));
    }
    return parts.join("|");
  }

  private sequence(depth: number): string {
    let out = "";
    for (;;) {
      this.skipVerbose();
      const start = this.pos;
      const c = this.p[this.pos];
      if (c === undefined || c === "|") return out;
      if (c === ")") {
        if (depth === 0) this.err("unbalanced parenthesis", this.pos);
        return out;
      }
      if (QUANT.has(c) && !(c === "{" && !this.quantifierAt(this.pos))) this.err("nothing to repeat", this.pos);
      const atom = this.atom();
      if (atom === null) continue; // comment group / global flags
      this.skipVerbose();
      out += this.quantified(atom.src, atom.repeatable, start);
    }
  }

  /** If a `{m,n}` quantifier starts at i, its [min, max, end]. Otherwise Python reads `{` literally. */
  private quantifierAt(i: number): [number | null, number | null, number] | null {
    const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.p.slice(i, i + 40));
    if (!m) return null;
    if (m[2] === undefined && m[1] === "") return null;
    const lo = m[1] === "" ? null : Number(m[1]);
    const hi = m[2] === undefined ? lo : m[3] === "" ? null : Number(m[3]);
    return [lo, hi, i + m[0].length];
  }

  private quantified(src: string, repeatable: boolean, atomStart: number): string {
    let out = src;
    let quantified = false;
    for (;;) {
      const i = this.pos;
      const c = this.p[i];
      if (c === undefined || !QUANT.has(c)) return out;
      let q: string;
      if (c === "{") {
        const spec = this.quantifierAt(i);
        if (!spec) return out;
        const [lo, hi, end] = spec;
        if (lo !== null && hi !== null && hi < lo) this.err("min repeat greater than max repeat", i + 1);
        q = `{${lo ?? 0},${hi ?? ""}}`;
        if (lo !== null && hi === lo) q = `{${lo}}`;
        this.pos = end;
      } else {
        q = c;
        this.pos++;
      }
      if (quantified) this.err("multiple repeat", i);
      if (!repeatable) this.err("nothing to repeat", i);
      out = `(?:${out})${q}`;
      quantified = true;
      if (this.p[this.pos] === "?") {
        out += "?";
        this.pos++;
      } else if (this.p[this.pos] === "+") {
        this.err("possessive quantifiers are not supported by this name server", this.pos);
      }
      void atomStart;
      this.skipVerbose();
    }
  }

  private atom(): { src: string; repeatable: boolean } | null {
    const p = this.p;
    const c = p[this.pos]!;
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return { src: this.charClass(), repeatable: true };
      case "\\":
        return this.escape();
      case ".":
        this.pos++;
        return { src: this.flags.s ? "[\\s\\S]" : "[^\\n]", repeatable: true };
      case "^":
        this.pos++;
        return { src: this.flags.m ? "(?<=^|\\n)" : "(?<![\\s\\S])", repeatable: false };
      case "$":
        this.pos++;
        return { src: this.flags.m ? "(?=\\n|(?![\\s\\S]))" : "(?=\\n?(?![\\s\\S]))", repeatable: false };
      default: {
        const cp = p.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return { src: this.caseLit(cp), repeatable: true };
      }
    }
  }

  private caseLit(cp: number): string {
    return lit(cp);
  }

  private groupName(start: number, terminator: string): string {
    const end = this.p.indexOf(terminator, this.pos);
    if (end < 0) this.err(`missing ${terminator}, unterminated name`, start);
    const name = this.p.slice(this.pos, end);
    if (!name) this.err("missing group name", start);
    if (!/^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(name))
      this.err(`bad character in group name '${name}'`, start);
    this.pos = end + 1;
    return name;
  }

  private group(): { src: string; repeatable: boolean } | null {
    const p = this.p;
    const open = this.pos;
    this.pos++;
    let prefix = "(";
    let capture: number | null = null;
    let repeatable = true;
    if (p[this.pos] === "?") {
      const q = this.pos;
      this.pos++;
      const c = p[this.pos];
      if (c === undefined) this.err("unexpected end of pattern", this.pos);
      if (c === ":") {
        prefix = "(?:";
        this.pos++;
      } else if (c === "P") {
        this.pos++;
        const d = p[this.pos];
        if (d === undefined) this.err("unexpected end of pattern", this.pos);
        if (d === "<") {
          this.pos++;
          const start = this.pos;
          const name = this.groupName(start, ">");
          capture = ++this.groups;
          const prev = this.names.get(name);
          if (prev !== undefined)
            this.err(`redefinition of group name '${name}' as group ${capture}; was group ${prev}`, start);
          this.names.set(name, capture);
          prefix = `(?<${name}>`;
        } else if (d === "=") {
          this.pos++;
          const start = this.pos;
          const ref = this.groupName(start, ")");
          const n = this.names.get(ref);
          if (n === undefined) this.err(`unknown group name '${ref}'`, start);
          if (this.open.has(n)) this.err("cannot refer to an open group", start - 4);
          return { src: `\\k<${ref}>`, repeatable: true };
        } else {
          this.err(`unknown extension ?P${d}`, q);
        }
      } else if (c === "#") {
        const end = p.indexOf(")", this.pos);
        if (end < 0) this.err("missing ), unterminated comment", open);
        this.pos = end + 1;
        return null;
      } else if (c === "=" || c === "!") {
        prefix = `(?${c}`;
        this.pos++;
        repeatable = false;
      } else if (c === "<") {
        const d = p[this.pos + 1];
        if (d === "=" || d === "!") {
          prefix = `(?<${d}`;
          this.pos += 2;
          repeatable = false;
        } else if (d === undefined) {
          this.err("unexpected end of pattern", this.pos + 1);
        } else {
          this.err(`unknown extension ?<${d}`, q);
        }
      } else if (c === "(") {
        this.err("conditional groups (?(...)...) are not supported by this name server", q);
      } else if (c === ">") {
        this.err("atomic groups (?>...) are not supported by this name server", q);
      } else if (/[aiLmsux-]/.test(c)) {
        return this.inlineFlags(open, q);
      } else {
        this.err(`unknown extension ?${c}`, q);
      }
    } else {
      capture = ++this.groups;
    }
    if (capture !== null) this.open.add(capture);
    const body = this.alternation(1);
    if (p[this.pos] !== ")") this.err("missing ), unterminated subpattern", open);
    this.pos++;
    if (capture !== null) this.open.delete(capture);
    return { src: prefix + body + ")", repeatable };
  }

  /** `(?flags)` (only valid at the start; the flags were applied before translation) or `(?flags:...)`. */
  private inlineFlags(open: number, q: number): { src: string; repeatable: boolean } | null {
    const p = this.p;
    const m = /^([aiLmsux]*)(?:-([imsx]*))?(.)?/.exec(p.slice(this.pos));
    const end = m![3];
    if (end === undefined) this.err("missing -, : or )", this.pos + m![0].length);
    if (end === ")") {
      if (m![2] !== undefined) this.err("missing :", this.pos + m![0].length - 1);
      if (open !== 0 && !this.atGlobalFlagsPrefix(open))
        this.err("global flags not at the start of the expression", open);
      this.pos += m![0].length;
      return null;
    }
    if (end !== ":") this.err(m![2] !== undefined ? "missing :" : "missing -, : or )", this.pos + m![0].length - 1);
    const on = m![1]!;
    const off = m![2] ?? "";
    // JavaScript has no scoped modifiers on Node 20; case-insensitivity and the others apply to the whole pattern
    // only, so accept scoped flags only when they do not change anything.
    for (const f of on + off) {
      if (f === "i" || f === "m" || f === "s" || f === "x") {
        const want = on.includes(f);
        if (this.flags[f] !== want)
          this.err(`scoped inline flags (?${on}${off ? "-" + off : ""}:...) are not supported by this name server`, q);
      }
    }
    this.pos += m![0].length;
    const body = this.alternation(1);
    if (p[this.pos] !== ")") this.err("missing ), unterminated subpattern", open);
    this.pos++;
    return { src: "(?:" + body + ")", repeatable: true };
  }

  private atGlobalFlagsPrefix(open: number): boolean {
    return /^(\(\?[aiLmsux]+\))*$/.test(this.p.slice(0, open));
  }

  /** An escape outside a class. */
  private escape(): { src: string; repeatable: boolean } {
    const p = this.p;
    const start = this.pos;
    const c = p[this.pos + 1];
    if (c === undefined) this.err("bad escape (end of pattern)", start);
    this.pos += 2;
    switch (c) {
      case "A":
        return { src: "(?<![\\s\\S])", repeatable: false };
      case "Z":
        return { src: "(?![\\s\\S])", repeatable: false };
      case "b":
        return { src: `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`, repeatable: false };
      case "B":
        return { src: `(?:(?<=[${WORD}])(?=[${WORD}])|(?<![${WORD}])(?![${WORD}]))`, repeatable: false };
      case "d":
        return { src: "\\p{Nd}", repeatable: true };
      case "D":
        return { src: "\\P{Nd}", repeatable: true };
      case "w":
        return { src: `[${WORD}]`, repeatable: true };
      case "W":
        return { src: `[^${WORD}]`, repeatable: true };
      case "s":
        return { src: "\\s", repeatable: true };
      case "S":
        return { src: "\\S", repeatable: true };
    }
    if (c >= "1" && c <= "9") {
      // group reference, or octal when three octal digits follow
      const oct = /^[0-7]{3}/.exec(p.slice(start + 1));
      if (c <= "3" && oct) {
        this.pos = start + 4;
        const v = parseInt(oct[0], 8);
        if (v > 0o377) this.err(`octal escape value \\${oct[0]} outside of range 0-0o377`, start);
        return { src: lit(v), repeatable: true };
      }
      const m = /^\d\d?/.exec(p.slice(start + 1))!;
      const n = Number(m[0]);
      this.pos = start + 1 + m[0].length;
      if (n > this.groups) this.err(`invalid group reference ${n}`, start + 1);
      if (this.open.has(n)) this.err("cannot refer to an open group", start);
      return { src: `\\${n}(?:)`, repeatable: true };
    }
    return { src: lit(this.escapedChar(start, c, false)), repeatable: true };
  }

  /** Value of a character escape (shared by classes and sequences); pos is just past `\c`. */
  private escapedChar(start: number, c: string, inClass: boolean): number {
    const p = this.p;
    if (SIMPLE_ESCAPES[c] !== undefined) return SIMPLE_ESCAPES[c]!;
    if (inClass && c === "b") return 8;
    if (c === "0" || (inClass && c >= "1" && c <= "7")) {
      const m = /^[0-7]{0,2}/.exec(p.slice(this.pos))!;
      this.pos += m[0].length;
      const v = parseInt(c + m[0], 8);
      if (v > 0o377) this.err(`octal escape value \\${c}${m[0]} outside of range 0-0o377`, start);
      return v;
    }
    if (c === "x" || c === "u" || c === "U") {
      const len = c === "x" ? 2 : c === "u" ? 4 : 8;
      const hex = p.slice(this.pos, this.pos + len);
      if (hex.length < len || !/^[0-9a-fA-F]+$/.test(hex)) this.err(`incomplete escape \\${c}${hex.match(/^[0-9a-fA-F]*/)![0]}`, start);
      this.pos += len;
      const v = parseInt(hex, 16);
      if (v > 0x10ffff) this.err(`bad escape \\${c}${hex}`, start);
      return v;
    }
    if (c === "N") this.err("named unicode escapes \\N{...} are not supported by this name server", start);
    if (/[A-Za-z0-9]/.test(c)) this.err(`bad escape \\${c}`, start);
    const cp = p.codePointAt(start + 1)!;
    if (cp > 0xffff) this.pos++;
    return cp;
  }

  private charClass(): string {
    const p = this.p;
    const open = this.pos;
    this.pos++;
    let out = "[";
    if (p[this.pos] === "^") {
      out += "^";
      this.pos++;
    }
    let first = true;
    for (;;) {
      const itemStart = this.pos;
      const c = p[this.pos];
      if (c === undefined) this.err("unterminated character set", open);
      if (c === "]" && !first) {
        this.pos++;
        break;
      }
      first = false;
      const a = this.classItem();
      if (p[this.pos] === "-" && p[this.pos + 1] !== undefined && p[this.pos + 1] !== "]") {
        this.pos++;
        const b = this.classItem();
        const text = p.slice(itemStart, this.pos);
        if (typeof a === "string" || typeof b === "string" || b < a)
          this.err(`bad character range ${text}`, itemStart);
        out += lit(a) + "-" + lit(b);
      } else {
        out += typeof a === "string" ? a : lit(a);
      }
    }
    return out === "[" ? "[^\\s\\S]" : out === "[^" ? "[\\s\\S]" : out + "]";
  }

  /** One class member: a code point, or a category (string) like \d. */
  private classItem(): number | string {
    const p = this.p;
    const c = p[this.pos]!;
    if (c !== "\\") {
      const cp = p.codePointAt(this.pos)!;
      this.pos += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const start = this.pos;
    const e = p[this.pos + 1];
    if (e === undefined) this.err("bad escape (end of pattern)", start);
    this.pos += 2;
    switch (e) {
      case "d":
        return "\\p{Nd}";
      case "D":
        return "\\P{Nd}";
      case "w":
        return WORD;
      case "s":
        return "\\s";
      case "S":
        return "\\S";
      case "W":
        // a negated category cannot be merged into a JS class without the v flag; ASCII approximation
        return "\\W";
    }
    return this.escapedChar(start, e, true);
  }
}

/** Python's leading global flags `(?i)(?m)...`, which apply to the whole pattern. */
function leadingFlags(pattern: string): Flags {
  const flags: Flags = { i: false, m: false, s: false, x: false };
  const re = /\(\?([aiLmsux]+)\)/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(pattern))) {
    for (const f of m[1]!) if (f in flags) flags[f as keyof Flags] = true;
  }
  return flags;
}

const cache = new Map<string, RegExp>();

/**
 * Compile a Python regex into a sticky JavaScript RegExp, or throw PythonRegexError with Python's message.
 * Use `pythonMatch` for re.match semantics.
 */
export function compilePythonRegex(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const flags = leadingFlags(pattern);
  const src = new Translator(pattern, flags).translate();
  let re: RegExp;
  try {
    re = new RegExp(src, "uy" + (flags.i ? "i" : ""));
  } catch (e) {
    throw new PythonRegexError(`pattern not supported: ${(e as Error).message}`, pattern);
  }
  if (cache.size > 200) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Python's `re.match(pattern, text) is not None` (anchored at the start, not at the end). */
export function pythonMatch(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}
