// What reaches a codec when a daemon or proxy decodes: the protocol's dialect and the caller's limits, for Pyro5's
// serializers too (they add Pyro5's dialect to the caller's options; they used to drop the limits). And the
// refusals Python's serializer hooks raise as Pyro's SerializeError (an unknown msgpack ext code), marked apart
// from malformed data. The interop side is test/interop/pyro5-limits.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getSerializer } from "../../src/serializers/index.js";
import { getPyro5Serializer } from "../../src/serializers/pyro5.js";
import { MsgpackExt } from "../../src/serializers/msgpack.js";
import { PYRO4_VALUES, PYRO5_VALUES, isClassRefusal } from "../../src/serializers/dialect.js";
import { DEFAULT_LIMITS, limitsOf, resolveLimits } from "../../src/limits.js";
import { Daemon } from "../../src/server/daemon.js";
import { SerializeError } from "../../src/errors.js";

const deep = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
const low = resolveLimits({ maxDepth: 50 });

test("limitsOf: the caller's limits, else the defaults", () => {
  assert.equal(limitsOf({ limits: low }), low);
  assert.equal(limitsOf({}), DEFAULT_LIMITS);
  assert.equal(limitsOf(undefined), DEFAULT_LIMITS);
});

for (const name of ["serpent", "json", "marshal", "msgpack"]) {
  test(`Pyro5 ${name}: decoding applies the caller's limits, with and without a dialect and zeroCopy in the options`, () => {
    const s = getPyro5Serializer(name);
    const data = s.serializeData(deep(60));
    const call = s.serializeCall("obj", "m", [deep(60)], null);
    for (const options of [{ limits: low }, { limits: low, zeroCopy: true }, { limits: low, dialect: PYRO5_VALUES, zeroCopy: true }]) {
      assert.throws(() => s.deserializeData(data, options), (e: unknown) => e instanceof SerializeError && /limit of 50 levels/.test(e.message), JSON.stringify(Object.keys(options)));
      assert.throws(() => s.deserializeCall(call, options), /limit of 50 levels/);
    }
    // the default limits take it
    assert.ok(Array.isArray(s.deserializeData(data)));
    assert.equal(s.deserializeCall(call, { zeroCopy: true }).method, "m");
  });
}

// A call with an ext value of an unknown code (0x40): Pyro4's daemon keeps it (its loadsCall has no ext hook), Pyro5's
// refuses it. Which rule applies is the `dialect` decode option, so it shows whether the dialect reached msgpack.
const EXT_CALL = Buffer.from("94a36f626aa16d91d4400a80", "hex"); // ("obj", "m", [ExtType(0x40, b"\n")], {})

test("the dialect in the decode options reaches msgpack: a Pyro4 call keeps an unknown ext value, a Pyro5 call refuses it", () => {
  const m4 = getSerializer("msgpack");
  assert.ok(m4.deserializeCall(EXT_CALL).vargs[0] instanceof MsgpackExt);
  assert.ok(m4.deserializeCall(EXT_CALL, { dialect: PYRO4_VALUES }).vargs[0] instanceof MsgpackExt);
  assert.throws(() => m4.deserializeCall(EXT_CALL, { dialect: PYRO5_VALUES }), /invalid ext code for msgpack: 64/);
  // Pyro5's serializer decodes as Pyro5 whatever dialect the options name
  assert.throws(() => getPyro5Serializer("msgpack").deserializeCall(EXT_CALL, { dialect: PYRO4_VALUES, limits: low }), /invalid ext code/);
});

for (const protocol of [4, 5] as const) {
  test(`a protocol-${protocol} daemon decodes calls in its protocol's dialect, with its own limits`, async () => {
    const d = await Daemon.create({ protocol, host: "127.0.0.1", limits: { maxDepth: 50 } });
    try {
      assert.equal(d.deserializeOptions.dialect, protocol === 5 ? PYRO5_VALUES : PYRO4_VALUES);
      assert.equal(d.deserializeOptions.limits, d.limits);
      assert.equal(d.deserializeOptions.limits?.maxDepth, 50);
    } finally {
      await d.close();
    }
  });
}

test("an unknown msgpack ext code is Pyro's SerializeError, marked a refusal (as Python's ext_hook raises it); malformed ext data is not", () => {
  const refused = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof SerializeError && isClassRefusal(e);
    }
    assert.fail("expected a SerializeError");
  };
  const m4 = getSerializer("msgpack");
  const m5 = getPyro5Serializer("msgpack");
  assert.equal(refused(() => m5.deserializeCall(EXT_CALL)), true);
  assert.equal(refused(() => m4.deserializeData(Buffer.from("d4400a", "hex"))), true);
  assert.equal(refused(() => m5.deserializeData(Buffer.from("d4400a", "hex"))), true);
  // a complex (0x30) of the wrong length is malformed data, answered as the parser's error
  assert.equal(refused(() => m4.deserializeData(Buffer.from("d5300000", "hex"))), false);
});
