// The call list of a batch (FLAGS_BATCH) as the client hands it to the encoders. On the wire each call is a
// (method, args tuple, kwargs) tuple; building every recorded call as a Tuple cost a prototype change per call
// (about a sixth of the client's CPU per batch of 100), so the client keeps them plain arrays and marks only the
// list: the encoders of formats with a tuple type (pickle, serpent, marshal) write each entry as that tuple, byte
// for byte what they write for Tuples. Formats without tuples (json, msgpack) get a plain list, as before.

/** One recorded call of a batch: name, positional arguments, keyword arguments (plain arrays, written as tuples). */
export type BatchCall = [method: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>];

/** A batch's call list whose entries the tuple formats write as (method, tuple(args), kwargs) tuples. */
export class BatchCalls extends Array<BatchCall> {
  // map/filter/slice give plain arrays: only the list the client built carries the mark
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/** Mark `calls` (a plain array, taken over) as a batch's call list: one prototype change per batch. */
export function batchCalls(calls: BatchCall[]): BatchCalls {
  return Object.setPrototypeOf(calls, BatchCalls.prototype) as BatchCalls;
}

/**
 * The args of a batch call without arguments, shared: in the client's recorded calls (client/batch.ts; the
 * encoders only read them) and in the daemon's decoded ones (the pickle decoder's batch hint, "Batch calls" in
 * pickle-decode.ts: only runBatch reads them, and the method gets its own copies).
 */
export const BATCH_NO_ARGS: readonly unknown[] = Object.freeze([]);
/** See BATCH_NO_ARGS: the empty kwargs of a call without keyword arguments (runBatch passes none for it). */
export const BATCH_NO_KWARGS: Readonly<Record<string, unknown>> = Object.freeze({});
