// Serpent values that must come back from our echo exactly as from Python's (issue "Values survive exactly"),
// each with the value that exposed its defect: -0.0 in a set or as a key, dicts shaped like serpent's bytes, the
// float class dict, dict keys Python's serpent refuses, complex numbers Python's reader cannot read, and the
// encodings of the datetime/uuid/... marker types, all as Python serpent 1.41 writes them (module_in_classname).
import { test } from "node:test";
import assert from "node:assert/strict";
import { serpent } from "../../src/serializers/serpent.js";
import {
  Complex, Float, FrozenSet, NEG_ZERO, PyDateTime, PyDate, PyTime, TimeDelta, UUID, ByteArray, Range, OrderedDict, tuple, Decimal,
} from "../../src/serializers/values.js";
import { PyroError, SerializeError } from "../../src/errors.js";

const HEADER = "# serpent utf-8 python3.2\n";
const dec = (text: string) => serpent.deserializeData(Buffer.from(HEADER + text));
const enc = (v: unknown) => serpent.serializeData(v).toString("utf8").slice(HEADER.length);
const pythonClass = (e: unknown) => (e as { constructor: typeof PyroError }).constructor.pythonName;
const fails = (pyClass: string, message: string) => (e: unknown) =>
  e instanceof SerializeError && pythonClass(e) === pyClass && (e as Error).message === message;

test("-0.0 in a set, a frozenset or as a dict key stays -0.0 (a JavaScript Set or Map would make it 0)", () => {
  for (const text of ["{-0.0}", "{-0.0,1}", "{-0.0:'z'}", "{1:{-0.0}}"]) assert.equal(enc(dec(text)), text);
  const s = dec("{-0.0,1}") as Set<unknown>;
  assert.ok(s.has(NEG_ZERO) && s.has(1) && !s.has(0));
  const m = dec("{-0.0:'z',0:'y'}") as Map<unknown, unknown>;
  assert.equal(m.get(NEG_ZERO), "z");
  assert.equal(m.get(0), "y");
  assert.equal(enc(new FrozenSet([NEG_ZERO])), "{-0.0}");
  assert.equal(enc(dec("[-0.0]")), "[-0.0]");
});

test("only the exact dict serpent writes for bytes becomes bytes; every other dict goes back as it came", () => {
  assert.deepEqual(dec("{'data':'YWI=','encoding':'base64'}"), Buffer.from("ab"));
  assert.deepEqual(dec("{'data': '', 'encoding': 'base64'}"), Buffer.alloc(0));
  for (const text of [
    "{'data':'YWI','encoding':'base64'}", // unpadded
    "{'data':'hello world!','encoding':'base64'}", // not base64 at all
    "{'data':'YWJ=','encoding':'base64'}", // stray bits in the last character
    "{'data':'-_8=','encoding':'base64'}", // url-safe alphabet
    "{'data':'YW I=','encoding':'base64'}",
    "{'encoding':'base64','data':'YWI='}", // keys the other way round
    "{'data':'YWI=','encoding':'base64','x':1}",
    "{'data':5,'encoding':'base64'}",
    "{'data':'YWI=','encoding':'base32'}",
  ]) {
    const v = dec(text);
    assert.ok(!Buffer.isBuffer(v), text);
    assert.equal(enc(v), text, text);
  }
});

test("the float class dict: Python's float() of its value, integral results as Float so they stay floats", () => {
  assert.ok(Number.isNaN(dec("{'__class__':'float','value':'nan'}") as number));
  assert.equal(dec("{'__class__':'float','value':'1.5'}"), 1.5);
  assert.ok(Object.is(dec("{'__class__':'float','value':'-0'}"), -0));
  assert.equal(dec("{'__class__':'float','value':' -Infinity '}"), -Infinity);
  assert.deepEqual(dec("{'__class__':'float','value':'2'}"), new Float(2));
  assert.deepEqual(dec("{'__class__':'float','value':'1_0'}"), new Float(10));
  assert.deepEqual(dec("{'__class__':'float','value':3}"), new Float(3));
  assert.deepEqual(dec("{'__class__':'float','value':True}"), new Float(1));
  assert.equal(enc(dec("{'__class__':'float','value':'2'}")), "2.0");
  assert.throws(() => dec("{'__class__':'float','value':'abc'}"), fails("builtins.ValueError", "could not convert string to float: 'abc'"));
  assert.throws(() => dec("{'__class__':'float','value':'1__0'}"), fails("builtins.ValueError", "could not convert string to float: '1__0'"));
  assert.throws(() => dec("{'__class__':'float','value':None}"), fails("builtins.TypeError", "float() argument must be a string or a real number, not 'NoneType'"));
  assert.throws(() => dec("{'__class__':'float'}"), fails("builtins.KeyError", "value"));
});

test("dict keys and set elements: what Python serpent's _check_hashable_type takes, refused with its TypeError", () => {
  const refusal = (cls: string) =>
    fails("builtins.TypeError", `one of the keys in a dict or set is not of a primitive hashable type: <class '${cls}'>. Use simple types as keys or use a list or tuple as container.`);
  assert.throws(() => enc(new Map([[null, 1]])), refusal("NoneType"));
  assert.throws(() => enc(new Map([[undefined, 1]])), refusal("NoneType"));
  assert.throws(() => enc(new Set([null])), refusal("NoneType"));
  assert.throws(() => enc(new Map([[new FrozenSet([1]), 1]])), refusal("frozenset"));
  assert.throws(() => enc(new Map([[new PyDateTime(2020, 1, 1), 1]])), refusal("datetime.datetime"));
  assert.throws(() => enc(new Map([[UUID.fromInt(1), 1]])), refusal("uuid.UUID"));
  assert.throws(() => enc(new Map([[ByteArray.from([1]), 1]])), refusal("bytearray"));
  // bytes are accepted (Python's reader then fails on the dict they become, as on Python's own)
  assert.equal(enc(new Map([[Buffer.from("k"), 1]])), "{{'data': 'aw==', 'encoding': 'base64'}:1}");
  assert.equal(enc(new Map<unknown, unknown>([[true, 1], [1.5, 2], [tuple(1, null), 3], [new Complex(0, 1), 4], [2n ** 70n, 5]])),
    "{True:1,1.5:2,(1,None):3,(0.0+1.0j):4,1180591620717411303424:5}");
  // and what literal_eval refuses as unhashable fails with its TypeError
  assert.throws(() => dec("{[1]}"), fails("builtins.TypeError", "unhashable type: 'list'"));
  assert.throws(() => dec("{{1}:2}"), fails("builtins.TypeError", "unhashable type: 'set'"));
  assert.throws(() => dec("{{'a':1}}"), fails("builtins.TypeError", "unhashable type: 'dict'"));
});

test("complex: written exactly as Python serpent writes it, and read back, also where Python's reader cannot", () => {
  const cases: Array<[Complex, string, Complex?]> = [
    [new Complex(1, 2), "(1.0+2.0j)"],
    [new Complex(1, -0), "(1.0+-0.0j)"],
    // literal_eval adds the real part and complex(0.0, 1.0): -0.0 + 0.0 is 0.0, in Python's reader and ours
    [new Complex(-0, 1), "(-0.0+1.0j)", new Complex(0, 1)],
    [new Complex(-0, -1), "(-0.0-1.0j)"],
    [new Complex(Infinity, -Infinity), "(1e30000-1e30000j)"],
    [new Complex(1, Infinity), "(1.0+1e30000j)"],
    [new Complex(NaN, 1), "({'__class__':'float','value':'nan'}+1.0j)"],
    [new Complex(1, NaN), "(1.0{'__class__':'float','value':'nan'}j)"],
    [new Complex(NaN, NaN), "({'__class__':'float','value':'nan'}{'__class__':'float','value':'nan'}j)"],
    [new Complex(NaN, -2), "({'__class__':'float','value':'nan'}-2.0j)"],
  ];
  for (const [c, text, read] of cases) {
    assert.equal(enc(c), text);
    const back = dec(text) as Complex;
    const want = read ?? c;
    assert.ok(back instanceof Complex, text);
    assert.ok(Object.is(back.real, want.real) && Object.is(back.imag, want.imag), `${text}: ${back.real} ${back.imag}`);
  }
  // "x-0.0j" is x - complex(0.0, 0.0): a positive zero imaginary part, as Python reads it
  assert.ok(Object.is((dec("(1.0-0.0j)") as Complex).imag, 0));
  // a nan dict on its own, in a set, as a key: still NaN
  assert.ok(Number.isNaN(([...(dec("{{'__class__':'float','value':'nan'}}") as Set<number>)])[0]!));
});

test("the marker types, as Python serpent writes datetime, date, time, timedelta, UUID, bytearray, OrderedDict", () => {
  const cases: Array<[unknown, string]> = [
    [new PyDateTime(2020, 2, 29, 23, 59, 59, 999999), "'2020-02-29T23:59:59.999999'"],
    [new PyDateTime(2020, 2, 29), "'2020-02-29T00:00:00'"],
    [new PyDateTime(2020, 2, 29, 0, 0, 0, 1), "'2020-02-29T00:00:00.000001'"],
    [new PyDateTime(1, 1, 1), "'0001-01-01T00:00:00'"],
    [new PyDateTime(9999, 12, 31, 23, 59, 59, 999999), "'9999-12-31T23:59:59.999999'"],
    [new PyDateTime(2020, 2, 29, 1, 2, 3, 4, { utcoffset: 7200 }), "'2020-02-29T01:02:03.000004+02:00'"],
    [new PyDateTime(2020, 2, 29, 1, 2, 3, 0, { utcoffset: 0 }), "'2020-02-29T01:02:03+00:00'"],
    [new PyDateTime(2020, 2, 29, 1, 2, 3, 0, { utcoffset: -19800, tzname: "IST" }), "'2020-02-29T01:02:03-05:30'"],
    [new PyDateTime(2020, 2, 29, 1, 2, 3, 0, { utcoffset: 3601.000005 }), "'2020-02-29T01:02:03+01:00:01.000005'"],
    [new PyDate(2020, 2, 29), "'2020-02-29'"],
    [new PyDate(1, 1, 1), "'0001-01-01'"],
    [new PyTime(1, 2, 3, 4), "'01:02:03.000004'"],
    [new PyTime(23, 59, 59, 999999, { utcoffset: 7200 }), "'23:59:59.999999+02:00'"],
    [new TimeDelta(-1, 5, 7), "-86394.999993"],
    [new TimeDelta(0, 2), "2.0"],
    [new TimeDelta(999999999, 86399, 999999), "86400000000000.0"],
    [UUID.fromInt(1), "'00000000-0000-0000-0000-000000000001'"],
    [ByteArray.from([97, 98]), "{'data': 'YWI=', 'encoding': 'base64'}"],
    [new OrderedDict<unknown, unknown>([["b", 1], [null, 2]]), "{'__class__':'collections.OrderedDict','items':[('b',1),(None,2)]}"],
    [new OrderedDict(), "{'__class__':'collections.OrderedDict','items':[]}"],
  ];
  for (const [v, text] of cases) assert.equal(enc(v), text, text);
  assert.throws(() => enc(new Range(0, 3)), fails("builtins.TypeError", "don't know how to serialize class <class 'range'>. Give it vars() or an appropriate __getstate__"));
  // a plain Date keeps going as an aware UTC datetime
  assert.equal(enc(new Date(Date.UTC(2020, 1, 29))), "'2020-02-29T00:00:00+00:00'");
});

test("timedelta: repr(total_seconds()) of the exact microsecond count rounded once, as Python's int / int", () => {
  // Python: timedelta(microseconds=51018855102792232773).total_seconds() == 51018855102792.234 (rounding the
  // microseconds to a double first gave ...792.23, the last bit off, for about a quarter of such values)
  const cases: Array<[bigint, string]> = [[51018855102792232773n, "51018855102792.234"], [-16268681933482436353n, "-16268681933482.436"], [61709660526434417121n, "61709660526434.414"]];
  for (const [us, text] of cases) {
    const day = 86400000000n;
    const days = us / day - (us % day < 0n ? 1n : 0n);
    const rest = us - days * day;
    assert.equal(enc(new TimeDelta(Number(days), Number(rest / 1000000n), Number(rest % 1000000n))), text);
  }
});

test("in a call our daemon reads serpent as Python's daemon does: the complex quirks fail with literal_eval's errors", () => {
  const call = (args: string) => serpent.deserializeCall(Buffer.from(`${HEADER}('o','echo',(${args},),{})`));
  assert.throws(() => call("(1.5+-0.0j)"), fails("builtins.ValueError", "malformed node or string on line 2: <ast.UnaryOp object at 0x0>"));
  assert.throws(() => call("({'__class__':'float','value':'nan'}+2.0j)"), fails("builtins.ValueError", "malformed node or string on line 2: <ast.Dict object at 0x0>"));
  assert.throws(() => call("(1.5{'__class__':'float','value':'nan'}j)"), fails("builtins.SyntaxError", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 2)"));
  // a SyntaxError anywhere wins over an earlier ValueError, as Python parses before it evaluates
  assert.throws(() => call("(1.0+-0.0j),(1.5{'__class__':'float','value':'nan'}j)"), fails("builtins.SyntaxError", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 2)"));
  // class conversion comes after literal_eval: its error only when the text itself is fine
  assert.throws(() => call("{'__class__':'float','value':'x'},(1.5+-0.0j)"), fails("builtins.ValueError", "malformed node or string on line 2: <ast.UnaryOp object at 0x0>"));
  assert.throws(() => call("{'__class__':'float','value':'x'}"), fails("builtins.ValueError", "could not convert string to float: 'x'"));
  // serpent's OrderedDict dict is refused, as Python's reader refuses it (in a call and in a reply alike)
  const od = "{'__class__':'collections.OrderedDict','items':[('b',1)]}";
  assert.throws(() => call(od), (e: unknown) => e instanceof SerializeError && (e as Error).message === "unsupported serialized class: collections.OrderedDict");
  assert.throws(() => dec(od), /unsupported serialized class: collections\.OrderedDict/);
  // outside a call (what our client reads) the quirks are read
  assert.ok(Object.is((dec("(1.5+-0.0j)") as Complex).imag, -0));
  assert.equal(call("(1.0+2.0j)").vargs.length, 1);
});

test("pickle's Decimal goes as Python's str(Decimal) (normalized as Python writes it)", () => {
  const cases: Array<[string, string]> = [["1.50", "'1.50'"], ["1e5", "'1E+5'"], ["123e-8", "'0.00000123'"], ["-0", "'-0'"], ["nan", "'NaN'"], ["-sNaN12", "'-sNaN12'"], ["inf", "'Infinity'"], ["0.0000001", "'1E-7'"]];
  for (const [text, out] of cases) assert.equal(enc(new Decimal(text)), out, text);
  assert.equal(enc(new Map([[new Decimal("1.5"), 1]])), "{'1.5':1}"); // a number to serpent's key check
  assert.throws(() => enc(new Decimal("abc")), /invalid Decimal text/);
});
