// The package root's runtime exports, listed: a name added to or dropped from `pyro4`'s public API fails here, so the
// API changes only on purpose (update this list and CHANGELOG.md together). Internals (the autoproxy hook, the
// daemon's own object, the sqlite probe, the Pyro5 name-server class) are deliberately not exported.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../../src/index.js";

const ROOT = [
  "AsyncResult", "AttributeError", "BatchSkippedError", "BroadcastServer", "ByteArray", "CallPromise",
  "CancelledError", "CommunicationError", "Complex", "Config", "Config5", "ConfigValueError",
  "ConnectionClosedError", "DAEMON_NAME", "Daemon", "DaemonError", "Decimal", "ExceptionWrapper", "FLAME_NAME",
  "Flame", "FlameConsole", "Float", "FrozenSet", "Future", "HttpGateway", "InvalidArgumentError", "Kwargs", "MemoryStorage",
  "MessageTooLargeError", "NAMESERVER_NAME", "NameServer", "NameServerClient", "NamingError", "OrderedDict",
  "PgStorage", "ProtocolError", "Proxy", "PyDate", "PyDateTime", "PyTime", "PyroError", "PythonError", "Range",
  "RemoteError", "RemoteIterator", "SecurityError", "SerializeError", "SerializedBlob", "SqlStorage", "TimeDelta",
  "TimeoutError", "Tuple", "URI", "UUID", "UnicodeArray", "arrayTypecode", "asyncproxy", "batch", "behavior",
  "callback", "config", "config5", "config5Names", "configNames", "configureLogging", "connectFlame",
  "createStorage", "currentContext", "decimal", "diagnostics", "expose", "float", "formatRemoteTraceback",
  "frozenset", "isConfig5Name", "isConfigName", "isFrozenSet", "isProxy", "isTuple", "kwargs", "locateNS",
  "locateNSProxy", "oneway", "pyArray", "registerClassToDict", "registerDictToClass",
  "remoteTraceback", "resolve", "setNameServerAddresses", "setNameServerLocator", "startNameServer", "startPruner",
  "stopLogging", "toTuple", "traceWire", "tuple", "unregisterClassToDict", "unregisterDictToClass",
];

test("the root export list is the documented public API, nothing more", () => {
  assert.deepEqual(Object.keys(api).sort(), ROOT);
  for (const internal of ["addAutoproxyHook", "DaemonObject", "hasNodeSqlite", "Pyro5NameServer", "activeDialect", "pickleLimits"])
    assert.ok(!(internal in api), `${internal} is internal`);
});
