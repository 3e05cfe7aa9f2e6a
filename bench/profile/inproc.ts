// In-process cost of our own code per call, without sockets or the kernel: a daemon Connection fed with
// ready-made request bytes through a fake socket, and the client side (ProxyCore over a fake Connection socket)
// answered with ready-made reply bytes. The loopback round trip on this machine is dominated by syscalls and
// scheduling noise; this measures only what our changes can move, in ns per call (median of repeats).
// Usage: node --import tsx bench/profile/inproc.ts [--serializers ...] [--ms 1000] [--repeats 5] [--side server,client]
import { Daemon } from "../../src/server/index.js";
import { Connection as ServerConnection } from "../../src/server/connection.js";
import { ProxyCore } from "../../src/client/core.js";
import { Connection as ClientConnection } from "../../src/client/connection.js";
import { encodeMessageBuffer, MSG_CONNECT, MSG_INVOKE, MSG_RESULT, FLAGS_META_ON_CONNECT, FLAGS_BATCH } from "../../src/protocol/message.js";
import { getSerializer } from "../../src/serializers/index.js";
import { URI } from "../../src/uri.js";
import { BatchRecorder } from "../../src/client/batch.js";
import { Bench, clientCall, serverCall, type CallModules } from "./fake-call.js";
import { profileArgs } from "./args.js";

const a = profileArgs({
  serializers: "serpent,json,marshal,msgpack",
  ms: "800",
  repeats: "5",
  side: "server,client",
  kind: "ping",
});

const modules: CallModules = {
  ServerConnection, ProxyCore, ClientConnection, URI, encodeMessageBuffer, getSerializer,
  MSG_CONNECT, MSG_INVOKE, MSG_RESULT, FLAGS_META_ON_CONNECT, FLAGS_BATCH,
};

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

async function timed(ms: number, repeats: number, one: () => Promise<unknown> | void): Promise<number> {
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

const batch = a.kind === "batch";
const time = (one: () => Promise<unknown>) => timed(Number(a.ms), Number(a.repeats), one);

async function clientSide(ser: string): Promise<number> {
  let rec: BatchRecorder | null = null;
  const one = clientCall(modules, ser, batch ? Array.from({ length: 100 }, () => null) : null, (core: ProxyCore) => {
    if (!batch) return core.invoke("ping", [], {}, null);
    rec ??= new BatchRecorder(core);
    for (let i = 0; i < 100; i++) void rec.record("ping", []);
    return rec.send() as Promise<unknown>;
  });
  return time(one);
}

async function main(): Promise<void> {
  const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["serpent", "json", "marshal", "msgpack", "pickle"] });
  daemon.register(new Bench(), "bench", { expose: ["ping"] });
  const sides = a.side.split(",");
  for (const ser of a.serializers.split(",")) {
    const parts: string[] = [];
    if (sides.includes("server")) parts.push(`server ${(await time(await serverCall(modules, daemon, ser, batch))).toFixed(0)} ns/call`);
    if (sides.includes("client")) parts.push(`client ${(await clientSide(ser)).toFixed(0)} ns/call`);
    process.stdout.write(`${a.kind} [${ser}]: ${parts.join(", ")}\n`);
  }
  await daemon.close();
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
