// Pyro5's profile (Python Pyro5 5.17, wire protocol 502): its framing, value class names, configuration
// (Pyro5.config, src/config5.ts) and the rules where Pyro5 changed Pyro4's: every serializer accepted, no HMAC,
// metadata and autoproxy always on, the correlation id on every reply, yplookup for PYROMETA.

import { threadId } from "node:worker_threads";
import { config5 } from "../config5.js";
import { PYRO5 } from "../protocol/wire.js";
import { PYRO5_VALUES } from "../serializers/dialect.js";
import { getPyro5Serializer } from "../serializers/pyro5.js";
import type { PyroProfile } from "./profile.js";
import { decodeProxyState5, encodeProxyState5 } from "./proxy-state.js";

/** Pyro5's daemon accepts every serializer it has (Pyro5/server.py has no SERIALIZERS_ACCEPTED). */
const ALL_SERIALIZERS: readonly string[] = Object.freeze(["serpent", "marshal", "json", "msgpack"]);

export const PYRO5_PROFILE: PyroProfile = Object.freeze({
  protocol: 5,
  name: "Pyro5",
  wire: PYRO5,
  values: PYRO5_VALUES,
  config: config5,
  checkConfig: () => config5.check(),
  serializer: (nameOrId: string | number) => getPyro5Serializer(nameOrId),
  daemonDefaults: () => ({ serializersAccepted: ALL_SERIALIZERS, onewayThreaded: true, autoproxy: true, requireExpose: true }),
  metadataDefault: () => true,
  broadcastAddresses: () => [...config5.BROADCAST_ADDRS],
  connectNamesObject: true,
  correlationOnEveryReply: true,
  encodeProxyState: encodeProxyState5,
  decodeProxyState: decodeProxyState5,
  // Pyro5/client.py Proxy.__repr__: the owner is the thread that may use the proxy (here: this thread)
  proxyRepr: (id: string, family: string | null, uri: string) =>
    `<${PYRO5_VALUES.proxyClass} at 0x${id}; ${family ? "connected " + family : "not connected"}; for ${uri}; owner ${threadId}>`,
  handshakeMetaAsLists: false,
  nameServerClassTag: "class:Pyro5.nameserver.NameServer",
  nameServerApi: "pyro5",
  // Pyro5's core.resolve: ns.yplookup(meta_all=tags, return_metadata=False)
  metadataLookup: (tags: Set<string>) => ({ method: "yplookup", args: [tags, null, false], kwargs: null }),
});
