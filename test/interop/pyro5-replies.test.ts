// Every reply at the byte level, against Python's own daemons: the same raw requests (handshake, calls with and
// without a correlation id, an exception, the start of an item stream, a oneway call, a ping, SerializedBlob calls
// whose BLBI annotation is missing or does not unpack, an unknown object)
// sent to Pyro5.utils.echoserver and to `pyro5 echoserver`, and to Pyro4.test.echoserver and `pyro4 echoserver`,
// must get replies with the same type, wire flags, sequence number, serializer, correlation id (the request's, a
// new one, or none), annotation keys and content. Pyro5 sets flag 64 and the correlation id on every reply
// (errors: 65, stream start: 81); Pyro4 puts CORR on normal replies only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { echoserverSetForTests } from "../helpers/echoservers.js";
import { converse, type Observed, type Step } from "../helpers/wire-talk.js";
import { PYRO4_PROFILE, PYRO5_PROFILE, type PyroProfile } from "../../src/profiles/index.js";
import { FLAGS_KEEPSERIALIZED, FLAGS_META_ON_CONNECT, FLAGS_ONEWAY, MSG_CONNECT, MSG_INVOKE, MSG_PING } from "../../src/protocol/message.js";
import { URI } from "../../src/uri.js";
import { getSerializer } from "../../src/serializers/index.js";
import { tuple } from "../../src/serializers/values.js";

const marshal = getSerializer("marshal");

const corr = (n: number) => Buffer.alloc(16, n);

/** The script: the same requests for every daemon of a protocol, in `serializer`. */
function script(profile: PyroProfile, serializer: string): Step[] {
  const ser = profile.serializer(serializer);
  const opts = { dialect: profile.values };
  const call = (obj: string, method: string, args: unknown[]) => ser.serializeCall(obj, method, args, {}, opts);
  const id = ser.id;
  return [
    { name: "handshake", type: MSG_CONNECT, serializerId: id, flags: FLAGS_META_ON_CONNECT, corr: corr(1), data: ser.serializeData({ handshake: "hello", object: "test.echoserver" }, opts) },
    { name: "call with a correlation id", type: MSG_INVOKE, serializerId: id, corr: corr(2), data: call("test.echoserver", "echo", ["x"]) },
    { name: "call without one", type: MSG_INVOKE, serializerId: id, corr: null, data: call("test.echoserver", "echo", [[1, 2]]) },
    { name: "exception", type: MSG_INVOKE, serializerId: id, corr: corr(3), data: call("test.echoserver", "error", []) },
    { name: "exception without a correlation id", type: MSG_INVOKE, serializerId: id, corr: null, data: call("test.echoserver", "error", []) },
    { name: "item stream start", type: MSG_INVOKE, serializerId: id, corr: corr(4), data: call("test.echoserver", "generator", []) },
    { name: "oneway", type: MSG_INVOKE, serializerId: id, corr: corr(5), flags: FLAGS_ONEWAY, reply: false, data: call("test.echoserver", "oneway_echo", ["z"]) },
    { name: "ping", type: MSG_PING, serializerId: 42, corr: corr(6), data: Buffer.from("ping") },
    { name: "KEEPSERIALIZED without its BLBI annotation", type: MSG_INVOKE, serializerId: id, corr: corr(9), flags: FLAGS_KEEPSERIALIZED, data: call("test.echoserver", "echo", ["blob"]) },
    // Python unpacks BLBI as `blobinfo, objId, method = marshal.loads(...)`: its errors are answered, the connection stays
    { name: "KEEPSERIALIZED with a BLBI of two items", type: MSG_INVOKE, serializerId: id, corr: corr(10), flags: FLAGS_KEEPSERIALIZED, annotations: [["BLBI", marshal.serializeData(tuple("info", "test.echoserver"))]], data: call("test.echoserver", "echo", ["blob"]) },
    { name: "KEEPSERIALIZED with a BLBI of an int", type: MSG_INVOKE, serializerId: id, corr: corr(11), flags: FLAGS_KEEPSERIALIZED, annotations: [["BLBI", marshal.serializeData(5)]], data: call("test.echoserver", "echo", ["blob"]) },
    { name: "unknown object", type: MSG_INVOKE, serializerId: id, corr: corr(7), data: call("no.such.object", "echo", [1]) },
    { name: "still serving", type: MSG_INVOKE, serializerId: id, corr: corr(8), data: call("test.echoserver", "echo", ["end"]) },
  ];
}

const servers = echoserverSetForTests();

const port = (uri: string) => new URI(uri).port!;

async function compare(profile: PyroProfile, theirs: string, mine: string, serializer: string): Promise<Observed[]> {
  const steps = script(profile, serializer);
  const [ref, got] = await Promise.all([converse(port(theirs), profile, steps), converse(port(mine), profile, steps)]);
  for (let i = 0; i < ref.length; i++) assert.deepEqual(got[i], ref[i], `${profile.name} ${serializer}: ${ref[i]!.name}`);
  assert.equal(got.length, ref.length);
  return ref;
}

for (const serializer of ["serpent", "json", "marshal", "msgpack"]) {
  test(`Pyro5 replies (${serializer}): flags and correlation ids as Pyro5.utils.echoserver sends them`, async () => {
    const ref = await compare(PYRO5_PROFILE, servers.py5, servers.ours5, serializer);
    const by = (n: string) => ref.find((o) => o.name === n)!;
    // what Pyro5 does, spelled out: flag 64 and the request's id (or a new one) on every reply
    assert.equal(by("exception").reply!.flags, 65);
    assert.equal(by("exception").reply!.corr, "request");
    assert.equal(by("exception without a correlation id").reply!.corr, "new");
    assert.equal(by("item stream start").reply!.flags, 81);
    assert.deepEqual(by("item stream start").reply!.annotations, ["STRM"]);
    assert.equal(by("call without one").reply!.corr, "new");
    assert.equal(by("oneway").reply, null);
    assert.equal(by("ping").reply!.corr, "request");
    assert.ok(ref.every((o) => o.reply === null || o.reply.flags & 64));
    assert.ok(ref.every((o) => !o.closed));
  });
}

for (const serializer of ["serpent", "json", "marshal"]) {
  test(`Pyro4 replies (${serializer}): CORR as Pyro4.test.echoserver sends it (normal replies only)`, async () => {
    const ref = await compare(PYRO4_PROFILE, servers.py4, servers.ours4, serializer);
    const by = (n: string) => ref.find((o) => o.name === n)!;
    assert.equal(by("exception").reply!.corr, "none");
    assert.equal(by("item stream start").reply!.corr, "none");
    assert.equal(by("call with a correlation id").reply!.corr, "request");
  });
}
