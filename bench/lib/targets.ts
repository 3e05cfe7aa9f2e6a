// The bench's goals live in bench/targets.json (data, not code), so changing a goal is a one-line edit that the
// report, the JSON output and bench/RESULTS.md all pick up. This module loads and checks that file and answers
// "which targets does this row have".
import { readFileSync } from "node:fs";
import type { Target } from "./stats.js";

/** section -> row kind -> serializer (or "*") -> targets */
export type TargetTable = Record<string, Record<string, Record<string, Target[]>>>;

export const TARGETS_FILE = new URL("../targets.json", import.meta.url);

/** Parses and validates a targets document; throws with the offending path on anything malformed. */
export function parseTargets(text: string): TargetTable {
  const doc = JSON.parse(text) as unknown;
  if (!isObject(doc)) throw new Error("targets: the document must be an object");
  const table: TargetTable = {};
  for (const [section, kinds] of Object.entries(doc)) {
    if (section.startsWith("$")) continue; // $comment
    if (!isObject(kinds)) throw new Error(`targets.${section}: must be an object of row kinds`);
    table[section] = {};
    for (const [kind, sers] of Object.entries(kinds)) {
      if (!isObject(sers)) throw new Error(`targets.${section}.${kind}: must be an object of serializers`);
      table[section]![kind] = {};
      for (const [ser, list] of Object.entries(sers)) {
        const where = `targets.${section}.${kind}.${ser}`;
        if (!Array.isArray(list)) throw new Error(`${where}: must be a list`);
        table[section]![kind]![ser] = list.map((t, i) => {
          if (!isObject(t) || (t.against !== "python" && t.against !== "limit") || typeof t.min !== "number" || !(t.min > 0)) {
            throw new Error(`${where}[${i}]: expected { "against": "python" | "limit", "min": <positive number> }`);
          }
          return { against: t.against, min: t.min };
        });
      }
    }
  }
  return table;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

let loaded: TargetTable | null = null;

/** bench/targets.json, read once. */
export function loadTargets(): TargetTable {
  return (loaded ??= parseTargets(readFileSync(TARGETS_FILE, "utf8")));
}

/** The targets of one row: the serializer's own entry, else the kind's "*" entry, else none. */
export function targetsFor(section: string, kind: string, serializer: string, table: TargetTable = loadTargets()): Target[] {
  const kinds = table[section]?.[kind];
  return [...(kinds?.[serializer] ?? kinds?.["*"] ?? [])];
}
