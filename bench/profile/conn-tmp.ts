import { startChild, nodeCommand, PYTHON } from "../lib/procs.js";
import { Proxy } from "../../src/index.js";
const s = await nodeCommand("server.ts");
const d = await startChild(s.cmd, s.args);
const py = await startChild(PYTHON, ["python/bench_server.py", "daemon"], { PYRO_SERIALIZERS_ACCEPTED: "serpent,json,marshal,msgpack" });
for (const [name, uri] of [["TS", d.uri], ["Py", py.uri], ["TS", d.uri], ["Py", py.uri]] as const) {
  const ph = { bind: 0, ping: 0, rel: 0 }; let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1500) {
    const a = performance.now();
    const q = new Proxy(uri, { serializer: process.argv[2] ?? "serpent" });
    await q.$bind(); const b = performance.now();
    await q.ping(); const c = performance.now();
    await q.$release(); const e = performance.now();
    ph.bind += b - a; ph.ping += c - b; ph.rel += e - c; n++;
  }
  console.log(name, `${(n / 1.5).toFixed(0)}/s  bind ${(ph.bind / n * 1000).toFixed(0)}us ping ${(ph.ping / n * 1000).toFixed(0)}us release ${(ph.rel / n * 1000).toFixed(0)}us`);
}
await d.stop(); await py.stop(); process.exit(0);
