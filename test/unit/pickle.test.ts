// The pickle decoder's safety rules and limits, with hand-built pickles (no Python needed): hostile globals are
// SerializeErrors naming the global whichever opcode reaches them, nothing is called, and every limit is typed.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { SerializeError } from "../../src/errors.js";
import { getSerializer, hasSerializer } from "../../src/serializers/index.js";
import { pickle, Decimal } from "../../src/serializers/pickle.js";
import { tuple, Tuple } from "../../src/serializers/values.js";
import { DEFAULT_LIMITS as limits, resolveLimits } from "../../src/limits.js";
import { config } from "../../src/config.js";
import { Daemon } from "../../src/server/daemon.js";

const latin = (s: string) => Buffer.from(s, "latin1");
const sbu = (s: string) => {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([Buffer.from([0x8c, b.length]), b]);
};
const P4 = Buffer.from([0x80, 4]);
const MARKER = "/tmp/pyro4-pickle-test-pwned";

/** Every global a hostile pickle might name to run code, and the module Python's pickler would really write. */
export const HOSTILE_GLOBALS = [
  "os.system", "posix.system", "nt.system", "os.popen", "os.execv", "os.remove", "posix.posix_spawn",
  "subprocess.Popen", "subprocess.call", "subprocess.check_output", "subprocess.run", "_posixsubprocess.fork_exec",
  "builtins.eval", "builtins.exec", "builtins.compile", "builtins.getattr", "builtins.setattr", "builtins.__import__",
  "builtins.open", "builtins.globals", "builtins.vars", "builtins.input", "builtins.breakpoint", "builtins.print",
  "__builtin__.eval", "__builtin__.getattr", "sys.exit", "sys.modules", "importlib.import_module", "shutil.rmtree",
  "socket.socket", "pty.spawn", "runpy.run_path", "code.interact", "ctypes.CDLL", "pickle.loads", "_pickle.loads",
  "marshal.loads", "types.FunctionType", "types.CodeType", "operator.attrgetter", "operator.methodcaller",
  "functools.partial", "io.open", "codecs.open", "webbrowser.open", "platform.popen", "multiprocessing.Process",
  "asyncio.create_subprocess_shell", "tempfile.mkstemp", "pdb.run", "timeit.timeit", "collections.namedtuple",
  "copyreg.__newobj__", "datetime.sys", "decimal.getcontext", "uuid.os", "Pyro4.core.Daemon", "Pyro4.utils.flame.Flame",
  "Pyro4.util.SerializerBase", "mymodule.Thing.__init__.__globals__", "numpy.load", "yaml.load",
];

function global0(full: string): Buffer {
  const dot = full.lastIndexOf(".");
  const [m, n] = full.includes(".__") ? [full.split(".")[0]!, full.slice(full.indexOf(".") + 1)] : [full.slice(0, dot), full.slice(dot + 1)];
  return latin(`c${m}\n${n}\n`);
}
function global4(full: string): Buffer {
  const [m, n] = full.includes(".__") ? [full.split(".")[0]!, full.slice(full.indexOf(".") + 1)] : [full.slice(0, full.lastIndexOf(".")), full.slice(full.lastIndexOf(".") + 1)];
  return Buffer.concat([sbu(m), sbu(n), Buffer.from([0x93])]);
}

/** The ways a pickle can use a global: REDUCE (the classic), NEWOBJ, INST, OBJ, copyreg._reconstructor, BUILD, bare. */
function payloads(full: string): [string, Buffer][] {
  const arg = latin(`S'touch ${MARKER}'\n`);
  return [
    ["GLOBAL+REDUCE", Buffer.concat([global0(full), latin("("), arg, latin("tR.")])],
    ["STACK_GLOBAL+REDUCE", Buffer.concat([P4, global4(full), sbu(`touch ${MARKER}`), Buffer.from([0x85, 0x52, 0x2e])])],
    ["STACK_GLOBAL+NEWOBJ", Buffer.concat([P4, global4(full), Buffer.from([0x29, 0x81, 0x2e])])],
    ["NEWOBJ+BUILD", Buffer.concat([P4, global4(full), Buffer.from([0x29, 0x81, 0x7d, 0x62, 0x2e])])],
    ["INST", Buffer.concat([latin("("), arg, latin(`i${global0(full).toString("latin1").slice(1)}.`)])],
    ["OBJ", Buffer.concat([latin("("), global0(full), arg, latin("o.")])],
    ["_reconstructor", Buffer.concat([latin("ccopyreg\n_reconstructor\n("), global0(full), latin("cbuiltins\nobject\nNtR.")])],
    ["bare global", Buffer.concat([global0(full), latin(".")])],
    ["global in a list", Buffer.concat([latin("]"), global0(full), latin("a.")])],
  ];
}

test("pickle is registered as wire id 4 and is not the default serializer", () => {
  assert.equal(getSerializer("pickle"), pickle);
  assert.equal(getSerializer(4), pickle);
  assert.ok(hasSerializer("pickle"));
  assert.notEqual(config.SERIALIZER, "pickle");
  assert.ok(!config.SERIALIZERS_ACCEPTED.has("pickle"), "a daemon must not accept pickle unless configured to");
  assert.throws(() => getSerializer("dill"), /not supported/);
});

test("a daemon accepts pickle only when its serializers-accepted setting names it", async () => {
  const plain = await Daemon.create({ host: "127.0.0.1", port: 0 });
  const named = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["serpent", "pickle"] });
  try {
    assert.ok(!plain.acceptedSerializers.has(4));
    assert.ok(named.acceptedSerializers.has(4));
  } finally {
    await plain.close();
    await named.close();
  }
});

test(`pickle: ${HOSTILE_GLOBALS.length} hostile globals are SerializeErrors naming the global, via every opcode`, () => {
  let checked = 0;
  for (const g of HOSTILE_GLOBALS) {
    for (const [how, data] of payloads(g)) {
      assert.throws(
        () => pickle.deserializeData(data),
        (e: unknown) => {
          assert.ok(e instanceof SerializeError, `${g} via ${how}: ${String(e)}`);
          assert.equal(e.code, "ERR_PYRO4_SERIALIZE");
          const shown = g.startsWith("__builtin__.") ? g.replace("__builtin__", "builtins") : g;
          assert.ok(e.message.includes(`'${shown}'`), `${g} via ${how}: ${e.message}`);
          return true;
        },
      );
      checked++;
    }
  }
  assert.equal(checked, HOSTILE_GLOBALS.length * 9);
  assert.ok(!existsSync(MARKER), "nothing was executed");
});

test("pickle: plain user classes are allowed without arguments, refused with them", () => {
  // __main__.Thing() via NEWOBJ + BUILD: a class dict
  const ok = Buffer.concat([P4, global4("__main__.Thing"), Buffer.from([0x29, 0x81, 0x7d]), sbu("a"), Buffer.from([0x4b, 1, 0x73, 0x62, 0x2e])]);
  assert.deepStrictEqual(pickle.deserializeData(ok), { __class__: "__main__.Thing", a: 1 });
  // mymodule.delete_everything('x') via REDUCE: refused, naming it
  const bad = Buffer.concat([P4, global4("mymodule.delete_everything"), sbu("x"), Buffer.from([0x85, 0x52, 0x2e])]);
  assert.throws(() => pickle.deserializeData(bad), /refusing global 'mymodule\.delete_everything'/);
  // a known type called with arguments it never takes
  const bad2 = Buffer.concat([P4, global4("builtins.object"), sbu("x"), Buffer.from([0x85, 0x81, 0x2e])]);
  assert.throws(() => pickle.deserializeData(bad2), SerializeError);
});

test("pickle: malformed input gives typed errors", () => {
  const bad: [string, Buffer][] = [
    ["empty", Buffer.alloc(0)],
    ["no STOP", Buffer.from([0x80, 4, 0x4b, 1])],
    ["protocol 6", Buffer.from([0x80, 6, 0x4e, 0x2e])],
    ["trailing bytes", Buffer.from([0x4e, 0x2e, 0x00])],
    ["STOP on empty stack", Buffer.from([0x2e])],
    ["two values at STOP", Buffer.from([0x4e, 0x4e, 0x2e])],
    ["APPEND without list", Buffer.from([0x4b, 1, 0x4b, 2, 0x61, 0x2e])],
    ["SETITEM on list", Buffer.from([0x5d, 0x4b, 1, 0x4b, 2, 0x73, 0x2e])],
    ["memo miss", Buffer.from([0x68, 9, 0x2e])],
    ["truncated BINUNICODE", Buffer.from([0x58, 0xff, 0xff, 0xff, 0x7f, 0x61])],
    ["huge BINBYTES8", Buffer.from([0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x2e])],
    ["out-of-band buffer", Buffer.from([0x80, 5, 0x97, 0x2e])],
    ["persistent id", latin("P1\n.")],
    ["extension registry", Buffer.from([0x82, 1, 0x2e])],
    ["invalid opcode", Buffer.from([0xff, 0x2e])],
    ["POP_MARK without MARK", Buffer.from([0x31, 0x2e])],
    ["invalid UTF-8", Buffer.from([0x8c, 2, 0xc3, 0x28, 0x2e])],
    ["bad text int", latin("Iabc\n.")],
    ["unhashable set item", Buffer.from([0x8f, 0x28, 0x5d, 0x90, 0x2e])],
    ["non-ASCII py2 str", Buffer.from([0x55, 1, 0xe9, 0x2e])],
    ["datetime tz not a timezone", Buffer.concat([global0("datetime.datetime"), Buffer.from([0x43, 10, 7, 228, 1, 2, 0, 0, 0, 0, 0, 0, 0x4b, 1, 0x86, 0x52, 0x2e])])],
  ];
  for (const [name, data] of bad) assert.throws(() => pickle.deserializeData(data), SerializeError, name);
});

test("pickle limits: depth (tuples, lists through the memo, marks), memo, stack, size and int length", () => {
  const deep = limits.maxDepth + 5;
  // nested tuples: the stack never grows, the depth does
  const tuples = Buffer.concat([Buffer.from([0x80, 4, 0x4e]), Buffer.alloc(deep, 0x85), Buffer.from([0x2e])]);
  assert.throws(() => pickle.deserializeData(tuples), /nested deeper/);
  // nested lists built through the memo: [] put 0; then repeatedly [get 0] put 0
  const parts = [Buffer.from([0x80, 4, 0x5d, 0x71, 0])];
  for (let i = 0; i < deep; i++) parts.push(Buffer.from([0x30, 0x5d, 0x68, 0, 0x61, 0x71, 0]));
  parts.push(Buffer.from([0x2e]));
  assert.throws(() => pickle.deserializeData(Buffer.concat(parts)), /nested deeper/);
  // MARKs
  assert.throws(() => pickle.deserializeData(Buffer.concat([Buffer.alloc(deep, 0x28), Buffer.from([0x4e, 0x2e])])), /MARKs nested/);
  // at the limit it still works
  const okT = Buffer.concat([Buffer.from([0x80, 4, 0x4b, 7]), Buffer.alloc(limits.maxDepth, 0x85), Buffer.from([0x2e])]);
  let v = pickle.deserializeData(okT);
  for (let i = 0; i < limits.maxDepth; i++) v = (v as Tuple)[0];
  assert.equal(v, 7);

  // memo, stack and size limits come from the Limits passed with the call; the defaults stay in force elsewhere
  const memo = Buffer.concat([Buffer.from([0x80, 4, 0x5d]), ...Array.from({ length: 11 }, () => Buffer.from([0x94])), Buffer.from([0x2e])]);
  assert.throws(() => pickle.deserializeData(memo, { limits: resolveLimits({ maxPickleMemo: 10 }) }), /memo grew beyond 10/);
  assert.ok(Array.isArray(pickle.deserializeData(memo, { limits: resolveLimits({ maxPickleMemo: 11 }) })));
  assert.ok(Array.isArray(pickle.deserializeData(memo)));
  const stack = Buffer.concat([Buffer.alloc(101, 0x4e), Buffer.from([0x2e])]);
  assert.throws(() => pickle.deserializeData(stack, { limits: resolveLimits({ maxPickleStack: 100 }) }), /on the stack/);
  assert.throws(() => pickle.deserializeData(Buffer.alloc(1001, 0x4e), { limits: resolveLimits({ maxMessageSize: 1000 }) }), /exceeds the limit of 1000/);
  assert.throws(() => pickle.deserializeData(latin(`L${"9".repeat(21)}L\n.`), { limits: resolveLimits({ maxIntBytes: 20 }) }), /too long/);
  assert.throws(() => pickle.deserializeData(okT, { limits: resolveLimits({ maxDepth: limits.maxDepth - 10 }) }), /nested deeper than the limit of 990/);
  assert.ok(pickle.deserializeData(tuples, { limits: resolveLimits({ maxDepth: deep + 1 }) }) instanceof Tuple);
  const bigInt = Buffer.concat([Buffer.from([0x8b]), Buffer.from([0x01, 0x20, 0, 0]), Buffer.alloc(0x2001, 1), Buffer.from([0x2e])]);
  assert.throws(() => pickle.deserializeData(bigInt), /exceeds the limit/);
  assert.throws(() => pickle.deserializeData(latin(`L${"9".repeat(5000)}L\n.`)), /too long/);
});

test("pickle: protocol 0 text opcodes (INT, LONG, FLOAT, STRING, UNICODE, GET/PUT, DICT, LIST, TUPLE)", () => {
  const v = pickle.deserializeData(latin("(dp0\nVk\\u00e9y\np1\n(lp2\nI01\naI-5\naL123456789012345678901234567890L\naF-2.5\naS'a\\n\\x41'\nag1\na(I1\nI2\ntp3\nas."));
  assert.deepStrictEqual(v, { "kéy": [true, -5, 123456789012345678901234567890n, -2.5, "a\nA", "kéy", tuple(1, 2)] });
});

test("pickle: dict references survive a dict turning into a Map, cycles are kept", () => {
  // d = {}; l = [d, d]; then d[1] = 'x' through the memo (a non-string key turns d into a Map)
  const data = Buffer.from([0x80, 4, 0x7d, 0x71, 0, 0x30, 0x5d, 0x68, 0, 0x61, 0x68, 0, 0x61, 0x68, 0, 0x4b, 1, 0x8c, 1, 0x78, 0x73, 0x30, 0x2e]);
  const v = pickle.deserializeData(data) as unknown[];
  assert.ok(v[0] instanceof Map && v[1] === v[0]);
  assert.equal((v[0] as Map<unknown, unknown>).get(1), "x");
});

test("pickle encoder: shapes Python expects (FRAME, tuple opcodes, Decimal, depth limit)", () => {
  const b = pickle.serializeData([1, "x"]);
  assert.equal(b[0], 0x80);
  assert.equal(b[1], 4);
  assert.equal(b[2], 0x95, "protocol 4 frame");
  assert.equal(b.readBigUInt64LE(3), BigInt(b.length - 11));
  assert.deepStrictEqual(pickle.deserializeData(pickle.serializeData(new Decimal("1.10"))), new Decimal("1.10"));
  assert.deepStrictEqual(pickle.deserializeData(pickle.serializeData(null)), null);
  const cyc: unknown[] = [];
  cyc.push(cyc);
  assert.throws(() => pickle.serializeData(cyc), SerializeError);
  assert.throws(() => pickle.serializeData(() => 1), SerializeError);
  const call = pickle.deserializeCall(pickle.serializeCall("o", "m", [1, tuple(2)], { k: 3 }));
  assert.deepStrictEqual(call, { object: "o", method: "m", vargs: [1, tuple(2)], kwargs: { k: 3 } });
  assert.throws(() => pickle.deserializeCall(pickle.serializeData([1, 2])), /4-tuple/);
});

test("pickle encoder: the FRAME length is right when big bytes go by reference after the first buffer was outgrown", () => {
  // begin() writes the header into a 256-byte buffer; 300 bytes of other values replace that buffer before the
  // first part is cut, and the length must land in the part that holds the header (Python refuses a frame longer
  // than the data: "pickle data was truncated")
  for (const before of [0, 10, 300, 5000]) {
    const parts = pickle.serializeDataParts!(["v".repeat(before), Buffer.alloc(70_000, 7), "tail"]) as Buffer[];
    assert.ok(Array.isArray(parts) && parts.length >= 2);
    const data = Buffer.concat(parts);
    assert.equal(data[2], 0x95);
    assert.equal(data.readBigUInt64LE(3), BigInt(data.length - 11), `${before} bytes before`);
    const call = Buffer.concat(pickle.serializeCallParts!("o", "m", ["v".repeat(before), Buffer.alloc(70_000, 7)], {}) as Buffer[]);
    assert.equal(call.readBigUInt64LE(3), BigInt(call.length - 11), `call, ${before} bytes before`);
  }
});
