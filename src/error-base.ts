// The root of the error tree (PyroError, its code union) and InvalidArgumentError, in a module that imports
// nothing: src/python's value types throw InvalidArgumentError, and src/errors.ts (which re-exports all of this)
// imports src/python/repr.ts, so they could not import src/errors.ts without an import cycle.

import type { PyroHttpErrorCode } from "./http/client.js";

/** Every `code` an error from this package can carry. */
export type PyroErrorCode =
  | "ERR_PYRO4"
  | "ERR_PYRO4_COMMUNICATION"
  | "ERR_PYRO4_CONNECTION_CLOSED"
  | "ERR_PYRO4_TIMEOUT"
  | "ERR_PYRO4_PROTOCOL"
  | "ERR_PYRO4_MESSAGE_TOO_LARGE"
  | "ERR_PYRO4_SERIALIZE"
  | "ERR_PYRO4_NAMING"
  | "ERR_PYRO4_DAEMON"
  | "ERR_PYRO4_SECURITY"
  | "ERR_PYRO4_REMOTE"
  | "ERR_PYRO4_ATTRIBUTE"
  | "ERR_PYRO4_BATCH_SKIPPED"
  | "ERR_PYRO4_CANCELLED"
  | "ERR_PYRO4_CONFIG_VALUE"
  | "ERR_PYRO4_INVALID_ARG"
  | "ERR_PYRO4_PYTHON"
  | "ERR_PYRO4_REGEX"
  | "ERR_PYRO4_USAGE"
  | "ERR_PYRO4_GATEWAY_REQUEST"
  | "ERR_PYRO4_GATEWAY_EXCEPTION"
  | PyroHttpErrorCode;

/**
 * The brand an error carries when it belongs to this package's error tree but cannot extend PyroError: the
 * browser client (`pyro4/http`) is one import-free file, so its PyroHttpError sets this on its prototype and
 * `instanceof PyroError` recognises it. Symbol.for, so it also holds across two copies of the package.
 */
export const PYRO_ERROR_BRAND: unique symbol = Symbol.for("pyro4.error") as never;

/** Base of every error this library raises or rebuilds from a peer (Pyro4.errors.PyroError). */
export class PyroError extends Error {
  readonly code: PyroErrorCode = "ERR_PYRO4";
  /** The Python class name this error travels as on the wire. */
  static pythonName = "Pyro4.errors.PyroError";
  /**
   * Traceback lines from the remote side (Pyro4's `_pyroTraceback`), when this error was raised there and sent
   * to us. Not enumerable, so util.inspect shows the stack (which includes it, see formatRemoteTraceback) once.
   */
  declare remoteTraceback?: string[];
  constructor(message = "", options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
  /**
   * `err instanceof PyroError` also holds for a branded error (PYRO_ERROR_BRAND: PyroHttpError, or a PyroError of
   * another copy of this package); subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === PyroError && typeof value === "object" && value !== null && (value as { [PYRO_ERROR_BRAND]?: unknown })[PYRO_ERROR_BRAND] === true;
  }
}
Object.defineProperty(PyroError.prototype, PYRO_ERROR_BRAND, { value: true });

/**
 * A bad argument to a function or constructor of this package (undici's InvalidArgumentError): a wrong type, an
 * out-of-range number, a misused decorator. It replaces the TypeError/RangeError these places threw before
 * (it is not `instanceof TypeError`: branch on `code`). Thrown inside a daemon's method, a Python client
 * receives it as the builtin Python raises in the same place: TypeError, or ValueError for a bad value.
 */
export class InvalidArgumentError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_INVALID_ARG";
  static override pythonName = "builtins.TypeError";
  /** The Python builtin this error travels as ("builtins.TypeError" or "builtins.ValueError"). */
  declare readonly pythonType: string;
  constructor(message: string, options?: { cause?: unknown; python?: "TypeError" | "ValueError" }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    // Not enumerable, so errorToDict does not copy it into the exception's attributes.
    Object.defineProperty(this, "pythonType", { value: "builtins." + (options?.python ?? "TypeError"), enumerable: false });
  }
}

/** A bad value (Python's ValueError; what RangeError meant here before). */
export const invalidValue = (message: string): InvalidArgumentError => new InvalidArgumentError(message, { python: "ValueError" });
