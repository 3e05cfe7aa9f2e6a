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
  let need = -1; // whole frame size once the header is in
  let want = 0;
  sock.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    have += chunk.length;
    for (;;) {
      if (need < 0) {
        if (have < HEADER) return;
        if (chunks[0]!.length < HEADER) chunks = [Buffer.concat(chunks, have)];
        need = HEADER + chunks[0]!.readUInt32BE(12);
        want = chunks[0]!.readUInt32BE(16);
      }
      if (have < need) return;
      // the frame's chunks as received: an echo writes them back as they are (no joining, no copy), which is
      // the least any server holding a whole request before answering can do
      const frame: Buffer[] = [];
      for (let left = need; left > 0; ) {
        const c = chunks[0]!;
        if (c.length <= left) {
          frame.push(c);
          chunks.shift();
          left -= c.length;
        } else {
          frame.push(c.subarray(0, left));
          chunks[0] = c.subarray(left);
          left = 0;
        }
      }
      have -= need;
      need = -1;
      if (want === ECHO) {
        const head = Buffer.from(frame[0]!.subarray(0, HEADER));
        head.writeUInt32BE(0, 16);
        frame[0] = frame[0]!.subarray(HEADER);
        sock.cork();
        sock.write(head);
        for (const c of frame) if (c.length) sock.write(c);
        sock.uncork();
      } else {
        sock.write(reply(want));
      }
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
