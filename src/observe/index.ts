// The public face of the observability layer: channel objects and payload types for subscribers, the log
// configuration Pyro4 users know (PYRO_LOGLEVEL / PYRO_LOGFILE as a call), and the wire trace directory.

/**
 * Observability: the diagnostics_channel channels and their message types, logging configuration (Pyro4's
 * PYRO_LOGLEVEL / PYRO_LOGFILE as a call) and the wire trace directory.
 * @module
 */

export {
  clientConnect, clientDisconnect, clientCall, serverConnection, serverDisconnect, serverRequest, frameSend, frameReceive, log,
  type ClientConnectMessage, type ClientDisconnectMessage, type ClientCallMessage, type ServerConnectionMessage,
  type ServerRequestMessage, type FrameMessage, type LogMessage, type LogLevel, type Side,
} from "./channels.js";
export { getLogger, type Logger } from "./log.js";
export { configureLogging, stopLogging, type FileLogger } from "./sinks.js";
export { traceWire, wireTraceDirectory } from "./trace-dir.js";
export { messageTypeName, flagNames } from "./frames.js";
