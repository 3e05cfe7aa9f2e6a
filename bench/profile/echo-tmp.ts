import { startChild, nodeCommand } from "../lib/procs.js";
import { TsClient } from "../lib/tsclient.js";
import { rawConnect, rawBulkEcho } from "../lib/raw.js";
const size = Number(process.argv[3] ?? 10_000_000);
const s = await nodeCommand("server.ts");
const d = await startChild(s.cmd, s.args);
const r = await nodeCommand("raw-server.ts");
const raw = await startChild(r.cmd, r.args);
const [rc] = await rawConnect(Number(raw.uri.split(":")[1]), 1);
const c = new TsClient(d.uri, process.argv[2] ?? "marshal"); await c.open();
const paired = process.argv[4] === "paired";
await c.run("echo", 300, size);
for (let i = 0; i < 6; i++) {
  let lim = 0;
  if (paired) { const l = await rawBulkEcho(rc!, size, 300); lim = l.ops * size / l.secs / 1e6; }
  const q = await c.run("echo", 300, size);
  console.log(`ours ${(q.ops * size / q.secs / 1e6).toFixed(0)} MB/s  limit ${lim.toFixed(0)}`);
}
await c.close(); rc!.close(); await d.stop(); await raw.stop(); process.exit(0);
