// The error tree of the public API: every error class exported from the root is listed here, is a PyroError,
// has a `name` equal to its class name (RemoteError: the Python class) and a `code` of its own, and the codes
// are exactly the PyroErrorCode union. A new error class fails this test until it is added with a code.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../../src/index.js";
import type { PyroErrorCode } from "../../src/index.js";

// A Record over the union: the compiler rejects this object if a code is missing from it or not in the union.
const ALL_CODES: Record<PyroErrorCode, true> = {
  ERR_PYRO4: true,
  ERR_PYRO4_COMMUNICATION: true,
  ERR_PYRO4_CONNECTION_CLOSED: true,
  ERR_PYRO4_TIMEOUT: true,
  ERR_PYRO4_PROTOCOL: true,
  ERR_PYRO4_MESSAGE_TOO_LARGE: true,
  ERR_PYRO4_SERIALIZE: true,
  ERR_PYRO4_NAMING: true,
  ERR_PYRO4_DAEMON: true,
  ERR_PYRO4_SECURITY: true,
  ERR_PYRO4_REMOTE: true,
  ERR_PYRO4_ATTRIBUTE: true,
  ERR_PYRO4_BATCH_SKIPPED: true,
  ERR_PYRO4_CANCELLED: true,
  ERR_PYRO4_CONFIG_VALUE: true,
  ERR_PYRO4_INVALID_ARG: true,
};

/** One instance of every error class users can receive, with the name it must carry. */
const instances: [cls: Function, err: api.PyroError, name: string][] = [
  [api.PyroError, new api.PyroError("x"), "PyroError"],
  [api.CommunicationError, new api.CommunicationError("x"), "CommunicationError"],
  [api.ConnectionClosedError, new api.ConnectionClosedError("x"), "ConnectionClosedError"],
  [api.TimeoutError, new api.TimeoutError("x"), "TimeoutError"],
  [api.ProtocolError, new api.ProtocolError("x"), "ProtocolError"],
  [api.MessageTooLargeError, new api.MessageTooLargeError("x"), "MessageTooLargeError"],
  [api.SerializeError, new api.SerializeError("x"), "SerializeError"],
  [api.NamingError, new api.NamingError("x"), "NamingError"],
  [api.DaemonError, new api.DaemonError("x"), "DaemonError"],
  [api.SecurityError, new api.SecurityError("x"), "SecurityError"],
  [api.AttributeError, new api.AttributeError("x"), "AttributeError"],
  [api.BatchSkippedError, new api.BatchSkippedError("m", new Error("first")), "BatchSkippedError"],
  [api.CancelledError, new api.CancelledError(), "CancelledError"],
  [api.RemoteError, new api.RemoteError("builtins.ValueError", ["bad"]), "ValueError"],
  [api.ConfigValueError, new api.ConfigValueError("x"), "ConfigValueError"],
  [api.InvalidArgumentError, new api.InvalidArgumentError("x"), "InvalidArgumentError"],
];

/** Exported values that are Error classes but not errors users receive: PythonError is what a daemon's method throws. */
const THROWN_BY_USERS = new Set<Function>([api.PythonError]);

test("every Error class exported from the root is listed here (a new one must be added with a code)", () => {
  const exported = (Object.values(api) as unknown[]).filter(
    (v): v is Function => typeof v === "function" && (v === Error || v.prototype instanceof Error) && !THROWN_BY_USERS.has(v),
  );
  assert.deepEqual(new Set(exported), new Set(instances.map(([cls]) => cls)));
});

test("each error is a PyroError and an Error, with its class name and a namespaced code", () => {
  for (const [cls, err, name] of instances) {
    assert.ok(err instanceof cls, name);
    assert.ok(err instanceof api.PyroError, `${name} instanceof PyroError`);
    assert.ok(err instanceof Error, `${name} instanceof Error`);
    assert.equal(err.name, name);
    assert.match(err.code, /^ERR_PYRO4(_[A-Z]+)*$/, `${name}.code`);
    assert.ok(err.code in ALL_CODES, `${name}.code ${err.code} is in PyroErrorCode`);
    assert.match(String(err.stack), new RegExp(`^${name}: `), `${name}: stack starts with name and message`);
  }
});

test("codes are unique per class and cover the PyroErrorCode union exactly", () => {
  const codes = instances.map(([, err]) => err.code);
  assert.equal(new Set(codes).size, codes.length, `duplicate codes: ${codes.join(" ")}`);
  assert.deepEqual([...codes].sort(), Object.keys(ALL_CODES).sort());
});

test("errors keep their code across subclassing: TimeoutError is a CommunicationError with its own code", () => {
  const t = new api.TimeoutError("slow");
  assert.ok(t instanceof api.CommunicationError);
  assert.equal(t.code, "ERR_PYRO4_TIMEOUT");
  const c = new api.CancelledError();
  assert.equal(c.message, "future has been cancelled");
  const b = new api.BatchSkippedError("ping", new api.TimeoutError("t"));
  assert.equal(b.method, "ping");
  assert.ok(b.cause instanceof api.TimeoutError);
});
