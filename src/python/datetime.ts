// Python's datetime.isoformat() for a JavaScript Date, the one date writer every serializer uses, and the
// rule for Dates Python cannot hold. A Date is sent as an aware UTC datetime (serpent, json and marshal carry
// its isoformat() string, msgpack Pyro4's timestamp extension). Python's datetime covers years 1..9999
// (MINYEAR..MAXYEAR); a Date outside that range (JavaScript allows -271821..275760) or an invalid Date has no
// Python counterpart, so every serializer refuses it with the same SerializeError instead of sending text or a
// timestamp that Python could only fail on (msgpack's fromtimestamp raises ValueError "year is out of range").

import { SerializeError } from "../errors.js";
import { PyDate, PyDateTime } from "./temporal.js";

/** Python's datetime.MINYEAR and MAXYEAR. */
export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;
/** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the millisecond range of Python datetimes. */
const MIN_MS = -62135596800000;
const END_MS = 253402300800000;

/**
 * The Date's epoch milliseconds, after checking that Python can represent it: a SerializeError for an
 * invalid Date or one outside years 1..9999 (UTC).
 */
export function pythonDateTime(d: Date): number {
  const t = d.getTime();
  if (t >= MIN_MS && t < END_MS) return t;
  if (t !== t) throw new SerializeError("cannot serialize an invalid Date");
  throw new SerializeError(
    `cannot serialize Date ${d.toISOString()}: Python's datetime holds years ${MIN_YEAR} to ${MAX_YEAR} only ` +
      "(send it as a string or a number instead)",
  );
}

/**
 * Python's datetime.isoformat() of the Date as an aware UTC datetime: `2020-01-02T03:04:05+00:00`, with
 * `.mmm000` microseconds only when the milliseconds are non-zero, four-digit years (`0001`).
 */
export function isoformat(d: Date): string {
  const t = pythonDateTime(d);
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ for the years 1..9999 checked above
  return t % 1000 === 0 ? iso.slice(0, 19) + "+00:00" : iso.slice(0, 23) + "000+00:00";
}

/**
 * Python's isoformat() of a PyDateTime or PyDate (what serpent and json send for datetime and date): the
 * wall-clock fields with microseconds and offset as Python writes them. A SerializeError when setters moved it
 * outside Python's years 1..9999.
 */
export function pyIsoformat(d: PyDateTime | PyDate): string {
  const y = d.year;
  if (!(y >= MIN_YEAR && y <= MAX_YEAR))
    throw new SerializeError(`cannot serialize ${d instanceof PyDate ? "date" : "datetime"} of year ${y}: Python's datetime holds years ${MIN_YEAR} to ${MAX_YEAR} only`);
  return d.isoformat();
}

/**
 * CPython's ValueError text for datetime/date/time constructor arguments out of range (checked in its order:
 * year, month, day, then hour, minute, second, microsecond), or null when they are all valid. `date` null: a time.
 */
export function datetimeArgsError(date: [number, number, number] | null, time: [number, number, number, number] | null): string | null {
  if (date) {
    const [y, m, d] = date;
    if (y < MIN_YEAR || y > MAX_YEAR) return `year ${y} is out of range`;
    if (m < 1 || m > 12) return "month must be in 1..12";
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
    if (d < 1 || d > days) return "day is out of range for month";
  }
  if (time) {
    const [h, mi, s, us] = time;
    if (h < 0 || h > 23) return "hour must be in 0..23";
    if (mi < 0 || mi > 59) return "minute must be in 0..59";
    if (s < 0 || s > 59) return "second must be in 0..59";
    if (us < 0 || us > 999999) return "microsecond must be in 0..999999";
  }
  return null;
}
