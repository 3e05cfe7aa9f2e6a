// Summaries, ratios, verdicts and the text table of the benchmark report. Pure functions with no timing or I/O so
// test/unit/bench-smoke.test.ts can check the formatting on fixed numbers.

/** min/median/max over the repeats of one measurement. `unit` says how to print it. */
export interface Summary {
  min: number;
  median: number;
  max: number;
  n: number;
}

export type Unit = "ops/s" | "MB/s" | "us" | "MB";

/** Higher-is-better units; for "us" (latency) and "MB" (memory) lower is better. */
export function higherIsBetter(unit: Unit): boolean {
  return unit === "ops/s" || unit === "MB/s";
}

export function summarize(samples: readonly number[]): Summary | null {
  const xs = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { min: xs[0]!, median, max: xs[xs.length - 1]!, n: xs.length };
}

/** Percentile (0..100) of unsorted samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const xs = [...samples].sort((a, b) => a - b);
  const rank = Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1));
  return xs[rank]!;
}

/**
 * How many times better `ours` is than `base`, on medians: rate / rate for higher-is-better units, base / ours for
 * latency and memory. So every ratio in the report reads the same way: > 1 means ours is better.
 */
export function ratio(ours: Summary | null | undefined, base: Summary | null | undefined, unit: Unit): number | null {
  if (!ours || !base || !(ours.median > 0) || !(base.median > 0)) return null;
  return higherIsBetter(unit) ? ours.median / base.median : base.median / ours.median;
}

/** A number with 3 significant digits and k/M suffixes: 1234 -> "1.23k", 0.5 -> "0.500". */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  if (a >= 9999.5) {
    // pick the suffix after rounding, so 999999 prints as "1.00M", not "1000k"
    const r = Number(x.toPrecision(3));
    const ar = Math.abs(r);
    if (ar >= 1e9) return (r / 1e9).toPrecision(3) + "G";
    if (ar >= 1e6) return (r / 1e6).toPrecision(3) + "M";
    return (r / 1e3).toPrecision(3) + "k";
  }
  if (a >= 1000) return Math.round(x).toString();
  if (a === 0) return "0";
  return x.toPrecision(3);
}

/** "12.3k [11.9k-12.5k]": median with the min-max range of the repeats. */
export function fmtSummary(s: Summary | null | undefined): string {
  if (!s) return "n/a";
  if (s.n === 1 || s.min === s.max) return fmtNum(s.median);
  return `${fmtNum(s.median)} [${fmtNum(s.min)}-${fmtNum(s.max)}]`;
}

export function fmtRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return "n/a";
  return r >= 100 ? `${Math.round(r)}x` : `${r.toPrecision(r >= 10 ? 3 : 2)}x`;
}

/** A goal from the issue: `ratio` (ours/Python or ours/limit, > 1 = ours better) must reach `min`. */
export interface Target {
  against: "python" | "limit";
  min: number;
}

/**
 * One line per row: the target outcome when the row has a target, else a plain statement of where ours stands.
 */
export function verdict(vsPython: number | null, vsLimit: number | null, targets: readonly Target[] = []): string {
  const parts: string[] = [];
  let allMet = true;
  for (const t of targets) {
    const r = t.against === "python" ? vsPython : vsLimit;
    const what = t.against === "python" ? "Python" : "limit";
    if (r === null) {
      parts.push(`target ${fmtRatio(t.min)} ${what}: not measured`);
      allMet = false;
    } else if (r >= t.min) {
      parts.push(`meets ${fmtRatio(t.min)} ${what} (${fmtRatio(r)})`);
    } else {
      parts.push(`MISSES ${fmtRatio(t.min)} ${what} (${fmtRatio(r)})`);
      allMet = false;
    }
  }
  if (targets.length) {
    const measured = targets.some((t) => (t.against === "python" ? vsPython : vsLimit) !== null);
    return (allMet ? "OK: " : measured ? "BELOW TARGET: " : "NOT MEASURED: ") + parts.join("; ");
  }
  if (vsPython === null) return vsLimit === null ? "no comparison" : `${fmtRatio(vsLimit)} of the limit`;
  if (vsPython >= 1.1) return `better than Python (${fmtRatio(vsPython)})`;
  if (vsPython > 0.9) return `on par with Python (${fmtRatio(vsPython)})`;
  return `worse than Python (${fmtRatio(vsPython)})`;
}

/** A fixed-width text table; the first column is left-aligned, the others right-aligned except the last (verdict). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const last = headers.length - 1;
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(headers), sep, ...rows.map((r) => line(headers.map((_, i) => r[i] ?? "")))].join("\n");
}
