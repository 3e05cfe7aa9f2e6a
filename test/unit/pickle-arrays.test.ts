// array.array over pickle: Python's pickles of every typecode at protocols 0-5 decode to the matching typed array
// (typecode kept), pickle back as the same array.array, and Python reads ours back equal; typed arrays made in
// TypeScript pickle with their natural typecode; the other serializers send arrays as Python's do (a list, 'u' a str).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runPython } from "../helpers/python.js";
import { pickle, UnicodeArray, arrayTypecode, pyArray } from "../../src/serializers/pickle.js";
import { serpent } from "../../src/serializers/serpent.js";
import { json } from "../../src/serializers/json.js";
import { marshal } from "../../src/serializers/marshal.js";
import { msgpack } from "../../src/serializers/msgpack.js";
import { Float } from "../../src/serializers/values.js";
import { SerializeError } from "../../src/errors.js";

const CTORS: Record<string, unknown> = {
  b: Int8Array, B: Uint8ClampedArray, h: Int16Array, H: Uint16Array, i: Int32Array, I: Uint32Array,
  l: BigInt64Array, L: BigUint64Array, q: BigInt64Array, Q: BigUint64Array, f: Float32Array, d: Float64Array,
};
// the extreme values of every typecode (as Python's 64-bit Linux sizes have them), plus ordinary ones
const VALUES_PY = `
import array
VALUES = {
  'b': [-128, -1, 0, 1, 127], 'B': [0, 1, 128, 255], 'h': [-32768, -1, 0, 32767], 'H': [0, 1, 65535],
  'i': [-2**31, -1, 0, 2**31-1], 'I': [0, 1, 2**32-1], 'l': [-2**63, -1, 0, 2**63-1], 'L': [0, 1, 2**64-1],
  'q': [-2**63, -1, 0, 2**53+1, 2**63-1], 'Q': [0, 2**64-1], 'f': [1.5, -0.0, float('inf'), -2.5e-30, 3.0],
  'd': [1.5, -0.0, float('inf'), 1e300, 5e-324, 2.0], 'u': 'a\\xe9\\u20ac\\U0001F600', 'i0': [],
}
def mk(k):
    return array.array(k[0], VALUES[k])
`;

test("pickle: Python's array.array of every typecode at protocols 0-5 decodes to its typed array and goes back equal", () => {
  const pickles = JSON.parse(runPython(["-c", `${VALUES_PY}
import pickle, json
print(json.dumps([[k, p, pickle.dumps(mk(k), p).hex()] for k in VALUES for p in range(6)]))`])) as [string, number, string][];
  assert.equal(pickles.length, 14 * 6);
  const back: [string, number, string][] = [];
  for (const [k, p, hex] of pickles) {
    const tc = k[0]!;
    const v = pickle.deserializeData(Buffer.from(hex, "hex"));
    if (tc === "u") {
      assert.ok(v instanceof UnicodeArray, `${k} p${p}`);
      assert.equal(v.value, "a\u00e9\u20ac\u{1F600}");
    } else {
      assert.equal(Object.getPrototypeOf(v), (CTORS[tc] as { prototype: object }).prototype, `${k} p${p}`);
    }
    assert.equal(arrayTypecode(v), tc, `${k} p${p}`);
    back.push([k, p, Buffer.from(pickle.serializeData(v) as Uint8Array).toString("hex")]);
  }
  const out = runPython(["-c", `${VALUES_PY}
import pickle, json, sys, math
n = 0
for k, p, h in json.load(sys.stdin):
    x = pickle.loads(bytes.fromhex(h))
    want = mk(k)
    assert type(x) is array.array and x.typecode == want.typecode and x == want, (k, p, x)
    # -0.0 stays -0.0
    assert [math.copysign(1, v) for v in x] == [math.copysign(1, v) for v in want] if k[0] in 'fd' else True
    n += 1
print(n)`], { input: JSON.stringify(back) });
  assert.equal(out.trim(), String(14 * 6));
});

test("pickle: typed arrays made in TypeScript arrive as array.array with their natural typecode", () => {
  const cases: [string, unknown][] = [
    ["b", new Int8Array([-128, 127])], ["B", new Uint8ClampedArray([0, 255])], ["h", new Int16Array([-32768, 7])],
    ["H", new Uint16Array([65535])], ["i", new Int32Array([-(2 ** 31), 5])], ["I", new Uint32Array([2 ** 32 - 1])],
    ["q", new BigInt64Array([-(2n ** 63n), 1n])], ["Q", new BigUint64Array([2n ** 64n - 1n])],
    ["f", new Float32Array([1.5, -0])], ["d", new Float64Array([0.1, 2])], ["l", pyArray("l", [1, -2n])],
    ["L", pyArray("L", [3n])], ["u", pyArray("u", "x\u{1F600}")], ["i", new Int32Array(new ArrayBuffer(12), 4, 2)],
    ["d", new Float64Array(0)],
  ];
  const hexes = cases.map(([, v]) => Buffer.from(pickle.serializeData(v) as Uint8Array).toString("hex"));
  const out = runPython(["-c", `
import pickle, json, sys, array
print(json.dumps([[x.typecode, x.tounicode() if x.typecode == 'u' else x.tolist()] for x in (pickle.loads(bytes.fromhex(h)) for h in json.load(sys.stdin))]))`], {
    input: JSON.stringify(hexes),
  });
  const got = JSON.parse(out) as [string, unknown][];
  assert.deepEqual(got.map((g) => g[0]), cases.map((c) => c[0]));
  assert.deepEqual(got[0]![1], [-128, 127]);
  assert.deepEqual(got[9]![1], [0.1, 2]);
  assert.equal(got[12]![1], "x\u{1F600}");
  assert.deepEqual(got[13]![1], [0, 0]);
  // a Uint8Array / Buffer stays bytes
  const b = pickle.deserializeData(pickle.serializeData(new Uint8Array([1, 2])) as Uint8Array);
  assert.ok(Buffer.isBuffer(b));
});

test("pickle: array.array(typecode, list|str|bytes) as Pyrolite and protocols 0-2 write it; bad arrays refused", () => {
  const py = runPython(["-c", `
import pickle, array
print(pickle.dumps(array.array('i', [1, 2]), 2).hex())
print(pickle.dumps(array.array('u', 'hi'), 2).hex())`]).trim().split("\n");
  assert.deepEqual([...(pickle.deserializeData(Buffer.from(py[0]!, "hex")) as Int32Array)], [1, 2]);
  assert.equal((pickle.deserializeData(Buffer.from(py[1]!, "hex")) as UnicodeArray).value, "hi");
  // hand-written protocol 2: array.array('u', 'hey') and array.array('h', b'\x01\x00\xff\xff') (machine bytes)
  const g = "\x80\x02carray\narray\n";
  const u = pickle.deserializeData(Buffer.from(`${g}X\x01\x00\x00\x00uX\x03\x00\x00\x00hey\x86R.`, "latin1"));
  assert.equal((u as UnicodeArray).value, "hey");
  const h = pickle.deserializeData(Buffer.from(`${g}X\x01\x00\x00\x00hC\x04\x01\x00\xff\xff\x86R.`, "latin1"));
  assert.deepEqual([...(h as Int16Array)], [1, -1]);
  const bad = (s: string, re: RegExp) => assert.throws(() => pickle.deserializeData(Buffer.from(s, "latin1")), (e: unknown) => e instanceof SerializeError && re.test(e.message));
  bad(`${g}X\x01\x00\x00\x00b]K\xc8a\x86R.`, /out of range/); // 200 in 'b'
  bad(`${g}X\x01\x00\x00\x00z]\x86R.`, /unsupported typecode/);
  bad(`${g}X\x01\x00\x00\x00i]G?\xf8\x00\x00\x00\x00\x00\x00a\x86R.`, /needs integers/);
  const rec = "\x80\x03carray\n_array_reconstructor\n(carray\narray\n";
  bad(`${rec}X\x01\x00\x00\x00iK\x08C\x03abctR.`, /multiple of item size/);
  bad(`${rec}X\x01\x00\x00\x00iK\x63C\x04abcdtR.`, /machine format code/);
  bad(`${rec}X\x01\x00\x00\x00iK\x10C\x08abcdabcdtR.`, /does not match/);
  bad("\x80\x03carray\n_array_reconstructor\n(cbuiltins\nlist\nX\x01\x00\x00\x00iK\x08C\x04abcdtR.", /must be array\.array/);
  // big-endian machine formats (a big-endian peer) are converted
  const be = pickle.deserializeData(Buffer.from(`${rec}X\x01\x00\x00\x00iK\x09C\x08\x00\x00\x00\x01\xff\xff\xff\xfetR.`, "latin1"));
  assert.deepEqual([...(be as Int32Array)], [1, -2]);
  // other array module names stay refused
  assert.throws(() => pickle.deserializeData(Buffer.from("\x80\x02carray\nArrayType\n)R.", "latin1")), SerializeError);
  // arrays are unhashable, as in Python
  assert.throws(() => pickle.deserializeData(Buffer.from(`\x80\x04\x8f(${g}X\x01\x00\x00\x00i]\x86R\x90.`, "latin1")), /unhashable/);
  assert.throws(() => pyArray("i", [2 ** 31]), /out of range/);
});

test("serpent, json, marshal, msgpack: typed arrays go as Python's serializers send array.array (a list, 'u' a str)", () => {
  const v = { i: new Int32Array([1, -2]), d: new Float64Array([2, 0.5]), q: new BigInt64Array([2n ** 60n]), B: new Uint8ClampedArray([7]), u: pyArray("u", "hi") };
  for (const s of [serpent, json, marshal, msgpack]) {
    const back = s.deserializeData(s.serializeData(v) as Uint8Array) as Record<string, unknown>;
    assert.deepEqual([...(back.i as unknown[])], [1, -2], s.name);
    assert.deepEqual((back.d as unknown[]).map((x) => (x instanceof Float ? x.value : x)), [2, 0.5], s.name);
    assert.equal((back.q as unknown[])[0], 2n ** 60n, s.name);
    assert.deepEqual([...(back.B as unknown[])], [7], s.name);
    assert.equal(back.u, "hi", s.name);
  }
  // floats stay floats: Python's tolist() gives 2.0
  assert.match(Buffer.from(serpent.serializeData(new Float64Array([2])) as Uint8Array).toString(), /\[2\.0\]/);
});
