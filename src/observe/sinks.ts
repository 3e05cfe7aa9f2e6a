// The built-in subscribers: log sinks (NODE_DEBUG=pyro4 through util.debuglog; PYRO_LOGLEVEL/PYRO_LOGFILE as
// Pyro4's _configLogging sets up Python logging), narrators that turn call/connection events into debug
// records, and PYRO_LOGWIRE's frame dumps (while a sink is on). Each is subscribed only when asked for, so by default nothing listens.

import { closeSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { Channel } from "node:diagnostics_channel";
import { debuglog, format } from "node:util";
import { bytesToUuid, type Annotations } from "../protocol/message.js";
import {
  clientCall,
  clientConnect,
  clientDisconnect,
  frameReceive,
  frameSend,
  log,
  serverRequest,
  type ClientCallMessage,
  type ClientConnectMessage,
  type ClientDisconnectMessage,
  type FrameMessage,
  type LogLevel,
  type LogMessage,
  type ServerRequestMessage,
} from "./channels.js";
import { coreLog } from "./log.js";
import { bytesRepr } from "../python/repr.js";
import { strRepr } from "../python/str.js";
import { config } from "../config.js";

const LEVELS: Record<string, number> = { NOTSET: 0, DEBUG: 10, INFO: 20, WARN: 30, WARNING: 30, ERROR: 40, CRITICAL: 50, FATAL: 50 };
const levelValue = (l: LogLevel) => LEVELS[l]!;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** Python logging's "%Y-%m-%d %H:%M:%S" + ".%03d" msecs, local time. */
function asctime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** One record in Pyro4's log file format: "[asctime.msecs,name,LEVEL] message". */
export function formatRecord(m: LogMessage, when = new Date()): string {
  return `[${asctime(when)},${m.logger},${m.level}] ${m.message}`;
}

/** The logging sink configureLogging() started: where it writes and at which level. */
export interface FileLogger {
  /** The file written to, or null for standard error. */
  file: string | null;
  level: number;
  close(): void;
}

let fileLogger: (FileLogger & { listener: (m: unknown) => void }) | null = null;

/**
 * Pyro4's _configLogging for this process: records at `level` and above go to `file` ("pyro.log" by default,
 * "{stderr}" for standard error) in Pyro4's format. Returns null (and changes nothing) for an unknown level.
 * A file that cannot be opened falls back to standard error with a warning, as Pyro4 does.
 */
export function configureLogging(levelName: string, file: string | null = "pyro.log"): FileLogger | null {
  const level = /^\d+$/.test(levelName) ? Number(levelName) : LEVELS[levelName.toUpperCase()];
  if (level === undefined) return null;
  stopLogging();
  let fd = 2;
  let path: string | null = null;
  let fellBack = false;
  if (file && file !== "{stderr}") {
    try {
      path = resolve(file);
      fd = openSync(path, "a");
    } catch {
      path = null;
      fd = 2;
      fellBack = true;
    }
  }
  const listener = (m: unknown) => {
    const rec = m as LogMessage;
    if (levelValue(rec.level) < level) return;
    try {
      writeSync(fd, formatRecord(rec) + "\n");
    } catch {
      // a log sink that cannot write must not break the call that logged
    }
  };
  log.subscribe(listener);
  fileLogger = {
    file: path,
    level,
    listener,
    close: () => {
      log.unsubscribe(listener);
      if (fd !== 2) closeSync(fd);
      if (fileLogger?.listener === listener) fileLogger = null;
      narrators.release();
    },
  };
  narrators.retain();
  if (fellBack) coreLog.warning("unable to write to the desired logfile (access rights?), falling back to console logger");
  coreLog.info("Pyro log configured using built-in defaults, level=%s", levelName);
  return fileLogger;
}

/** Undo configureLogging. */
export function stopLogging(): void {
  fileLogger?.close();
}

let debugListener: ((m: unknown) => void) | null = null;

/** NODE_DEBUG=pyro4: every record (all levels) through util.debuglog("pyro4"). True when it is on. */
export function enableNodeDebug(): boolean {
  const d = debuglog("pyro4");
  if (!d.enabled || debugListener) return !!debugListener;
  debugListener = (m: unknown) => {
    const rec = m as LogMessage;
    d("%s %s: %s", rec.level, rec.logger, rec.message);
  };
  log.subscribe(debugListener);
  narrators.retain();
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Narrators: call and connection events as log records (only while a sink listens)

function fmtError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

const onConnect = (m: unknown) => {
  const c = m as ClientConnectMessage;
  if (c.error) coreLog.error("%s", c.error.message);
  else coreLog.debug("connected to %s - %s - %s (connection %d, %s ms)", c.connectedUri ?? c.uri, c.location, c.tls ? "SSL" : "unencrypted", c.connectionId, c.durationMs.toFixed(1));
};
const onDisconnect = (m: unknown) => {
  const c = m as ClientDisconnectMessage;
  coreLog.debug("connection %d to %s released%s", c.connectionId, c.location, c.reason ? `: ${c.reason.message}` : "");
};
const onCallEnd = (m: unknown) => {
  const c = m as ClientCallMessage;
  const outcome = c.error !== undefined ? `error ${fmtError(c.error)}` : "ok";
  coreLog.debug("call %s.%s seq=%d corr=%s on connection %d: %s", c.objectId ?? c.uri, c.method, c.seq, c.correlationId ?? "?", c.connectionId, outcome);
};
const onRequestEnd = (m: unknown) => {
  const r = m as ServerRequestMessage;
  const outcome = r.error !== undefined ? `error ${fmtError(r.error)}` : "ok";
  coreLog.debug("request %s.%s seq=%d corr=%s from connection %d: %s", r.objectId, r.method, r.seq, r.correlationId ?? "?", r.connectionId, outcome);
};

/** Each channel the narrators listen on, with its handler: one list, so retain and release stay symmetric. */
function narrated(): [Channel, (m: unknown) => void][] {
  return [
    [clientConnect, onConnect],
    [clientDisconnect, onDisconnect],
    [clientCall.asyncEnd, onCallEnd],
    [serverRequest.asyncEnd, onRequestEnd],
    [frameSend, onWireSend],
    [frameReceive, onWireReceive],
  ];
}

const narrators = {
  users: 0,
  retain(): void {
    if (this.users++ > 0) return;
    for (const [channel, handler] of narrated()) channel.subscribe(handler);
  },
  release(): void {
    if (--this.users > 0) return;
    this.users = 0;
    for (const [channel, handler] of narrated()) channel.unsubscribe(handler);
  },
};

// ---------------------------------------------------------------------------------------------------------
// PYRO_LOGWIRE

/** Bytes of a payload shown in a wire log record; the rest is summarized. */
export const WIRE_LOG_MAX = 1024;

/** Python's repr() of a bytes value (b'...'), from src/python (re-exported here for the trace command). */
export { bytesRepr };

function annotationsRepr(a: Annotations | null): string {
  if (!a || a.size === 0) return "{}";
  return "{" + [...a].map(([k, v]) => `${strRepr(k)}: ${bytesRepr(v, 64)}`).join(", ") + "}";
}

/** One PYRO_LOGWIRE record, in Pyro4's _log_wiredata wording. */
export function wireRecord(text: string, f: FrameMessage): string {
  const corrBytes = f.annotations?.get("CORR");
  const corr = corrBytes && corrBytes.length === 16 ? bytesToUuid(corrBytes) : "?";
  return format(
    "%s: msgtype=%d flags=0x%s ser=%d seq=%d corr=%s\nannotations=%s\ndata=%s",
    text, f.type, f.flags.toString(16), f.serializerId, f.seq, corr, annotationsRepr(f.annotations), bytesRepr(f.data, WIRE_LOG_MAX),
  );
}

// Pyro4 reads config.LOGWIRE at every message, and its records go wherever logging goes: same here (the
// frame listeners are subscribed while a log sink is).
const onWireSend = (m: unknown) => {
  const f = m as FrameMessage;
  if (!config.LOGWIRE) return;
  coreLog.debug("%s", wireRecord(f.side === "client" ? (f.type === 1 ? "proxy connect sending" : "proxy wiredata sending") : "daemon wiredata sending", f));
};
const onWireReceive = (m: unknown) => {
  const f = m as FrameMessage;
  if (!config.LOGWIRE) return;
  coreLog.debug("%s", wireRecord(f.side === "client" ? (f.type === 2 || f.type === 3 ? "proxy connect response received" : "proxy wiredata received") : "daemon wiredata received", f));
};
