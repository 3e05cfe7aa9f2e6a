// Pruning (issue 19) with memory, sql and postgresql storage: a Python daemon and one of ours register with a
// pruning name server (HMAC key set, so the checks' handshakes must carry it), both are killed with -9, and their
// names vanish after `after` failed checks, not before; live daemons' names and the name server's own entry stay
// through several more cycles. With two instances on one database only one instance prunes at a time.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPgCluster, type PgCluster } from "../helpers/postgres.js";
import { startPython, type PythonServer } from "../helpers/python.js";
import { REPO } from "../helpers/ns-process.js";
import { startNameServer, type RunningNameServer } from "../../src/naming/server.js";
import { NAMESERVER_NAME } from "../../src/naming/nameserver.js";
import type { PruneReport } from "../../src/naming/prune.js";
import { Daemon } from "../../src/server/daemon.js";
import { nsMain } from "../../src/cli/ns.js";

const KEY = "prune-key";
const INTERVAL = 0.3;
// a check's timeout defaults to the interval; on a loaded CI machine a live Python daemon can take longer than that
// to answer, and must not count as failed for it (dead ones refuse at once)
const TIMEOUT_MS = 5000;
const AFTER = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: PgCluster;
const dir = mkdtempSync(join(tmpdir(), "pyro4-prune-"));
const cleanups: (() => Promise<void> | void)[] = [];
before(async () => {
  pg = await startPgCluster();
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PY_DAEMON = `
import Pyro4, sys
class Thing(object):
    @Pyro4.expose
    def ping(self):
        return 1
d = Pyro4.Daemon(host="127.0.0.1")
d._pyroHmacKey = b"${KEY}"
ns = Pyro4.locateNS(host="127.0.0.1", port=int(sys.argv[1]), hmac_key=b"${KEY}")
for n in sys.argv[2].split(","):
    ns.register(n, d.register(Thing(), n))
print("READY", flush=True)
d.requestLoop()
`;

function startPyDaemon(nsPort: number, names: string[]): Promise<PythonServer> {
  return startPython(["-c", PY_DAEMON, String(nsPort), names.join(",")], /^(READY)$/).then((p) => {
    cleanups.push(() => p.kill("SIGKILL"));
    return p;
  });
}

/** Our daemon as a child process in its own group, so kill -9 takes it down like a crash. */
function startTsDaemon(nsPort: number, names: string[]): Promise<{ kill9(): Promise<void> }> {
  const proc = spawn(process.execPath, ["--import", "tsx", join(REPO, "test/fixtures/prune_daemon.ts"), String(nsPort), names.join(","), KEY], {
    cwd: REPO,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const kill9 = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }
    await exited;
  };
  cleanups.push(kill9);
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("ts daemon not ready:\n" + output.join("\n"))), 30_000);
    const onLine = (l: string) => {
      output.push(l);
      if (l.startsWith("READY")) {
        clearTimeout(timer);
        resolve({ kill9 });
      }
    };
    createInterface({ input: proc.stdout! }).on("line", onLine);
    createInterface({ input: proc.stderr! }).on("line", onLine);
    proc.once("exit", (c) => reject(new Error(`ts daemon exited ${c}:\n${output.join("\n")}`)));
  });
}

interface Cycles {
  reports: PruneReport[];
  /** Resolves once `n` more cycles have run. */
  wait(n: number): Promise<void>;
}

function cycleLog(): Cycles & { onCycle(r: PruneReport): void } {
  const reports: PruneReport[] = [];
  const waiters: { at: number; resolve(): void }[] = [];
  return {
    reports,
    onCycle(r) {
      reports.push(r);
      for (const w of waiters.filter((w) => reports.length >= w.at)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    wait(n) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`fewer than ${n} prune cycles ran in time`)), 20_000);
        waiters.push({ at: reports.length + n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
  };
}

async function namesOf(ns: RunningNameServer): Promise<string[]> {
  return Object.keys(await ns.nameserver.list()).sort();
}

const storages: [string, () => string][] = [
  ["memory", () => "memory"],
  ["sql", () => `sql:${join(dir, "prune.sqlite")}`],
  ["postgresql", () => pg.createDatabase("prune")],
];

for (const [label, spec] of storages) {
  describe(`pruning with ${label} storage`, () => {
    test("dead Python and TypeScript daemons vanish after N failed checks; live ones and the name server stay", async () => {
      const log = cycleLog();
      const ns = await startNameServer({
        host: "127.0.0.1",
        port: 0,
        storage: spec(),
        hmacKey: KEY,
        prune: { interval: INTERVAL, after: AFTER, timeoutMs: TIMEOUT_MS, onCycle: log.onCycle },
      });
      cleanups.push(() => ns.close());
      const port = ns.uri.port!;
      const live = await Daemon.create({ host: "127.0.0.1", port: 0, hmacKey: KEY });
      cleanups.push(() => live.close());
      live.register({ ping: () => 1 }, "live.ts", { expose: ["ping"] });
      void live.requestLoop();
      await ns.nameserver.register("live.ts", live.uriFor("live.ts"));
      await startPyDaemon(port, ["live.py"]);
      const deadPy = await startPyDaemon(port, ["dead.py.1", "dead.py.2"]);
      const deadTs = await startTsDaemon(port, ["dead.ts"]);
      const all = [NAMESERVER_NAME, "dead.py.1", "dead.py.2", "dead.ts", "live.py", "live.ts"].sort();

      await log.wait(3);
      assert.deepEqual(await namesOf(ns), all, "nothing removed while everyone answers");
      const checkedWhileAlive = log.reports.at(-1)!;
      assert.equal(checkedWhileAlive.checked, 4, "one check per daemon location (not per name), never the name server");
      assert.deepEqual(checkedWhileAlive.failed, []);

      await Promise.all([deadPy.kill("SIGKILL"), deadTs.kill9()]);
      const killedAtCycle = log.reports.length;
      const deadline = Date.now() + 15_000;
      while ((await namesOf(ns)).some((n) => n.startsWith("dead.")) && Date.now() < deadline) await sleep(50);
      assert.deepEqual(await namesOf(ns), [NAMESERVER_NAME, "live.py", "live.ts"]);
      const removedAt = log.reports.findIndex((r, i) => i >= killedAtCycle && r.removed.length > 0);
      const removed = log.reports.slice(killedAtCycle).flatMap((r) => r.removed).sort();
      assert.deepEqual(removed, ["dead.py.1", "dead.py.2", "dead.ts"]);
      // removal needs AFTER consecutive failures, so it happens on the AFTER-th cycle after the kill at the earliest
      assert.ok(removedAt - killedAtCycle + 1 >= AFTER, `removed on cycle ${removedAt - killedAtCycle + 1} after the kill`);
      const failedBefore = log.reports.slice(killedAtCycle, removedAt).filter((r) => r.failed.length > 0).length;
      assert.ok(failedBefore >= AFTER - 1);

      await log.wait(4);
      assert.deepEqual(await namesOf(ns), [NAMESERVER_NAME, "live.py", "live.ts"], "live daemons survive later cycles");
      assert.ok(log.reports.slice(-4).every((r) => r.failed.length === 0 && r.leader));
    });
  });
}

describe("pruning with two instances on one database", () => {
  test("only one instance prunes at a time; the other takes over when it stops", async () => {
    const url = pg.createDatabase("prune2");
    const logA = cycleLog();
    const logB = cycleLog();
    const opts = (onCycle: (r: PruneReport) => void) =>
      ({ host: "127.0.0.1", port: 0, storage: url, hmacKey: KEY, prune: { interval: INTERVAL, after: AFTER, timeoutMs: TIMEOUT_MS, onCycle } }) as const;
    const a = await startNameServer(opts(logA.onCycle));
    const b = await startNameServer(opts(logB.onCycle));
    cleanups.push(() => a.close(), () => b.close());
    await b.nameserver.register("gone", "PYRO:x@127.0.0.1:1"); // nothing listens on port 1
    await Promise.all([logA.wait(4), logB.wait(4)]);
    const leaders = [logA, logB].map((l) => l.reports.filter((r) => r.leader).length);
    assert.ok((leaders[0]! > 0) !== (leaders[1]! > 0), `exactly one leader: ${leaders}`);
    assert.deepEqual(Object.keys(await b.nameserver.list()), [NAMESERVER_NAME]);
    // the leader stops: the other instance takes the lock and prunes from then on
    const [leader, follower, followerLog] = leaders[0]! > 0 ? [a, b, logB] : [b, a, logA];
    await leader.close();
    await follower.nameserver.register("gone2", "PYRO:y@127.0.0.1:1");
    const before = followerLog.reports.length;
    await followerLog.wait(AFTER + 2);
    assert.ok(followerLog.reports.slice(before).some((r) => r.leader));
    assert.deepEqual(Object.keys(await follower.nameserver.list()), [NAMESERVER_NAME]);
  });
});

describe("pyro4 ns --prune flags", () => {
  test("invalid values are refused with usage errors", async () => {
    const errs: string[] = [];
    assert.equal(await nsMain(["--prune", "abc"], { err: (l) => errs.push(l), out: () => {} }), 2);
    assert.equal(await nsMain(["--prune", "1", "--prune-after", "0"], { err: (l) => errs.push(l), out: () => {} }), 2);
    assert.deepEqual(errs, [
      "pyro4 ns: error: option --prune: invalid number of seconds: 'abc'",
      "pyro4 ns: error: option --prune-after: must be at least 1",
    ]);
  });

  test("--prune starts a pruning name server and says so", async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    const done = nsMain(["-n", "127.0.0.1", "-p", "0", "--prune", "0.5", "--prune-after", "4"], { out: (l) => lines.push(l), err: (l) => lines.push(l), stopSignal });
    while (!lines.some((l) => l.startsWith("URI ="))) await sleep(20);
    stop();
    assert.equal(await done, 0);
    assert.ok(lines.includes("Pruning dead registrations: check every 0.5 s, remove after 4 failed checks."), lines.join("\n"));
  });
});
