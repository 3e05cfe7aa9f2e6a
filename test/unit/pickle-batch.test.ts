// deserializeCall with DeserializeOptions.batch (the daemon decoding a FLAGS_BATCH message): each call's
// (name, args, kwargs) tuple and its args tuple stay plain arrays, since the daemon only reads their items. These
// tests pin that the shortcut is taken (no prototype changes for a batch of plain calls) and that it never shows:
// every pickle is decoded by Python's pickle.loads too, and ours must give the same values, where only those two
// tuples per call may be plain arrays, and only where they are referenced from nowhere else (memo sharing, DUP,
// wrapping, appending, hashing and the batch mark taken by other opcodes all give real Tuples).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SerializeError } from "../../src/errors.js";
import { pickle } from "../../src/serializers/pickle.js";
import { unpickle } from "../../src/serializers/pickle-decode.js";
import { FrozenSet, Tuple, isPlainObject, newTuple, toTuple } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS } from "../../src/limits.js";
import { BATCH_NO_ARGS, BATCH_NO_KWARGS } from "../../src/serializers/batch-calls.js";
import { runPython } from "../helpers/python.js";

/** Python's repr of the value kinds used here; `canonical` holds the plain arrays that stand for tuples. */
function repr(v: unknown, canonical: Set<unknown>): string {
  const r = (x: unknown) => repr(x, canonical);
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return `'${v}'`;
  if (v instanceof FrozenSet) return v.size ? `frozenset({${[...v].map(r).join(", ")}})` : "frozenset()";
  if (v instanceof Set) return v.size ? `{${[...v].map(r).join(", ")}}` : "set()";
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${r(k)}: ${r(x)}`).join(", ")}}`;
  if (v instanceof Tuple || (Array.isArray(v) && canonical.has(v))) return `(${v.map(r).join(", ")}${v.length === 1 ? "," : ""})`;
  if (Array.isArray(v)) return `[${v.map(r).join(", ")}]`;
  if (typeof v === "object" && isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `'${k}': ${r(x)}`).join(", ")}}`;
  throw new Error(`no repr for ${String(v)}`);
}

/**
 * What Python says about each pickle: repr(pickle.loads(data)), then the Python types at the places the shortcut may
 * leave plain (a string: 'T' or 'L' for the vargs, then per call 'T'/'-' for the call and its args), then whether
 * the batch is one the shortcut must take (protocol 2+, no global named, at least two calls, each a 3-tuple, no list
 * or tuple referenced twice, so no memo fetch of one).
 */
const PY_SHAPES = `
import pickle, pickletools, sys
def shape(r):
    v = r[2]
    s = "T" if isinstance(v, tuple) else "L" if isinstance(v, list) else "?"
    if isinstance(v, (list, tuple)):
        for c in v:
            s += ("T" if isinstance(c, tuple) else "-") + ("T" if isinstance(c, tuple) and len(c) > 1 and isinstance(c[1], tuple) else "-")
    return s
def shared(x, seen):
    if isinstance(x, (list, tuple)) and len(x):
        if id(x) in seen: return True
        seen.add(id(x))
    if isinstance(x, (list, tuple, set, frozenset)): return any(shared(y, seen) for y in x)
    if isinstance(x, dict): return any(shared(k, seen) or shared(y, seen) for k, y in x.items())
    return False
for line in sys.stdin.read().split():
    d = bytes.fromhex(line)
    try:
        r = pickle.loads(d)
    except Exception as e:
        print("ERROR " + type(e).__name__); print("-"); print("-"); continue
    print(repr(r))
    ok = isinstance(r, tuple) and len(r) == 4 and isinstance(r[2], (list, tuple))
    print(shape(r) if ok else "-")
    proto = d[1] if d[0] == 0x80 else 0
    globs = any(op.name in ("GLOBAL", "STACK_GLOBAL", "INST", "OBJ") for op, _, _ in pickletools.genops(d))
    fast = ok and proto >= 2 and not globs and len(r[2]) >= 2 and all(isinstance(c, tuple) and len(c) == 3 for c in r[2]) and not shared(r, set())
    print("fast" if fast else "-")
`;

interface PyView {
  repr: string;
  shape: string;
  fast: boolean;
}
function python(pickles: Buffer[]): PyView[] {
  const lines = runPython(["-c", PY_SHAPES], { input: pickles.map((b) => b.toString("hex")).join("\n") }).split("\n");
  return pickles.map((_, i) => ({ repr: lines[3 * i]!, shape: lines[3 * i + 1]!, fast: lines[3 * i + 2] === "fast" }));
}

/** The plain arrays of a batch result that stand for tuples: where Python has tuples, at the shortcut's places only. */
function canonical(result: unknown[], shape: string): Set<unknown> {
  const set = new Set<unknown>([result]);
  const vargs = result[2];
  if (!Array.isArray(vargs)) return set;
  if (shape[0] === "T") set.add(vargs);
  vargs.forEach((c, i) => {
    if (!Array.isArray(c)) return;
    if (shape[1 + 2 * i] === "T") set.add(c);
    if (shape[2 + 2 * i] === "T") set.add(c[1]);
  });
  return set;
}

/** Decode as the daemon does for a batch; a plain-array result or a SerializeError's message. */
function decodeBatch(data: Buffer): unknown[] | string {
  try {
    return unpickle(data, false, true, DEFAULT_LIMITS, true) as unknown[];
  } catch (e) {
    if (e instanceof SerializeError) return `ERROR ${e.message}`;
    throw e;
  }
}

/**
 * The shared empties of a call without arguments (BATCH_NO_ARGS, BATCH_NO_KWARGS) may only be the args and kwargs of
 * a call left plain in the vargs: wherever else a value can be seen, it must be a fresh () or {} of its own.
 */
function noSharedEmpties(name: string, r: unknown[]): void {
  const vargs = r[2];
  const allowed = new Set<unknown>();
  if (Array.isArray(vargs)) for (const c of vargs) if (Array.isArray(c) && !(c instanceof Tuple)) allowed.add(c);
  const seen = new Set<unknown>();
  const walk = (v: unknown, parent: unknown, i: unknown): void => {
    if (v === BATCH_NO_ARGS || v === BATCH_NO_KWARGS)
      assert.ok(allowed.has(parent) && (i === 1 || i === 2), `${name}: a shared empty ${v === BATCH_NO_ARGS ? "()" : "{}"} is visible at ${String(i)}`);
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) v.forEach((x, j) => walk(x, v, j));
    else if (v instanceof Map) for (const [k, x] of v) (walk(k, v, "key"), walk(x, v, k));
    else if (v instanceof Set) for (const x of v) walk(x, v, "item");
    else for (const [k, x] of Object.entries(v)) walk(x, v, k);
  };
  walk(r, null, null);
}

/** Our rendering must be Python's, whatever the shortcut did; returns whether it left any call or args plain. */
function check(name: string, data: Buffer, py: PyView): boolean {
  // twice: the pooled machine must not carry batch state from one message into the next
  let plain = false;
  for (let round = 0; round < 2; round++) {
    const r = decodeBatch(data);
    if (typeof r === "string") {
      assert.ok(py.repr.startsWith("ERROR"), `${name}: ours failed (${r}), Python gave ${py.repr}`);
      return false;
    }
    assert.ok(!py.repr.startsWith("ERROR"), `${name}: Python failed (${py.repr}), ours gave a value`);
    assert.equal(repr(r, canonical(r, py.shape)), py.repr, name);
    noSharedEmpties(name, r);
    const vargs = r[2];
    plain = Array.isArray(vargs) && vargs.some((c) => Array.isArray(c) && (!(c instanceof Tuple) || (Array.isArray(c[1]) && !(c[1] instanceof Tuple))));
  }
  // and without the hint nothing is plain but the outer array and the vargs (what deserializeCall did before)
  const r = unpickle(data, false, true) as unknown[];
  assert.equal(repr(r, new Set([r, ...(py.shape[0] === "T" ? [r[2]] : [])])), py.repr, `${name} (no hint)`);
  return plain;
}

// Random batches as Python's client writes them (a list of call tuples), at every protocol, with tuples inside the
// args (nested, empty, as dict keys and frozenset items), and tuples, args tuples and whole calls shared through the
// memo (what a Python caller gets by passing the same object twice, or by building the calls list itself).
const GEN = `
import pickle, random, sys
random.seed(int(sys.argv[1]))
n = int(sys.argv[2])
shared = []
def val(d):
    r = random.random()
    if d > 3 or r < 0.3: return random.choice([1, -7, "s", "", None, True, False])
    if r < 0.5:
        t = tuple(val(d + 1) for _ in range(random.randint(0, 5)))
        if random.random() < 0.2: shared.append(t)
        return t
    if r < 0.58 and shared: return random.choice(shared)
    if r < 0.7: return [val(d + 1) for _ in range(random.randint(0, 3))]
    if r < 0.8: return {(1, random.randint(0, 9)): val(d + 1), "k": val(d + 1)}
    if r < 0.85: return frozenset({(random.randint(0, 9), "f")})
    return {"a": val(d + 1)}
def batch(size):
    calls = []
    for i in range(size):
        args = tuple(val(0) for _ in range(random.choice([0, 0, 1, 2, 3, 4, 6])))
        if random.random() < 0.05: shared.append(args)
        call = (random.choice(["ping", "echo", "m"]), args, random.choice([{}, {}, {"k": val(1)}]))
        if random.random() < 0.03: shared.append(call)
        calls.append(call)
        if random.random() < 0.03: calls.append(random.choice(calls))
    return ("obj", "<batch>", calls, None)
out = []
for i in range(n):
    shared.clear()
    size = random.choice([0, 1, 2, 3, 5, 10, 30])
    proto = random.choice([0, 1, 2, 3, 4, 5, 5, 5])
    out.append(pickle.dumps(batch(size), protocol=proto).hex())
shared.clear()
out.append(pickle.dumps(batch(2500), protocol=5).hex())  # several APPENDS of 1000
print("\\n".join(out))
`;

test("pickle batch decoding: random Python batches decode as pickle.loads reads them, plain only where unseen", () => {
  const pickles = runPython(["-c", GEN, "28", "400"]).trim().split("\n").map((h) => Buffer.from(h, "hex"));
  const views = python(pickles);
  let fast = 0;
  pickles.forEach((data, i) => {
    const plain = check(`python batch ${i}`, data, views[i]!);
    if (views[i]!.fast) {
      assert.ok(plain, `python batch ${i}: the shortcut was not taken (${views[i]!.repr.slice(0, 200)})`);
      fast++;
    }
  });
  assert.ok(fast > 50, `only ${fast} batches the shortcut must take`);
});

test("pickle batch decoding: the same calls as our client writes them (a vargs tuple) decode the same way", () => {
  const pickles = runPython(["-c", GEN, "29", "150"]).trim().split("\n").map((h) => Buffer.from(h, "hex"));
  // our client's batch: newTuple(3) per call, args as a Tuple (one shared empty one), vargs sent as a tuple
  const EMPTY = Object.freeze(newTuple(0));
  const ours = pickles.map((data) => {
    const calls = (pickle.deserializeData(data) as unknown[])[2] as unknown[];
    const triples = calls.map((c) => {
      const [name, args, kwargs] = c as unknown[];
      const t = newTuple(3);
      t[0] = name;
      t[1] = (args as unknown[]).length ? toTuple(args as unknown[]) : EMPTY;
      t[2] = kwargs;
      return t;
    });
    return pickle.serializeCall("obj", "<batch>", triples, null);
  });
  const views = python(ours);
  let fast = 0;
  ours.forEach((data, i) => {
    assert.equal(views[i]!.shape[0], "T", `our batch ${i}: vargs goes as a tuple`);
    const plain = check(`our batch ${i}`, data, views[i]!);
    // our encoder has no memo: every batch of four or more calls is one the shortcut takes (fewer: no batch mark)
    const n = ((pickle.deserializeData(data) as unknown[])[2] as unknown[]).length;
    if (n >= 4) {
      assert.ok(plain, `our batch ${i}: the shortcut was not taken`);
      fast++;
    }
  });
  assert.ok(fast > 20, `only ${fast} batches of four or more calls`);
});

const bin = (...parts: (number[] | string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
const u = (s: string) => bin([0x8c, s.length], s); // SHORT_BINUNICODE
const PROTO = [0x80, 4];
const [MARK, EMPTY_TUPLE, EMPTY_DICT, EMPTY_LIST, NONE, STOP, TUPLE, TUPLE1, TUPLE2, TUPLE3] = [[0x28], [0x29], [0x7d], [0x5d], [0x4e], [0x2e], [0x74], [0x85], [0x86], [0x87]];
const [APPEND, APPENDS, SETITEM, DUP, POP, MEMOIZE, LIST, FROZENSET, DICT] = [[0x61], [0x65], [0x73], [0x32], [0x30], [0x94], [0x6c], [0x91], [0x64]];
const BINGET = (i: number) => [0x68, i];
/** A call ('f', (), None): hashable, so Python accepts it as a set item or dict key too. */
const call = (name: string, ...args: (number[] | string | Buffer)[]) => bin(u(name), ...(args.length ? args : [EMPTY_TUPLE]), NONE, TUPLE3);
/** A call ('f', (), {}) as our client writes `batch.f()`: what the decoder takes in one step (batchCallNoArgs). */
const bare = (name: string) => bin(u(name), EMPTY_TUPLE, EMPTY_DICT, TUPLE3);
const head = bin(PROTO, MARK, u("o"), u("m"), EMPTY_LIST, MARK); // Python's layout: the batch mark at index 3
const ourHead = bin(PROTO, MARK, u("o"), u("m"), MARK); // ours: at index 2

// Hand-made pickles for every way a call or args tuple can leave its place (the memo indexes: 0 is the list).
const CASES: [string, Buffer][] = [
  ["plain", bin(head, call("f"), call("g"), APPENDS, NONE, TUPLE, STOP)],
  ["plain, our layout", bin(ourHead, call("f"), call("g"), call("h"), call("i"), TUPLE, NONE, TUPLE, STOP)],
  ["calls without arguments, our layout", bin(ourHead, bare("f"), bare("g"), bare("h"), bare("i"), bare("f"), TUPLE, NONE, TUPLE, STOP)],
  ["calls without arguments and with, our layout", bin(ourHead, bare("f"), call("g"), bare("h"), call("i", [0x4b, 1], TUPLE1), bare("j"), TUPLE, NONE, TUPLE, STOP)],
  ["a call without arguments fetched from the memo as kwargs", bin(ourHead, bare("f"), MEMOIZE, bare("g"), bare("h"), bare("i"), TUPLE, BINGET(0), TUPLE, STOP)],
  ["a call without arguments duplicated (DUP)", bin(ourHead, bare("f"), bare("g"), DUP, bare("h"), bare("i"), TUPLE, NONE, TUPLE, STOP)],
  ["calls without arguments wrapped in a tuple", bin(ourHead, bare("f"), bare("g"), TUPLE2, bare("h"), bare("i"), TUPLE, NONE, TUPLE, STOP)],
  ["calls without arguments made the kwargs list (LIST)", bin(PROTO, MARK, u("o"), u("m"), u("v"), MARK, bare("f"), bare("g"), bare("h"), LIST, TUPLE, STOP)],
  ["a call without arguments after a tuple left in the args slot", bin(ourHead, bare("f"), u("g"), EMPTY_TUPLE, bare("h"), bare("i"), TUPLE, NONE, TUPLE, STOP)],
  ["a call without arguments in Python's layout", bin(head, bare("f"), bare("g"), bare("h"), APPENDS, NONE, TUPLE, STOP)],
  ["a call without arguments cut short", bin(ourHead, bare("f"), u("g"), EMPTY_TUPLE, EMPTY_DICT)],
  ["a call wrapped in a tuple", bin(head, call("f"), call("g"), TUPLE1, APPENDS, NONE, TUPLE, STOP)],
  ["two calls wrapped in a tuple", bin(head, call("f"), call("g"), TUPLE2, APPENDS, NONE, TUPLE, STOP)],
  ["a call duplicated (DUP)", bin(head, call("f"), call("g"), DUP, APPENDS, NONE, TUPLE, STOP)],
  ["a call fetched from the memo into a later call's args", bin(PROTO, MARK, u("o"), u("m"), EMPTY_LIST, MEMOIZE, MARK, call("f"), MEMOIZE, u("g"), BINGET(1), TUPLE1, NONE, TUPLE3, APPENDS, NONE, TUPLE, STOP)],
  ["an args tuple fetched from the memo into a later call", bin(PROTO, MARK, u("o"), u("m"), EMPTY_LIST, MEMOIZE, MARK, u("f"), u("x"), TUPLE1, MEMOIZE, NONE, TUPLE3, u("g"), BINGET(1), TUPLE1, NONE, TUPLE3, APPENDS, NONE, TUPLE, STOP)],
  ["the list fetched from the memo as kwargs", bin(PROTO, MARK, u("o"), u("m"), EMPTY_LIST, MEMOIZE, MARK, call("f"), call("g"), APPENDS, BINGET(0), TUPLE, STOP)],
  ["the list fetched from the memo before the calls", bin(PROTO, MARK, u("o"), u("m"), EMPTY_LIST, MEMOIZE, BINGET(0), POP, MARK, call("f"), call("g"), APPENDS, NONE, TUPLE, STOP)],
  ["a call appended onto (a tuple has no append)", bin(head, call("f"), call("g"), NONE, APPEND, APPENDS, NONE, TUPLE, STOP)],
  ["the last call popped, another in its place", bin(head, call("f"), call("g"), POP, call("h"), APPENDS, NONE, TUPLE, STOP)],
  ["a tuple as the first item of args", bin(head, call("f", [0x4b, 1], [0x4b, 2], TUPLE2, TUPLE1), call("g"), APPENDS, NONE, TUPLE, STOP)],
  ["a tuple in the args slot, then more args", bin(head, call("f", EMPTY_TUPLE, EMPTY_TUPLE, TUPLE2), call("g"), APPENDS, NONE, TUPLE, STOP)],
  ["a tuple in the args slot appended to a list item", bin(head, EMPTY_LIST, EMPTY_TUPLE, APPEND, call("g"), APPENDS, NONE, TUPLE, STOP)],
  ["a tuple in the args slot as a dict key", bin(head, EMPTY_DICT, EMPTY_TUPLE, NONE, SETITEM, call("g"), APPENDS, NONE, TUPLE, STOP)],
  ["a tuple in the args slot left over at the end", bin(head, call("f"), u("g"), EMPTY_TUPLE, APPENDS, NONE, TUPLE, STOP)],
  ["a two-item tuple in a call's slot", bin(head, call("f"), u("x"), u("y"), TUPLE2, call("g"), APPENDS, NONE, TUPLE, STOP)],
  ["the calls made a list by LIST (kwargs)", bin(head, call("f"), call("g"), LIST, TUPLE, STOP)],
  ["a call made a frozenset item", bin(head, call("f"), FROZENSET, TUPLE, STOP)],
  ["the calls made dict keys", bin(head, call("f"), call("g"), DICT, TUPLE, STOP)],
  ["the calls made the kwargs tuple (our layout, TUPLE at the wrong place)", bin(PROTO, MARK, u("o"), u("m"), u("v"), MARK, call("f"), call("g"), TUPLE, TUPLE, STOP)],
  ["our vargs tuple fetched from the memo", bin(ourHead, call("f"), call("g"), call("h"), call("i"), TUPLE, MEMOIZE, POP, BINGET(0), BINGET(0), TUPLE, STOP)],
  ["a five-item result", bin(head, call("f"), call("g"), APPENDS, NONE, NONE, TUPLE, STOP)],
  ["a result whose vargs is not the batch's list", bin(PROTO, MARK, u("o"), EMPTY_LIST, MARK, call("f"), call("g"), APPENDS, u("m"), NONE, TUPLE, STOP)],
  ["not a call message (no outer MARK at 0)", bin(PROTO, u("x"), MARK, u("o"), u("m"), EMPTY_LIST, MARK, call("f"), call("g"), APPENDS, NONE, TUPLE, TUPLE2, STOP)],
];

test("pickle batch decoding: a call or args tuple anywhere else than its place is a Tuple there (hand-made pickles)", () => {
  const views = python(CASES.map(([, b]) => b));
  CASES.forEach(([name, data], i) => check(name, data, views[i]!));
  // the first four are plain batches: the shortcut is taken there
  for (const [name, data] of CASES.slice(0, 4)) {
    const r = unpickle(data, false, true, DEFAULT_LIMITS, true) as unknown[];
    assert.ok((r[2] as unknown[]).every((c) => !(c instanceof Tuple) && !((c as unknown[])[1] instanceof Tuple)), name);
  }
  // calls without arguments are taken in one step (the shared empties); once a call is seen elsewhere, every call
  // has a () and {} of its own, as without the hint
  const byName = (n: string) => CASES.find(([c]) => c === n)![1];
  const fast = unpickle(byName("calls without arguments, our layout"), false, true, DEFAULT_LIMITS, true) as unknown[];
  for (const c of fast[2] as unknown[][]) assert.ok(c[1] === BATCH_NO_ARGS && c[2] === BATCH_NO_KWARGS);
  const seen = unpickle(byName("a call without arguments fetched from the memo as kwargs"), false, true, DEFAULT_LIMITS, true) as unknown[];
  assert.equal(seen[3], (seen[2] as unknown[])[0]);
  const kwargs = (seen[2] as unknown[][]).map((c) => c[2]);
  assert.equal(new Set(kwargs).size, 4);
  for (const c of seen[2] as unknown[][]) assert.ok(c instanceof Tuple && c[1] instanceof Tuple && !Object.isFrozen(c[1]) && !Object.isFrozen(c[2]));
  // and a call appended onto fails as in Python, with the same message as without the hint
  const appended = CASES.find(([n]) => n.startsWith("a call appended"))![1];
  assert.match(views[CASES.findIndex(([n]) => n.startsWith("a call appended"))]!.repr, /^ERROR AttributeError/);
  assert.throws(() => pickle.deserializeCall(appended, { batch: true }), (e: unknown) => e instanceof SerializeError && /APPEND on a value that is not a list/.test(e.message));
});

test("pickle batch decoding: a batch of 100 calls takes no prototype change with the hint, 200 without", () => {
  const data = Buffer.from(runPython(["-c", "import pickle; print(pickle.dumps(('bench', '<batch>', [('ping', (), {}) for i in range(100)], None), protocol=5).hex())"]).trim(), "hex");
  const ours = pickle.serializeCall("bench", "<batch>", Array.from({ length: 100 }, () => toTuple(["ping", toTuple([]), {}])), null);
  const original = Object.setPrototypeOf;
  let n = 0;
  const counting = (o: object, p: object | null) => {
    n++;
    return original(o, p);
  };
  const count = (fn: () => unknown): number => {
    n = 0;
    Object.setPrototypeOf = counting;
    try {
      fn();
    } finally {
      Object.setPrototypeOf = original;
    }
    return n;
  };
  for (const d of [data, ours]) {
    assert.equal(count(() => pickle.deserializeCall(d, { batch: true })), 0);
    assert.equal(count(() => pickle.deserializeCall(d)), 200);
    const call = pickle.deserializeCall(d, { batch: true });
    assert.equal(call.vargs.length, 100);
    for (const c of call.vargs as unknown[][]) assert.deepEqual([c[0], [...(c[1] as unknown[])], c[2]], ["ping", [], {}]);
  }
});
