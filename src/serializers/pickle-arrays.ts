// Python's array.array over pickle (what Pyrolite sends for Java/.NET int[], double[]...). A numeric array.array
// decodes to the JavaScript typed array of its item type and remembers its typecode, so that it pickles back as the
// same array.array; typed arrays made in JavaScript pickle as array.array with their natural typecode.
//
//   'b' Int8Array   'B' Uint8ClampedArray (a Uint8Array is bytes)   'h' Int16Array   'H' Uint16Array
//   'i' Int32Array  'I' Uint32Array  'l'/'q' BigInt64Array  'L'/'Q' BigUint64Array  'f' Float32Array  'd' Float64Array
//   'u' UnicodeArray (its string as `value`)
//
// Sizes are those of 64-bit Linux/macOS Python ('l' is 8 bytes, 'u' is UTF-32), which is also how we write them.

import { SerializeError } from "../errors.js";
import { Float, float } from "../python/types.js";

/** Python's array.array('u', ...): a str stored as an array. Goes back as the same array over pickle, as a str otherwise. */
export class UnicodeArray {
  constructor(readonly value: string) {}
  get typecode(): "u" {
    return "u";
  }
  toString(): string {
    return this.value;
  }
  toJSON(): string {
    return this.value;
  }
}

/** The typed arrays a Python `array.array` of numbers becomes. */
export type NumericArray =
  | Int8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array
  | Float32Array | Float64Array;
/** A Python `array.array` typecode for numbers. */
export type ArrayTypecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d";

type Ctor = { new (n: number): NumericArray; new (b: ArrayBuffer): NumericArray; readonly BYTES_PER_ELEMENT: number };
type Kind = "int" | "uint" | "float";
const SPECS: Readonly<Record<ArrayTypecode, { ctor: Ctor; kind: Kind; size: number; mformat: number }>> = {
  b: { ctor: Int8Array, kind: "int", size: 1, mformat: 1 },
  B: { ctor: Uint8ClampedArray, kind: "uint", size: 1, mformat: 0 },
  h: { ctor: Int16Array, kind: "int", size: 2, mformat: 4 },
  H: { ctor: Uint16Array, kind: "uint", size: 2, mformat: 2 },
  i: { ctor: Int32Array, kind: "int", size: 4, mformat: 8 },
  I: { ctor: Uint32Array, kind: "uint", size: 4, mformat: 6 },
  l: { ctor: BigInt64Array, kind: "int", size: 8, mformat: 12 },
  L: { ctor: BigUint64Array, kind: "uint", size: 8, mformat: 10 },
  q: { ctor: BigInt64Array, kind: "int", size: 8, mformat: 12 },
  Q: { ctor: BigUint64Array, kind: "uint", size: 8, mformat: 10 },
  f: { ctor: Float32Array, kind: "float", size: 4, mformat: 14 },
  d: { ctor: Float64Array, kind: "float", size: 8, mformat: 16 },
};
const UTF32LE = 20;

/** array._array_reconstructor's machine format codes (CPython's arraymodule.c), 0 to 21. */
const MFORMATS: readonly { kind: Kind | "utf16" | "utf32"; size: number; be: boolean }[] = [
  { kind: "uint", size: 1, be: false }, { kind: "int", size: 1, be: false },
  { kind: "uint", size: 2, be: false }, { kind: "uint", size: 2, be: true },
  { kind: "int", size: 2, be: false }, { kind: "int", size: 2, be: true },
  { kind: "uint", size: 4, be: false }, { kind: "uint", size: 4, be: true },
  { kind: "int", size: 4, be: false }, { kind: "int", size: 4, be: true },
  { kind: "uint", size: 8, be: false }, { kind: "uint", size: 8, be: true },
  { kind: "int", size: 8, be: false }, { kind: "int", size: 8, be: true },
  { kind: "float", size: 4, be: false }, { kind: "float", size: 4, be: true },
  { kind: "float", size: 8, be: false }, { kind: "float", size: 8, be: true },
  { kind: "utf16", size: 2, be: false }, { kind: "utf16", size: 2, be: true },
  { kind: "utf32", size: 4, be: false }, { kind: "utf32", size: 4, be: true },
];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typecodes of decoded (or pyArray-made) arrays whose typecode is not the natural one ('l', 'L'). */
const typecodes = new WeakMap<object, ArrayTypecode>();

function err(msg: string): SerializeError {
  return new SerializeError(`pickle: array.array: ${msg}`);
}

function isTypecode(tc: unknown): tc is ArrayTypecode {
  return typeof tc === "string" && Object.prototype.hasOwnProperty.call(SPECS, tc);
}

/**
 * A Python array.array: `pyArray("i", [1, 2])` is an Int32Array, `pyArray("l", [1n])` a BigInt64Array that pickles
 * with typecode 'l', `pyArray("u", "text")` a UnicodeArray. Values out of the typecode's range are refused, as Python
 * refuses them (OverflowError).
 */
export function pyArray(typecode: "u", items: string): UnicodeArray;
export function pyArray(typecode: ArrayTypecode, items: Iterable<number | bigint>): NumericArray;
export function pyArray(typecode: string, items: Iterable<unknown> | string): NumericArray | UnicodeArray;
export function pyArray(typecode: string, items: Iterable<unknown> | string): NumericArray | UnicodeArray {
  if (typecode === "u") {
    if (typeof items === "string") return new UnicodeArray(items);
    let s = "";
    for (const c of items) {
      if (typeof c !== "string" || [...c].length !== 1) throw err("typecode 'u' needs one-character strings");
      s += c;
    }
    return new UnicodeArray(s);
  }
  if (!isTypecode(typecode)) throw err(`unsupported typecode ${JSON.stringify(typecode)}`);
  if (typeof items === "string") throw err(`cannot use a str to initialize an array with typecode '${typecode}'`);
  const spec = SPECS[typecode];
  const values = Array.isArray(items) ? items : [...items];
  const a = new spec.ctor(values.length);
  const big = spec.size === 8 && spec.kind !== "float";
  const bits = spec.size * 8;
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (v instanceof Float) v = v.value;
    if (spec.kind === "float") {
      if (typeof v === "bigint") v = Number(v);
      if (typeof v !== "number") throw err(`typecode '${typecode}' needs numbers, not ${typeof v}`);
      a[i] = v;
      continue;
    }
    if (typeof v === "number" ? !Number.isInteger(v) : typeof v !== "bigint" && typeof v !== "boolean")
      throw err(`typecode '${typecode}' needs integers, not ${typeof v === "number" ? "float" : typeof v}`);
    const n = BigInt(v as number | bigint | boolean);
    if ((spec.kind === "int" ? BigInt.asIntN(bits, n) : BigInt.asUintN(bits, n)) !== n)
      throw err(`${n} is out of range for typecode '${typecode}'`);
    a[i] = (big ? n : Number(n)) as never;
  }
  if (typecode === "l" || typecode === "L") typecodes.set(a, typecode);
  return a;
}

/** The typecode an array pickles with: the one it was decoded with, else its natural one; undefined for others. */
export function arrayTypecode(v: unknown): ArrayTypecode | "u" | undefined {
  if (v instanceof UnicodeArray) return "u";
  if (typeof v !== "object" || v === null || !ArrayBuffer.isView(v)) return undefined;
  const kept = typecodes.get(v);
  if (kept && v instanceof SPECS[kept].ctor) return kept;
  if (v instanceof Int8Array) return "b";
  if (v instanceof Uint8ClampedArray) return "B";
  if (v instanceof Int16Array) return "h";
  if (v instanceof Uint16Array) return "H";
  if (v instanceof Int32Array) return "i";
  if (v instanceof Uint32Array) return "I";
  if (v instanceof BigInt64Array) return "q";
  if (v instanceof BigUint64Array) return "Q";
  if (v instanceof Float32Array) return "f";
  if (v instanceof Float64Array) return "d";
  return undefined; // Uint8Array (bytes), DataView, Float16Array
}

/**
 * An array as Python's other serializers send array.array (Pyro4 util.py, serpent): 'u' as its str, any other as a
 * list (floats kept floats). Undefined for anything that is not an array.
 */
export function arrayAsList(v: object): unknown[] | string | undefined {
  const tc = arrayTypecode(v);
  if (tc === undefined) return undefined;
  if (tc === "u") return (v as UnicodeArray).value;
  const a = v as NumericArray;
  if (tc === "f" || tc === "d") return Array.from(a as Float64Array, (x) => float(x));
  return Array.from(a as Int32Array);
}

/** array.array(typecode[, initializer]) as protocols 0-2 (and Pyrolite) pickle it: a list, a str for 'u', or bytes. */
export function arrayFrom(args: unknown[]): NumericArray | UnicodeArray {
  const [tc, init] = args;
  if (typeof tc !== "string") throw err("the typecode must be a str");
  if (args.length > 2) throw err("expected at most 2 arguments");
  if (init === undefined) return pyArray(tc, []);
  if (init instanceof Uint8Array) {
    if (tc === "u") return reconstruct([null, tc, UTF32LE, init]);
    if (!isTypecode(tc)) throw err(`unsupported typecode ${JSON.stringify(tc)}`);
    return reconstruct([null, tc, SPECS[tc].mformat, init]);
  }
  if (typeof init === "string") return pyArray(tc, init);
  if (Array.isArray(init)) return pyArray(tc, init);
  throw err("the initializer must be a list, str or bytes");
}

/** array._array_reconstructor(array.array, typecode, mformat_code, items): items in a machine format. */
export function reconstruct(args: unknown[]): NumericArray | UnicodeArray {
  if (args.length !== 4) throw err("_array_reconstructor expects 4 arguments");
  const [, tc, code, items] = args;
  if (typeof tc !== "string") throw err("the typecode must be a str");
  if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code >= MFORMATS.length) throw err(`unknown machine format code ${String(code)}`);
  if (!(items instanceof Uint8Array)) throw err("the items must be bytes");
  const m = MFORMATS[code]!;
  if (items.length % m.size) throw err("string length not a multiple of item size");
  const n = items.length / m.size;
  if (tc === "u") {
    if (m.kind === "utf16") return new UnicodeArray(Buffer.from(m.be ? swap(items, 2) : items).toString("utf16le"));
    if (m.kind !== "utf32") throw err("typecode 'u' needs a UTF-16 or UTF-32 machine format");
    const dv = new DataView(items.buffer, items.byteOffset, items.byteLength);
    let s = "";
    for (let i = 0; i < n; i++) {
      const cp = dv.getUint32(i * 4, !m.be);
      if (cp > 0x10ffff) throw err(`character U+${cp.toString(16)} is not in range [U+0000; U+10ffff]`);
      s += String.fromCodePoint(cp);
    }
    return new UnicodeArray(s);
  }
  if (!isTypecode(tc)) throw err(`unsupported typecode ${JSON.stringify(tc)}`);
  const spec = SPECS[tc];
  if (m.kind === "utf16" || m.kind === "utf32") throw err(`typecode '${tc}' cannot take a unicode machine format`);
  if ((m.kind === "float") !== (spec.kind === "float")) throw err(`machine format ${code} does not match typecode '${tc}'`);
  if (code === spec.mformat && LITTLE_ENDIAN) {
    // the machine format is the typed array's own: copy the bytes (also aligns them)
    const ab = new ArrayBuffer(items.length);
    new Uint8Array(ab).set(items);
    const a = new spec.ctor(ab);
    if (tc === "l" || tc === "L") typecodes.set(a, tc);
    return a;
  }
  const dv = new DataView(items.buffer, items.byteOffset, items.byteLength);
  const le = !m.be;
  const values: (number | bigint)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * m.size;
    switch (m.kind + m.size) {
      case "uint1": values[i] = dv.getUint8(at); break;
      case "int1": values[i] = dv.getInt8(at); break;
      case "uint2": values[i] = dv.getUint16(at, le); break;
      case "int2": values[i] = dv.getInt16(at, le); break;
      case "uint4": values[i] = dv.getUint32(at, le); break;
      case "int4": values[i] = dv.getInt32(at, le); break;
      case "uint8": values[i] = dv.getBigUint64(at, le); break;
      case "int8": values[i] = dv.getBigInt64(at, le); break;
      case "float4": values[i] = dv.getFloat32(at, le); break;
      default: values[i] = dv.getFloat64(at, le);
    }
  }
  return pyArray(tc, values);
}

function swap(b: Uint8Array, size: number): Buffer {
  const out = Buffer.from(b);
  if (size === 2) out.swap16();
  else out.swap32();
  return out;
}

/** What the encoder writes: typecode, machine format code and the items as little-endian bytes. */
export function arrayPickleArgs(v: object): { typecode: string; mformat: number; items: Uint8Array } | undefined {
  const tc = arrayTypecode(v);
  if (tc === undefined) return undefined;
  if (tc === "u") {
    const s = (v as UnicodeArray).value;
    const cps = [...s];
    const out = Buffer.allocUnsafe(cps.length * 4);
    for (let i = 0; i < cps.length; i++) out.writeUInt32LE(cps[i]!.codePointAt(0)!, i * 4);
    return { typecode: "u", mformat: UTF32LE, items: out };
  }
  const a = v as NumericArray;
  let items = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (!LITTLE_ENDIAN) items = swapAll(items, a.BYTES_PER_ELEMENT);
  return { typecode: tc, mformat: SPECS[tc].mformat, items };
}

function swapAll(b: Uint8Array, size: number): Uint8Array {
  if (size === 1) return b;
  const out = Buffer.from(b);
  if (size === 2) out.swap16();
  else if (size === 4) out.swap32();
  else out.swap64();
  return out;
}
