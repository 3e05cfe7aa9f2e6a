// The error tree users catch. It mirrors Pyro4.errors so Python users recognise it, and every class carries
// a stable `code` string so callers can branch without instanceof across package copies.

import { exceptionMessage } from "./python/repr.js";

export type PyroErrorCode =
  | "PYRO_ERROR"
  | "COMMUNICATION_ERROR"
  | "CONNECTION_CLOSED"
  | "TIMEOUT"
  | "PROTOCOL_ERROR"
  | "MESSAGE_TOO_LARGE"
  | "SERIALIZE_ERROR"
  | "NAMING_ERROR"
  | "DAEMON_ERROR"
  | "SECURITY_ERROR"
  | "REMOTE_ERROR";

/** Base of every error this library raises itself (Pyro4.errors.PyroError). */
export class PyroError extends Error {
  readonly code: PyroErrorCode = "PYRO_ERROR";
  /** The Python class name this error travels as on the wire. */
  static pythonName = "Pyro4.errors.PyroError";
  /** Traceback lines from the remote side, when this error was raised there and sent to us. */
  remoteTraceback?: string[];
  constructor(message = "", options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class CommunicationError extends PyroError {
  override readonly code: PyroErrorCode = "COMMUNICATION_ERROR";
  static override pythonName = "Pyro4.errors.CommunicationError";
}
export class ConnectionClosedError extends CommunicationError {
  override readonly code: PyroErrorCode = "CONNECTION_CLOSED";
  static override pythonName = "Pyro4.errors.ConnectionClosedError";
}
export class TimeoutError extends CommunicationError {
  override readonly code: PyroErrorCode = "TIMEOUT";
  static override pythonName = "Pyro4.errors.TimeoutError";
}
export class ProtocolError extends CommunicationError {
  override readonly code: PyroErrorCode = "PROTOCOL_ERROR";
  static override pythonName = "Pyro4.errors.ProtocolError";
}
export class MessageTooLargeError extends ProtocolError {
  override readonly code: PyroErrorCode = "MESSAGE_TOO_LARGE";
  static override pythonName = "Pyro4.errors.MessageTooLargeError";
}
export class SerializeError extends ProtocolError {
  override readonly code: PyroErrorCode = "SERIALIZE_ERROR";
  static override pythonName = "Pyro4.errors.SerializeError";
}
export class NamingError extends PyroError {
  override readonly code: PyroErrorCode = "NAMING_ERROR";
  static override pythonName = "Pyro4.errors.NamingError";
}
export class DaemonError extends PyroError {
  override readonly code: PyroErrorCode = "DAEMON_ERROR";
  static override pythonName = "Pyro4.errors.DaemonError";
}
export class SecurityError extends PyroError {
  override readonly code: PyroErrorCode = "SECURITY_ERROR";
  static override pythonName = "Pyro4.errors.SecurityError";
}

/** Pyro4 error classes by their short Python name, for decoding exception dicts. */
export const pyroErrorClasses: Record<string, typeof PyroError> = {
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
};

/**
 * A Python exception raised on the remote side that has no PyroError counterpart
 * (ValueError, KeyError, a user's own class...). `pythonType` is the qualified name as sent
 * (e.g. "builtins.ValueError"), `args` the exception args tuple, `attributes` its instance vars.
 */
export class RemoteError extends Error {
  readonly code = "REMOTE_ERROR" as const;
  readonly pythonType: string;
  readonly args: unknown[];
  readonly attributes: Record<string, unknown>;
  constructor(pythonType: string, args: unknown[] = [], attributes: Record<string, unknown> = {}) {
    super(pythonMessage(args));
    this.name = pythonType.replace(/^(builtins|exceptions|__builtin__)\./, "");
    this.pythonType = pythonType;
    this.args = args;
    this.attributes = attributes;
  }
  get remoteTraceback(): string[] | undefined {
    const tb = this.attributes._pyroTraceback;
    return Array.isArray(tb) ? (tb as string[]) : undefined;
  }
  /** Short Python class name, e.g. "ValueError". */
  get pythonName(): string {
    const dot = this.pythonType.lastIndexOf(".");
    return dot < 0 ? this.pythonType : this.pythonType.slice(dot + 1);
  }
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
 * Local stack plus the remote traceback, framed like Pyro4.util.getPyroTraceback so logs read the same
 * on both sides.
 */
export function formatRemoteTraceback(err: unknown): string[] {
  const lines: string[] = [];
  const local = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  lines.push(local + "\n");
  const remote = remoteTraceback(err);
  if (remote && remote.length) {
    lines.push(" +--- This exception occured remotely (Pyro) - Remote traceback:");
    for (const line of remote.join("").replace(/\n$/, "").split("\n")) lines.push("\n | " + line);
    lines.push("\n +--- End of remote traceback\n");
  }
  return lines;
}
