// The serpent corpus (moved out of test/interop/serpent.test.ts so the Pyro4 and the Pyro5 interop tests share it):
// the TypeScript view of each entry of test/fixtures/serpent_interop.py, and the four two-way corpus tests. We decode
// what the Python peer's SerpentSerializer writes, it decodes what we write, and for values whose Python output is
// deterministic our bytes equal Python's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runPython } from "./python.js";
import type { Serializer } from "../../src/serializers/types.js";
import {
  tuple as typedTuple, toTuple, Tuple, Complex, float, frozenset, parsePythonFloat, setKey,
} from "../../src/serializers/values.js";
import { CommunicationError, PyroError, RemoteError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";
import { Proxy, isProxy } from "../../src/client/proxy.js";

// Untyped tuple builder: test tables mix element types freely.
const tuple = (...items: unknown[]): Tuple => typedTuple<unknown>(...items);

interface Entry {
  /** What decoding Python's bytes must give. */
  expect: unknown;
  /** What we encode for Python to read (defaults to expect). */
  encode?: unknown;
  /** Python -> TS only (JavaScript cannot hold the value distinctly). */
  oneWay?: boolean;
  /** Decoding Python's bytes must fail with this error class (Python's own loads refuses them too). */
  throws?: string;
}
interface CallEntry {
  expect: { object: string; method: string; vargs: unknown[]; kwargs: Record<string, unknown> | null };
  encode?: { vargs: unknown[]; kwargs: Record<string, unknown> | null };
}

const FLOATS = ["0.0", "-0.0", "0.1", "-0.1", "0.5", "1.5", "2.0", "-2.0", "3.141592653589793", "1e-05", "0.0001",
  "0.00012345", "1e-07", "1.5e-10", "5e-324", "2.2250738585072014e-308", "1.7976931348623157e+308",
  "1e+16", "1e+15", "123456789012345.6", "9999999999999998.0", "1.2345678901234567e+19", "1e+100",
  "-1e+100", "1e+22", "1e+21", "100.0", "12345.678", "0.3", "2.5e-05", "4.35", "1e+300", "inf", "-inf",
  "nan", "6.02214076e+23", "1.0000000000000002", "0.30000000000000004", "9007199254740993.0"];
const EDGE_FLOATS: [string, number][] = [["1e300", 1e300], ["-1e300", -1e300], ["1e-300", 1e-300], ["5e-324", 5e-324],
  ["max", Number.MAX_VALUE], ["-max", -Number.MAX_VALUE], ["min", 2.2250738585072014e-308], ["-0.0", -0], ["2.0**53", 2 ** 53],
  ["2.0**53+2", 2 ** 53 + 2], ["-2.0**53", -(2 ** 53)], ["2.0**60", 2 ** 60], ["-2.0**60", -(2 ** 60)], ["2.0**63", 2 ** 63],
  ["2.0**64", 2 ** 64], ["1e16", 1e16], ["1e21", 1e21], ["1e22", 1e22], ["inf", Infinity], ["-inf", -Infinity], ["nan", NaN]];
const INT_TEXTS = ["0", "1", "-1", "7", "255", "256", "-256", "65535", "2147483647", "-2147483648", "4294967296",
  "9007199254740991", "-9007199254740991", "9007199254740992", "-9007199254740992",
  "9223372036854775807", "-9223372036854775808", "18446744073709551616",
  "123456789012345678901234567890", "-98765432109876543210987654321098765432109876543210"];
const CODEPOINTS = [0, 1, 7, 8, 9, 10, 11, 12, 13, 27, 31, 32, 34, 39, 92, 126, 127, 128, 133, 159, 160, 161, 173, 233,
  255, 256, 0x378, 0x3b1, 0x600, 0x61c, 0x200b, 0x200e, 0x2028, 0x2029, 0x202f, 0x2060, 0x3000,
  0x4e2d, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xf8ff, 0xfeff, 0xfffd, 0xfffe, 0xffff,
  0x10000, 0x1d11e, 0x1f600, 0x1f9ff, 0xe0001, 0xf0000, 0x10fffd, 0x10ffff];

const int = (b: bigint): number | bigint => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
function remote(cls: string, args: unknown[], tb: string[]): RemoteError {
  return new RemoteError(cls, args, { _pyroTraceback: tb });
}

export function buildCorpus(): Map<string, Entry> {
  const c = new Map<string, Entry>();
  const add = (name: string, expect: unknown, encode?: unknown) => c.set(name, { expect, encode });
  add("none", null);
  add("true", true);
  add("false", false);
  for (const t of INT_TEXTS) add("int_" + t, int(BigInt(t)));
  for (let k = 0; k < 200; k += 9) {
    add(`int_pow2_${k}`, int(2n ** BigInt(k)));
    add(`int_negpow2m1_${k}`, int(-(2n ** BigInt(k)) - 1n));
  }
  add("int_pow10_300", 10n ** 300n);
  for (const t of FLOATS) add("float_" + t, parsePythonFloat(t), float(parsePythonFloat(t)));
  for (const cp of CODEPOINTS) add(`str_cp_${cp.toString(16)}`, "a" + String.fromCodePoint(cp) + "b");
  add("str_empty", "");
  add("str_plain", "hello world");
  add("str_sq", "it's");
  add("str_dq", 'say "hi"');
  add("str_both", "it's \"x\"");
  add("str_backslash", "C:\\path\\n");
  add("str_newlines", "line1\nline2\r\n\ttab");
  add("str_unicode", "héllo wörld ÄÖÜ ß €");
  add("str_cjk", "中文字符 日本語 한국어");
  add("str_emoji", "😀🎉👍🏽 family 👨‍👩‍👧");
  add("str_rtl", "שלום مرحبا");
  add("str_long", "x".repeat(10000));
  add("str_quotes_only", "'\"'\"");
  add("str_hash", "# not a comment");
  add("str_nul", "a\x00b");
  add("str_ctrl", String.fromCharCode(...range(32)));
  add("str_latin1", String.fromCharCode(...range(0x81).map((i) => i + 0x7f)));
  add("str_combining", "e\u0301 n\u0303");
  // Python's two lone surrogates become one astral character in JavaScript: cannot go back the same way.
  c.set("str_surrogate_pair_escaped", { expect: "\u{1f600}", oneWay: true });
  add("bytes_empty", Buffer.alloc(0));
  add("bytes_abc", Buffer.from("abc"));
  add("bytes_all", Buffer.from(range(256)));
  add("bytearray", Buffer.from([0, 0xff, 0x10]));
  // big bytes take the chunked base64 paths of our writer and parser
  add("bytes_big", Buffer.from(range(100000).map((i) => (i * 7) % 256)));
  add("bytes_big_nested", [Buffer.from(range(256 * 200).map((i) => i % 256)), { k: tuple(Buffer.alloc(70001, 0xff), Buffer.from("x")) }]);
  add("str_looks_like_big_bytes", "{'data': '" + "QUJD".repeat(5000) + "', 'encoding': 'base64'}");
  add("tuple_empty", tuple());
  add("tuple_1", tuple(1));
  add("tuple_2", tuple(1, "two"));
  add("tuple_nested", tuple(tuple(1), tuple(tuple()), tuple(tuple(tuple(2, 3)))));
  add("list_empty", []);
  add("list_mixed", [1, 2.5, "three", null, true, false, [4, [5, tuple(6)]]]);
  add("list_of_tuples", range(5).map((i) => tuple(i, String(i))));
  add("dict_empty", {});
  add("dict_str", { a: 1, b: 2, zz: [1, 2], "": null });
  add("dict_nested", { outer: { inner: { deep: [1, { x: tuple(1, 2) }] } } });
  add("dict_int_keys", new Map<unknown, unknown>([[1, "one"], [2, "two"], [-3, "minus three"]]));
  add("dict_tuple_keys", new Map<unknown, unknown>([[tuple(1, 2), "a"], [tuple("x", null), "b"]]));
  add("dict_mixed_keys", new Map<unknown, unknown>([["s", 1], [2, "i"], [3.5, "f"], [true, "t"], [tuple(null, 1), "n"]]));
  add("dict_bigint_key", new Map<unknown, unknown>([[2n ** 80n, "big"]]));
  const proto: Record<string, unknown> = {};
  setKey(proto, "__proto__", { polluted: true });
  setKey(proto, "constructor", 1);
  add("dict_proto_key", proto);
  add("dict_unicode_keys", { "ключ": "значение", "😀": 1 });
  add("dict_looks_like_bytes_extra", { data: "AAAA", encoding: "base64", extra: 1 });
  add("set_empty", tuple(), new Set());
  add("set_1", new Set([1]));
  add("set_ints", new Set([1, 2, 3, 100]));
  add("set_strs", new Set(["a", "b", "c"]));
  add("set_tuples", new Set([tuple(1, 2), tuple(3, 4)]));
  // serpent has no frozenset literal: Python sends a set (an empty one as an empty tuple); ours goes the same way
  add("frozenset", new Set(["x", "y"]), frozenset("x", "y"));
  add("frozenset_empty", tuple(), frozenset());
  add("frozenset_in_list", [new Set([1])], [frozenset(1)]);
  // issue 15: edge floats are plain numbers both ways (no float() marker) and must reach Python as floats
  for (const [label, x] of EDGE_FLOATS) add("edge_float_" + label, x);
  add("edge_float_2.0**53-1", 2 ** 53 - 1); // goes back as an int: the documented limit below 2^53
  add("edge_floats_dict", { max: Number.MAX_VALUE, big: 2 ** 60, neg0: -0, list: [1e300, 1e-300] });
  add("complex_1_2", new Complex(1, 2));
  add("complex_neg", new Complex(-1.5, -2.25));
  add("complex_imag_only", new Complex(0, 3));
  add("complex_zero", new Complex(0, 0));
  add("complex_inf", new Complex(Infinity, -Infinity));
  add("complex_small", new Complex(1e-10, 1e20));
  add("complex_in_list", [new Complex(0, 1), new Complex(2, -3)]);
  add("decimal", "3.14159265358979323846264338327950288");
  add("datetime", "2020-01-02T03:04:05.678000+00:00", new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)));
  add("date", "1999-12-31");
  add("uuid", "12345678-1234-5678-1234-567812345678");
  add("uri_pyro", new URI("PYRO:obj_123@localhost:9999"));
  add("uri_unix", new URI("PYRO:thing@./u:/tmp/sock"));
  add("uri_name", new URI("PYRONAME:my.object@nshost:9090"));
  add("uri_in_list", [new URI("PYRO:a@h:1"), new URI("PYRO:b@h:2")]);
  // "__main__.Thing": Python's dict_to_class refuses the name (double underscores), and so do we; one way only
  c.set("obj_thing", { expect: null, oneWay: true, throws: "SecurityError" });
  add("proxy", new Proxy("PYRO:obj@localhost:9090"));
  add("proxy_in_dict", { p: new Proxy("PYRONAME:some.name") });
  add("exc_valueerror", remote("builtins.ValueError", ["bad value", 42],
    ["Traceback (most recent call last):\n", "  File \"x.py\", line 1\n", "ValueError: bad value\n"]));
  add("exc_keyerror", remote("builtins.KeyError", ["missing"], ["KeyError: 'missing'\n"]));
  const ce = new CommunicationError("connection lost");
  (ce as unknown as { args: unknown[] }).args = ["connection lost"];
  ce.remoteTraceback = ["CommunicationError\n"];
  add("exc_pyro_commerror", ce);
  add("exc_in_dict", { error: remote("builtins.ZeroDivisionError", ["division by zero"], ["tb\n"]), n: 1 });
  let deep: unknown = "bottom";
  for (let i = 0; i < 100; i++) deep = [deep];
  add("nested_100", deep);
  let deepd: unknown = 0;
  for (let i = 0; i < 60; i++) deepd = { [`k${i}`]: tuple(deepd) };
  add("nested_dicts_60", deepd);
  add("big_list", range(2000));
  const bigDict: Record<string, unknown> = {};
  const bigDictEnc: Record<string, unknown> = {};
  for (const i of range(300)) {
    bigDict[`key${i}`] = i * 1.5;
    bigDictEnc[`key${i}`] = float(i * 1.5);
  }
  add("big_dict", bigDict, bigDictEnc);
  add("realistic_reply", {
    status: "ok",
    items: range(10).map((i) => ({ id: i, name: `item ${i}`, price: i + 0.99, tags: ["a", "b"] })),
    total: 10, next: null, ratio: 0.25,
  });
  return c;
}

export function buildCalls(): Map<string, CallEntry> {
  const c = new Map<string, CallEntry>();
  const add = (name: string, object: string, method: string, vargs: unknown[], kwargs: Record<string, unknown> | null,
    encode?: CallEntry["encode"]) => c.set(name, { expect: { object, method, vargs, kwargs }, encode });
  add("call_simple", "thing", "add", tuple(1, 2), {});
  add("call_kwargs", "thing", "register", tuple("name", "PYRO:x@h:1"), { safe: true, metadata: new Set(["a", "b"]) });
  add("call_one_arg", "obj_abcdef0123456789", "echo", tuple("x"), {});
  add("call_no_args", "Pyro.NameServer", "ping", tuple(), {});
  add("call_getattr", "thing", "__getattr__", tuple("prop"), null);
  add("call_setattr", "thing", "__setattr__", tuple("prop", [1, 2]), null);
  add("call_list_vargs", "Pyro.Daemon", "get_next_stream_item", ["0123abcd"], {});
  add("call_unicode", "objé", "métode", tuple("😀", Buffer.from([1, 2])), { "ключ": 1.5 });
  add("call_complex_args", "thing", "m", tuple(new Complex(1, 2), new Map([[1, tuple(2)]]), NaN), { k: [null, 1e300] },
    { vargs: tuple(new Complex(1, 2), new Map([[1, tuple(2)]]), NaN), kwargs: { k: [null, float(1e300)] } });
  return c;
}

/** A comparable form: errors and URIs become plain descriptions; containers keep their types. */
export function norm(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof RemoteError) return { $remote: v.pythonType, args: norm(Array.from(v.args)), attributes: norm(v.attributes) };
  if (v instanceof PyroError)
    return { $pyro: v.constructor.name, message: v.message, args: norm((v as unknown as { args: unknown }).args), tb: norm(v.remoteTraceback) };
  if (v instanceof URI) return { $uri: v.asString(), sockname: v.sockname };
  if (isProxy(v)) return { $proxy: (v as Proxy).$uri.asString() };
  if (v instanceof Tuple) return toTuple(Array.from(v, norm));
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof Map) return new Map(Array.from(v, ([k, x]) => [norm(k), norm(x)]));
  if (v instanceof Set) return new Set(Array.from(v, norm));
  if (Buffer.isBuffer(v) || v instanceof Complex) return v;
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setKey(o, k, norm((v as Record<string, unknown>)[k]));
    return o;
  }
  return v;
}

export interface Peer {
  /** Extra environment for the fixture (the Pyro5 PYTHONPATH and INTEROP_PEER=5). */
  env: Record<string, string>;
  label: string;
}

/** Register the corpus tests for `ser` (our serpent codec for the peer's protocol) against the peer's SerpentSerializer. */
export function serpentCorpusTests(ser: Serializer, peer: Peer = { env: {}, label: "Pyro4" }): void {
  interface PyItem { name: string; kind: "data" | "call"; hex: string; exact: boolean }
  const pyItems = JSON.parse(runPython(["serpent_interop.py", "dump"], { env: peer.env })) as PyItem[];
  const corpus = buildCorpus();
  const calls = buildCalls();

  test(`serpent: the ${peer.label} corpus is large and both sides know every name`, () => {
    assert.ok(pyItems.length >= 150, `only ${pyItems.length} Python values`);
    const unknown = pyItems.filter((it) => !(it.kind === "call" ? calls.has(it.name) : corpus.has(it.name))).map((it) => it.name);
    assert.deepEqual(unknown, []);
    assert.equal(pyItems.length, corpus.size + calls.size);
  });

  test(`serpent: decodes every value Python ${peer.label}'s SerpentSerializer produces`, () => {
    const failures: string[] = [];
    for (const it of pyItems) {
      try {
        const data = Buffer.from(it.hex, "hex");
        if (it.kind === "call") {
          const got = ser.deserializeCall(data);
          const expect = calls.get(it.name)!.expect;
          // deserializeCall hands the vargs tuple on as a plain array (the daemon spreads it); its items keep their types
          assert.ok(!(got.vargs instanceof Tuple), "vargs is a plain array");
          assert.deepStrictEqual(norm(got), norm({ ...expect, vargs: [...expect.vargs] }));
        } else {
          const entry = corpus.get(it.name)!;
          if (entry.throws) assert.throws(() => ser.deserializeData(data), (e: unknown) => (e as Error).constructor.name === entry.throws);
          else assert.deepStrictEqual(norm(ser.deserializeData(data)), norm(entry.expect));
        }
      } catch (e) {
        failures.push(`${it.name}: ${(e as Error).message.slice(0, 600)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  function encodeEntry(name: string, kind: "data" | "call"): Buffer {
    if (kind === "call") {
      const e = calls.get(name)!;
      const enc = e.encode ?? e.expect;
      return ser.serializeCall(e.expect.object, e.expect.method, enc.vargs, enc.kwargs);
    }
    const e = corpus.get(name)!;
    return ser.serializeData(e.encode !== undefined ? e.encode : e.expect);
  }

  test(`serpent: our bytes equal Python ${peer.label}'s for every deterministic value`, () => {
    const diffs: string[] = [];
    let compared = 0;
    for (const it of pyItems) {
      if (!it.exact || corpus.get(it.name)?.oneWay) continue;
      compared++;
      const ours = encodeEntry(it.name, it.kind).toString("hex");
      if (ours !== it.hex)
        diffs.push(`${it.name}:\n  python ${JSON.stringify(Buffer.from(it.hex, "hex").toString().slice(26, 300))}\n` +
          `  ours   ${JSON.stringify(Buffer.from(ours, "hex").toString().slice(26, 300))}`);
    }
    assert.ok(compared >= 150, `only ${compared} exact comparisons`);
    assert.deepEqual(diffs, []);
  });

  test(`serpent: Python ${peer.label}'s SerpentSerializer decodes what we encode to the expected Python values`, () => {
    const items: { name: string; kind: string; hex: string }[] = [];
    for (const [name, e] of corpus) if (!e.oneWay) items.push({ name, kind: "data", hex: encodeEntry(name, "data").toString("hex") });
    for (const name of calls.keys()) items.push({ name, kind: "call", hex: encodeEntry(name, "call").toString("hex") });
    const report = JSON.parse(runPython(["serpent_interop.py", "check"], { env: peer.env, input: JSON.stringify(items) })) as {
      checked: number;
      mismatches: { name: string; error: string }[];
    };
    assert.deepEqual(report.mismatches, []);
    assert.equal(report.checked, items.length);
    assert.ok(report.checked >= 150);
  });
}
