// What a protocol profile is: everything in which Pyro4 (protocol 48) and Pyro5 (protocol 502) differ, in one
// object per protocol (pyro4.ts, pyro5.ts). The protocol is chosen once, where a user picks it (`protocol: 4 | 5`,
// the `pyro4` / `pyro5` bins), turned into a profile by profileFor(), and the profile is passed down: client,
// daemon, name server and gateway ask it instead of comparing version numbers. Types only.

import type { ConfigItems } from "../config.js";
import type { Config5Items } from "../config5.js";
import type { WireFormat } from "../protocol/wire.js";
import type { ValueDialect } from "../serializers/dialect.js";
import type { Serializer, SerializerName } from "../serializers/types.js";
import type { URI } from "../uri.js";

/** The config items both protocols have, with the same meaning and type (each profile reads its own config). */
type SharedName = Extract<keyof ConfigItems, keyof Config5Items>;
export type ProfileConfig = Pick<ConfigItems, Exclude<SharedName, "BROADCAST_ADDRS">>;

/** The settings of a protocol's daemons that are config items in one protocol and fixed rules in the other. */
export interface DaemonDefaults {
  /** Pyro4: SERIALIZERS_ACCEPTED. Pyro5 has no such item: its daemon accepts all four serializers. */
  serializersAccepted: Iterable<string>;
  /** Pyro4: ONEWAY_THREADED. Pyro5 always runs a oneway call apart from the connection's next request. */
  onewayThreaded: boolean;
  /** Pyro4: AUTOPROXY. Pyro5 always sends registered objects as proxies. */
  autoproxy: boolean;
  /** Pyro4: REQUIRE_EXPOSE. Pyro5 always requires @expose. */
  requireExpose: boolean;
}

/** What a serialized proxy carries (Pyro4's 9-tuple and Pyro5's 6-tuple take what they need from it). */
export interface ProxyStateSource {
  uri: URI;
  oneways: Iterable<string>;
  methods: Iterable<string>;
  attrs: Iterable<string>;
  /** Milliseconds. */
  timeout: number;
  hmacKey: Uint8Array | null;
  handshake: unknown;
  maxRetries: number;
}

/** A received proxy state: the URI, the metadata, and the proxy options it carried. */
export interface DecodedProxyState {
  uri: URI;
  oneway: Set<string>;
  methods: Set<string>;
  attrs: Set<string>;
  options: { hmacKey?: Uint8Array | null; handshake?: unknown; serializer?: SerializerName | undefined; protocol?: 4 | 5 };
  /**
   * The serializer slot exactly as received (a name we do not know, or None, included): Python keeps
   * `_pyroSerializer` as it came and sends it back when the proxy is serialized again.
   */
  stateSerializer: unknown;
}

/** A call on the name server: method, positional and keyword arguments. */
export interface NameServerCall {
  method: string;
  args: unknown[];
  kwargs: Record<string, unknown> | null;
}

export interface PyroProfile {
  readonly protocol: 4 | 5;
  readonly name: "Pyro4" | "Pyro5";
  /** Framing: header layout, flag numbering, where the correlation id travels, whether HMAC exists. */
  readonly wire: WireFormat;
  /** Serializer ids and the class names values travel under. */
  readonly values: ValueDialect;
  /** The process-wide configuration of this protocol (Pyro4.config / Pyro5.config). */
  readonly config: ProfileConfig;
  /** Throws the ConfigValueError the protocol's Python raises for this process's PYRO_* variables, if any. */
  checkConfig(): void;
  /** A serializer of this protocol, by name or by this protocol's wire id. */
  serializer(nameOrId: string | number): Serializer;
  daemonDefaults(): DaemonDefaults;
  /** Whether a proxy asks for the object's metadata by default (Pyro4: METADATA; Pyro5: always). */
  metadataDefault(): boolean;
  /** Where locateNS broadcasts (Pyro4: the BROADCAST_ADDRS string, parsed; Pyro5: its list). */
  broadcastAddresses(): string[];
  /** The CONNECT message names the object even when no metadata is asked for (Pyro5's daemon always reads it). */
  readonly connectNamesObject: boolean;
  /**
   * Every reply carries the call's correlation id (Pyro5: in the header of every message sent, errors and the start
   * of an item stream included). Pyro4 puts CORR on normal replies only, not on exception replies.
   */
  readonly correlationOnEveryReply: boolean;
  /** The proxy state tuple inside a `{"__class__": values.proxyClass, "state": ...}` dict, with a serializer name or null. */
  encodeProxyState(p: ProxyStateSource, serializer: unknown): unknown[];
  decodeProxyState(state: readonly unknown[]): DecodedProxyState;
  /** repr() of a proxy as Python prints it: module.class, id, connection state (family), URI (and Pyro5's owner). */
  proxyRepr(id: string, family: string | null, uri: string): string;
  /**
   * Whether the CONNECTOK metadata carries lists (Pyro4: get_metadata(as_lists=True)) or sets (Pyro5:
   * get_metadata(), sets, which serpent and marshal keep and json and msgpack send as lists).
   */
  readonly handshakeMetaAsLists: boolean;
  /** The metadata tag the name server registers itself with ("class:Pyro4.naming.NameServer" ...). */
  readonly nameServerClassTag: string;
  /** Which name server API the protocol's NameServer object has (naming/server.ts serves the matching one). */
  readonly nameServerApi: "pyro4" | "pyro5";
  /** The name-server call that finds registrations having all `tags` (PYROMETA resolution). */
  metadataLookup(tags: Set<string>): NameServerCall;
}
