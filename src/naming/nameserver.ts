// The name server object served as `Pyro.NameServer`: Pyro4.naming.NameServer's methods with its argument
// checks, error types and messages, and result shapes (lookup -> URI, list -> name: uri-string, metadata as
// lists), so Python clients and pyro4-nsc cannot tell it from the Python one.

import { NamingError, PyroError } from "../errors.js";
import { URI } from "../uri.js";
import { Tuple, tuple, setKey } from "../serializers/values.js";
import { PythonError } from "../python/exceptions.js";
import { MemoryStorage, type NameStorage, type Registration, type Tag } from "./storage.js";
import { compareCodePoints } from "../python/str.js";
import { truthy } from "../python/types.js";
import { compilePythonRegex, pythonMatch, PythonRegexError } from "./pyregex.js";
import { DEFAULT_REGEX_BUDGET_MS, MAX_REGEX_LENGTH, matchNames } from "./regex-guard.js";

export const NAMESERVER_NAME = "Pyro.NameServer";

/** Parameter names per method, for binding Python keyword arguments (`list(prefix=...)`). */
export const nameServerParams: Readonly<Record<string, readonly string[]>> = {
  count: [],
  lookup: ["name", "return_metadata"],
  register: ["name", "uri", "safe", "metadata"],
  set_metadata: ["name", "metadata"],
  remove: ["name", "prefix", "regex"],
  list: ["prefix", "regex", "metadata_all", "metadata_any", "return_metadata"],
  ping: [],
};
export const nameServerMethods = Object.keys(nameServerParams);

/** Python's type(x).__name__ for values as they arrive from a serializer. */
export function pythonTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  switch (typeof v) {
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
  }
  if (v instanceof Tuple) return "tuple";
  if (Array.isArray(v)) return "list";
  if (v instanceof Set) return "set";
  if (v instanceof Map) return "dict";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof URI) return "URI";
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return "dict";
  return (v as object).constructor?.name ?? "object";
}

const typeError = (msg: string) => new PythonError("TypeError", msg);

function isHashable(v: unknown): v is Tag {
  const t = typeof v;
  return v === null || t === "string" || t === "number" || t === "bigint" || t === "boolean";
}

/** Python's iter(x): the elements a `set(x)` would get, or TypeError "'int' object is not iterable". */
function iterate(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  if (v instanceof Map) return [...v.keys()];
  if (typeof v === "string") return [...v];
  if (v instanceof Uint8Array) return [...v];
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v);
  throw typeError(`'${pythonTypeName(v)}' object is not iterable`);
}

/** Python's set(x) for metadata: a set of hashable tags. */
function toTagSet(v: unknown): Set<Tag> {
  const out = new Set<Tag>();
  for (const item of iterate(v)) {
    if (!isHashable(item)) {
      const tn = pythonTypeName(item);
      if (tn === "list" || tn === "dict" || tn === "set") throw typeError(`unhashable type: '${tn}'`);
      throw typeError(`metadata tags must be strings or numbers, not '${tn}'`);
    }
    out.add(item);
  }
  return out;
}

function checkMetadataArg(metadata: unknown, what: string): void {
  if (typeof metadata === "string") throw typeError(`${what} should not be a str, but another iterable (set, list, etc)`);
  if (truthy(metadata)) iterate(metadata); // validate that it is iterable
}

/** `"unknown name: " + name`, including Python's failure when name is not a str. */
function unknownName(name: unknown): Error {
  if (typeof name !== "string") return typeError(`can only concatenate str (not "${pythonTypeName(name)}") to str`);
  return new NamingError("unknown name: " + name);
}

function checkHashableKey(name: unknown): void {
  if (name !== null && typeof name === "object" && !(name instanceof Tuple) && !(name instanceof URI))
    throw typeError(`unhashable type: '${pythonTypeName(name)}'`);
}

function startswith(name: string, prefix: unknown): boolean {
  if (typeof prefix !== "string")
    throw typeError(`startswith first arg must be str or a tuple of str, not ${pythonTypeName(prefix)}`);
  return name.startsWith(prefix);
}

export type ListResult = Record<string, string | Tuple<unknown>>;

/**
 * Pyro4's NameServer. Methods keep Python's names and positional order (`set_metadata`, `return_metadata`, ...)
 * because Python clients call them by those names with keyword arguments; `NameServerClient` offers the camelCase
 * view for TypeScript callers.
 */
export class NameServer {
  readonly storage: NameStorage;
  /** Time budget for one regex list/remove (a hostile pattern is refused with NamingError when it runs out). */
  regexBudgetMs: number;

  constructor(storage?: NameStorage, options: { regexBudgetMs?: number } = {}) {
    this.storage = storage ?? new MemoryStorage();
    this.regexBudgetMs = options.regexBudgetMs ?? DEFAULT_REGEX_BUDGET_MS;
  }

  count(): number {
    return this.storage.count();
  }

  lookup(name: unknown, return_metadata: unknown = false): URI | Tuple<unknown> {
    checkHashableKey(name);
    const reg = typeof name === "string" ? this.storage.get(name) : undefined;
    if (!reg) throw unknownName(name);
    const uri = new URI(reg.uri);
    if (truthy(return_metadata)) return tuple<unknown>(uri, sortedTags(reg.metadata));
    return uri;
  }

  register(name: unknown, uri: unknown, safe: unknown = false, metadata: unknown = null): null {
    let uriString: string;
    if (uri instanceof URI) uriString = uri.asString();
    else if (typeof uri !== "string") throw typeError("only URIs or strings can be registered");
    else {
      try {
        new URI(uri); // check if uri is valid
      } catch (e) {
        // Python clients get Pyro4's exact text ("invalid uri"); the long form with the accepted forms is for us
        const short = (e as { pyro4Message?: unknown }).pyro4Message;
        throw typeof short === "string" ? new PyroError(short) : e;
      }
      uriString = uri;
    }
    if (typeof name !== "string") throw typeError("name must be a str");
    checkMetadataArg(metadata, "metadata");
    const tags = truthy(metadata) ? toTagSet(metadata) : null;
    if (truthy(safe) && this.storage.has(name)) throw new NamingError("name already registered: " + name);
    this.storage.set(name, uriString, tags);
    return null;
  }

  set_metadata(name: unknown, metadata: unknown): null {
    if (typeof name !== "string") throw typeError("name must be a str");
    checkMetadataArg(metadata, "metadata");
    const reg = this.storage.get(name);
    if (!reg) throw new NamingError("unknown name: " + name);
    this.storage.set(name, reg.uri, truthy(metadata) ? toTagSet(metadata) : null);
    return null;
  }

  remove(name: unknown = null, prefix: unknown = null, regex: unknown = null): number | Promise<number> {
    if (truthy(name)) {
      checkHashableKey(name);
      if (typeof name === "string" && name !== NAMESERVER_NAME && this.storage.has(name)) {
        this.storage.delete(name);
        return 1;
      }
    }
    const removeListed = (listed: ListResult): number => {
      const items = Object.keys(listed).filter((n) => n !== NAMESERVER_NAME);
      this.storage.removeItems(items);
      return items.length;
    };
    if (truthy(prefix)) return removeListed(this.list(prefix));
    if (truthy(regex)) {
      const listed = this.list(null, regex);
      return listed instanceof Promise ? listed.then(removeListed) : removeListed(listed);
    }
    return 0;
  }

  list(prefix?: unknown, regex?: null, metadata_all?: unknown, metadata_any?: unknown, return_metadata?: unknown): ListResult;
  list(prefix: unknown, regex: unknown, metadata_all?: unknown, metadata_any?: unknown, return_metadata?: unknown): ListResult | Promise<ListResult>;
  list(
    prefix: unknown = null,
    regex: unknown = null,
    metadata_all: unknown = null,
    metadata_any: unknown = null,
    return_metadata: unknown = false,
  ): ListResult | Promise<ListResult> {
    const given = [prefix, regex, metadata_all, metadata_any].filter((x) => x !== null && x !== undefined).length;
    if (given > 1) throw new PythonError("ValueError", "you can only filter on one thing at a time");
    const withMeta = truthy(return_metadata);
    let selected: Map<string, Registration>;
    if (truthy(prefix)) {
      const fast = typeof prefix === "string" ? this.storage.prefixList?.(prefix) : undefined;
      selected = fast ?? filter(this.storage.everything(), (n) => startswith(n, prefix));
    } else if (truthy(regex)) {
      if (typeof regex !== "string") throw typeError("first argument must be string or compiled pattern");
      if (regex.length > MAX_REGEX_LENGTH)
        throw new NamingError(`invalid regex: pattern longer than ${MAX_REGEX_LENGTH} characters`);
      let re: RegExp;
      try {
        re = compilePythonRegex(regex);
      } catch (e) {
        if (e instanceof PythonRegexError) throw new NamingError("invalid regex: " + e.message);
        throw e;
      }
      const all = this.storage.everything();
      const hits = matchNames(regex, re, [...all.keys()], this.regexBudgetMs);
      const pick = (names: string[]): ListResult => {
        const m = new Map<string, Registration>();
        for (const n of names) m.set(n, all.get(n)!);
        return listResult(m, withMeta);
      };
      return Array.isArray(hits) ? pick(hits) : hits.then(pick);
    } else if (truthy(metadata_all)) {
      if (typeof metadata_all === "string")
        throw typeError("metadata_all should not be a str, but another iterable (set, list, etc)");
      const wanted = [...toTagSet(metadata_all)];
      selected =
        this.storage.metadataSearch?.(wanted, "all") ??
        filter(this.storage.everything(), (_n, r) => wanted.every((t) => r.metadata.has(t)));
    } else if (truthy(metadata_any)) {
      if (typeof metadata_any === "string")
        throw typeError("metadata_any should not be a str, but another iterable (set, list, etc)");
      const wanted = [...toTagSet(metadata_any)];
      selected =
        this.storage.metadataSearch?.(wanted, "any") ??
        filter(this.storage.everything(), (_n, r) => wanted.some((t) => r.metadata.has(t)));
    } else {
      selected = this.storage.everything();
    }
    return listResult(selected, withMeta);
  }

  ping(): null {
    return null;
  }
}

function listResult(selected: Map<string, Registration>, withMeta: boolean): ListResult {
  const out: ListResult = {};
  for (const [n, r] of selected) setKey(out, n, withMeta ? tuple<unknown>(r.uri, sortedTags(r.metadata)) : r.uri);
  return out;
}

const tagRank = (t: Tag) => (typeof t === "string" ? 1 : 0);
/** Tags in a stable order (Python's come in hash order, which differs per process anyway). */
function sortedTags(tags: Set<Tag>): Tag[] {
  return [...tags].sort((a, b) => {
    const r = tagRank(a) - tagRank(b);
    if (r) return r;
    if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
    return Number(a) - Number(b);
  });
}

function filter(all: Map<string, Registration>, keep: (name: string, reg: Registration) => boolean): Map<string, Registration> {
  const out = new Map<string, Registration>();
  for (const [n, r] of all) if (keep(n, r)) out.set(n, r);
  return out;
}
