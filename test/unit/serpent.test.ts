// Serpent writer and parser without Python: literal grammar corner cases, exact output text, malformed
// input handling (always a SerializeError), nesting limits and prototype-pollution safety.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serpent } from "../../src/serializers/serpent.js";
import { floatRepr as pythonFloatRepr } from "../../src/python/float.js";
import { strRepr as pythonStrRepr } from "../../src/python/str.js";
import { isoformat as dateToIso } from "../../src/python/datetime.js";
import { parseSerpentText } from "../../src/serializers/serpent-parser.js";
import { tuple as typedTuple, Tuple, Complex, float, registerDictToClass, unregisterDictToClass } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS as limits, resolveLimits } from "../../src/limits.js";
import { SerializeError, RemoteError, CommunicationError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

// Untyped tuple builder: test tables mix element types freely.
const tuple = (...items: unknown[]): Tuple => typedTuple<unknown>(...items);

const H = "# serpent utf-8 python3.2\n";
const dec = (text: string): unknown => serpent.deserializeData(Buffer.from(text, "utf8"));
const enc = (v: unknown): string => serpent.serializeData(v).toString("utf8");

test("decodes Python literal text", async (t) => {
  const cases: [string, unknown][] = [
    ["None", null], ["True", true], ["False", false],
    ["0", 0], ["-0", 0], ["00", 0], ["42", 42], ["-42", -42], ["+7", 7], ["- 5", -5], ["1_000_000", 1000000],
    ["0x1F", 31], ["0X_ff", 255], ["0o17", 15], ["0b1010", 10], ["0b_1_0", 2], ["-0x10", -16],
    ["9007199254740991", 9007199254740991], ["9007199254740992", 9007199254740992n],
    ["-9007199254740993", -9007199254740993n], ["0xffffffffffffffffffff", 0xffffffffffffffffffffn],
    ["123456789012345678901234567890", 123456789012345678901234567890n],
    ["1.5", 1.5], ["-0.0", -0], ["0.0", 0], ["1.", 1], [".5", 0.5], ["1e5", 100000], ["1E-5", 1e-5],
    ["1.e2", 100], ["1_0.5e1_0", 10.5e10], ["1e30000", Infinity], ["-1e30000", -Infinity], ["1e-400", 0],
    ["2.0", 2], ["1e+100", 1e100], ["5e-324", 5e-324],
    ["3j", new Complex(0, 3)], ["1.5J", new Complex(0, 1.5)], ["-2j", new Complex(-0, -2)], ["1_0j", new Complex(0, 10)],
    ["(1+2j)", new Complex(1, 2)], ["(1.0-2.5j)", new Complex(1, -2.5)], ["1 + 2j", new Complex(1, 2)],
    ["(-1.5-2.25j)", new Complex(-1.5, -2.25)], ["(1e30000-1e30000j)", new Complex(Infinity, -Infinity)],
    ["(1.0+-0.0j)", new Complex(1, -0)], ["(0.0+3.0j)", new Complex(0, 3)],
    ["'abc'", "abc"], ['"abc"', "abc"], ["''", ""], ["u'x'", "x"], ["U\"x\"", "x"], ["'a' 'b'", "ab"],
    ["'a'\n  \"b\" u'c'", "abc"], ["('a'\n'b')", "ab"], ["'''tri'ple'''", "tri'ple"], ['"""a\nb"""', "a\nb"],
    ["r'\\n'", "\\n"], ["R'a\\'b'", "a\\'b"], ["'\\n\\t\\r\\\\\\'\\\"'", "\n\t\r\\'\""],
    ["'\\a\\b\\f\\v'", "\x07\b\f\v"], ["'\\x41\\x7f\\xff'", "A\x7f\xff"], ["'\\101\\0\\7'", "A\0\x07"],
    ["'\\777'", "\u01ff"], ["'\\u20ac'", "€"], ["'\\U0001F600'", "😀"], ["'\\ud800'", "\ud800"],
    ["'\\udc80x\\ud83d'", "\udc80x\ud83d"], ["'\\q\\%'", "\\q\\%"], ["'a\\\nb'", "ab"], ["'é😀'", "é😀"],
    ["b'abc'", Buffer.from("abc")], ["B'\\x00\\xff\\n'", Buffer.from([0, 255, 10])], ["b''", Buffer.alloc(0)],
    ["rb'\\x'", Buffer.from("\\x")], ["Br'a'", Buffer.from("a")], ["b'a' b'b'", Buffer.from("ab")],
    ["b'\\u1234'", Buffer.from("\\u1234")], ["b'\\777'", Buffer.from([0xff])],
    ["()", tuple()], ["(1,)", tuple(1)], ["(1)", 1], ["((1))", 1], ["(1,2,)", tuple(1, 2)], ["((),)", tuple(tuple())],
    ["[]", []], ["[1,]", [1]], ["[1, [2, (3,)]]", [1, [2, tuple(3)]]], ["( [ 1 ] , )", tuple([1])],
    ["{}", {}], ["{'a':1,'b':2}", { a: 1, b: 2 }], ["{'a': 1, }", { a: 1 }], ["{'a':1,'a':2}", { a: 2 }],
    ["{1:'x'}", new Map([[1, "x"]])], ["{'s':1,2:3}", new Map<unknown, unknown>([["s", 1], [2, 3]])],
    ["{(1,2):3}", new Map([[tuple(1, 2), 3]])], ["{None:1,True:2,1.5:3}", new Map<unknown, unknown>([[null, 1], [true, 2], [1.5, 3]])],
    ["{1}", new Set([1])], ["{1,2,2,}", new Set([1, 2])], ["{'a',(1,)}", new Set(["a", tuple(1)])],
    ["set()", new Set()], ["set( )", new Set()],
    ["{'data': 'YWI=', 'encoding': 'base64'}", Buffer.from("ab")], ["{'data':'','encoding':'base64'}", Buffer.alloc(0)],
    ["{'data': 'YWI=', 'encoding': 'base64', 'x': 1}", { data: "YWI=", encoding: "base64", x: 1 }],
    ["{'data': 'YWI=', 'encoding': 'utf8'}", { data: "YWI=", encoding: "utf8" }],
    ["{'__class__':'float','value':'nan'}", NaN], ["{'__class__':'float','value':'-inf'}", -Infinity],
    [H + "[1]", [1]], ["# c1\n# c2\n 1 # trailing\n", 1], ["[1, # inner\n 2]", [1, 2]], ["\t\r\n\f 5 \n", 5],
    ["[1,\\\n 2]", [1, 2]],
  ];
  for (const [text, expect] of cases) {
    await t.test(JSON.stringify(text), () => {
      assert.deepStrictEqual(dec(text), expect);
    });
  }
});

test("a class dict nothing knows is refused, as Python's dict_to_class refuses it", () => {
  assert.throws(() => dec("{'__class__':'some.Unknown','x':1}"), /^SerializeError: unsupported serialized class: some\.Unknown$/);
  assert.throws(() => dec("{'__class__':'__main__.Thing','x':1}"), /^SecurityError: refused to deserialize types with double underscores in their name: __main__\.Thing$/);
});

test("encodes values exactly as Python serpent does", async (t) => {
  const cases: [string, unknown, string][] = [
    ["None", null, "None"], ["undefined", undefined, "None"], ["True", true, "True"], ["False", false, "False"],
    ["int", 42, "42"], ["neg int", -7, "-7"], ["zero", 0, "0"], ["integral number beyond 2^53 is a float", 1e21, "1e+21"], ["2**60 is a float", 2 ** 60, "1.152921504606847e+18"], ["2**53 is a float", 2 ** 53, "9007199254740992.0"], ["2**53-1 is an int", 2 ** 53 - 1, "9007199254740991"], ["max value", Number.MAX_VALUE, "1.7976931348623157e+308"], ["-2**60", -(2 ** 60), "-1.152921504606847e+18"],
    ["bigint", -(2n ** 70n), "-1180591620717411303424"],
    ["float", 1.5, "1.5"], ["Float(2)", float(2), "2.0"], ["-0", -0, "-0.0"], ["Float(-0)", float(-0), "-0.0"],
    ["0.1", 0.1, "0.1"], ["1e-5", 1e-5, "1e-05"], ["1e-4", 1e-4, "0.0001"], ["1.5e-7", 1.5e-7, "1.5e-07"],
    ["Float(1e16)", float(1e16), "1e+16"], ["Float(1e15)", float(1e15), "1000000000000000.0"],
    ["Float(1.2345e+300)", float(1.2345e300), "1.2345e+300"], ["1.5e+300 as float", 1.5e300, "1.5e+300"], ["5e-324", 5e-324, "5e-324"], ["-1.5e-100", -1.5e-100, "-1.5e-100"],
    ["123456789.123", 123456789.123, "123456789.123"],
    ["inf", Infinity, "1e30000"], ["-inf", -Infinity, "-1e30000"], ["nan", NaN, "{'__class__':'float','value':'nan'}"],
    ["str", "abc", "'abc'"], ["empty str", "", "''"], ["single quote", "it's", '"it\'s"'],
    ["both quotes", "it's \"x\"", "'it\\'s \"x\"'"], ["double quote", 'a"b', "'a\"b'"], ["backslash", "a\\b", "'a\\\\b'"],
    ["controls", "\t\n\r\x00\x1f\x7f", "'\\t\\n\\r\\x00\\x1f\\x7f'"], ["latin1", "\xa0\xad\xe9\xff", "'\\xa0\\xadéÿ'"],
    ["separators", "\u2028\u3000\u200b", "'\\u2028\\u3000\\u200b'"], ["bom", "\ufeff", "'\\ufeff'"],
    ["astral", "😀", "'😀'"], ["private astral", "\u{f0000}", "'\\U000f0000'"], ["lone surrogate", "\ud800", "'\\ud800'"],
    ["reversed pair", "\udc00\ud800", "'\\udc00\\ud800'"], ["unassigned", "\u0378", "'\\u0378'"],
    ["bytes", Buffer.from("ab"), "{'data': 'YWI=', 'encoding': 'base64'}"],
    ["Uint8Array", new Uint8Array([1, 2, 3]), "{'data': 'AQID', 'encoding': 'base64'}"],
    ["bytes view", new Uint8Array([9, 1, 2, 9]).subarray(1, 3), "{'data': 'AQI=', 'encoding': 'base64'}"],
    ["empty tuple", tuple(), "()"], ["1-tuple", tuple(1), "(1,)"], ["tuple", tuple(1, "a", null), "(1,'a',None)"],
    // eslint-disable-next-line no-sparse-arrays -- "sparse": a hole on purpose
    ["list", [1, [2, tuple()]], "[1,[2,()]]"], ["empty list", [], "[]"], ["sparse", [1, , 3], "[1,None,3]"],
    ["dict", { a: 1, b: [2] }, "{'a':1,'b':[2]}"], ["empty dict", {}, "{}"],
    ["null proto dict", Object.assign(Object.create(null), { x: 1 }), "{'x':1}"],
    ["map", new Map<unknown, unknown>([[1, "a"], [tuple(1, 2), null], ["s", true]]), "{1:'a',(1,2):None,'s':True}"],
    ["set", new Set([1, "a"]), "{1,'a'}"], ["empty set", new Set(), "()"],
    ["complex", new Complex(1, 2), "(1.0+2.0j)"], ["complex neg", new Complex(-1.5, -0.5), "(-1.5-0.5j)"],
    ["complex inf", new Complex(Infinity, -Infinity), "(1e30000-1e30000j)"], ["complex -0", new Complex(0, -0), "(0.0+-0.0j)"],
    ["date", new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), "'2020-01-02T03:04:05.678000+00:00'"],
    ["date no ms", new Date(Date.UTC(2000, 5, 7)), "'2000-06-07T00:00:00+00:00'"],
    ["uri", new URI("PYRO:obj@localhost:1234"), "{'__class__':'Pyro4.core.URI','state':('PYRO','obj',None,'localhost',1234)}"],
    ["remote error", new RemoteError("builtins.ValueError", ["x", 1], { _pyroTraceback: ["tb\n"] }),
      "{'__class__':'builtins.ValueError','__exception__':True,'args':('x',1),'attributes':{'_pyroTraceback':['tb\\n']}}"],
    ["class instance", new (class Point { x = 1; y = tuple(2); })(), "{'__class__':'Point','x':1,'y':(2,)}"],
  ];
  for (const [name, value, text] of cases) {
    await t.test(name, () => {
      assert.equal(enc(value), H + text);
    });
  }
});

test("round trips through our own parser", () => {
  const values: unknown[] = [
    { a: [1, 2.5, "x", null, true], b: tuple(tuple(), tuple(1)), c: new Map<unknown, unknown>([[tuple(1, "a"), new Set([1])]]) },
    "all \x00\x01\u2028\ud800\udfff\u{10ffff} chars '\"\\",
    [Infinity, -Infinity, NaN, -0, 5e-324, 1.7976931348623157e-300, 2n ** 200n, -(2n ** 64n)],
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)), new Complex(-0.5, 1e-300),
  ];
  for (const v of values) assert.deepStrictEqual(serpent.deserializeData(serpent.serializeData(v)), v);
});

test("float repr matches Python's rules across magnitudes", () => {
  const table: [number, string][] = [
    [1, "1.0"], [10, "10.0"], [1e15, "1000000000000000.0"], [9999999999999998, "9999999999999998.0"], [1e16, "1e+16"],
    [1.5e16, "1.5e+16"], [0.0001, "0.0001"], [0.00012, "0.00012"], [0.00009, "9e-05"], [1e-10, "1e-10"],
    [1.7976931348623157e308, "1.7976931348623157e+308"], [2.2250738585072014e-308, "2.2250738585072014e-308"],
    [-123.456, "-123.456"], [1 / 3, "0.3333333333333333"], [6.666666666666667e19, "6.666666666666667e+19"],
  ];
  for (const [n, s] of table) assert.equal(pythonFloatRepr(n), s, String(n));
  assert.equal(pythonStrRepr("x"), "'x'");
  const year1 = new Date(0);
  year1.setUTCFullYear(1);
  assert.equal(dateToIso(year1), "0001-01-01T00:00:00+00:00");
  assert.equal(dateToIso(new Date(Date.UTC(2021, 11, 31, 23, 59, 59, 1))), "2021-12-31T23:59:59.001000+00:00");
});

test("calls: 4-tuple with vargs tuple and kwargs dict or None, both ways", () => {
  assert.equal(serpent.serializeCall("thing", "add", [1], { b: 2 }).toString(), H + "('thing','add',(1,),{'b':2})");
  assert.equal(serpent.serializeCall("o", "__getattr__", ["p"], null).toString(), H + "('o','__getattr__',('p',),None)");
  assert.equal(serpent.serializeCall("o", "m", [], {}).toString(), H + "('o','m',(),{})");
  const c = serpent.deserializeCall(Buffer.from(H + "('thing','add',(1,2),{'b':(2,)})"));
  // the call's vargs tuple comes as a plain array (the daemon spreads it); every other tuple is a Tuple
  assert.deepStrictEqual(c, { object: "thing", method: "add", vargs: [1, 2], kwargs: { b: tuple(2) } });
  assert.deepStrictEqual(serpent.deserializeCall(Buffer.from("('o','m',((1,),()),None)")).vargs, [tuple(1), tuple()]);
  assert.deepStrictEqual(serpent.deserializeCall(Buffer.from("('o','m',(),None)")).vargs, []);
  assert.deepStrictEqual(serpent.deserializeCall(Buffer.from("(('o','m',(1,),None))")).vargs, tuple(1));
  assert.deepStrictEqual(serpent.deserializeData(Buffer.from("('o','m',(1,),None)")), tuple("o", "m", tuple(1), null));
  assert.deepStrictEqual(serpent.deserializeCall(Buffer.from("('o','m',['s'],None)")), { object: "o", method: "m", vargs: ["s"], kwargs: null });
  for (const bad of ["('o','m',())", "['o','m',(),{}]x", "(1,'m',(),{})", "('o','m',5,{})", "('o','m',(),[])", "('o','m',(),{1:2})", "5"])
    assert.throws(() => serpent.deserializeCall(Buffer.from(bad)), SerializeError, bad);
});

test("options.replace substitutes objects before the class hooks", () => {
  class Svc { secret = 1; }
  const out = serpent.serializeData([new Svc(), { keep: new Svc() }], { replace: (o) => (o instanceof Svc ? "proxy" : undefined) });
  assert.equal(out.toString(), H + "['proxy',{'keep':'proxy'}]");
});

test("class dicts go through dictToClass: URI, exceptions, user hooks", () => {
  const v = dec("[{'__class__':'Pyro4.core.URI','state':('PYRO','obj',None,'localhost',1234)}," +
    "{'__class__':'builtins.ValueError','__exception__':True,'args':('bad',),'attributes':{'_pyroTraceback':['x\\n']}}," +
    "{'__class__':'Pyro4.errors.CommunicationError','__exception__':True,'args':('lost',),'attributes':{}}]") as unknown[];
  assert.ok(v[0] instanceof URI);
  assert.equal(String(v[0]), "PYRO:obj@localhost:1234");
  assert.ok(v[1] instanceof RemoteError);
  assert.equal((v[1] as RemoteError).pythonType, "builtins.ValueError");
  assert.deepEqual((v[1] as RemoteError).remoteTraceback, ["x\n"]);
  assert.ok(v[2] instanceof CommunicationError);
  registerDictToClass("my.Thing", (_cls, d) => ({ thing: d.v }));
  try {
    assert.deepStrictEqual(dec("{'__class__':'my.Thing','v':(1,)}"), { thing: tuple(1) });
  } finally {
    unregisterDictToClass("my.Thing");
  }
});

test("__proto__ keys never pollute prototypes", () => {
  const v = dec("{'__proto__': {'polluted': True}, 'constructor': {'prototype': {'polluted': True}}}") as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepStrictEqual(Object.keys(v), ["__proto__", "constructor"]);
  assert.deepStrictEqual(Object.getOwnPropertyDescriptor(v, "__proto__")!.value, { polluted: true });
  assert.equal(enc(v), H + "{'__proto__':{'polluted':True},'constructor':{'prototype':{'polluted':True}}}");
});

test("malformed input is a SerializeError with a clear message", async (t) => {
  const cases: [string, string | Uint8Array, RegExp][] = [
    ["empty", "", /no value/], ["only header", H, /no value/], ["unterminated str", "'abc", /unterminated string/],
    ["unterminated triple", "'''abc''", /unterminated string/], ["newline in str", "'a\nb'", /unterminated string/],
    ["backslash at end", "'abc\\", /unterminated string/], ["raw quote end", "r'abc\\'", /unterminated string/],
    ["truncated \\x", "'\\x4'", /truncated \\x/], ["truncated \\u", "'\\u12'", /truncated \\u/],
    ["truncated \\U", "'\\U0001F60'", /truncated \\U/], ["\\U too big", "'\\U00110000'", /illegal Unicode/],
    ["\\N", "'\\N{DASH}'", /\\N\{/], ["non-ascii bytes", "b'é'", /ASCII/], ["mixed literals", "'a' b'b'", /mix bytes/],
    ["unterminated list", "[1, 2", /unterminated list/], ["unterminated dict", "{'a': 1", /unterminated dict/],
    ["missing comma", "[1 2]", /expected ','/], ["leading comma", "[,]", /unexpected character/],
    ["missing colon", "{'a' 1}", /expected ',' or '\}' in set/], ["dict then set", "{'a':1, 2}", /expected ':'/],
    ["trailing garbage", "1 2", /unexpected data after/], ["garbage", "@", /unexpected character/],
    ["unknown name", "foo", /unexpected name 'foo'/], ["call", "set([1])", /set\(\)/], ["f-string", "f'x'", /unexpected name/],
    ["leading zero", "01", /leading zeros/], ["bad underscore", "1__0", /invalid number/], ["trailing underscore", "1_", /invalid number/],
    ["bad hex", "0x", /invalid number/], ["bad exponent", "1e", /invalid exponent/], ["letters after num", "12abc", /invalid number/],
    ["double sign", "--1", /expected a number/], ["int plus int", "1+2", /only complex literals/],
    ["complex complex", "1j+2j", /unexpected data after/], ["bool complex", "True+1j", /unexpected data after/],
    ["unhashable key", "{[1]:2}", /unhashable/], ["unhashable elem", "{1,{}}", /unhashable/],
    ["NUL byte", "[1,\0 2]", /NUL/], ["invalid utf8", new Uint8Array([0x27, 0xff, 0x27]), /'utf-8' codec can't decode byte 0xff in position 1: invalid start byte/],
    ["ellipsis", "...", /unexpected character/], ["lambda", "lambda: 1", /unexpected name/],
    ["attribute", "os.system", /unexpected name/], ["dot alone", ".", /unexpected character/],
  ];
  for (const [name, input, re] of cases) {
    await t.test(name, () => {
      const data = typeof input === "string" ? Buffer.from(input, "utf8") : input;
      assert.throws(() => serpent.deserializeData(data), (e: unknown) => e instanceof SerializeError && re.test((e as Error).message));
    });
  }
});

test("nesting: limits.maxDepth enforced both ways, never a stack overflow", () => {
  for (const open of ["[", "(", "{1:", "{"]) {
    const text = open.repeat(100000);
    assert.throws(() => serpent.deserializeData(Buffer.from(text)), (e: unknown) => e instanceof SerializeError && /nested deeper/.test((e as Error).message), open);
  }
  const ok = "[".repeat(limits.maxDepth) + "]".repeat(limits.maxDepth);
  assert.equal(JSON.stringify(dec(ok)).length, ok.length);
  const tooDeep = "[".repeat(limits.maxDepth + 1) + "]".repeat(limits.maxDepth + 1);
  assert.throws(() => dec(tooDeep), SerializeError);
  let v: unknown = 1;
  for (let i = 0; i < limits.maxDepth + 5; i++) v = [v];
  assert.throws(() => serpent.serializeData(v), SerializeError);
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  assert.throws(() => serpent.serializeData(cyclic), SerializeError);
  // A raised limit must still end in a SerializeError rather than a RangeError escaping.
  const huge = { limits: resolveLimits({ maxDepth: 1_000_000 }) };
  assert.throws(() => serpent.deserializeData(Buffer.from("[".repeat(500000)), huge), SerializeError);
  let w: unknown = 1;
  for (let i = 0; i < 200_000; i++) w = [w];
  assert.throws(() => serpent.serializeData(w, huge), SerializeError);
});

test("encoder refuses what Python's serpent refuses", () => {
  assert.throws(() => enc(new Map([[[1], 2]])), SerializeError);
  assert.throws(() => enc(new Set([{}])), SerializeError);
  assert.throws(() => enc(() => 1), SerializeError);
  assert.throws(() => enc(Symbol("x")), SerializeError);
  assert.throws(() => enc(new Date(NaN)), SerializeError);
});

test("decoded tuples are Tuple instances, lists plain arrays", () => {
  const v = dec("((1,2),[3])") as unknown[];
  assert.ok(v instanceof Tuple);
  assert.ok(v[0] instanceof Tuple);
  assert.ok(!(v[1] instanceof Tuple) && Array.isArray(v[1]));
  assert.equal(parseSerpentText("'x'"), "x");
});

test("fuzz: mutated and truncated input only ever raises SerializeError", () => {
  const sample = serpent.serializeData({
    s: "it's \"q\" \n é 😀 \ud800", n: [0, -1, 2n ** 70n, 1.5, -0, Infinity, NaN], t: tuple(tuple(), tuple(1)),
    m: new Map<unknown, unknown>([[1, new Set([1, 2])], [tuple("a"), new Complex(1, -2)]]), b: Buffer.from("xyz"),
  });
  const text = sample.toString("latin1");
  const alphabet = "()[]{},:'\"\\#-+.0123456789jJeExXbBrRuUN_ \n\t\0abcNoneTrueFalseset";
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  let parsed = 0;
  for (let i = 0; i < 5000; i++) {
    const chars = text.split("");
    const edits = 1 + rnd(4);
    for (let e = 0; e < edits; e++) {
      const at = rnd(chars.length + 1);
      const kind = rnd(3);
      if (kind === 0) chars.splice(at, 1);
      else if (kind === 1) chars.splice(at, 0, alphabet[rnd(alphabet.length)]!);
      else chars[at] = alphabet[rnd(alphabet.length)]!;
    }
    const input = Buffer.from(i % 10 === 0 ? chars.slice(0, rnd(chars.length)).join("") : chars.join(""), "latin1");
    try {
      serpent.deserializeData(input);
      parsed++;
    } catch (e) {
      assert.ok(e instanceof SerializeError, `${(e as Error)?.constructor?.name}: ${(e as Error)?.message} for ${JSON.stringify(input.toString("latin1"))}`);
    }
  }
  assert.ok(parsed > 0 && parsed < 5000);
});

test("a class dict that its converter rejects is a SerializeError", () => {
  for (const text of ["{'__class__':'Pyro4.core.URI','state':5}", "{'__class__':'Pyro4.core.URI','state':('PYRO',)}"])
    assert.throws(() => dec(text), SerializeError, text);
});

test("big bytes: chunked writer and parser paths give what the plain text parser gives", () => {
  const b64 = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + 3) % 256)).toString("base64");
  const blob = (data: string) => `{'data': '${data}', 'encoding': 'base64'}`;
  const big = b64(30000);
  const texts = [
    blob(big),
    `[${blob(big)}, ${blob(b64(40000, 7))}, 1]`,
    `{'k': ${blob(big)}, ${blob(b64(20000, 5))}: 2}`, // bytes as a dict key, as the dict form allows
    `"${blob(big)}"`, // inside a str literal: stays a str
    `'''x'' ${blob(big)}'''`, // inside a triple-quoted str
    `['\\'', "${blob(big)}\\"", ${blob(big)}]`, // escaped quotes before it
    `# ${blob(big)}\n[${blob(big)}]`, // in a comment, then for real
    `b'${blob(big)}'`,
    blob(big.slice(0, 1000) + "=" + big.slice(1001)), // '=' inside: not canonical, the plain path decides
    blob(big + "A"), // length not a multiple of 4
    `{'data': '${big}', 'encoding': 'base64', 'x': 1}`, // not the two-key form
    `{'data': '${big}', 'encoding': 'base64'`, // unterminated dict
    `'${blob(big)}`, // unterminated string
  ];
  for (const t of texts) {
    const text = H + t;
    let plain: unknown, fast: unknown;
    try {
      plain = parseSerpentText(text);
    } catch (e) {
      plain = e instanceof SerializeError ? "SerializeError" : e;
    }
    try {
      fast = serpent.deserializeData(Buffer.from(text, "utf8"));
    } catch (e) {
      fast = e instanceof SerializeError ? "SerializeError" : e;
    }
    assert.deepEqual(fast, plain, t.slice(0, 60));
  }
  assert.ok(Buffer.isBuffer(serpent.deserializeData(Buffer.from(H + blob(big)))));
  // random damage around big blobs: quotes, escapes, comments, padding and brackets in random places
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const base = Buffer.from(H + `['a', ${blob(b64(50000))}, "b", {'c': ${blob(b64(30000, 3))}}]`, "latin1");
  const junk = Buffer.from("'\"\\#=A\n{}[],: ", "latin1");
  for (let round = 0; round < 300; round++) {
    const b = Buffer.from(base);
    for (let k = 1 + rnd(3); k > 0; k--) b[H.length + rnd(b.length - H.length)] = junk[rnd(junk.length)]!;
    const outcome = (f: () => unknown) => {
      try {
        return f();
      } catch (e) {
        return e instanceof SerializeError ? "SerializeError" : e;
      }
    };
    assert.deepEqual(outcome(() => serpent.deserializeData(b)), outcome(() => parseSerpentText(b.toString("latin1"))), `round ${round}`);
  }
  // the writer's chunked output is byte for byte the plain output
  const value = [Buffer.from(big, "base64"), "s", { k: Buffer.alloc(100001, 0xab) }];
  const expected = H + `[${blob(big)},'s',{'k':${blob(Buffer.alloc(100001, 0xab).toString("base64"))}}]`;
  assert.equal(serpent.serializeData(value).toString("utf8"), expected);
  assert.deepEqual(serpent.deserializeData(serpent.serializeData(value)), value);
});
