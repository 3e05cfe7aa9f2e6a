// The wire trace directory (Pyrolite's MSG_TRACE_DIR): every frame sent or received becomes one file, named so
// that a directory listing sorts in time order and says what each file is. `pyro4 trace FILE...` decodes them.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { frameReceive, frameSend, type FrameMessage } from "./channels.js";
import { coreLog } from "./log.js";

let dir: string | null = null;
let counter = 0;

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}Z`;
}

/** File name of a traced frame: time, process-wide counter, pid, side, connection, seq, direction, type. */
export function traceFileName(f: FrameMessage, direction: "send" | "recv", when = new Date()): string {
  counter = (counter + 1) % 1_000_000;
  return `${stamp(when)}-${String(counter).padStart(6, "0")}-p${process.pid}-${f.side}-c${f.connectionId}-seq${String(f.seq).padStart(5, "0")}-${direction}-${f.typeName}.pyro4`;
}

function write(f: FrameMessage, direction: "send" | "recv"): void {
  if (dir === null) return;
  try {
    writeFileSync(join(dir, traceFileName(f, direction)), f.bytes());
  } catch (e) {
    coreLog.warning("cannot write wire trace file in %s: %s", dir, (e as Error).message);
  }
}
const onSend = (m: unknown) => write(m as FrameMessage, "send");
const onReceive = (m: unknown) => write(m as FrameMessage, "recv");

/**
 * Write every frame of this process (client and daemon side) into `directory` (created if missing); null stops.
 * Received frames are written with their payload decompressed (and the COMPRESSED flag cleared).
 */
export function traceWire(directory: string | null): void {
  if (directory === null) {
    if (dir !== null) {
      frameSend.unsubscribe(onSend);
      frameReceive.unsubscribe(onReceive);
    }
    dir = null;
    return;
  }
  mkdirSync(directory, { recursive: true });
  if (dir === null) {
    frameSend.subscribe(onSend);
    frameReceive.subscribe(onReceive);
  }
  dir = directory;
}

/** The directory frames are traced into, or null. */
export function wireTraceDirectory(): string | null {
  return dir;
}
