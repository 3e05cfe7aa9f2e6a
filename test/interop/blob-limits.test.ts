// A SerializedBlob decodes late, in the method that calls deserialized(): it must still be checked against the limits
// of the daemon that received it, not the defaults. Real Python Pyro4 and Pyro5 clients send KEEPSERIALIZED calls to
// our daemon created with `limits: { maxDepth: 50 }` (and a small maxIntBytes, which only pickle's decoder uses):
// data nested 60 levels (or an int too big) makes deserialized() throw our SerializeError, which reaches the Python
// client as Pyro's SerializeError, as from Python's daemon when a method raises one (Python's client then drops
// the connection, since SerializeError is a CommunicationError, and its next call reconnects); the same blob
// info nested 60 levels in the BLBI annotation is refused the same way. Within the limits the values come back
// exactly as from a daemon with default limits and as from Python's own daemon (json aside: there Python's
// deserialized() returns "params", see serialized-blob.test.ts), and the default daemon still takes 60 levels.
// The Python side (worker and client scenarios) is test/fixtures/blob_peer.py's limits-* modes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { Daemon } from "../../src/server/daemon.js";
import { expose } from "../../src/server/expose.js";
import { SerializedBlob } from "../../src/client/blob.js";
import { SerializeError } from "../../src/errors.js";
import type { SerializerName } from "../../src/serializers/index.js";

type Version = 4 | 5;
const SERIALIZERS: Record<Version, SerializerName[]> = {
  5: ["serpent", "marshal", "json", "msgpack"],
  4: ["serpent", "marshal", "json", "pickle"],
};
const LIMITS = { maxDepth: 50, maxIntBytes: 64 };

/** Our counterpart of blob_peer.py's LimitsWorker; it also keeps what deserialized() threw. */
class Handler {
  readonly errors: unknown[] = [];
  @expose
  process(blob: unknown): unknown {
    if (!(blob instanceof SerializedBlob)) return ["not a SerializedBlob", String(blob)];
    try {
      let info = blob.info;
      let n = 0;
      while (Array.isArray(info)) {
        info = info[0];
        n++;
      }
      return [n || info, blob.deserialized()];
    } catch (e) {
      this.errors.push(e);
      throw e;
    }
  }
  @expose
  refuse(): never {
    throw new SerializeError("refused in the method");
  }
}

interface Peer {
  limited: string;
  normal: string;
  python: string;
  handler: Handler;
}
const peers = new Map<Version, Peer>();
const stops: (() => Promise<void>)[] = [];
const env = (v: Version) => (v === 5 ? PYRO5_ENV : {});

before(async () => {
  for (const v of [4, 5] as const) {
    const worker: PythonServer = await startPython(["blob_peer.py", "limits-worker", String(v)], /^uri: (PYRO:\S+)$/, { env: env(v) });
    stops.push(() => worker.stop());
    const handler = new Handler();
    const uris: string[] = [];
    for (const limits of [LIMITS, undefined]) {
      const d = await Daemon.create({ host: "127.0.0.1", port: 0, protocol: v, serializersAccepted: SERIALIZERS[v], ...(limits ? { limits } : {}) });
      stops.push(() => d.close());
      uris.push(d.register(limits ? handler : new Handler(), "blob").toString());
    }
    peers.set(v, { limited: uris[0]!, normal: uris[1]!, python: worker.ready, handler });
  }
});
after(async () => {
  for (const stop of stops) await stop();
});

async function client(v: Version, uri: string, serializer: string, what: string): Promise<unknown[][]> {
  const out = await runPythonAsync(["blob_peer.py", "limits-client", String(v), uri, serializer, what], { env: env(v), timeoutMs: 60_000 });
  return JSON.parse(out.trim().split("\n").pop()!) as unknown[][];
}

/** Run one scenario against our limited daemon, our default daemon and Python's daemon; check what they share. */
async function scenario(v: Version, s: SerializerName, what: string, message: RegExp): Promise<void> {
  const p = peers.get(v)!;
  const before = p.handler.errors.length;
  const [limited, normal, python] = await Promise.all([
    client(v, p.limited, s, what),
    client(v, p.normal, s, what),
    client(v, p.python, s, what),
  ]);
  const ctx = JSON.stringify({ limited, normal, python });
  // beyond the limits: our SerializeError, as Python's client sees a SerializeError raised in a method; a BLBI
  // annotation beyond them is call data that does not decode: marshal's ValueError, as for any call (decode-errors.ts)
  assert.equal(limited[0]![0], what === "info" ? "builtins.ValueError" : `Pyro${v}.errors.SerializeError`, ctx);
  assert.match(String(limited[0]![1]), message, ctx);
  // within them: exactly what the default daemon answers; and the default daemon takes the whole call
  assert.deepEqual(limited[1], normal[1], ctx);
  assert.equal(normal[0]![0], "ok", ctx);
  assert.equal(normal[1]![0], "ok", ctx);
  // which is what Python's daemon answers (json: Python's deserialized() gives "params", ours the arguments)
  if (s !== "json" || what === "info") assert.deepEqual(normal, python, ctx);
  if (what !== "info") {
    // the method itself got the typed error from deserialized()
    assert.equal(p.handler.errors.length, before + 1, ctx);
    const e = p.handler.errors.at(-1);
    assert.ok(e instanceof SerializeError, String(e));
    assert.equal(e.code, "ERR_PYRO4_SERIALIZE");
    assert.match(e.message, message);
  } else assert.equal(p.handler.errors.length, before, "a refused BLBI annotation never reaches the method");
}

for (const v of [4, 5] as const) {
  for (const s of SERIALIZERS[v]) {
    test(`Pyro${v} ${s}: a blob's data nested beyond the receiving daemon's maxDepth is refused by deserialized()`, () =>
      scenario(v, s, "data", /^(pickle: )?data nested deeper than the limit of 50 levels$/));
  }
  test(`Pyro${v}: blob info nested beyond the receiving daemon's maxDepth is refused before the method runs`, () =>
    scenario(v, "marshal", "info", /^data nested deeper than the limit of 50 levels$/));
}

for (const v of [4, 5] as const) {
  test(`Pyro${v}: a SerializeError thrown by a method reaches the client, whose next call works, as with Python's daemon`, async () => {
    const p = peers.get(v)!;
    const [ours, python] = await Promise.all([client(v, p.limited, "serpent", "refuse"), client(v, p.python, "serpent", "refuse")]);
    assert.deepEqual(ours, python);
    assert.deepEqual(python[0], [`Pyro${v}.errors.SerializeError`, "refused in the method"]);
    assert.deepEqual(python[1], ["ok", "['after', ['x']]"]);
  });
}

test("Pyro4 pickle: a blob's int beyond the receiving daemon's maxIntBytes is refused by deserialized()", () =>
  scenario(4, "pickle", "int", /^pickle: int of 126 bytes exceeds the limit of 64$/));
