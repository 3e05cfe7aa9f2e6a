// Instructions per pickle decode under valgrind (callgrind), for a checkout of this repository and for Python's C
// pickle: counts that a loaded machine does not move, unlike ops/s (issue 28 item 3). Each figure is
// (instructions of a run with n decodes - instructions of the same run with 0) / n, after the same warm-up, so
// start-up and JIT compilation cancel out. Python under valgrind allocates through malloc rather than pymalloc
// (its valgrind detection), which inflates its counts: compare checkouts with each other, Python only roughly.
// Batches (issue 28: batch over pickle) decode as the daemon does, with DeserializeOptions.batch (a checkout
// without it ignores the option): "batch" is 100 ping() calls as our client writes them, "pybatch" as Python's does.
// usage: node --import tsx bench/profile/pickle-instr.ts [--checkouts /work/main,.] [--cases small,pysmall,typical,batch,pybatch] [--n 100000] [--python] [--single-threaded]
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PYTHON } from "../lib/procs.js";
import { bundleDriver, instructions } from "./callgrind.js";

const { values: a } = parseArgs({
  options: {
    checkouts: { type: "string", default: "." },
    cases: { type: "string", default: "small,pysmall,typical,batch,pybatch" },
    n: { type: "string", default: "100000" },
    python: { type: "boolean", default: false },
    // node --single-threaded: no background compiler threads, whose work otherwise lands in the measured decodes
    // when valgrind slows them past the warm-up (for the batch cases, a few thousand decodes, it dominated)
    "single-threaded": { type: "boolean", default: false },
  },
});
const N = Number(a.n);
const dir = mkdtempSync(join(tmpdir(), "pickle-instr-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** 100 ping() calls as Python Pyro4's batch pickles them (a list of call tuples, protocol 5, memo stores). */
const PY_BATCH = spawnSync(PYTHON, ["-c", "import pickle; print(pickle.dumps(('bench', '<batch>', [('ping', (), {}) for i in range(100)], None), 5).hex())"], { encoding: "utf8" }).stdout.trim();

const DRIVER = (root: string) => `
import { getSerializer } from "${root}/src/protocol/index.js";
import { tuple } from "${root}/src/serializers/values.js";
const s = getSerializer("pickle");
const TYPICAL = { name: "widget-42", id: 123456, price: 19.99, tags: ["red", "green", "blue"], active: true, dims: [1.5, 2.5, 3.5], owner: { first: "Ann", last: "Lee", age: 37 } };
const data = {
  small: s.serializeCall("bench", "ping", [], {}),
  // the same call as Python Pyro4 pickles it (protocol 5, memo stores)
  pysmall: Buffer.from("8005951600000000000000288c0562656e6368948c0470696e6794297d9474942e", "hex"),
  typical: s.serializeCall("bench", "store", ["widgets", 42, TYPICAL], {}),
  batch: s.serializeCall("bench", "<batch>", Array.from({ length: 100 }, () => tuple("ping", tuple(), {})), null),
  pybatch: Buffer.from(${JSON.stringify(PY_BATCH)}, "hex"),
};
const d = data[process.argv[2]];
// the daemon's options for a FLAGS_BATCH message
const o = process.argv[2].endsWith("batch") ? { batch: true } : undefined;
for (let i = 0; i < 20000; i++) s.deserializeCall(d, o);
for (let i = 0, n = Number(process.argv[3]); i < n; i++) s.deserializeCall(d, o);
`;

const PY_DRIVER = `
import sys, Pyro4.util
s = Pyro4.util.get_serializer("pickle")
TYPICAL = {"name": "widget-42", "id": 123456, "price": 19.99, "tags": ["red", "green", "blue"], "active": True, "dims": [1.5, 2.5, 3.5], "owner": {"first": "Ann", "last": "Lee", "age": 37}}
data = {"small": s.serializeCall("bench", "ping", (), {})[0], "typical": s.serializeCall("bench", "store", ("widgets", 42, TYPICAL), {})[0],
        "batch": s.serializeCall("bench", "<batch>", [("ping", (), {}) for i in range(100)], None)[0]}
data["pysmall"] = data["small"]
data["pybatch"] = data["batch"]
d = data[sys.argv[1]]; f = s.deserializeCall
for _ in range(20000): f(d)
for _ in range(int(sys.argv[2])): f(d)
`;

/** Decodes per case: the whole N for small messages, fewer for the big ones (valgrind runs them about 50x slower). */
const SCALE: Record<string, number> = { small: 1, pysmall: 1, typical: 0.2, batch: 0.02, pybatch: 0.02 };
const perOp = (cmd: string, c: string, args: (n: number) => string[]) => {
  const n = Math.max(100, Math.round(N * (SCALE[c] ?? 1)));
  return (instructions(cmd, args(n)) - instructions(cmd, args(0))) / n;
};

const cases = a.cases!.split(",");
for (const [i, checkout] of a.checkouts!.split(",").entries()) {
  const root = resolve(checkout);
  const out = await bundleDriver(dir, i, DRIVER(root));
  for (const c of cases) process.stdout.write(`${root} ${c}: ${perOp(process.execPath, c, (n) => [...(a["single-threaded"] ? ["--single-threaded"] : []), out, c, String(n)]).toFixed(0)} instructions per decode\n`);
}
if (a.python) {
  const py = join(dir, "driver.py");
  writeFileSync(py, PY_DRIVER);
  for (const c of cases) process.stdout.write(`Python ${c}: ${perOp(PYTHON, c, (n) => [py, c, String(n)]).toFixed(0)} instructions per decode\n`);
}
