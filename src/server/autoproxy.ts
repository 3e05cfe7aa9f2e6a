// Registered objects as proxies: the serialized Proxy a Python client turns into a Pyro4.core.Proxy (or a
// Pyro5.client.Proxy) for a registered object (Pyro4's proxyFor), and the autoproxy replacer that sends a
// daemon's registered objects that way wherever they appear in a result or a call argument.

import type { ValueDialect } from "../serializers/dialect.js";
import { addAutoproxyHook } from "../serializers/autoproxy.js";
import { profileOfDialect } from "../profiles/index.js";
import type { URI } from "../uri.js";
import type { Registration } from "./daemon-core.js";
import type { Registry } from "./registry.js";

/** A serialized Proxy: what a Python client turns into a Pyro4.core.Proxy (or a Pyro5.client.Proxy). */
export interface ProxyDict {
  __class__: string;
  state: unknown[];
}

/** The serialized Proxy for `reg` at `uri`, pre-filled with its metadata, in the class names of `dialect`. */
export function proxyDict(uri: URI, reg: Registration, dialect: ValueDialect): ProxyDict {
  const meta = reg.exposure.metadata(true) as { methods: string[]; oneway: string[]; attrs: string[] };
  const profile = profileOfDialect(dialect);
  const source = { uri, oneways: meta.oneway, methods: meta.methods, attrs: meta.attrs, timeout: 0, hmacKey: null, handshake: "hello", maxRetries: 0 };
  return { __class__: dialect.proxyClass, state: profile.encodeProxyState(source, null) };
}

/** The replacer that turns objects registered in `registry` into proxies (made by `proxyFor`); others pass. */
export function autoproxyReplacer(registry: Registry, proxyFor: (id: string, dialect: ValueDialect) => ProxyDict): (value: object, dialect: ValueDialect) => unknown {
  return (value, dialect) => {
    const id = registry.registeredId(value);
    return id === undefined ? undefined : proxyFor(id, dialect); // in the class names of the message being serialized
  };
}

/**
 * Like Pyro4's global autoproxy: while installed, the registered objects passed as call arguments on any proxy
 * travel as proxies. Returns the function that uninstalls it.
 */
export function installAutoproxy(replace: (value: object, dialect: ValueDialect) => unknown): () => void {
  return addAutoproxyHook(replace);
}
