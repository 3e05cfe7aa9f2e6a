// In-process A/B of the pickle serializer (issue 24: did the richer value model slow common types?): another checkout's
// pickle (before) against this one's (after) in one process, the cases of bench/lib/micro.ts plus datetimes and sets,
// in interleaved rounds, as operations per CPU second (process.cpuUsage), so that the load of other processes on a
// shared machine counts less than it does in wall-clock rows.
// usage: node --import tsx bench/profile/pickle-ab.ts <other checkout, e.g. a worktree of main> [rounds=15]
import { resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { PYTHON } from "../lib/procs.js";
import { pathToFileURL } from "node:url";
import * as V from "../../src/serializers/values.js";
import { pickle as mine } from "../../src/serializers/pickle.js";

const other = resolve(process.argv[2] ?? ".");
const base = ((await import(pathToFileURL(`${other}/src/serializers/pickle.ts`).href)) as { pickle: typeof mine }).pickle;
const TYPICAL = { name: "widget-42", id: 123456, price: 19.99, tags: ["red", "green", "blue"], active: true, dims: [1.5, 2.5, 3.5], owner: { first: "Ann", last: "Lee", age: 37 } };
const BLOB = Buffer.alloc(65536); for (let i = 0; i < BLOB.length; i++) BLOB[i] = i & 255;
const dates = Array.from({ length: 20 }, (_, i) => new Date(Date.UTC(2020, 0, 1 + i, 1, 2, 3, 4)));
const pydates = Array.from({ length: 20 }, (_, i) => new V.PyDateTime(2020, 1, 1 + i, 1, 2, 3, 4567, { utcoffset: 3600 }));
const BATCH = Array.from({ length: 100 }, () => V.tuple("ping", V.tuple(), {}));
// the same calls made with the other checkout's Tuple (its encoder knows tuples by its own class)
const baseV = (await import(pathToFileURL(`${other}/src/serializers/values.ts`).href)) as typeof V;
const BATCH_BASE = Array.from({ length: 100 }, () => baseV.tuple("ping", baseV.tuple(), {}));
const PY_BATCH = Buffer.from(execFileSync(PYTHON, ["-c", "import pickle; print(pickle.dumps(('bench', '<batch>', [('ping', (), {}) for i in range(100)], None), 5).hex())"], { encoding: "utf8" }).trim(), "hex");
const sets = Array.from({ length: 20 }, (_, i) => new Set([i, i + 1, "x" + i]));
type S = typeof mine;
const cases: [string, (s: S) => () => unknown][] = [
  ["small ser", (s) => () => s.serializeCall("bench", "ping", [], {})],
  ["small de", (s) => { const d = s.serializeCall("bench", "ping", [], {}); return () => s.deserializeCall(d); }],
  // the same call as Python Pyro4 pickles it (protocol 5, memo stores)
  ["small de, Python's pickle", (s) => { const d = Buffer.from("8005951600000000000000288c0562656e6368948c0470696e6794297d9474942e", "hex"); return () => s.deserializeCall(d); }],
  // what the daemon decodes for a batch of 100 ping() calls from our client (issue 28: batch over pickle), with the
  // daemon's batch option (DeserializeOptions.batch; a checkout without it ignores it), and from Python's client
  // (encoded by this checkout for both: the other checkout's encoder would not see this checkout's Tuples as tuples)
  ["batch of 100 de", (s) => { const d = mine.serializeCall("bench", "<batch>", BATCH, null); return () => s.deserializeCall(d, { batch: true }); }],
  ["batch of 100 ser (our client's)", (s) => { const b = s === mine ? BATCH : BATCH_BASE; return () => s.serializeCall("bench", "<batch>", b, null); }],
  ["batch of 100 de, Python's pickle", (s) => () => s.deserializeCall(PY_BATCH, { batch: true })],
  ["typical ser", (s) => () => s.serializeCall("bench", "store", ["widgets", 42, TYPICAL], {})],
  ["typical de", (s) => { const d = s.serializeCall("bench", "store", ["widgets", 42, TYPICAL], {}); return () => s.deserializeCall(d); }],
  ["bytes64k ser", (s) => () => s.serializeDataParts!(BLOB)],
  ["bytes64k de", (s) => { const d = s.serializeData(BLOB); return () => s.deserializeData(d, { zeroCopy: true }); }],
  ["20 Dates ser", (s) => () => s.serializeData(dates)],
  ["20 datetimes de", (s) => { const d = s.serializeData(dates); return () => s.deserializeData(d); }],
  ["20 sets ser", (s) => () => s.serializeData(sets)],
  ["20 sets de", (s) => { const d = s.serializeData(sets); return () => s.deserializeData(d); }],
  ["20 aware PyDateTime ser (before: as naive)", (s) => () => s.serializeData(pydates)],
];
/** ops per CPU second (process.cpuUsage: time the machine's other load takes from us is not counted). */
function rate(fn: () => unknown, ms: number): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0; const c0 = process.cpuUsage(); const t0 = performance.now();
  while (performance.now() - t0 < ms) { for (let i = 0; i < 50; i++) fn(); n += 50; }
  const c = process.cpuUsage(c0);
  return n * 1e6 / (c.user + c.system);
}
const med = (a: number[]) => { const b = [...a].sort((x, y) => x - y); return b[b.length >> 1]!; };
const rounds = Number(process.argv[3] ?? 15);
const only = process.env.AB_ONLY ? new RegExp(process.env.AB_ONLY) : null;
for (const [name, mk] of cases) {
  if (only && !only.test(name)) continue;
  const fb = mk(base), fm = mk(mine);
  const rb: number[] = [], rm: number[] = [], ratio: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let b: number, m: number;
    if (r % 2) { m = rate(fm, 150); b = rate(fb, 150); } else { b = rate(fb, 150); m = rate(fm, 150); }
    rb.push(b); rm.push(m); ratio.push(m / b);
  }
  const f = (n: number) => n >= 1e6 ? (n / 1e6).toFixed(2) + "M" : (n / 1e3).toFixed(0) + "k";
  console.log(`${name.padEnd(36)} before ${f(med(rb)).padStart(7)}  after ${f(med(rm)).padStart(7)}  after/before ${med(ratio).toFixed(2)} [${Math.min(...ratio).toFixed(2)}-${Math.max(...ratio).toFixed(2)}]`);
}
