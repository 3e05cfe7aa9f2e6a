// A throwaway PostgreSQL cluster for tests: initdb in a temp dir owned by the `postgres` user (PostgreSQL refuses
// to run as root), trust auth, listening on a free port on 127.0.0.1 (and a socket in the same dir); stopped with
// `pg_ctl stop -m immediate` and removed by stop(), and on process exit as a last resort.

import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PgCluster {
  port: number;
  /** postgresql://postgres@127.0.0.1:PORT/DB */
  url(db?: string): string;
  /** Run SQL through psql as the superuser; returns stdout. */
  psql(sql: string, db?: string): string;
  /** Create a fresh database and return its URL. */
  createDatabase(name: string): string;
  /** Stop the server (immediate) without removing the data; start() brings it back on the same port. */
  pause(): void;
  start(): void;
  stop(): void;
}

/** The newest installed server binaries, e.g. /usr/lib/postgresql/15/bin; null when PostgreSQL is missing. */
export function findPgBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, "bin") : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const asPostgres = (cmd: string[]) => (process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd);

function run(cmd: string[]): string {
  const [file, ...args] = asPostgres(cmd);
  return execFileSync(file!, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd: "/" });
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
  const dir = mkdtempSync(join(tmpdir(), "pyro4-pg-"));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres:postgres", dir]);
  const data = join(dir, "data");
  const port = await freePort();
  let running = false;
  let removed = false;
  const pgctl = (...args: string[]) => run([join(bin, "pg_ctl"), "-D", data, ...args]);
  const startServer = () => {
    pgctl(
      "-w",
      "-t",
      "30",
      "-l",
      join(dir, "log"),
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      "start",
    );
    running = true;
  };
  const stopServer = () => {
    if (!running) return;
    running = false;
    try {
      pgctl("-m", "immediate", "-w", "stop");
    } catch {
      // already gone
    }
  };
  const remove = () => {
    stopServer();
    if (!removed) {
      removed = true;
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once("exit", remove);
  try {
    run([join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
    startServer();
  } catch (e) {
    remove();
    throw e;
  }
  const psql = (sql: string, db = "postgres") => {
    const [file, ...args] = asPostgres([join(bin, "psql"), "-h", dir, "-p", String(port), "-U", "postgres", "-d", db, "-Atqc", sql]);
    const r = spawnSync(file!, args, { encoding: "utf8", cwd: "/" });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout;
  };
  return {
    port,
    url: (db = "postgres") => `postgresql://postgres@127.0.0.1:${port}/${db}`,
    psql,
    createDatabase(name: string) {
      psql(`CREATE DATABASE "${name}"`);
      return `postgresql://postgres@127.0.0.1:${port}/${name}`;
    },
    pause: stopServer,
    start: startServer,
    stop: remove,
  };
}
