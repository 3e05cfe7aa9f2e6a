// One entry of a proxy's request queue (a call, a release or a bind) and how it settles: the state that travels
// with it (sequence number, retry count, call site, correlation id, diagnostics payload) and the one place its
// promise is resolved or rejected, so an abort listener is removed, an error gets its correlation id and a
// pyro4:client:call subscriber hears the end exactly once. A class with its state in fields, so queueing a call
// makes no closures.

import type { CallSite } from "../errors.js";
import { bytesToUuid, uuidToBytes, type Annotations } from "../protocol/message.js";
import { traceSettle, type CallTrace } from "../observe/tracing.js";
import type { FlushWaiter } from "./connection.js";

export const KIND_INVOKE = 0;
export const KIND_RELEASE = 1;
export const KIND_BIND = 2;

/** What a Request needs of the queue it is in (ProxyCore). */
export interface RequestOwner {
  /** Reject the request, or queue it again when a retry is allowed. */
  settle(req: Request, err: unknown): void;
  /** The proxy's own correlation id, for errors of calls that sent none of their own. */
  readonly correlationId: string | null;
}

/** One queued request. Implements FlushWaiter so oneway writes need no closure. */
export class Request implements FlushWaiter {
  seq = 0;
  attempt = 0;
  resolve!: (v: unknown) => void;
  reject!: (e: unknown) => void;
  done = false;
  abortListener: (() => void) | null = null;
  /** Where the call was made, for the stack of a remote error (see ProxyCore.invoke). */
  site: CallSite | null = null;
  /**
   * CORR for this call taken when it was made: CallOptions.correlationId, else (the proxy having none) the id of
   * the call this daemon was serving then (Pyro4's current_context). Null: the proxy's own setting applies.
   */
  corrBytes: Buffer | null = null;
  /** CORR bytes the request frame carried (copied onto errors as `correlationId`). */
  sentCorr: Buffer | null = null;
  /** The diagnostics_channel payload while someone subscribes to pyro4:client:call. */
  trace: CallTrace | null = null;
  constructor(
    readonly core: RequestOwner,
    readonly kind: number,
    readonly method: string,
    readonly vargs: readonly unknown[],
    readonly kwargs: Record<string, unknown> | null,
    readonly objectId: string | null,
    readonly flags: number,
    readonly oneway: boolean,
    readonly check: number,
    readonly timeout: number,
    readonly signal: AbortSignal | null,
  ) {}
  flushed(err: Error | null | undefined): void {
    if (err) this.core.settle(this, err);
    else this.finish(undefined);
  }
  finish(value: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.abortListener) this.signal!.removeEventListener("abort", this.abortListener);
    if (this.trace) traceSettle(this.trace, value, undefined, false, () => this.resolve(value));
    else this.resolve(value);
  }
  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.abortListener) this.signal!.removeEventListener("abort", this.abortListener);
    if (err instanceof Error && (err as { correlationId?: unknown }).correlationId === undefined) {
      const b = this.sentCorr ?? this.corrBytes;
      const corr = b ? bytesToUuid(b) : this.core.correlationId;
      if (corr) (err as { correlationId?: string }).correlationId = corr;
    }
    if (this.trace) traceSettle(this.trace, undefined, err, true, () => this.reject(err));
    else this.reject(err);
  }

  /**
   * The request annotations of this call when they differ from the proxy's (`base`, whose CORR is `own`): a
   * per-call correlation id, one set by a pyro4:client:call subscriber, annotations it added, or (Pyro4's
   * current_context) the correlation id of the call this daemon is serving when the proxy has none of its own.
   * Notes the CORR sent in `sentCorr`.
   */
  callAnnotations(base: Annotations | null, own: Buffer | null): Annotations | null {
    let corrBytes = this.corrBytes ?? own;
    const t = this.trace;
    if (t) {
      // a start subscriber may have set another id (or none)
      const want = t.correlationId;
      if (want !== (corrBytes ? bytesToUuid(corrBytes) : null)) {
        const b = want ? uuidToBytes(want) : null;
        corrBytes = b && b.length === 16 ? b : null;
      }
      t.correlationId = corrBytes ? bytesToUuid(corrBytes) : null;
    }
    this.sentCorr = corrBytes;
    const extra = t?.extraAnnotations ?? null;
    if (corrBytes === own && extra === null) return base;
    const ann: Annotations = new Map(base ?? []);
    if (extra) for (const [k, v] of extra) ann.set(k, v);
    if (corrBytes) ann.set("CORR", corrBytes);
    else ann.delete("CORR");
    return ann;
  }
}
