// Public entry point of the `pyro4` package: re-exports only; every implementation lives in its own module.

export * from "./errors.js";
export { URI, type UriProtocol } from "./uri.js";
export { config, Config, configNames, isConfigName, ValueError as ConfigValueError, type ConfigItems, type ConfigName } from "./config.js";
export {
  Tuple, tuple, toTuple, isTuple, FrozenSet, frozenset, isFrozenSet, Complex, Float, float,
  registerClassToDict, unregisterClassToDict, registerDictToClass, unregisterDictToClass,
  ExceptionWrapper, errorToDict, dictToError,
} from "./serializers/values.js";
export { getSerializer, hasSerializer, serializerIds } from "./serializers/index.js";
export { getPyro5Serializer } from "./serializers/pyro5.js";
export type { Serializer, SerializerName, Call, SerializeOptions } from "./serializers/index.js";
export * as protocol from "./protocol/message.js";
export { MessageReader, type ReaderOptions } from "./protocol/reader.js";
export {
  Proxy, isProxy, batch, asyncproxy,
  type Remote, type RemoteMethod, type OnewayView, type AsyncView, type Batch, type ProxyControls, type ProxyMetadata, type Streamed,
} from "./client/proxy.js";
export { type ProxyOptions, type CallOptions, addAutoproxyHook } from "./client/core.js";
export { kwargs, Kwargs, AttributeError, CallPromise } from "./client/support.js";
export { AsyncResult, Future, CancelledError } from "./client/async.js";
export { BatchSkippedError, type BatchSendOptions } from "./client/batch.js";
export { RemoteIterator } from "./client/stream.js";
export { resolve, setNameServerLocator, type NameServerLocator, type NameServerLike, type LocateOptions } from "./client/resolve.js";
export { NameServer, NAMESERVER_NAME, type ListResult } from "./naming/nameserver.js";
export { Pyro5NameServer } from "./naming/nameserver5.js";
export { MemoryStorage, type NameStorage, type Registration as NameRegistration, type Tag } from "./naming/storage.js";
export { SqlStorage } from "./naming/storage-sql.js";
export { type SqliteDriver, hasNodeSqlite } from "./naming/sqlite-adapter.js";
export { BroadcastServer, type BroadcastServerOptions } from "./naming/broadcast.js";
export { startNameServer, createStorage, type StartNameServerOptions, type RunningNameServer } from "./naming/server.js";
export {
  locateNS, locateNSProxy, NameServerClient, type LocateNSOptions, type ListOptions, type Metadata,
} from "./naming/locate.js";
export {
  Daemon, DAEMON_NAME, DaemonObject, expose, oneway, callback, behavior, currentContext, PythonError,
  type DaemonOptions, type RegisterOptions, type ProxyDict, type CallContext, type ClientConnection,
  type InstanceMode, type InstanceCreator, type ExposeOptions, type ExposureOptions,
} from "./server/index.js";
export { HttpGateway, type GatewayOptions } from "./gateway/server.js";
