// What observability costs per call, in CPU time: the same in-process ping as inproc.ts (a daemon Connection fed
// request bytes through a fake socket; a ProxyCore answered with reply bytes), timed with process.cpuUsage()
// so that other processes on a busy machine disturb the figure less than they disturb wall-clock time.
// --observe none|calls|frames|all subscribes no-op handlers first; --src points at another checkout's src/ to
// measure a baseline with the same harness.
// Usage: node --import tsx bench/profile/observe-cost.ts [--observe all] [--serializers marshal,serpent]
//        [--calls 20000] [--repeats 7] [--src /path/to/src]
import dc from "node:diagnostics_channel";
import { EventEmitter } from "node:events";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    observe: { type: "string", default: "none" },
    serializers: { type: "string", default: "marshal,serpent" },
    calls: { type: "string", default: "20000" },
    repeats: { type: "string", default: "7" },
    src: { type: "string", default: join(import.meta.dirname ?? ".", "..", "..", "src") },
  },
});

const src = resolve(a.src!);
const load = (p: string) => import(pathToFileURL(join(src, p)).href);
const { Daemon } = await load("server/index.ts");
const { Connection: ServerConnection } = await load("server/connection.ts");
const { ProxyCore } = await load("client/core.ts");
const { Connection: ClientConnection } = await load("client/connection.ts");
const { encodeMessageBuffer, MSG_CONNECT, MSG_INVOKE, MSG_RESULT, FLAGS_META_ON_CONNECT } = await load("protocol/message.ts");
const { getSerializer } = await load("serializers/index.ts");
const { URI } = await load("uri.ts");

let seen = 0;
const noop = () => {
  seen++;
};
const which = a.observe!;
if (which === "calls" || which === "all")
  for (const n of ["pyro4:client:call", "pyro4:server:request"])
    dc.tracingChannel(n).subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop });
if (which === "frames" || which === "all") for (const n of ["pyro4:frame:send", "pyro4:frame:receive"]) dc.subscribe(n, noop);
if (which === "all") for (const n of ["pyro4:client:connect", "pyro4:client:disconnect", "pyro4:server:connection", "pyro4:server:disconnect", "pyro4:log"]) dc.subscribe(n, noop);

class FakeSocket extends EventEmitter {
  remoteAddress = "127.0.0.1";
  remotePort = 5555;
  remoteFamily = "IPv4";
  onWrite: (b: Buffer) => void = () => {};
  corked = 0;
  inCork = 0;
  setKeepAlive(): this { return this; }
  setNoDelay(): this { return this; }
  setTimeout(): this { return this; }
  cork(): void { this.corked++; this.inCork = 0; }
  uncork(): void { this.corked--; }
  write(b: Buffer, cb?: () => void): boolean {
    if (!this.corked) this.inCork = 0;
    this.onWrite(b);
    this.inCork++;
    if (cb) process.nextTick(cb);
    return true;
  }
  pause(): this { return this; }
  resume(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
  destroy(): void {}
  end(): void {}
}

class Bench {
  ping(): null {
    return null;
  }
}

/** Median CPU microseconds per call over `repeats` runs of `calls` calls (after one warm-up run). */
async function cpuPerCall(one: () => Promise<unknown>): Promise<number> {
  const calls = Number(a.calls);
  const results: number[] = [];
  for (let r = -1; r < Number(a.repeats); r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) await one();
    const c = process.cpuUsage(c0);
    if (r >= 0) results.push(((c.user + c.system) * 1000) / calls);
  }
  results.sort((x, y) => x - y);
  return results[results.length >> 1]!;
}

async function serverSide(daemon: unknown, ser: string): Promise<number> {
  const s = getSerializer(ser);
  const sock = new FakeSocket();
  new ServerConnection(sock as never, daemon as never);
  sock.emit("data", encodeMessageBuffer(MSG_CONNECT, s.id, 0, s.serializeData({ handshake: "hello", object: "bench" }), { flags: FLAGS_META_ON_CONNECT }));
  await new Promise((r) => setTimeout(r, 10));
  const msg = encodeMessageBuffer(MSG_INVOKE, s.id, 1, s.serializeCall("bench", "ping", [], {}), {});
  let resolve: (() => void) | null = null;
  sock.onWrite = () => {
    if (resolve) {
      const r = resolve;
      resolve = null;
      queueMicrotask(r);
    }
  };
  return cpuPerCall(() => new Promise<void>((res) => {
    resolve = res;
    sock.emit("data", msg);
  }));
}

async function clientSide(ser: string): Promise<number> {
  const s = getSerializer(ser);
  const core = new ProxyCore("PYRO:bench@127.0.0.1:1", { serializer: ser, metadata: false });
  const sock = new FakeSocket();
  const conn = new ClientConnection(sock as never, "fake", core, null, 0);
  core.conn = conn;
  core.connectedUri = new URI("PYRO:bench@127.0.0.1:1");
  const reply = s.serializeData(null);
  let pending: Buffer | null = null;
  sock.onWrite = (b: Buffer) => {
    if (sock.inCork !== 0) return;
    pending = encodeMessageBuffer(MSG_RESULT, s.id, b.readUInt16BE(10), reply);
  };
  return cpuPerCall(() => {
    const p = core.invoke("ping", [], {}, null);
    const r = pending!;
    pending = null;
    sock.emit("data", r);
    return p;
  });
}

const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["serpent", "json", "marshal", "msgpack"] });
daemon.register(new Bench(), "bench", { expose: ["ping"] });
for (const ser of a.serializers!.split(",")) {
  const server = await serverSide(daemon, ser);
  const client = await clientSide(ser);
  process.stdout.write(`observe=${which} [${ser}]: server ${server.toFixed(0)} ns/call, client ${client.toFixed(0)} ns/call (CPU time)\n`);
}
await daemon.close();
process.stderr.write(`(observed ${seen} events)\n`);
process.exit(0);
