// deserializeCall's decoder leaves the call's vargs tuple a plain array (it hands vargs on as one anyway, and giving
// an array Tuple's prototype costs more than the rest of a small call's decoding). These tests pin that the
// shortcut never shows: wherever else that tuple ends up (a dict key, a set item, the memo, DUP, a global's
// arguments, inside another tuple), it is a real Tuple, and appending to it fails as in Python. Every pickle here is
// first checked against Python's own pickle.loads.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SerializeError } from "../../src/errors.js";
import { pickle } from "../../src/serializers/pickle.js";
import { unpickle } from "../../src/serializers/pickle-decode.js";
import { FrozenSet, Tuple, isPlainObject } from "../../src/serializers/values.js";
import { runPython } from "../helpers/python.js";

const bin = (...parts: (number[] | string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
const u = (s: string) => bin([0x8c, s.length], s); // SHORT_BINUNICODE
const PROTO = [0x80, 4];
const [MARK, EMPTY_TUPLE, EMPTY_DICT, EMPTY_SET, EMPTY_LIST, NONE, STOP] = [[0x28], [0x29], [0x7d], [0x8f], [0x5d], [0x4e], [0x2e]];
const [SETITEM, APPEND, ADDITEMS, TUPLE, TUPLE1, TUPLE2, DUP, DICT, MEMOIZE, POP, STACK_GLOBAL, REDUCE] = [
  [0x73], [0x61], [0x90], [0x74], [0x85], [0x86], [0x32], [0x64], [0x94], [0x30], [0x93], [0x52],
];
const BINGET0 = [0x68, 0];

/** Python's repr of the few value kinds used here; `outerTuple` renders a call's plain outer array as the tuple it stands for. */
function repr(v: unknown, outerTuple = false): string {
  if (v === null) return "None";
  if (typeof v === "string") return `'${v}'`;
  if (v instanceof FrozenSet) return `frozenset({${[...v].map((x) => repr(x)).join(", ")}})`;
  if (v instanceof Set) return v.size ? `{${[...v].map((x) => repr(x)).join(", ")}}` : "set()";
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(", ")}}`;
  if (v instanceof Tuple || (outerTuple && Array.isArray(v))) return `(${v.map((x) => repr(x)).join(", ")}${v.length === 1 ? "," : ""})`;
  if (Array.isArray(v)) return `[${v.map((x) => repr(x)).join(", ")}]`;
  if (typeof v === "object" && isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `'${k}': ${repr(x)}`).join(", ")}}`;
  throw new Error(`no repr for ${String(v)}`);
}

/** [name, pickle, what deserializeCall's decoder gives (outer rendered as a tuple; [] marks a plain-array vargs)]. */
const CASES: [string, Buffer, string][] = [
  ["plain call", bin(PROTO, MARK, u("o"), u("m"), EMPTY_TUPLE, EMPTY_DICT, TUPLE, STOP), "('o', 'm', [], {})"],
  ["plain call, vargs of two", bin(PROTO, MARK, u("o"), u("m"), u("a"), NONE, TUPLE2, EMPTY_DICT, TUPLE, STOP), "('o', 'm', ['a', None], {})"],
  ["the third item is a dict key", bin(PROTO, MARK, u("o"), EMPTY_DICT, EMPTY_TUPLE, NONE, SETITEM, u("x"), NONE, TUPLE, STOP), "('o', {(): None}, 'x', None)"],
  ["the third item is also a set item (memo)", bin(PROTO, MARK, u("o"), u("m"), EMPTY_TUPLE, MEMOIZE, EMPTY_SET, MARK, BINGET0, ADDITEMS, TUPLE, STOP), "('o', 'm', (), {()})"],
  ["the third item is also in kwargs (memo)", bin(PROTO, MARK, u("o"), u("m"), EMPTY_TUPLE, MEMOIZE, MARK, u("k"), BINGET0, DICT, TUPLE, STOP), "('o', 'm', (), {'k': ()})"],
  ["the third item inside another tuple", bin(PROTO, MARK, u("o"), u("m"), EMPTY_TUPLE, NONE, TUPLE2, NONE, TUPLE, STOP), "('o', 'm', ((), None), None)"],
  ["the third item duplicated (DUP)", bin(PROTO, MARK, u("o"), u("m"), EMPTY_TUPLE, DUP, TUPLE, STOP), "('o', 'm', (), ())"],
  ["the third item wrapped by TUPLE1 after it", bin(PROTO, MARK, u("o"), u("m"), EMPTY_TUPLE, TUPLE1, EMPTY_DICT, TUPLE, STOP), "('o', 'm', ((),), {})"],
  [
    "the third item passed to a global (frozenset)",
    bin(PROTO, MARK, u("o"), u("m"), EMPTY_TUPLE, MEMOIZE, POP, u("builtins"), u("frozenset"), STACK_GLOBAL, EMPTY_LIST, BINGET0, APPEND, TUPLE1, REDUCE, NONE, TUPLE, STOP),
    "('o', 'm', frozenset({()}), None)",
  ],
];

test("pickle call decoding: the test pickles mean in Python what deserializeData reads", () => {
  const script = "import pickle,sys\nfor h in sys.stdin.read().split():\n    print(repr(pickle.loads(bytes.fromhex(h))))\n";
  const py = runPython(["-c", script], { input: CASES.map(([, b]) => b.toString("hex")).join("\n") }).trim().split("\n");
  assert.equal(py.length, CASES.length);
  CASES.forEach(([name, data], i) => assert.equal(repr(pickle.deserializeData(data)), py[i], name));
});

test("pickle call decoding: only the call's own vargs stays a plain array; every other reference sees a Tuple", () => {
  for (const [name, data, expected] of CASES) {
    // twice: the pooled machine must not carry the shortcut from one message into the next
    for (let i = 0; i < 2; i++) assert.equal(repr(unpickle(data, false, true), true), expected, name);
  }
  const call = pickle.deserializeCall(CASES[4]![1]);
  assert.ok(Array.isArray(call.vargs) && !(call.vargs instanceof Tuple));
  assert.ok((call.kwargs as Record<string, unknown>).k instanceof Tuple, "the memo's copy is a tuple");
});

test("pickle call decoding: appending to the vargs tuple fails as in Python (a tuple has no append)", () => {
  const data = bin(PROTO, MARK, u("o"), u("m"), EMPTY_TUPLE, NONE, APPEND, EMPTY_DICT, TUPLE, STOP);
  assert.throws(() => runPython(["-c", "import pickle,sys; pickle.loads(bytes.fromhex(sys.argv[1]))", data.toString("hex")]), /AttributeError/);
  assert.throws(() => pickle.deserializeCall(data), (e: unknown) => e instanceof SerializeError && /APPEND on a value that is not a list/.test(e.message));
  assert.throws(() => pickle.deserializeData(data), SerializeError);
});
