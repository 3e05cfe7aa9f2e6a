// The contract every serializer implements, so framing, client and daemon never care which one is in use.

import type { Limits } from "../limits.js";

/** A serializer Pyro can use on the wire. */
export type SerializerName = "serpent" | "json" | "marshal" | "msgpack" | "pickle";

/**
 * Where a protocol's values differ (dialect.ts has Pyro4's and Pyro5's): serializer ids and the class names Pyro
 * objects travel under. Declared here, with the serializer contract that carries it in SerializeOptions.
 */
export interface ValueDialect {
  readonly name: "Pyro4" | "Pyro5";
  /** Wire id of each serializer the protocol has. */
  readonly ids: Readonly<Partial<Record<SerializerName, number>>>;
  readonly uriClass: string;
  readonly proxyClass: string;
  readonly exceptionWrapperClass: string;
  /** Prefix of the Pyro error classes ("Pyro4.errors." / "Pyro5.errors."). */
  readonly errorsPrefix: string;
}


/** A decoded INVOKE payload: Pyro4's (objectId, method, vargs, kwargs) 4-tuple. */
export interface Call {
  object: string;
  method: string;
  /**
   * The positional arguments. A plain array: the wire's vargs container (a tuple in Python) is not a value a method
   * sees (the daemon spreads it), so the decoders need not give it Tuple's prototype; the arguments keep their types.
   */
  vargs: unknown[];
  /** null for `__getattr__`, `__setattr__` and `<batch>` (as Pyro4 sends them). */
  kwargs: Record<string, unknown> | null;
}

/** Options of Serializer.serializeData and serializeCall. */
export interface SerializeOptions {
  /**
   * Called for every object that is not a plain dict/list/primitive before the class hooks run (the daemon's
   * autoproxy uses it to replace registered objects by proxies). Return undefined to leave the value alone.
   */
  replace?: (value: object) => unknown;
  /**
   * The protocol the value is serialized for: the class names URIs, proxies, errors and batch exception wrappers
   * travel under (serializers/dialect.ts). Default: Pyro4's.
   */
  dialect?: ValueDialect;
  /** The limits to enforce (the encoders use maxDepth). Default: DEFAULT_LIMITS. */
  limits?: Limits;
}

export interface DeserializeOptions {
  /**
   * The caller never reuses or modifies `data` (a message buffer the transport made for this message):
   * large decoded bytes may then be views into it instead of copies.
   */
  zeroCopy?: boolean;
  /** The protocol the data was written for (msgpack reads a Pyro4 call as Python Pyro4's daemon does). Default: Pyro4's. */
  dialect?: ValueDialect;
  /** The limits a peer's data is checked against (depth, pickle memo/stack/ints, size). Default: DEFAULT_LIMITS. */
  limits?: Limits;
  /**
   * deserializeCall of a batch (FLAGS_BATCH) whose caller only reads each call's (name, args, kwargs) items and
   * spreads the args: a decoder may leave those call and args tuples plain arrays (pickle does, unless one of them
   * also appears anywhere else in the data). Default: false.
   */
  batch?: boolean;
}

/** Bytes values at least this large (or most of the message) are decoded as views when `zeroCopy` is set. */
export const ZERO_COPY_MIN = 32 * 1024;

/**
 * A serialized message as parts to send one after the other: big bytes values are handed over by reference
 * rather than copied into one buffer (see Serializer.serializeDataParts). A plain Buffer when nothing was big.
 */
export type SerializedParts = Buffer | readonly Buffer[];

/** Bytes values at least this large go out by reference from the *Parts methods. */
export const BY_REFERENCE_MIN = 64 * 1024;

/** The result of a *Parts method: the parts collected so far plus the writer's last buffer (a Buffer if none). */
export function finishParts(parts: Buffer[] | null, last: Buffer): SerializedParts {
  if (parts === null || parts.length === 0) return last;
  if (last.length) parts.push(last);
  return parts;
}

/**
 * Where Serializer.serializeDataFramed writes: a buffer its caller reuses from message to message, whose first
 * `room` bytes are left free for the message header, so that header and payload end up in one buffer without a
 * copy (the daemon's replies, src/server/frame-scratch.ts).
 */
export interface FrameScratch {
  /** The buffer to write into; an encoder that outgrows it puts the bigger buffer here (its first `room` bytes free too). */
  buf: Buffer;
  /** Bytes at the front of `buf` that the encoder leaves alone. */
  readonly room: number;
  /** Set by the encoder: where the payload, written from `room` on, ends. */
  end: number;
}

/** One wire serializer: encodes and decodes call arguments, results and plain data as Python's does. */
export interface Serializer {
  readonly name: SerializerName;
  /** Wire id: serpent 1, json 2, marshal 3, pickle 4, msgpack 6. */
  readonly id: number;
  /** Whether the format has a tuple type (serpent, marshal); json and msgpack send tuples as arrays. */
  readonly tuples: boolean;
  serializeData(value: unknown, options?: SerializeOptions): Buffer;
  deserializeData(data: Uint8Array, options?: DeserializeOptions): unknown;
  serializeCall(
    object: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
    options?: SerializeOptions,
  ): Buffer;
  deserializeCall(data: Uint8Array, options?: DeserializeOptions): Call;
  /**
   * serializeData / serializeCall, except that bytes values of BY_REFERENCE_MIN or more are not copied: they are
   * parts of the result. The caller must send the parts before anyone can modify those values (the transport
   * writes them at once, as net.Socket.write does with any buffer). Serializers that encode bytes as text
   * (serpent, json) do not have these.
   */
  serializeDataParts?(value: unknown, options?: SerializeOptions): SerializedParts;
  /**
   * serializeData for a text format (serpent, json): the serialized text itself, which the daemon's framing writes
   * straight into the message buffer as UTF-8 (no payload buffer of its own, no copy of it into the frame); the
   * bytes on the wire are serializeData's. A Buffer when the value is better not made one string (big bytes).
   */
  serializeDataText?(value: unknown, options?: SerializeOptions): string | Buffer;
  /**
   * serializeDataParts written into `scratch.buf` from offset `scratch.room` on (binary formats: marshal, msgpack,
   * pickle): returns null when the payload is `scratch.buf` from `room` to `scratch.end` (with `scratch.buf` the
   * buffer it ended up in), so the caller can put the message header into the room in front of it; else the parts
   * (big bytes by reference), which may lie in `scratch.buf` too. The bytes are serializeData's.
   */
  serializeDataFramed?(value: unknown, options: SerializeOptions | undefined, scratch: FrameScratch): readonly Buffer[] | null;
  serializeCallParts?(
    object: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
    options?: SerializeOptions,
  ): SerializedParts;
}
