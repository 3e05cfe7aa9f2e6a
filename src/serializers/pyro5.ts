// Pyro5's serializers: the same four codecs under Pyro5's wire ids (serpent 1, marshal 2, json 3, msgpack 4). What
// they write differs from Pyro4's only in class names (URIs, proxies, errors, batch exception wrappers), which the
// codecs take from the `dialect` serialize option (dialect.ts): callers on the hot path pass options carrying
// PYRO5_VALUES already; a call without it gets Pyro5's dialect added here, for decoding too (msgpack reads a
// Pyro4 call as Python Pyro4's daemon does, without the ext hook).

import { SerializeError } from "../errors.js";
import { PYRO5_VALUES } from "./dialect.js";
import { getSerializer } from "./index.js";
import type { DeserializeOptions, SerializeOptions, Serializer, SerializerName } from "./types.js";

const PYRO5_ONLY: SerializeOptions = Object.freeze({ dialect: PYRO5_VALUES });

/** `options` with Pyro5's dialect: as they are when they name one, else a copy that does (no copy without options). */
function inPyro5(options: SerializeOptions | undefined): SerializeOptions {
  if (options === undefined) return PYRO5_ONLY;
  return options.dialect ? options : { ...options, dialect: PYRO5_VALUES };
}

// Decoding is always in Pyro5's dialect, with the caller's zeroCopy and limits. Callers on the hot path (daemon,
// proxy) pass options naming PYRO5_VALUES already, used as they are; options without limits map to two frozen
// objects; only the rest (a handshake, once a connection) is copied.
const READ5: DeserializeOptions = Object.freeze({ dialect: PYRO5_VALUES });
const READ5_ZERO_COPY: DeserializeOptions = Object.freeze({ dialect: PYRO5_VALUES, zeroCopy: true });
function readPyro5(options: DeserializeOptions | undefined): DeserializeOptions {
  if (options === undefined) return READ5;
  if (options.dialect === PYRO5_VALUES) return options;
  if (options.limits === undefined) return options.zeroCopy ? READ5_ZERO_COPY : READ5;
  return { ...options, dialect: PYRO5_VALUES };
}

function asPyro5(base: Serializer): Serializer {
  const s: Serializer = {
    name: base.name,
    id: PYRO5_VALUES.ids[base.name]!,
    tuples: base.tuples,
    serializeData: (value, options) => base.serializeData(value, inPyro5(options)),
    deserializeData: (data, options) => base.deserializeData(data, readPyro5(options)),
    serializeCall: (object, method, vargs, kwargs, options) => base.serializeCall(object, method, vargs, kwargs, inPyro5(options)),
    deserializeCall: (data, options) => base.deserializeCall(data, readPyro5(options)),
  };
  if (base.serializeDataParts) {
    const parts = base.serializeDataParts.bind(base);
    s.serializeDataParts = (value, options) => parts(value, inPyro5(options));
  }
  if (base.serializeDataFramed) {
    const framed = base.serializeDataFramed.bind(base);
    s.serializeDataFramed = (value, options, scratch) => framed(value, inPyro5(options), scratch);
  }
  if (base.serializeDataText) {
    const text = base.serializeDataText.bind(base);
    s.serializeDataText = (value, options) => text(value, inPyro5(options));
  }
  if (base.serializeCallParts) {
    const parts = base.serializeCallParts.bind(base);
    s.serializeCallParts = (object, method, vargs, kwargs, options) => parts(object, method, vargs, kwargs, inPyro5(options));
  }
  return Object.freeze(s);
}

const NAMES: SerializerName[] = ["serpent", "marshal", "json", "msgpack"];
const byName = new Map<string, Serializer>();
const byId = new Map<number, Serializer>();
for (const n of NAMES) {
  const s = asPyro5(getSerializer(n));
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
