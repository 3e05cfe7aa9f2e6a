// Pyro's SerializedBlob (Pyro4.core.SerializedBlob, Pyro5.client.SerializedBlob): a call argument that stays
// serialized, so a dispatcher can pass a call on without decoding its payload (or knowing its classes). A proxy
// sends a blob as the whole call with FLAGS_KEEPSERIALIZED and the blob's info, object id and method name in the
// BLBI annotation (Python's marshal of a 3-tuple); a daemon hands such a call's method one SerializedBlob, whose
// deserialized() decodes the payload only when asked. Both protocols have the same rule, so nothing here is
// profile-specific. A received blob keeps the limits of the daemon that received it: its payload is peer input
// decoded late, so it is checked against the same maxDepth / pickle / int limits the daemon's own decoding uses.

import { PythonError } from "../python/exceptions.js";
import { ProtocolError, SerializeError } from "../errors.js";
import { getSerializer } from "../serializers/index.js";
import type { DeserializeOptions, Serializer } from "../serializers/types.js";
import type { Limits } from "../limits.js";
import { toTuple, unpackError } from "../serializers/values.js";

/**
 * The data of a blob that came in a KEEPSERIALIZED call: the call's serialized bytes, their serializer, and how
 * they decode (with the receiving daemon's limits; no zeroCopy, since each deserialized() gives fresh values).
 */
interface Received {
  payload: Uint8Array;
  serializer: Serializer;
  options: DeserializeOptions;
}

const received = new WeakMap<SerializedBlob, Received>();

/**
 * Pyro's SerializedBlob: data passed on through a daemon without being deserialized there (a KEEPSERIALIZED call);
 * `info` travels as a normal value.
 */
export class SerializedBlob {
  /** Small descriptive data about the blob (an id, a name): it travels marshalled, so keep it to plain values. */
  readonly info: unknown;
  #data: unknown;

  /** `data` becomes the remote call's positional arguments (Python: `dumpsCall(obj, method, blob._data, {})`). */
  constructor(info: unknown, data: unknown) {
    this.info = info;
    this.#data = data;
  }

  /**
   * The blob's data: decoded from the call it came in (only now, checked against the limits of the daemon that
   * received it: data beyond them is a SerializeError), or as given to the constructor.
   */
  deserialized(): unknown {
    const r = received.get(this);
    return r ? r.serializer.deserializeCall(r.payload, r.options).vargs : this.#data;
  }

  /** True when the blob holds a received call's serialized bytes (passed on unchanged), not data of ours. */
  get containsBlob(): boolean {
    return received.has(this);
  }
}

/** The blob a daemon hands to the method of a KEEPSERIALIZED call; `limits`: the daemon's, applied by deserialized(). */
export function receivedBlob(info: unknown, payload: Uint8Array, serializer: Serializer, limits: Limits): SerializedBlob {
  const b = new SerializedBlob(info, null);
  received.set(b, { payload, serializer, options: { limits } });
  return b;
}

/** The BLBI annotation: marshal.dumps((info, objectId, method)). */
export function encodeBlobInfo(info: unknown, objectId: string, method: string): Buffer {
  return getSerializer("marshal").serializeData(toTuple([info, objectId, method]));
}

/** Read a KEEPSERIALIZED call's BLBI annotation: [info, object id, method], within the receiving daemon's `limits`. */
export function decodeBlobInfo(annotation: Uint8Array | undefined, limits: Limits): [unknown, string, string] {
  // Python's daemon looks the annotation up (KeyError 'BLBI'), answers, and keeps the connection: so do we
  if (!annotation) throw new PythonError("KeyError", "BLBI");
  const v = getSerializer("marshal").deserializeData(annotation, { limits });
  // Python unpacks it (`blobinfo, objId, method = marshal.loads(...)`): its errors are answered, the connection stays
  const unpacked = unpackError(v, 3);
  if (unpacked) throw unpacked;
  if (!Array.isArray(v) || typeof v[1] !== "string" || typeof v[2] !== "string")
    throw new ProtocolError("invalid BLBI annotation: not (info, object id, method)");
  return [v[0], v[1], v[2]];
}

/**
 * The serialized call data for a call whose only argument is `blob`: a received blob's bytes unchanged, else
 * the blob's data serialized as the call's positional arguments (Python's rule, so `data` is usually a list).
 */
export function blobCallData(blob: SerializedBlob, ser: Serializer, objectId: string, method: string, opts: object): Uint8Array {
  const r = received.get(blob);
  if (r) {
    // passed on unchanged, so the message must name the serializer that made the bytes (Python would send them
    // under the proxy's serializer id regardless, and the receiver would misread them)
    if (r.serializer.name !== ser.name)
      throw new SerializeError(`this SerializedBlob was serialized with ${r.serializer.name}; pass it on with a ${r.serializer.name} proxy, not ${ser.name}`);
    return r.payload;
  }
  return ser.serializeCall(objectId, method, blob.deserialized() as unknown[], null, opts);
}

/** Python's check: a SerializedBlob must be a call's only argument. */
export function checkBlobCall(vargs: readonly unknown[], kwargs: Record<string, unknown> | null): void {
  if (vargs.length > 1 || (kwargs && Object.keys(kwargs).length))
    throw new SerializeError("if SerializedBlob is used, it must be the only argument");
}
