// What a client does with its connection when a reply cannot be decoded, against Python's clients: a scripted
// daemon (raw frames) answers `bad()` with bytes no serializer reads, `refused()` with a class dict of a class
// nobody knows, and `ok()` normally. Python's proxies (Pyro4 and Pyro5) release the connection only when the
// decoder raised a CommunicationError (the refused class: SerializeError); after malformed data the next call
// reuses the connection. Ours must open the same number of connections for the same calls.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { runPythonAsync } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { Proxy } from "../../src/client/proxy.js";
import { PYRO4_PROFILE, PYRO5_PROFILE, type PyroProfile } from "../../src/profiles/index.js";
import { MessageReader } from "../../src/protocol/reader.js";
import {
  FLAGS_META_ON_CONNECT, MSG_CONNECT, MSG_CONNECTOK, MSG_INVOKE, MSG_RESULT, encodeMessageBuffer,
} from "../../src/protocol/message.js";

const SERIALIZERS = ["serpent", "json", "marshal"] as const;

/** The scripted daemon: counts connections, answers the handshake with metadata, and each call as its name says. */
function fakeDaemon(profile: PyroProfile): Promise<{ server: Server; port: number; connections: () => number; reset: () => void }> {
  let count = 0;
  const server = createServer((sock: Socket) => {
    count++;
    const reader = new MessageReader({ wire: profile.wire });
    sock.on("error", () => {});
    sock.on("data", (d) => {
      for (const m of reader.push(d)) {
        const ser = profile.serializer(m.serializerId);
        const reply = (type: number, data: Buffer, flags = 0) =>
          sock.write(encodeMessageBuffer(type, m.serializerId, m.seq, data, { flags, wire: profile.wire }));
        if (m.type === MSG_CONNECT) {
          const meta = { methods: ["bad", "refused", "ok"], oneway: [], attrs: [] };
          reply(MSG_CONNECTOK, ser.serializeData({ handshake: "hello", meta }), FLAGS_META_ON_CONNECT);
        } else if (m.type === MSG_INVOKE) {
          const method = ser.deserializeCall(m.data).method;
          if (method === "bad") reply(MSG_RESULT, Buffer.from([0xc1, 0xff, 0x21, 0x00]));
          else if (method === "refused") reply(MSG_RESULT, ser.serializeData({ __class__: "shop.Item", x: 1 }));
          else reply(MSG_RESULT, ser.serializeData("fine"));
        }
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, port: (server.address() as { port: number }).port, connections: () => count, reset: () => (count = 0) }),
    ),
  );
}

const PY = (v: 4 | 5, port: number, ser: string, first: string) =>
  [
    v === 5 ? "import Pyro5.api as pyro\nfrom Pyro5 import config" : "import Pyro4 as pyro\nfrom Pyro4 import config",
    `config.SERIALIZER = "${ser}"`,
    `p = pyro.Proxy("PYRO:thing@127.0.0.1:${port}")`,
    "try:",
    `    p.${first}()`,
    "except Exception as e:",
    "    print(type(e).__name__)",
    "print(p.ok())",
  ].join("\n");

const fakes = new Map<4 | 5, Awaited<ReturnType<typeof fakeDaemon>>>();
before(async () => {
  fakes.set(4, await fakeDaemon(PYRO4_PROFILE));
  fakes.set(5, await fakeDaemon(PYRO5_PROFILE));
});
after(() => {
  for (const f of fakes.values()) f.server.close();
});

for (const v of [5, 4] as const) {
  for (const ser of SERIALIZERS) {
    for (const first of ["bad", "refused"] as const) {
      test(`Pyro${v} ${ser}: after a reply to ${first}() fails to decode, the next call opens as many connections as Python's`, async () => {
        const fake = fakes.get(v)!;
        fake.reset();
        const out = (await runPythonAsync(["-c", PY(v, fake.port, ser, first)], { env: v === 5 ? PYRO5_ENV : {} })).trim().split("\n");
        const pythonConnections = fake.connections();
        assert.equal(out.at(-1), "fine");

        fake.reset();
        const p = new Proxy(`PYRO:thing@127.0.0.1:${fake.port}`, { protocol: v, serializer: ser });
        try {
          await assert.rejects((p as any)[first]());
          assert.equal(await (p as any).ok(), "fine");
        } finally {
          void p.$release();
        }
        assert.equal(fake.connections(), pythonConnections, `Python: ${out.join(" / ")}`);
        assert.equal(pythonConnections, first === "bad" ? 1 : 2);
      });
    }
  }
}
