// Pyro4's 45 configuration items with their defaults, read from PYRO_* environment variables with the same
// casting rules as Pyro4.configuration (booleans 0/off/no/false and 1/yes/on/true, others cast to the
// default's type, None-defaults taken raw). `config` is the process-wide instance, like Pyro4.config.

import { ConfigValueError } from "./errors.js";
import { floatRepr } from "./python/float.js";
import { strRepr } from "./python/str.js";
import { str as pyStr } from "./python/repr.js";
import { parsePyFloat, parsePyInt } from "./python/numbers.js";

/** Every Pyro4 config item with its type (Pyro4.config's names; see docs/configuration.md for defaults). */
export interface ConfigItems {
  HOST: string;
  NS_HOST: string;
  NS_PORT: number;
  NS_BCPORT: number;
  NS_BCHOST: string | null;
  NS_AUTOCLEAN: number;
  NATHOST: string | null;
  NATPORT: number;
  COMPRESSION: boolean;
  SERVERTYPE: string;
  COMMTIMEOUT: number;
  POLLTIMEOUT: number;
  SOCK_REUSE: boolean;
  SOCK_NODELAY: boolean;
  ONEWAY_THREADED: boolean;
  DETAILED_TRACEBACK: boolean;
  THREADPOOL_SIZE: number;
  THREADPOOL_SIZE_MIN: number;
  AUTOPROXY: boolean;
  MAX_MESSAGE_SIZE: number;
  BROADCAST_ADDRS: string;
  FLAME_ENABLED: boolean;
  PREFER_IP_VERSION: number;
  SERIALIZER: string;
  SERIALIZERS_ACCEPTED: Set<string>;
  LOGWIRE: boolean;
  PICKLE_PROTOCOL_VERSION: number;
  DILL_PROTOCOL_VERSION: number;
  METADATA: boolean;
  REQUIRE_EXPOSE: boolean;
  USE_MSG_WAITALL: boolean;
  JSON_MODULE: string;
  MAX_RETRIES: number;
  ITER_STREAMING: boolean;
  ITER_STREAM_LIFETIME: number;
  ITER_STREAM_LINGER: number;
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

/** The name of a Pyro4 config item. */
export type ConfigName = keyof ConfigItems;

type Kind = "str" | "int" | "float" | "bool" | "none" | "set";

// Name, default, and the Python type the environment value is cast to. Order = Pyro4's __slots__ order.
const table: [ConfigName, unknown, Kind][] = [
  ["HOST", "localhost", "str"],
  ["NS_HOST", "localhost", "str"],
  ["NS_PORT", 9090, "int"],
  ["NS_BCPORT", 9091, "int"],
  ["NS_BCHOST", null, "none"],
  ["NS_AUTOCLEAN", 0.0, "float"],
  ["COMPRESSION", false, "bool"],
  ["SERVERTYPE", "thread", "str"],
  ["COMMTIMEOUT", 0.0, "float"],
  ["POLLTIMEOUT", 2.0, "float"],
  ["ONEWAY_THREADED", true, "bool"],
  ["DETAILED_TRACEBACK", false, "bool"],
  ["SOCK_REUSE", true, "bool"],
  ["SOCK_NODELAY", false, "bool"],
  ["PREFER_IP_VERSION", 4, "int"],
  ["THREADPOOL_SIZE", 40, "int"],
  ["THREADPOOL_SIZE_MIN", 4, "int"],
  ["AUTOPROXY", true, "bool"],
  ["PICKLE_PROTOCOL_VERSION", 5, "int"],
  ["BROADCAST_ADDRS", "<broadcast>, 0.0.0.0", "str"],
  ["NATHOST", null, "none"],
  ["NATPORT", 0, "int"],
  ["MAX_MESSAGE_SIZE", 0, "int"],
  ["FLAME_ENABLED", false, "bool"],
  ["SERIALIZER", "serpent", "str"],
  ["SERIALIZERS_ACCEPTED", "serpent,marshal,json", "set"],
  ["LOGWIRE", false, "bool"],
  ["METADATA", true, "bool"],
  ["REQUIRE_EXPOSE", true, "bool"],
  ["USE_MSG_WAITALL", true, "bool"],
  ["JSON_MODULE", "json", "str"],
  ["MAX_RETRIES", 0, "int"],
  ["DILL_PROTOCOL_VERSION", -1, "int"],
  ["ITER_STREAMING", true, "bool"],
  ["ITER_STREAM_LIFETIME", 0.0, "float"],
  ["ITER_STREAM_LINGER", 30.0, "float"],
  ["SSL", false, "bool"],
  ["SSL_REQUIRECLIENTCERT", false, "bool"],
  ["SSL_CACERTS", "", "str"],
  ["SSL_SERVERCERT", "", "str"],
  ["SSL_SERVERKEY", "", "str"],
  ["SSL_SERVERKEYPASSWD", "", "str"],
  ["SSL_CLIENTCERT", "", "str"],
  ["SSL_CLIENTKEY", "", "str"],
  ["SSL_CLIENTKEYPASSWD", "", "str"],
];

/** Every Pyro4 config item name, in Pyro4's order. */
export const configNames: readonly ConfigName[] = Object.freeze(table.map((r) => r[0]));
const configNameSet: ReadonlySet<string> = new Set(configNames);

/** True for the 45 setting names (a Set lookup: names from users or peers never reach Object.prototype). */
export function isConfigName(name: string): name is ConfigName {
  return configNameSet.has(name);
}

function defineValue(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}

/** A setting whose environment value was refused: reading it throws, assigning a value repairs it. */
function defineInvalid(target: object, name: string, error: ConfigValueError, repaired: () => void): void {
  Object.defineProperty(target, name, {
    enumerable: true,
    configurable: true,
    get() {
      throw error;
    },
    set(this: object, value: unknown) {
      defineValue(this, name, value);
      repaired();
    },
  });
}

function pyInt(name: string, text: string): number {
  const n = parsePyInt(text);
  if (n === null) throw new ConfigValueError(`invalid literal for int() with base 10: '${text}' (PYRO_${name})`);
  return n;
}
function pyFloat(name: string, text: string): number {
  const n = parsePyFloat(text);
  if (n === null) throw new ConfigValueError(`could not convert string to float: '${text}' (PYRO_${name})`);
  return n;
}

function cast(name: ConfigName, kind: Kind, raw: string): unknown {
  switch (kind) {
    case "bool": {
      const v = raw.toLowerCase();
      if (["0", "off", "no", "false"].includes(v)) return false;
      if (["1", "yes", "on", "true"].includes(v)) return true;
      throw new ConfigValueError(`invalid boolean value: PYRO_${name}=${v}`);
    }
    case "int":
      return pyInt(name, raw);
    case "float":
      return pyFloat(name, raw);
    case "set":
      return raw;
    default:
      return raw;
  }
}

/** str(value) as Python prints a config value (a float-typed item's numbers as floats). */
export function configValueStr(value: unknown, isFloat: boolean): string {
  // a set sorted (the dump is stable, where Python's order is its hash order); the rest is Python's str()
  if (value instanceof Set) return value.size ? "{" + [...value].sort().map((v) => strRepr(String(v))).join(", ") + "}" : "set()";
  if (typeof value === "number" && isFloat) return floatRepr(value);
  return pyStr(value);
}

/**
 * Pyro4's configuration object (`config`): the items with their defaults and the PYRO_* environment variables
 * applied; `asDict()` gives them as Pyro4's config.asDict() does.
 */
export class Config implements ConfigItems {
  declare HOST: string;
  declare NS_HOST: string;
  declare NS_PORT: number;
  declare NS_BCPORT: number;
  declare NS_BCHOST: string | null;
  declare NS_AUTOCLEAN: number;
  declare NATHOST: string | null;
  declare NATPORT: number;
  declare COMPRESSION: boolean;
  declare SERVERTYPE: string;
  declare COMMTIMEOUT: number;
  declare POLLTIMEOUT: number;
  declare SOCK_REUSE: boolean;
  declare SOCK_NODELAY: boolean;
  declare ONEWAY_THREADED: boolean;
  declare DETAILED_TRACEBACK: boolean;
  declare THREADPOOL_SIZE: number;
  declare THREADPOOL_SIZE_MIN: number;
  declare AUTOPROXY: boolean;
  declare MAX_MESSAGE_SIZE: number;
  declare BROADCAST_ADDRS: string;
  declare FLAME_ENABLED: boolean;
  declare PREFER_IP_VERSION: number;
  declare SERIALIZER: string;
  declare SERIALIZERS_ACCEPTED: Set<string>;
  declare LOGWIRE: boolean;
  declare PICKLE_PROTOCOL_VERSION: number;
  declare DILL_PROTOCOL_VERSION: number;
  declare METADATA: boolean;
  declare REQUIRE_EXPOSE: boolean;
  declare USE_MSG_WAITALL: boolean;
  declare JSON_MODULE: string;
  declare MAX_RETRIES: number;
  declare ITER_STREAMING: boolean;
  declare ITER_STREAM_LIFETIME: number;
  declare ITER_STREAM_LINGER: number;
  declare SSL: boolean;
  declare SSL_SERVERCERT: string;
  declare SSL_SERVERKEY: string;
  declare SSL_SERVERKEYPASSWD: string;
  declare SSL_REQUIRECLIENTCERT: boolean;
  declare SSL_CLIENTCERT: string;
  declare SSL_CLIENTKEY: string;
  declare SSL_CLIENTKEYPASSWD: string;
  declare SSL_CACERTS: string;

  /** Settings whose PYRO_* value was refused; reading one of them throws its ValueError. */
  private readonly invalid = new Map<ConfigName, ConfigValueError>();

  constructor(env: NodeJS.ProcessEnv | null = process.env) {
    this.reset(env);
  }

  /** Back to defaults, then PYRO_* variables from `env` (pass null to ignore the environment). */
  reset(env: NodeJS.ProcessEnv | null = process.env): void {
    this.invalid.clear();
    for (const [name, def, kind] of table) {
      const raw = env && Object.hasOwn(env, "PYRO_" + name) ? env["PYRO_" + name] : undefined;
      let value: unknown = def;
      if (raw !== undefined) {
        try {
          value = cast(name, kind, raw);
        } catch (e) {
          if (!(e instanceof ConfigValueError)) throw e;
          // Reported when the setting is used (and by problems()), so importing the library never throws.
          this.invalid.set(name, e);
          defineInvalid(this, name, e, () => this.invalid.delete(name));
          continue;
        }
      }
      if (name === "SERIALIZERS_ACCEPTED") value = new Set(String(value).split(","));
      defineValue(this, name, value);
    }
  }

  /** The PYRO_* variables whose values could not be used, with the error a use of each setting throws. */
  problems(): { name: ConfigName; variable: string; error: ConfigValueError }[] {
    return [...this.invalid].map(([name, error]) => ({ name, variable: "PYRO_" + name, error }));
  }

  /** A setting by name, or undefined for a name that is not one (own properties only: "constructor" is not). */
  get(name: string): unknown {
    return isConfigName(name) ? (this as unknown as Record<string, unknown>)[name] : undefined;
  }

  asDict(): ConfigItems {
    const out: Record<string, unknown> = {};
    for (const name of configNames) out[name] = (this as unknown as Record<string, unknown>)[name];
    return out as unknown as ConfigItems;
  }

  /**
   * The effective configuration as Pyro4's config.dump() prints it (what `pyro4 check-config` shows): sorted
   * `NAME = value` lines with Python's formatting of values, plus LOGFILE/LOGLEVEL from the environment.
   */
  dumpItems(env: NodeJS.ProcessEnv = process.env): string[] {
    const rows: [string, string][] = [];
    for (const [name, , kind] of table) rows.push([name, configValueStr((this as unknown as Record<string, unknown>)[name], kind === "float")]);
    rows.push(["LOGFILE", env.PYRO_LOGFILE ?? "None"], ["LOGLEVEL", env.PYRO_LOGLEVEL ?? "None"]);
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return rows.map(([n, v]) => `${n} = ${v}`);
  }

  /** Pyro4's parseAddressesString: comma list, `''` means the empty string. */
  parseAddressesString(addresses: string): string[] {
    return addresses.split(",").map((a) => {
      const t = a.trim();
      return t === "''" ? "" : t;
    });
  }
}

/** The process-wide configuration (Pyro4.config). */
export const config = new Config();
