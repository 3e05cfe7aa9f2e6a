// `pyro4/protocol`: the wire-level building blocks (message framing, the frame reader, the serializers and the
// exception-dict codec) for tools that speak Pyro's protocol themselves. They are kept out of the root export,
// which is the user API; this subpath is less stable than the root and may change between minor versions.

export * from "./message.js";
export { MessageReader, type ReaderOptions, type ErrorWithMessage } from "./reader.js";
export { getSerializer, hasSerializer, serializerIds } from "../serializers/index.js";
export { getPyro5Serializer } from "../serializers/pyro5.js";
export type { Serializer, SerializerName, Call, SerializeOptions } from "../serializers/index.js";
export { errorToDict, dictToError } from "../serializers/values.js";
export { pyroErrorClasses, pythonMessage } from "../errors.js";
