// Persistent name-server storage in a sqlite file with exactly Pyro4's SqlStorage schema (pyro_names +
// pyro_metadata), so a database written by Python's `pyro4-ns -s sql:FILE` opens here and the other way round.
// Every change is one committed transaction before the call returns: a kill -9 loses nothing acknowledged.

import { ConfigValueError, NamingError } from "../errors.js";
import { openSqlite, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from "./sqlite-adapter.js";
import type { NameStorage, Registration, Tag } from "./storage.js";

const CREATE_NAMES = `CREATE TABLE pyro_names
            (
                id integer PRIMARY KEY,
                name nvarchar NOT NULL UNIQUE,
                uri nvarchar NOT NULL
            );`;
const CREATE_METADATA = `CREATE TABLE pyro_metadata
            (
                object integer NOT NULL,
                metadata nvarchar NOT NULL,
                FOREIGN KEY(object) REFERENCES pyro_names(id)
            );`;

function tableExists(db: SqliteDatabase, table: string): boolean {
  return db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type='table' AND name=?").get(table) !== undefined;
}

/** Python's sqlite3 binds True/False as 1/0; the drivers refuse booleans. */
function bindable(tag: Tag): unknown {
  return typeof tag === "boolean" ? (tag ? 1 : 0) : tag;
}

/**
 * Name storage in an SQLite file, in the schema of Pyro4's SqlStorage (a Python name server can open the same
 * file).
 */
export class SqlStorage implements NameStorage {
  readonly description: string;
  readonly driver: SqliteDriver;
  private db: SqliteDatabase | null;
  private readonly st: Record<string, SqliteStatement>;

  constructor(readonly file: string, options: { driver?: SqliteDriver } = {}) {
    if (file === ":memory:")
      throw new ConfigValueError("We don't support the sqlite :memory: database type. Just use the default volatile in-memory store.");
    this.description = "sql:" + file;
    const opened = openSqlite(file, options.driver);
    this.db = opened.db;
    this.driver = opened.driver;
    const db = opened.db;
    db.exec("PRAGMA foreign_keys=ON");
    db.exec("PRAGMA busy_timeout=5000");
    this.transaction("init", () => {
      if (!tableExists(db, "pyro_names")) {
        db.exec(CREATE_NAMES);
        db.exec(CREATE_METADATA);
      } else if (!tableExists(db, "pyro_metadata")) {
        // an old (pre-metadata) Pyro4 database: migrate it the way SqlStorage does
        db.exec("ALTER TABLE pyro_names RENAME TO pyro_names_old");
        db.exec(CREATE_NAMES);
        db.exec(CREATE_METADATA);
        db.exec("INSERT INTO pyro_names(name, uri) SELECT name, uri FROM pyro_names_old");
        db.exec("DROP TABLE pyro_names_old");
      }
    });
    const prep = (sql: string) => db.prepare(sql);
    this.st = {
      count: prep("SELECT count(*) AS n FROM pyro_names"),
      has: prep("SELECT EXISTS(SELECT 1 FROM pyro_names WHERE name=? LIMIT 1) AS e"),
      get: prep("SELECT id, uri FROM pyro_names WHERE name=?"),
      meta: prep("SELECT metadata FROM pyro_metadata WHERE object=? ORDER BY rowid"),
      id: prep("SELECT id FROM pyro_names WHERE name=?"),
      delMeta: prep("DELETE FROM pyro_metadata WHERE object=?"),
      delName: prep("DELETE FROM pyro_names WHERE id=?"),
      insName: prep("INSERT INTO pyro_names(name, uri) VALUES(?,?)"),
      insMeta: prep("INSERT INTO pyro_metadata(object, metadata) VALUES (?,?)"),
      all: prep("SELECT id, name, uri FROM pyro_names ORDER BY id"),
      allMeta: prep("SELECT object, metadata FROM pyro_metadata ORDER BY rowid"),
      prefix: prep("SELECT id, name, uri FROM pyro_names WHERE substr(name, 1, length(?)) = ? ORDER BY id"),
    };
  }

  private get conn(): SqliteDatabase {
    if (!this.db) throw new NamingError("sqlite error: storage is closed");
    return this.db;
  }

  private wrap<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof NamingError) throw e;
      throw new NamingError(`sqlite error in ${what}: ${(e as Error).message}`);
    }
  }

  private transaction<T>(what: string, fn: () => T): T {
    return this.wrap(what, () => {
      const db = this.conn;
      db.exec("BEGIN IMMEDIATE");
      try {
        const r = fn();
        db.exec("COMMIT");
        return r;
      } catch (e) {
        try {
          db.exec("ROLLBACK");
        } catch {
          // the failed statement may already have ended the transaction
        }
        throw e;
      }
    });
  }

  private metadataOf(id: unknown): Set<Tag> {
    return new Set(this.st.meta!.all(id).map((r) => r.metadata as Tag));
  }

  private deleteName(name: string): boolean {
    const row = this.st.id!.get(name);
    if (!row) return false;
    this.st.delMeta!.run(row.id);
    this.st.delName!.run(row.id);
    return true;
  }

  count(): number {
    return this.wrap("len", () => Number(this.st.count!.get()!.n));
  }
  has(name: string): boolean {
    return this.wrap("contains", () => Number(this.st.has!.get(name)!.e) === 1);
  }
  get(name: string): Registration | undefined {
    return this.wrap("getitem", () => {
      const row = this.st.get!.get(name);
      if (!row) return undefined;
      return { uri: String(row.uri), metadata: this.metadataOf(row.id) };
    });
  }
  set(name: string, uri: string, metadata: Iterable<Tag> | null): void {
    this.transaction("setitem", () => {
      // delete + insert like Pyro4: the name gets a new id, so it moves to the end of the listing order
      this.deleteName(name);
      const { lastInsertRowid } = this.st.insName!.run(name, uri);
      for (const m of metadata ?? []) this.st.insMeta!.run(lastInsertRowid, bindable(m));
    });
  }
  delete(name: string): boolean {
    return this.transaction("delitem", () => this.deleteName(name));
  }
  deleteIfUri(name: string, uri: string): boolean {
    return this.transaction("delitem", () => this.get(name)?.uri === uri && this.deleteName(name));
  }
  removeItems(names: readonly string[]): void {
    this.transaction("remove_items", () => {
      for (const n of names) this.deleteName(n);
    });
  }
  private collect(rows: Record<string, unknown>[]): Map<string, Registration> {
    const byId = new Map<unknown, Registration>();
    const out = new Map<string, Registration>();
    for (const r of rows) {
      const reg = { uri: String(r.uri), metadata: new Set<Tag>() };
      byId.set(typeof r.id === "bigint" ? Number(r.id) : r.id, reg);
      out.set(String(r.name), reg);
    }
    if (out.size) {
      for (const m of this.st.allMeta!.all()) {
        const id = typeof m.object === "bigint" ? Number(m.object) : m.object;
        byId.get(id)?.metadata.add(m.metadata as Tag);
      }
    }
    return out;
  }
  everything(): Map<string, Registration> {
    return this.wrap("everything", () => this.collect(this.st.all!.all()));
  }
  /** Exact startswith (Pyro4's SQL used LIKE, which also matched other case and treated _ and % as wildcards). */
  prefixList(prefix: string): Map<string, Registration> {
    return this.wrap("optimized_prefix_list", () => this.collect(this.st.prefix!.all(prefix, prefix)));
  }
  close(): void {
    if (this.db) {
      this.db.close();
      this.db = null;
    }
  }
}
