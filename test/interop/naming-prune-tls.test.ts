// Pruning (src/naming/prune.ts) when the registered daemons are reachable only over TLS, for Pyro4 and Pyro5 name
// servers: the checks' handshakes must go over TLS (with a client certificate where a daemon requires one), so
// live Python TLS daemons keep their names through many cycles while a dead location is removed, and a TLS daemon
// killed with -9 loses its name after `after` failed checks. A name server serving TLS itself (daemonOptions.ssl)
// checks over TLS by default, with its own certificates. A daemon that refuses the check's missing client
// certificate with a TLS alert has answered, so it keeps its names (as one refusing the HMAC key does).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { makeTestCerts } from "../helpers/certs.js";
import { startNameServer, type RunningNameServer } from "../../src/naming/server.js";
import type { PruneReport } from "../../src/naming/prune.js";

const INTERVAL = 0.3;
const AFTER = 2;
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tlsDaemon(v: 4 | 5, requireClientCert: boolean): Promise<PythonServer> {
  const c = makeTestCerts();
  return startPython(["tls_prune_daemon.py", String(v), c.serverCert, c.serverKey, c.caCert, requireClientCert ? "1" : "0"], /^URI: (PYRO:\S+)$/, {
    env: v === 5 ? PYRO5_ENV : {},
  }).then((p) => {
    cleanups.push(() => p.kill("SIGKILL"));
    return p;
  });
}

/** Resolves once `n` more prune cycles have run. */
function cycles(reports: PruneReport[], n: number): Promise<void> {
  const target = reports.length + n;
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (reports.length >= target) {
        clearInterval(t);
        resolve();
      }
    }, 50);
  });
}

for (const v of [4, 5] as const) {
  for (const how of ["explicit prune.ssl", "the name server's own TLS settings", "no client certificate"] as const) {
    test(`Pyro${v}: pruning checks TLS-only daemons over TLS (${how})`, async () => {
      const c = makeTestCerts();
      const [oneWay, twoWay] = await Promise.all([tlsDaemon(v, false), tlsDaemon(v, true)]);
      const reports: PruneReport[] = [];
      const clientTls = { caCerts: c.caCert, clientCert: c.clientCert, clientKey: c.clientKey };
      const ns: RunningNameServer = await startNameServer({
        host: "127.0.0.1",
        port: 0,
        protocol: v,
        enableBroadcast: false,
        daemonOptions: { ssl: { serverCert: c.serverCert, serverKey: c.serverKey, ...clientTls } },
        prune: {
          interval: INTERVAL,
          after: AFTER,
          // a loaded CI machine can take more than one interval for a Python TLS handshake; a live daemon must not
          // count as failed for that (the dead ones refuse at once)
          timeoutMs: 5000,
          onCycle: (r) => reports.push(r),
          // without a client certificate the two-way daemon refuses the check with a TLS alert: it answered, so it lives
          ...(how === "explicit prune.ssl" ? { ssl: clientTls } : how === "no client certificate" ? { ssl: { caCerts: c.caCert } } : {}),
        },
      });
      cleanups.push(() => ns.close());
      const reg = ns.nameserver;
      await reg.register("tls.oneway", oneWay.ready);
      await reg.register("tls.twoway", twoWay.ready);
      await reg.register("tls.dead", "PYRO:thing@127.0.0.1:1");
      await cycles(reports, AFTER + 3);
      const names = Object.keys((await reg.list()) as Record<string, unknown>).sort();
      assert.deepEqual(names, ["Pyro.NameServer", "tls.oneway", "tls.twoway"], JSON.stringify(reports.slice(-3)));
      assert.ok(reports.slice(-2).every((r) => r.failed.length === 0), JSON.stringify(reports.slice(-2)));
      // a TLS daemon that dies goes too
      await oneWay.kill("SIGKILL");
      await cycles(reports, AFTER + 1);
      assert.deepEqual(Object.keys((await reg.list()) as Record<string, unknown>).sort(), ["Pyro.NameServer", "tls.twoway"]);
    });
  }
}
