// Where Pyro5's values differ from Pyro4's, named in one place. The four codecs and the value model are shared;
// what changes between protocol 48 and 502 is the serializer ids and the class names Pyro objects travel as
// (URI, Proxy and its state tuple, the batch exception wrapper, the errors module). A codec is told the dialect
// to write in by its caller (the `dialect` serialize option); received values are read in either. Also the rule
// for received class dicts nothing knows (unknownClassDict), which Pyro4 and Pyro5 share.

import { SecurityError, SerializeError } from "../errors.js";
import type { ValueDialect } from "./types.js";

export type { ValueDialect };

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

// ------------------------------------------------------------------------------------------------ class policy

/**
 * Pyro's own classes that Python rebuilds but we have nothing to make from (a daemon's or a serializer's state):
 * they arrive as their dicts. Every other class without a registered dict-to-class hook is refused, as Python's
 * SerializerBase.dict_to_class refuses it (Pyro4 and Pyro5 alike).
 */
const KEPT_AS_DICTS: ReadonlySet<string> = new Set([
  "Pyro4.core.Daemon",
  "Pyro5.server.Daemon",
  ...["Serpent", "Marshal", "Json", "Msgpack", "Pickle", "Cloudpickle", "Dill"].map((n) => `Pyro4.util.${n}Serializer`),
  ...["Serpent", "Marshal", "Json", "Msgpack"].map((n) => `Pyro5.util.${n}Serializer`),
]);

/** The refusals made here, so a daemon can tell "this class is not allowed" from "this data is malformed". */
const refusals = new WeakSet<Error>();

/**
 * The rule for a received class dict that no hook and no built-in conversion took: Python's dict_to_class. A name
 * with a double underscore is a SecurityError (`__main__.Thing` included), a Pyro daemon or serializer class stays
 * a dict, anything else is a SerializeError "unsupported serialized class". Returns the dict or throws.
 */
export function unknownClassDict(className: string, dict: Record<string, unknown>): Record<string, unknown> {
  if (className.includes("__")) throw refusal(new SecurityError("refused to deserialize types with double underscores in their name: " + className));
  if (KEPT_AS_DICTS.has(className)) return dict;
  throw refusal(new SerializeError("unsupported serialized class: " + className));
}

function refusal(e: Error): Error {
  refusals.add(e);
  return e;
}

/**
 * Pyro's own SerializeError for a value the serializer's hook has no conversion for (msgpack's ext_hook and an ext
 * code it does not know): Python raises Pyro's SerializeError there, a CommunicationError, not a parser's error.
 * Marked as a refusal, so a daemon answers it as it is and then closes the connection, as Python's does.
 */
export function hookRefusal(message: string): SerializeError {
  const e = new SerializeError(message);
  refusals.add(e);
  return e;
}

/** True for the errors unknownClassDict and hookRefusal throw (a refused class or value, not malformed data). */
export function isClassRefusal(e: unknown): boolean {
  return e instanceof Error && refusals.has(e);
}
