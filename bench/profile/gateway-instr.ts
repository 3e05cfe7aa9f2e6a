// Instructions our HTTP gateway process executes per request in default mode (or --reuse), counted by callgrind:
// deterministic where CPU time on this shared 2-core machine is not. A Python name server and backend run natively;
// each build's gateway runs under valgrind in a small driver process (a plain .mjs importing that build's dist/,
// with a raw keep-alive HTTP client in the same process, identical for every build) for W warm-up requests plus N,
// and again for W plus 2N: the difference over N is the per-request count (start-up and JIT warm-up cancel).
// `node --import tsx bench/profile/gateway-instr.ts [--n 300] [--warm 200] [--protocol 5] [--reuse] [--dist DIR]...`
// (default: this checkout's dist/ and /work/wt-base/dist when present; run `npm run build` first).
import { parseArgs } from "node:util";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { instructions } from "./callgrind.js";

const { values } = parseArgs({
  options: { n: { type: "string" }, warm: { type: "string" }, protocol: { type: "string" }, reuse: { type: "boolean" }, dist: { type: "string", multiple: true } },
});
const N = Number(values.n ?? 300);
const WARM = Number(values.warm ?? 200);
const p5 = values.protocol === "5";
const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
const FIXTURES = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
const pyEnv: Record<string, string> = p5 ? { PYTHONPATH: fileURLToPath(new URL("../../test/vendor/pyro5", import.meta.url)) } : {};
const own = fileURLToPath(new URL("../../dist", import.meta.url));
const dists = values.dist?.map((d) => resolve(d)) ?? [own, ...(existsSync("/work/wt-base/dist") ? ["/work/wt-base/dist"] : [])];

function start(args: string[], ready: RegExp, env: Record<string, string>, cwd?: string): Promise<{ child: ChildProcess; m: string }> {
  const child = spawn(PYTHON, args, { cwd, env: { ...process.env, PYTHONUNBUFFERED: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((res, rej) => {
    const on = (l: string) => {
      const m = ready.exec(l);
      if (m) res({ child, m: m[1] ?? l });
    };
    createInterface({ input: child.stdout! }).on("line", on);
    createInterface({ input: child.stderr! }).on("line", on);
    child.once("exit", (c) => rej(new Error(`${args.join(" ")} exited (${c})`)));
  });
}

// The driver: the gateway of one build in this process, then `count` sequential keep-alive GETs (raw client).
const DRIVER = `
const [dist, count, nsPort, proto, reuse] = process.argv.slice(2);
const { HttpGateway } = await import(dist + "/gateway/server.js");
const { connect } = await import("node:net");
const g = new HttpGateway({ protocol: Number(proto), host: "127.0.0.1", port: 0, nsHost: "127.0.0.1", nsPort: Number(nsPort),
  ...(reuse === "1" ? { reuse: "http\\\\.", nsCacheSecs: 1000 } : {}) });
const addr = await g.listen();
const req = Buffer.from("GET /pyro/http.echo/echo?message=hello HTTP/1.1\\r\\nHost: 127.0.0.1:" + addr.port + "\\r\\nConnection: keep-alive\\r\\n\\r\\n", "latin1");
const s = connect({ host: "127.0.0.1", port: addr.port, noDelay: true });
await new Promise((r) => s.once("connect", r));
let buf = Buffer.alloc(0), pending = null;
s.on("data", (c) => {
  buf = buf.length ? Buffer.concat([buf, c]) : c;
  const end = buf.indexOf("\\r\\n\\r\\n");
  if (end < 0) return;
  const head = buf.toString("latin1", 0, end);
  const len = Number(/content-length: *(\\d+)/i.exec(head)[1]);
  if (buf.length - end - 4 < len) return;
  if (!head.startsWith("HTTP/1.1 200")) throw new Error(head);
  buf = Buffer.alloc(0);
  const p = pending; pending = null; p();
});
for (let i = 0; i < Number(count); i++) await new Promise((r) => { pending = r; s.write(req); });
s.destroy();
await g.close();
`;

const dir = mkdtempSync(join(tmpdir(), "gw-instr-"));
const driver = join(dir, "driver.mjs");
writeFileSync(driver, DRIVER);
const ns = await start(["-m", p5 ? "Pyro5.nameserver" : "Pyro4.naming", "-n", "127.0.0.1", "-p", "0"], /NS running on [^:]+:(\d+)/, pyEnv);
const be = await start(["gateway_backend.py", "127.0.0.1", ns.m], /(READY)/, p5 ? { ...pyEnv, INTEROP_PEER: "5" } : pyEnv, FIXTURES);
try {
  console.log(`${p5 ? "Pyro5" : "Pyro4"} gateway${values.reuse ? " (reuse + ns cache)" : " (default mode)"}: instructions per request of the gateway process (callgrind, (I(W+2N) - I(W+N)) / N, W=${WARM}, N=${N})`);
  for (const d of dists) {
    const run = (k: number) => instructions(process.execPath, [driver, d, String(k), ns.m, p5 ? "5" : "4", values.reuse ? "1" : "0"]);
    const a = run(WARM + N);
    const b = run(WARM + 2 * N);
    console.log(`  ${d}: ${((b - a) / N / 1000).toFixed(1)}k instructions/request (runs: ${a}, ${b})`);
  }
} finally {
  ns.child.kill();
  be.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
