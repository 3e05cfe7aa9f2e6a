// What a Java Pyrolite client (Pyrolite 5 and its pyro4-legacy branch) found different from Python's daemons, as
// raw requests sent to Python's echo servers and to ours, which must answer alike: a reply Python's serpent cannot
// write (a None dict key: TypeError, connection kept), call data that is not a 4-tuple (Python's unpacking errors),
// an unquoted name (Java writes a char that way: literal_eval's malformed-node ValueError), text that does not parse
// (SyntaxError), bytes that are not UTF-8 (UnicodeDecodeError with its five args), and an exception sent as a value
// (echoed without a traceback it never had).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { cleanEnv, echoserverSetForTests } from "../helpers/echoservers.js";
import { converse, type Observed, type Step } from "../helpers/wire-talk.js";
import { PYRO4_PROFILE, PYRO5_PROFILE, type PyroProfile } from "../../src/profiles/index.js";
import { MSG_CONNECT, MSG_INVOKE } from "../../src/protocol/message.js";
import { URI } from "../../src/uri.js";

const serpent = (text: string) => Buffer.from("# serpent utf-8 python3.2\n" + text);
const call = (args: string) => serpent(`('test.echoserver','echo',${args},{})`);

function script(): Step[] {
  const step = (name: string, data: Buffer): Step => ({ name, type: MSG_INVOKE, serializerId: 1, data });
  return [
    { name: "handshake", type: MSG_CONNECT, serializerId: 1, data: serpent("{'handshake':'hello','object':'test.echoserver'}") },
    step("None key in the result", call("({None:1},)")),
    step("still serving after it", call("('a',)")),
    step("None in a set result", call("({1,None},)")),
    step("an unquoted name (a Java char)", call("('x',z)")),
    step("a name on a later line", call("(1,\n zz)")),
    step("a name inside a syntax error", call("(z,(1,{))")),
    step("mismatched brackets", call("(1,{)")),
    step("not iterable", serpent("42")),
    step("None", serpent("None")),
    step("two values", serpent("('test.echoserver','echo')")),
    step("five values", serpent("('test.echoserver','echo',(),{},1)")),
    step("invalid start byte", Buffer.from([0xff, 0xfe, 0x28])),
    step("invalid continuation byte", Buffer.concat([serpent("('test.echoserver','echo',('"), Buffer.from([0xe2, 0x82, 0x28])])),
    step("truncated sequence at the end", Buffer.concat([serpent("('a"), Buffer.from([0xe2, 0x82])])),
    step("a surrogate", Buffer.from([0x28, 0xed, 0xa0, 0x80])),
    step("still serving at the end", call("('end',)")),
  ];
}

// What is CPython's own wording (a memory address, the parser's SyntaxError text) is masked; the class is kept.
function masked(o: Observed[]): Observed[] {
  return o.map((s) => {
    if (!s.reply) return s;
    let result = s.reply.result.replace(/ object at 0x[0-9a-f]+>/g, " object at 0x?>");
    if (result.startsWith("SyntaxError: ")) result = "SyntaxError: <parser text>";
    return { ...s, reply: { ...s.reply, result } };
  });
}

const servers = echoserverSetForTests();

const port = (uri: string) => new URI(uri).port!;

for (const [name, profile, theirs, mine] of [
  ["Pyro5", PYRO5_PROFILE, () => servers.py5, () => servers.ours5],
  ["Pyro4", PYRO4_PROFILE, () => servers.py4, () => servers.ours4],
] as const) {
  test(`${name}: serpent call data Python cannot read or answer, from Python's echoserver and ours alike`, async () => {
    const steps = script();
    const [ref, got] = await Promise.all([converse(port(theirs()), profile as PyroProfile, steps), converse(port(mine()), profile as PyroProfile, steps)]);
    assert.equal(ref.length, steps.length, "Python's daemon kept the connection through the script");
    assert.deepEqual(masked(got), masked(ref));
    const by = (n: string) => ref.find((o) => o.name === n)!.reply!.result;
    // Python's answers, spelled out
    assert.match(by("None key in the result"), /^TypeError: one of the keys in a dict or set is not of a primitive hashable type: <class 'NoneType'>/);
    assert.match(by("an unquoted name (a Java char)"), /^ValueError: malformed node or string on line 2: <ast\.Name object at 0x/);
    assert.match(by("a name on a later line"), /^ValueError: malformed node or string on line 3: /);
    assert.match(by("a name inside a syntax error"), /^SyntaxError: /);
    assert.equal(by("not iterable"), "TypeError: cannot unpack non-iterable int object");
    assert.equal(by("None"), "TypeError: cannot unpack non-iterable NoneType object");
    assert.equal(by("two values"), "ValueError: not enough values to unpack (expected 4, got 2)");
    assert.equal(by("five values"), "ValueError: too many values to unpack (expected 4)");
    // UnicodeDecodeError's five args (our client shows them as Python's repr of the args tuple)
    assert.equal(by("invalid start byte"), "UnicodeDecodeError: ('utf-8', b'\\xff\\xfe(', 0, 1, 'invalid start byte')");
    assert.match(by("invalid continuation byte"), /, 54, 56, 'invalid continuation byte'\)$/);
    assert.match(by("truncated sequence at the end"), /, 29, 31, 'unexpected end of data'\)$/);
    assert.equal(by("a surrogate"), "UnicodeDecodeError: ('utf-8', b'(\\xed\\xa0\\x80', 1, 2, 'invalid continuation byte')");
    assert.ok(ref.every((o) => !o.closed));
  });

  test(`${name}: an exception echoed as a value comes back as Python's echoserver returns it (no made-up traceback)`, async () => {
    const env = cleanEnv(name === "Pyro5" ? PYRO5_ENV : {});
    const run = (uri: string) => runPythonAsync(["exception_value_echo.py", name.slice(-1), uri], { env });
    const [ref, got] = await Promise.all([run(theirs()), run(mine())]);
    assert.equal(got, ref);
    assert.deepEqual(JSON.parse(ref.split("\n")[0]!), [["ValueError", ["boom"], false]]);
  });
}
