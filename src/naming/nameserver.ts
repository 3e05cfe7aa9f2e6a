// The name server object served as `Pyro.NameServer`: Pyro4.naming.NameServer's methods with its argument
// checks, error types and messages, and result shapes (lookup -> URI, list -> name: uri-string, metadata as
// lists), so Python clients and pyro4-nsc cannot tell it from the Python one.

import { NamingError, PyroError } from "../errors.js";
import { URI } from "../uri.js";
import { Tuple, tuple, setKey, pythonClassOf } from "../serializers/values.js";
import { PythonError } from "../python/exceptions.js";
import {
  MemoryStorage,
  isAsyncStorage,
  type AnyNameStorage,
  type AsyncNameStorage,
  type NameStorage,
  type Registration,
  type Tag,
} from "./storage.js";
import { compareCodePoints } from "../python/str.js";
import { truthy } from "../python/types.js";
import { compilePythonRegex, PythonRegexError } from "../python/regex.js";
import { DEFAULT_REGEX_BUDGET_MS, MAX_REGEX_LENGTH, matchNames } from "./regex-guard.js";

/** The name every name server registers itself under. */
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

/** Python's type(x).__name__ for values as they arrive from a serializer (serializers/values.ts names the class). */
export function pythonTypeName(v: unknown): string {
  const cls = pythonClassOf(v);
  return cls.slice(cls.lastIndexOf(".") + 1);
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

/** What the name server's `list` gives: name to URI text, or to a `(uri, metadata)` tuple with return_metadata. */
export type ListResult = Record<string, string | Tuple<unknown>>;

/** The registered URI's text; Python's checks and errors for anything else. */
function checkedUri(uri: unknown): string {
  if (uri instanceof URI) return uri.asString();
  if (typeof uri !== "string") throw typeError("only URIs or strings can be registered");
  try {
    new URI(uri); // check if uri is valid
  } catch (e) {
    // Python clients get Pyro4's exact text ("invalid uri"); the long form with the accepted forms is for us
    const short = (e as { pyro4Message?: unknown }).pyro4Message;
    throw typeof short === "string" ? new PyroError(short) : e;
  }
  return uri;
}

type MaybePromise<T> = T | Promise<T>;
/** A method's result: plain for synchronous storage, a Promise for shared (asynchronous) storage. */
export type NsResult<S, T> = S extends AsyncNameStorage ? Promise<T> : T;

/** Apply `fn` now when `v` is a plain value (the memory/sqlite path stays synchronous), after it otherwise. */
function chain<T, R>(v: MaybePromise<T>, fn: (t: T) => MaybePromise<R>): MaybePromise<R> {
  return v instanceof Promise ? v.then(fn) : fn(v);
}

/** Both storage kinds seen through one shape, so each method is written once. */
interface LooseStorage {
  count(): MaybePromise<number>;
  has(name: string): MaybePromise<boolean>;
  get(name: string): MaybePromise<Registration | undefined>;
  set(name: string, uri: string, metadata: Iterable<Tag> | null): MaybePromise<void>;
  delete(name: string): MaybePromise<boolean>;
  removeItems(names: readonly string[]): MaybePromise<void>;
  everything(): MaybePromise<Map<string, Registration>>;
  prefixList?(prefix: string): MaybePromise<Map<string, Registration> | undefined>;
  metadataSearch?(tags: readonly Tag[], mode: "all" | "any"): MaybePromise<Map<string, Registration> | undefined>;
}

/**
 * Pyro4's NameServer. Methods keep Python's names and positional order (`set_metadata`, `return_metadata`, ...)
 * because Python clients call them by those names with keyword arguments; `NameServerClient` offers the camelCase
 * view for TypeScript callers. With synchronous storage (memory, sqlite) every method returns its result
 * directly; with shared storage (PostgreSQL) it returns a Promise, which the daemon awaits.
 */
export class NameServer<S extends AnyNameStorage = NameStorage> {
  readonly storage: S;
  private readonly st: LooseStorage;
  private readonly shared: AsyncNameStorage | null;
  /**
   * This instance's own URI. With shared storage several instances write the one `Pyro.NameServer` row, so each
   * answers lookups of that name with itself (a client asking instance B must not be sent to a dead instance A).
   */
  selfUri: string | null = null;

  /** Time budget for one regex list/remove (a hostile pattern is refused with NamingError when it runs out). */
  regexBudgetMs: number;

  constructor(storage?: S, options: { regexBudgetMs?: number } = {}) {
    this.regexBudgetMs = options.regexBudgetMs ?? DEFAULT_REGEX_BUDGET_MS;
    this.storage = storage ?? (new MemoryStorage() as AnyNameStorage as S);
    this.st = this.storage as unknown as LooseStorage;
    this.shared = isAsyncStorage(this.storage) ? this.storage : null;
  }

  /** Run a method body; with shared storage a synchronous argument error becomes a rejected Promise. */
  private run<T>(body: () => MaybePromise<T>): NsResult<S, T> {
    if (!this.shared) return body() as NsResult<S, T>;
    try {
      return Promise.resolve(body()) as NsResult<S, T>;
    } catch (e) {
      return Promise.reject(e) as NsResult<S, T>;
    }
  }

  private ownUri(name: string, uri: string): string {
    return this.selfUri !== null && name === NAMESERVER_NAME ? this.selfUri : uri;
  }

  count(): NsResult<S, number> {
    return this.run(() => this.st.count());
  }

  lookup(name: unknown, return_metadata: unknown = false): NsResult<S, URI | Tuple<unknown>> {
    return this.run(() => {
      checkHashableKey(name);
      if (typeof name !== "string") throw unknownName(name);
      return chain(this.st.get(name), (reg): URI | Tuple<unknown> => {
        if (!reg) throw unknownName(name);
        const uri = new URI(this.ownUri(name, reg.uri));
        if (truthy(return_metadata)) return tuple<unknown>(uri, sortedTags(reg.metadata));
        return uri;
      });
    });
  }

  register(name: unknown, uri: unknown, safe: unknown = false, metadata: unknown = null): NsResult<S, null> {
    const shared = this.shared;
    if (shared) return this.run(() => this.registerShared(shared, name, uri, safe, metadata));
    // the memory/sqlite path: no closures, no promises
    const uriString = checkedUri(uri);
    if (typeof name !== "string") throw typeError("name must be a str");
    checkMetadataArg(metadata, "metadata");
    const tags = metadata === null || metadata === undefined ? null : toTagSet(metadata); // None, or Python's set(metadata)
    const st = this.st as NameStorage;
    if (truthy(safe) && st.has(name)) throw new NamingError("name already registered: " + name);
    st.set(name, uriString, tags);
    return null as NsResult<S, null>;
  }

  private async registerShared(shared: AsyncNameStorage, name: unknown, uri: unknown, safe: unknown, metadata: unknown): Promise<null> {
    const uriString = checkedUri(uri);
    if (typeof name !== "string") throw typeError("name must be a str");
    checkMetadataArg(metadata, "metadata");
    const tags = metadata === null || metadata === undefined ? null : toTagSet(metadata); // None, or Python's set(metadata)
    if (truthy(safe)) {
      // one atomic insert-if-absent: two instances racing for a name give one winner
      if (!(await shared.addNew(name, uriString, tags))) throw new NamingError("name already registered: " + name);
    } else await shared.set(name, uriString, tags);
    return null;
  }

  set_metadata(name: unknown, metadata: unknown): NsResult<S, null> {
    return this.run(() => {
      if (typeof name !== "string") throw typeError("name must be a str");
      checkMetadataArg(metadata, "metadata");
      const tags = metadata === null || metadata === undefined ? null : toTagSet(metadata); // None, or Python's set(metadata)
      if (this.shared)
        return this.shared.replaceMetadata(name, tags).then((ok) => {
          if (!ok) throw new NamingError("unknown name: " + name);
          return null;
        });
      const st = this.st as NameStorage;
      const reg = st.get(name);
      if (!reg) throw new NamingError("unknown name: " + name);
      st.set(name, reg.uri, tags);
      return null;
    });
  }

  remove(name: unknown = null, prefix: unknown = null, regex: unknown = null): NsResult<S, number> {
    return this.run((): MaybePromise<number> => {
      const removeListed = (listed: ListResult): MaybePromise<number> => {
        const items = Object.keys(listed).filter((n) => n !== NAMESERVER_NAME);
        return chain(this.st.removeItems(items), () => items.length);
      };
      const byPattern = (): MaybePromise<number> => {
        if (truthy(prefix)) return chain(this.listAny(prefix, null, null, null, false), removeListed);
        if (truthy(regex)) return chain(this.listAny(null, regex, null, null, false), removeListed);
        return 0;
      };
      if (truthy(name)) {
        checkHashableKey(name);
        if (typeof name === "string" && name !== NAMESERVER_NAME) {
          if (this.shared) return this.shared.delete(name).then((gone) => (gone ? 1 : byPattern()));
          const st = this.st as NameStorage;
          if (st.has(name)) {
            st.delete(name);
            return 1;
          }
        }
      }
      return byPattern();
    });
  }

  list(
    prefix: unknown = null,
    regex: unknown = null,
    metadata_all: unknown = null,
    metadata_any: unknown = null,
    return_metadata: unknown = false,
  ): NsResult<S, ListResult> {
    return this.run(() => this.listAny(prefix, regex, metadata_all, metadata_any, return_metadata));
  }

  private listAny(
    prefix: unknown,
    regex: unknown,
    metadata_all: unknown,
    metadata_any: unknown,
    return_metadata: unknown,
  ): MaybePromise<ListResult> {
    const given = [prefix, regex, metadata_all, metadata_any].filter((x) => x !== null && x !== undefined).length;
    if (given > 1) throw new PythonError("ValueError", "you can only filter on one thing at a time");
    const withMeta = truthy(return_metadata);
    const st = this.st;
    const all = (keep: (name: string, reg: Registration) => boolean) => chain(st.everything(), (m) => filter(m, keep));
    let selected: MaybePromise<Map<string, Registration>>;
    if (truthy(prefix)) {
      const fast = typeof prefix === "string" ? st.prefixList?.(prefix) : undefined;
      selected = chain(fast, (f) => f ?? all((n) => startswith(n, prefix)));
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
      // a hostile pattern runs off the main thread within regexBudgetMs (regex-guard.ts)
      const pattern = regex;
      selected = chain(st.everything(), (everything) =>
        chain(matchNames(pattern, re, [...everything.keys()], this.regexBudgetMs), (names) => {
          const m = new Map<string, Registration>();
          for (const n of names) m.set(n, everything.get(n)!);
          return m;
        }),
      );
    } else if (truthy(metadata_all)) {
      if (typeof metadata_all === "string")
        throw typeError("metadata_all should not be a str, but another iterable (set, list, etc)");
      const wanted = [...toTagSet(metadata_all)];
      selected = chain(st.metadataSearch?.(wanted, "all"), (f) => f ?? all((_n, r) => wanted.every((t) => r.metadata.has(t))));
    } else if (truthy(metadata_any)) {
      if (typeof metadata_any === "string")
        throw typeError("metadata_any should not be a str, but another iterable (set, list, etc)");
      const wanted = [...toTagSet(metadata_any)];
      selected = chain(st.metadataSearch?.(wanted, "any"), (f) => f ?? all((_n, r) => wanted.some((t) => r.metadata.has(t))));
    } else {
      selected = st.everything();
    }
    return chain(selected, (m) => {
      const out: ListResult = {};
      for (const [n, r] of m) {
        const u = this.ownUri(n, r.uri);
        setKey(out, n, withMeta ? tuple<unknown>(u, listedTags(r)) : u);
      }
      return out;
    });
  }

  ping(): null {
    return null;
  }
}

/**
 * The tag lists list() made for registrations stored without metadata (Registration.noMetadata): Pyro5's name
 * server hands those out as frozenset() (nameserver5.ts), Pyro4's as a list like any other.
 */
export const NO_METADATA_LISTS = new WeakSet<Tag[]>();
function listedTags(r: Registration): Tag[] {
  const tags = sortedTags(r.metadata);
  if (r.noMetadata) NO_METADATA_LISTS.add(tags);
  return tags;
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
