// What capturing the caller's stack costs per remote call (ProxyCore.invoke records it so a remote error's
// stack shows the calling line). Compares, per call at a realistic depth: nothing, Error.captureStackTrace on a
// plain object (what invoke does: frames recorded, text formatted only if read), `new Error()` (the same plus an
// Error object), and reading the formatted stack (what only failed calls pay).
// Usage: node --import tsx bench/profile/callsite.ts [--ms 500] [--repeats 5]
import { parseArgs } from "node:util";

const { values: a } = parseArgs({ options: { ms: { type: "string", default: "500" }, repeats: { type: "string", default: "5" } } });

function invokeNothing(): unknown {
  return null;
}
function invokeCapture(): unknown {
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, invokeCapture);
  return site;
}
function invokeNewError(): unknown {
  return new Error();
}
function invokeCaptureAndRead(): unknown {
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, invokeCaptureAndRead);
  return site.stack!.length;
}

// a user's call chain a few frames deep, like app code -> service -> proxy trap -> invoke
function depth(n: number, f: () => unknown): unknown {
  return n === 0 ? f() : depth(n - 1, f);
}

function measure(f: () => unknown): number {
  const ms = Number(a.ms);
  const results: number[] = [];
  let sink: unknown;
  const warm = performance.now() + ms;
  while (performance.now() < warm) sink = depth(8, f);
  for (let r = 0; r < Number(a.repeats); r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let i = 0; i < 1000; i++) sink = depth(8, f);
      n += 1000;
      t = performance.now();
    }
    results.push(((t - t0) * 1e6) / n);
  }
  void sink;
  results.sort((x, y) => x - y);
  return results[results.length >> 1]!;
}

const base = measure(invokeNothing);
const rows: [string, number][] = [
  ["nothing (call chain only)", base],
  ["Error.captureStackTrace(site)", measure(invokeCapture)],
  ["new Error()", measure(invokeNewError)],
  ["capture + read .stack (failed call)", measure(invokeCaptureAndRead)],
];
console.log(`Node ${process.version}, Error.stackTraceLimit=${Error.stackTraceLimit}, call depth 9, median of ${a.repeats} x ${a.ms} ms`);
for (const [name, ns] of rows) console.log(`${name.padEnd(38)} ${ns.toFixed(0).padStart(6)} ns/call  (+${(ns - base).toFixed(0)} ns)`);
