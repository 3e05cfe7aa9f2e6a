// The interfaces between a Daemon and the connections it serves: what a connection needs from its daemon
// (DaemonCore, used by connection.ts, handshake.ts and requests.ts) and what a registered object looks like
// (Registration). They live apart from daemon.ts so that none of those imports daemon.ts, which imports
// connection.ts (no import cycle).

import type { Annotations } from "../protocol/message.js";
import type { ClientConnection } from "./context.js";
import type { Exposure, InstanceCreator, InstanceMode } from "./expose.js";
import type { StreamRegistry } from "./streams.js";
import type { WireFormat } from "../protocol/wire.js";
import type { PyroProfile } from "../profiles/index.js";
import type { DeserializeOptions, SerializeOptions } from "../serializers/types.js";
import type { Limits } from "../limits.js";

export interface Registration {
  id: string;
  target: object;
  isClass: boolean;
  exposure: Exposure;
  instanceMode: InstanceMode;
  instanceCreator: InstanceCreator | null;
}

/**
 * The plain settings a daemon fixes at creation (from its DaemonOptions and the config) and its connections read.
 * Declared once here: the Daemon class takes these members from this interface (see daemon.ts).
 */
export interface DaemonSettings {
  /** Every limit this daemon enforces (src/limits.ts); the max* members and writeHighWaterMark repeat its values. */
  readonly limits: Limits;
  /** Bytes; 0 = unlimited. */
  readonly maxMessageSize: number;
  /** Milliseconds; 0 = none. */
  readonly commTimeout: number;
  readonly compression: boolean;
  readonly onewayThreaded: boolean;
  readonly detailedTraceback: boolean;
  readonly iterStreaming: boolean;
  readonly streamFallback: "list" | "error";
  readonly autoproxy: boolean;
  readonly requireExpose: boolean;
  /** 0 = unlimited. */
  readonly maxConnections: number;
  /** Milliseconds; 0 = none. */
  readonly messageTimeout: number;
  readonly maxStreamsPerConnection: number;
  readonly maxBatchSize: number;
  /** Bytes of unsent replies above which a connection stops reading requests until the socket drains; 0 = off. */
  readonly writeHighWaterMark: number;
}

/** What Connection needs from its daemon; `C` is the connection class (kept generic so this module imports no Connection). */
export interface DaemonCore<C extends ClientConnection = ClientConnection> extends DaemonSettings {
  readonly locationStr: string;
  readonly hmacKey: Uint8Array | null;
  readonly acceptedSerializers: Set<number>;
  /** The one protocol this daemon speaks (chosen at creation): its rules, and its framing (`wire`). */
  readonly profile: PyroProfile;
  readonly wire: WireFormat;
  readonly streams: StreamRegistry;
  readonly replacer: ((value: object) => unknown) | undefined;
  /** How replies are serialized: the autoproxy replacer and the protocol's value dialect. */
  readonly serializeOptions: SerializeOptions;
  /** How requests are deserialized: in this daemon's protocol dialect, with its limits, as views into the message (zeroCopy). */
  readonly deserializeOptions: DeserializeOptions;
  lookup(objectId: string): Registration | undefined;
  instanceFor(reg: Registration, conn: ClientConnection): Promise<object> | object;
  validateHandshake(conn: ClientConnection, data: unknown): unknown;
  metadataFor(objectId: string, asLists: boolean): ReturnType<Exposure["metadata"]> | null;
  userAnnotations(): Annotations | null;
  connectionClosed(conn: C): void;
  requestDone(): void;
  callbackError(err: Error): void;
}
