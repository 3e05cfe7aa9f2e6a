// Pruning (src/naming/prune.ts) checks each daemon with the name server's own limits, not the defaults: a Python
// Pyro4 or Pyro5 daemon whose handshake answer is larger than the name server's maxMessageSize has not answered as
// a daemon that name server would read from, so its registration is removed after `after` checks, while a daemon
// with a small answer keeps its name. The same two daemons registered with a name server with default limits both
// stay (what the limit changes). The daemons are test/fixtures/prune_limits_daemon.py.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { startNameServer } from "../../src/naming/server.js";
import type { PruneReport } from "../../src/naming/prune.js";

const INTERVAL = 0.3;
const AFTER = 2;
const LIMIT = 2000;
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function daemon(v: 4 | 5, handshakeSize: number): Promise<PythonServer> {
  const p = await startPython(["prune_limits_daemon.py", String(v), String(handshakeSize)], /^URI: (PYRO:\S+)$/, { env: v === 5 ? PYRO5_ENV : {} });
  cleanups.push(() => p.stop());
  return p;
}

/** Resolves once `n` more prune cycles have run. */
function cycles(reports: PruneReport[], n: number): Promise<void> {
  const target = reports.length + n;
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`fewer than ${n} prune cycles ran in time`)), 30_000);
    const t = setInterval(() => {
      if (reports.length >= target) {
        clearInterval(t);
        clearTimeout(timeout);
        resolve();
      }
    }, 50);
  });
}

for (const v of [4, 5] as const) {
  test(`Pyro${v}: pruning reads the daemons' handshake answers within the name server's limits`, async () => {
    const [small, big] = await Promise.all([daemon(v, 100), daemon(v, 3 * LIMIT)]);
    const names: Record<string, string[]> = {};
    for (const limits of [{ maxMessageSize: LIMIT }, undefined]) {
      const reports: PruneReport[] = [];
      const ns = await startNameServer({
        host: "127.0.0.1", port: 0, protocol: v, enableBroadcast: false,
        ...(limits ? { daemonOptions: { limits } } : {}),
        prune: { interval: INTERVAL, after: AFTER, timeoutMs: 5000, onCycle: (r) => reports.push(r) },
      });
      cleanups.push(() => ns.close());
      await ns.nameserver.register("small.answer", small.ready);
      await ns.nameserver.register("big.answer", big.ready);
      await cycles(reports, AFTER + 2);
      names[limits ? "limited" : "default"] = Object.keys((await ns.nameserver.list()) as Record<string, unknown>).sort();
      if (limits) assert.ok(reports.some((r) => r.failed.includes(new URL(big.ready.replace("PYRO:thing@", "http://")).host)), JSON.stringify(reports));
      await ns.close();
    }
    assert.deepEqual(names, {
      limited: ["Pyro.NameServer", "small.answer"],
      default: ["Pyro.NameServer", "big.answer", "small.answer"],
    });
  });
}
