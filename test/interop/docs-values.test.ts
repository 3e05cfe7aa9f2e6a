// Keeps the per-serializer table of docs/values.md true, for both protocols: every Python value in its first column
// is serialized by real Python (Pyro4 with each serializer, pickle included; Pyro5 with its four), decoded by ours,
// and compared with what the table's cell says (a type name, an exact string, or that Python cannot send it). Then
// the way back: ours encodes what it decoded, Python reads it, and it must equal what Python's own round trip gives
// (the integral-float rule aside). A changed codec or a wrong table cell fails here.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Complex, isTuple, isFrozenSet } from "../../src/index.js";
import { PyDateTime, PyDate, PyTime, TimeDelta, UUID, ByteArray, Range, OrderedDict } from "../../src/serializers/values.js";
import { Decimal } from "../../src/serializers/pickle-values.js";
import { getSerializer } from "../../src/protocol/index.js";
import { getPyro5Serializer } from "../../src/serializers/pyro5.js";
import { runPython } from "../helpers/python.js";
import { PYRO5_PATH } from "../helpers/pyro5.js";

const DOC = readFileSync(fileURLToPath(new URL("../../docs/values.md", import.meta.url)), "utf8");
const SERIALIZERS = ["serpent", "json", "marshal", "msgpack", "pickle"] as const;
/** Pyro5 has no pickle: its column holds for protocol 4 only. */
const SERIALIZERS_5 = ["serpent", "json", "marshal", "msgpack"];

interface TableRow {
  line: number;
  exprs: string[];
  cells: string[];
}

/** Rows of the table under "## Per serializer", with each cell's text. */
export function perSerializerRows(markdown: string): TableRow[] {
  const lines = markdown.split("\n");
  const at = lines.findIndex((l) => l.startsWith("## Per serializer"));
  assert.ok(at >= 0, "docs/values.md has no '## Per serializer' section");
  const rows: TableRow[] = [];
  let header: string[] | null = null;
  for (let i = at + 1; i < lines.length && !lines[i]!.startsWith("## "); i++) {
    const l = lines[i]!;
    if (!l.startsWith("|")) {
      if (header) break;
      continue;
    }
    const cells = l.slice(1, -1).split(" | ").map((c) => c.trim());
    if (!header) {
      header = cells;
      assert.deepEqual(header.slice(1), [...SERIALIZERS.slice(0, 4), "pickle (Pyro4)"], "table columns");
      continue;
    }
    if (/^-+$/.test(cells[0]!)) continue;
    rows.push({ line: i + 1, exprs: [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), cells: cells.slice(1) });
  }
  return rows;
}

type Expect = { kind: "refused" } | { kind: "error" } | { kind: "type"; name: string } | { kind: "string"; value: string } | { kind: "objectKey"; key: string };

/** What a cell claims, one expectation per Python value of the row. */
export function parseCell(cell: string, previous: Expect[] | null, count: number): Expect[] {
  const text = cell.replace(/\s*\([^()]*(?:`[^`]*`[^()]*)*\)$/, "").trim();
  if (text === "same") {
    assert.ok(previous, "'same' in the first column");
    return previous;
  }
  if (text.startsWith("Python cannot send")) return Array.from({ length: count }, () => ({ kind: "error" }));
  if (text.startsWith("refused")) return Array.from({ length: count }, () => ({ kind: "refused" }));
  const key = /^object with key `"([^"]*)"`$/.exec(text);
  if (key) return [{ kind: "objectKey", key: key[1]! }];
  const items = [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  // one name for several values means all of them arrive as that
  if (items.length === 1 && count > 1) items.length = count, items.fill(items[0]!);
  assert.equal(items.length, count, `cell '${cell}' should name ${count} result(s)`);
  return items.map((it) => (it.startsWith('"') ? { kind: "string", value: JSON.parse(it) as string } : { kind: "type", name: it }));
}

function check(v: unknown, e: Expect, where: string): void {
  switch (e.kind) {
    case "string":
      assert.equal(v, e.value, where);
      return;
    case "objectKey":
      assert.ok(v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype, `${where}: plain object`);
      assert.deepEqual(Object.keys(v as object), [e.key], where);
      return;
    case "type": {
      const ok: Record<string, (x: unknown) => boolean> = {
        number: (x) => typeof x === "number",
        bigint: (x) => typeof x === "bigint",
        Buffer: (x) => Buffer.isBuffer(x) && !(x instanceof ByteArray),
        ByteArray: (x) => x instanceof ByteArray,
        PyTime: (x) => x instanceof PyTime,
        TimeDelta: (x) => x instanceof TimeDelta,
        UUID: (x) => x instanceof UUID,
        Range: (x) => x instanceof Range,
        OrderedDict: (x) => x instanceof OrderedDict,
        Decimal: (x) => x instanceof Decimal,
        Tuple: (x) => isTuple(x),
        Array: (x) => Array.isArray(x) && !isTuple(x),
        Map: (x) => x instanceof Map && !(x instanceof OrderedDict),
        Set: (x) => x instanceof Set && !isFrozenSet(x),
        FrozenSet: (x) => isFrozenSet(x),
        Complex: (x) => x instanceof Complex,
        Date: (x) => x instanceof Date,
        PyDateTime: (x) => x instanceof PyDateTime,
        PyDate: (x) => x instanceof PyDate,
        object: (x) => x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype,
      };
      assert.ok(ok[e.name], `${where}: the table names an unknown type '${e.name}'`);
      assert.ok(ok[e.name]!(v), `${where}: expected ${e.name}, got ${String(v)} (${typeof v})`);
      return;
    }
    case "error":
    case "refused":
      assert.fail(`${where}: the table says Python cannot send it, but Python did`);
  }
}

/** Python serializes each expression with each serializer of a protocol: base64 per serializer, null if it raised. */
const PY_SEND = `
import sys, json, base64
from datetime import datetime, date, time, timedelta, timezone
from collections import OrderedDict
from decimal import Decimal
from uuid import UUID
protocol, names = int(sys.argv[2]), json.loads(sys.argv[3])
if protocol == 5:
    from Pyro5.serializers import serializers
    get = serializers.__getitem__
    dump = lambda s, v: s.dumps(v)
else:
    import Pyro4.util
    get = Pyro4.util.get_serializer
    dump = lambda s, v: s.serializeData(v)
out = []
for expr in json.loads(sys.argv[1]):
    v = eval(expr)
    row = {}
    for ser in names:
        try:
            data = dump(get(ser), v)
            row[ser] = base64.b64encode(data[0] if isinstance(data, tuple) else data).decode()
        except Exception:
            row[ser] = None
    out.append(row)
print(json.dumps(out))
`;

/**
 * The way back: for each [expr, serializer, base64 of our encoding], Python reads ours and compares it with its own
 * round trip of the value (strict types and values; values_gen_compare's canon, the documented float rule applied).
 */
const PY_BACK = `
import sys, json, base64
from datetime import datetime, date, time, timedelta, timezone
from collections import OrderedDict
from decimal import Decimal
from uuid import UUID
from values_gen_compare import canon, documented
protocol = int(sys.argv[2])
if protocol == 5:
    from Pyro5.serializers import serializers
    get = serializers.__getitem__
    dump = lambda s, v: s.dumps(v)
    load = lambda s, data: s.loads(data)
else:
    import Pyro4.util
    get = Pyro4.util.get_serializer
    dump = lambda s, v: s.serializeData(v)
    load = lambda s, data: s.deserializeData(data)
bad = []
for expr, ser, b64 in json.loads(sys.argv[1]):
    s = get(ser)
    data = dump(s, eval(expr))
    try:
        own = load(s, data[0] if isinstance(data, tuple) else data)
    except Exception as e:
        own = e  # Python cannot read its own (serpent's OrderedDict, the float dict outside serpent): nor may ours be read
    try:
        ours = load(s, base64.b64decode(b64))
    except Exception as e:
        if not isinstance(own, Exception) or type(own) is not type(e):
            bad.append("%s over %s: Python cannot read ours: %s: %s (its own: %r)" % (expr, ser, type(e).__name__, e, own))
        continue
    if isinstance(own, Exception):
        bad.append("%s over %s: Python reads ours (%s) but not its own (%r)" % (expr, ser, canon(ours), own))
    elif canon(documented(own)) != canon(ours):
        bad.append("%s over %s: Python's own round trip gives %s, ours %s" % (expr, ser, canon(own), canon(ours)))
print(json.dumps(bad))
`;

describe("docs/values.md per-serializer table against Python Pyro4 and Pyro5", () => {
  const rows = perSerializerRows(DOC);

  it("has the rows the guide promises", () => {
    assert.ok(rows.length >= 10, `only ${rows.length} rows`);
  });

  for (const protocol of [4, 5] as const) {
    it(`protocol ${protocol}: every cell matches what Python sends and ours decodes, and what ours sends back Python reads as its own`, () => {
      const names = protocol === 4 ? [...SERIALIZERS] : SERIALIZERS_5;
      const codec = (ser: string) => (protocol === 4 ? getSerializer(ser as (typeof SERIALIZERS)[number]) : getPyro5Serializer(ser));
      const env = protocol === 5 ? { PYTHONPATH: PYRO5_PATH } : undefined;
      const exprs = rows.flatMap((r) => r.exprs);
      const encoded = JSON.parse(runPython(["-c", PY_SEND, JSON.stringify(exprs), String(protocol), JSON.stringify(names)], { env })) as Record<string, string | null>[];
      const back: [string, string, string][] = [];
      let k = 0;
      for (const row of rows) {
        let previous: Expect[] | null = null;
        const results = encoded.slice(k, k + row.exprs.length);
        k += row.exprs.length;
        row.cells.forEach((cell, c) => {
          const ser = SERIALIZERS[c]!;
          const expects = parseCell(cell, previous, row.exprs.length);
          previous = expects;
          if (!names.includes(ser)) return;
          row.exprs.forEach((expr, i) => {
            const where = `docs/values.md:${row.line} ${expr} over ${ser} (protocol ${protocol})`;
            const b64 = results[i]![ser];
            const e = expects[Math.min(i, expects.length - 1)]!;
            if (e.kind === "error") {
              assert.equal(b64, null, `${where}: the table says Python cannot send it, but Python did`);
              return;
            }
            assert.ok(b64 !== null && b64 !== undefined, `${where}: Python could not serialize it`);
            if (e.kind === "refused") {
              assert.throws(() => codec(ser).deserializeData(Buffer.from(b64, "base64")), /unsupported serialized class/, where);
              return;
            }
            const v = codec(ser).deserializeData(Buffer.from(b64, "base64"));
            check(v, e, where);
            back.push([expr, ser, codec(ser).serializeData(v).toString("base64")]);
          });
        });
      }
      assert.ok(back.length > 50, `only ${back.length} values went back`);
      assert.deepEqual(JSON.parse(runPython(["-c", PY_BACK, JSON.stringify(back), String(protocol)], { env })), []);
    });
  }

  it("the cell parser reads types, strings, 'same' and refusals (and can fail)", () => {
    assert.deepEqual(parseCell("`number`, `bigint`", null, 2), [{ kind: "type", name: "number" }, { kind: "type", name: "bigint" }]);
    assert.deepEqual(parseCell("`number` (`2.0` arrives as `2`)", null, 2), [{ kind: "type", name: "number" }, { kind: "type", name: "number" }]);
    assert.throws(() => parseCell("`number`, `bigint`", null, 3), /should name 3/);
    assert.deepEqual(parseCell('`"01:02:03"`', null, 1), [{ kind: "string", value: "01:02:03" }]);
    assert.deepEqual(parseCell("Python cannot send it", null, 2), [{ kind: "error" }, { kind: "error" }]);
    assert.deepEqual(parseCell("same", [{ kind: "type", name: "Set" }], 1), [{ kind: "type", name: "Set" }]);
    assert.throws(() => check(2, { kind: "type", name: "bigint" }, "x"), /expected bigint/);
    assert.throws(() => check(new Map(), { kind: "objectKey", key: "1" }, "x"), /plain object/);
  });
});
