// Instructions per sequential call under valgrind (callgrind), daemon side and client side, for one or more
// checkouts of this repository (issue 28: did the per-call path regress, and what did a change save?). Wall clock
// is useless on a shared 2-core machine; instruction counts are not moved by other load. The call is the
// in-process one of fake-call.ts (no kernel, no sockets): a daemon Connection fed ready-made `ping` request bytes
// through a fake socket (the daemon's whole path from the 'data' event to the reply write), or a ProxyCore answered
// with ready-made reply bytes through its connection's relay entry (onRead, as a plain TCP client reads). Each
// figure is (instructions of a run with warm-up + n calls - the same run with warm-up + 0 calls) / n, so start-up
// and most JIT compilation cancel out. node runs with --single-threaded (no background compiler or GC threads,
// whose work would otherwise land in one run and not the other).
// usage: node --import tsx bench/profile/calls-instr.ts [--checkouts /work/wt-old,.] [--serializers serpent,json,pickle]
//        [--sides server,client] [--n 20000] [--warm 20000] [--out DIR (keep the callgrind files of the n runs)]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleDriver, instructions } from "./callgrind.js";
import { profileArgs } from "./args.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const a = profileArgs({
  checkouts: ".", serializers: "serpent,json,pickle", sides: "server,client", n: "20000", warm: "20000",
  out: "", // keep the callgrind files of the n runs here ("": not kept)
});
const dir = mkdtempSync(join(tmpdir(), "calls-instr-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
if (a.out) mkdirSync(a.out, { recursive: true });

// The driver is bundled per checkout: src/ from the checkout, the harness (fake-call.ts) from this one.
const DRIVER = (root: string) => `
import { Daemon } from "${root}/src/server/index.js";
import { Connection as ServerConnection } from "${root}/src/server/connection.js";
import { ProxyCore } from "${root}/src/client/core.js";
import { Connection as ClientConnection } from "${root}/src/client/connection.js";
import { URI } from "${root}/src/uri.js";
import { getSerializer } from "${root}/src/serializers/index.js";
import * as message from "${root}/src/protocol/message.js";
import { Bench, FakeSocket, serverCall } from "${HERE}/fake-call.js";

const [side, ser, warm, n] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const modules = { ServerConnection, ProxyCore, ClientConnection, URI, getSerializer, ...message };

/** The client side as a plain TCP proxy reads: the reply arrives through the relay's onRead (a transient chunk). */
function clientCall() {
  const s = getSerializer(ser);
  const core = new ProxyCore("PYRO:bench@127.0.0.1:1", { serializer: ser, metadata: false });
  const sock = new FakeSocket();
  const conn = new ClientConnection(sock, "fake", core, null, core.limits ?? 0, { attach() {} });
  core.conn = conn;
  core.connectedUri = new URI("PYRO:bench@127.0.0.1:1");
  const body = s.serializeData(null);
  let pending = null;
  sock.onWrite = (b) => {
    if (sock.inCork !== 0) return; // payload part
    pending = message.encodeMessageBuffer(message.MSG_RESULT, s.id, b.readUInt16BE(10), body);
  };
  return () => {
    const p = core.invoke("ping", [], {}, null);
    const r = pending;
    pending = null;
    conn.onRead(r, r.length);
    return p;
  };
}

const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["serpent", "json", "marshal", "msgpack", "pickle"] });
daemon.register(new Bench(), "bench", { expose: ["ping"] });
const one = side === "server" ? await serverCall(modules, daemon, ser, false) : clientCall();
for (let i = 0; i < warm; i++) await one();
for (let i = 0; i < n; i++) await one();
await daemon.close();
process.exit(0);
`;

const N = Number(a.n);
const WARM = String(Number(a.warm));
for (const [i, checkout] of a.checkouts!.split(",").entries()) {
  const root = resolve(checkout);
  const out = await bundleDriver(dir, i, DRIVER(root));
  for (const ser of a.serializers!.split(","))
    for (const side of a.sides!.split(",")) {
      const keep = a.out ? join(a.out, `${i}-${side}-${ser}.callgrind`) : "/dev/null";
      const withN = instructions(process.execPath, ["--single-threaded", out, side, ser, WARM, String(N)], keep);
      const without = instructions(process.execPath, ["--single-threaded", out, side, ser, WARM, "0"]);
      process.stdout.write(`${root} ${side} ${ser}: ${((withN - without) / N).toFixed(0)} instructions per call\n`);
    }
}
