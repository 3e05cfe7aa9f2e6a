// Our client's batches on the wire: the recorder keeps each call as a plain [method, args, kwargs] array and marks
// only the call list (serializers/batch-calls.ts), and the tuple formats must still write every call as a
// (method, args tuple, kwargs) tuple. For each serializer a batch with tuple arguments (nested, shared between
// calls, empty, big) goes to a real Python Pyro4 daemon: the request payload must be byte for byte what the
// serializer writes for the calls built as Tuples (the representation before), Python's own loads() must read it
// as exactly the expected structure and types, and the results must come back identical.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import dc from "node:diagnostics_channel";
import { runPython, startPython, type PythonServer } from "../helpers/python.js";
import { Proxy } from "../../src/client/proxy.js";
import { kwargs } from "../../src/client/support.js";
import { getSerializer } from "../../src/serializers/index.js";
import { Tuple, toTuple, tuple } from "../../src/serializers/values.js";
import { FLAGS_BATCH } from "../../src/protocol/message.js";
import type { FrameMessage } from "../../src/observe/channels.js";

let server: PythonServer;
before(async () => {
  server = await startPython(["client_server.py", "--accept", "serpent,json,marshal,msgpack,pickle"], /^URI (\S+)/);
});
after(async () => {
  await server?.stop();
});

// The argument values, defined once in Python and read here from Python's pickle (shared tuples stay shared).
const VALUES = `
T = (1, (2, ()), "t")
common = [(), (1,), ((),), (((),),), ((1, 2), [3, (4,)], {"k": (5, 6)}), [(), ()], T, (T, T), [T, (T,)],
          ("x",) * 7, tuple(range(300)), "s", 5, None, 2.5, True, {"d": [T]}]
extra = {"pickle": [frozenset({(1, "a")}), {(1, 2): (3,)}], "marshal": [frozenset({(1, "a")}), {(1, 2): (3,)}]}
def values(ser):
    return common + extra.get(ser, [])
`;

// Python reads our payload with its own loads() and compares it, types included, with the batch it expects.
const CHECK = `
import sys, pickle, marshal, serpent
${VALUES}
def same(a, b):
    if type(a) is not type(b): return False
    if isinstance(a, (list, tuple)): return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict): return len(a) == len(b) and all(k in b and same(v, b[k]) for k, v in a.items())
    return a == b
ser, data = sys.argv[1], bytes.fromhex(sys.stdin.read())
vs = values(ser)
calls = [("echo", (v,), {}) for v in vs] + [("kw", v if isinstance(v, tuple) else (v, v), {"k": v}) for v in vs] + [("kw", (), {})]
got = {"pickle": pickle.loads, "marshal": marshal.loads, "serpent": serpent.loads}[ser](data)
want = ("thing", "<batch>", list(calls) if ser == "marshal" else tuple(calls), None)
if not same(got, want):
    print("MISMATCH", repr(got)[:2000]); sys.exit(1)
print("ok")
`;

function valuesFor(ser: string): unknown[] {
  const hex = runPython(["-c", `import pickle\n${VALUES}\nprint(pickle.dumps(values(${JSON.stringify(ser)}), 4).hex())`]).trim();
  return getSerializer("pickle").deserializeData(Buffer.from(hex, "hex")) as unknown[];
}

/** The batch's request payloads sent while `fn` runs (pyro4:frame:send). */
async function batchPayloads(fn: () => Promise<unknown>): Promise<Buffer[]> {
  const sent: Buffer[] = [];
  const onFrame = (m: unknown) => {
    const f = m as FrameMessage;
    if (f.side === "client" && f.flags & FLAGS_BATCH) sent.push(Buffer.from(f.data));
  };
  dc.subscribe("pyro4:frame:send", onFrame);
  try {
    await fn();
  } finally {
    dc.unsubscribe("pyro4:frame:send", onFrame);
  }
  return sent;
}

/** Record the test batch on a proxy with serializer `ser` and send it; returns the results. */
async function runBatch(ser: string, values: unknown[]): Promise<unknown> {
  await using p = new Proxy(server.ready, { serializer: ser as "pickle" });
  const b = p.$batch();
  const each = values.map((v) => b.echo(v));
  for (const v of values) void (v instanceof Tuple ? b.kw(...v, kwargs({ k: v })) : b.kw(v, v, kwargs({ k: v })));
  void b.kw();
  const results = (await b.$send()) as unknown[];
  assert.deepStrictEqual(await Promise.all(each), results.slice(0, values.length), "every call's own promise has its result");
  return results;
}

/** The calls as the client built them before: Tuples (method, tuple(args), kwargs). */
function tupleCalls(values: unknown[]): unknown[] {
  return [
    ...values.map((v) => tuple("echo", tuple(v), {})),
    ...values.map((v) => tuple("kw", v instanceof Tuple ? toTuple(v) : tuple(v, v), { k: v })),
    tuple("kw", tuple(), {}),
  ];
}

for (const ser of ["pickle", "serpent", "marshal", "json", "msgpack"]) {
  test(`${ser}: our client's batch with tuple arguments goes to Python Pyro4 as the same bytes and comes back identical`, async () => {
    const values = valuesFor(ser);
    let results: unknown;
    const [payload, ...more] = await batchPayloads(async () => void (results = await runBatch(ser, values)));
    assert.ok(payload && more.length === 0, "one batch request sent");
    // byte for byte what the serializer writes for the calls as Tuples (json and msgpack: plain lists as before)
    const s = getSerializer(ser as "pickle");
    const old = s.tuples ? tupleCalls(values) : tupleCalls(values).map((c) => [...(c as unknown[])].map((x) => (x instanceof Tuple ? [...x] : x)));
    assert.ok(payload.equals(s.serializeCall("thing", "<batch>", old, null)), `${ser} batch payload differs from the Tuple encoding`);
    if (s.tuples) assert.equal(runPython(["-c", CHECK, ser], { input: payload.toString("hex") }).trim(), "ok");
    // the results: what Python's echo and kw return, tuples as tuples where the format has them
    const keep = (v: unknown): unknown => (s.tuples ? v : JSON.parse(JSON.stringify(v)));
    const want = [...values.map(keep), ...values.map((v) => keep([v instanceof Tuple ? [...v] : [v, v], { k: v }])), [[], {}]];
    assert.deepStrictEqual(results, want);
  });
}

test("a pyro4:client:call subscriber still sees a batch's calls as tuples, and the bytes do not change", async () => {
  const values = valuesFor("pickle");
  const seen: unknown[][] = [];
  const handlers = { start: (m: unknown) => void seen.push((m as { args: unknown[] }).args), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
  const tc = dc.tracingChannel("pyro4:client:call");
  tc.subscribe(handlers);
  let payloads: Buffer[];
  try {
    payloads = await batchPayloads(() => runBatch("pickle", values));
  } finally {
    tc.unsubscribe(handlers);
  }
  assert.equal(payloads.length, 1);
  assert.ok(payloads[0]!.equals(getSerializer("pickle").serializeCall("thing", "<batch>", tupleCalls(values), null)));
  const calls = seen.find((a) => a.length === 2 * values.length + 1)!;
  assert.ok(calls, "the batch call was published");
  for (const c of calls) assert.ok(c instanceof Tuple && c[1] instanceof Tuple, "each call and its args are tuples");
});
