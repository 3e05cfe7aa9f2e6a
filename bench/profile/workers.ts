// Issue 28 item 2, multi-core prototype: does a daemon of several processes sharing one listening socket
// (bench/ts/server.ts --workers N, node:cluster, each worker with its own Daemon and Bench instance) serve more
// concurrent clients on this machine than one daemon? Columns, measured in rounds (one sample of each per round):
// our single daemon, our daemon with N workers (shared socket, and round robin from the primary), Python's thread
// and multiplex servers; each with n Python client processes (Py>...) and with n of our clients in this process
// (TS>...). Prints a table of medians and the per-round ratios to the single daemon.
// usage: node --import tsx bench/profile/workers.ts [--clients 8,32] [--serializers serpent,pickle] [--workers 2] [--ms 300] [--rounds 5]
import { startChild, nodeCommand, PYTHON, type Child } from "../lib/procs.js";
import { PyPool, type PyWorker } from "../lib/pyworkers.js";
import { TsClient } from "../lib/tsclient.js";
import { measureRounds, type RoundRun, type Sample } from "../lib/measure.js";
import { fmtSummary } from "../lib/stats.js";
import { profileArgs } from "./args.js";

const a = profileArgs({
  clients: "8,32",
  serializers: "serpent,pickle",
  workers: "2",
  ms: "300",
  rounds: "5",
  sides: "Py,TS",
});
const S = { quick: false, repeats: Number(a.rounds), ms: Number(a.ms), warmMs: Number(a.ms) };
const SERS = a.serializers.split(",");
const PY_ENV = { PYRO_SERIALIZERS_ACCEPTED: "serpent,json,marshal,msgpack,pickle", PYRO_THREADPOOL_SIZE: "64" };

function sum(rs: { ops: number; secs: number }[]): Sample {
  return { value: rs.reduce((t, r) => t + r.ops, 0) / Math.max(...rs.map((r) => r.secs)) };
}

async function main(): Promise<void> {
  const { cmd, args } = await nodeCommand("server.ts");
  const servers: [string, Child][] = [
    ["ours x1", await startChild(cmd, args)],
    [`ours x${a.workers}`, await startChild(cmd, [...args, "--workers", a.workers])],
    [`ours x${a.workers} rr`, await startChild(cmd, [...args, "--workers", a.workers, "--rr"])],
    ["Py thread", await startChild(PYTHON, ["python/bench_server.py", "daemon"], { ...PY_ENV, PYRO_SERVERTYPE: "thread" })],
    ["Py multiplex", await startChild(PYTHON, ["python/bench_server.py", "daemon"], { ...PY_ENV, PYRO_SERVERTYPE: "multiplex" })],
  ];
  const pool = new PyPool();
  const maxN = Math.max(...a.clients.split(",").map(Number));
  await pool.ensure(maxN);
  // warm every server (JIT on ours) with our client, unmeasured
  for (const [, c] of servers) {
    for (const ser of SERS) {
      const cs = Array.from({ length: 4 }, () => new TsClient(c.uri, ser));
      await Promise.all(cs.map((x) => x.open()));
      await Promise.all(cs.map((x) => x.run("ping", 600)));
      await Promise.all(cs.map((x) => x.close()));
    }
  }
  for (const n of a.clients.split(",").map(Number)) {
    for (const ser of SERS) {
      for (const side of a.sides.split(",")) {
        const runs: RoundRun[] = [];
        const closers: (() => Promise<unknown>)[] = [];
        for (const [name, c] of servers) {
          if (side === "TS" && name.startsWith("Py ")) continue;
          if (side === "Py") {
            const ws: PyWorker[] = await pool.ensure(n);
            runs.push({
              label: `${n} Py clients [${ser}] > ${name}`,
              run: async (ms) => {
                await Promise.all(ws.map((w) => w.open(c.uri, ser)));
                const r = sum(await Promise.all(ws.map((w) => w.run("ping", ms))));
                await Promise.all(ws.map((w) => w.close()));
                return r;
              },
            });
          } else {
            const cs = Array.from({ length: n }, () => new TsClient(c.uri, ser));
            await Promise.all(cs.map((x) => x.open()));
            closers.push(() => Promise.all(cs.map((x) => x.close())));
            runs.push({ label: `${n} TS clients [${ser}] > ${name}`, run: async (ms) => sum(await Promise.all(cs.map((x) => x.run("ping", ms)))) });
          }
        }
        const cells = await measureRounds("ops/s", S, runs);
        for (const close of closers) await close();
        const base = cells[0]!.samples;
        const line = cells.map((cell, i) => {
          const ratios = cell.samples.map((v, r) => v / base[r]!).sort((x, y) => x - y);
          return `${runs[i]!.label.split(" > ")[1]}: ${fmtSummary(cell.summary)}${i ? ` (x${ratios[ratios.length >> 1]!.toFixed(2)} of x1)` : ""}`;
        });
        process.stdout.write(`${n} ${side} clients [${ser}]  ${line.join(" | ")}\n`);
      }
    }
  }
  pool.quit();
  for (const [, c] of servers) await c.stop();
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
