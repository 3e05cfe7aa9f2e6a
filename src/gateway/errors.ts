// Errors of the gateway: GatewayRequestError for the HTTP layer (bad request shape, limits) answered with a plain
// text status; PyException for the Python exceptions Pyro4's gateway reports as a 500 with class_to_dict JSON.

import { PyroError, type PyroErrorCode } from "../errors.js";
import { dumpRaw, pyDumps, type RawJson } from "./pyjson.js";

/** A request the gateway refuses at the HTTP layer (`status` is the answer's HTTP status). */
export class GatewayRequestError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_GATEWAY_REQUEST";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A Python exception as the gateway reports it: {"__class__", "__exception__", "args", "attributes"}. */
export class PyException extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_GATEWAY_EXCEPTION";
  /** Args/attributes kept as wire text when the exception came from a backend (numbers keep their literal). */
  raw: { args: RawJson; attributes: RawJson } | null = null;

  constructor(
    readonly pythonClass: string,
    readonly args: unknown[],
    readonly attributes: Record<string, unknown> = {},
  ) {
    super(String(args[0] ?? ""));
  }

  /** From an exception dict received from a Pyro backend (Pyro4's json serializer form). */
  static fromWire(d: RawJson): PyException {
    const m = d instanceof Map ? d : new Map<string, RawJson>();
    const cls = m.get("__class__");
    const args = m.get("args") ?? [];
    const e = new PyException(typeof cls === "string" ? cls : "builtins.Exception", Array.isArray(args) ? args : [args]);
    e.raw = { args: Array.isArray(args) ? args : [args], attributes: m.get("attributes") ?? new Map() };
    return e;
  }

  toJson(): string {
    const args = this.raw ? dumpRaw(this.raw.args) : pyDumps(this.args);
    const attrs = this.raw ? dumpRaw(this.raw.attributes) : pyDumps(this.attributes);
    return `{"__class__": ${pyDumps(this.pythonClass)}, "__exception__": true, "args": ${args}, "attributes": ${attrs}}`;
  }
}
