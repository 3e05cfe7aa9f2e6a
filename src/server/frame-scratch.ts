// The buffer the daemon encodes binary replies into (Serializer.serializeDataFramed: marshal, msgpack, pickle),
// with room for the message header in front, so that encodeFrame builds the reply around the payload: no payload
// buffer of its own per reply and no copy of it into the frame. One per process, lent to one reply at a time (a
// nested reply, if a serializer hook ever wrote one, gets a fresh one). A socket write normally hands the bytes
// to the kernel before it returns; when it does not (the socket queues them, or a pyro4:frame:send subscriber has
// the frame), the buffer stays with that reply and the next reply gets a new one.

import type { FrameScratch } from "../serializers/types.js";

/**
 * Header room: Pyro4's 24-byte header with a CORR chunk (22 bytes) and an HMAC chunk (26), or Pyro5's 40-byte
 * header; a reply with more annotations than fit is copied into a frame of its own, as before.
 */
export const FRAME_ROOM = 128;
/** A new scratch: header room plus the usual small reply. */
const SIZE = 1024;
/** A scratch that a big reply grew past this is dropped afterwards, not kept for the next reply. */
const KEEP_MAX = 64 * 1024;

let spare: FrameScratch | null = null;

/** The scratch for the next reply (the kept one, else a new one); give it back with `returnScratch`. */
export function lendScratch(): FrameScratch {
  const s = spare;
  if (s === null) return { buf: Buffer.allocUnsafe(SIZE), room: FRAME_ROOM, end: FRAME_ROOM };
  spare = null;
  return s;
}

/** The reply encoded into `s` went out (or failed): `held` when the socket or a subscriber may still read its bytes. */
export function returnScratch(s: FrameScratch, held: boolean): void {
  if (!held && s.buf.length <= KEEP_MAX) spare = s;
}
