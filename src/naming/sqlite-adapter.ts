// One small synchronous sqlite interface for the name server's sql storage, backed by `node:sqlite` where the
// runtime has it (Node >= 22.13) and by the optional `better-sqlite3` package otherwise (Node 20). Both expose
// the same prepare/run/get/all/exec/close shape, so the storage code never knows which one it got.

import { createRequire } from "node:module";
import { NamingError } from "../errors.js";

export interface SqliteStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): Record<string, unknown> | undefined;
  all(...params: unknown[]): Record<string, unknown>[];
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/** The SQLite driver an sql: storage uses: Node's built-in node:sqlite, or better-sqlite3. */
export type SqliteDriver = "node:sqlite" | "better-sqlite3";

export interface OpenedDatabase {
  db: SqliteDatabase;
  driver: SqliteDriver;
}

const require = createRequire(import.meta.url);

/** True when this Node has a usable built-in `node:sqlite` (22.13+ without a flag). */
export function hasNodeSqlite(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  if (major < 22 || (major === 22 && minor < 13)) return false;
  try {
    loadNodeSqlite();
    return true;
  } catch {
    return false;
  }
}

function loadNodeSqlite(): { DatabaseSync: new (file: string) => SqliteDatabase } {
  // node:sqlite prints an ExperimentalWarning on first load on some versions; the name server should not.
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return require("node:sqlite") as { DatabaseSync: new (file: string) => SqliteDatabase };
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * Open (creating if needed) a sqlite database file. `prefer` forces a driver (tests use it); otherwise
 * node:sqlite when available, else better-sqlite3. Throws an Error explaining how to get sqlite when neither
 * is present.
 */
export function openSqlite(file: string, prefer?: SqliteDriver): OpenedDatabase {
  const tryNode = prefer !== "better-sqlite3" && hasNodeSqlite();
  if (tryNode) {
    const { DatabaseSync } = loadNodeSqlite();
    return { db: new DatabaseSync(file), driver: "node:sqlite" };
  }
  if (prefer === "node:sqlite") {
    throw new NamingError(`node:sqlite is not available in Node ${process.versions.node} (needs Node >= 22.13)`);
  }
  try {
    const Better = require("better-sqlite3") as new (file: string) => SqliteDatabase;
    // the native part loads on first construction; a build for another Node version fails here
    return { db: new Better(file), driver: "better-sqlite3" };
  } catch (e) {
    if (/^SQLITE_/.test(String((e as { code?: unknown }).code ?? ""))) throw e; // the file, not the driver
    throw new NamingError(sqliteMissingMessage(e));
  }
}

/**
 * What to do when no sqlite driver loads: better-sqlite3 is an optional peer dependency (so `npm i pyro4`
 * compiles nothing), and node:sqlite only exists from Node 22.13 on.
 */
export function sqliteMissingMessage(loadError: unknown): string {
  const notInstalled = (loadError as { code?: unknown } | null)?.code === "MODULE_NOT_FOUND";
  const why = notInstalled
    ? "the optional peer dependency better-sqlite3 is not installed"
    : `better-sqlite3 is installed but did not load (${String((loadError as Error)?.message ?? loadError).split("\n")[0]}); ` +
      "reinstall it for this Node version";
  return (
    `sql: name server storage needs SQLite: Node ${process.versions.node} has no built-in node:sqlite ` +
    `(Node >= 22.13 has it) and ${why}. Either run \`npm i better-sqlite3@12\` in your project, ` +
    `or use Node 22.13 or newer (22 or 24), or use the default in-memory storage.`
  );
}
