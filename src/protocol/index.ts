// `pyro4/protocol`: the wire-level building blocks (message framing, the frame reader, the serializers and the
// exception-dict codec) for tools that speak Pyro's protocol themselves. They are kept out of the root export,
// which is the user API; this subpath is less stable than the root and may change between minor versions.

export * from "./message.js";
export { MessageReader, type ReaderOptions, type ErrorWithMessage } from "./reader.js";
export { getSerializer, hasSerializer, serializerIds } from "../serializers/index.js";
export { getPyro5Serializer } from "../serializers/pyro5.js";
export type { Serializer, SerializerName, Call, SerializeOptions, FrameScratch } from "../serializers/index.js";
export { errorToDict, dictToError } from "../serializers/values.js";
export { pyroErrorClasses, pythonMessage } from "../errors.js";
// Moved from the package root in 0.2 (plumbing an application does not write):
/** The pickle decoder's size limits (a mutable object: changes apply to every decoder in the process). */
/** The UDP responder a name server runs for broadcast lookups (startNameServer starts it). */
export { BroadcastServer, type BroadcastServerOptions } from "../naming/broadcast.js";
/** A name-server storage from pyro4-ns's `-s` syntax (startNameServer accepts the same strings). */
export { createStorage } from "../naming/server.js";
/** The hook resolve() uses to reach a name server (locateNS installs itself here). */
export { setNameServerLocator, type NameServerLocator, type LocateOptions } from "../client/resolve.js";
