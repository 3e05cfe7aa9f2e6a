// Log records of the library go to the `pyro4:log` channel instead of a console: a library does not print on
// its own. The built-in sinks (NODE_DEBUG=pyro4, PYRO_LOGLEVEL/PYRO_LOGFILE) subscribe to it; so may anyone.
// Formatting happens only when someone listens. Records carry their text only, like Pyro4's (which puts
// tracebacks into the message where it wants them).

import { format } from "node:util";
import { log, type LogLevel, type LogMessage } from "./channels.js";

function emit(level: LogLevel, logger: string, fmt: string, args: unknown[]): void {
  if (!log.hasSubscribers) return;
  const msg: LogMessage = { level, logger, message: args.length ? format(fmt, ...args) : fmt };
  log.publish(msg);
}

/** A logger named like Pyro4's (`Pyro4.core`, `Pyro4.naming`, ...), with printf-style methods. */
export interface Logger {
  debug(fmt: string, ...args: unknown[]): void;
  info(fmt: string, ...args: unknown[]): void;
  warning(fmt: string, ...args: unknown[]): void;
  error(fmt: string, ...args: unknown[]): void;
}

export function getLogger(name: string): Logger {
  return {
    debug: (fmt, ...args) => emit("DEBUG", name, fmt, args),
    info: (fmt, ...args) => emit("INFO", name, fmt, args),
    warning: (fmt, ...args) => emit("WARNING", name, fmt, args),
    error: (fmt, ...args) => emit("ERROR", name, fmt, args),
  };
}

/** The logger of the client and daemon core (Pyro4's `Pyro4.core`). */
export const coreLog = getLogger("Pyro4.core");

/** Drop-in for the `debuglog("pyro4")` calls the daemon used to make: now records on `pyro4:log`. */
export const debug = coreLog.debug;
