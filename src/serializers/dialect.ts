// Where Pyro5's values differ from Pyro4's, named in one place. The four codecs and the value model are shared;
// what changes between protocol 48 and 502 is the serializer ids and the class names Pyro objects travel as
// (URI, Proxy and its state tuple, the batch exception wrapper, the errors module). The codecs read the active
// dialect while they run: serialization is synchronous, so the Pyro5 serializers (pyro5.ts) switch it for
// exactly the duration of one call.

import type { SerializerName } from "./types.js";

export interface ValueDialect {
  readonly name: "Pyro4" | "Pyro5";
  /** Wire id of each serializer the protocol has. */
  readonly ids: Readonly<Partial<Record<SerializerName, number>>>;
  readonly uriClass: string;
  readonly proxyClass: string;
  readonly exceptionWrapperClass: string;
  /** Prefix of the Pyro error classes ("Pyro4.errors." / "Pyro5.errors."). */
  readonly errorsPrefix: string;
}

export const PYRO4_VALUES: ValueDialect = Object.freeze({
  name: "Pyro4",
  ids: Object.freeze({ serpent: 1, json: 2, marshal: 3, pickle: 4, msgpack: 6 }),
  uriClass: "Pyro4.core.URI",
  proxyClass: "Pyro4.core.Proxy",
  exceptionWrapperClass: "Pyro4.futures._ExceptionWrapper",
  errorsPrefix: "Pyro4.errors.",
});

/** Pyro5/serializers.py, core.py and client.py. Pyro5 has no pickle, dill or cloudpickle. */
export const PYRO5_VALUES: ValueDialect = Object.freeze({
  name: "Pyro5",
  ids: Object.freeze({ serpent: 1, marshal: 2, json: 3, msgpack: 4 }),
  uriClass: "Pyro5.core.URI",
  proxyClass: "Pyro5.client.Proxy",
  exceptionWrapperClass: "Pyro5.core._ExceptionWrapper",
  errorsPrefix: "Pyro5.errors.",
});

let active: ValueDialect = PYRO4_VALUES;

/** The dialect the codec running now encodes for (Pyro4's outside a Pyro5 serializer call). */
export function activeDialect(): ValueDialect {
  return active;
}

/** Switch the active dialect; returns the previous one, to restore in a finally. */
export function setActiveDialect(d: ValueDialect): ValueDialect {
  const prev = active;
  active = d;
  return prev;
}
