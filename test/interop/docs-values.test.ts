// Keeps the per-serializer table of docs/values.md true: every Python value in its first column is serialized by
// real Python Pyro4 with each serializer, decoded by ours, and compared with what the table's cell says (a type
// name, an exact string, or that Python cannot send it). A changed decoder or a wrong table cell fails here.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Complex, isTuple, isFrozenSet } from "../../src/index.js";
import { PyDateTime, PyDate } from "../../src/serializers/values.js";
import { getSerializer } from "../../src/protocol/index.js";
import { runPython } from "../helpers/python.js";

const DOC = readFileSync(fileURLToPath(new URL("../../docs/values.md", import.meta.url)), "utf8");
const SERIALIZERS = ["serpent", "json", "marshal", "msgpack"] as const;

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
      assert.deepEqual(header.slice(1), [...SERIALIZERS], "table columns");
      continue;
    }
    if (/^-+$/.test(cells[0]!)) continue;
    rows.push({ line: i + 1, exprs: [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), cells: cells.slice(1) });
  }
  return rows;
}

type Expect = { kind: "error" } | { kind: "type"; name: string } | { kind: "string"; value: string } | { kind: "objectKey"; key: string };

/** What a cell claims, one expectation per Python value of the row. */
export function parseCell(cell: string, previous: Expect[] | null, count: number): Expect[] {
  const text = cell.replace(/\s*\([^()]*(?:`[^`]*`[^()]*)*\)$/, "").trim();
  if (text === "same") {
    assert.ok(previous, "'same' in the first column");
    return previous;
  }
  if (text.startsWith("Python cannot send")) return Array.from({ length: count }, () => ({ kind: "error" }));
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
        Buffer: (x) => Buffer.isBuffer(x),
        Tuple: (x) => isTuple(x),
        Array: (x) => Array.isArray(x) && !isTuple(x),
        Map: (x) => x instanceof Map,
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
      assert.fail(`${where}: the table says Python cannot send it, but Python did`);
  }
}

const PY = `
import sys, json, base64, datetime, decimal, uuid
from datetime import datetime, date, time, timedelta, timezone
from collections import OrderedDict
from decimal import Decimal
from uuid import UUID
import Pyro4.util
out = []
for expr in json.loads(sys.argv[1]):
    v = eval(expr)
    row = {}
    for ser in ${JSON.stringify(SERIALIZERS)}:
        try:
            data = Pyro4.util.get_serializer(ser).serializeData(v)
            if isinstance(data, tuple):
                data = data[0]
            row[ser] = base64.b64encode(data).decode()
        except Exception as e:
            row[ser] = None
    out.append(row)
print(json.dumps(out))
`;

describe("docs/values.md per-serializer table against Python Pyro4", () => {
  const rows = perSerializerRows(DOC);

  it("has the rows the guide promises", () => {
    assert.ok(rows.length >= 10, `only ${rows.length} rows`);
  });

  it("every cell matches what Python sends and our serializer decodes", () => {
    const exprs = rows.flatMap((r) => r.exprs);
    const encoded = JSON.parse(runPython(["-c", PY, JSON.stringify(exprs)])) as Record<string, string | null>[];
    let k = 0;
    for (const row of rows) {
      let previous: Expect[] | null = null;
      const results = encoded.slice(k, k + row.exprs.length);
      k += row.exprs.length;
      row.cells.forEach((cell, c) => {
        const ser = SERIALIZERS[c]!;
        const expects = parseCell(cell, previous, row.exprs.length);
        previous = expects;
        row.exprs.forEach((expr, i) => {
          const where = `docs/values.md:${row.line} ${expr} over ${ser}`;
          const b64 = results[i]![ser];
          const e = expects[Math.min(i, expects.length - 1)]!;
          if (e.kind === "error") {
            assert.equal(b64, null, `${where}: the table says Python cannot send it, but Python did`);
            return;
          }
          assert.ok(b64 !== null && b64 !== undefined, `${where}: Python could not serialize it`);
          check(getSerializer(ser).deserializeData(Buffer.from(b64, "base64")), e, where);
        });
      });
    }
  });

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
