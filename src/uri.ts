// Pyro URIs: PYRO:obj@host:port, PYRO:obj@./u:/path (unix socket), PYRONAME:name[@host[:port]] and
// PYROMETA:tag1,tag2[@host[:port]], parsed and formatted with Pyro4.core.URI's rules and error messages.

import { PyroError, InvalidArgumentError } from "./errors.js";
import { config } from "./config.js";

const uriRegEx = /^(?<protocol>[Pp][Yy][Rr][Oo][a-zA-Z]*):(?<object>\S+?)(@(?<location>.+))?$/s;

/** The kind of a Pyro URI. */
export type UriProtocol = "PYRO" | "PYRONAME" | "PYROMETA";

/** A Pyro URI (`PYRO:obj@host:port`, `PYRONAME:name`, `PYROMETA:tag`), parsed as Pyro4 parses it. */
export class URI {
  protocol!: UriProtocol;
  /** Object id (PYRO), name (PYRONAME), or the comma-joined tags (PYROMETA; see `metadata`). */
  object!: string;
  /** PYROMETA tags. */
  metadata: Set<string> | null = null;
  sockname: string | null = null;
  host: string | null = null;
  port: number | null = null;

  /**
   * Parse a URI string (or copy a URI). `defaultNsPort` is the port of a PYRONAME/PYROMETA location without one:
   * default config.NS_PORT (Pyro4's); Pyro5 proxies pass Pyro5's.
   */
  constructor(uri: string | URI, defaultNsPort?: number) {
    if (uri instanceof URI) {
      Object.assign(this, uri);
      if (uri.metadata) this.metadata = new Set(uri.metadata);
      return;
    }
    if (typeof uri !== "string") throw new InvalidArgumentError("uri parameter object is of wrong type");
    const m = uriRegEx.exec(uri);
    if (!m) throw invalidUri("invalid uri", uri);
    const protocol = m.groups!.protocol!.toUpperCase();
    this.object = m.groups!.object!;
    const location = m.groups!.location;
    if (protocol === "PYRONAME") {
      this.protocol = protocol;
      this.parseLocation(location, defaultNsPort ?? config.NS_PORT, uri);
    } else if (protocol === "PYRO") {
      this.protocol = protocol;
      if (!location) throw invalidUri("invalid uri", uri, "a PYRO: uri needs @host:port or @./u:socketpath");
      this.parseLocation(location, null, uri);
    } else if (protocol === "PYROMETA") {
      this.protocol = protocol;
      this.metadata = new Set(this.object.split(",").map((s) => s.trim()));
      this.object = [...this.metadata].join(",");
      this.parseLocation(location, defaultNsPort ?? config.NS_PORT, uri);
    } else {
      throw invalidUri("invalid uri (protocol)", uri, `unknown protocol '${m.groups!.protocol}'`);
    }
  }

  private parseLocation(location: string | undefined, defaultPort: number | null, given: string): void {
    if (!location) return;
    if (location.startsWith("./u:")) {
      this.sockname = location.slice(4);
      if (!this.sockname || this.sockname.includes(":")) throw invalidUri("invalid uri (location)", given, "a unix socket location is ./u:path, without another colon");
      return;
    }
    let host: string;
    let port: string | undefined;
    if (location.startsWith("[")) {
      if (location.startsWith("[[")) throw invalidUri("invalid ipv6 address: enclosed in too many brackets", given);
      const m = /^\[([0-9a-fA-F:%]+)](:(\d+))?/.exec(location);
      if (!m) throw invalidUri("invalid ipv6 address: the part between brackets must be a numeric ipv6 address", given);
      host = m[1]!;
      port = m[3];
    } else {
      const i = location.indexOf(":");
      host = i < 0 ? location : location.slice(0, i);
      port = i < 0 ? undefined : location.slice(i + 1);
    }
    this.host = host;
    if (!port) {
      if (defaultPort === null) throw invalidUri("invalid port in uri, port=None", given, "a PYRO: uri needs a port");
      this.port = defaultPort;
    } else {
      if (!/^\s*[+-]?\d+\s*$/.test(port)) throw invalidUri("invalid port in uri, port=" + port, given);
      this.port = parseInt(port, 10);
    }
  }

  static isUnixsockLocation(location: string): boolean {
    return location.startsWith("./u:");
  }

  /** `host:port`, `[ipv6]:port` or `./u:path`; null for PYRONAME/PYROMETA without a location. */
  get location(): string | null {
    if (this.host) return this.host.includes(":") ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
    if (this.sockname) return "./u:" + this.sockname;
    return null;
  }

  asString(): string {
    const loc = this.location;
    return `${this.protocol}:${this.object}${loc ? "@" + loc : ""}`;
  }
  toString(): string {
    return this.asString();
  }
  toJSON(): string {
    return this.asString();
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `<Pyro4.core.URI ${this.asString()}>`;
  }

  equals(other: unknown): boolean {
    return other instanceof URI && other.asString() === this.asString() && other.sockname === this.sockname;
  }

  /** Pyro4's __getstate__: (protocol, object, sockname, host, port); PYROMETA's object is a set. */
  state(): [string, string | Set<string>, string | null, string | null, number | null] {
    return [this.protocol, this.metadata ? new Set(this.metadata) : this.object, this.sockname, this.host, this.port];
  }

  static fromState(state: readonly unknown[]): URI {
    if (!Array.isArray(state) || state.length < 5) throw new PyroError("invalid URI state");
    const u = Object.create(URI.prototype) as URI;
    u.protocol = String(state[0]) as UriProtocol;
    const obj = state[1];
    if (obj instanceof Set || (Array.isArray(obj) && u.protocol === "PYROMETA")) {
      u.metadata = new Set([...(obj as Iterable<unknown>)].map(String));
      u.object = [...u.metadata].join(",");
    } else {
      u.object = String(obj);
      u.metadata = null;
    }
    u.sockname = state[2] == null ? null : String(state[2]);
    u.host = state[3] == null ? null : String(state[3]);
    u.port = state[4] == null ? null : Number(state[4]);
    return u;
  }
}

/** The URI forms this parser accepts, for error messages. */
export const URI_FORMS =
  "PYRO:objectid@host:port, PYRO:objectid@[ipv6]:port, PYRO:objectid@./u:socketpath, PYRONAME:name[@host[:port]], " +
  "PYROMETA:tag1,tag2[@host[:port]]";

/**
 * A URI parse error that says what it was given and the forms it accepts. It starts with Pyro4's own text,
 * which it also keeps as `pyro4Message` so the name server can answer Python clients exactly as Pyro4 does.
 */
function invalidUri(pyro4Text: string, given: string, why?: string): PyroError {
  const err = new PyroError(`${pyro4Text}: ${JSON.stringify(given)}${why ? ` (${why})` : ""}; accepted forms: ${URI_FORMS}`);
  Object.defineProperty(err, "pyro4Message", { value: pyro4Text, enumerable: false });
  return err;
}
