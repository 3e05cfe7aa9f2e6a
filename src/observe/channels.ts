// The diagnostics_channel names this library publishes on (undici's model), and the payload types. Every
// publisher checks `hasSubscribers` before it builds a payload, so a process that subscribes to nothing pays a
// property read per call and per frame. docs/observability.md documents each channel; keep the two in step.

import dc from "node:diagnostics_channel";
import type { Annotations } from "../protocol/message.js";

/** A client connection is ready (handshake done) or failed to open: ClientConnectMessage. */
export const clientConnect = dc.channel("pyro4:client:connect");
/** A client connection went away: ClientDisconnectMessage. */
export const clientDisconnect = dc.channel("pyro4:client:disconnect");
/** A remote call made through a proxy: start / end / asyncStart / asyncEnd / error with a ClientCallMessage. */
export const clientCall = dc.tracingChannel<unknown, ClientCallMessage>("pyro4:client:call");
/** A daemon accepted a client socket: ServerConnectionMessage. */
export const serverConnection = dc.channel("pyro4:server:connection");
/** A daemon's client connection ended: ServerConnectionMessage. */
export const serverDisconnect = dc.channel("pyro4:server:disconnect");
/** One request a daemon served: start / end / asyncStart / asyncEnd / error with a ServerRequestMessage. */
export const serverRequest = dc.tracingChannel<unknown, ServerRequestMessage>("pyro4:server:request");
/** A frame handed to the socket: FrameMessage. */
export const frameSend = dc.channel("pyro4:frame:send");
/** A complete frame read from the socket: FrameMessage. */
export const frameReceive = dc.channel("pyro4:frame:receive");
/** Log records of the library (what Pyro4 sends to its `logging` loggers): LogMessage. */
export const log = dc.channel("pyro4:log");

/** Published on `pyro4:client:connect` when a client connection is ready (handshake done) or failed to open. */
export interface ClientConnectMessage {
  /** The proxy's URI as given (may be PYRONAME:...). */
  uri: string;
  /** The resolved PYRO: URI, when resolution got that far. */
  connectedUri: string | null;
  /** Where the socket went, as Pyro4 prints it. */
  location: string;
  serializer: string;
  tls: boolean;
  /** Client connection number in this process (frames carry it too); 0 when the socket never opened. */
  connectionId: number;
  /** The daemon's handshake response on success. */
  handshakeResponse?: unknown;
  error: Error | null;
  durationMs: number;
}

/** Published on `pyro4:client:disconnect` when a proxy's connection closed. */
export interface ClientDisconnectMessage {
  connectionId: number;
  location: string;
  reason: Error | null;
}

/** The context of the `pyro4:client:call` tracing channel's events, for every remote call made through a proxy. */
export interface ClientCallMessage {
  uri: string;
  /** Object id the call goes to (known once connected; the URI's object before). */
  objectId: string | null;
  method: string;
  args: readonly unknown[];
  kwargs: Record<string, unknown> | null;
  oneway: boolean;
  serializer: string;
  /**
   * The CORR id: set it in a `start` subscriber to send this call with that id; after the reply it is the id the
   * daemon answered with (Pyro4 daemons make one up when the request had none).
   */
  correlationId: string | null;
  /** Sequence number of the request frame (0 until sent). */
  seq: number;
  /** Client connection number the request went out on (0 until sent). */
  connectionId: number;
  /** Response annotations (asyncStart/asyncEnd). */
  responseAnnotations: Annotations | null;
  result?: unknown;
  error?: unknown;
  /** Add an annotation (4-character ASCII key) to this call's request frame; call it in a `start` subscriber. */
  addAnnotation(key: string, value: Uint8Array | string): void;
}

/**
 * Published on `pyro4:server:connection` and `pyro4:server:disconnect` when a daemon accepted or closed a
 * connection.
 */
export interface ServerConnectionMessage {
  connectionId: number;
  peer: { address?: string; port?: number; family?: string; path?: string };
  /** The daemon's location string (host:port or ./u:path). */
  daemon: string;
  /** Why the connection will be refused (maxConnections), else null. */
  denied: string | null;
}

/** The context of the `pyro4:server:request` tracing channel's events, for every request a daemon serves. */
export interface ServerRequestMessage {
  connectionId: number;
  peer: ServerConnectionMessage["peer"];
  daemon: string;
  objectId: string;
  method: string;
  args: readonly unknown[];
  kwargs: Record<string, unknown> | null;
  seq: number;
  flags: number;
  oneway: boolean;
  serializerId: number;
  /** The call's correlation id: the request's CORR, or the one the daemon made up (it is sent back). */
  correlationId: string | null;
  /** Annotations of the request frame (null when it had none). */
  annotations: Annotations | null;
  result?: unknown;
  error?: unknown;
}

/** Which end of a connection a frame was seen on. */
export type Side = "client" | "server";

/** Published on `pyro4:frame:send` and `pyro4:frame:receive` for every wire frame. */
export interface FrameMessage {
  side: Side;
  /** Client connection number (client side) or the daemon's connection number (server side). */
  connectionId: number;
  type: number;
  /** Message type name: CONNECT, CONNECTOK, CONNECTFAIL, INVOKE, RESULT, PING. */
  typeName: string;
  flags: number;
  seq: number;
  serializerId: number;
  /** Annotation keys in frame order, and the size in bytes of each value. */
  annotationKeys: string[];
  annotationSizes: number[];
  annotations: Annotations | null;
  /** Payload bytes as on the wire (compressed when flags has FLAGS_COMPRESSED). */
  dataSize: number;
  /** Header + annotations + payload. */
  size: number;
  /**
   * The payload. Sent frames: as written (still compressed if it was). Received frames: already decompressed
   * (flags then still show FLAGS_COMPRESSED). Do not keep or modify it: it may be reused.
   */
  data: Buffer;
  /** The complete frame as bytes (sent frames: exactly as written; received: rebuilt, payload uncompressed). */
  bytes(): Buffer;
}

/** A log record's level, with Python logging's names. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** Published on `pyro4:log` for every log record the library writes. */
export interface LogMessage {
  level: LogLevel;
  /** Python logger name it corresponds to (Pyro4.core, Pyro4.naming, ...). */
  logger: string;
  message: string;
}

/** True when any of the five channels of a TracingChannel has a subscriber. */
export function tracingActive(tc: dc.TracingChannel<unknown, object>): boolean {
  return tc.start.hasSubscribers || tc.end.hasSubscribers || tc.asyncStart.hasSubscribers || tc.asyncEnd.hasSubscribers || tc.error.hasSubscribers;
}
