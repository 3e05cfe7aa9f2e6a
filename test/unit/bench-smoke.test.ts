// The benchmark report's arithmetic and formatting (bench/lib/stats.ts, bench/lib/report.ts) on fixed numbers, so a
// broken table or an inverted ratio shows up in `npm test` rather than in a misleading README. No timing here.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  summarize, percentile, ratio, fmtNum, fmtSummary, fmtRatio, verdict, formatTable, type Summary,
} from "../../bench/lib/stats.js";
import { evaluate, pairedBestRatio, pairedRatio, renderSection, targetSummary, toJson, type Row } from "../../bench/lib/report.js";
import { measureRounds } from "../../bench/lib/measure.js";
import { loadTargets, parseTargets, targetsFor } from "../../bench/lib/targets.js";
import { renderResults, reportSections } from "../../bench/lib/results.js";
import { readFileSync } from "node:fs";

const S = (median: number, min = median, max = median, n = 5): Summary => ({ min, median, max, n });

test("summarize: min/median/max, even and odd counts, non-finite samples dropped", () => {
  assert.deepEqual(summarize([5, 1, 3]), { min: 1, median: 3, max: 5, n: 3 });
  assert.deepEqual(summarize([4, 1, 3, 2]), { min: 1, median: 2.5, max: 4, n: 4 });
  assert.deepEqual(summarize([NaN, 2, Infinity]), { min: 2, median: 2, max: 2, n: 1 });
  assert.equal(summarize([]), null);
});

test("percentile: nearest rank", () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test("ratio reads '> 1 = ours better' for rates, latencies and memory", () => {
  const cases: [Summary, Summary, Parameters<typeof ratio>[2], number][] = [
    [S(3000), S(1000), "ops/s", 3],
    [S(50), S(100), "MB/s", 0.5],
    [S(50), S(100), "us", 2], // half the latency = twice as good
    [S(40), S(20), "MB", 0.5], // twice the memory = half as good
  ];
  for (const [ours, base, unit, want] of cases) assert.equal(ratio(ours, base, unit), want, `${unit}`);
  assert.equal(ratio(null, S(1), "ops/s"), null);
  assert.equal(ratio(S(1), S(0), "ops/s"), null);
});

test("number, summary and ratio formatting", () => {
  const nums: [number | null, string][] = [
    [0, "0"], [0.5, "0.500"], [12.345, "12.3"], [999, "999"], [1234, "1234"], [12345, "12.3k"],
    [9999.7, "10.0k"], [999_999, "1.00M"], [-2500, "-2500"], [1_234_567, "1.23M"], [2.5e9, "2.50G"], [NaN, "n/a"], [null, "n/a"],
  ];
  for (const [x, want] of nums) assert.equal(fmtNum(x), want, String(x));
  assert.equal(fmtSummary(S(12345, 11900, 12500)), "12.3k [11.9k-12.5k]");
  assert.equal(fmtSummary(S(5, 5, 5, 1)), "5.00");
  assert.equal(fmtSummary(null), "n/a");
  assert.equal(fmtRatio(2.345), "2.3x");
  assert.equal(fmtRatio(0.0123), "0.012x");
  assert.equal(fmtRatio(12.34), "12.3x");
  assert.equal(fmtRatio(250), "250x");
  assert.equal(fmtRatio(null), "n/a");
});

test("verdicts: targets met, missed, unmeasured; plain comparisons without targets", () => {
  assert.equal(verdict(2.5, null, [{ against: "python", min: 2 }]), "OK: meets 2.0x Python (2.5x)");
  assert.equal(
    verdict(1.2, 0.8, [{ against: "limit", min: 0.75 }, { against: "python", min: 1.5 }]),
    "BELOW TARGET: meets 0.75x limit (0.80x); MISSES 1.5x Python (1.2x)",
  );
  assert.equal(verdict(null, null, [{ against: "python", min: 3 }]), "NOT MEASURED: target 3.0x Python: not measured");
  assert.equal(verdict(1.5, null), "better than Python (1.5x)");
  assert.equal(verdict(1.0, null), "on par with Python (1.0x)");
  assert.equal(verdict(0.5, null), "worse than Python (0.50x)");
  assert.equal(verdict(null, 0.3), "0.30x of the limit");
  assert.equal(verdict(null, null), "no comparison");
});

test("formatTable aligns columns: first and last left, the rest right", () => {
  const t = formatTable(["row", "a", "verdict"], [["x", "1", "ok"], ["longer", "123", "fine"]]);
  assert.equal(
    t,
    ["row       a  verdict", "------  ---  -------", "x         1  ok", "longer  123  fine"].join("\n"),
  );
});

test("evaluate + renderSection: best Python column is the baseline, limit ratio, note", () => {
  const cell = (median: number) => ({ samples: [median], summary: S(median, median * 0.9, median * 1.1) });
  const row: Row = {
    section: "Concurrent",
    name: "8 clients [msgpack]",
    unit: "ops/s",
    cells: { "TS>TS": cell(30000), "Py thread": cell(8000), "Py multiplex": cell(10000) },
    ours: "TS>TS",
    python: ["Py thread", "Py multiplex"],
    limit: S(40000),
    targets: [{ against: "python", min: 3 }],
    note: "example",
  };
  const r = evaluate(row);
  assert.equal(r.vsPython, 3);
  assert.equal(r.vsLimit, 0.75);
  assert.equal(r.verdict, "OK: meets 3.0x Python (3.0x) (example)");
  const missing = evaluate({ ...row, name: "32 clients", cells: { "Py thread": cell(8000) }, targets: [], note: undefined });
  assert.equal(missing.verdict, "no comparison");
  const text = renderSection("Concurrent", [r, missing]);
  const lines = text.split("\n");
  assert.equal(lines[0], "## Concurrent");
  assert.match(lines[2]!, /^\s+TS>TS\s+Py thread\s+Py multiplex\s+ours\/Py\s+ours\/limit\s+verdict$/);
  assert.match(lines[4]!, /^8 clients \[msgpack\] \(ops\/s\)\s+30\.0k \[27\.0k-33\.0k\]\s+8000 \[7200-8800\]\s+10\.0k \[9000-11\.0k\]\s+3\.0x\s+0\.75x\s+OK: /);
  assert.match(lines[5]!, /^32 clients \(ops\/s\)\s+8000 \[7200-8800\]\s+n\/a\s+n\/a\s+no comparison$/);
  assert.equal(targetSummary([r, missing]), "1/1 rows with a target meet it");
  const limitRow = evaluate({ section: "Limit", name: "raw", unit: "ops/s", cells: { raw: cell(5) }, note: "ceiling" });
  assert.equal(limitRow.verdict, "ceiling");
  const json = JSON.parse(toJson({ quick: true }, [r])) as { meta: { quick: boolean }; rows: { vsPython: number }[] };
  assert.equal(json.meta.quick, true);
  assert.equal(json.rows[0]!.vsPython, 3);
});

test("paired limit: the ratio is the median of per-repeat ratios, not a ratio of medians", () => {
  // the machine got faster mid-run: ours and the limit move together, so every per-repeat ratio is 0.8
  const ours = [8000, 8000, 16000, 16000, 16000];
  const limit = [10000, 10000, 20000, 20000, 20000];
  assert.equal(pairedRatio(ours, limit, "ops/s"), 0.8);
  assert.equal(pairedRatio([100, 50], [50, 50], "us"), 0.75); // lower is better: limit/ours per repeat
  assert.equal(pairedRatio([1, 2], [], "ops/s"), null);
  const row: Row = {
    section: "RPC", name: "sequential calls", unit: "ops/s", ours: "TS>TS",
    cells: { "TS>TS": { samples: [9000, 9500, 7000], summary: S(9000, 7000, 9500, 3) } },
    limit: S(20000), pairedLimit: [10000, 10000, 10000], targets: [{ against: "limit", min: 0.75 }],
  };
  const r = evaluate(row);
  assert.equal(r.vsLimit, 0.9); // 0.9, 0.95, 0.7 -> median 0.9, although the medians give 9000/20000
  assert.match(r.verdict, /^OK: meets 0.75x limit \(0.90x\)/);
});

test("rounds: the Python ratio is the median of per-round ratios against that round's best Python cell", () => {
  // round 2 ran while the machine was slow for everybody: per round 3x, 3x, 3x although the medians say 2x
  const ours = [30000, 12000, 30000];
  const thread = [4000, 1000, 5000];
  const multiplex = [10000, 4000, 9000];
  assert.equal(pairedBestRatio(ours, [thread, multiplex], "ops/s"), 3);
  assert.equal(pairedBestRatio(ours, [[], multiplex], "ops/s"), 3); // a column that failed outright is left out
  assert.equal(pairedBestRatio(ours, [thread.slice(0, 1), multiplex.slice(0, 1)], "ops/s"), 3); // failed after round 1
  assert.equal(pairedBestRatio([], [thread], "ops/s"), null);
  const row: Row = {
    section: "Concurrent", name: "8 clients", unit: "ops/s", ours: "TS>TS", python: ["thread", "multiplex"], pairedPython: true,
    cells: {
      "TS>TS": { samples: [30000, 12000, 18000], summary: S(18000, 12000, 30000, 3) },
      thread: { samples: thread, summary: S(4000, 1000, 5000, 3) },
      multiplex: { samples: [10000, 4000, 9000], summary: S(9000, 4000, 10000, 3) },
    },
    targets: [{ against: "python", min: 3 }],
  };
  const r = evaluate(row);
  assert.equal(r.vsPython, 3); // 3, 3, 2 -> 3; medians alone would give 18000/9000 = 2
  assert.match(r.verdict, /^OK: meets 3.0x Python/);
  assert.equal(evaluate({ ...row, pairedPython: false }).vsPython, 2);
});

test("rounds: a missed Python target says how far the bare ceiling itself got against Python in the same rounds", () => {
  const row: Row = {
    section: "Concurrent", name: "8 clients", unit: "ops/s", ours: "TS>TS", python: ["thread", "multiplex"], pairedPython: true,
    cells: {
      "TS>TS": { samples: [40000, 36000, 30000], summary: S(36000, 30000, 40000, 3) },
      thread: { samples: [5000, 5000, 5000], summary: S(5000, 5000, 5000, 3) },
      multiplex: { samples: [17000, 18000, 15000], summary: S(17000, 15000, 18000, 3) },
    },
    pairedLimit: [45000, 48000, 60000],
    targets: [{ against: "python", min: 3 }],
  };
  const r = evaluate(row);
  // per round: ours 2.35x, 2.0x, 2.0x Python; ceiling 2.65x, 2.67x, 4.0x
  assert.equal(r.vsPython, 2);
  assert.ok(Math.abs(r.limitVsPython! - 48000 / 18000) < 1e-9);
  assert.equal(r.verdict, "BELOW TARGET: MISSES 3.0x Python (2.0x); the bare ceiling itself: 2.7x Python");
  // a met target says nothing more; a row without ceiling rounds cannot say it
  const met = evaluate({ ...row, targets: [{ against: "python", min: 2 }] });
  assert.equal(met.verdict, "OK: meets 2.0x Python (2.0x)");
  assert.equal(evaluate({ ...row, pairedLimit: undefined }).limitVsPython, null);
  assert.doesNotMatch(evaluate({ ...row, pairedLimit: undefined }).verdict, /ceiling/);
});

test("measureRounds: one sample of each column per round, in order; a failing column sits out the rest", async () => {
  const log: string[] = [];
  let bCalls = 0;
  const cells = await measureRounds("ops/s", { quick: true, repeats: 3, ms: 1, warmMs: 1 }, [
    { label: "a", run: async () => (log.push("a"), { value: 10 }) },
    { label: "b", run: async () => { log.push("b"); if (++bCalls === 3) throw new Error("b broke"); return { value: 20 }; } },
    { label: "c", run: async () => (log.push("c"), { value: 30 + log.length, extra: { p50: log.length } }) },
  ]);
  assert.deepEqual(log.join(""), "abc" + "abc" + "abc" + "ac");
  assert.deepEqual(cells[0]!.samples, [10, 10, 10]);
  assert.deepEqual(cells[1]!.samples, [20]);
  assert.equal(cells[1]!.error, "b broke");
  assert.equal(cells[1]!.summary, null);
  assert.deepEqual(cells[2]!.samples, [36, 39, 41]);
  // side figures (the sequential rows' latencies) are kept per column, from the timed rounds only (not the warm-up)
  assert.deepEqual(cells[2]!.extra?.p50, { min: 6, median: 9, max: 11, n: 3 });
  assert.equal(cells[0]!.extra, undefined);
});

test("targets: bench/targets.json is valid and gives each row kind its goals (serializer entry, else '*')", () => {
  const t = loadTargets();
  assert.deepEqual(targetsFor("matrix", "ping", "serpent", t), [{ against: "limit", min: 0.75 }, { against: "python", min: 1.5 }]);
  assert.deepEqual(targetsFor("matrix", "ping", "json", t), [{ against: "limit", min: 0.75 }]);
  assert.deepEqual(targetsFor("matrix", "echo", "marshal", t), [{ against: "limit", min: 0.5 }]);
  assert.deepEqual(targetsFor("matrix", "echo", "json", t), []); // no entry and no '*': no goal
  assert.deepEqual(targetsFor("matrix", "connect", "serpent", t), []);
  assert.deepEqual(targetsFor("concurrency", "clients", "msgpack", t), [{ against: "python", min: 3 }]);
  assert.deepEqual(targetsFor("micro", "bytes64k", "serpent", t), [{ against: "python", min: 3 }]);
  assert.deepEqual(targetsFor("micro", "bytes64k", "json", t), []);
  // the result is a copy: a caller that edits its row's targets does not change the table
  targetsFor("matrix", "oneway", "json", t).push({ against: "limit", min: 9 });
  assert.equal(targetsFor("matrix", "oneway", "json", t).length, 1);
  // no goals left in the bench code itself
  const code = readFileSync(new URL("../../bench/run.ts", import.meta.url), "utf8");
  assert.doesNotMatch(code, /against: "(python|limit)", min:/);
});

test("targets: a malformed file is refused with the path of the bad entry", () => {
  assert.throws(() => parseTargets(`{"matrix": {"ping": {"*": [{"against": "pyton", "min": 1}]}}}`), /targets\.matrix\.ping\.\*\[0\]/);
  assert.throws(() => parseTargets(`{"matrix": {"ping": {"*": [{"against": "python", "min": 0}]}}}`), /positive number/);
  assert.throws(() => parseTargets(`{"matrix": {"ping": {"*": {"against": "python"}}}}`), /must be a list/);
  assert.throws(() => parseTargets(`[]`), /must be an object/);
  assert.deepEqual(parseTargets(`{"$comment": "x", "m": {"k": {"s": []}}}`), { m: { k: { s: [] } } });
});

test("RESULTS.md: one run with machine, date and command; each report section as a text table", () => {
  const cell = (median: number) => ({ samples: [median], summary: S(median) });
  const r = evaluate({ section: "RPC", name: "sequential calls [serpent]", unit: "ops/s", cells: { "TS>TS": cell(3000), "Py>Py": cell(1000) }, ours: "TS>TS", python: ["Py>Py"], targets: [{ against: "python", min: 2 }] });
  const m = evaluate({ section: "Memory", name: "idle daemon", unit: "MB", cells: { ts: cell(40), py: cell(20) }, ours: "ts", python: ["py"] });
  const report = renderSection("RPC", [r]) + "\n" + renderSection("Memory", [m]);
  assert.deepEqual(reportSections(report).map((s) => s.title), ["RPC", "Memory"]);
  const md = renderResults(
    { date: "2026-11-26T10:00:00.000Z", cpu: "Test CPU", cores: 2, node: "v20.20.2", pythonPyro4: "4.82 3.11.2", os: "Linux 6.1", quick: true, repeats: 3, repeatMs: 120, command: "npm run bench -- --quick --write" },
    report,
    targetSummary([r, m]),
  );
  assert.match(md, /^# Benchmark results\n/);
  assert.ok(md.includes("One quick run of `npm run bench -- --quick --write`, 2026-11-26:"), md);
  assert.ok(md.includes("- machine: Test CPU, 2 cores, Linux 6.1\n- Node.js v20.20.2; Python 3.11.2 with Pyro4 4.82\n"), md);
  assert.ok(md.includes("1/1 rows with a target meet it"), md);
  assert.match(md, /## RPC\n\n```text\n\s+TS>TS\s+Py>Py\s+ours\/Py\s+verdict\n-+[\s-]+\nsequential calls \[serpent\] \(ops\/s\)\s+3000\s+1000\s+3\.0x\s+OK: meets 2\.0x Python \(3\.0x\)\n```\n/);
  assert.match(md, /## Memory\n\n```text\n[\s\S]*idle daemon \(MB\)\s+40\.0\s+20\.0\s+0\.50x\s+worse than Python \(0\.50x\)\n```\n/);
  assert.equal(md.match(/^# /gm)?.length, 1, "one run, one title: no history");
  assert.throws(() => renderResults({ date: "d", cpu: "c", cores: 1, node: "n", pythonPyro4: "p", quick: false, repeats: 1, repeatMs: 1, command: "c" }, "", ""), /no sections/);
});

test("bench/RESULTS.md in the repository is one generated run with its date and machine", () => {
  const md = readFileSync(new URL("../../bench/RESULTS.md", import.meta.url), "utf8");
  assert.match(md, /Generated by `npm run bench -- --write`/);
  assert.match(md, /^One (full|quick) run of `npm run bench[^`]*`(?: \([^)]*\))?, \d{4}-\d{2}-\d{2}:$/m);
  assert.match(md, /^- machine: .+, \d+ cores/m);
  assert.deepEqual(reportSections(md.replace(/```text\n|```\n/g, "")).length > 0, true);
  assert.equal(md.match(/^One (full|quick) run/gm)?.length, 1);
});
