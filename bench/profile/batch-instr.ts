// Instructions (under valgrind's callgrind) or CPU time per batch of 100 `ping()` calls, client side and daemon
// side, for one or more checkouts (issue 28 item 3: batch over pickle at 2x Python). Wall clock is useless on the
// shared 2-core machine; instruction counts are not moved by other load. No sockets, no kernel (fake-call.ts):
// - client: 100 calls recorded on a BatchRecorder as the proxy's batch view does (`(...args) => rec.record(name,
//   args)`), `send()` (call list built, encoded, framed, written to a fake socket), the reply (a list of 100 None)
//   fed back through the connection's 'data' event, decoded, and every call's promise settled;
// - server: the daemon's Connection fed our client's batch request bytes (100 `('ping', (), {})` tuples, kwargs
//   None), decode, runBatch, result list encoded and written.
// Each callgrind figure is (instructions of a run with warm-up + n batches - the same run with warm-up + 0) / n;
// node runs with --single-threaded (no compiler or GC threads). `--cpu` instead prints CPU microseconds per batch
// (process.cpuUsage over n batches after the warm-up), checkouts alternating for `--rounds` rounds.
// usage: node --import tsx bench/profile/batch-instr.ts [--checkouts /work/wt-base,.] [--serializers pickle]
//        [--sides client,server] [--n 2000] [--warm 3000] [--cpu --rounds 5] [--out DIR] [--cpu-prof DIR] [--node-args "..."]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleDriver, instructions } from "./callgrind.js";
import { profileArgs } from "./args.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const a = profileArgs({
  checkouts: ".", serializers: "pickle", sides: "client,server", n: "2000", warm: "3000", cpu: false, rounds: "5",
  out: "", // keep the callgrind files of the n runs here ("": not kept)
  // --cpu-prof DIR: one plain run per checkout and side under node --cpu-prof (profiles go to DIR)
  "cpu-prof": "",
  // --node-args "--trace-gc ...": extra node options for the --cpu-prof and --cpu runs (space-separated)
  "node-args": "",
});
const dir = mkdtempSync(join(tmpdir(), "batch-instr-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
if (a.out) mkdirSync(a.out, { recursive: true });

// Bundled per checkout: src/ from the checkout, the harness (fake-call.ts) from this one.
const DRIVER = (root: string) => `
import { Daemon } from "${root}/src/server/index.js";
import { Connection as ServerConnection } from "${root}/src/server/connection.js";
import { ProxyCore } from "${root}/src/client/core.js";
import { Connection as ClientConnection } from "${root}/src/client/connection.js";
import { BatchRecorder } from "${root}/src/client/batch.js";
import { URI } from "${root}/src/uri.js";
import { getSerializer } from "${root}/src/serializers/index.js";
import { tuple } from "${root}/src/serializers/values.js";
import * as message from "${root}/src/protocol/message.js";
import { Bench, FakeSocket } from "${HERE}/fake-call.js";

const [side, ser, warm, n, cpu] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5]), process.argv[6] === "cpu"];
const s = getSerializer(ser);

function clientBatch() {
  const core = new ProxyCore("PYRO:bench@127.0.0.1:1", { serializer: ser, metadata: false });
  const sock = new FakeSocket();
  core.conn = new ClientConnection(sock, "fake", core, null, 0);
  core.connectedUri = new URI("PYRO:bench@127.0.0.1:1");
  const body = s.serializeData(Array.from({ length: 100 }, () => null));
  let pending = null;
  sock.onWrite = (b) => {
    if (sock.inCork !== 0) return; // payload part
    pending = message.encodeMessageBuffer(message.MSG_RESULT, s.id, b.readUInt16BE(10), body, { flags: message.FLAGS_BATCH });
  };
  return async () => {
    const rec = new BatchRecorder(core);
    // as the proxy's batch view calls the recorder (src/client/proxy.ts; recordNoArgs where the checkout has it)
    const ping = typeof rec.recordNoArgs === "function"
      ? (...args) => (args.length === 0 ? rec.recordNoArgs("ping") : rec.record("ping", args))
      : (...args) => rec.record("ping", args);
    for (let i = 0; i < 100; i++) void ping();
    const p = rec.send(); // a connected core writes the request right away
    const r = pending;
    pending = null;
    if (r === null) throw new Error("no batch request written");
    sock.emit("data", r);
    const values = await p;
    if (values.length !== 100) throw new Error("bad batch reply");
  };
}

async function serverBatch(daemon) {
  const sock = new FakeSocket();
  new ServerConnection(sock, daemon);
  const hello = s.serializeData({ handshake: "hello", object: "bench" });
  sock.emit("data", message.encodeMessageBuffer(message.MSG_CONNECT, s.id, 0, hello, { flags: message.FLAGS_META_ON_CONNECT }));
  await new Promise((r) => setTimeout(r, 10));
  const calls = Array.from({ length: 100 }, () => (s.tuples ? tuple("ping", tuple(), {}) : ["ping", [], {}]));
  const msg = message.encodeMessageBuffer(message.MSG_INVOKE, s.id, 1, s.serializeCall("bench", "<batch>", calls, null), { flags: message.FLAGS_BATCH });
  let resolve = null;
  sock.onWrite = () => {
    if (resolve) {
      const r = resolve;
      resolve = null;
      queueMicrotask(r);
    }
  };
  return () => new Promise((res) => { resolve = res; sock.emit("data", msg); });
}

const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["serpent", "json", "marshal", "msgpack", "pickle"] });
daemon.register(new Bench(), "bench", { expose: ["ping"] });
const one = side === "server" ? await serverBatch(daemon) : clientBatch();
for (let i = 0; i < warm; i++) await one();
const t0 = process.cpuUsage();
for (let i = 0; i < n; i++) await one();
const t = process.cpuUsage(t0);
if (cpu) process.stdout.write(String((t.user + t.system) / n));
await daemon.close();
process.exit(0);
`;

const N = Number(a.n);
const NODE_ARGS = a["node-args"] ? a["node-args"].split(" ").filter(Boolean) : [];
const WARM = String(Number(a.warm));
const roots = a.checkouts!.split(",").map((c) => resolve(c));
const drivers: string[] = [];
for (const [i, root] of roots.entries()) drivers.push(await bundleDriver(dir, i, DRIVER(root)));
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

for (const ser of a.serializers!.split(","))
  for (const side of a.sides!.split(",")) {
    if (a["cpu-prof"]) {
      for (const [i, out] of drivers.entries()) {
        const p = spawnSync(process.execPath, [...NODE_ARGS, "--cpu-prof", "--cpu-prof-dir", a["cpu-prof"], "--cpu-prof-name", `${i}-${side}-${ser}.cpuprofile`, out, side, ser, WARM, String(N), "cpu"], { encoding: "utf8" });
        process.stdout.write(`${roots[i]} ${side} ${ser}: ${p.stdout} us CPU per batch, profile ${a["cpu-prof"]}/${i}-${side}-${ser}.cpuprofile\n`);
      }
      continue;
    }
    if (a.cpu) {
      // alternating rounds, median per checkout
      const per: number[][] = roots.map(() => []);
      for (let r = 0; r < Number(a.rounds); r++)
        for (const [i, out] of drivers.entries()) {
          const p = spawnSync(process.execPath, [...NODE_ARGS, out, side, ser, WARM, String(N), "cpu"], { encoding: "utf8" });
          if (p.status !== 0) throw new Error(p.stderr);
          per[i]!.push(Number(p.stdout));
        }
      for (const [i, root] of roots.entries()) {
        const v = per[i]!.slice().sort((x, y) => x - y);
        process.stdout.write(`${root} ${side} ${ser}: ${v[v.length >> 1]!.toFixed(1)} us CPU per batch (rounds ${v.map((x) => x.toFixed(1)).join(" ")})\n`);
      }
      continue;
    }
    for (const [i, out] of drivers.entries()) {
      const keep = a.out ? join(a.out, `${i}-${side}-${ser}.callgrind`) : "/dev/null";
      const withN = instructions(process.execPath, ["--single-threaded", out, side, ser, WARM, String(N)], keep);
      const without = instructions(process.execPath, ["--single-threaded", out, side, ser, WARM, "0"]);
      process.stdout.write(`${roots[i]} ${side} ${ser}: ${fmt((withN - without) / N)} instructions per batch\n`);
    }
  }
