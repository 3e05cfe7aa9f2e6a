// The "limit" server: a bare node:net server speaking a Pyro-sized framing with no RPC work at all (no serializer,
// no dispatch), so the rows measured against it are the ceiling no RPC can beat on this machine. Frames are a
// 24-byte header (payload length at offset 12, wanted reply length at offset 16) plus payload. A reply length of
// 0xffffffff echoes the payload back (bulk rows). Runs in its own process, like the daemons. Prints "URI raw:<port>".
import { createServer, type Socket } from "node:net";

const HEADER = 24;
const ECHO = 0xffffffff;
const replies = new Map<number, Buffer>();

function reply(size: number): Buffer {
  let b = replies.get(size);
  if (!b) {
    b = Buffer.alloc(HEADER + size, 0x61);
    b.writeUInt32BE(size, 12);
    b.writeUInt32BE(0, 16);
    replies.set(size, b);
  }
  return b;
}

function serve(sock: Socket): void {
  sock.setNoDelay(true);
  let chunks: Buffer[] = [];
  let have = 0;
  let need = -1; // whole frame size once the header is in; chunks are joined only then (no quadratic copying)
  sock.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    have += chunk.length;
    for (;;) {
      if (need < 0) {
        if (have < HEADER) return;
        if (chunks[0]!.length < HEADER) chunks = [Buffer.concat(chunks, have)];
        need = HEADER + chunks[0]!.readUInt32BE(12);
      }
      if (have < need) return;
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, have);
      const want = buf.readUInt32BE(16);
      if (want === ECHO) {
        const head = Buffer.allocUnsafe(HEADER);
        buf.copy(head, 0, 0, HEADER);
        head.writeUInt32BE(0, 16);
        sock.cork();
        sock.write(head);
        sock.write(buf.subarray(HEADER, need));
        sock.uncork();
      } else {
        sock.write(reply(want));
      }
      const rest = buf.subarray(need);
      have = rest.length;
      chunks = have ? [rest] : [];
      need = -1;
    }
  });
  sock.on("error", () => sock.destroy());
}

const server = createServer(serve);
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  const addr = server.address();
  if (addr && typeof addr === "object") process.stdout.write(`URI raw:${addr.port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
