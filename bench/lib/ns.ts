// The "Name server" section: our `pyro4 ns` command against Python's pyro4-ns (`python3 -m Pyro4.naming`), each
// started as its own process with the real command-line flags, with memory and with sql storage (a fresh sqlite
// file per server). The client is always a Python Pyro4 process (serpent), so both servers see the same client and
// the figures measure the servers: lookups/s, list(prefix=...) calls/s and registrations/s of distinct names.
// The same section runs for Pyro5 (`NS5`): our `pyro5 ns` against `python3 -m Pyro5.nameserver`, with a Python
// Pyro5 client.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, nodeCommand, PYTHON, BENCH_DIR, type Child } from "./procs.js";
import { replaceWorker, type PyPool, type PyWorker } from "./pyworkers.js";
import { errorLine, measure, skipped, progress, addPlanned, type Cell, type Settings } from "./measure.js";
import type { Row } from "./report.js";

/** Names registered under the listed prefix before the timed runs. */
export const NS_LIST_NAMES = 200;
/** Upper bound of registrations per timed run, so the storages stay small whatever the machine's speed. */
const NS_REGISTER_MAX = 20_000;
const SERIALIZER = "serpent";

const KINDS = [
  { kind: "nslookup", name: "lookup of an existing name" },
  { kind: "nslist", name: `list(prefix=...), ${NS_LIST_NAMES} matching names` },
  // last: the registrations grow the storage the other two kinds would otherwise search
  { kind: "nsregister", name: "register distinct names", max: NS_REGISTER_MAX },
] as const;
const STORAGES = ["memory", "sql"] as const;

/** Which protocol's name servers the section compares. */
export interface NsFlavor {
  /** Column of our server. */
  ours: string;
  /** Column of Python's. */
  py: string;
  /** Python's name server module (`python3 -m ...`). */
  pyModule: string;
  /** Arguments of bench/ts/ns-cli.ts before the flags. */
  oursArgs: string[];
  section: string;
}

export const NS4: NsFlavor = {
  ours: "ours (pyro4 ns)",
  py: "pyro4-ns",
  pyModule: "Pyro4.naming",
  oursArgs: [],
  section: `Name server (separate processes; Python client, ${SERIALIZER}; ours = pyro4 ns, Py = Python pyro4-ns)`,
};

export const NS5: NsFlavor = {
  ours: "ours (pyro5 ns)",
  py: "Pyro5.nameserver",
  pyModule: "Pyro5.nameserver",
  oursArgs: ["--pyro5"],
  section: `Pyro5 name server (separate processes; Python Pyro5 client, ${SERIALIZER}; ours = pyro5 ns, Py = python3 -m Pyro5.nameserver)`,
};

async function startServer(f: NsFlavor, which: string, storage: string, dir: string, env: Record<string, string>): Promise<Child | null> {
  const flags = ["-n", "127.0.0.1", "-p", "0", "-x"];
  if (storage === "sql") flags.push("-s", `sql:${join(dir, `${which === f.ours ? "ours" : "py"}.sqlite`)}`);
  try {
    if (which === f.py) return await startChild(PYTHON, ["-m", f.pyModule, ...flags], env);
    const { cmd, args } = await nodeCommand("ns-cli.ts");
    // the bundle lives in a temp dir: let its require("better-sqlite3") find the project's node_modules
    return await startChild(cmd, [...args, ...f.oursArgs, ...flags], { NODE_PATH: join(BENCH_DIR, "..", "node_modules") });
  } catch (e) {
    progress(`${which} (${storage}) not started: ${(e instanceof Error ? e.message : String(e)).split("\n").slice(0, 3).join(" | ")}`);
    return null;
  }
}

/**
 * Rows of the section; `pyEnv` is the environment the other Python servers of the bench get (for Pyro5: with
 * Pyro5 importable), `pool` holds Python clients of the same protocol.
 */
export async function nsSection(S: Settings, pool: PyPool, pyEnv: Record<string, string>, f: NsFlavor = NS4): Promise<Row[]> {
  addPlanned(STORAGES.length * 2 * KINDS.length);
  const cells = new Map<string, Record<string, Cell>>();
  const cellsOf = (storage: string, kind: string) => {
    const key = `${storage} ${kind}`;
    if (!cells.has(key)) cells.set(key, {});
    return cells.get(key)!;
  };
  for (const storage of STORAGES) {
    for (const which of [f.ours, f.py]) {
      // a fresh directory (and so a fresh sqlite file) per server
      const dir = mkdtempSync(join(tmpdir(), "pyro4-bench-ns-"));
      const child = await startServer(f, which, storage, dir, pyEnv);
      let [w] = (await pool.ensure(1)) as [PyWorker];
      let setupError: string | null = child ? null : "server not running";
      if (child) {
        try {
          await w.open(child.uri, SERIALIZER);
          await w.run("nsfill", 0, NS_LIST_NAMES);
          // unmeasured: a fresh Node server needs ~1.5 s of lookups before the JIT has caught up (the first cell of
          // ours swung 5x without this); Python gets the same warm-up for fairness
          await w.run("nslookup", S.quick ? 800 : 1500);
          await w.run("nslist", S.quick ? 200 : 500);
        } catch (e) {
          setupError = errorLine(e);
        }
      }
      for (const k of KINDS) {
        const label = `ns ${k.kind} [${storage}] ${which}`;
        if (setupError) {
          cellsOf(storage, k.kind)[which] = skipped(label, setupError);
          continue;
        }
        const max = "max" in k ? k.max : undefined;
        cellsOf(storage, k.kind)[which] = await measure(label, "ops/s", S, async (ms) => {
          const r = await w.run(k.kind, ms, undefined, max);
          return { value: r.ops / r.secs };
        }, () => {
          w = replaceWorker(pool, w);
        });
      }
      await w.close();
      await child?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const rows: Row[] = [];
  for (const storage of STORAGES) {
    for (const k of KINDS) {
      rows.push({
        section: f.section,
        name: `${k.name} [${storage}]`,
        unit: "ops/s",
        cells: cellsOf(storage, k.kind),
        ours: f.ours,
        python: [f.py],
      });
    }
  }
  return rows;
}
