// Public entry point of the `pyro4` package: what an application writes (proxies, daemons, the name server client
// and server, configuration, Python values), re-exports only. Every error class is in the `errors` namespace; the
// ones applications catch every day are also at the root. Wire-level and plumbing pieces (the broadcast responder,
// the storage factory, the pickle limits, the locator hook) are in `pyro4/protocol` (src/protocol/index.ts);
// logging and wire tracing in `diagnostics`. Nothing mutable is exported except the `config` and `config5` objects.

/**
 * Every error class of the package, each with a stable `code` (ERR_PYRO4_*, listed in docs/errors.md), and the
 * remote-traceback helpers: `catch (e) { if (e instanceof errors.SerializeError) ... }`.
 */
export * as errors from "./errors-public.js";
export { PyroError, CommunicationError, ConnectionClosedError, TimeoutError, NamingError, RemoteError, type PyroErrorCode } from "./errors.js";
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
export { resolve, setNameServerAddresses, type NameServerLike } from "./client/resolve.js";
export { NameServer, NAMESERVER_NAME, type ListResult } from "./naming/nameserver.js";
export { MemoryStorage, type NameStorage, type AsyncNameStorage, type Registration as NameRegistration, type Tag } from "./naming/storage.js";
export { SqlStorage } from "./naming/storage-sql.js";
export { PgStorage, type PgStorageOptions } from "./naming/storage-pg.js";
export { startPruner, type PruneOptions, type PruneReport } from "./naming/prune.js";
export { type SqliteDriver } from "./naming/sqlite-adapter.js";
export { startNameServer, type StartNameServerOptions, type RunningNameServer } from "./naming/server.js";
export {
  locateNS, locateNSProxy, NameServerClient, type LocateNSOptions, type ListOptions, type Metadata,
} from "./naming/locate.js";
export {
  Daemon, DAEMON_NAME, expose, oneway, callback, behavior, currentContext, PythonError,
  type DaemonOptions, type RegisterOptions, type ProxyDict, type CallContext, type ClientConnection,
  type InstanceMode, type InstanceCreator, type ExposeOptions, type ExposureOptions,
} from "./server/index.js";
export { HttpGateway, type GatewayOptions } from "./gateway/server.js";
/** Logging (configureLogging, stopLogging), the wire trace (traceWire) and the diagnostics_channel channels. */
export * as diagnostics from "./observe/index.js";
export type {
  ClientConnectMessage, ClientDisconnectMessage, ClientCallMessage, ServerConnectionMessage, ServerRequestMessage,
  FrameMessage, LogMessage,
} from "./observe/index.js";
