// Issue "Values survive exactly": a real Python client (Pyro4, and Pyro5 against our protocol-5 daemon) echoes
// hand-picked edge values (test/fixtures/values_exact_client.py: -0.0 and nan in sets and keys, bytes-shaped and
// float-shaped dicts, datetimes at years 1 and 9999 with microseconds, offsets and fold, dates, times, timedeltas,
// Decimal, UUID, range, OrderedDict, ...) through OUR daemon and through Python's own echo server, with the same
// serializer, and must get the same type tree and values back, or the same exception: zero differences.
// Python's msgpack datetimes use the local zone; both clients and Python's servers run with TZ=UTC (ours is UTC).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { Daemon } from "../../src/server/daemon.js";
import { EchoServer } from "../../src/cli/echoserver.js";
import type { Serializer, SerializerName } from "../../src/serializers/types.js";
import { getSerializer } from "../../src/serializers/index.js";
import { msgpack } from "../../src/serializers/msgpack.js";
import { getPyro5Serializer } from "../../src/serializers/pyro5.js";
import { PyroError } from "../../src/errors.js";
import {
  PyDateTime, PyDate, PyTime, TimeDelta, UUID, ByteArray, Range, OrderedDict, Complex, FrozenSet, NEG_ZERO, tuple, float, Decimal,
} from "../../src/serializers/values.js";

const SERIALIZERS: SerializerName[] = ["serpent", "json", "marshal", "msgpack"];
const ENV4 = { TZ: "UTC", PYRO_SERIALIZERS_ACCEPTED: "serpent,json,marshal,msgpack", PYTHONWARNINGS: "ignore" };
const ENV5 = { ...PYRO5_ENV, TZ: "UTC", PYTHONWARNINGS: "ignore" };

type Row = [label: string, outcome: string, ...rest: unknown[]];

let ours4: Daemon;
let ours5: Daemon;
let theirs4: PythonServer;
let theirs5: PythonServer;

before(async () => {
  ours4 = await Daemon.create({ host: "127.0.0.1", serializersAccepted: SERIALIZERS });
  ours4.register(new EchoServer(), "test.echoserver");
  // passed explicitly: a protocol-5 daemon takes Pyro4's SERIALIZERS_ACCEPTED (no msgpack) by default
  ours5 = await Daemon.create({ host: "127.0.0.1", protocol: 5, serializersAccepted: SERIALIZERS });
  ours5.register(new EchoServer(), "test.echoserver");
  [theirs4, theirs5] = await Promise.all([
    startPython(["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1"], /echo uri: (\S+)/, { env: ENV4 }),
    startPython(["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1"], /echo uri: (\S+)/, { env: ENV5 }),
  ]);
});
after(async () => {
  await Promise.all([ours4?.close(), ours5?.close(), theirs4?.stop(), theirs5?.stop()]);
});

function rows(out: string): Row[] {
  return JSON.parse(out.trim().split("\n").pop()!) as Row[];
}

/**
 * Python's outcome with every integral float below 2^53 written as the int it arrives as in JavaScript: the value
 * model's one documented loss (docs/values.md: a JavaScript number cannot tell 2.0 from 2, so `2.0`, `0.0`,
 * `timedelta(seconds=2)` over serpent, come back as ints). -0.0 and every other float must match exactly.
 */
function integralFloatsAsInts(row: string): string {
  return row
    .replace(/float:(-?\d+)\.0(?![\de])/g, (m, n: string) => (n === "-0" || !Number.isSafeInteger(Number(n)) ? m : `builtins.int:${n}`))
    .replace("float is not allowed for map key", "int is not allowed for map key"); // msgpack's error for {0.0: ...}
}

/** Values whose outcome differs between our server and Python's (with both outcomes), and the integral-float ones. */
function differences(mine: Row[], ref: Row[]): { diffs: string[]; integral: string[] } {
  assert.equal(mine.length, ref.length);
  const diffs: string[] = [];
  const integral: string[] = [];
  for (let i = 0; i < ref.length; i++) {
    const a = JSON.stringify(mine[i]);
    const b = JSON.stringify(ref[i]);
    if (a === b) continue;
    if (a === integralFloatsAsInts(b)) integral.push(String(ref[i]![0]));
    else diffs.push(`${ref[i]![0]}:\n    ours:   ${JSON.stringify(mine[i]!.slice(1))}\n    Python: ${JSON.stringify(ref[i]!.slice(1))}`);
  }
  return { diffs, integral };
}

/** The values that differ only by that documented loss (each is an integral float somewhere in the value). */
const INTEGRAL: Record<SerializerName, string[]> = {
  serpent: ["0.0", "2.0", "0.0 key", "set 0.0", "timedelta 0", "timedelta max", "timedelta 2s"],
  json: ["0.0", "2.0", "set 0.0"],
  marshal: ["0.0", "2.0", "0.0 key", "set 0.0"],
  msgpack: ["0.0", "2.0", "0.0 key", "set 0.0"],
} as Record<SerializerName, string[]>;

for (const protocol of [4, 5] as const) {
  for (const ser of SERIALIZERS) {
    test(`Pyro${protocol} ${ser}: a Python client gets every edge value back from our echo exactly as from Python's`, async () => {
      const env = protocol === 4 ? ENV4 : ENV5;
      const ourUri = (protocol === 4 ? ours4 : ours5).uriFor("test.echoserver").asString();
      const theirUri = (protocol === 4 ? theirs4 : theirs5).ready;
      const [a, b] = await Promise.all([
        runPythonAsync(["values_exact_client.py", String(protocol), ourUri, ser], { env, timeoutMs: 90_000 }),
        runPythonAsync(["values_exact_client.py", String(protocol), theirUri, ser], { env, timeoutMs: 90_000 }),
      ]);
      const mine = rows(a);
      const ref = rows(b);
      assert.ok(ref.length > 130, `${ref.length} values`);
      const { diffs, integral } = differences(mine, ref);
      assert.equal(diffs.length, 0, `${diffs.length} of ${ref.length} values differ:\n${diffs.join("\n")}`);
      assert.deepEqual(integral, INTEGRAL[ser]);
      assert.deepEqual(mine.at(-1), ["still serving", "ok", "builtins.str:'alive'"]);
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Encoder side: a JavaScript value we send must be what Python's own serializer makes of the matching Python value:
// the same error when Python refuses it (class and text), else bytes that Python reads back as the same value.

const ENCODE_CASES: Array<[name: string, value: () => unknown, python: string]> = [
  ["datetime last us", () => new PyDateTime(2020, 2, 29, 23, 59, 59, 999999), "datetime.datetime(2020, 2, 29, 23, 59, 59, 999999)"],
  ["datetime us 0", () => new PyDateTime(2020, 2, 29, 12), "datetime.datetime(2020, 2, 29, 12)"],
  ["datetime us 1", () => new PyDateTime(2020, 2, 29, 12, 0, 0, 1), "datetime.datetime(2020, 2, 29, 12, 0, 0, 1)"],
  ["datetime +02:00", () => new PyDateTime(2020, 2, 29, 1, 2, 3, 4, { utcoffset: 7200 }), "datetime.datetime(2020, 2, 29, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=2)))"],
  ["datetime utc", () => new PyDateTime(2020, 2, 29, 1, 2, 3, 0, { utcoffset: 0 }), "datetime.datetime(2020, 2, 29, 1, 2, 3, tzinfo=timezone.utc)"],
  ["datetime -05:30 named", () => new PyDateTime(2020, 2, 29, 23, 59, 59, 999999, { utcoffset: -19800, tzname: "X" }), "datetime.datetime(2020, 2, 29, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5, minutes=-30), 'X'))"],
  ["datetime odd offset", () => new PyDateTime(2020, 2, 29, 1, 2, 3, 0, { utcoffset: 3601.000005 }), "datetime.datetime(2020, 2, 29, 1, 2, 3, tzinfo=timezone(timedelta(seconds=3601, microseconds=5)))"],
  ["datetime fold", () => new PyDateTime(2020, 10, 25, 2, 30, 0, 0, { fold: 1 }), "datetime.datetime(2020, 10, 25, 2, 30, fold=1)"],
  ["datetime year 1", () => new PyDateTime(1, 1, 1), "datetime.datetime(1, 1, 1)"],
  ["datetime year 1 fold", () => new PyDateTime(1, 1, 1, 0, 0, 0, 0, { fold: 1 }), "datetime.datetime(1, 1, 1, fold=1)"],
  ["datetime year 1 day 2", () => new PyDateTime(1, 1, 2, 0, 0, 0, 1), "datetime.datetime(1, 1, 2, 0, 0, 0, 1)"],
  ["datetime year 9999", () => new PyDateTime(9999, 12, 31), "datetime.datetime(9999, 12, 31)"],
  ["datetime year 9999 fold", () => new PyDateTime(9999, 12, 31, 0, 0, 0, 0, { fold: 1 }), "datetime.datetime(9999, 12, 31, fold=1)"],
  ["datetime year 9999 last", () => new PyDateTime(9999, 12, 31, 23, 59, 59, 999999), "datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)"],
  ["datetime before epoch", () => new PyDateTime(1969, 12, 31, 23, 59, 59, 999999), "datetime.datetime(1969, 12, 31, 23, 59, 59, 999999)"],
  ["date leap day", () => new PyDate(2020, 2, 29), "datetime.date(2020, 2, 29)"],
  ["date year 1", () => new PyDate(1, 1, 1), "datetime.date(1, 1, 1)"],
  ["date year 9999", () => new PyDate(9999, 12, 31), "datetime.date(9999, 12, 31)"],
  ["time", () => new PyTime(1, 2, 3, 4), "datetime.time(1, 2, 3, 4)"],
  ["time midnight", () => new PyTime(), "datetime.time()"],
  ["time last us", () => new PyTime(23, 59, 59, 999999), "datetime.time(23, 59, 59, 999999)"],
  ["time tz", () => new PyTime(1, 2, 3, 0, { utcoffset: 7200 }), "datetime.time(1, 2, 3, tzinfo=timezone(timedelta(hours=2)))"],
  ["time fold", () => new PyTime(1, 2, 0, 0, { fold: 1 }), "datetime.time(1, 2, fold=1)"],
  ["timedelta 0", () => new TimeDelta(), "timedelta(0)"],
  ["timedelta neg", () => new TimeDelta(-1, 5, 7), "timedelta(days=-1, seconds=5, microseconds=7)"],
  ["timedelta max", () => new TimeDelta(999999999, 86399, 999999), "timedelta.max"],
  ["timedelta 1us", () => new TimeDelta(0, 0, 1), "timedelta(microseconds=1)"],
  ["timedelta odd", () => new TimeDelta(12345, 6789, 123457), "timedelta(12345, 6789, 123457)"],
  ["decimal", () => new Decimal("1.50"), "decimal.Decimal('1.50')"],
  ["decimal normalized", () => new Decimal("123e-8"), "decimal.Decimal('123e-8')"],
  ["decimal nan", () => new Decimal("-sNaN12"), "decimal.Decimal('-sNaN12')"],
  ["decimal nested", () => [new Decimal("1e5")], "[decimal.Decimal('1e5')]"],
  ["decimal key", () => new Map([[new Decimal("2.5"), 1]]), "{decimal.Decimal('2.5'): 1}"],
  ["uuid", () => UUID.fromInt(1), "uuid.UUID(int=1)"],
  ["uuid text", () => new UUID("12345678-1234-5678-1234-567812345678"), "uuid.UUID('12345678-1234-5678-1234-567812345678')"],
  ["uuid nested", () => [UUID.fromInt(2)], "[uuid.UUID(int=2)]"],
  ["bytearray", () => ByteArray.from([97, 0, 255]), "bytearray(b'a\\x00\\xff')"],
  ["range", () => new Range(1, 10, 2), "range(1, 10, 2)"],
  ["empty range", () => new Range(0, 0), "range(0)"],
  ["ordereddict", () => new OrderedDict<unknown, unknown>([["b", 1], ["a", 2]]), "collections.OrderedDict([('b', 1), ('a', 2)])"],
  ["empty ordereddict", () => new OrderedDict(), "collections.OrderedDict()"],
  ["ordereddict int keys", () => new OrderedDict([[1, 1]]), "collections.OrderedDict([(1, 1)])"],
  ["frozenset", () => new FrozenSet([1, "a"]), "frozenset([1, 'a'])"],
  ["frozenset -0.0", () => new FrozenSet([NEG_ZERO]), "frozenset([-0.0])"],
  ["set -0.0", () => new Set([NEG_ZERO, 1]), "{-0.0, 1}"],
  ["-0.0 key", () => new Map([[NEG_ZERO, "z"]]), "{-0.0: 'z'}"],
  ["None key", () => new Map([[null, 1]]), "{None: 1}"],
  ["set None", () => new Set([null]), "{None}"],
  ["bytes key", () => new Map([[Buffer.from("k"), 1]]), "{b'k': 1}"],
  ["frozenset key", () => new Map([[new FrozenSet([1]), 1]]), "{frozenset([1]): 1}"],
  ["tuple key", () => new Map([[tuple(1, 2), 3]]), "{(1, 2): 3}"],
  ["complex key", () => new Map([[new Complex(0, 1), 2]]), "{1j: 2}"],
  ["float key", () => new Map([[float(2), "x"]]), "{2.0: 'x'}"],
  ["datetime key", () => new Map([[new PyDateTime(2020, 1, 1), 1]]), "{datetime.datetime(2020, 1, 1): 1}"],
  ["uuid key", () => new Map([[UUID.fromInt(1), 1]]), "{uuid.UUID(int=1): 1}"],
  ["time in a list", () => [new PyTime(1, 2)], "[datetime.time(1, 2)]"],
  ["timedelta in a dict", () => ({ d: new TimeDelta(1) }), "{'d': timedelta(1)}"],
  ["complex -0.0 imag", () => new Complex(1, -0), "complex(1, -0.0)"],
  ["complex nan real", () => new Complex(NaN, 1), "complex(nan, 1)"],
  ["complex nan imag", () => new Complex(1, NaN), "complex(1, nan)"],
  ["complex inf", () => new Complex(Infinity, -Infinity), "complex(inf, -inf)"],
  ["nested", () => ({ when: [new PyDateTime(2020, 2, 29, 12, 0, 0, 7), new PyDate(2020, 2, 29)], id: UUID.fromInt(3) }), "{'when': [datetime.datetime(2020, 2, 29, 12, 0, 0, 7), datetime.date(2020, 2, 29)], 'id': uuid.UUID(int=3)}"],
];

interface EncodeResult {
  name: string;
  pyHex: string | null;
  pyError: [string, string] | null;
  pyLoaded: unknown;
  oursLoaded: unknown;
}

function ourEncoding(s: Serializer, protocol: 4 | 5, value: unknown): { hex: string | null; error: [string, string] | null } {
  try {
    return { hex: s.serializeData(value).toString("hex"), error: null };
  } catch (e) {
    const err = e as PyroError;
    const cls = (err.constructor as typeof PyroError).pythonName ?? err.name;
    return { hex: null, error: [protocol === 5 ? cls.replace(/^Pyro4\./, "Pyro5.") : cls, err.message] };
  }
}

for (const protocol of [4, 5] as const) {
  for (const ser of SERIALIZERS) {
    test(`Pyro${protocol} ${ser}: our encoding of each Python value type is what Python's serializer makes of it`, async () => {
      const s = protocol === 4 ? getSerializer(ser) : getPyro5Serializer(ser);
      const ours = ENCODE_CASES.map(([name, value, py]) => ({ name, py, ...ourEncoding(s, protocol, value()) }));
      const out = await runPythonAsync(["values_exact_encode.py", String(protocol), ser], {
        env: protocol === 4 ? ENV4 : ENV5,
        input: JSON.stringify(ours),
      });
      const results = JSON.parse(out.trim().split("\n").pop()!) as EncodeResult[];
      assert.equal(results.length, ENCODE_CASES.length);
      const diffs: string[] = [];
      for (let i = 0; i < results.length; i++) {
        const r = results[i]!;
        const o = ours[i]!;
        const got = o.error ? ["refused", ...o.error] : ["sent", r.oursLoaded];
        const want = r.pyError ? ["refused", ...r.pyError] : ["sent", r.pyLoaded];
        // deliberate (docs/pyro5.md): a frozenset goes as a list over json and msgpack, where Python's serializer refuses it
        if ((ser === "json" || ser === "msgpack") && r.name.startsWith("frozenset") && want[0] === "refused" && got[0] === "sent" && Array.isArray(r.oursLoaded)) continue;
        if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${r.name}:\n    ours:   ${JSON.stringify(got)}\n    Python: ${JSON.stringify(want)}`);
      }
      assert.equal(diffs.length, 0, `${diffs.length} of ${results.length} differ:\n${diffs.join("\n")}`);
    });
  }
}

test("msgpack datetimes: 5000 random naive datetimes (years 1..9999, fold) give Python's bytes, and read back as Python reads them", async () => {
  const out = await runPythonAsync(["values_exact_datetimes.py", "5000", "24"], { env: ENV4, timeoutMs: 90_000 });
  type Row = { fields: number[]; fold: 0 | 1; hex: string | null; dumpsError: [string, string] | null; back: [string, number] | null; loadsError: [string, string] | null };
  const rows = JSON.parse(out) as Row[];
  const diffs: string[] = [];
  const errorOf = (e: unknown): [string, string] => [(e as { constructor: typeof PyroError }).constructor.pythonName.replace(/^builtins\./, ""), (e as Error).message];
  for (const r of rows) {
    const f = r.fields;
    const dt = new PyDateTime(f[0]!, f[1]!, f[2]!, f[3], f[4], f[5], f[6], { fold: r.fold });
    let hex: string | null = null;
    let dumpsError: [string, string] | null = null;
    try {
      hex = msgpack.serializeData(dt).toString("hex");
    } catch (e) {
      dumpsError = errorOf(e);
    }
    let back: [string, number] | null = null;
    let loadsError: [string, string] | null = null;
    if (r.hex !== null) {
      try {
        const v = msgpack.deserializeData(Buffer.from(r.hex, "hex")) as PyDateTime;
        back = [v.isoformat(), v.fold];
      } catch (e) {
        loadsError = errorOf(e);
      }
    }
    const got = JSON.stringify({ hex, dumpsError, back, loadsError });
    const want = JSON.stringify({ hex: r.hex, dumpsError: r.dumpsError, back: r.back, loadsError: r.loadsError });
    if (got !== want) diffs.push(`${dt.isoformat()} fold=${r.fold}:\n    ours:   ${got}\n    Python: ${want}`);
  }
  assert.equal(diffs.length, 0, `${diffs.length} of ${rows.length} differ:\n${diffs.slice(0, 20).join("\n")}`);
  // the sample reaches Python's errors on both sides
  assert.ok(rows.some((r) => r.dumpsError !== null) && rows.some((r) => r.loadsError !== null));
});
