// The marker types for Python values JavaScript has no type for (tuple, frozenset, complex, a float that is
// integral). They live below the serializers so that the Python-compatibility helpers (repr, exception
// messages) can recognise them without importing the serializers: serializers/values.ts re-exports them.

import { complexRepr } from "./float.js";
import { TimeDelta } from "./temporal.js";
import { InvalidArgumentError, invalidValue } from "../error-base.js";

/** A Python tuple. A real Array (indexing, iteration, length work), distinguishable from a list. */
export class Tuple<T = unknown> extends Array<T> {
  // map/filter/slice on a tuple give plain arrays: a derived sequence is not a tuple in Python either.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}
/** Build a Python tuple: `tuple(1, "a")` travels as `(1, 'a')`. */
export function tuple<T>(...items: T[]): Tuple<T>;
export function tuple<T extends unknown[]>(...items: T): Tuple<T[number]>;
export function tuple(...items: unknown[]): Tuple<unknown> {
  return toTuple(items);
}
/** A Python tuple with these items (a frozen-length array that every serializer sends as a tuple). */
export function toTuple<T>(items: Iterable<T>): Tuple<T> {
  const arr = Array.isArray(items) ? (items as T[]) : Array.from(items);
  const t = newTuple<T>(arr.length);
  for (let i = 0; i < arr.length; i++) t[i] = arr[i]!;
  return t;
}
/**
 * An empty tuple of length n, for decoders to fill. Built as a plain Array given Tuple's prototype: `new Tuple(n)`
 * inside a hot decoder loop made V8 abort every optimization of that loop ("dependency change") and left the
 * marshal decoder about 8x slower; `push` onto the subclass is slower still.
 */
export function newTuple<T = unknown>(n: number): Tuple<T> {
  return Object.setPrototypeOf(new Array<T>(n), Tuple.prototype) as Tuple<T>;
}
/** Whether a value is a Python tuple (received as one, or made with `tuple()`/`toTuple()`). */
export function isTuple(x: unknown): x is Tuple {
  return x instanceof Tuple;
}

/**
 * A Python frozenset: a Set that cannot change after it is built (add/delete/clear throw a TypeError, as the
 * missing methods do in Python). marshal carries it as its own type both ways; serpent has no frozenset literal
 * (Python itself sends one as a set), json and msgpack send it as a list, like a Set.
 */
export class FrozenSet<T = unknown> extends Set<T> {
  #frozen: boolean;
  constructor(items?: Iterable<T> | null) {
    super();
    // super(items) would call our add() before #frozen exists
    if (items != null) for (const x of items) super.add(x);
    this.#frozen = true;
  }
  override add(value: T): this {
    if (this.#frozen) throw new InvalidArgumentError("a frozenset cannot be changed (add)");
    return super.add(value);
  }
  override delete(_value: T): boolean {
    throw new InvalidArgumentError("a frozenset cannot be changed (delete)");
  }
  override clear(): void {
    throw new InvalidArgumentError("a frozenset cannot be changed (clear)");
  }
}
/** Build a Python frozenset: `frozenset(1, "a")` travels as `frozenset({1, 'a'})` over marshal. */
export function frozenset<T>(...items: T[]): FrozenSet<T> {
  return new FrozenSet(items);
}
/** Whether a value is a Python frozenset (`FrozenSet`). */
export function isFrozenSet(x: unknown): x is FrozenSet {
  return x instanceof FrozenSet;
}

/** Python complex number. */
export class Complex {
  constructor(
    readonly real: number,
    readonly imag: number,
  ) {}
  /** Python's repr(): `(1+2j)`, `1j`. */
  toString(): string {
    return complexRepr(this.real, this.imag);
  }
}

/**
 * A number that must travel as a Python float even when integral (JavaScript cannot tell 2 from 2.0).
 * Decoders return plain numbers; use `float(2)` when the Python side insists on a float type.
 */
export class Float {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}
/** Marks a number as a Python float, so an integral value such as 2 goes out as `2.0`, not as an int. */
export function float(value: number): Float {
  return new Float(value);
}

/**
 * Python's bool() of a value in the value model: None, False, 0, 0n, -0, "", float(0), complex 0 and empty
 * containers (list, tuple, bytes, set, dict, Map) are false; everything else, NaN included, is true.
 */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === 0n || v === "") return false;
  if (typeof v !== "object") return true;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (v instanceof Set || v instanceof Map) return v.size > 0;
  if (v instanceof Float) return v.value !== 0;
  if (v instanceof Complex) return v.real !== 0 || v.imag !== 0;
  if (v instanceof Range) return v.step > 0 ? v.start < v.stop : v.start > v.stop;
  if (v instanceof TimeDelta) return v.days !== 0 || v.seconds !== 0 || v.microseconds !== 0;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return Object.keys(v).length > 0;
  return true;
}

/** Python's uuid.UUID, kept as a UUID (not a string) so it goes back as one where the serializer can carry it. */
export class UUID {
  /** The 32 lowercase hex digits. */
  readonly hex: string;
  constructor(text: string) {
    const h = text.replace(/^urn:uuid:/i, "").replace(/[{}-]/g, "").toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(h)) throw invalidValue(`badly formed hexadecimal UUID string: ${JSON.stringify(text)}`);
    this.hex = h;
  }
  static fromInt(n: bigint | number): UUID {
    const b = BigInt(n);
    if (b < 0n || b >= 1n << 128n) throw invalidValue("UUID int is out of range (need a 128-bit value)");
    return new UUID(b.toString(16).padStart(32, "0"));
  }
  /** The 128-bit integer (Python's uuid.int). */
  get int(): bigint {
    return BigInt("0x" + this.hex);
  }
  /** The canonical form, as Python's str(uuid). */
  toString(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** Python's bytearray: bytes that go back as a bytearray where the serializer tells them apart (pickle). */
export class ByteArray extends Uint8Array {}

/** Python's range(start, stop, step): a lazy sequence of integers; iterate it or read its fields. */
export class Range {
  constructor(
    readonly start: number | bigint,
    readonly stop: number | bigint,
    readonly step: number | bigint = 1,
  ) {
    if (step == 0) throw invalidValue("range() arg 3 must not be zero");
  }
  *[Symbol.iterator](): IterableIterator<number | bigint> {
    const big = typeof this.start === "bigint" || typeof this.stop === "bigint" || typeof this.step === "bigint";
    const start = BigInt(this.start), stop = BigInt(this.stop), step = BigInt(this.step);
    for (let i = start; step > 0n ? i < stop : i > stop; i += step) yield big ? i : Number(i);
  }
  toString(): string {
    return `range(${this.start}, ${this.stop}${this.step == 1 ? "" : ", " + this.step})`;
  }
}

/** Python's collections.OrderedDict: a Map (insertion order, any keys) that goes back as an OrderedDict. */
export class OrderedDict<K = unknown, V = unknown> extends Map<K, V> {}
