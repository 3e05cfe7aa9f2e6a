// Public entry point of the `pyro4` package: the user API (proxies, daemons, the name server client and server,
// configuration, Python values and the errors), re-exports only. Wire-level internals are in `pyro4/protocol`
// (src/protocol/index.ts). Nothing mutable is exported except the documented `config` and `config5` objects.

export {
  PyroError, CommunicationError, ConnectionClosedError, TimeoutError, ProtocolError, MessageTooLargeError,
  SerializeError, NamingError, DaemonError, SecurityError, AttributeError, BatchSkippedError, CancelledError,
  RemoteError, ConfigValueError, InvalidArgumentError, remoteTraceback, formatRemoteTraceback, type PyroErrorCode,
} from "./errors.js";
export { URI, type UriProtocol } from "./uri.js";
export { config, Config, configNames, isConfigName, type ConfigItems, type ConfigName } from "./config.js";
export { config5, Config5, config5Names, isConfig5Name, type Config5Items, type Config5Name } from "./config5.js";
export {
  Tuple, tuple, toTuple, isTuple, FrozenSet, frozenset, isFrozenSet, Complex, Float, float,
  UUID, ByteArray, Range, OrderedDict, PyDateTime, PyDate, PyTime, TimeDelta, type ZoneOptions,
  registerClassToDict, unregisterClassToDict, registerDictToClass, unregisterDictToClass,
  ExceptionWrapper,
} from "./serializers/values.js";
export type { SerializerName } from "./serializers/index.js";
export type { Limits } from "./limits.js";
export { Decimal, decimal, UnicodeArray, pyArray, arrayTypecode, type ArrayTypecode, type NumericArray } from "./serializers/pickle.js";
export {
  Proxy, isProxy, batch, asyncproxy,
  type Remote, type RemoteMethod, type OnewayView, type AsyncView, type Batch, type ProxyControls, type ProxyMetadata, type Streamed,
} from "./client/proxy.js";
export { type ProxyOptions, type CallOptions } from "./client/core.js";
export { kwargs, Kwargs, CallPromise } from "./client/support.js";
export { AsyncResult, Future } from "./client/async.js";
export { type BatchSendOptions } from "./client/batch.js";
export { RemoteIterator } from "./client/stream.js";
export { SerializedBlob } from "./client/blob.js";
export {
  Flame, FlameConsole, connectFlame, FLAME_NAME, type FlameModule, type FlameMethod, type FlameOptions, type ConsoleOutput,
} from "./client/flame.js";
export { resolve, setNameServerLocator, setNameServerAddresses, type NameServerLocator, type NameServerLike, type LocateOptions } from "./client/resolve.js";
export { NameServer, NAMESERVER_NAME, type ListResult } from "./naming/nameserver.js";
export { MemoryStorage, type NameStorage, type AsyncNameStorage, type Registration as NameRegistration, type Tag } from "./naming/storage.js";
export { SqlStorage } from "./naming/storage-sql.js";
export { PgStorage, type PgStorageOptions } from "./naming/storage-pg.js";
export { startPruner, type PruneOptions, type PruneReport } from "./naming/prune.js";
export { type SqliteDriver } from "./naming/sqlite-adapter.js";
export { BroadcastServer, type BroadcastServerOptions } from "./naming/broadcast.js";
export { startNameServer, createStorage, type StartNameServerOptions, type RunningNameServer } from "./naming/server.js";
export {
  locateNS, locateNSProxy, NameServerClient, type LocateNSOptions, type ListOptions, type Metadata,
} from "./naming/locate.js";
export {
  Daemon, DAEMON_NAME, expose, oneway, callback, behavior, currentContext, PythonError,
  type DaemonOptions, type RegisterOptions, type ProxyDict, type CallContext, type ClientConnection,
  type InstanceMode, type InstanceCreator, type ExposeOptions, type ExposureOptions,
} from "./server/index.js";
export { HttpGateway, type GatewayOptions } from "./gateway/server.js";
export * as diagnostics from "./observe/index.js";
export { configureLogging, stopLogging, traceWire } from "./observe/index.js";
export type {
  ClientConnectMessage, ClientDisconnectMessage, ClientCallMessage, ServerConnectionMessage, ServerRequestMessage,
  FrameMessage, LogMessage,
} from "./observe/index.js";
