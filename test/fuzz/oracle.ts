// The strict fuzz oracle: every rejection of fuzzed input must be a typed error (a PyroError subclass such as
// ProtocolError / SerializeError / MessageTooLargeError, or a PythonError the daemon sends as a Python builtin
// exception). A TypeError or RangeError escaping the reader or a decoder is a bug even when the daemon survives
// it. Errors are collected two ways: hooks on the live daemon's reader, decoders and request-failure paths (in
// this process), and a direct decode of every generated frame with a fresh reader and the frame's serializer
// (so frames a daemon never decodes, after it dropped their connection, are still checked).
import { PyroError } from "../../src/errors.js";
import { MessageReader } from "../../src/protocol/reader.js";
import { MSG_CONNECT, MSG_INVOKE } from "../../src/protocol/message.js";
import { getSerializer, type Serializer } from "../../src/serializers/index.js";
import { Connection } from "../../src/server/connection.js";
import { RequestHandler } from "../../src/server/requests.js";
import { PythonError } from "../../src/python/exceptions.js";

/** What the fuzz target's own methods throw on purpose: a user error, allowed. */
export class FuzzFailure extends Error {}

export function isTypedError(e: unknown): boolean {
  return e instanceof PyroError || e instanceof PythonError || e instanceof FuzzFailure;
}

/**
 * The first untyped error in `e`'s cause chain: the decoders wrap whatever escapes their parsers into a
 * SerializeError (cause: the original), so a TypeError inside a parser would otherwise pass as typed.
 */
export function untypedCause(e: unknown): unknown {
  for (let c: unknown = e, i = 0; c !== undefined && c !== null && i < 8; c = (c as { cause?: unknown }).cause, i++)
    if (!isTypedError(c)) return c;
  return undefined;
}

export interface OracleReport {
  /** Rejections by "<where>:<error class>", e.g. "reader:ProtocolError", "decode:msgpack:SerializeError". */
  rejects: Record<string, number>;
  /** Untyped errors (must stay 0), with a few samples. */
  untyped: number;
  samples: string[];
}

export class ErrorOracle {
  readonly counts = new Map<string, number>();
  untyped = 0;
  readonly samples: string[] = [];
  private seen = new WeakSet<object>();
  private restore: (() => void)[] = [];
  /** The unhooked functions, for checkFrame (so its errors are counted under its own names). */
  private originals = new Map<string, Function>();

  record(where: string, e: unknown): void {
    if (e !== null && typeof e === "object") {
      if (this.seen.has(e)) return; // a failed reader rethrows the same error on every later push
      this.seen.add(e);
    }
    const name = (x: unknown) => (x instanceof Error ? x.constructor.name : typeof x);
    const bad = untypedCause(e);
    const key = bad === undefined || bad === e ? `${where}:${name(e)}` : `${where}:${name(e)}<-${name(bad)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (bad !== undefined) {
      this.untyped++;
      if (this.samples.length < 20) {
        const stack = bad instanceof Error ? (bad.stack ?? "").split("\n").slice(0, 5).join(" | ") : String(bad);
        this.samples.push(`${key}: ${stack}`.slice(0, 600));
      }
    }
  }

  /** Hook the live daemon's paths (all connections in this process): reader, decoders, request failures. */
  install(serializers: readonly Serializer[]): void {
    const oracle = this;
    const patch = <T extends object>(obj: T, name: string, wrap: (orig: Function) => Function) => {
      const o = obj as Record<string, unknown>;
      const orig = o[name] as Function;
      if (obj === (MessageReader.prototype as object)) this.originals.set(`reader.${name}`, orig);
      else if (typeof (obj as { name?: unknown }).name === "string") this.originals.set(`${(obj as { name: string }).name}.${name}`, orig);
      o[name] = wrap(orig);
      this.restore.push(() => (o[name] = orig));
    };
    const rp = MessageReader.prototype as unknown as Record<string, unknown>;
    for (const m of ["push", "pushTransient", "filledInPlace"]) {
      patch(rp, m, (orig) =>
        function (this: MessageReader, ...a: unknown[]) {
          try {
            return orig.apply(this, a);
          } catch (e) {
            oracle.record("reader", e);
            throw e;
          }
        },
      );
    }
    for (const s of serializers) {
      for (const m of ["deserializeData", "deserializeCall"]) {
        patch(s, m, (orig) =>
          function (this: Serializer, ...a: unknown[]) {
            try {
              return orig.apply(this, a);
            } catch (e) {
              oracle.record(`decode:${s.name}`, e);
              throw e;
            }
          },
        );
      }
    }
    const cp = Connection.prototype as unknown as Record<string, unknown>;
    const hp = RequestHandler.prototype as unknown as Record<string, unknown>;
    // requestFailed(msg, ctx, serializer, e, oneway), batchError(m, e), pumpFailed(e): everything a request can end with
    patch(hp, "requestFailed", (orig) => function (this: unknown, ...a: unknown[]) {
      oracle.record("request", a[a.length - 2]);
      return orig.apply(this, a);
    });
    patch(hp, "batchError", (orig) => function (this: unknown, m: unknown, e: unknown) {
      oracle.record("batch", e);
      return orig.call(this, m, e);
    });
    patch(cp, "pumpFailed", (orig) => function (this: unknown, e: unknown) {
      oracle.record("pump", e);
      return orig.call(this, e);
    });
  }

  uninstall(): void {
    for (const r of this.restore.splice(0).reverse()) r();
  }

  /**
   * Decode one frame the way a daemon would, outside any daemon: a fresh reader, then the decoder its serializer
   * id names (CONNECT data, INVOKE calls). Errors are recorded under "direct-reader" / "direct-decode".
   */
  checkFrame(frame: Buffer, maxMessageSize: number): void {
    let msgs: ReturnType<MessageReader["push"]>;
    const orig = (key: string, fallback: Function) => this.originals.get(key) ?? fallback;
    try {
      const r = new MessageReader({ maxMessageSize });
      msgs = orig("reader.push", r.push).call(r, frame);
    } catch (e) {
      this.record("direct-reader", e);
      return;
    }
    for (const m of msgs) {
      if (m.type !== MSG_CONNECT && m.type !== MSG_INVOKE) continue;
      try {
        const s = getSerializer(m.serializerId);
        if (m.type === MSG_CONNECT) orig(`${s.name}.deserializeData`, s.deserializeData).call(s, m.data);
        else orig(`${s.name}.deserializeCall`, s.deserializeCall).call(s, m.data, { zeroCopy: true });
      } catch (e) {
        this.record("direct-decode", e);
      }
    }
  }

  report(): OracleReport {
    return { rejects: Object.fromEntries([...this.counts].sort()), untyped: this.untyped, samples: this.samples };
  }
}
