// Pyro4's serialized proxy state, the 9-tuple inside a {"__class__": "Pyro4.core.Proxy", "state": ...} dict:
// (uri string, oneway names, method names, attribute names, timeout seconds, "b64:"-encoded HMAC key or None,
// handshake, max retries, serializer name or None). Like Pyro4, a received proxy keeps metadata, HMAC key,
// handshake and serializer, and takes timeout and max retries from the local config.

import { ProtocolError } from "../errors.js";
import { Float, toTuple } from "../serializers/values.js";
import { URI } from "../uri.js";
import { hasSerializer, type SerializerName } from "../serializers/index.js";
import type { ProxyCore, ProxyOptions } from "./core.js";

export function encodeProxyState(core: ProxyCore, serializer: string | null): unknown[] {
  return toTuple<unknown>([
    core.uri.asString(),
    toTuple(core.oneways),
    toTuple(core.methods),
    toTuple(core.attrs),
    new Float(core.timeout / 1000),
    core.hmacKey ? "b64:" + core.hmacKey.toString("base64") : null,
    core.handshake,
    core.maxRetries,
    serializer,
  ]);
}

export interface DecodedProxyState {
  uri: URI;
  oneway: Set<string>;
  methods: Set<string>;
  attrs: Set<string>;
  options: ProxyOptions;
}

function names(v: unknown): Set<string> {
  if (v == null) return new Set();
  if (typeof v === "object" && Symbol.iterator in (v as object)) return new Set([...(v as Iterable<unknown>)].map(String));
  return new Set();
}

export function decodeProxyState(state: readonly unknown[]): DecodedProxyState {
  if (!Array.isArray(state) || state.length < 8) throw new ProtocolError("invalid proxy state");
  const uri = state[0] instanceof URI ? state[0] : new URI(String(state[0]));
  const hmac = state[5];
  let hmacKey: Buffer | null = null;
  if (typeof hmac === "string" && hmac) {
    if (!hmac.startsWith("b64:")) throw new ProtocolError("hmac encoding error");
    hmacKey = Buffer.from(hmac.slice(4), "base64");
  } else if (hmac instanceof Uint8Array && hmac.length) hmacKey = Buffer.from(hmac);
  const ser = state.length >= 9 && typeof state[8] === "string" && hasSerializer(state[8]) ? (state[8] as SerializerName) : undefined;
  return {
    uri,
    oneway: names(state[1]),
    methods: names(state[2]),
    attrs: names(state[3]),
    options: { hmacKey, handshake: state[6] === undefined ? "hello" : state[6], serializer: ser },
  };
}

/**
 * Pyro5's serialized proxy state (Pyro5/client.py __getstate__): the 6-tuple (uri string, oneway names, method
 * names, attribute names, handshake, serializer name or None). No timeout, HMAC key or retries.
 */
export function encodeProxyState5(core: ProxyCore, serializer: string | null): unknown[] {
  return toTuple<unknown>([core.uri.asString(), toTuple(core.oneways), toTuple(core.methods), toTuple(core.attrs), core.handshake, serializer]);
}

export function decodeProxyState5(state: readonly unknown[]): DecodedProxyState {
  if (!Array.isArray(state) || state.length < 6) throw new ProtocolError("invalid Pyro5 proxy state");
  const uri = state[0] instanceof URI ? state[0] : new URI(String(state[0]));
  const ser = typeof state[5] === "string" && hasSerializer(state[5]) && state[5] !== "pickle" ? (state[5] as SerializerName) : undefined;
  return {
    uri,
    oneway: names(state[1]),
    methods: names(state[2]),
    attrs: names(state[3]),
    options: { handshake: state[4] === undefined ? "hello" : state[4], serializer: ser, protocol: 5 },
  };
}
