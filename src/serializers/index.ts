// Serializer registry: look one up by name or by wire id.

import { SerializeError } from "../errors.js";
import type { Serializer } from "./types.js";
import { serpent } from "./serpent.js";
import { json } from "./json.js";
import { marshal } from "./marshal.js";
import { msgpack } from "./msgpack.js";
import { pickle } from "./pickle.js";

export type { Serializer, SerializerName, Call, SerializeOptions, FrameScratch } from "./types.js";

const byName = new Map<string, Serializer>();
const byId = new Map<number, Serializer>();
for (const s of [serpent, json, marshal, msgpack, pickle]) {
  byName.set(s.name, s);
  byId.set(s.id, s);
}

/**
 * Wire ids of all serializers Pyro4 knows, including the ones we refuse (pickle family). No prototype: a name
 * from configuration or a peer ("constructor", "toString") must read as unknown, not as an Object method.
 */
export const serializerIds: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    serpent: 1, json: 2, marshal: 3, pickle: 4, dill: 5, msgpack: 6, cloudpickle: 7,
  }),
);

/** A serializer by name ("serpent", "json", "marshal", "msgpack", "pickle") or wire id. */
export function getSerializer(nameOrId: string | number): Serializer {
  const s = typeof nameOrId === "number" ? byId.get(nameOrId) : byName.get(nameOrId);
  if (s) return s;
  if (typeof nameOrId === "string" && (nameOrId === "dill" || nameOrId === "cloudpickle"))
    throw new SerializeError(`serializer '${nameOrId}' is not supported: it can run arbitrary code on the receiver`);
  throw new SerializeError(
    typeof nameOrId === "number" ? `unsupported serializer id: ${nameOrId}` : `unknown serializer: '${nameOrId}'`,
  );
}

/** Whether a serializer of this name ("serpent") or wire id (1) exists in this package. */
export function hasSerializer(nameOrId: string | number): boolean {
  return typeof nameOrId === "number" ? byId.has(nameOrId) : byName.has(nameOrId);
}
