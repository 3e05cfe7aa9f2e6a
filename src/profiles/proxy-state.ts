// The serialized proxy state of each protocol, the tuple inside a {"__class__": "<proxy class>", "state": ...}
// dict. Pyro4 (Pyro4/core.py __getstate_for_dict__): (uri string, oneway names, method names, attribute names,
// timeout seconds, "b64:"-encoded HMAC key or None, handshake, max retries, serializer name or None). Pyro5
// (Pyro5/client.py __getstate__): (uri string, oneway, methods, attrs, handshake, serializer or None). Like
// Python, a received proxy keeps metadata, handshake, serializer (and Pyro4's HMAC key), and takes timeout and
// retries from the local config. The serializer slot is echoed as received even when it names no serializer we
// have (Python stores `_pyroSerializer` unchecked): a proxy passed through a daemon comes back unchanged. Used by the proxies (client) and the daemon's autoproxy (server).

import { ProtocolError } from "../errors.js";
import { hasSerializer, type SerializerName } from "../serializers/index.js";
import { Float, toTuple } from "../serializers/values.js";
import { URI } from "../uri.js";
import type { DecodedProxyState, ProxyStateSource } from "./profile.js";

function names(v: unknown): Set<string> {
  if (v == null) return new Set();
  if (typeof v === "object" && Symbol.iterator in (v as object)) return new Set([...(v as Iterable<unknown>)].map(String));
  return new Set();
}

function uriOf(v: unknown): URI {
  return v instanceof URI ? v : new URI(String(v));
}

export function encodeProxyState4(p: ProxyStateSource, serializer: unknown): unknown[] {
  return toTuple<unknown>([
    p.uri.asString(),
    toTuple(p.oneways),
    toTuple(p.methods),
    toTuple(p.attrs),
    new Float(p.timeout / 1000),
    p.hmacKey ? "b64:" + Buffer.from(p.hmacKey).toString("base64") : null,
    p.handshake,
    p.maxRetries,
    serializer,
  ]);
}

export function decodeProxyState4(state: readonly unknown[]): DecodedProxyState {
  if (!Array.isArray(state) || state.length < 8) throw new ProtocolError("invalid proxy state");
  const hmac = state[5];
  let hmacKey: Buffer | null = null;
  if (typeof hmac === "string" && hmac) {
    if (!hmac.startsWith("b64:")) throw new ProtocolError("hmac encoding error");
    hmacKey = Buffer.from(hmac.slice(4), "base64");
  } else if (hmac instanceof Uint8Array && hmac.length) hmacKey = Buffer.from(hmac);
  const ser = state.length >= 9 && typeof state[8] === "string" && hasSerializer(state[8]) ? (state[8] as SerializerName) : undefined;
  return {
    uri: uriOf(state[0]),
    oneway: names(state[1]),
    methods: names(state[2]),
    attrs: names(state[3]),
    options: { hmacKey, handshake: state[6] === undefined ? "hello" : state[6], serializer: ser, protocol: 4 },
    stateSerializer: state.length >= 9 ? state[8] : null,
  };
}

export function encodeProxyState5(p: ProxyStateSource, serializer: unknown): unknown[] {
  return toTuple<unknown>([p.uri.asString(), toTuple(p.oneways), toTuple(p.methods), toTuple(p.attrs), p.handshake, serializer]);
}

export function decodeProxyState5(state: readonly unknown[]): DecodedProxyState {
  if (!Array.isArray(state) || state.length < 6) throw new ProtocolError("invalid Pyro5 proxy state");
  const ser = typeof state[5] === "string" && hasSerializer(state[5]) && state[5] !== "pickle" ? (state[5] as SerializerName) : undefined;
  return {
    uri: uriOf(state[0]),
    oneway: names(state[1]),
    methods: names(state[2]),
    attrs: names(state[3]),
    options: { handshake: state[4] === undefined ? "hello" : state[4], serializer: ser, protocol: 5 },
    stateSerializer: state[5] ?? null,
  };
}
