// SerializedBlob both ways, against Python Pyro5 and Pyro4 (test/fixtures/blob_peer.py, after Pyro5's blob-dispatch
// example): a Python client's KEEPSERIALIZED call reaches our daemon's method as a SerializedBlob (info, and the
// payload decoded only by deserialized()); our dispatcher passes a received blob on unchanged to a Python worker;
// our proxy sends a blob of its own data to a Python worker. Each answer must equal what a Python client gets
// from the Python worker directly. Except with json, where Python's deserialized() is broken (it returns "params",
// the third key of the call dict, not the arguments): there ours returns the data (a deliberate difference).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { Daemon } from "../../src/server/daemon.js";
import { expose } from "../../src/server/expose.js";
import { Proxy } from "../../src/client/proxy.js";
import { SerializedBlob } from "../../src/client/blob.js";
import type { SerializerName } from "../../src/serializers/index.js";

const SERIALIZERS: Record<4 | 5, SerializerName[]> = { 5: ["serpent", "marshal", "json", "msgpack"], 4: ["serpent", "marshal", "json"] };

class Handler {
  constructor(private readonly workerUri: string | null, private readonly protocol: 4 | 5, private readonly serializer: SerializerName) {}
  @expose
  async process(blob: unknown): Promise<unknown> {
    if (!(blob instanceof SerializedBlob)) return ["not a SerializedBlob", blob];
    if (this.workerUri === null) return [blob.info, blob.deserialized(), "SerializedBlob"];
    const worker = new Proxy(this.workerUri, { protocol: this.protocol, serializer: this.serializer });
    try {
      return await worker.process(blob); // passed on undecoded
    } finally {
      void worker.$release();
    }
  }
}

const workers = new Map<4 | 5, PythonServer>();
const daemons = new Map<4 | 5, Daemon>();
before(async () => {
  for (const v of [5, 4] as const) {
    const env = v === 5 ? PYRO5_ENV : {};
    workers.set(v, await startPython(["blob_peer.py", "worker", String(v)], /^uri: (PYRO:\S+)$/, { env }));
    const d = await Daemon.create({ host: "127.0.0.1", port: 0, protocol: v, serializersAccepted: SERIALIZERS[v] });
    for (const s of SERIALIZERS[v]) {
      d.register(new Handler(null, v, s), `local.${s}`);
      d.register(new Handler(workers.get(v)!.ready, v, s), `dispatch.${s}`);
    }
    daemons.set(v, d);
  }
});
after(async () => {
  for (const d of daemons.values()) await d.close();
  for (const w of workers.values()) await w.stop();
});

const client = async (v: 4 | 5, uri: string, s: string) =>
  JSON.parse((await runPythonAsync(["blob_peer.py", "client", String(v), uri, s], { env: v === 5 ? PYRO5_ENV : {} })).trim());

for (const v of [5, 4] as const) {
  for (const s of SERIALIZERS[v]) {
    test(`Pyro${v} ${s}: a Python client's SerializedBlob reaches our method, and our dispatcher passes it on`, async () => {
      const d = daemons.get(v)!;
      const worker = workers.get(v)!.ready;
      const [ref, local, dispatched] = await Promise.all([
        client(v, worker, s),
        client(v, `PYRO:local.${s}@${d.locationStr}`, s),
        client(v, `PYRO:dispatch.${s}@${d.locationStr}`, s),
      ]);
      assert.equal(ref[0], "blob-7", JSON.stringify(ref));
      assert.equal(ref[2], "SerializedBlob");
      assert.deepEqual(dispatched, ref);
      if (s === "json") {
        assert.equal(ref[1], "params");
        assert.deepEqual(local, ["blob-7", ["hello", { k: [1, 2.5, null] }, [3, 4], "text"], "SerializedBlob"]);
      } else assert.deepEqual(local, ref);
    });

    test(`Pyro${v} ${s}: our proxy sends a SerializedBlob of its own data to a Python worker`, async () => {
      const p = new Proxy(workers.get(v)!.ready, { protocol: v, serializer: s });
      try {
        const r = (await p.process(new SerializedBlob({ id: 9 }, ["a", 2]))) as unknown[];
        assert.deepEqual(r[0], { id: 9 });
        // Python's worker decodes the blob as it does its own (json: "params", see above)
        assert.deepEqual(s === "json" ? r[1] : [...(r[1] as unknown[])], s === "json" ? "params" : ["a", 2]);
        assert.equal(r[2], "SerializedBlob");
        await assert.rejects(p.process(new SerializedBlob("x", []), 2), /SerializedBlob is used, it must be the only argument/);
      } finally {
        void p.$release();
      }
    });
  }
}
