// The one limits object (src/limits.ts): frozen defaults, merging (most specific first), typed refusal of bad
// values and unknown names, and how a Daemon and a Proxy resolve theirs (the `limits` option, the older max*
// daemon options, config MAX_MESSAGE_SIZE, then the defaults). Enforcement is tested per codec, in
// test/fuzz/limits.test.ts (daemon) and test/interop/limits.test.ts (against Python Pyro4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { DEFAULT_LIMITS, inflateCap, resolveLimits } from "../../src/limits.js";
import { InvalidArgumentError, MessageTooLargeError, SerializeError } from "../../src/errors.js";
import { Daemon } from "../../src/server/daemon.js";
import { Proxy } from "../../src/client/proxy.js";
import { ProxySettings } from "../../src/client/settings.js";
import { expose } from "../../src/server/expose.js";
import { config } from "../../src/config.js";
import { MessageReader } from "../../src/protocol/reader.js";
import { encodeMessageBuffer, FLAGS_COMPRESSED, MSG_INVOKE } from "../../src/protocol/message.js";
import { getSerializer } from "../../src/serializers/index.js";

test("DEFAULT_LIMITS is frozen and holds the documented defaults", () => {
  assert.ok(Object.isFrozen(DEFAULT_LIMITS));
  assert.deepEqual({ ...DEFAULT_LIMITS }, {
    maxMessageSize: 1 << 30, maxInflatedSize: 1 << 30, maxDepth: 1000, maxPickleMemo: 1 << 24, maxPickleStack: 1 << 24,
    maxIntBytes: 4096, maxConnections: 4096, maxStreamsPerConnection: 4096, maxBatchSize: 1_000_000, writeHighWaterMark: 1 << 20,
  });
  assert.throws(() => {
    (DEFAULT_LIMITS as { maxDepth: number }).maxDepth = 5;
  }, TypeError);
  assert.equal(DEFAULT_LIMITS.maxDepth, 1000);
});

test("resolveLimits: the first layer that sets a limit wins, the rest are defaults; the result is frozen", () => {
  const l = resolveLimits({ maxDepth: 10 }, { maxDepth: 20, maxConnections: 3 }, null, undefined);
  assert.equal(l.maxDepth, 10);
  assert.equal(l.maxConnections, 3);
  assert.equal(l.maxBatchSize, DEFAULT_LIMITS.maxBatchSize);
  assert.ok(Object.isFrozen(l));
  assert.equal(resolveLimits({ maxMessageSize: 0 }).maxMessageSize, 0, "0 = unlimited where Pyro4 allows it");
});

test("resolveLimits: bad values and unknown names are an InvalidArgumentError (ERR_PYRO4_INVALID_ARG)", () => {
  const bad: Record<string, unknown>[] = [{ maxDepth: 0 }, { maxDepth: -1 }, { maxDepth: 1.5 }, { maxMessageSize: -1 }, { maxInflatedSize: 0 }, { maxConnections: "10" }, { maxDepth: NaN }, { maxPickleMemo: Infinity }, { maxDeph: 10 }];
  for (const b of bad) {
    assert.throws(() => resolveLimits(b as never), (e: unknown) => e instanceof InvalidArgumentError && e.code === "ERR_PYRO4_INVALID_ARG", JSON.stringify(b));
  }
  assert.throws(() => resolveLimits({ maxDeph: 10 } as never), /unknown limit 'maxDeph'/);
});

test("inflateCap: maxInflatedSize, or maxMessageSize when smaller (never unlimited)", () => {
  assert.equal(inflateCap(resolveLimits({ maxMessageSize: 0 })), 1 << 30);
  assert.equal(inflateCap(resolveLimits({ maxMessageSize: 1000 })), 1000);
  assert.equal(inflateCap(resolveLimits({ maxInflatedSize: 500, maxMessageSize: 1000 })), 500);
});

test("a Daemon's limits: `limits` over the max* options over config MAX_MESSAGE_SIZE over the defaults", async () => {
  const saved = config.MAX_MESSAGE_SIZE;
  try {
    const plain = new Daemon({ port: 0, host: "127.0.0.1" });
    assert.deepEqual({ ...plain.limits }, { ...DEFAULT_LIMITS }, "Pyro4's config 0 means our default");
    assert.equal(plain.maxMessageSize, DEFAULT_LIMITS.maxMessageSize);
    await plain.close();
    config.MAX_MESSAGE_SIZE = 5000;
    const fromConfig = new Daemon({ host: "127.0.0.1" });
    assert.equal(fromConfig.limits.maxMessageSize, 5000);
    await fromConfig.close();
    const legacy = new Daemon({ host: "127.0.0.1", maxMessageSize: 6000, maxConnections: 2, writeHighWaterMark: 0 });
    assert.equal(legacy.limits.maxMessageSize, 6000);
    assert.equal(legacy.maxConnections, 2);
    assert.equal(legacy.writeHighWaterMark, 0);
    await legacy.close();
    const both = new Daemon({ host: "127.0.0.1", maxMessageSize: 6000, limits: { maxMessageSize: 7000, maxDepth: 30 } });
    assert.equal(both.limits.maxMessageSize, 7000);
    assert.equal(both.maxMessageSize, 7000);
    assert.equal(both.limits.maxDepth, 30);
    assert.ok(Object.isFrozen(both.limits));
    await both.close();
    assert.throws(() => new Daemon({ host: "127.0.0.1", writeHighWaterMark: -1 }), InvalidArgumentError);
    assert.throws(() => new Daemon({ host: "127.0.0.1", limits: { maxDepth: 0 } }), InvalidArgumentError);
  } finally {
    config.MAX_MESSAGE_SIZE = saved;
  }
});

test("a Proxy's limits: its `limits` option over config MAX_MESSAGE_SIZE over the defaults; replies are decoded with them", async () => {
  const saved = config.MAX_MESSAGE_SIZE;
  try {
    assert.deepEqual({ ...new ProxySettings("PYRO:x@127.0.0.1:9").limits }, { ...DEFAULT_LIMITS });
    config.MAX_MESSAGE_SIZE = 5000;
    assert.equal(new ProxySettings("PYRO:x@127.0.0.1:9").limits.maxMessageSize, 5000);
    assert.equal(new ProxySettings("PYRO:x@127.0.0.1:9", { limits: { maxMessageSize: 0 } }).limits.maxMessageSize, 0);
  } finally {
    config.MAX_MESSAGE_SIZE = saved;
  }
  assert.throws(() => new ProxySettings("PYRO:x@127.0.0.1:9", { limits: { maxDepth: -3 } }), InvalidArgumentError);
  class Deep {
    @expose nested(n: number) {
      let v: unknown = 1;
      for (let i = 0; i < n; i++) v = [v];
      return v;
    }
  }
  await using daemon = await Daemon.create({ host: "127.0.0.1" });
  const uri = daemon.register(new Deep(), "deep");
  await using strict = new Proxy<Deep>(uri, { limits: { maxDepth: 20 } });
  await assert.rejects(strict.nested(30), (e: unknown) => e instanceof SerializeError && /limit of 20 levels/.test((e as Error).message));
  assert.equal(JSON.stringify(await strict.nested(15)).length, 31, "the proxy still works after a refused reply");
  await using plain = new Proxy<Deep>(uri);
  assert.ok(Array.isArray(await plain.nested(30)));
});

test("the reader enforces the limits it is given: header size, and the inflate cap", () => {
  const serpent = getSerializer("serpent");
  const data = serpent.serializeCall("obj", "m", ["x".repeat(2000)], {});
  const frame = encodeMessageBuffer(MSG_INVOKE, serpent.id, 1, data);
  assert.throws(() => new MessageReader({ limits: resolveLimits({ maxMessageSize: 1000 }) }).push(frame), MessageTooLargeError);
  assert.equal(new MessageReader({ limits: resolveLimits({ maxMessageSize: 5000 }) }).push(frame).length, 1);
  const zipped = encodeMessageBuffer(MSG_INVOKE, serpent.id, 1, deflateSync(Buffer.alloc(100_000)), { flags: FLAGS_COMPRESSED });
  assert.throws(() => new MessageReader({ limits: resolveLimits({ maxInflatedSize: 50_000 }) }).push(zipped), /decompressed payload larger than 50000/);
  assert.equal(new MessageReader({ limits: resolveLimits({ maxInflatedSize: 100_000 }) }).push(zipped)[0]!.data.length, 100_000);
  assert.equal(new MessageReader().inflateCap, DEFAULT_LIMITS.maxInflatedSize);
});
