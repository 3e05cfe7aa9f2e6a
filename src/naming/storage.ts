// The name server's storage contract (Pyro4's MutableMapping + optimized_* hooks, made explicit) and the
// in-memory implementation. Storage is synchronous on purpose: each name-server call then runs to completion
// within one event-loop turn, which gives the atomicity Pyro4 gets from its lock.

/** A metadata tag. Pyro4 clients send strings; Python accepts any hashable, so numbers pass too. */
export type Tag = string | number | bigint | boolean | null;

export interface Registration {
  uri: string;
  metadata: Set<Tag>;
}

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
  close(): void;
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
    this.map.set(name, { uri, metadata: new Set(metadata ?? []) });
  }
  delete(name: string): boolean {
    return this.map.delete(name);
  }
  removeItems(names: readonly string[]): void {
    for (const n of names) this.map.delete(n);
  }
  everything(): Map<string, Registration> {
    const out = new Map<string, Registration>();
    for (const [k, r] of this.map) out.set(k, { uri: r.uri, metadata: new Set(r.metadata) });
    return out;
  }
  close(): void {}
}
