// Reader for serpent data: the subset of Python literal syntax ast.literal_eval accepts (plus the quirks
// serpent writers emit), parsed by hand with a cursor over the decoded text. Never evaluates anything. A call
// (what a daemon reads) is read as Python's daemon reads it: the quirks literal_eval cannot read fail with its
// errors there, so a call fails on our daemon exactly where it fails on Python's.

import { isAscii, isUtf8 } from "node:buffer";
import { InvalidArgumentError, SerializeError, SecurityError } from "../errors.js";
import { DEFAULT_LIMITS } from "../limits.js";
import { utf8DecodeFailure } from "../python/exceptions.js";
import { Tuple, Complex, Float, depthError, dictToClass, setKey, toTuple, newTuple, hashKey, serpentFloat, bytesOfDict, pythonSerializeError } from "./values.js";

const C_TAB = 9, C_LF = 10, C_VT = 11, C_FF = 12, C_CR = 13, C_SPACE = 32;
const C_DQ = 34, C_HASH = 35, C_SQ = 39, C_LPAREN = 40, C_RPAREN = 41, C_PLUS = 43, C_COMMA = 44;
const C_MINUS = 45, C_DOT = 46, C_0 = 48, C_7 = 55, C_9 = 57, C_COLON = 58, C_LBRACKET = 91;
const C_BACKSLASH = 92, C_RBRACKET = 93, C_UNDERSCORE = 95, C_LBRACE = 123, C_RBRACE = 125;

function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}
function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= C_0 && c <= C_9) || c === C_UNDERSCORE || c >= 128;
}
function hexVal(c: number): number {
  if (c >= C_0 && c <= C_9) return c - C_0;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
function digitOk(c: number, radix: number): boolean {
  return radix === 16 ? hexVal(c) >= 0 : c >= C_0 && c < C_0 + radix;
}

interface StrLit {
  bytes: boolean;
  text: string; // for bytes: one char per byte (latin1)
}

/** A numeric literal as written, before any sign or `+ imag` that follows it. */
interface NumLit {
  value: number | bigint;
  imag: boolean;
  float: boolean;
}

const EMPTY_UNITS = new Uint16Array(0);

class Parser {
  pos = 0;
  private depth = 0;
  private blobAt = 0;
  /** `blobs` stand for the NUL placeholders `splitBigBytes` put in the text, in order. */
  /** `strict`: a call, read as Python's daemon reads it (unknown class dicts refused, see dictToClass). */
  constructor(
    private readonly s: string,
    private readonly blobs: Buffer[] | null,
    private readonly strict: boolean,
    private readonly maxDepth: number,
  ) {}

  fail(msg: string, at = this.pos): never {
    throw new SerializeError(`invalid serpent data: ${msg} at position ${at}`);
  }

  /** Whitespace, comments (the header line is one) and backslash line continuations. */
  ws(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === C_SPACE || c === C_LF || c === C_CR || c === C_TAB || c === C_FF || c === C_VT) p++;
      else if (c === C_HASH) {
        const nl = s.indexOf("\n", p);
        p = nl < 0 ? s.length : nl + 1;
      } else if (c === C_BACKSLASH && (s.charCodeAt(p + 1) === C_LF || s.charCodeAt(p + 1) === C_CR)) p += 2;
      else break;
    }
    this.pos = p;
  }

  parseTop(): unknown {
    this.ws();
    if (this.pos >= this.s.length) this.fail("no value");
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) this.fail("unexpected data after the value");
    if (this.evalError !== null) throw this.evalError;
    if (this.classError !== null) throw this.classError;
    return v;
  }

  /** In a call, the first error converting a class dict (thrown after the whole text has parsed). */
  private classError: Error | null = null;

  /**
   * In a call (`strict`), the first of serpent's complex quirks Python's literal_eval refuses, as the ValueError
   * it raises once the whole text has parsed (a SyntaxError anywhere comes first, as in Python).
   */
  private evalError: Error | null = null;

  /** A quirk literal_eval evaluates and refuses ("malformed node or string"), in a call: remembered, not thrown. */
  private malformed(node: "UnaryOp" | "Dict" | "Name", at: number): void {
    if (this.strict && this.evalError === null)
      this.evalError = pythonSerializeError("ValueError", `malformed node or string on line ${this.lineAt(at)}: <ast.${node} object at 0x0>`);
  }

  /** Python's line number (1-based) of a position. */
  private lineAt(at: number): number {
    let n = 1;
    for (let i = this.s.indexOf("\n"); i >= 0 && i < at; i = this.s.indexOf("\n", i + 1)) n++;
    return n;
  }

  value(): unknown {
    this.ws();
    const s = this.s;
    const c = s.charCodeAt(this.pos);
    switch (c) {
      case C_LBRACKET:
        return this.list();
      case C_LPAREN:
        return this.paren();
      case C_LBRACE: {
        const at = this.pos;
        const v = this.dictOrSet();
        // a nan dict may be the real part of Python serpent's complex text: ({'__class__':'float','value':'nan'}+1.0j)
        if (typeof v !== "number" || v === v) return v;
        return this.complexTail(v, at);
      }
      case C_SQ:
      case C_DQ:
        return this.strings("");
      case C_MINUS:
      case C_PLUS:
        return this.numberExpr();
      case C_DOT:
        if (isDigit(s.charCodeAt(this.pos + 1))) return this.numberExpr();
        break;
    }
    if (isDigit(c)) return this.numberExpr();
    if (isIdentChar(c)) return this.name();
    if (c === 0) return this.blob();
    if (this.pos >= s.length) this.fail("unexpected end of data");
    return this.fail(`unexpected character ${JSON.stringify(s[this.pos])}`);
  }

  /** A NUL placeholder of `splitBigBytes`: the next of the bytes it decoded. */
  private blob(): Buffer {
    if (this.blobs === null || this.blobAt >= this.blobs.length) return this.fail("unexpected character \"\\u0000\"");
    this.pos++;
    return this.blobs[this.blobAt++]!;
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) throw depthError(this.maxDepth);
  }

  private name(): unknown {
    const s = this.s;
    const start = this.pos;
    let p = start;
    while (p < s.length && isIdentChar(s.charCodeAt(p))) p++;
    const id = s.slice(start, p);
    const next = s.charCodeAt(p);
    if ((next === C_SQ || next === C_DQ) && p - start <= 2) {
      const prefix = id.toLowerCase();
      if (prefix === "u" || prefix === "r" || prefix === "b" || prefix === "br" || prefix === "rb") {
        this.pos = p;
        return this.strings(prefix);
      }
    }
    this.pos = p;
    switch (id) {
      case "None":
        return null;
      case "True":
        return true;
      case "False":
        return false;
      case "set":
        this.ws();
        if (s.charCodeAt(this.pos) === C_LPAREN) {
          this.pos++;
          this.ws();
          if (s.charCodeAt(this.pos) === C_RPAREN) {
            this.pos++;
            return new Set();
          }
        }
        return this.fail("only set() without arguments is allowed");
    }
    if (this.strict) {
      // a bare name parses in Python and literal_eval refuses it as a malformed node (a Name, e.g. the unquoted
      // char Java's serpent writes); an attribute, call or subscript stays our parse error
      this.ws();
      const c = s.charCodeAt(this.pos);
      if (c !== C_LPAREN && c !== C_DOT && c !== C_LBRACKET) {
        this.malformed("Name", start);
        return null;
      }
      this.pos = p;
    }
    return this.fail(`unexpected name '${id.length > 40 ? id.slice(0, 40) + "..." : id}'`, start);
  }

  // ---------------------------------------------------------------------------------------------
  // numbers

  /** [sign] number [(+|-) imaginary]: what literal_eval accepts as a numeric expression. */
  private numberExpr(): unknown {
    const s = this.s;
    let neg = false;
    let c = s.charCodeAt(this.pos);
    if (c === C_MINUS || c === C_PLUS) {
      neg = c === C_MINUS;
      this.pos++;
      this.ws();
    }
    const left = this.number();
    if (left.imag) {
      const im = left.value as number;
      return neg ? new Complex(-0, -im) : new Complex(0, im);
    }
    let real: number | bigint = left.value;
    // An int zero stays 0 (Python ints have no negative zero); a float keeps its sign.
    if (neg) real = typeof real === "bigint" ? -real : real === 0 && !left.float ? 0 : -real;
    return this.complexTail(real);
  }

  /**
   * After a real number: a "+ imag" / "- imag" continuation makes it a complex, else the number stands alone.
   * Besides literal_eval's form this takes the quirks of Python serpent's own complex text, so that what it
   * writes comes back from us as it went (and fails on a Python reader just as it did): "+-0.0j" and
   * "+-1e30000j" for a negative imaginary part after "+", and a nan part written as serpent's nan dict,
   * `({'__class__':'float','value':'nan'}+1.0j)` and `(1.0{'__class__':'float','value':'nan'}j)`.
   */
  private complexTail(real: number | bigint, nanDictAt = -1): unknown {
    const s = this.s;
    const save = this.pos;
    this.ws();
    const c = s.charCodeAt(this.pos);
    if (c === C_LBRACE) return new Complex(Number(real), this.nanImag(this.pos, nanDictAt < 0 ? -1 : nanDictAt));
    if (c !== C_PLUS && c !== C_MINUS) {
      this.pos = save;
      return real;
    }
    // literal_eval checks the left operand first: a nan dict there is a malformed node
    if (nanDictAt >= 0) this.malformed("Dict", nanDictAt);
    const opAt = this.pos;
    this.pos++;
    this.ws();
    let sign = c === C_MINUS ? -1 : 1;
    let quirk = false;
    const c2 = s.charCodeAt(this.pos);
    if (c2 === C_MINUS || c2 === C_PLUS) {
      if (c2 === C_MINUS) sign = -sign;
      quirk = true;
      this.malformed("UnaryOp", this.pos); // "+-0.0j": the right operand is a unary minus
      this.pos++;
      this.ws();
    }
    const c3 = s.charCodeAt(this.pos);
    if (c3 === C_LBRACE) return new Complex(Number(real), this.nanImag(opAt, -1));
    if (!isDigit(c3) && !(c3 === C_DOT && isDigit(s.charCodeAt(this.pos + 1)))) this.fail("expected an imaginary number", opAt);
    const right = this.number();
    if (!right.imag) this.fail("only complex literals (a+bj) may use + or -", opAt);
    const im = right.value as number;
    // serpent's "+-" form: the value serpent meant
    if (quirk) return new Complex(Number(real), sign * im);
    // literal_eval computes real +/- complex(0.0, im): the real part gets +/- 0.0 and the imaginary part is
    // 0.0 +/- im, so "-0.0+1.0j" has a real part of 0.0 and "1.0-0.0j" an imaginary part of 0.0, as in Python
    const re = Number(real);
    return sign > 0 ? new Complex(re + 0, 0 + im) : new Complex(re - 0, 0 - im);
  }

  /**
   * Serpent's nan dict followed by "j": a NaN imaginary part. Python's parser cannot read that at all: in a call it
   * fails as Python's daemon fails, with the SyntaxError ast.parse raises there.
   */
  private nanImag(at: number, realAt: number): number {
    const start = this.pos;
    const v = this.dictOrSet();
    if (typeof v !== "number" || v === v || (this.s.charCodeAt(this.pos) | 0x20) !== 106 /* j */) this.fail("expected an imaginary number", at);
    this.pos++;
    if (this.strict)
      throw pythonSerializeError("SyntaxError", `invalid syntax. Perhaps you forgot a comma? (<unknown>, line ${this.lineAt(realAt >= 0 ? realAt : start)})`);
    return NaN;
  }

  /** An unsigned numeric literal per Python's grammar (underscores between digits allowed). */
  private number(): NumLit {
    const s = this.s;
    const start = this.pos;
    let p = start;
    let c = s.charCodeAt(p);
    if (!isDigit(c) && c !== C_DOT) this.fail("expected a number");
    const next = s.charCodeAt(p + 1) | 0x20;
    if (c === C_0 && (next === 120 || next === 111 || next === 98)) {
      const radix = next === 120 ? 16 : next === 111 ? 8 : 2;
      p += 2;
      let digits = 0;
      for (;;) {
        c = s.charCodeAt(p);
        if (c === C_UNDERSCORE && digitOk(s.charCodeAt(p + 1), radix)) p++;
        else if (digitOk(c, radix)) {
          p++;
          digits++;
        } else break;
      }
      if (digits === 0) this.fail("invalid number literal", start);
      if (isIdentChar(s.charCodeAt(p))) this.fail("invalid number literal", start);
      let text = s.slice(start, p);
      if (text.includes("_")) text = text.replaceAll("_", "");
      this.pos = p;
      return { value: intValue(BigInt(text)), imag: false, float: false };
    }
    // digitpart ["." [digitpart]] [exponent] [j]
    const intStart = p;
    p = this.digitPart(p);
    const intLen = p - intStart;
    let isFloat = false;
    if (s.charCodeAt(p) === C_DOT) {
      isFloat = true;
      p++;
      const fracStart = p;
      if (isDigit(s.charCodeAt(p))) p = this.digitPart(p);
      if (intLen === 0 && p === fracStart) this.fail("invalid number literal", start);
    }
    if ((s.charCodeAt(p) | 0x20) === 101 /* e */) {
      const ePos = p;
      p++;
      const sc = s.charCodeAt(p);
      if (sc === C_PLUS || sc === C_MINUS) p++;
      if (!isDigit(s.charCodeAt(p))) this.fail("invalid exponent in number literal", ePos);
      p = this.digitPart(p);
      isFloat = true;
    }
    let imag = false;
    const end = p;
    if ((s.charCodeAt(p) | 0x20) === 106 /* j */) {
      imag = true;
      p++;
    }
    if (isIdentChar(s.charCodeAt(p)) || s.charCodeAt(p) === C_DOT) this.fail("invalid number literal", start);
    this.pos = p;
    let text = s.slice(start, end);
    if (text.includes("_")) text = text.replaceAll("_", "");
    if (isFloat || imag) return { value: Number(text), imag, float: true };
    // decinteger: no leading zeros unless the number is zero
    if (text.length > 1 && text.charCodeAt(0) === C_0) {
      for (let i = 1; i < text.length; i++)
        if (text.charCodeAt(i) !== C_0) this.fail("leading zeros in a decimal integer are not allowed", start);
      return { value: 0, imag: false, float: false };
    }
    if (text.length <= 15) return { value: Number(text), imag: false, float: false };
    return { value: intValue(BigInt(text)), imag: false, float: false };
  }

  /** digit (["_"] digit)*; returns the end position (start itself if no digit there). */
  private digitPart(p: number): number {
    const s = this.s;
    if (!isDigit(s.charCodeAt(p))) return p;
    p++;
    for (;;) {
      const c = s.charCodeAt(p);
      if (isDigit(c)) p++;
      else if (c === C_UNDERSCORE && isDigit(s.charCodeAt(p + 1))) p += 2;
      else return p;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // strings

  /** One or more adjacent string literals (implicit concatenation); the first one's prefix already read. */
  private strings(prefix: string): unknown {
    const first = this.stringLit(prefix);
    let text = first.text;
    const s = this.s;
    for (;;) {
      const save = this.pos;
      this.ws();
      let p = this.pos;
      let c = s.charCodeAt(p);
      let nextPrefix = "";
      if (c !== C_SQ && c !== C_DQ) {
        while (p - this.pos < 3 && isIdentChar(s.charCodeAt(p))) p++;
        c = s.charCodeAt(p);
        nextPrefix = s.slice(this.pos, p).toLowerCase();
        if (
          (c !== C_SQ && c !== C_DQ) ||
          !(nextPrefix === "u" || nextPrefix === "r" || nextPrefix === "b" || nextPrefix === "br" || nextPrefix === "rb")
        ) {
          this.pos = save;
          break;
        }
      }
      this.pos = p;
      const lit = this.stringLit(nextPrefix);
      if (lit.bytes !== first.bytes) this.fail("cannot mix bytes and str literals");
      text += lit.text;
    }
    return first.bytes ? Buffer.from(text, "latin1") : text;
  }

  private stringLit(prefix: string): StrLit {
    const raw = prefix.includes("r");
    const bytes = prefix.includes("b");
    const s = this.s;
    const start = this.pos;
    const q = s.charCodeAt(start);
    const qch = s[start]!;
    const triple = s.charCodeAt(start + 1) === q && s.charCodeAt(start + 2) === q;
    const contentStart = start + (triple ? 3 : 1);
    let p = contentStart;
    // Fast path: native indexOf scans find the next quote/backslash/line end. The positions are cached per
    // parser (they are properties of the whole text), so each part of the text is scanned once.
    let bs = this.nextBs;
    let lf = this.nextLf;
    let cr = this.nextCr;
    for (;;) {
      const qi = s.indexOf(qch, p);
      if (qi < 0) this.fail("unterminated string literal", start);
      if (bs !== -1 && bs < p) bs = s.indexOf("\\", p);
      const segEnd = bs !== -1 && bs < qi ? bs : qi;
      if (!triple) {
        if (lf !== -1 && lf < p) lf = s.indexOf("\n", p);
        if (cr !== -1 && cr < p) cr = s.indexOf("\r", p);
        if ((lf !== -1 && lf < segEnd) || (cr !== -1 && cr < segEnd)) this.fail("unterminated string literal", start);
      }
      if (bytes) this.asciiOnly(p, segEnd);
      if (segEnd === bs) {
        if (bs + 1 >= s.length) this.fail("unterminated string literal", start);
        if (!raw) {
          this.nextBs = bs;
          this.nextLf = lf;
          this.nextCr = cr;
          return this.escapedLit(start, contentStart, bs, q, triple, bytes);
        }
        // Raw: the backslash stays, and it keeps a following quote (or newline) from ending the string.
        if (bytes) this.asciiOnly(bs + 1, bs + 2);
        p = bs + 2;
        continue;
      }
      if (triple && !(s.charCodeAt(qi + 1) === q && s.charCodeAt(qi + 2) === q)) {
        p = qi + 1;
        continue;
      }
      this.pos = qi + (triple ? 3 : 1);
      this.nextBs = bs;
      this.nextLf = lf;
      this.nextCr = cr;
      return { bytes, text: s.slice(contentStart, qi) };
    }
  }

  private nextBs = -2;
  private nextLf = -2;
  private nextCr = -2;

  private asciiOnly(from: number, to: number): void {
    const s = this.s;
    for (let i = from; i < to; i++) if (s.charCodeAt(i) >= 128) this.fail("bytes literals can only contain ASCII characters", i);
  }

  // Decoded code units of a literal with escapes: one growable buffer instead of many small string pieces
  // (string concatenation per escape is an order of magnitude slower on escape-dense text).
  // made on first use: most messages have no escaped literal, and a parser is made per message
  private buf: Uint16Array = EMPTY_UNITS;
  private n = 0;

  private put(c: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Uint16Array(Math.max(256, this.buf.length * 2));
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = c;
  }

  /** A non-raw literal from its first backslash on, decoded code unit by code unit. */
  private escapedLit(start: number, contentStart: number, firstEscape: number, q: number, triple: boolean, bytes: boolean): StrLit {
    const s = this.s;
    const len = s.length;
    this.n = 0;
    for (let i = contentStart; i < firstEscape; i++) this.put(s.charCodeAt(i));
    let p = firstEscape;
    for (;;) {
      if (p >= len) this.fail("unterminated string literal", start);
      const c = s.charCodeAt(p);
      if (c === C_BACKSLASH) {
        p = this.escape(p, bytes);
        continue;
      }
      if (c === q && (!triple || (s.charCodeAt(p + 1) === q && s.charCodeAt(p + 2) === q))) break;
      if ((c === C_LF || c === C_CR) && !triple) this.fail("unterminated string literal", start);
      if (c >= 128 && bytes) this.fail("bytes literals can only contain ASCII characters", p);
      this.put(c);
      p++;
    }
    this.pos = p + (triple ? 3 : 1);
    const buf = this.buf;
    const n = this.n;
    let text = "";
    for (let i = 0; i < n; i += 8192) text += String.fromCharCode.apply(null, buf.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
    return { bytes, text };
  }

  /** Decode the escape at s[p] (a backslash) into the buffer; returns the position after it. */
  private escape(p: number, bytes: boolean): number {
    const s = this.s;
    const c = s.charCodeAt(p + 1);
    switch (c) {
      case C_LF:
        return p + 2;
      case C_CR:
        return s.charCodeAt(p + 2) === C_LF ? p + 3 : p + 2;
      case C_BACKSLASH:
      case C_SQ:
      case C_DQ:
        this.put(c);
        return p + 2;
      case 97: // a
        this.put(7);
        return p + 2;
      case 98: // b
        this.put(8);
        return p + 2;
      case 102: // f
        this.put(12);
        return p + 2;
      case 110: // n
        this.put(10);
        return p + 2;
      case 114: // r
        this.put(13);
        return p + 2;
      case 116: // t
        this.put(9);
        return p + 2;
      case 118: // v
        this.put(11);
        return p + 2;
      case 120: // x
        return this.hexEscape(p, 2, bytes);
    }
    if (c >= C_0 && c <= C_7) {
      let v = 0;
      let q = p + 1;
      while (q < p + 4 && s.charCodeAt(q) >= C_0 && s.charCodeAt(q) <= C_7) v = v * 8 + (s.charCodeAt(q++) - C_0);
      this.put(bytes ? v & 0xff : v);
      return q;
    }
    if (!bytes) {
      if (c === 117 /* u */) return this.hexEscape(p, 4, bytes);
      if (c === 85 /* U */) return this.hexEscape(p, 8, bytes);
      if (c === 78 /* N */) this.fail("\\N{...} escapes are not supported", p);
    }
    // Python keeps unknown escapes as they are (backslash included); the next char is read normally.
    this.put(C_BACKSLASH);
    return p + 1;
  }

  private hexEscape(p: number, width: number, bytes: boolean): number {
    const s = this.s;
    let v = 0;
    for (let i = 0; i < width; i++) {
      const h = hexVal(s.charCodeAt(p + 2 + i));
      if (h < 0) this.fail(`truncated \\${s[p + 1]} escape`, p);
      v = v * 16 + h;
    }
    if (v > 0x10ffff) this.fail("illegal Unicode character in \\U escape", p);
    if (bytes || v < 0x10000) this.put(v);
    else {
      v -= 0x10000;
      this.put(0xd800 + (v >> 10));
      this.put(0xdc00 + (v & 0x3ff));
    }
    return p + 2 + width;
  }

  // ---------------------------------------------------------------------------------------------
  // containers

  /** After an element: skip to "," (consumed, returns false) or the closer (consumed, returns true). */
  private sep(closer: number, what: string): boolean {
    this.ws();
    const c = this.s.charCodeAt(this.pos);
    if (c === C_COMMA) {
      this.pos++;
      this.ws();
      if (this.s.charCodeAt(this.pos) === closer) {
        this.pos++;
        return true;
      }
      return false;
    }
    if (c === closer) {
      this.pos++;
      return true;
    }
    if (this.pos >= this.s.length) this.fail(`unterminated ${what}`);
    return this.fail(`expected ',' or '${String.fromCharCode(closer)}' in ${what}`);
  }

  private list(): unknown[] {
    this.enter();
    this.pos++;
    const out: unknown[] = [];
    this.ws();
    if (this.s.charCodeAt(this.pos) === C_RBRACKET) this.pos++;
    else {
      do out.push(this.value());
      while (!this.sep(C_RBRACKET, "list"));
    }
    this.depth--;
    return out;
  }

  /** "()" empty tuple, "(x)" just x, "(x,)" / "(x, y)" a tuple. */
  /**
   * In a call (`strict`): where the call tuple's third item (vargs) starts. A call's own tuple and its vargs tuple
   * stay plain arrays: deserializeCall only reads their items and the daemon spreads vargs as arguments, and giving
   * an array Tuple's prototype costs more than the rest of a small call's parse. Serpent text has no shared
   * references, so neither can show up anywhere else in the value.
   */
  private plainAt = -1;

  private paren(): unknown {
    // the call tuple (the outermost parenthesis of a call) or its vargs
    const plain = this.strict && (this.depth === 0 || this.pos === this.plainAt);
    const call = this.strict && this.depth === 0;
    this.enter();
    this.pos++;
    this.ws();
    let result: unknown;
    if (this.s.charCodeAt(this.pos) === C_RPAREN) {
      this.pos++;
      result = plain ? [] : newTuple(0);
    } else {
      const first = this.value();
      this.ws();
      if (this.s.charCodeAt(this.pos) === C_RPAREN) {
        this.pos++;
        result = first;
      } else {
        // a plain array, then one preallocated Tuple: pushing onto an Array subclass is several times slower
        const items = [first];
        while (!this.sep(C_RPAREN, "tuple")) {
          if (call && items.length === 2) this.plainAt = this.pos;
          items.push(this.value());
        }
        result = plain ? items : toTuple(items);
      }
    }
    this.depth--;
    return result;
  }

  private dictOrSet(): unknown {
    this.enter();
    this.pos++;
    this.ws();
    const s = this.s;
    let result: unknown;
    if (s.charCodeAt(this.pos) === C_RBRACE) {
      this.pos++;
      result = {};
    } else {
      const firstKey = this.value();
      this.ws();
      if (s.charCodeAt(this.pos) === C_COLON) result = this.dict(firstKey);
      else {
        const set = new Set<unknown>();
        set.add(this.hashable(firstKey));
        while (!this.sep(C_RBRACE, "set")) set.add(this.hashable(this.value()));
        result = set;
      }
    }
    this.depth--;
    return result;
  }

  /**
   * A set element or dict key: what literal_eval refuses as unhashable fails with its TypeError. Bytes dicts and
   * nan dicts (decoded to bytes, NaN) pass: written back, they make the peer fail just as Python's reader would.
   * -0.0 becomes NEG_ZERO, which a Set or Map keeps apart from 0.
   */
  private hashable(v: unknown): unknown {
    if (typeof v === "object" && v !== null && !(v instanceof Tuple) && !(v instanceof Complex) && !(v instanceof Float) && !Buffer.isBuffer(v))
      throw this.evalError ?? pythonSerializeError("TypeError", `unhashable type: '${Array.isArray(v) ? "list" : v instanceof Set ? "set" : "dict"}'`);
    return hashKey(v);
  }

  /** Dict entries from the first key on (positioned at its ':'). String keys build a plain object until a
   *  non-string key turns the whole dict into a Map. */
  private dict(firstKey: unknown): unknown {
    let obj: Record<string, unknown> | null = {};
    let map: Map<unknown, unknown> | null = null;
    let count = 0;
    let key = firstKey;
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.pos) !== C_COLON) this.fail("expected ':' in dict");
      this.pos++;
      const val = this.value();
      if (obj !== null && typeof key === "string") {
        if (!Object.prototype.hasOwnProperty.call(obj, key)) count++;
        setKey(obj, key, val);
      } else {
        if (map === null) {
          map = new Map();
          for (const k of Object.keys(obj!)) map.set(k, obj![k]);
          obj = null;
        }
        map.set(this.hashable(key), val);
      }
      if (this.sep(C_RBRACE, "dict")) break;
      key = this.value();
    }
    if (map !== null) return map;
    const d = obj!;
    const cls = d.__class__;
    if (typeof cls === "string") {
      if (!this.strict) return classOf(d, cls, false);
      // Python's daemon converts class dicts after literal_eval has read the whole text: its errors come second
      try {
        return classOf(d, cls, true);
      } catch (e) {
        this.classError ??= e as Error;
        return d;
      }
    }
    return count === 2 ? bytesOfDict(d, 2) ?? d : d;
  }
}

/** A class dict as SerpentSerializer.dict_to_class makes it: its float dict before anything else, hooks included. */
function classOf(d: Record<string, unknown>, cls: string, _strict: boolean): unknown {
  if (cls === "float") {
    if (!Object.prototype.hasOwnProperty.call(d, "value")) throw pythonSerializeError("KeyError", "value");
    return serpentFloat(d.value);
  }
  return dictToClass(d);
}

function intValue(b: bigint): number | bigint {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

// ---------------------------------------------------------------------------------------------
// big bytes

/**
 * Input of at least this size is searched for big bytes values (serpent's `{'data': '<base64>', 'encoding':
 * 'base64'}` dicts) before it becomes text: turning a megabyte of base64 into a JS string and back costs fresh
 * large-object pages on every call, while decoding it from the input in chunks does not.
 */
const BIG_INPUT = 64 * 1024;
const MIN_BLOB_B64 = 16 * 1024;
const BLOB_OPEN = Buffer.from("{'data': '", "latin1");
const BLOB_CLOSE = Buffer.from("', 'encoding': 'base64'}", "latin1");
/** base64 text per decoding step: a multiple of 4, so every step decodes whole groups. */
const B64_STEP = 4 * 16 * 1024;
/**
 * The bytes of the base64 text starting at `start` when that text is plain ASCII in whole 4-character groups,
 * closed by the rest of a bytes dict; with the position after the text. Else null. The text is then exactly the
 * str the parser would read, and decoding it chunk by chunk gives what decoding it whole gives: each chunk must
 * decode to its full size, which fails for any character the decoder does not take (it skips those).
 */
function decodeBlob(buf: Buffer, start: number): [Buffer, number] | null {
  const end = buf.indexOf(C_SQ, start);
  const n = end - start;
  if (end < 0 || n < MIN_BLOB_B64 || n % 4 !== 0) return null;
  if (buf.compare(BLOB_CLOSE, 0, BLOB_CLOSE.length, end, end + BLOB_CLOSE.length) !== 0) return null;
  const body = buf.subarray(start, end);
  if (!isAscii(body) || body.indexOf(C_BACKSLASH) >= 0 || body.indexOf(C_LF) >= 0 || body.indexOf(C_CR) >= 0) return null;
  const pad = buf[end - 1] === 0x3d ? (buf[end - 2] === 0x3d ? 2 : 1) : 0;
  const out = Buffer.allocUnsafe((n / 4) * 3 - pad);
  let off = 0;
  for (let i = start; i < end; i += B64_STEP) {
    const stop = Math.min(end, i + B64_STEP);
    const want = ((stop - i) / 4) * 3 - (stop === end ? pad : 0);
    if (out.write(buf.toString("latin1", i, stop), off, "base64") !== want) return null;
    off += want;
  }
  return [out, end];
}

/**
 * Where `buf` holds big bytes dicts outside any string literal or comment, the text with a NUL placeholder for
 * each (input with NUL bytes is refused before this, so only placeholders have them) and the decoded bytes;
 * else null. Only exact, canonically padded base64 qualifies, so the value is the one the dict would parse to.
 */
function splitBigBytes(buf: Buffer): { text: string; blobs: Buffer[] } | null {
  let text = "";
  let blobs: Buffer[] | null = null;
  let from = 0; // start of the input not yet copied into `text`
  let lex = 0; // the lexer has classified everything before this position
  for (;;) {
    const at = buf.indexOf(BLOB_OPEN, lex);
    if (at < 0) break;
    lex = skipToCode(buf, lex, at);
    if (lex < 0) break; // unterminated string or comment: leave the parser to report it
    if (lex > at) continue; // the candidate was inside a string or comment
    const start = at + BLOB_OPEN.length;
    const blob = decodeBlob(buf, start);
    if (blob === null) {
      lex = at + 1; // not one of ours: lex on from just inside the dict's brace
      continue;
    }
    const [out, end] = blob;
    text += buf.toString("utf8", from, at) + "\0";
    (blobs ??= []).push(out);
    from = lex = end + BLOB_CLOSE.length;
  }
  if (blobs === null) return null;
  return { text: text + buf.toString("utf8", from), blobs };
}

/**
 * Scan Python literal text from `p` (outside any string or comment) up to `target`; returns `target` when that
 * position is code, the end of the string or comment covering it when not, or -1 for an unterminated one.
 */
function skipToCode(b: Buffer, p: number, target: number): number {
  while (p < target) {
    const c = b[p]!;
    if (c === C_HASH) {
      const nl = b.indexOf(C_LF, p);
      if (nl < 0) return -1;
      p = nl + 1;
    } else if (c === C_SQ || c === C_DQ) {
      const triple = b[p + 1] === c && b[p + 2] === c;
      p += triple ? 3 : 1;
      for (;;) {
        if (p >= b.length) return -1;
        const d = b[p]!;
        if (d === C_BACKSLASH) p += 2;
        else if (d !== c) p++;
        else if (!triple) {
          p++;
          break;
        } else if (b[p + 1] === c && b[p + 2] === c) {
          p += 3;
          break;
        } else p++;
      }
    } else p++;
  }
  return p;
}

/** Parse serpent bytes (UTF-8 Python literal text) into the value model. */
export function parseSerpent(data: Uint8Array, strict: boolean, maxDepth: number): unknown {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!isUtf8(buf)) {
    // Python's serpent decodes the bytes first: its UnicodeDecodeError, args and all
    const { args, message } = utf8DecodeFailure(buf);
    throw pythonSerializeError("UnicodeDecodeError", message, args);
  }
  if (buf.indexOf(0) >= 0) throw new SerializeError("invalid serpent data: contains NUL bytes");
  if (buf.length >= BIG_INPUT) {
    const split = splitBigBytes(buf);
    if (split) return parseSerpentText(split.text, split.blobs, strict, maxDepth);
  }
  return parseSerpentText(buf.toString("utf8"), null, strict, maxDepth);
}

/** Parse serpent source text (`blobs`: values for the NUL placeholders of `splitBigBytes`, internal). */
export function parseSerpentText(text: string, blobs: Buffer[] | null = null, strict = false, maxDepth = DEFAULT_LIMITS.maxDepth): unknown {
  try {
    return new Parser(text, blobs, strict, maxDepth).parseTop();
  } catch (e) {
    // Class hooks may refuse on purpose (SecurityError); anything else a bad class dict provokes, e.g. an
    // invalid URI state, is malformed input.
    if (e instanceof SerializeError || e instanceof SecurityError) throw e;
    if (e instanceof RangeError || (e instanceof InvalidArgumentError && e.pythonType === "builtins.ValueError")) throw depthError(maxDepth);
    throw new SerializeError(`invalid serpent data: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
