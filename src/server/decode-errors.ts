// What a daemon answers when a request's call data cannot be decoded. Python's daemon (Pyro4 and Pyro5 alike)
// answers with whatever its serializer raised (serpent's ValueError / SyntaxError, json's JSONDecodeError,
// marshal's ValueError / EOFError, msgpack's errors) and keeps the connection, since none of those is a Pyro
// CommunicationError; only a refused class (SerializeError "unsupported serialized class", SecurityError) drops it.
// We answer the same exception class, with our decoder's description of the problem as its message.

import { SecurityError } from "../errors.js";
import { PythonError } from "../python/exceptions.js";
import { isClassRefusal } from "../serializers/dialect.js";
import { pythonBuiltinSerializeError, tuple } from "../serializers/values.js";

/**
 * An INVOKE with no data at all: what Python's own serializer raises for empty input. Python's daemon answers it
 * and keeps the connection, so we do the same with the same exception.
 */
export function emptyCallError(serializer: string): PythonError {
  switch (serializer) {
    case "serpent":
      return new PythonError("SyntaxError", "invalid syntax", tuple("<unknown>", 0, 0, "", 0, 0));
    case "json":
      return new PythonError("json.decoder.JSONDecodeError", "Expecting value: line 1 column 1 (char 0)");
    case "marshal":
      return new PythonError("EOFError", "EOF read where object expected");
    default:
      return new PythonError("ValueError", "Unpack failed: incomplete input");
  }
}

/** The Python exception class each serializer raises for malformed data of the kind `message` describes. */
function pythonClass(serializer: string, message: string): string {
  if (/nested deeper than/.test(message)) {
    // our depth limit; Python's parsers hit their own limits at about the same place
    const deep: Record<string, string> = { serpent: "SyntaxError", json: "RecursionError", marshal: "ValueError", pickle: "_pickle.UnpicklingError" };
    return deep[serializer] ?? "msgpack.exceptions.StackError";
  }
  switch (serializer) {
    case "serpent":
      // ast.literal_eval: text that does not parse is a SyntaxError; a name, call or operator is a ValueError
      return /unexpected name|only set\(\)|only complex literals|expected an imaginary number/.test(message) ? "ValueError" : "SyntaxError";
    case "json":
      return "json.decoder.JSONDecodeError";
    case "marshal":
      return /truncated|too short/.test(message) ? "EOFError" : "ValueError";
    case "pickle":
      // a global our unpickler refuses is our policy (Python would have run it): Pyro's SerializeError, not a
      // malformed pickle; anything else is what Python's unpickler raises for bad data
      return /refusing global/.test(message) ? "Pyro4.errors.SerializeError" : "_pickle.UnpicklingError";
    default:
      return /unknown type byte/.test(message) ? "msgpack.exceptions.FormatError" : "ValueError";
  }
}

/**
 * The error to answer for call data that failed to decode with `serializer`: a refused class or a security
 * refusal as it is (the daemon answers, then closes the connection, as Python's does), anything else as the
 * Python exception the serializer would have raised (answered; the connection stays).
 */
export function callDecodeError(serializer: string, e: unknown): unknown {
  if (isClassRefusal(e) || e instanceof SecurityError || !(e instanceof Error)) return e;
  // already the builtin exception Python raises there (literal_eval's ValueError, a failed unpacking...)
  const builtin = pythonBuiltinSerializeError(e);
  if (builtin !== null) {
    const args = (e as { args?: unknown }).args;
    const err = Array.isArray(args) ? new PythonError(builtin, ...(args as unknown[])) : new PythonError(builtin, e.message);
    err.message = e.message; // str() of the exception, as Python's traceback shows it
    return err;
  }
  return new PythonError(pythonClass(serializer, e.message), e.message);
}
