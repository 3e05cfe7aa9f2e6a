// In-process cost of our own code per call, without sockets or the kernel: a daemon Connection fed with
// ready-made request bytes through a fake socket, and the client side (ProxyCore over a fake Connection socket)
// answered with ready-made reply bytes. The loopback round trip on this machine is dominated by syscalls and
// scheduling noise; this measures only what our changes can move, in ns per call (median of repeats).
// Usage: node --import tsx bench/profile/inproc.ts [--serializers ...] [--ms 1000] [--repeats 5] [--side server,client]
import { EventEmitter } from "node:events";
import { parseArgs } from "node:util";
import { Daemon } from "../../src/server/index.js";
import { Connection as ServerConnection } from "../../src/server/connection.js";
import { ProxyCore } from "../../src/client/core.js";
import { Connection as ClientConnection } from "../../src/client/connection.js";
import { encodeMessageBuffer, MSG_CONNECT, MSG_INVOKE, MSG_RESULT, FLAGS_META_ON_CONNECT, FLAGS_BATCH } from "../../src/protocol/message.js";
import { getSerializer, type SerializerName } from "../../src/serializers/index.js";
import { URI } from "../../src/uri.js";
import { BatchRecorder } from "../../src/client/batch.js";

const { values: a } = parseArgs({
  options: {
    serializers: { type: "string", default: "serpent,json,marshal,msgpack" },
    ms: { type: "string", default: "800" },
    repeats: { type: "string", default: "5" },
    side: { type: "string", default: "server,client" },
    kind: { type: "string", default: "ping" },
  },
});

/** Enough of a net.Socket for both Connection classes; `onWrite` sees every written buffer. */
class FakeSocket extends EventEmitter {
  remoteAddress = "127.0.0.1";
  remotePort = 5555;
  remoteFamily = "IPv4";
  onWrite: (b: Buffer) => void = () => {};
  corked = 0;
  /** Index of the write within the current cork (0 = the message header). */
  inCork = 0;
  setKeepAlive(): this { return this; }
  setNoDelay(): this { return this; }
  setTimeout(): this { return this; }
  cork(): void { this.corked++; this.inCork = 0; }
  uncork(): void { this.corked--; }
  write(b: Buffer, cb?: () => void): boolean {
    if (!this.corked) this.inCork = 0; // an uncorked write is a whole message
    this.onWrite(b);
    this.inCork++;
    if (cb) process.nextTick(cb);
    return true;
  }
  pause(): this { return this; }
  resume(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
  end(): this { return this; }
  destroy(): this { return this; }
}

class Bench {
  ping(): null { return null; }
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

async function timed(ms: number, repeats: number, one: () => Promise<void> | void): Promise<number> {
  const results: number[] = [];
  const warmEnd = performance.now() + ms;
  while (performance.now() < warmEnd) for (let i = 0; i < 100; i++) await one();
  for (let r = 0; r < repeats; r++) {
    let n = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    let t: number;
    for (;;) {
      for (let i = 0; i < 100; i++) await one();
      n += 100;
      t = performance.now();
      if (t >= end) break;
    }
    results.push(((t - t0) * 1e6) / n);
  }
  return median(results);
}

async function serverSide(daemon: Daemon, ser: string): Promise<number> {
  const s = getSerializer(ser);
  const sock = new FakeSocket();
  new ServerConnection(sock as never, daemon as never);
  let wrote = 0;
  sock.onWrite = () => wrote++;
  const connect = encodeMessageBuffer(MSG_CONNECT, s.id, 0, s.serializeData({ handshake: "hello", object: "bench" }), { flags: FLAGS_META_ON_CONNECT });
  sock.emit("data", connect);
  await new Promise((r) => setTimeout(r, 10));
  const batch = a.kind === "batch";
  const data = batch
    ? s.serializeCall("bench", "<batch>", Array.from({ length: 100 }, () => ["ping", [], {}]), {})
    : s.serializeCall("bench", "ping", [], {});
  const msg = encodeMessageBuffer(MSG_INVOKE, s.id, 1, data, { flags: batch ? FLAGS_BATCH : 0 });
  // a resolved-promise wait per call, so a synchronous and an asynchronous server path are measured alike
  let resolve: (() => void) | null = null;
  sock.onWrite = () => {
    wrote++;
    if (resolve) {
      const r = resolve;
      resolve = null;
      queueMicrotask(r);
    }
  };
  return timed(Number(a.ms), Number(a.repeats), () => new Promise<void>((res) => {
    resolve = res;
    sock.emit("data", msg);
  }));
}

async function clientSide(ser: string): Promise<number> {
  const s = getSerializer(ser);
  const core = new ProxyCore("PYRO:bench@127.0.0.1:1", { serializer: ser as SerializerName, metadata: false });
  const sock = new FakeSocket();
  const conn = new ClientConnection(sock as never, "fake", core, null, 0);
  (core as unknown as { conn: unknown }).conn = conn;
  (core as unknown as { connectedUri: unknown }).connectedUri = new URI("PYRO:bench@127.0.0.1:1");
  const batch = a.kind === "batch";
  const reply = s.serializeData(batch ? Array.from({ length: 100 }, () => null) : null);
  let pending: Buffer | null = null;
  sock.onWrite = (b) => {
    if (sock.inCork !== 0) return; // payload part
    const seq = b.readUInt16BE(10);
    pending = encodeMessageBuffer(MSG_RESULT, s.id, seq, reply);
  };
  // deliver the reply on the next microtask, like a socket read would arrive later
  const rec = new BatchRecorder(core);
  return timed(Number(a.ms), Number(a.repeats), () => {
    let p: Promise<unknown>;
    if (batch) {
      for (let i = 0; i < 100; i++) void rec.record("ping", []);
      p = rec.send() as Promise<unknown>;
    } else p = core.invoke("ping", [], {}, null);
    const r = pending!;
    pending = null;
    sock.emit("data", r);
    return p as Promise<unknown> as Promise<void>;
  });
}

async function main(): Promise<void> {
  const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["serpent", "json", "marshal", "msgpack"] });
  daemon.register(new Bench(), "bench", { expose: ["ping"] });
  const sides = a.side!.split(",");
  for (const ser of a.serializers!.split(",")) {
    const parts: string[] = [];
    if (sides.includes("server")) parts.push(`server ${(await serverSide(daemon, ser)).toFixed(0)} ns/call`);
    if (sides.includes("client")) parts.push(`client ${(await clientSide(ser)).toFixed(0)} ns/call`);
    process.stdout.write(`${a.kind} [${ser}]: ${parts.join(", ")}\n`);
  }
  await daemon.close();
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
