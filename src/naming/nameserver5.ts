// Pyro5's name server API (Pyro5/nameserver.py) over our NameServer and its storages: the same registrations and
// errors, with Pyro5's method set. Pyro5 moved metadata queries out of list() into yplookup(meta_all, meta_any,
// return_metadata=True); everything else keeps Pyro4's signature.

import { PythonError } from "../python/exceptions.js";
import { FrozenSet, isTuple, tuple, type Tuple } from "../serializers/values.js";
import { NO_METADATA_LISTS, type NameServer as NameServerCore, type ListResult } from "./nameserver.js";
import type { AnyNameStorage } from "./storage.js";

/** Apply `f` to a value or, with an asynchronous storage (PostgreSQL), to what its promise gives. */
function then<T, R>(v: T | Promise<T>, f: (x: T) => R): R | Promise<R> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/**
 * Pyro5 hands metadata out as sets where Pyro4 used lists: (uri, [tags]) -> (uri, {tags}); a name registered
 * without metadata has frozenset() in Python's memory storage, and list() shows it so.
 */
function metaAsSet(v: unknown): unknown {
  if (!(isTuple(v) && v.length === 2 && Array.isArray(v[1]))) return v;
  const tags = v[1] as never[];
  return tuple<unknown>(v[0], NO_METADATA_LISTS.has(tags) ? new FrozenSet(tags) : new Set(tags));
}
function listAsSets(r: ListResult | Promise<ListResult>): ListResult | Promise<ListResult> {
  return then(r, (l) => {
    for (const k of Object.keys(l)) l[k] = metaAsSet(l[k]) as string | Tuple<unknown>;
    return l;
  });
}

/** Parameter names per method, for binding Python keyword arguments. */
export const nameServer5Params: Readonly<Record<string, readonly string[]>> = {
  count: [],
  lookup: ["name", "return_metadata"],
  register: ["name", "uri", "safe", "metadata"],
  set_metadata: ["name", "metadata"],
  remove: ["name", "prefix", "regex"],
  list: ["prefix", "regex", "return_metadata"],
  yplookup: ["meta_all", "meta_any", "return_metadata"],
  ping: [],
};
export const nameServer5Methods = Object.keys(nameServer5Params);

/**
 * Pyro5's NameServer over ours. Named NameServer like Pyro5's class, since the name shows in remote errors
 * ("'NameServer' object has no attribute 'x'"); exported as Pyro5NameServer.
 */
class NameServer {
  constructor(readonly ns: NameServerCore<AnyNameStorage>) {}
  count(): number | Promise<number> {
    return this.ns.count();
  }
  lookup(name: unknown, return_metadata: unknown = false): unknown {
    return then(this.ns.lookup(name, return_metadata), metaAsSet);
  }
  register(name: unknown, uri: unknown, safe: unknown = false, metadata: unknown = null): null | Promise<null> {
    return this.ns.register(name, uri, safe, metadata);
  }
  set_metadata(name: unknown, metadata: unknown): null | Promise<null> {
    return this.ns.set_metadata(name, metadata);
  }
  remove(name: unknown = null, prefix: unknown = null, regex: unknown = null): number | Promise<number> {
    return this.ns.remove(name, prefix, regex);
  }
  list(prefix: unknown = null, regex: unknown = null, return_metadata: unknown = false): ListResult | Promise<ListResult> {
    return listAsSets(this.ns.list(prefix, regex, null, null, return_metadata));
  }
  yplookup(meta_all: unknown = null, meta_any: unknown = null, return_metadata: unknown = true): ListResult | Promise<ListResult> {
    const has = (v: unknown) => v !== null && v !== undefined && !(typeof v === "object" && "size" in (v as object) && (v as Set<unknown>).size === 0) && !(Array.isArray(v) && v.length === 0);
    if (has(meta_all) && has(meta_any)) throw new PythonError("ValueError", "you can't use meta_all or meta_any at the same time");
    if (has(meta_all)) return listAsSets(this.ns.list(null, null, meta_all, null, return_metadata));
    if (has(meta_any)) return listAsSets(this.ns.list(null, null, null, meta_any, return_metadata));
    return {};
  }
  ping(): null {
    return null;
  }
}

export { NameServer as Pyro5NameServer };
