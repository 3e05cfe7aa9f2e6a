// Pyro5's configuration (Pyro5/configure.py): its 39 items with Pyro5's defaults, which differ from Pyro4's (no
// SERIALIZERS_ACCEPTED: a Pyro5 daemon accepts every serializer; MAX_MESSAGE_SIZE 1 GiB; THREADPOOL_SIZE 80;
// PREFER_IP_VERSION 0; BROADCAST_ADDRS a list; NS_LOOKUP_DELAY, SERPENT_BYTES_REPR, LOGFILE, LOGLEVEL; no METADATA,
// AUTOPROXY, REQUIRE_EXPOSE, ONEWAY_THREADED...). Read from PYRO_* environment variables with Pyro5's rules, which
// are stricter than Pyro4's: a PYRO_* variable Pyro5 does not know is an error, as is a value it cannot cast.
// Python raises those when Pyro5 is imported; here they are kept in problems() and thrown by check(), which
// everything running protocol 5 calls when it is made (profiles/pyro5.ts). `config5` is Pyro5.config.

import { ConfigValueError } from "./errors.js";
import { configValueStr } from "./config.js";
import { parsePyFloat, parsePyInt } from "./python/numbers.js";

/** Every Pyro5 config item with its type (Pyro5.config's names). */
export interface Config5Items {
  HOST: string;
  NS_HOST: string;
  NS_PORT: number;
  NS_BCPORT: number;
  NS_BCHOST: string | null;
  NS_AUTOCLEAN: number;
  NS_LOOKUP_DELAY: number;
  NATHOST: string | null;
  NATPORT: number;
  COMPRESSION: boolean;
  SERVERTYPE: string;
  COMMTIMEOUT: number;
  POLLTIMEOUT: number;
  MAX_RETRIES: number;
  SOCK_REUSE: boolean;
  SOCK_NODELAY: boolean;
  DETAILED_TRACEBACK: boolean;
  THREADPOOL_SIZE: number;
  THREADPOOL_SIZE_MIN: number;
  MAX_MESSAGE_SIZE: number;
  BROADCAST_ADDRS: string[];
  PREFER_IP_VERSION: number;
  SERIALIZER: string;
  SERPENT_BYTES_REPR: boolean;
  ITER_STREAMING: boolean;
  ITER_STREAM_LIFETIME: number;
  ITER_STREAM_LINGER: number;
  LOGFILE: string | null;
  LOGLEVEL: string | null;
  LOGWIRE: boolean;
  SSL: boolean;
  SSL_SERVERCERT: string;
  SSL_SERVERKEY: string;
  SSL_SERVERKEYPASSWD: string;
  SSL_REQUIRECLIENTCERT: boolean;
  SSL_CLIENTCERT: string;
  SSL_CLIENTKEY: string;
  SSL_CLIENTKEYPASSWD: string;
  SSL_CACERTS: string;
}

/** The name of a Pyro5 config item. */
export type Config5Name = keyof Config5Items;

type Kind = "str" | "int" | "float" | "bool" | "none" | "list";

// Name, default, and the Python type of the default (what an environment value is cast to). Order = __slots__.
const table: readonly [Config5Name, unknown, Kind][] = [
  ["HOST", "localhost", "str"],
  ["NS_HOST", "localhost", "str"],
  ["NS_PORT", 9090, "int"],
  ["NS_BCPORT", 9091, "int"],
  ["NS_BCHOST", null, "none"],
  ["NS_AUTOCLEAN", 0.0, "float"],
  ["NS_LOOKUP_DELAY", 0.0, "float"],
  ["NATHOST", null, "none"],
  ["NATPORT", 0, "int"],
  ["COMPRESSION", false, "bool"],
  ["SERVERTYPE", "thread", "str"],
  ["COMMTIMEOUT", 0.0, "float"],
  ["POLLTIMEOUT", 2.0, "float"],
  ["MAX_RETRIES", 0, "int"],
  ["SOCK_REUSE", true, "bool"],
  ["SOCK_NODELAY", false, "bool"],
  ["DETAILED_TRACEBACK", false, "bool"],
  ["THREADPOOL_SIZE", 80, "int"],
  ["THREADPOOL_SIZE_MIN", 4, "int"],
  ["MAX_MESSAGE_SIZE", 1024 * 1024 * 1024, "int"],
  ["BROADCAST_ADDRS", ["<broadcast>", "0.0.0.0"], "list"],
  ["PREFER_IP_VERSION", 0, "int"],
  ["SERIALIZER", "serpent", "str"],
  ["SERPENT_BYTES_REPR", false, "bool"],
  ["ITER_STREAMING", true, "bool"],
  ["ITER_STREAM_LIFETIME", 0.0, "float"],
  ["ITER_STREAM_LINGER", 30.0, "float"],
  // Pyro5/__init__.py: LOGFILE is PYRO_LOGFILE or "pyro5.log", LOGLEVEL is PYRO_LOGLEVEL or None
  ["LOGFILE", "pyro5.log", "str"],
  ["LOGLEVEL", null, "none"],
  ["LOGWIRE", false, "bool"],
  ["SSL", false, "bool"],
  ["SSL_SERVERCERT", "", "str"],
  ["SSL_SERVERKEY", "", "str"],
  ["SSL_SERVERKEYPASSWD", "", "str"],
  ["SSL_REQUIRECLIENTCERT", false, "bool"],
  ["SSL_CLIENTCERT", "", "str"],
  ["SSL_CLIENTKEY", "", "str"],
  ["SSL_CLIENTKEYPASSWD", "", "str"],
  ["SSL_CACERTS", "", "str"],
];

/** Every Pyro5 config item name, in Pyro5's order. */
export const config5Names: readonly Config5Name[] = Object.freeze(table.map((r) => r[0]));
const kinds: ReadonlyMap<string, Kind> = new Map(table.map((r) => [r[0], r[2]]));

/**
 * PYRO_* variables of this package that are not Pyro5 items but are not an error in a Pyro5 process either (our
 * extensions): PYRO_NS_HOSTS (name-server failover list, docs/ha-nameserver.md).
 */
export const extensionVariables: ReadonlySet<string> = new Set(["PYRO_NS_HOSTS"]);

/** True for the 39 Pyro5 setting names (a Map lookup: names from users never reach Object.prototype). */
export function isConfig5Name(name: string): name is Config5Name {
  return kinds.has(name);
}

/** Pyro5's cast of an environment value to the type of the item's default, or its ValueError. */
function cast(name: string, kind: Kind, raw: string): unknown {
  switch (kind) {
    case "bool": {
      const v = raw.toLowerCase();
      if (v === "0" || v === "off" || v === "no" || v === "false") return false;
      if (v === "1" || v === "yes" || v === "on" || v === "true") return true;
      throw new ConfigValueError(`invalid boolean value: PYRO_${name}=${v}`);
    }
    case "int": {
      const n = parsePyInt(raw);
      if (n === null) throw new ConfigValueError(`invalid Pyro environment config value: PYRO_${name}=${raw}`);
      return n;
    }
    case "float": {
      const n = parsePyFloat(raw);
      if (n === null) throw new ConfigValueError(`invalid Pyro environment config value: PYRO_${name}=${raw}`);
      return n;
    }
    case "list":
      return raw.split(",").map((v) => v.trim());
    default:
      return raw; // str, and None-typed items take the text as it is
  }
}

function defineValue(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}

/** Pyro5's configuration object (`config5`), used by everything running with protocol 5. */
export class Config5 implements Config5Items {
  declare HOST: string;
  declare NS_HOST: string;
  declare NS_PORT: number;
  declare NS_BCPORT: number;
  declare NS_BCHOST: string | null;
  declare NS_AUTOCLEAN: number;
  declare NS_LOOKUP_DELAY: number;
  declare NATHOST: string | null;
  declare NATPORT: number;
  declare COMPRESSION: boolean;
  declare SERVERTYPE: string;
  declare COMMTIMEOUT: number;
  declare POLLTIMEOUT: number;
  declare MAX_RETRIES: number;
  declare SOCK_REUSE: boolean;
  declare SOCK_NODELAY: boolean;
  declare DETAILED_TRACEBACK: boolean;
  declare THREADPOOL_SIZE: number;
  declare THREADPOOL_SIZE_MIN: number;
  declare MAX_MESSAGE_SIZE: number;
  declare BROADCAST_ADDRS: string[];
  declare PREFER_IP_VERSION: number;
  declare SERIALIZER: string;
  declare SERPENT_BYTES_REPR: boolean;
  declare ITER_STREAMING: boolean;
  declare ITER_STREAM_LIFETIME: number;
  declare ITER_STREAM_LINGER: number;
  declare LOGFILE: string | null;
  declare LOGLEVEL: string | null;
  declare LOGWIRE: boolean;
  declare SSL: boolean;
  declare SSL_SERVERCERT: string;
  declare SSL_SERVERKEY: string;
  declare SSL_SERVERKEYPASSWD: string;
  declare SSL_REQUIRECLIENTCERT: boolean;
  declare SSL_CLIENTCERT: string;
  declare SSL_CLIENTKEY: string;
  declare SSL_CLIENTKEYPASSWD: string;
  declare SSL_CACERTS: string;

  /** The environment's problems, in the order Python meets them (the first one is what Python raises). */
  private readonly refused: { variable: string; error: ConfigValueError }[] = [];

  constructor(env: NodeJS.ProcessEnv | null = process.env) {
    this.reset(env);
  }

  /**
   * Back to Pyro5's defaults, then the PYRO_* variables of `env` (null: ignore the environment, Pyro5's
   * reset(use_environment=False)). A variable Pyro5 does not know, or a value it cannot cast, is recorded (see
   * problems() and check()); the item keeps its default.
   */
  reset(env: NodeJS.ProcessEnv | null = process.env): void {
    this.refused.length = 0;
    for (const [name, def] of table) defineValue(this, name, Array.isArray(def) ? [...def] : def);
    if (!env) return;
    for (const variable of Object.keys(env)) {
      if (!variable.startsWith("PYRO_")) continue;
      const raw = env[variable];
      if (raw === undefined) continue;
      const item = variable.slice(5);
      const kind = kinds.get(item);
      if (kind === undefined) {
        if (!extensionVariables.has(variable))
          this.refused.push({ variable, error: new ConfigValueError(`invalid Pyro environment config variable: ${variable}`) });
        continue;
      }
      try {
        defineValue(this, item, cast(item, kind, raw));
      } catch (e) {
        if (!(e instanceof ConfigValueError)) throw e;
        this.refused.push({ variable, error: e });
      }
    }
  }

  /** The PYRO_* variables Pyro5 would refuse (an unknown name or a value it cannot cast), with their errors. */
  problems(): { variable: string; error: ConfigValueError }[] {
    return this.refused.map((p) => ({ ...p }));
  }

  /** Throw what Python Pyro5 raises on import for this environment (the first refused variable), if anything. */
  check(): void {
    const first = this.refused[0];
    if (first) throw first.error;
  }

  /** A setting by name, or undefined for a name that is not one. */
  get(name: string): unknown {
    return isConfig5Name(name) ? (this as unknown as Record<string, unknown>)[name] : undefined;
  }

  /** Pyro5's as_dict(). */
  asDict(): Config5Items {
    const out: Record<string, unknown> = {};
    for (const name of config5Names) out[name] = (this as unknown as Record<string, unknown>)[name];
    return out as unknown as Config5Items;
  }

  /** The `NAME = value` lines of Pyro5's dump() (python -m Pyro5.configure): sorted, values as Python's str(). */
  dumpItems(): string[] {
    return [...config5Names]
      .sort()
      .map((name) => `${name} = ${configValueStr((this as unknown as Record<string, unknown>)[name], kinds.get(name) === "float")}`);
  }

  /** Pyro5's copy(). */
  copy(): Config5 {
    const other = new Config5(null);
    for (const name of config5Names) {
      const v = (this as unknown as Record<string, unknown>)[name];
      defineValue(other, name, Array.isArray(v) ? [...v] : v);
    }
    return other;
  }
}

/** The process-wide Pyro5 configuration (Pyro5.config), read when the module loads. */
export const config5 = new Config5();
