// The call itself (the Pyro half of Python's process_pyro_request): a backend connection for the object (backends.ts),
// then $meta, an attribute read or a method call as the object's metadata says, answered with the backend's own
// JSON bytes (200, or 500 for an exception), a remote generator streamed when asked for (stream.ts).

import type { IncomingMessage, ServerResponse } from "node:http";
import { randomFillSync } from "node:crypto";
import { FLAGS_EXCEPTION, FLAGS_ITEMSTREAMRESULT, uuidToBytes, type Message } from "../protocol/message.js";
import type { Backends, Session } from "./backends.js";
import { PyException } from "./errors.js";
import { pythonUuid, type Params } from "./params.js";
import { pyDumps } from "./pyjson.js";
import { headerText, JSON_TYPE, send } from "./respond.js";
import { streamItems } from "./stream.js";

/** Pipeline the call behind a fresh handshake when the URI's last metadata allows (see backends.ts). */
const PIPELINE = false;

export interface CallContext {
  backends: Backends;
  /** COMMTIMEOUT, seconds (0 = none). */
  timeout: number;
  /** Largest X-Pyro-Timeout accepted, seconds. */
  maxCallTimeout: number;
}

export interface PyroRequest {
  objectName: string;
  method: string;
  params: Params;
  /** Positional arguments: only from a JSON body's "$args" (extension). */
  vargs: unknown[];
  headers: IncomingMessage["headers"];
  /** X-Pyro-Options split at commas, as Python splits it. */
  pyroOptions: string[];
}

export async function callObject(ctx: CallContext, r: PyroRequest, res: ServerResponse): Promise<void> {
  const { objectName, method, pyroOptions } = r;
  let session: Session | null = null;
  const hook = ctx.backends.phaseHook;
  try {
    const headerCorr = headerText(r.headers["x-pyro-correlation-id"]);
    let corrId: string;
    let corr: Buffer;
    if (headerCorr) {
      corrId = pythonUuid(headerCorr);
      corr = uuidToBytes(corrId);
    } else ({ id: corrId, bytes: corr } = newCorrelation());
    const callTimeout = callTimeoutMs(ctx, r.headers["x-pyro-timeout"]);
    const kwargs = Object.fromEntries(r.params);
    // the call that may be pipelined behind a fresh handshake (never a oneway one, never $meta)
    // Off: a pipelined call reaches a daemon in the same read as the handshake, which changes what our own
    // daemon's remote tracebacks show (JS stack frames), and the differential tests require identical answers.
    const early = PIPELINE && method !== "$meta" && !pyroOptions.includes("oneway") ? { method, vargs: r.vargs, kwargs } : null;
    session = await ctx.backends.open(objectName, corr, callTimeout, early);
    const { link, meta, target } = session;
    const t0 = hook ? performance.now() : 0;
    const askedOneway = pyroOptions.includes("oneway");
    const oneway = askedOneway || meta.oneway.includes(method);
    const okHeaders = { "Content-Type": JSON_TYPE, "X-Pyro-Correlation-Id": corrId };
    if (method === "$meta") {
      return send(res, 200, okHeaders, `{"methods": ${pyDumps(meta.methods)}, "attributes": ${pyDumps(meta.attrs)}}`);
    }
    let reply: Message | null | undefined;
    if (session.early) {
      if (meta.methods.includes(method) && !meta.attrs.includes(method)) {
        reply = await session.early;
        if (oneway) reply = null; // now a oneway method: Python's proxy would not have waited for a result
      } else {
        await session.early.catch(() => {}); // a call the fresh metadata rules out: its answer is dropped
      }
    }
    if (reply !== undefined) {
      /* answered by the pipelined call */
    } else if (meta.attrs.includes(method)) {
      if (r.params.size || r.vargs.length) throw new PyException("builtins.AssertionError", ["attribute lookup can't have query parameters"]);
      reply = await link.invoke(target.object, "__getattr__", [method], {});
    } else if (meta.methods.includes(method)) {
      reply = await link.invoke(target.object, method, r.vargs, kwargs, oneway);
    } else {
      // Python's proxy raises this for unknown names; for names its proxy has locally (_pyro*, dunders) it
      // called its own proxy instead (a leak): we treat every name outside the metadata the same way.
      throw new PyException("builtins.AttributeError", [`remote object '${target.text}' has no exposed attribute or method '${method}'`]);
    }
    if (hook) hook("call", performance.now() - t0);
    if (reply === null || askedOneway) return send(res, 200, okHeaders, "");
    if (reply.flags & FLAGS_ITEMSTREAMRESULT && pyroOptions.includes("stream")) {
      const streamId = reply.annotations?.get("STRM")?.toString("latin1");
      if (streamId) {
        const s = session;
        session = null; // the stream owns the connection now
        return await streamItems(link, streamId, okHeaders, res, () => s.done(false));
      }
    }
    if (reply.flags & FLAGS_EXCEPTION) return send(res, 500, { "Content-Type": JSON_TYPE }, reply.data);
    return send(res, 200, okHeaders, reply.data);
  } catch (e) {
    if (!(e instanceof PyException)) throw e;
    return send(res, 500, { "Content-Type": JSON_TYPE }, e.toJson());
  } finally {
    session?.done(true);
  }
}

/** Random bytes for correlation ids, drawn 4 KiB at a time (one randomFillSync per 256 requests). */
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/**
 * A fresh correlation id as Python's gateway makes one (uuid.uuid4()): its text for the X-Pyro-Correlation-Id
 * header and its 16 bytes for the CORR annotation, without formatting and re-parsing the text.
 */
function newCorrelation(): { id: string; bytes: Buffer } {
  if (randomOffset + 16 > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafe(4096)); // a new pool: earlier ids keep their views of the old one
    randomOffset = 0;
  }
  const bytes = randomPool.subarray(randomOffset, (randomOffset += 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = bytes.toString("hex");
  return { id: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`, bytes };
}

/** X-Pyro-Timeout (extension): this request's call timeout; without it COMMTIMEOUT. */
function callTimeoutMs(ctx: CallContext, header: string | string[] | undefined): number {
  const t = headerText(header);
  if (!t) return ctx.timeout * 1000;
  const s = Number(t);
  if (!Number.isFinite(s) || s <= 0 || s > ctx.maxCallTimeout) {
    throw new PyException("builtins.ValueError", [`invalid X-Pyro-Timeout '${t}' (seconds, 0 < t <= ${ctx.maxCallTimeout})`]);
  }
  return s * 1000;
}
