// Pyro5's serializers: the same four codecs under Pyro5's wire ids (serpent 1, marshal 2, json 3, msgpack 4),
// each call run with the Pyro5 value dialect active (dialect.ts), so URIs, proxies, errors and batch exception
// wrappers travel under Pyro5's class names.

import { SerializeError } from "../errors.js";
import { PYRO4_VALUES, PYRO5_VALUES, setActiveDialect, type ValueDialect } from "./dialect.js";
import { getSerializer } from "./index.js";
import type { Serializer, SerializerName } from "./types.js";

function inDialect(base: Serializer, d: ValueDialect): Serializer {
  const s: Serializer = {
    name: base.name,
    id: d.ids[base.name]!,
    tuples: base.tuples,
    serializeData(value, options) {
      const prev = setActiveDialect(d);
      try {
        return base.serializeData(value, options);
      } finally {
        setActiveDialect(prev);
      }
    },
    deserializeData(data, options) {
      const prev = setActiveDialect(d);
      try {
        return base.deserializeData(data, options);
      } finally {
        setActiveDialect(prev);
      }
    },
    serializeCall(object, method, vargs, kwargs, options) {
      const prev = setActiveDialect(d);
      try {
        return base.serializeCall(object, method, vargs, kwargs, options);
      } finally {
        setActiveDialect(prev);
      }
    },
    deserializeCall(data, options) {
      const prev = setActiveDialect(d);
      try {
        return base.deserializeCall(data, options);
      } finally {
        setActiveDialect(prev);
      }
    },
  };
  if (base.serializeDataParts) {
    const parts = base.serializeDataParts.bind(base);
    s.serializeDataParts = (value, options) => {
      const prev = setActiveDialect(d);
      try {
        return parts(value, options);
      } finally {
        setActiveDialect(prev);
      }
    };
  }
  if (base.serializeCallParts) {
    const parts = base.serializeCallParts.bind(base);
    s.serializeCallParts = (object, method, vargs, kwargs, options) => {
      const prev = setActiveDialect(d);
      try {
        return parts(object, method, vargs, kwargs, options);
      } finally {
        setActiveDialect(prev);
      }
    };
  }
  return Object.freeze(s);
}

const NAMES: SerializerName[] = ["serpent", "marshal", "json", "msgpack"];
const byName = new Map<string, Serializer>();
const byId = new Map<number, Serializer>();
for (const n of NAMES) {
  const s = inDialect(getSerializer(n), PYRO5_VALUES);
  byName.set(n, s);
  byId.set(s.id, s);
}

/** A Pyro5 serializer by name or Pyro5 wire id. */
export function getPyro5Serializer(nameOrId: string | number): Serializer {
  const s = typeof nameOrId === "number" ? byId.get(nameOrId) : byName.get(nameOrId);
  if (s) return s;
  if (typeof nameOrId === "string" && (nameOrId === "pickle" || nameOrId === "dill" || nameOrId === "cloudpickle"))
    throw new SerializeError(`serializer '${nameOrId}' does not exist in Pyro5 (it was removed: it can run arbitrary code on the receiver)`);
  throw new SerializeError(
    typeof nameOrId === "number" ? `unsupported serializer id: ${nameOrId} (Pyro5 ids: serpent 1, marshal 2, json 3, msgpack 4)` : `unknown serializer: '${nameOrId}'`,
  );
}

/** The serializer for a value dialect (Pyro4's registry or Pyro5's). */
export function serializerFor(d: ValueDialect, nameOrId: string | number): Serializer {
  return d === PYRO4_VALUES ? getSerializer(nameOrId) : getPyro5Serializer(nameOrId);
}
