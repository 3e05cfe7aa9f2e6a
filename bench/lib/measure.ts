// One measurement = a warm-up run, then N timed repeats, each bounded in time; failures and hangs become an error
// cell ("n/a" in the table) instead of ending the whole run. Progress goes to stderr.
import { summarize, fmtSummary, type Summary, type Unit } from "./stats.js";

export interface Cell {
  samples: number[];
  summary: Summary | null;
  /** Side figures of the same runs (p50/p99 latency of the sequential rows), summarized over the repeats. */
  extra?: Record<string, Summary | null>;
  error?: string;
}

export interface Settings {
  quick: boolean;
  repeats: number;
  /** Length of one timed repeat. */
  ms: number;
  warmMs: number;
}

/** What one run returns: the figure, plus optional side figures. */
export interface Sample {
  value: number;
  extra?: Record<string, number | undefined>;
}

let done = 0;
let total = 0;
const t0 = Date.now();

export function setPlanned(n: number): void {
  total = n;
}
export function addPlanned(n: number): void {
  total += n;
}

export function progress(msg: string): void {
  const secs = ((Date.now() - t0) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${secs}s ${String(done).padStart(3)}/${total}] ${msg}\n`);
}

/** The first line of an error's message: what a cell shows when it could not be measured. */
export function errorLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)}s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Warm-up then `repeats` timed runs of `run(ms)`. `onTimeout` cleans up a client left in an unknown state.
 * A run's own time bound is `ms` (at least one operation), so the guard is generous.
 */
export async function measure(
  label: string,
  unit: Unit,
  s: Settings,
  run: (ms: number) => Promise<Sample>,
  onTimeout?: () => void | Promise<void>,
  guardMs = 60_000,
): Promise<Cell> {
  const samples: number[] = [];
  const extras: Extras = {};
  try {
    await withTimeout(run(s.warmMs), guardMs + s.warmMs, label);
    for (let i = 0; i < s.repeats; i++) {
      const r = await withTimeout(run(s.ms), guardMs + s.ms, label);
      samples.push(r.value);
      addExtras(extras, r);
    }
  } catch (e) {
    done++;
    const msg = errorLine(e);
    progress(`${label}: n/a (${msg})`);
    if (/no answer within/.test(msg)) await onTimeout?.();
    return { samples, summary: null, error: msg };
  }
  done++;
  const cell = measuredCell(samples, extras);
  progress(`${label}: ${fmtSummary(cell.summary)} ${unit}`);
  return cell;
}

/** Side figures of a cell's runs, by name (p50, p99), in run order. */
type Extras = Record<string, number[]>;

function addExtras(extras: Extras, r: Sample): void {
  for (const [k, v] of Object.entries(r.extra ?? {})) if (v !== undefined) (extras[k] ??= []).push(v);
}

function measuredCell(samples: number[], extras: Extras): Cell {
  const cell: Cell = { samples, summary: summarize(samples) };
  if (Object.keys(extras).length) {
    cell.extra = {};
    for (const [k, v] of Object.entries(extras)) cell.extra[k] = summarize(v);
  }
  return cell;
}

/** A cell that was not measured (component missing, or the combination cannot work), with the reason. */
export function skipped(label: string, reason: string): Cell {
  done++;
  progress(`${label}: n/a (${reason})`);
  return { samples: [], summary: null, error: reason };
}

/** A single-shot figure (memory): one sample, min = median = max. */
export function single(value: number): Cell {
  done++;
  return { samples: [value], summary: summarize([value]) };
}

/** A cell from samples taken elsewhere (the serializer microbenchmarks time themselves). */
export function recorded(label: string, unit: Unit, samples: number[]): Cell {
  done++;
  const cell = measuredCell(samples, {});
  progress(`${label}: ${fmtSummary(cell.summary)} ${unit}`);
  return cell;
}

/** One column of `measureRounds`: its label and one timed run. */
export interface RoundRun {
  label: string;
  run: (ms: number) => Promise<Sample>;
  /** Cleans up after a run that hung (see `measure`). */
  onTimeout?: () => void | Promise<void>;
}

/**
 * Several cells measured in rounds: a warm-up of each, then `repeats` rounds taking one sample of each in turn,
 * so sample i of every cell was taken within the same second or two. The machine's speed drifts by 2x over tens
 * of seconds on a shared VM; cells measured one after the other compare drift, not code. A column that fails
 * becomes an error cell and sits out the remaining rounds; the others go on.
 */
export async function measureRounds(unit: Unit, s: Settings, runs: readonly RoundRun[], guardMs = 60_000): Promise<Cell[]> {
  const samples: number[][] = runs.map(() => []);
  const extras: Extras[] = runs.map(() => ({}));
  const errors: (string | null)[] = runs.map(() => null);
  const step = async (i: number, ms: number): Promise<Sample | null> => {
    if (errors[i]) return null;
    try {
      return await withTimeout(runs[i]!.run(ms), guardMs + ms, runs[i]!.label);
    } catch (e) {
      const msg = errorLine(e);
      errors[i] = msg;
      if (/no answer within/.test(msg)) await runs[i]!.onTimeout?.();
      return null;
    }
  };
  for (let i = 0; i < runs.length; i++) await step(i, s.warmMs);
  for (let round = 0; round < s.repeats; round++) {
    for (let i = 0; i < runs.length; i++) {
      const r = await step(i, s.ms);
      if (r === null) continue;
      samples[i]!.push(r.value);
      addExtras(extras[i]!, r);
    }
  }
  return runs.map((run, i) => {
    done++;
    if (errors[i]) {
      progress(`${run.label}: n/a (${errors[i]})`);
      return { samples: samples[i]!, summary: null, error: errors[i]! };
    }
    const cell = measuredCell(samples[i]!, extras[i]!);
    progress(`${run.label}: ${fmtSummary(cell.summary)} ${unit}`);
    return cell;
  });
}
