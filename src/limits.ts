// One immutable object with every limit a peer's input is checked against (message size, decompressed size,
// nesting depth, pickle memo/stack/int sizes) and every per-daemon resource cap (connections, streams per
// connection, batch size, unsent reply bytes). A Daemon and a Proxy each hold one, made by `resolveLimits` from
// the frozen DEFAULT_LIMITS and the caller's overrides, and pass it explicitly to the reader and the codecs (as
// the value dialect is passed): no module-global, mutable limit exists. docs/security.md has the table and the
// reasoning behind each default (none refuses what a Python program sends in practice).

import { InvalidArgumentError } from "./errors.js";

/**
 * Every size and count limit of a daemon or proxy, in one object (docs/security.md#limits): set per daemon and per
 * proxy with the `limits` option, merged over the frozen defaults; 0 means unlimited where the field says so.
 */
export interface Limits {
  /**
   * Largest message (annotations + payload, as announced in its header), in bytes; a larger one is refused on its
   * header alone and the connection is dropped (as Python Pyro4 and Pyro5 do). 0 = unlimited. Default 1 GiB
   * (Python Pyro5's MAX_MESSAGE_SIZE; Pyro4's is unlimited, but its own recv() cannot handle more in practice).
   * A config MAX_MESSAGE_SIZE other than 0 is used when this is not given.
   */
  readonly maxMessageSize: number;
  /**
   * Largest payload after decompression (a compressed message), in bytes: the zip-bomb cap. Never unlimited.
   * The smaller of this and maxMessageSize applies. Default 1 GiB.
   */
  readonly maxInflatedSize: number;
  /**
   * Deepest nesting of containers a decoder accepts (and an encoder writes); deeper input is a SerializeError,
   * never a stack overflow. Default 1000 (Python's recursion limit: its own encoders cannot go deeper).
   */
  readonly maxDepth: number;
  /** Most pickle memo entries (Python's pickler memoizes every container and string). Default 2^24. */
  readonly maxPickleMemo: number;
  /** Most values on the pickle decoder's stack at once (a tuple's items are all there before TUPLE). Default 2^24. */
  readonly maxPickleStack: number;
  /**
   * Largest int a decoder builds, in bytes of two's complement (pickle LONG1/LONG4) or decimal digits (text ints).
   * Default 4096 (Python 3.11+ refuses to print ints of more than 4300 digits).
   */
  readonly maxIntBytes: number;
  /** Client connections a daemon serves at once; one more gets CONNECTFAIL (Pyro4's "no free workers"). 0 = unlimited. Default 4096. */
  readonly maxConnections: number;
  /** Item streams one connection may hold open; the call that would open one more gets an error. 0 = unlimited. Default 4096. */
  readonly maxStreamsPerConnection: number;
  /** Calls in one batch request; a larger batch is refused whole (none of its calls run). 0 = unlimited. Default 1,000,000. */
  readonly maxBatchSize: number;
  /**
   * Bytes of replies a connection's client has not taken yet above which the daemon stops reading that
   * connection's requests until the socket drains (write backpressure). 0 = off. Default 1 MiB.
   */
  readonly writeHighWaterMark: number;
}

const GiB = 1024 * 1024 * 1024;

/** The defaults every Daemon and Proxy starts from (docs/security.md explains each). Frozen. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxMessageSize: GiB,
  maxInflatedSize: GiB,
  maxDepth: 1000,
  maxPickleMemo: 1 << 24,
  maxPickleStack: 1 << 24,
  maxIntBytes: 4096,
  maxConnections: 4096,
  maxStreamsPerConnection: 4096,
  maxBatchSize: 1_000_000,
  writeHighWaterMark: 1 << 20,
});

/** Limits where 0 means "unlimited" (or "off"); the others must be at least 1. */
const ZERO_ALLOWED: ReadonlySet<keyof Limits> = new Set<keyof Limits>([
  "maxMessageSize", "maxConnections", "maxStreamsPerConnection", "maxBatchSize", "writeHighWaterMark",
]);
const KEYS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/**
 * A frozen Limits: the first defined value of each limit in `layers` (most specific first), else its default.
 * Unknown keys and values that are not non-negative integers (or 0 where 0 has no meaning) are an
 * InvalidArgumentError, so a typo never leaves a limit at its default silently.
 */
export function resolveLimits(...layers: (Partial<Limits> | null | undefined)[]): Limits {
  const out = { ...DEFAULT_LIMITS } as Record<keyof Limits, number>;
  for (const key of KEYS) {
    for (const layer of layers) {
      const v = layer?.[key];
      if (v !== undefined) {
        out[key] = checkLimit(key, v);
        break;
      }
    }
  }
  for (const layer of layers) {
    if (layer == null) continue;
    if (typeof layer !== "object") throw new InvalidArgumentError(`limits must be an object, not ${typeof layer}`);
    for (const key of Object.keys(layer)) {
      if (!(KEYS as string[]).includes(key)) throw new InvalidArgumentError(`unknown limit '${key}' (known: ${KEYS.join(", ")})`);
    }
  }
  return Object.freeze(out);
}

function checkLimit(key: keyof Limits, v: unknown): number {
  const min = ZERO_ALLOWED.has(key) ? 0 : 1;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min)
    throw new InvalidArgumentError(`invalid limit ${key}: ${String(v)} (expected an integer >= ${min})`);
  return v;
}

/** The decompressed-size cap a reader applies: maxInflatedSize, or maxMessageSize when that is smaller. */
export function inflateCap(limits: Limits, maxMessageSize = limits.maxMessageSize): number {
  return maxMessageSize > 0 ? Math.min(maxMessageSize, limits.maxInflatedSize) : limits.maxInflatedSize;
}

/**
 * The limits a codec or reader enforces: those its caller passed, else DEFAULT_LIMITS. The one place the default
 * is applied, so every serializer and the message reader fall back alike (options without limits are public API).
 */
export function limitsOf(options: { readonly limits?: Limits | undefined } | undefined): Limits {
  return options?.limits ?? DEFAULT_LIMITS;
}
