// The package root's runtime exports, listed: a name added to or dropped from `pyro4`'s public API fails here, so the
// API changes only on purpose (update this list and CHANGELOG.md together). The root holds what an application
// writes; every error class is in the `errors` namespace (the daily ones also at the root); plumbing lives in
// `pyro4/protocol`; logging and tracing only in `diagnostics`. Internals (the autoproxy hook, the daemon's own
// object, the sqlite probe, the Pyro5 name-server class) are not exported at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../../src/index.js";
import * as protocol from "../../src/protocol/index.js";

const ROOT = [
  "AsyncResult", "ByteArray", "CallPromise", "CommunicationError", "Complex", "Config", "Config5",
  "ConnectionClosedError", "DAEMON_NAME", "Daemon", "Decimal", "ExceptionWrapper", "FLAME_NAME", "Flame",
  "FlameConsole", "Float", "FrozenSet", "Future", "HttpGateway", "Kwargs", "MemoryStorage", "NAMESERVER_NAME",
  "NameServer", "NameServerClient", "NamingError", "OrderedDict", "PgStorage", "Proxy", "PyDate", "PyDateTime",
  "PyTime", "PyroError", "PythonError", "Range", "RemoteError", "RemoteIterator", "SerializedBlob", "SqlStorage",
  "TimeDelta", "TimeoutError", "Tuple", "URI", "UUID", "UnicodeArray", "arrayTypecode", "asyncproxy", "batch",
  "behavior", "callback", "config", "config5", "config5Names", "configNames", "connectFlame", "currentContext",
  "decimal", "diagnostics", "errors", "expose", "float", "frozenset", "isConfig5Name", "isConfigName", "isFrozenSet",
  "isProxy", "isTuple", "kwargs", "locateNS", "locateNSProxy", "oneway", "pyArray", "registerClassToDict",
  "registerDictToClass", "resolve", "setNameServerAddresses", "startNameServer", "startPruner", "toTuple", "tuple",
  "unregisterClassToDict", "unregisterDictToClass",
];

const ERRORS = [
  "AttributeError", "BatchSkippedError", "CancelledError", "CommunicationError", "ConfigValueError",
  "ConnectionClosedError", "DaemonError", "InvalidArgumentError", "MessageTooLargeError", "NamingError",
  "ProtocolError", "PyroError", "PythonError", "RemoteError", "SecurityError", "SerializeError", "TimeoutError",
  "formatRemoteTraceback", "remoteTraceback",
];

/** Names that left the root in 0.2 and where they went (CHANGELOG.md says the same). */
const MOVED_TO_PROTOCOL = ["BroadcastServer", "createStorage", "setNameServerLocator"];
const ONLY_IN_DIAGNOSTICS = ["configureLogging", "stopLogging", "traceWire"];

test("the root export list is the documented public API, nothing more", () => {
  assert.deepEqual(Object.keys(api).sort(), ROOT);
  for (const internal of ["addAutoproxyHook", "DaemonObject", "hasNodeSqlite", "Pyro5NameServer", "activeDialect", "pickleLimits"])
    assert.ok(!(internal in api), `${internal} is internal`);
});

test("the errors namespace lists every error class; the root's error classes are the same objects", () => {
  assert.deepEqual(Object.keys(api.errors).sort(), ERRORS);
  for (const name of ROOT) {
    if (name in api.errors) assert.equal((api as Record<string, unknown>)[name], (api.errors as Record<string, unknown>)[name], name);
  }
});

test("plumbing moved to pyro4/protocol; logging and wire tracing are exported once, in diagnostics", () => {
  for (const name of MOVED_TO_PROTOCOL) {
    assert.ok(!(name in api), `${name} is not at the root`);
    assert.ok(name in protocol, `${name} is in pyro4/protocol`);
  }
  for (const name of ONLY_IN_DIAGNOSTICS) {
    assert.ok(!(name in api), `${name} is not at the root`);
    assert.equal(typeof (api.diagnostics as Record<string, unknown>)[name], "function", `diagnostics.${name}`);
  }
});

test("nothing mutable at the root except config and config5: no plain object or array export", () => {
  const mutable = Object.entries(api).filter(
    ([name, v]) => v !== null && typeof v === "object" && !Object.isFrozen(v) && !["config", "config5", "errors", "diagnostics"].includes(name),
  );
  assert.deepEqual(mutable.map(([n]) => n), []);
});
