// The "limit" server: a bare node:net server speaking a Pyro-sized framing with no RPC work at all (no serializer,
// no dispatch), so the rows measured against it are the ceiling no RPC can beat on this machine. Frames are a
// 24-byte header (payload length at offset 12, wanted reply length at offset 16) plus payload. A reply length of
// 0xffffffff echoes the payload back (bulk rows). Runs in its own process, like the daemons. Prints "URI raw:<port>".
// RAW_SERVER_IO=handle-write|handle-rw (an experiment of issue 28, not the ceiling: bench/README.md "Daemon per call,
// round 4") writes replies through the socket's libuv handle instead of socket.write, and with handle-rw also
// takes reads from the handle's onread instead of 'data' events: how much of the ceiling is Node's stream code.
// RAW_SERVER_ALS=once|call (the same experiment) enables an AsyncLocalStorage at start, or also runs each reply's
// write inside its run(), as our daemon does around each call: what the async hooks it enables cost per call.
// Unset, the ceiling is exactly the plain 'data' + socket.write server.
import { AsyncLocalStorage } from "node:async_hooks";
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

const IO = process.env.RAW_SERVER_IO ?? "stream";
const ALS = process.env.RAW_SERVER_ALS === "call" ? new AsyncLocalStorage<number>() : null;
if (process.env.RAW_SERVER_ALS === "once") new AsyncLocalStorage<number>().run(1, () => {});

/** Node internals of the experiment (process.binding is deprecated but present in Node 20-24). */
interface StreamWrap {
  WriteWrap: new () => Record<string, unknown>;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}
interface Handle {
  writeBuffer(req: object, buf: Buffer): number;
  onread: (ab: ArrayBuffer) => unknown;
}
const sw = IO === "stream" ? null : (process as unknown as { binding(n: string): StreamWrap }).binding("stream_wrap");

/** (experiment) A write function for `sock`: the handle's writeBuffer while nothing is queued, else socket.write. */
function writer(sock: Socket, sw: StreamWrap): (b: Buffer) => void {
  const h = (sock as unknown as { _handle: Handle })._handle;
  let pending = 0;
  const done = (): void => void pending--;
  return (b) => {
    if (pending || sock.writableLength) {
      sock.write(b);
      return;
    }
    const req = new sw.WriteWrap();
    req.handle = h;
    req.oncomplete = done;
    req.async = false;
    req.buffer = b;
    const err = h.writeBuffer(req, b);
    if (err) sock.destroy();
    else if (sw.streamBaseState[sw.kLastWriteWasAsync]) pending++;
  };
}

function serve(sock: Socket): void {
  sock.setNoDelay(true);
  const write = sw ? writer(sock, sw) : null;
  let chunks: Buffer[] = [];
  let have = 0;
  let need = -1; // whole frame size once the header is in
  let want = 0;
  const onData = (chunk: Buffer): void => {
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
        if (ALS) ALS.run(want, () => (write ? write(reply(want)) : sock.write(reply(want))));
        else if (write) write(reply(want));
        else sock.write(reply(want));
      }
    }
  };
  if (IO === "handle-rw" && sw) {
    const h = (sock as unknown as { _handle: Handle })._handle;
    const orig = h.onread;
    h.onread = function (this: Handle, ab: ArrayBuffer) {
      const n = sw.streamBaseState[sw.kReadBytesOrError]!;
      if (n > 0) onData(Buffer.from(ab, sw.streamBaseState[sw.kArrayBufferOffset], n));
      else return orig.call(this, ab);
    };
  } else sock.on("data", onData);
  sock.on("error", () => sock.destroy());
}

const server = createServer(serve);
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  const addr = server.address();
  if (addr && typeof addr === "object") process.stdout.write(`URI raw:${addr.port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
