// The ceiling server for measuring a client (calls-procs.ts --side client): a bare node:net server that answers
// every Pyro message with ready-made bytes, so the client process under test is the only one doing RPC work. The
// raw server of the `limit` column (bench/ts/raw-server.ts) cannot serve our proxy: its replies are not Pyro
// messages. This one answers CONNECT with a CONNECTOK carrying the metadata of an object exposing `ping`, and
// every other message with the RESULT our daemon sends for `ping()` (None, with a CORR annotation), the request's
// sequence number copied in (one reply per sequence number, made once). Raw clients send it our proxy's request
// bytes and read the same replies, so both kinds of client move the same bytes.
// usage: node canned-server.mjs SERIALIZER [4|5]   (prints "URI PYRO:bench@127.0.0.1:<port>")
import { createServer, type Socket } from "node:net";
import { FLAGS_META_ON_CONNECT, MSG_CONNECT, MSG_CONNECTOK, MSG_RESULT, encodeMessageBuffer } from "../../src/protocol/message.js";
import { wireFormat } from "../../src/protocol/wire.js";
import { getSerializer, type SerializerName } from "../../src/serializers/index.js";

const ser = getSerializer((process.argv[2] ?? "serpent") as SerializerName);
const wire = wireFormat(process.argv[3] === "5" ? 5 : 4);
const CORR = Buffer.from("0123456789abcdef0123456789abcdef", "hex");
const annotations = new Map([["CORR", CORR]]);
const result = ser.serializeData(null);
const hello = ser.serializeData({ handshake: "hello", meta: { methods: ["ping"], oneway: [], attrs: [] } });
const replies = new Map<number, Buffer>();

function reply(type: number, seq: number): Buffer {
  if (type === MSG_CONNECT) return encodeMessageBuffer(MSG_CONNECTOK, ser.id, seq, hello, { flags: FLAGS_META_ON_CONNECT, annotations, wire });
  let b = replies.get(seq);
  if (!b) replies.set(seq, (b = encodeMessageBuffer(MSG_RESULT, ser.id, seq, result, { annotations, wire })));
  return b;
}

/** Type, sequence number and whole size of the message whose header starts `h` (Pyro4 or Pyro5 framing). */
function header(h: Buffer): [number, number, number] {
  if (wire.version === 48) return [h.readUInt16BE(6), h.readUInt16BE(10), 24 + h.readUInt16BE(18) + h.readUInt32BE(12)];
  return [h[6]!, h.readUInt16BE(10), 40 + h.readUInt32BE(16) + h.readUInt32BE(12)];
}

function serve(sock: Socket): void {
  sock.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  sock.on("data", (chunk: Buffer) => {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (buf.length >= wire.headerSize) {
      const [type, seq, size] = header(buf);
      if (buf.length < size) break;
      sock.write(reply(type, seq));
      buf = buf.subarray(size);
    }
    pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  });
  sock.on("error", () => sock.destroy());
}

const server = createServer(serve);
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  const addr = server.address();
  if (addr && typeof addr === "object") process.stdout.write(`URI PYRO:bench@127.0.0.1:${addr.port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
