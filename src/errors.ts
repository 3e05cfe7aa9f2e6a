// The error tree users catch, in one module. It mirrors Pyro4.errors so Python users recognise it, and every
// class carries a stable, namespaced `code` (ERR_PYRO4_*, in the style of Node's ERR_* and undici's
// UND_ERR_*) so callers can branch on it without instanceof across package copies.

import { exceptionMessage } from "./python/repr.js";

export { PyroError, PYRO_ERROR_BRAND, InvalidArgumentError, invalidValue, type PyroErrorCode } from "./error-base.js";
import { PyroError, type PyroErrorCode } from "./error-base.js";

/** Cannot connect, the handshake was refused, a TLS failure: the network side of a call (code ERR_PYRO4_COMMUNICATION). */
export class CommunicationError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_COMMUNICATION";
  static override pythonName = "Pyro4.errors.CommunicationError";
}
/** The connection ended while a call was waiting for its answer (code ERR_PYRO4_CONNECTION_CLOSED). */
export class ConnectionClosedError extends CommunicationError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_CONNECTION_CLOSED";
  static override pythonName = "Pyro4.errors.ConnectionClosedError";
}
/** Connecting or the answer took longer than the proxy's `timeout`, or `AbortSignal.timeout()` fired (ERR_PYRO4_TIMEOUT). */
export class TimeoutError extends CommunicationError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_TIMEOUT";
  static override pythonName = "Pyro4.errors.TimeoutError";
}
/** A malformed or unexpected message from the peer (code ERR_PYRO4_PROTOCOL). */
export class ProtocolError extends CommunicationError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_PROTOCOL";
  static override pythonName = "Pyro4.errors.ProtocolError";
}
/** A message over MAX_MESSAGE_SIZE, refused before it is read (code ERR_PYRO4_MESSAGE_TOO_LARGE). */
export class MessageTooLargeError extends ProtocolError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_MESSAGE_TOO_LARGE";
  static override pythonName = "Pyro4.errors.MessageTooLargeError";
  /**
   * The refused message's size (annotations + payload, bytes) and the limit it exceeds, when the error is about one
   * message's size (not a decompressed payload over the cap): so a caller can word it as its peer would (the HTTP
   * gateway answers Pyro5's "message too large (size, max=max)"). Not enumerable: never an exception attribute.
   */
  declare readonly sizes?: { readonly size: number; readonly max: number };
  constructor(message = "", options?: { cause?: unknown; size?: number; max?: number }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    const { size, max } = options ?? {};
    if (size !== undefined && max !== undefined) Object.defineProperty(this, "sizes", { value: Object.freeze({ size, max }), enumerable: false });
  }
}
/** A value the serializer cannot write, or data it cannot read (code ERR_PYRO4_SERIALIZE). */
export class SerializeError extends ProtocolError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_SERIALIZE";
  static override pythonName = "Pyro4.errors.SerializeError";
}
/** The name server cannot be found, or does not know the name (code ERR_PYRO4_NAMING). */
export class NamingError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_NAMING";
  static override pythonName = "Pyro4.errors.NamingError";
}
/** A daemon-side refusal: unknown object id, an object that cannot be registered (code ERR_PYRO4_DAEMON). */
export class DaemonError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_DAEMON";
  static override pythonName = "Pyro4.errors.DaemonError";
}
/** HMAC key mismatch or missing on one side, or a refused class name (code ERR_PYRO4_SECURITY). */
export class SecurityError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_SECURITY";
  static override pythonName = "Pyro4.errors.SecurityError";
}

/** The remote object has no exposed member of that name (Python's AttributeError, raised client side). */
export class AttributeError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_ATTRIBUTE";
  static override pythonName = "builtins.AttributeError";
}

/** A call recorded in a batch that never ran because an earlier call in the batch failed (`cause`). */
export class BatchSkippedError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_BATCH_SKIPPED";
  constructor(readonly method: string, cause: unknown) {
    super(`batch call '${method}' was not executed: an earlier call in the batch failed`, { cause });
  }
}

/** A Future or AsyncResult was cancelled before it produced a value (Python's concurrent CancelledError). */
export class CancelledError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_CANCELLED";
  constructor(message = "future has been cancelled") {
    super(message);
  }
}

/** Pyro4 error classes by their short Python name, for decoding exception dicts. */
export const pyroErrorClasses: Readonly<Record<string, typeof PyroError>> = Object.freeze({
  PyroError,
  CommunicationError,
  ConnectionClosedError,
  TimeoutError,
  ProtocolError,
  MessageTooLargeError,
  SerializeError,
  NamingError,
  DaemonError,
  SecurityError,
});

/**
 * A Python exception raised on the remote side that has no PyroError counterpart
 * (ValueError, KeyError, a user's own class...). `pythonType` is the qualified name as sent
 * (e.g. "builtins.ValueError"), `args` the exception args tuple, `attributes` its instance vars
 * (without `_pyroTraceback`, which is `remoteTraceback`).
 */
export class RemoteError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_REMOTE";
  readonly pythonType: string;
  readonly args: unknown[];
  readonly attributes: Record<string, unknown>;
  constructor(pythonType: string, args: unknown[] = [], attributes: Record<string, unknown> = {}) {
    super(pythonMessage(args));
    this.name = pythonType.replace(/^(builtins|exceptions|__builtin__)\./, "");
    this.pythonType = pythonType;
    this.args = args;
    const { _pyroTraceback: tb, ...rest } = attributes;
    this.attributes = rest;
    if (Array.isArray(tb)) setRemoteTraceback(this, tb as string[]);
  }
  /** Short Python class name, e.g. "ValueError". */
  get pythonName(): string {
    const dot = this.pythonType.lastIndexOf(".");
    return dot < 0 ? this.pythonType : this.pythonType.slice(dot + 1);
  }
}

/** Attach the remote traceback lines to an error without making them enumerable (util.inspect stays readable). */
export function setRemoteTraceback(err: Error, lines: string[]): void {
  Object.defineProperty(err, "remoteTraceback", { value: lines, enumerable: false, writable: true, configurable: true });
}

/** str(exception) the way Python computes it from args. */
export function pythonMessage(args: readonly unknown[]): string {
  return exceptionMessage(args);
}

/** The remote traceback lines carried by an error received from a Pyro peer, if any. */
export function remoteTraceback(err: unknown): string[] | undefined {
  const tb = (err as { remoteTraceback?: unknown } | null)?.remoteTraceback;
  return Array.isArray(tb) ? (tb as string[]) : undefined;
}

/**
 * A call site captured when a remote call is made. Error.captureStackTrace on a plain object records the frames
 * only; V8 formats them into `stack` text when (and only when) it is read, that is when the call fails.
 */
export interface CallSite {
  stack?: string;
}

const REMOTE_HEADER = "    Remote traceback (Pyro):";

/**
 * Rewrite a received remote error's `stack` so it shows the caller's own frames (from `site`, captured when the
 * call was made, instead of the socket handler that decoded the reply) followed by the remote traceback as
 * one block: console.error(err) and util.inspect(err) then print both.
 */
export function attachCallSite(err: Error, site: CallSite | null): Error {
  const head = err.message ? `${err.name}: ${err.message}` : err.name;
  let frames: string;
  if (site) {
    const s = site.stack ?? "";
    const nl = s.indexOf("\n");
    frames = nl < 0 ? "" : s.slice(nl);
  } else {
    const s = err.stack ?? "";
    const nl = s.indexOf("\n    at ");
    frames = nl < 0 ? "" : s.slice(nl);
  }
  let text = head + frames;
  const remote = remoteTraceback(err);
  if (remote && remote.length) {
    text += "\n" + REMOTE_HEADER;
    for (const line of remote.join("").replace(/\n$/, "").split("\n")) text += "\n    | " + line;
  }
  Object.defineProperty(err, "stack", { value: text, enumerable: false, writable: true, configurable: true });
  return err;
}

/**
 * Local stack plus the remote traceback, framed like Pyro4.util.getPyroTraceback so logs read the same
 * on both sides.
 */
export function formatRemoteTraceback(err: unknown): string[] {
  const lines: string[] = [];
  let local = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  const cut = local.indexOf("\n" + REMOTE_HEADER);
  if (cut >= 0) local = local.slice(0, cut);
  lines.push(local + "\n");
  const remote = remoteTraceback(err);
  if (remote && remote.length) {
    lines.push(" +--- This exception occured remotely (Pyro) - Remote traceback:");
    for (const line of remote.join("").replace(/\n$/, "").split("\n")) lines.push("\n | " + line);
    lines.push("\n +--- End of remote traceback\n");
  }
  return lines;
}

/**
 * A PYRO_* environment value (or a config assignment) that Python would refuse with ValueError. Importing the
 * package never throws it: reading the refused setting does, and `config.problems()` lists them.
 */
export class ConfigValueError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_CONFIG_VALUE";
  static override pythonName = "builtins.ValueError";
}
