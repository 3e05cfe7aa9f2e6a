// What observability costs per call, in CPU time: the same in-process ping as inproc.ts (a daemon Connection fed
// request bytes through a fake socket; a ProxyCore answered with reply bytes), timed with process.cpuUsage()
// so that other processes on a busy machine disturb the figure less than they disturb wall-clock time.
// --observe none|calls|frames|all subscribes no-op handlers first; --src points at another checkout's src/ to
// measure a baseline with the same harness.
// Usage: node --import tsx bench/profile/observe-cost.ts [--observe all] [--serializers marshal,serpent]
//        [--calls 20000] [--repeats 7] [--src /path/to/src]
import dc from "node:diagnostics_channel";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Bench, clientCall, serverCall, type CallModules } from "./fake-call.js";
import { profileArgs } from "./args.js";

const a = profileArgs({
  observe: "none",
  serializers: "marshal,serpent",
  calls: "20000",
  repeats: "7",
  src: join(import.meta.dirname ?? ".", "..", "..", "src"),
});

const src = resolve(a.src);
const load = (p: string) => import(pathToFileURL(join(src, p)).href);
const { Daemon } = await load("server/index.ts");
const modules: CallModules = {
  ServerConnection: (await load("server/connection.ts")).Connection,
  ProxyCore: (await load("client/core.ts")).ProxyCore,
  ClientConnection: (await load("client/connection.ts")).Connection,
  URI: (await load("uri.ts")).URI,
  getSerializer: (await load("serializers/index.ts")).getSerializer,
  ...(await load("protocol/message.ts")), // encodeMessageBuffer and the MSG_/FLAGS_ constants
};

let seen = 0;
const noop = () => {
  seen++;
};
const which = a.observe;
if (which === "calls" || which === "all")
  for (const n of ["pyro4:client:call", "pyro4:server:request"])
    dc.tracingChannel(n).subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop });
if (which === "frames" || which === "all") for (const n of ["pyro4:frame:send", "pyro4:frame:receive"]) dc.subscribe(n, noop);
if (which === "all") for (const n of ["pyro4:client:connect", "pyro4:client:disconnect", "pyro4:server:connection", "pyro4:server:disconnect", "pyro4:log"]) dc.subscribe(n, noop);

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

const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["serpent", "json", "marshal", "msgpack"] });
daemon.register(new Bench(), "bench", { expose: ["ping"] });
for (const ser of a.serializers.split(",")) {
  const server = await cpuPerCall(await serverCall(modules, daemon, ser, false));
  const client = await cpuPerCall(clientCall(modules, ser, null, (core) => core.invoke("ping", [], {}, null)));
  process.stdout.write(`observe=${which} [${ser}]: server ${server.toFixed(0)} ns/call, client ${client.toFixed(0)} ns/call (CPU time)\n`);
}
await daemon.close();
process.stderr.write(`(observed ${seen} events)\n`);
process.exit(0);
