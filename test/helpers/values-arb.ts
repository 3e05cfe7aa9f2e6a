// fast-check arbitraries of JavaScript values in the value model (docs/values.md plus the issue-24 marker types:
// PyDateTime, PyDate, PyTime, TimeDelta, UUID, ByteArray, Range, OrderedDict, Tuple, FrozenSet, Complex, Decimal,
// Float, bigint, Map with non-string keys), for the reverse direction of the generated-value differential tests:
// our client sends them to Python's echo server and to ours, and what comes back must be identical.
//
// Set members and Map keys are values Python can hold in a set or as a dict key after decoding (hashable, per
// serializer: serpent's literals allow numbers, str, bool and tuples of them; msgpack keys are str or bytes, ...), and
// no two of them are equal in Python (1, 1.0, true and 1n are one key there): a value Python cannot represent
// proves nothing about either daemon.
import fc from "fast-check";
import {
  Tuple, toTuple, FrozenSet, Complex, Float, UUID, ByteArray, Range, OrderedDict, PyDateTime, PyDate, PyTime, TimeDelta,
  registerClassToDict, registerDictToClass, unregisterClassToDict, unregisterDictToClass,
} from "../../src/serializers/values.js";
import { Decimal } from "../../src/serializers/pickle.js";
import { daysInMonth } from "../../src/python/temporal.js";

export type SerializerName = "serpent" | "json" | "marshal" | "msgpack" | "pickle";

/** The class values_gen.py's Custom is on our side: registered with the class hooks by withCustomHooks(). */
export class Custom {
  constructor(
    public a: unknown,
    public b: unknown,
  ) {}
}
export const CUSTOM_CLASS = "values_gen.Custom";

/** Register Custom with registerClassToDict / registerDictToClass while `fn` runs (the hooks are process-wide). */
export async function withCustomHooks<T>(fn: () => Promise<T>): Promise<T> {
  registerClassToDict(Custom, (c) => ({ __class__: CUSTOM_CLASS, a: c.a, b: c.b }));
  registerDictToClass(CUSTOM_CLASS, (_cls, d) => new Custom(d.a, d.b));
  try {
    return await fn();
  } finally {
    unregisterClassToDict(Custom);
    unregisterDictToClass(CUSTOM_CLASS);
  }
}

const EDGE_INTS = [0, 1, -1, 127, 128, 255, 256, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
const EDGE_BIGINTS = [0n, 1n, -1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n), 10n ** 30n, 2n ** 1000n + 7n];
const EDGE_DOUBLES = [-0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE, 1e300, 1e-300, 2 ** 60, -(2 ** 60), 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e16, 1e21, 1e22, 0.1, 1.5, -2.5, 1 / 3, 123456.789, 1e-7];
const EDGE_TEXT = ["", " ", "\x00", "\x7f", "\x80", "\u00e9", "\u2603", "\ufeff", "\uffff", "\u{1F600}", "\u{10000}\u{10FFFF}\u{1D11E}", "a\nb\r\tc", "'\"\\", "\u2028\u2029", "${x}", "__proto__", "constructor", "toString", "NaN", "1e5", "-0", "True", "None", "\u0085", "\\N{BULLET}"];
const LONE_SURROGATES = ["\ud800", "\udfff", "a\udc80b", "\udbff\udbff", "\u{1F600}\ud83d"];

const safeInt = fc.oneof(fc.integer({ min: -300, max: 300 }), fc.constantFrom(...EDGE_INTS), fc.maxSafeInteger());
const big = fc.oneof(fc.constantFrom(...EDGE_BIGINTS), fc.bigInt(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }));
const double = fc.oneof(fc.constantFrom(...EDGE_DOUBLES), fc.double(), fc.double({ min: -1e6, max: 1e6, noNaN: true }));

function text(surrogates: boolean): fc.Arbitrary<string> {
  const base = fc.oneof(fc.constantFrom(...EDGE_TEXT), fc.string({ unit: "binary", maxLength: 10 }), fc.string({ maxLength: 6 }));
  return surrogates ? fc.oneof(base, fc.constantFrom(...LONE_SURROGATES)) : base;
}

const bytes = fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.constantFrom(new Uint8Array(0), new Uint8Array([0]), new Uint8Array(256).map((_, i) => i)));
const buffer = bytes.map((b) => Buffer.from(b));

const LEAP: [number, number, number][] = [[4, 2, 29], [400, 2, 29], [1600, 2, 29], [1904, 2, 29], [2000, 2, 29], [2024, 2, 29], [9996, 2, 29], [1, 1, 1], [9999, 12, 31], [1969, 12, 31], [1970, 1, 1], [99, 12, 31], [100, 3, 1]];
const ymd = fc.oneof(
  fc.constantFrom(...LEAP),
  fc.record({ y: fc.integer({ min: 1, max: 9999 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) }).map(
    ({ y, m, d }): [number, number, number] => [y, m, Math.min(d, daysInMonth(y, m))],
  ),
);
const micro = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999999 }), fc.constantFrom(1, 999, 1000, 500000, 999999));
const offsetSeconds = fc.oneof(
  fc.constantFrom(0, 3600, -18000, 19800, -34200, 50400, -43200, 86340, -86340, 60, -1, 3607, 0.000001, 86399.999999),
  fc.integer({ min: -86399999999, max: 86399999999 }).map((us) => us / 1e6),
);
const tzname = fc.oneof(fc.constant(null), fc.constantFrom("UTC", "CEST", "EST", "+01:00", "", "\u00e9t\u00e9"), fc.string({ maxLength: 5 }));
const zone = fc.oneof(
  fc.record({ utcoffset: fc.constant(null), tzname: fc.constant(null), fold: fc.constantFrom<0 | 1>(0, 1) }),
  fc.record({ utcoffset: offsetSeconds, tzname, fold: fc.constantFrom<0 | 1>(0, 1) }),
);
const pyDateTime = fc
  .record({ ymd, h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }), us: micro, zone })
  .map(({ ymd: [y, m, d], h, mi, s, us, zone: z }) => new PyDateTime(y, m, d, h, mi, s, us, z));
const pyDate = ymd.map(([y, m, d]) => new PyDate(y, m, d));
const pyTime = fc
  .record({ h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }), us: micro, zone })
  .map(({ h, mi, s, us, zone: z }) => new PyTime(h, mi, s, us, z));
const timeDelta = fc.oneof(
  fc.record({ d: fc.integer({ min: -999999999, max: 999999999 }), s: fc.integer({ min: 0, max: 86399 }), us: fc.integer({ min: 0, max: 999999 }) }).map(({ d, s, us }) => new TimeDelta(d, s, us)),
  fc.constantFrom(new TimeDelta(0), new TimeDelta(0, 0, 1), new TimeDelta(0, 0, -1), new TimeDelta(-1), new TimeDelta(999999999, 86399, 999999), new TimeDelta(-999999999), new TimeDelta(1, 3)),
);
const jsDate = fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true });
const decimalArb = fc.oneof(
  fc.constantFrom("0", "-0", "0.000", "1.10", "1E+2", "-1E-10", "123456789012345678901234567890.123", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1E-400", "9.99E+999"),
  fc.record({ i: fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), places: fc.integer({ min: 0, max: 6 }) }).map(({ i, places }) => {
    if (!places) return i.toString();
    const s = (i < 0n ? -i : i).toString().padStart(places + 1, "0");
    return `${i < 0n ? "-" : ""}${s.slice(0, -places)}.${s.slice(-places)}`;
  }),
).map((s) => new Decimal(s));
const uuid = fc.oneof(fc.uuid().map((u) => new UUID(u)), fc.constantFrom(UUID.fromInt(0), UUID.fromInt(2n ** 128n - 1n)));
const complex = fc.oneof(fc.record({ r: double, i: double }), fc.record({ r: fc.constantFrom(...EDGE_DOUBLES), i: fc.constantFrom(...EDGE_DOUBLES) })).map(({ r, i }) => new Complex(r, i));
const smallInt = fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constantFrom(...EDGE_INTS));
const range = fc.oneof(
  fc.record({ a: smallInt, b: smallInt, c: smallInt.filter((n) => n !== 0) }).map(({ a, b, c }) => new Range(a, b, c)),
  fc.record({ a: smallInt, b: smallInt }).map(({ a, b }) => new Range(a, b)),
  fc.record({ a: fc.constantFrom(...EDGE_BIGINTS), b: fc.constantFrom(...EDGE_BIGINTS) }).map(({ a, b }) => new Range(a, b)),
);

/** Which kinds a serializer's arbitraries leave out: values our client or Python's cannot carry at all there. */
export const LEAF_KINDS = [
  "null", "undefined", "boolean", "int", "double", "bigint", "Float", "string", "Buffer", "Uint8Array", "ByteArray", "Complex",
  "Decimal", "UUID", "Date", "PyDateTime", "PyDate", "PyTime", "TimeDelta", "Range", "Custom",
] as const;
export type LeafKind = (typeof LEAF_KINDS)[number];

function leaves(ser: SerializerName): Record<LeafKind, fc.Arbitrary<unknown>> {
  return {
    null: fc.constant(null),
    undefined: fc.constant(undefined),
    boolean: fc.boolean(),
    int: safeInt,
    double,
    bigint: big,
    Float: double.map((x) => new Float(x)),
    string: text(ser === "marshal" || ser === "pickle" || ser === "serpent"),
    Buffer: buffer,
    Uint8Array: bytes,
    ByteArray: bytes.map((b) => new ByteArray(b)),
    Complex: complex,
    Decimal: decimalArb,
    UUID: uuid,
    Date: jsDate,
    PyDateTime: pyDateTime,
    PyDate: pyDate,
    PyTime: pyTime,
    TimeDelta: timeDelta,
    Range: range,
    Custom: fc.record({ a: fc.oneof(safeInt, text(false), double), b: fc.oneof(fc.constant(null), text(false), fc.array(safeInt, { maxLength: 3 })) }).map(({ a, b }) => new Custom(a, b)),
  };
}

/** Per serializer: the leaf kinds that may be set members and dict keys (Python-hashable on arrival). */
const HASHABLE: Record<SerializerName, { members: LeafKind[] | "any"; keys: LeafKind[]; tuples: boolean; frozensets: boolean }> = {
  // serpent: Python's literal_eval must rebuild the set/dict; bytes arrive as a (unhashable) dict; a frozenset is
  // written as a set (unhashable); None keys/members are refused by Python's serpent when it sends the echo back
  serpent: { members: ["boolean", "int", "double", "bigint", "Float", "string", "Complex"], keys: ["boolean", "int", "double", "bigint", "Float", "string", "Complex"], tuples: true, frozensets: false },
  // json: a set travels as a list (members need not be hashable); keys are written as strings
  json: { members: "any", keys: ["string", "int", "double", "boolean", "null"], tuples: false, frozensets: false },
  marshal: { members: ["null", "boolean", "int", "double", "bigint", "Float", "string", "Buffer", "Complex"], keys: ["null", "boolean", "int", "double", "bigint", "Float", "string", "Buffer", "Complex"], tuples: true, frozensets: true },
  // msgpack: a set travels as a list; Python's msgpack accepts str and bytes map keys only (strict_map_key)
  msgpack: { members: "any", keys: ["string", "Buffer"], tuples: false, frozensets: false },
  pickle: {
    members: ["null", "boolean", "int", "double", "bigint", "Float", "string", "Buffer", "Complex", "Decimal", "UUID", "Date", "PyDateTime", "PyDate", "PyTime", "TimeDelta", "Range"],
    keys: ["null", "boolean", "int", "double", "bigint", "Float", "string", "Buffer", "Complex", "Decimal", "UUID", "Date", "PyDateTime", "PyDate", "PyTime", "TimeDelta", "Range"],
    tuples: true,
    frozensets: true,
  },
};

/**
 * The keys under which Python would find two values equal (conservative: any shared key counts as equal). 1, 1.0,
 * true, 1n and Decimal("1") are one number; a UUID, a date or a Decimal may arrive as its text.
 */
export function pyEqualityKeys(v: unknown): string[] {
  const n = (x: number) => "n:" + String(x === 0 ? 0 : x);
  if (v === null || v === undefined) return ["None"];
  if (typeof v === "boolean") return [n(v ? 1 : 0)];
  if (typeof v === "number") return [n(v)];
  if (typeof v === "bigint") return [n(Number(v)), "n:" + v.toString()];
  if (typeof v === "string") return ["s:" + v];
  if (v instanceof Float) return [n(v.value)];
  if (v instanceof Complex) return v.imag === 0 ? [n(v.real)] : [`c:${v.real},${v.imag}`];
  if (v instanceof Decimal) return [n(Number(v.value)), "s:" + v.value];
  if (v instanceof UUID) return ["s:" + v.toString(), "u:" + v.hex];
  if (v instanceof PyDateTime) return ["s:" + v.isoformat(), "d:" + v.getTime(), "s:" + v.isoformat(" ")];
  if (v instanceof PyDate) return ["s:" + v.isoformat(), "d:" + v.getTime()];
  if (v instanceof Date) return ["d:" + v.getTime(), "s:" + v.toISOString()];
  if (v instanceof PyTime) return ["s:" + v.isoformat(), `t:${v.hour}:${v.minute}:${v.second}.${v.microsecond}`];
  if (v instanceof TimeDelta) return [`td:${v.days},${v.seconds},${v.microseconds}`, n(v.totalSeconds())];
  if (v instanceof Range) return [`r:${[...limitIter(v, 50)].join(",")}`];
  if (v instanceof Uint8Array) return ["b:" + Buffer.from(v).toString("hex")];
  if (v instanceof FrozenSet) return ["f:" + [...v].map((x) => pyEqualityKeys(x)[0]).sort().join("|")];
  if (Array.isArray(v)) return ["t:" + v.map((x) => pyEqualityKeys(x)[0]).join("|")];
  return ["o:" + String(v)];
}
function* limitIter<T>(it: Iterable<T>, n: number): Generator<T> {
  for (const x of it) {
    if (n-- <= 0) return;
    yield x;
  }
}
/** True when no two values share a Python-equality key (and none is NaN, which Python keeps apart by identity). */
function pyDistinct(vs: unknown[]): boolean {
  const seen = new Set<string>();
  for (const v of vs) {
    const ks = pyEqualityKeys(v);
    if (ks.some((k) => k.includes("NaN"))) return false;
    for (const k of ks) {
      if (seen.has(k)) return false;
    }
    for (const k of ks) seen.add(k);
  }
  return true;
}

export interface ArbOptions {
  /** Leaf kinds left out (e.g. what our client refuses for this serializer). */
  exclude?: readonly LeafKind[];
  maxDepth?: number;
}

/** The arbitrary of one serializer: leaves and recursive containers (Array, Tuple, object, Map, OrderedDict, Set, FrozenSet). */
export function valuesArb(ser: SerializerName, o: ArbOptions = {}): fc.Arbitrary<unknown> {
  const all = leaves(ser);
  // json cannot carry a complex number (our client refuses it, as Python's does): it would only test our client
  const exclude = new Set<LeafKind>([...(o.exclude ?? []), ...(ser === "json" ? (["Complex"] as const) : [])]);
  const kinds = (LEAF_KINDS as readonly LeafKind[]).filter((k) => !exclude.has(k));
  const leaf = fc.oneof(...kinds.map((k) => all[k]));
  const h = HASHABLE[ser];
  const flatOf = (list: LeafKind[]) => fc.oneof(...list.filter((k) => !exclude.has(k)).map((k) => all[k]));
  const memberFlat = h.members === "any" ? leaf : flatOf(h.members);
  const hashableParts: fc.Arbitrary<unknown>[] = [memberFlat];
  if (h.tuples) hashableParts.push(fc.array(memberFlat, { maxLength: 3 }).map((xs) => toTuple(xs)));
  if (h.frozensets) hashableParts.push(fc.array(memberFlat, { maxLength: 3 }).filter(pyDistinct).map((xs) => new FrozenSet(xs)));
  const member = fc.oneof(...hashableParts);
  const keyFlat = flatOf(h.keys);
  const keyParts: fc.Arbitrary<unknown>[] = [keyFlat];
  if (h.tuples) keyParts.push(fc.array(keyFlat, { maxLength: 3 }).map((xs) => toTuple(xs)));
  const mapKey = fc.oneof(...keyParts);
  const objectKey = fc.oneof(text(ser === "marshal" || ser === "pickle" || ser === "serpent"), fc.constantFrom("a", "b", "__proto__", "constructor"));
  const maxDepth = o.maxDepth ?? 3;

  const { tree } = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
    tree: fc.oneof({ depthSize: "small", maxDepth, withCrossShrink: true }, leaf, tie("node")),
    node: fc.oneof(
      fc.array(tie("tree"), { maxLength: 4 }),
      fc.array(tie("tree"), { maxLength: 4 }).map((xs) => toTuple(xs)),
      fc.dictionary(objectKey, tie("tree"), { maxKeys: 4 }),
      fc.array(fc.tuple(mapKey, tie("tree")), { maxLength: 4 }).filter((es) => pyDistinct(es.map((e) => e[0]))).map((es) => new Map(es)),
      fc.array(fc.tuple(mapKey, tie("tree")), { maxLength: 4 }).filter((es) => pyDistinct(es.map((e) => e[0]))).map((es) => new OrderedDict(es)),
      fc.array(member, { maxLength: 4 }).filter((xs) => h.members === "any" || pyDistinct(xs)).map((xs) => new Set(xs)),
      fc.array(member, { maxLength: 4 }).filter((xs) => h.members === "any" || pyDistinct(xs)).map((xs) => new FrozenSet(xs)),
    ),
  }));
  return tree;
}

export type { Tuple };
