// Pyro4's profile (Python Pyro4 4.82, wire protocol 48): its framing, value class names, configuration
// (Pyro4.config, src/config.ts) and rules. The default protocol everywhere.

import { config } from "../config.js";
import { PYRO4 } from "../protocol/wire.js";
import { PYRO4_VALUES } from "../serializers/dialect.js";
import { getSerializer } from "../serializers/index.js";
import type { PyroProfile } from "./profile.js";
import { decodeProxyState4, encodeProxyState4 } from "./proxy-state.js";


export const PYRO4_PROFILE: PyroProfile = Object.freeze({
  protocol: 4,
  name: "Pyro4",
  wire: PYRO4,
  values: PYRO4_VALUES,
  config,
  checkConfig() {
    // Pyro4 ignores PYRO_* variables it does not know; a refused value throws when its setting is read
  },
  serializer: (nameOrId: string | number) => getSerializer(nameOrId),
  daemonDefaults: () => ({
    serializersAccepted: config.SERIALIZERS_ACCEPTED,
    onewayThreaded: config.ONEWAY_THREADED,
    autoproxy: config.AUTOPROXY,
    requireExpose: config.REQUIRE_EXPOSE,
  }),
  metadataDefault: () => config.METADATA,
  broadcastAddresses: () => config.parseAddressesString(config.BROADCAST_ADDRS),
  connectNamesObject: false,
  correlationOnEveryReply: false,
  encodeProxyState: encodeProxyState4,
  decodeProxyState: decodeProxyState4,
  proxyRepr: (id: string, family: string | null, uri: string) =>
    `<${PYRO4_VALUES.proxyClass} at 0x${id}; ${family ? "connected " + family : "not connected"}; for ${uri}>`,
  handshakeMetaAsLists: true,
  nameServerClassTag: "class:Pyro4.naming.NameServer",
  nameServerApi: "pyro4",
  // Pyro4's core._resolve: ns.list(metadata_all=tags)
  metadataLookup: (tags: Set<string>) => ({ method: "list", args: [], kwargs: { metadata_all: tags } }),
});
