// Rows of the report: measured cells per column, the ratios against Python and against the raw-socket limit,
// the one-line verdict, the text tables and the JSON document. No timing here (unit-tested on fixed numbers).
import {
  fmtRatio, fmtSummary, formatTable, higherIsBetter, ratio, summarize, verdict, type Summary, type Target, type Unit,
} from "./stats.js";
import type { Cell } from "./measure.js";

export interface Row {
  section: string;
  name: string;
  unit: Unit;
  /** Column name -> measured cell. */
  cells: Record<string, Cell>;
  /** Column holding our figure (TS client + TS server). */
  ours?: string;
  /** Column(s) holding Python's figure; with several, the best one is the baseline. */
  python?: string[];
  /** The raw-socket ceiling for this row, when there is one. */
  limit?: Summary | null;
  /**
   * Limit samples taken right before each of our samples (same order as `cells[ours].samples`). With them the
   * limit ratio is the median of the per-repeat ratios: the machine's speed drifts over a run, and a ceiling
   * measured minutes earlier can be off by a third either way.
   */
  pairedLimit?: number[];
  /**
   * Our cell and the Python cells were measured in rounds (one sample of each per round, in the same order), so
   * the Python ratio is the median of the per-round ratios against the best Python cell of that round.
   */
  pairedPython?: boolean;
  targets?: Target[];
  /** Free-form note shown after the verdict (why a cell is n/a, ...). */
  note?: string;
}

export interface RowResult extends Row {
  vsPython: number | null;
  vsLimit: number | null;
  /** The ceiling's own ratio to Python, over the same rounds (rows measured in rounds with both). */
  limitVsPython: number | null;
  verdict: string;
}

function best(cells: (Summary | null | undefined)[], unit: Unit): Summary | null {
  let b: Summary | null = null;
  for (const c of cells) {
    if (!c) continue;
    if (!b || (higherIsBetter(unit) ? c.median > b.median : c.median < b.median)) b = c;
  }
  return b;
}

/** Median of ours[i] / limit[i] over the repeats both have (inverted for lower-is-better units). */
export function pairedRatio(ours: readonly number[], limit: readonly number[], unit: Unit): number | null {
  const rs: number[] = [];
  for (let i = 0; i < Math.min(ours.length, limit.length); i++) {
    if (ours[i]! > 0 && limit[i]! > 0) rs.push(higherIsBetter(unit) ? ours[i]! / limit[i]! : limit[i]! / ours[i]!);
  }
  return summarize(rs)?.median ?? null;
}

/**
 * Median over rounds of ours[i] against the best of the Python samples of round i (cells measured in rounds:
 * sample i of each was taken in the same round, so all saw the machine in the same state).
 */
export function pairedBestRatio(ours: readonly number[], python: readonly (readonly number[])[], unit: Unit): number | null {
  const hi = higherIsBetter(unit);
  const rounds = python.filter((p) => p.length);
  const bestOf = (i: number): number => {
    let b = NaN;
    for (const p of rounds) {
      const v = p[i];
      if (v !== undefined && v > 0 && (!(b > 0) || (hi ? v > b : v < b))) b = v;
    }
    return b;
  };
  const base = ours.map((_, i) => bestOf(i));
  return pairedRatio(ours, base.map((b) => (b > 0 ? b : 0)), unit);
}

export function evaluate(row: Row): RowResult {
  const ours = row.ours ? row.cells[row.ours]?.summary : null;
  const py = best((row.python ?? []).map((k) => row.cells[k]?.summary), row.unit);
  const pySamples = (row.python ?? []).map((k) => row.cells[k]?.samples ?? []);
  const vsPython = row.pairedPython && row.ours
    ? pairedBestRatio(row.cells[row.ours]?.samples ?? [], pySamples, row.unit)
    : ratio(ours, py, row.unit);
  const vsLimit = row.pairedLimit?.length ? pairedRatio(row.cells[row.ours ?? ""]?.samples ?? [], row.pairedLimit, row.unit) : ratio(ours, row.limit, row.unit);
  const limitVsPython = row.pairedPython && row.pairedLimit?.length ? pairedBestRatio(row.pairedLimit, pySamples, row.unit) : null;
  const comparesNothing = !row.ours && !row.python?.length && row.limit === undefined && !row.targets?.length;
  let v = comparesNothing && row.note ? row.note : verdict(vsPython, vsLimit, row.targets);
  // A Python target the bare ceiling itself misses in the same rounds is out of reach of any RPC on this machine:
  // say so next to the miss.
  const missesPython = vsPython !== null && (row.targets ?? []).some((t) => t.against === "python" && vsPython < t.min);
  if (missesPython && limitVsPython !== null) v += `; the bare ceiling itself: ${fmtRatio(limitVsPython)} Python`;
  if (row.note && !comparesNothing) v += ` (${row.note})`;
  return { ...row, vsPython, vsLimit, limitVsPython, verdict: v };
}

/** One table per section; columns are the union of the rows' cell names, in first-seen order. */
export function renderSection(title: string, rows: readonly RowResult[]): string {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.cells)) if (!cols.includes(k)) cols.push(k);
  const hasPy = rows.some((r) => r.python?.length);
  const hasLimit = rows.some((r) => r.limit !== undefined);
  const headers = ["", ...cols];
  if (hasPy) headers.push("ours/Py");
  if (hasLimit) headers.push("ours/limit");
  headers.push("verdict");
  const body = rows.map((r) => {
    const line = [`${r.name} (${r.unit})`, ...cols.map((c) => (r.cells[c] ? fmtSummary(r.cells[c]!.summary) : ""))];
    if (hasPy) line.push(r.python?.length ? fmtRatio(r.vsPython) : "");
    if (hasLimit) line.push(r.limit !== undefined ? fmtRatio(r.vsLimit) : "");
    line.push(r.verdict);
    return line;
  });
  return `## ${title}\n\n${formatTable(headers, body)}\n`;
}

/** Rows in sections, rendered in the order the sections first appear. */
export function renderReport(rows: readonly RowResult[]): string {
  const sections: string[] = [];
  for (const r of rows) if (!sections.includes(r.section)) sections.push(r.section);
  return sections.map((s) => renderSection(s, rows.filter((r) => r.section === s))).join("\n");
}

/** Counts of target outcomes, for the summary line at the end. */
export function targetSummary(rows: readonly RowResult[]): string {
  const withTargets = rows.filter((r) => r.targets?.length);
  const met = withTargets.filter((r) => r.verdict.startsWith("OK")).length;
  return `${met}/${withTargets.length} rows with a target meet it`;
}

export function toJson(meta: Record<string, unknown>, rows: readonly RowResult[]): string {
  return JSON.stringify({ meta, rows }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}
