// Python's datetime module values as JavaScript values that keep everything Python puts in them, so that a
// datetime, date, time or timedelta a Python peer sends comes back to it unchanged (issue 24). A JavaScript Date
// holds milliseconds and no zone; Python's datetime holds microseconds, an optional fixed UTC offset and `fold`.
// PyDateTime and PyDate are Dates (instanceof Date, getTime() is the instant) that also keep Python's fields;
// PyTime and TimeDelta have no JavaScript counterpart and are small value classes.
// Leaf module below the serializers: every codec builds and reads these the same way.

import { invalidValue } from "../error-base.js";

/** Epoch milliseconds of a UTC wall-clock time, for every year 1..9999 (Date.UTC maps years 0..99 to 1900..1999). */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  // Date.UTC is right from year 100 on and several times cheaper than a Date and its setters (decoders build
  // a PyDateTime per datetime received)
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

const p2 = (n: number): string => (n < 10 ? "0" + n : String(n));
const p6 = (n: number): string => String(n).padStart(6, "0");

/** Python's formatting of a UTC offset given in seconds: `+HH:MM`, `:SS` and `.ffffff` only when non-zero. */
export function offsetText(offset: number, sep = ":"): string {
  const sign = offset < 0 || Object.is(offset, -0) ? "-" : "+";
  const totalUs = Math.round(Math.abs(offset) * 1e6);
  const us = totalUs % 1e6;
  const secs = Math.floor(totalUs / 1e6);
  let s = `${sign}${p2(Math.floor(secs / 3600))}${sep}${p2(Math.floor((secs % 3600) / 60))}`;
  if (secs % 60 || us) s += `${sep}${p2(secs % 60)}`;
  if (us) s += "." + p6(us);
  return s;
}

function timeText(h: number, m: number, s: number, us: number): string {
  return `${p2(h)}:${p2(m)}:${p2(s)}${us ? "." + p6(us) : ""}`;
}

function checkRange(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw invalidValue(`${name} must be an integer in ${lo}..${hi}, got ${v}`);
}

function checkOffset(offset: number | null): void {
  if (offset !== null && !(Number.isFinite(offset) && Math.abs(offset) < 86400))
    throw invalidValue(`utcoffset must be strictly between -86400 and 86400 seconds, got ${offset}`);
}

/** The time zone of a Python datetime or time value. */
export interface ZoneOptions {
  /** Seconds east of UTC (datetime.timezone's offset); null or absent for a naive value. */
  utcoffset?: number | null;
  /** The timezone's own name when it was given one (`timezone(timedelta(hours=2), "CEST")`). */
  tzname?: string | null;
  /** Python's fold (0 or 1): which of two repeated wall-clock times is meant. */
  fold?: 0 | 1;
}

/**
 * Python's datetime.datetime. A Date whose instant is the datetime's (a naive datetime is read as UTC), that also
 * keeps its microseconds, its fixed UTC offset (naive when null), the offset's name and `fold`. The wall-clock
 * fields (`year` .. `microsecond`) are what Python sees. Changing the Date with a setter keeps the offset but
 * drops the sub-millisecond digits.
 */
export class PyDateTime extends Date {
  readonly utcoffset: number | null;
  readonly tzname: string | null;
  readonly fold: 0 | 1;
  #us: number;
  #at: number;

  constructor(
    year: number,
    month: number,
    day: number,
    hour = 0,
    minute = 0,
    second = 0,
    microsecond = 0,
    zone: ZoneOptions = {},
  ) {
    checkRange("year", year, 1, 9999);
    checkRange("month", month, 1, 12);
    checkRange("day", day, 1, daysInMonth(year, month));
    checkRange("hour", hour, 0, 23);
    checkRange("minute", minute, 0, 59);
    checkRange("second", second, 0, 59);
    checkRange("microsecond", microsecond, 0, 999999);
    const offset = zone.utcoffset ?? null;
    checkOffset(offset);
    const wall = utcMs(year, month, day, hour, minute, second, Math.floor(microsecond / 1000));
    super(offset === null ? wall : wall - Math.round(offset * 1000));
    this.utcoffset = offset;
    this.tzname = zone.tzname ?? null;
    this.fold = zone.fold ?? 0;
    this.#us = microsecond;
    this.#at = this.getTime();
  }

  /** A PyDateTime at a Date's instant: naive (fields in UTC) unless an offset is given. */
  static fromDate(d: Date, zone: ZoneOptions = {}): PyDateTime {
    const off = zone.utcoffset ?? null;
    const w = new Date(d.getTime() + (off === null ? 0 : Math.round(off * 1000)));
    return new PyDateTime(
      w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(),
      w.getUTCMilliseconds() * 1000, zone,
    );
  }

  /** The wall-clock time as a UTC Date (the instant plus the offset). */
  #wall(): Date {
    return new Date(this.getTime() + (this.utcoffset === null ? 0 : Math.round(this.utcoffset * 1000)));
  }
  get year(): number {
    return this.#wall().getUTCFullYear();
  }
  get month(): number {
    return this.#wall().getUTCMonth() + 1;
  }
  get day(): number {
    return this.#wall().getUTCDate();
  }
  get hour(): number {
    return this.#wall().getUTCHours();
  }
  get minute(): number {
    return this.#wall().getUTCMinutes();
  }
  get second(): number {
    return this.#wall().getUTCSeconds();
  }
  /** Microseconds within the second, 0..999999. */
  get microsecond(): number {
    const ms = this.#wall().getUTCMilliseconds();
    return this.getTime() === this.#at ? this.#us : ms * 1000;
  }
  /** Python's isoformat(): `2020-02-29T13:14:15.123456+02:00` (microseconds and offset only when there). */
  isoformat(sep = "T"): string {
    const w = this.#wall();
    const date = `${String(w.getUTCFullYear()).padStart(4, "0")}-${p2(w.getUTCMonth() + 1)}-${p2(w.getUTCDate())}`;
    const time = timeText(w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), this.microsecond);
    return date + sep + time + (this.utcoffset === null ? "" : offsetText(this.utcoffset));
  }
  /** Python's str(): isoformat with a space. */
  override toString(): string {
    return this.isoformat(" ");
  }
}

export function isLeapYear(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : MONTH_DAYS[m - 1]!;
}

/** Python's datetime.date: a Date at UTC midnight of that day, sent back as a date (not a datetime). */
export class PyDate extends Date {
  constructor(year: number, month: number, day: number) {
    checkRange("year", year, 1, 9999);
    checkRange("month", month, 1, 12);
    checkRange("day", day, 1, daysInMonth(year, month));
    super(utcMs(year, month, day));
  }
  /** date.fromordinal(n): day 1 is 0001-01-01. */
  static fromOrdinal(n: number): PyDate {
    checkRange("ordinal", n, 1, 3652059);
    const d = new Date(utcMs(1, 1, 1) + (n - 1) * 86400000);
    return new PyDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  get year(): number {
    return this.getUTCFullYear();
  }
  get month(): number {
    return this.getUTCMonth() + 1;
  }
  get day(): number {
    return this.getUTCDate();
  }
  /** date.toordinal(). */
  toOrdinal(): number {
    return Math.round((utcMs(this.year, this.month, this.day) - utcMs(1, 1, 1)) / 86400000) + 1;
  }
  isoformat(): string {
    return `${String(this.year).padStart(4, "0")}-${p2(this.month)}-${p2(this.day)}`;
  }
  override toString(): string {
    return this.isoformat();
  }
}

/** Python's datetime.time: a time of day with microseconds, an optional fixed UTC offset and fold. */
export class PyTime {
  readonly utcoffset: number | null;
  readonly tzname: string | null;
  readonly fold: 0 | 1;
  constructor(
    readonly hour = 0,
    readonly minute = 0,
    readonly second = 0,
    readonly microsecond = 0,
    zone: ZoneOptions = {},
  ) {
    checkRange("hour", hour, 0, 23);
    checkRange("minute", minute, 0, 59);
    checkRange("second", second, 0, 59);
    checkRange("microsecond", microsecond, 0, 999999);
    this.utcoffset = zone.utcoffset ?? null;
    checkOffset(this.utcoffset);
    this.tzname = zone.tzname ?? null;
    this.fold = zone.fold ?? 0;
  }
  /** Python's isoformat(): `23:59:01`, `23:59:01.000500+02:00`. */
  isoformat(): string {
    return timeText(this.hour, this.minute, this.second, this.microsecond) + (this.utcoffset === null ? "" : offsetText(this.utcoffset));
  }
  toString(): string {
    return this.isoformat();
  }
  toJSON(): string {
    return this.isoformat();
  }
}

const US_PER_DAY = 86400000000n;

/**
 * Python's datetime.timedelta, normalized as Python does (0 <= seconds < 86400, 0 <= microseconds < 10**6, the
 * sign in days). `valueOf()` is the total seconds, so arithmetic and comparisons work on it.
 */
export class TimeDelta {
  readonly days: number;
  readonly seconds: number;
  readonly microseconds: number;
  constructor(days = 0, seconds = 0, microseconds = 0) {
    for (const [n, v] of [["days", days], ["seconds", seconds], ["microseconds", microseconds]] as const)
      if (!Number.isInteger(v)) throw invalidValue(`timedelta ${n} must be an integer, got ${v}`);
    const total = BigInt(days) * US_PER_DAY + BigInt(seconds) * 1000000n + BigInt(microseconds);
    let d = total / US_PER_DAY;
    let rest = total % US_PER_DAY;
    if (rest < 0n) {
      rest += US_PER_DAY;
      d -= 1n;
    }
    if (d > 999999999n || d < -999999999n) throw invalidValue(`timedelta days out of range: ${d}`);
    this.days = Number(d);
    this.seconds = Number(rest / 1000000n);
    this.microseconds = Number(rest % 1000000n);
  }
  /** A timedelta of a number of seconds (rounded to microseconds, half to even as Python does). */
  static fromSeconds(s: number): TimeDelta {
    const whole = Math.floor(s);
    return new TimeDelta(0, whole, roundHalfEven((s - whole) * 1e6));
  }
  /** Python's total_seconds(): the exact microsecond count divided by 10**6, rounded once (as int / int is). */
  totalSeconds(): number {
    const us = BigInt(this.days) * US_PER_DAY + BigInt(this.seconds) * 1000000n + BigInt(this.microseconds);
    return trueDivide(us, 1000000n);
  }
  valueOf(): number {
    return this.totalSeconds();
  }
  /** Python's str(): `2 days, 0:00:03`, `-1 day, 23:59:59.500000`. */
  toString(): string {
    const hms = `${Math.floor(this.seconds / 3600)}:${p2(Math.floor((this.seconds % 3600) / 60))}:${p2(this.seconds % 60)}`;
    const t = hms + (this.microseconds ? "." + p6(this.microseconds) : "");
    return this.days ? `${this.days} day${Math.abs(this.days) === 1 ? "" : "s"}, ${t}` : t;
  }
}

const TWO53 = 2n ** 53n;

/**
 * Python's int / int: the exact quotient rounded once to the nearest double (ties to even). Number(n) / Number(d)
 * rounds twice once |n| passes 2^53 (timedelta.max has 67 bits of microseconds) and is then off in the last bit
 * for about a quarter of the values. d > 0.
 */
export function trueDivide(n: bigint, d: bigint): number {
  if (n >= -TWO53 && n <= TWO53 && d <= TWO53) return Number(n) / Number(d);
  const neg = n < 0n;
  const a = neg ? -n : n;
  // scale so the integer quotient has at least 55 bits; a non-zero remainder sets the lowest (sticky) bit, so
  // Number()'s one rounding to 53 bits (ties to even) is the rounding of the exact quotient
  const shift = Math.max(0, 55 - (a.toString(2).length - d.toString(2).length));
  const scaled = a << BigInt(shift);
  let q = scaled / d;
  if (scaled % d !== 0n) q |= 1n;
  const x = Number(q) / 2 ** shift;
  return neg ? -x : x;
}

/** Round half to even, as Python's round() and the datetime module do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}
