// Rules a daemon applies to what it receives, compared at the byte level with Python's daemons (Pyro5.utils.echoserver
// and Pyro4.test.echoserver against `pyro5 echoserver` and `pyro4 echoserver`; Pyro5.nameserver against `pyro5 ns`):
// - a class dict of a class nothing knows is refused with SerializeError "unsupported serialized class: X", and a
//   name with double underscores with SecurityError; both answered, then the connection is closed (Pyro4 and Pyro5);
// - call data that does not decode (a malformed serpent literal, bad json/marshal/msgpack bytes) is answered with
//   the serializer's own exception class (ValueError, SyntaxError, JSONDecodeError, ...) and the connection stays;
// - the name server calls itself 'NameServer' in its AttributeErrors;
// and proxies describe themselves as Python's do (repr).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { join } from "node:path";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { REPO } from "../helpers/ns-process.js";
import { spawnReady, type ReadyProcess } from "../helpers/ready-process.js";
import { converse, type Observed, type Step } from "../helpers/wire-talk.js";
import { PYRO4_PROFILE, PYRO5_PROFILE, type PyroProfile } from "../../src/profiles/index.js";
import { FLAGS_META_ON_CONNECT, MSG_CONNECT, MSG_INVOKE } from "../../src/protocol/message.js";
import { Proxy } from "../../src/client/proxy.js";
import { Daemon } from "../../src/server/daemon.js";
import { URI } from "../../src/uri.js";

function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PYRO_") && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

function startOurs(bin: "main" | "pyro5", args: string[], ready: RegExp): Promise<ReadyProcess> {
  return spawnReady(process.execPath, ["--import", "tsx", join(REPO, `src/cli/${bin}.ts`), ...args], {
    ready,
    env: cleanEnv(),
    cwd: REPO,
    label: `${bin} ${args[0]}`,
    group: true,
    timeoutMs: 30_000,
    graceMs: 5000,
  });
}

const ECHO_READY = /^echo uri: (PYRO:\S+)$/;
let py5: PythonServer;
let py4: PythonServer;
let pyNs5: PythonServer;
let ours5: ReadyProcess;
let ours4: ReadyProcess;
let ourNs5: ReadyProcess;
before(async () => {
  [py5, py4, pyNs5, ours5, ours4, ourNs5] = await Promise.all([
    startPython(["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"], ECHO_READY, { env: cleanEnv(PYRO5_ENV) }),
    startPython(["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1", "-p", "0"], ECHO_READY, { env: cleanEnv() }),
    startPython(["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"], /NS running on 127\.0\.0\.1:(\d+)/, { env: cleanEnv(PYRO5_ENV) }),
    startOurs("pyro5", ["echoserver", "-H", "127.0.0.1", "-p", "0"], ECHO_READY),
    startOurs("main", ["echoserver", "-H", "127.0.0.1", "-p", "0"], ECHO_READY),
    startOurs("pyro5", ["ns", "-n", "127.0.0.1", "-p", "0", "-x"], /^URI = PYRO:Pyro\.NameServer@127\.0\.0\.1:(\d+)$/),
  ]);
});
after(async () => {
  await Promise.all([py5?.stop(), py4?.stop(), pyNs5?.stop(), ours5?.stop(), ours4?.stop(), ourNs5?.stop()]);
});

const port = (uri: string) => new URI(uri).port!;

/** A handshake, then `tail`, each step on the same connection. */
function withHandshake(profile: PyroProfile, serializer: string, object: string, tail: (call: (method: string, args: unknown[]) => Step) => Step[]): Step[] {
  const ser = profile.serializer(serializer);
  const opts = { dialect: profile.values };
  const call = (method: string, args: unknown[]): Step => ({
    name: `${method}(${inspect(args, { breakLength: Infinity })})`,
    type: MSG_INVOKE,
    serializerId: ser.id,
    data: ser.serializeCall(object, method, args, {}, opts),
  });
  return [
    { name: "handshake", type: MSG_CONNECT, serializerId: ser.id, flags: FLAGS_META_ON_CONNECT, data: ser.serializeData({ handshake: "hello", object }, opts) },
    ...tail(call),
  ];
}

/** Observations with exception messages cut to their class (Python's messages for malformed data name memory addresses). */
const classesOnly = (obs: Observed[]) =>
  obs.map((o) => ({ ...o, reply: o.reply && { ...o.reply, result: o.reply.flags & 1 ? o.reply.result.split(":")[0] : o.reply.result } }));

async function both(profile: PyroProfile, theirs: number, mine: number, steps: Step[]): Promise<[Observed[], Observed[]]> {
  return Promise.all([converse(theirs, profile, steps), converse(mine, profile, steps)]);
}

for (const [profile, theirs, mine] of [
  [PYRO5_PROFILE, () => py5.ready, () => ours5.match[1]!],
  [PYRO4_PROFILE, () => py4.ready, () => ours4.match[1]!],
] as const) {
  const serializers = profile === PYRO5_PROFILE ? ["serpent", "json", "marshal", "msgpack"] : ["serpent", "json", "marshal"];
  for (const serializer of serializers) {
    test(`${profile.name} (${serializer}): an unknown class is refused with SerializeError and the connection closed, as by Python`, async () => {
      const steps = withHandshake(profile, serializer, "test.echoserver", (call) => [call("echo", ["before"]), call("echo", [{ __class__: "shop.Item", x: 1 }]), call("echo", ["after"])]);
      const [ref, got] = await both(profile, port(theirs()), port(mine()), steps);
      assert.deepEqual(got, ref);
      assert.equal(ref[2]!.reply!.result, "SerializeError: unsupported serialized class: shop.Item");
      assert.equal(ref[2]!.closed, true);
      assert.equal(ref.length, 3);
    });

    test(`${profile.name} (${serializer}): a class name with double underscores is a SecurityError, the connection closed, as by Python`, async () => {
      const steps = withHandshake(profile, serializer, "test.echoserver", (call) => [call("echo", [[1, { __class__: "__main__.Item", x: 1 }]]), call("echo", ["after"])]);
      const [ref, got] = await both(profile, port(theirs()), port(mine()), steps);
      assert.deepEqual(got, ref);
      assert.equal(ref[1]!.reply!.result, "SecurityError: refused to deserialize types with double underscores in their name: __main__.Item");
      assert.equal(ref[1]!.closed, true);
    });
  }

  test(`${profile.name}: call data that does not decode is answered with the serializer's exception and the connection stays, as by Python`, async () => {
    const ids = profile.values.ids;
    const raw = (name: string, serializer: "serpent" | "json" | "marshal" | "msgpack", data: Buffer): Step => ({ name, type: MSG_INVOKE, serializerId: ids[serializer]!, data });
    const ok = profile.serializer("serpent").serializeCall("test.echoserver", "echo", ["still here"], {}, { dialect: profile.values });
    const cases: Step[] = [
      raw("serpent: a name where a literal must be", "serpent", Buffer.from("('test.echoserver','echo',(foo,),{})")),
      raw("serpent: a call", "serpent", Buffer.from("('test.echoserver','echo',(__import__('os'),),{})")),
      raw("serpent: cut short", "serpent", Buffer.from("('test.echoserver','echo',(1,")),
      raw("serpent: junk after the value", "serpent", Buffer.from("('test.echoserver','echo',(1,),{}) junk")),
      raw("json: not json", "json", Buffer.from('{"object": "test.echoserver", "method": ')),
      raw("marshal: unknown type code", "marshal", Buffer.from([0x00])),
      raw("marshal: cut short", "marshal", Buffer.from([0x69, 0x01])),
      ...(profile === PYRO5_PROFILE ? [raw("msgpack: reserved type byte", "msgpack", Buffer.from([0xc1])), raw("msgpack: cut short", "msgpack", Buffer.from([0x94, 0x01]))] : []),
    ];
    for (const c of cases) {
      const steps = withHandshake(profile, "serpent", "test.echoserver", () => [c, { name: "then a good call", type: MSG_INVOKE, serializerId: ids.serpent!, data: ok }]);
      const [ref, got] = await both(profile, port(theirs()), port(mine()), steps);
      assert.deepEqual(classesOnly(got), classesOnly(ref), c.name);
      assert.equal(ref[1]!.closed, false, c.name);
      assert.equal(ref[2]!.reply!.result, '"still here"', c.name);
    }
  });
}

test("Pyro5 name server: an attribute it does not have is reported as 'NameServer' object has no attribute, as by Pyro5.nameserver", async () => {
  const steps = withHandshake(PYRO5_PROFILE, "serpent", "Pyro.NameServer", (call) => [call("nosuchmethod", []), call("count", [])]);
  const [ref, got] = await both(PYRO5_PROFILE, Number(pyNs5.ready), Number(ourNs5.match[1]), steps);
  assert.deepEqual(got, ref);
  assert.equal(ref[1]!.reply!.result, "AttributeError: 'NameServer' object has no attribute 'nosuchmethod'");
});

test("proxies describe themselves as Python's do: <Pyro5.client.Proxy at 0x..; connected IPv4; for ...; owner ..> and Pyro4's", async () => {
  // Python's repr, before and after connecting, with the id and owner numbers masked
  const mask = (s: string) => s.replace(/0x[0-9a-f]+/, "0xID").replace(/owner \d+/, "owner N").replace(/127\.0\.0\.1:\d+/, "HOST:PORT");
  const pyRepr = async (api: string, env: Record<string, string>, uri: string) =>
    (await runPythonAsync(["-c", `${api}\np = Proxy("${uri}")\nprint(repr(p))\np._pyroBind()\nprint(repr(p))\np._pyroRelease()`], { env: cleanEnv(env) }))
      .trim()
      .split("\n")
      .map(mask);
  const d5 = await Daemon.create({ host: "127.0.0.1", port: 0, protocol: 5 });
  const d4 = await Daemon.create({ host: "127.0.0.1", port: 0 });
  try {
    for (const [d, api, env, protocol] of [
      [d5, "from Pyro5.api import Proxy", PYRO5_ENV, 5],
      [d4, "from Pyro4 import Proxy", {}, 4],
    ] as const) {
      const uri = d.uriFor("Pyro.Daemon").asString();
      const p = new Proxy(uri, { protocol });
      const mine = [mask(inspect(p))];
      await p.$bind();
      mine.push(mask(String(p)));
      await p.$release();
      assert.deepEqual(mine, await pyRepr(api, env, uri));
    }
  } finally {
    await d5.close();
    await d4.close();
  }
});
