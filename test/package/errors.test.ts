// The error tree: every error class exported (root, `errors`, `pyro4/protocol`, `pyro4/http`) or met internally is
// listed here, is a PyroError, has a `name` equal to its class name (RemoteError, PythonError: the Python class)
// and a `code` of its own; the codes are exactly the PyroErrorCode union and the table in docs/errors.md. A scan
// of src proves nothing else is thrown: no native error constructed, no class outside the PyroError tree.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as api from "../../src/index.js";
import * as protocol from "../../src/protocol/index.js";
import * as http from "../../src/http/client.js";
import type { PyroErrorCode } from "../../src/index.js";
import { PythonRegexError } from "../../src/python/regex.js";
import { OptParseExit } from "../../src/python/optparse.js";
import { GatewayRequestError, PyException } from "../../src/gateway/errors.js";
import { PyroHttpError } from "../../src/http/client.js";
import { pythonNameOf } from "../../src/python/exceptions.js";

const E = api.errors;

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
  ERR_PYRO4_PYTHON: true,
  ERR_PYRO4_REGEX: true,
  ERR_PYRO4_USAGE: true,
  ERR_PYRO4_GATEWAY_REQUEST: true,
  ERR_PYRO4_GATEWAY_EXCEPTION: true,
  ERR_PYRO4_HTTP_REMOTE: true,
  ERR_PYRO4_HTTP: true,
  ERR_PYRO4_HTTP_TIMEOUT: true,
  ERR_PYRO4_HTTP_PROTOCOL: true,
  ERR_PYRO4_HTTP_INVALID_ARG: true,
};

/** One instance of every error class users can receive (one per code), with the name it must carry. */
const instances: [cls: Function, err: { code: string; name: string; stack?: string }, name: string][] = [
  [E.PyroError, new E.PyroError("x"), "PyroError"],
  [E.CommunicationError, new E.CommunicationError("x"), "CommunicationError"],
  [E.ConnectionClosedError, new E.ConnectionClosedError("x"), "ConnectionClosedError"],
  [E.TimeoutError, new E.TimeoutError("x"), "TimeoutError"],
  [E.ProtocolError, new E.ProtocolError("x"), "ProtocolError"],
  [E.MessageTooLargeError, new E.MessageTooLargeError("x"), "MessageTooLargeError"],
  [E.SerializeError, new E.SerializeError("x"), "SerializeError"],
  [E.NamingError, new E.NamingError("x"), "NamingError"],
  [E.DaemonError, new E.DaemonError("x"), "DaemonError"],
  [E.SecurityError, new E.SecurityError("x"), "SecurityError"],
  [E.AttributeError, new E.AttributeError("x"), "AttributeError"],
  [E.BatchSkippedError, new E.BatchSkippedError("m", new Error("first")), "BatchSkippedError"],
  [E.CancelledError, new E.CancelledError(), "CancelledError"],
  [E.RemoteError, new E.RemoteError("builtins.ValueError", ["bad"]), "ValueError"],
  [E.ConfigValueError, new E.ConfigValueError("x"), "ConfigValueError"],
  [E.InvalidArgumentError, new E.InvalidArgumentError("x"), "InvalidArgumentError"],
  [E.PythonError, new E.PythonError("KeyError", "k"), "KeyError"],
  [PythonRegexError, new PythonRegexError("missing )", "(", 0), "PythonRegexError"],
  [OptParseExit, new OptParseExit(2, "usage", true), "OptParseExit"],
  [GatewayRequestError, new GatewayRequestError(400, "x"), "GatewayRequestError"],
  [PyException, new PyException("builtins.ValueError", ["x"]), "PyException"],
  ...(["REMOTE", "HTTP", "TIMEOUT", "PROTOCOL", "ARGUMENT"] as const).map(
    (kind) => [PyroHttpError, new PyroHttpError({ kind, status: 0, message: "x" }), "PyroHttpError"] as [Function, PyroHttpError, string],
  ),
];

/** Internal error classes: never exported, but a user can meet them (a CLI's usage exit, a gateway answer). */
const INTERNAL = new Set<Function>([PythonRegexError, OptParseExit, GatewayRequestError, PyException]);

const errorClasses = (ns: object) =>
  (Object.values(ns) as unknown[]).filter((v): v is Function => typeof v === "function" && (v === Error || v.prototype instanceof Error));

test("every Error class exported (root, errors, pyro4/protocol, pyro4/http) is listed here (a new one must be added with a code)", () => {
  const exported = new Set([...errorClasses(api), ...errorClasses(api.errors), ...errorClasses(protocol), ...errorClasses(http)]);
  assert.deepEqual(exported, new Set(instances.map(([cls]) => cls).filter((c) => !INTERNAL.has(c))));
});

test("the errors namespace holds every public error class; the root keeps the ones applications catch daily (and PythonError, which daemons throw)", () => {
  const inNamespace = new Set(errorClasses(api.errors));
  for (const cls of errorClasses(api)) assert.ok(inNamespace.has(cls), `${cls.name} at the root is also in errors`);
  assert.deepEqual(errorClasses(api).map((c) => c.name).sort(), [
    "CommunicationError", "ConnectionClosedError", "NamingError", "PyroError", "PythonError", "RemoteError", "TimeoutError",
  ]);
});

test("PyroHttpError (import-free pyro4/http) is a PyroError through the brand, in this copy and across copies", () => {
  const e = new PyroHttpError({ kind: "TIMEOUT", status: 0, message: "slow" });
  assert.ok(e instanceof api.PyroError);
  assert.ok(!(e instanceof api.CommunicationError), "the brand makes it a PyroError, not every subclass");
  assert.equal(e.code, "ERR_PYRO4_HTTP_TIMEOUT");
  assert.equal(e.kind, "TIMEOUT");
  // an error of another copy of the package: a different class, the same Symbol.for brand
  class OtherCopyError extends Error {}
  Object.defineProperty(OtherCopyError.prototype, Symbol.for("pyro4.error"), { value: true });
  assert.ok(new OtherCopyError("x") instanceof api.PyroError);
  assert.ok(!(new Error("plain") instanceof api.PyroError));
  assert.ok(!(Object.create(null) instanceof api.PyroError));
});

test("InvalidArgumentError travels to a Python client as the builtin Python raises: TypeError, or ValueError for a bad value", () => {
  const typeErr = new E.InvalidArgumentError("bad type");
  const valueErr = new E.InvalidArgumentError("bad value", { python: "ValueError" });
  assert.equal(typeErr.code, "ERR_PYRO4_INVALID_ARG");
  assert.equal(pythonNameOf(typeErr), "builtins.TypeError");
  assert.equal(pythonNameOf(valueErr), "builtins.ValueError");
  assert.ok(!Object.keys(valueErr).includes("pythonType"), "pythonType is not an exception attribute");
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

test("codes are unique per class (per kind for PyroHttpError) and cover the PyroErrorCode union exactly", () => {
  const codes = instances.map(([, err]) => err.code);
  assert.equal(new Set(codes).size, codes.length, `duplicate codes: ${codes.join(" ")}`);
  assert.deepEqual([...codes].sort(), Object.keys(ALL_CODES).sort());
});

test("errors keep their code across subclassing: TimeoutError is a CommunicationError with its own code", () => {
  const t = new api.TimeoutError("slow");
  assert.ok(t instanceof api.CommunicationError);
  assert.equal(t.code, "ERR_PYRO4_TIMEOUT");
  const c = new E.CancelledError();
  assert.equal(c.message, "future has been cancelled");
  const b = new E.BatchSkippedError("ping", new api.TimeoutError("t"));
  assert.equal(b.method, "ping");
  assert.ok(b.cause instanceof api.TimeoutError);
});

// ---------------------------------------------------------------------------------------------------
// No native error from src: a scan of the sources. Every `new X(` / `X(` of a native error constructor, and every
// class whose extends-chain reaches a native error without passing through PyroError, is a finding; a finding
// passes only if it is on the allow-list below with its reason. Each allow-list entry must match exactly once, so
// a stale entry fails too.


const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const NATIVE = ["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError", "DOMException"];

/** Places where a native error is what Node or the wire needs, with the reason. `text` is a fragment of the line. */
const ALLOWED: { file: string; text: string; why: string }[] = [
  {
    file: "http/client.ts",
    text: "export class PyroHttpError extends Error {",
    why: "pyro4/http is one import-free file served to browsers, so it cannot import PyroError; it carries PyroError's brand instead (`instanceof PyroError` holds, tested above) and ERR_PYRO4_HTTP_* codes",
  },
  {
    file: "server/reply.ts",
    text: "return new Error(typeof e === \"string\" ? e : String(e));",
    why: "a non-Error value thrown by a daemon's method must reach a Python client as builtins.Exception(value), which is what errorToDict sends for a plain Error; a PyroError would travel as Pyro4.errors.PyroError",
  },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
  );
}

/** The code of a line without its `//` comment (a `//` inside a string literal is rare enough here) and doc lines. */
function codeOf(line: string): string {
  if (/^\s*(\*|\/\*|\/\/)/.test(line)) return "";
  return line.replace(/\s\/\/ .*$/, "");
}

interface Finding {
  file: string;
  line: number;
  text: string;
}

function scan(): Finding[] {
  const findings: Finding[] = [];
  const construct = new RegExp(`(?<![\\w$.])(?:new\\s+)?(?:${NATIVE.join("|")})\\s*\\(`);
  const classes = new Map<string, { base: string; at: Finding }>();
  for (const path of sourceFiles(SRC)) {
    const file = relative(SRC, path).split("\\").join("/");
    readFileSync(path, "utf8").split("\n").forEach((raw, i) => {
      const code = codeOf(raw);
      const at = { file, line: i + 1, text: raw.trim() };
      if (construct.test(code)) findings.push(at);
      for (const m of code.matchAll(/\bclass\s+(\w+)?\s*extends\s+([\w$.]+)/g)) classes.set(m[1] ?? `<anonymous ${file}:${i + 1}>`, { base: m[2]!, at });
    });
  }
  // A class is fine when its chain reaches PyroError; it is a finding when the chain reaches a native error first.
  const reachesNative = (name: string, seen = new Set<string>()): boolean => {
    if (name === "PyroError") return false;
    if (NATIVE.includes(name)) return true;
    const c = classes.get(name);
    if (!c || seen.has(name)) return false;
    seen.add(name);
    return reachesNative(c.base, seen);
  };
  // PyroError itself is the root of the tree and the one class that extends Error on purpose
  for (const [name, c] of classes) if (name !== "PyroError" && reachesNative(c.base)) findings.push(c.at);
  return findings;
}

test("src throws no native error: every error class descends from PyroError (allow-list: reasons given)", () => {
  const findings = scan();
  const entries = ALLOWED;
  const unexplained = findings.filter((f) => !entries.some((e) => e.file === f.file && f.text.includes(e.text)));
  assert.deepEqual(unexplained.map((f) => `${f.file}:${f.line}: ${f.text}`), [], "native errors in src (use a PyroError subclass, e.g. InvalidArgumentError)");
  for (const e of entries) {
    const hits = findings.filter((f) => f.file === e.file && f.text.includes(e.text));
    assert.equal(hits.length, 1, `allow-list entry ${e.file}: ${e.text} matches ${hits.length} findings (stale or ambiguous)`);
  }
});

test("the scan finds what it must: a native throw, an Error() call and a class extending Error", () => {
  const construct = new RegExp(`(?<![\\w$.])(?:new\\s+)?(?:${NATIVE.join("|")})\\s*\\(`);
  for (const line of ['throw new TypeError("x");', "return Error(msg);", "reject(new RangeError(`bad`))", "x = new DOMException(m)"])
    assert.ok(construct.test(codeOf(line)), line);
  for (const line of ["if (e instanceof TypeError) return;", "Error.captureStackTrace(o);", "throw new InvalidArgumentError(\"x\");", "// new Error(x)", " * throws new Error("])
    assert.ok(!construct.test(codeOf(line)), line);
  assert.ok(scan().some((f) => f.file === "server/reply.ts"), "the scan sees the allow-listed native Error");
});

test("docs/errors.md lists every code once, with the class that carries it", () => {
  const text = readFileSync(fileURLToPath(new URL("../../docs/errors.md", import.meta.url)), "utf8");
  const rows = [...text.matchAll(/^\| `(\w+)`[^|]*\| [^|]+ \| `(ERR_PYRO4\w*)` \|/gm)].map((m) => ({ cls: m[1]!, code: m[2]! }));
  const codes = rows.map((r) => r.code);
  assert.equal(new Set(codes).size, codes.length, `a code listed twice: ${codes.join(" ")}`);
  assert.deepEqual([...codes].sort(), Object.keys(ALL_CODES).sort(), "docs/errors.md codes = PyroErrorCode");
  for (const [cls, err] of instances) {
    const row = rows.find((r) => r.code === err.code);
    assert.equal(row?.cls, cls.name, `docs/errors.md: ${err.code} is carried by ${cls.name}`);
  }
});
