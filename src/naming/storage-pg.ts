// Name-server storage in PostgreSQL, shared by several name-server instances (issue 19). The tables follow
// Pyro4's SqlStorage (pyro_names + pyro_metadata) plus a schema version table; every operation is one committed
// statement or transaction before the call returns, so an instance killed with -9 loses nothing acknowledged,
// and the conditional operations (insert-if-absent, replace-metadata, delete-if-uri) are atomic across instances.
// Reads go to the database every time (read-through): what one instance acknowledged, every instance sees.
// `pg` is an optional peer dependency, loaded only when this storage is used.

import { createRequire } from "node:module";
import type { Pool, PoolClient, Client, QueryResult } from "pg";
import { NamingError } from "../errors.js";
import type { AsyncNameStorage, Registration, Tag } from "./storage.js";

export const PG_SCHEMA_VERSION = 1;
/** pg_advisory locks taken by the name server: schema creation and the pruning leader. */
const SCHEMA_LOCK = 0x5079726f; // "Pyro"
const PRUNE_LOCK = 0x50727565; // "Prue"

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS pyro_schema_version (version integer NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS pyro_names
   (
       id bigserial PRIMARY KEY,
       name text NOT NULL UNIQUE,
       uri text NOT NULL
   )`,
  // kind keeps a tag's Python type (s=str i=int f=float b=bool n=None): sqlite stores those natively, text does not
  `CREATE TABLE IF NOT EXISTS pyro_metadata
   (
       object bigint NOT NULL REFERENCES pyro_names(id) ON DELETE CASCADE,
       metadata text NOT NULL,
       kind char(1) NOT NULL DEFAULT 's'
   )`,
  `CREATE INDEX IF NOT EXISTS pyro_metadata_object ON pyro_metadata(object)`,
  // register/set_metadata in one round trip: delete + insert like Pyro4's SqlStorage (the name gets a new id and
  // moves to the end of the listing), atomic as one statement
  `CREATE OR REPLACE FUNCTION pyro_set(p_name text, p_uri text, p_tags text[], p_kinds text[]) RETURNS void AS $$
   DECLARE new_id bigint;
   BEGIN
       DELETE FROM pyro_names WHERE name = p_name;
       INSERT INTO pyro_names(name, uri) VALUES (p_name, p_uri) RETURNING id INTO new_id;
       INSERT INTO pyro_metadata(object, metadata, kind) SELECT new_id, t.m, t.k FROM unnest(p_tags, p_kinds) AS t(m, k);
   END $$ LANGUAGE plpgsql`,
];

type PgModule = { Pool: new (config: object) => Pool; Client: new (config: object) => Client };

const require = createRequire(import.meta.url);

/** The driver's package name; tests point it at a missing package to see the error users get without pg. */
export const pgDriver = { module: "pg" };

function loadPg(): PgModule {
  try {
    return require(pgDriver.module) as PgModule;
  } catch (e) {
    throw new NamingError(
      `postgresql storage needs the npm package 'pg', which could not be loaded (${(e as Error).message.split("\n")[0]}); ` +
        `install it with: npm i pg`,
    );
  }
}

function encodeTag(t: Tag): [string, string] {
  if (typeof t === "string") return [t, "s"];
  if (t === null) return ["", "n"];
  if (typeof t === "boolean") return [t ? "1" : "0", "b"];
  if (typeof t === "bigint") return [t.toString(), "i"];
  return [String(t), Number.isInteger(t) ? "i" : "f"];
}

function decodeTag(text: string, kind: string): Tag {
  switch (kind) {
    case "n":
      return null;
    case "b":
      return text === "1";
    case "i": {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    case "f":
      return Number(text);
    default:
      return text;
  }
}

function encodeTags(metadata: Iterable<Tag> | null): [string[], string[]] {
  const texts: string[] = [];
  const kinds: string[] = [];
  for (const t of metadata ?? []) {
    const [text, kind] = encodeTag(t);
    texts.push(text);
    kinds.push(kind);
  }
  return [texts, kinds];
}

/** SQLSTATE classes that mean "the database is not reachable", not "the statement was wrong". */
function isConnectionError(e: unknown): boolean {
  const code = String((e as { code?: unknown }).code ?? "");
  return /^(08|57P)/.test(code) || /^E[A-Z]+$/.test(code) || /Connection terminated|timeout exceeded/i.test(String((e as Error).message));
}

/** Options of the PostgreSQL storage shared by several name server instances. */
export interface PgStorageOptions {
  /** Pool size per instance (default 10). */
  max?: number;
  /** How long a call waits for a database connection before failing with a NamingError, ms (default 5000). */
  connectTimeoutMs?: number;
}

/** Hide a password in a connection URL for messages and `description`. */
function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, "$1:***@");
}

const INSERT_WITH_TAGS = `WITH n AS (INSERT INTO pyro_names(name, uri) VALUES ($1, $2) RETURNING id),
     m AS (INSERT INTO pyro_metadata(object, metadata, kind)
           SELECT n.id, t.m, t.k FROM n, unnest($3::text[], $4::text[]) AS t(m, k))
SELECT count(*)::int AS inserted FROM n`;
const INSERT_NEW_WITH_TAGS = INSERT_WITH_TAGS.replace("RETURNING id)", "ON CONFLICT (name) DO NOTHING RETURNING id)");
const SELECT_JOINED = `SELECT n.id, n.name, n.uri, m.metadata, m.kind FROM pyro_names n LEFT JOIN pyro_metadata m ON m.object = n.id`;

const guarded = new WeakSet<PoolClient>();

export class PgStorage implements AsyncNameStorage {
  readonly async = true as const;
  readonly description: string;
  private pool: Pool | null = null;
  private opening: Promise<void> | null = null;
  private closed = false;
  private ready = false;
  private lockClient: Client | null = null;
  private lockHeld = false;

  constructor(
    readonly url: string,
    private readonly options: PgStorageOptions = {},
  ) {
    this.description = redact(url);
  }

  open(): Promise<void> {
    return (this.opening ??= this.init().catch((e) => {
      this.opening = null;
      const pool = this.pool;
      this.pool = null;
      void pool?.end().catch(() => {});
      throw e;
    }));
  }

  private async init(): Promise<void> {
    const pg = loadPg();
    const pool = new pg.Pool({
      connectionString: this.url,
      max: this.options.max ?? 10,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
    });
    // an idle connection dropped by the server (restart, network) must not crash the name server
    pool.on("error", () => {});
    this.pool = pool;
    await this.tx("open", async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]); // two instances starting together
      for (const sql of SCHEMA) await c.query(sql);
      const v = await c.query("SELECT max(version) AS v FROM pyro_schema_version");
      const version = v.rows[0]?.v as number | null;
      if (version == null) await c.query("INSERT INTO pyro_schema_version(version) VALUES ($1)", [PG_SCHEMA_VERSION]);
      else if (version > PG_SCHEMA_VERSION)
        throw new NamingError(
          `postgresql storage ${this.description}: database schema version ${version} is newer than this name server supports (${PG_SCHEMA_VERSION})`,
        );
    });
  }

  private async client(what: string): Promise<PoolClient> {
    if (this.closed) throw new NamingError(`postgresql storage is closed (${what})`);
    // "open" is init's own transaction; everything else waits for the schema (lazily opening if needed)
    if (what !== "open" && !this.ready) {
      await this.open();
      this.ready = true;
    }
    try {
      const c = await this.pool!.connect();
      // a checked-out client reports a dropped connection as an 'error' event; the pending query rejects anyway
      if (!guarded.has(c)) {
        guarded.add(c);
        c.on("error", () => {});
      }
      return c;
    } catch (e) {
      throw this.error(what, e);
    }
  }

  private error(what: string, e: unknown): Error {
    if (e instanceof NamingError) return e;
    const msg = (e as Error).message || String((e as { code?: unknown }).code ?? e);
    if (isConnectionError(e))
      return new NamingError(`name server storage unavailable (postgresql ${this.description}) in ${what}: ${msg}`, { cause: e });
    return new NamingError(`postgresql error in ${what}: ${msg}`, { cause: e });
  }

  private async query(what: string, name: string, text: string, values: unknown[] = []): Promise<QueryResult> {
    const c = await this.client(what);
    let broken: Error | undefined;
    try {
      return await c.query({ name, text, values });
    } catch (e) {
      if (isConnectionError(e)) broken = e as Error;
      throw this.error(what, e);
    } finally {
      c.release(broken);
    }
  }

  /** BEGIN ... COMMIT, retried when a concurrent writer of the same name wins the unique index. */
  private async tx<T>(what: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.client(what);
      let broken: Error | undefined;
      try {
        await c.query("BEGIN");
        const r = await fn(c);
        await c.query("COMMIT");
        return r;
      } catch (e) {
        if (isConnectionError(e)) broken = e as Error;
        else await c.query("ROLLBACK").catch(() => {});
        if ((e as { code?: string }).code === "23505" && attempt < 20) continue;
        throw this.error(what, e);
      } finally {
        c.release(broken);
      }
    }
  }

  private collect(rows: Record<string, unknown>[]): Map<string, Registration> {
    const out = new Map<string, Registration>();
    for (const r of rows) {
      const name = String(r.name);
      let reg = out.get(name);
      if (!reg) out.set(name, (reg = { uri: String(r.uri), metadata: new Set<Tag>() }));
      if (r.kind != null) reg.metadata.add(decodeTag(String(r.metadata), String(r.kind)));
    }
    return out;
  }

  async count(): Promise<number> {
    return (await this.query("len", "pyro_count", "SELECT count(*)::int AS n FROM pyro_names")).rows[0].n as number;
  }
  async has(name: string): Promise<boolean> {
    const r = await this.query("contains", "pyro_has", "SELECT 1 FROM pyro_names WHERE name = $1", [name]);
    return r.rowCount! > 0;
  }
  async get(name: string): Promise<Registration | undefined> {
    const r = await this.query("getitem", "pyro_get", `${SELECT_JOINED} WHERE n.name = $1`, [name]);
    return this.collect(r.rows).get(name);
  }
  async set(name: string, uri: string, metadata: Iterable<Tag> | null): Promise<void> {
    const [texts, kinds] = encodeTags(metadata);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.query("setitem", "pyro_set", "SELECT pyro_set($1, $2, $3::text[], $4::text[])", [name, uri, texts, kinds]);
        return;
      } catch (e) {
        // a concurrent writer of the same name won the unique index between our delete and insert: do it again
        if ((e as { cause?: { code?: string } }).cause?.code === "23505" && attempt < 20) continue;
        throw e;
      }
    }
  }
  async addNew(name: string, uri: string, metadata: Iterable<Tag> | null): Promise<boolean> {
    const [texts, kinds] = encodeTags(metadata);
    // one statement: ON CONFLICT makes a concurrent insert of the same name wait for the winner, then do nothing
    const r = await this.query("register", "pyro_add", INSERT_NEW_WITH_TAGS, [name, uri, texts, kinds]);
    return (r.rows[0].inserted as number) === 1;
  }
  async replaceMetadata(name: string, metadata: Iterable<Tag> | null): Promise<boolean> {
    const [texts, kinds] = encodeTags(metadata);
    return this.tx("set_metadata", async (c) => {
      const cur = await c.query({ name: "pyro_lock", text: "SELECT id, uri FROM pyro_names WHERE name = $1 FOR UPDATE", values: [name] });
      if (!cur.rowCount) return false;
      await c.query({ name: "pyro_delid", text: "DELETE FROM pyro_names WHERE id = $1", values: [cur.rows[0].id] });
      await c.query({ name: "pyro_ins", text: INSERT_WITH_TAGS, values: [name, cur.rows[0].uri, texts, kinds] });
      return true;
    });
  }
  async delete(name: string): Promise<boolean> {
    const r = await this.query("delitem", "pyro_del", "DELETE FROM pyro_names WHERE name = $1", [name]);
    return r.rowCount! > 0;
  }
  async deleteIfUri(name: string, uri: string): Promise<boolean> {
    const r = await this.query("delitem", "pyro_deluri", "DELETE FROM pyro_names WHERE name = $1 AND uri = $2", [name, uri]);
    return r.rowCount! > 0;
  }
  async removeItems(names: readonly string[]): Promise<void> {
    if (!names.length) return;
    await this.query("remove_items", "pyro_delmany", "DELETE FROM pyro_names WHERE name = ANY($1::text[])", [names]);
  }
  async everything(): Promise<Map<string, Registration>> {
    const r = await this.query("everything", "pyro_all", `${SELECT_JOINED} ORDER BY n.id`);
    return this.collect(r.rows);
  }
  /** Exact startswith, like the sqlite storage (Pyro4's LIKE also matched other case and wildcards). */
  async prefixList(prefix: string): Promise<Map<string, Registration>> {
    const r = await this.query("optimized_prefix_list", "pyro_prefix", `${SELECT_JOINED} WHERE starts_with(n.name, $1) ORDER BY n.id`, [prefix]);
    return this.collect(r.rows);
  }

  /**
   * Session-level advisory lock on a dedicated connection: the holder stays the pruning leader until it exits or
   * its connection drops, then another instance's next try wins.
   */
  async tryPruneLock(): Promise<boolean> {
    if (this.closed) return false;
    try {
      if (!this.lockClient) {
        const pg = loadPg();
        const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000 });
        c.on("error", () => {
          if (this.lockClient === c) {
            this.lockClient = null;
            this.lockHeld = false;
          }
        });
        await c.connect();
        this.lockClient = c;
      }
      if (this.lockHeld) {
        await this.lockClient.query("SELECT 1");
        return true;
      }
      const r = await this.lockClient.query("SELECT pg_try_advisory_lock($1) AS ok", [PRUNE_LOCK]);
      this.lockHeld = r.rows[0].ok === true;
      return this.lockHeld;
    } catch {
      const c = this.lockClient;
      this.lockClient = null;
      this.lockHeld = false;
      await c?.end().catch(() => {});
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const lock = this.lockClient;
    this.lockClient = null;
    this.lockHeld = false;
    await lock?.end().catch(() => {});
    const pool = this.pool;
    this.pool = null;
    await this.opening?.catch(() => {});
    await pool?.end().catch(() => {});
  }
}
