// Pyro4's pickle serializer (wire id 4), opt-in: never the default, and a daemon accepts it only when its
// serializers-accepted setting names it (as in Pyro4). Decoding never runs code (see pickle-decode.ts and
// docs/pickle.md); encoding writes protocol 4 pickles that Python's plain pickle.loads reads as the same types.

import { SerializeError } from "../errors.js";
import { pickleCall, pickleCallParts, pickleValue, pickleValueFramed, pickleValueParts } from "./pickle-encode.js";
import { unpickle } from "./pickle-decode.js";
import { limitsOf } from "../limits.js";
import type { Call, Serializer } from "./types.js";
import { Tuple, isPlainObject } from "./values.js";

export { Decimal, decimal } from "./pickle-values.js";
export { UnicodeArray, pyArray, arrayTypecode, type ArrayTypecode, type NumericArray } from "./pickle-arrays.js";

export const pickle: Serializer = {
  name: "pickle",
  id: 4,
  tuples: true,

  serializeData(value, options) {
    return pickleValue(value, options);
  },

  deserializeData(data, options) {
    return unpickle(data, options?.zeroCopy === true, false, limitsOf(options));
  },

  serializeDataParts(value, options) {
    return pickleValueParts(value, options);
  },

  serializeDataFramed(value, options, scratch) {
    return pickleValueFramed(value, options, scratch);
  },

  serializeCallParts(object, method, vargs, kwargs, options) {
    return pickleCallParts(object, method, vargs, kwargs, options);
  },

  serializeCall(object, method, vargs, kwargs, options) {
    return pickleCall(object, method, vargs, kwargs, options);
  },

  deserializeCall(data, options): Call {
    const v = unpickle(data, options?.zeroCopy === true, true, limitsOf(options), options?.batch === true);
    if (!Array.isArray(v) || v.length !== 4) throw new SerializeError("pickle call data is not a 4-tuple (object, method, vargs, kwargs)");
    const a = v as unknown[];
    const object = a[0], method = a[1], vargs = a[2], kwargs = a[3];
    if (typeof object !== "string" || typeof method !== "string") throw new SerializeError("pickle call data: object id and method name must be strings");
    if (!Array.isArray(vargs)) throw new SerializeError("pickle call data: vargs must be a tuple or list");
    if (kwargs !== null && (typeof kwargs !== "object" || !isPlainObject(kwargs))) throw new SerializeError("pickle call data: kwargs must be a dict with string keys or None");
    return { object, method, vargs: vargs instanceof Tuple ? plainArray(vargs) : vargs, kwargs: kwargs as Record<string, unknown> | null };
  },
};

/** A Tuple's items as a plain array (a loop: Array.from on the Tuple subclass takes V8's slow iterator path). */
function plainArray(t: unknown[]): unknown[] {
  const n = t.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = t[i];
  return out;
}
