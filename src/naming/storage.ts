// The name server's storage contract (Pyro4's MutableMapping + optimized_* hooks, made explicit) and the
// in-memory implementation. Local storage (memory, sqlite) is synchronous on purpose: each name-server call then
// runs to completion within one event-loop turn, which gives the atomicity Pyro4 gets from its lock. Shared
// storage (PostgreSQL) is asynchronous and gives the same atomicity with database transactions: it implements
// the conditional operations (addNew, replaceMetadata, deleteIfUri) so no check-then-act spans two calls.

/** A metadata tag. Pyro4 clients send strings; Python accepts any hashable, so numbers pass too. */
export type Tag = string | number | bigint | boolean | null;

/** One registered name: its URI text and metadata tags. */
export interface Registration {
  uri: string;
  metadata: Set<Tag>;
  /**
   * Registered with metadata None (not an empty collection): Python's MemoryStorage keeps frozenset() then, where
   * given metadata is kept as a set, and Pyro5's list() hands that frozenset out (marshal tells the two apart).
   */
  noMetadata?: boolean;
}

/** A synchronous name storage (memory or sql:): what the name server keeps its registrations in. */
export interface NameStorage {
  /** "memory" or "sql:FILE". */
  readonly description: string;
  count(): number;
  has(name: string): boolean;
  get(name: string): Registration | undefined;
  /** Insert or replace (Pyro4 `storage[name] = uri, metadata`). */
  set(name: string, uri: string, metadata: Iterable<Tag> | null): void;
  delete(name: string): boolean;
  removeItems(names: readonly string[]): void;
  /** All registrations in storage order. */
  everything(): Map<string, Registration>;
  /** Optional fast paths; return undefined to let the name server filter `everything()` itself. */
  prefixList?(prefix: string): Map<string, Registration> | undefined;
  metadataSearch?(tags: readonly Tag[], mode: "all" | "any"): Map<string, Registration> | undefined;
  /** Remove `name` only while it still maps to `uri` (pruning must not remove a fresh re-registration). */
  deleteIfUri?(name: string, uri: string): boolean;
  close(): void;
}

/**
 * Storage reached over the network and shared by several name-server instances. Every method is one atomic
 * database operation; the conditional ones replace the name server's check-then-act sequences.
 */
export interface AsyncNameStorage {
  readonly description: string;
  readonly async: true;
  /** Connect and create/upgrade the schema; rejects with a clear error when the database is unusable. */
  open(): Promise<void>;
  count(): Promise<number>;
  has(name: string): Promise<boolean>;
  get(name: string): Promise<Registration | undefined>;
  set(name: string, uri: string, metadata: Iterable<Tag> | null): Promise<void>;
  /** Insert only when the name is free (register with safe=True); false when it was taken. */
  addNew(name: string, uri: string, metadata: Iterable<Tag> | null): Promise<boolean>;
  /** Replace the tags of an existing name; false when the name is unknown. */
  replaceMetadata(name: string, metadata: Iterable<Tag> | null): Promise<boolean>;
  delete(name: string): Promise<boolean>;
  deleteIfUri(name: string, uri: string): Promise<boolean>;
  removeItems(names: readonly string[]): Promise<void>;
  everything(): Promise<Map<string, Registration>>;
  prefixList?(prefix: string): Promise<Map<string, Registration> | undefined>;
  metadataSearch?(tags: readonly Tag[], mode: "all" | "any"): Promise<Map<string, Registration> | undefined>;
  /**
   * Try to become (or stay) the one instance that prunes; true while this instance holds the lock. Storage
   * without the method is not shared, so its single instance always prunes.
   */
  tryPruneLock?(): Promise<boolean>;
  close(): Promise<void>;
}

export type AnyNameStorage = NameStorage | AsyncNameStorage;

export function isAsyncStorage(s: AnyNameStorage): s is AsyncNameStorage {
  return (s as AsyncNameStorage).async === true;
}

/** Pyro4's MemoryStorage: a Map, so re-registering a name keeps its position as Python's dict does. */
export class MemoryStorage implements NameStorage {
  readonly description = "memory";
  private readonly map = new Map<string, Registration>();
  count(): number {
    return this.map.size;
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  get(name: string): Registration | undefined {
    const r = this.map.get(name);
    return r && { uri: r.uri, metadata: new Set(r.metadata) };
  }
  set(name: string, uri: string, metadata: Iterable<Tag> | null): void {
    this.map.set(name, metadata === null ? { uri, metadata: new Set(), noMetadata: true } : { uri, metadata: new Set(metadata) });
  }
  delete(name: string): boolean {
    return this.map.delete(name);
  }
  removeItems(names: readonly string[]): void {
    for (const n of names) this.map.delete(n);
  }
  everything(): Map<string, Registration> {
    const out = new Map<string, Registration>();
    for (const [k, r] of this.map) out.set(k, r.noMetadata ? { uri: r.uri, metadata: new Set(), noMetadata: true } : { uri: r.uri, metadata: new Set(r.metadata) });
    return out;
  }
  deleteIfUri(name: string, uri: string): boolean {
    return this.map.get(name)?.uri === uri && this.map.delete(name);
  }
  close(): void {}
}
