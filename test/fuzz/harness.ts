// Feeding a live Daemon with frames, two ways: in-process through a fake socket handed to the daemon's
// connection handler (no kernel round trip, so a million frames take seconds, not hours), and over real
// loopback TCP. Every reply the daemon writes is parsed: a daemon must never emit a malformed frame.
import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import { Daemon, type DaemonOptions } from "../../src/server/daemon.js";
import { expose } from "../../src/server/expose.js";
import { MessageReader } from "../../src/protocol/reader.js";
import type { Message } from "../../src/protocol/message.js";
import { OBJECT_ID } from "./frames.js";
import { FuzzFailure } from "./oracle.js";
import { PythonError } from "../../src/python/exceptions.js";

/** What the fuzzed calls reach: bounded, side-effect free methods (no sleeps, no daemon shutdown). */
export class FuzzTarget {
  #v: unknown = 1;
  @expose echo(x: unknown) {
    return x;
  }
  @expose add(a: number, b: number) {
    try {
      return a + b;
    } catch (e) {
      // what Python's a + b raises for operands that do not add (bigint + number here)
      throw new PythonError("TypeError", (e as Error).message);
    }
  }
  @expose *gen(n: number) {
    const m = Math.min(Math.max(Number(n) || 0, 0), 5);
    for (let i = 0; i < m; i++) yield i;
  }
  @expose fail(): never {
    throw new FuzzFailure("fuzz failure");
  }
  @expose get value() {
    return this.#v;
  }
  set value(v: unknown) {
    this.#v = typeof v === "number" ? v : 1; // never keep what a fuzzer sends
  }
}

export async function startFuzzDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const daemon = await Daemon.create({
    host: "127.0.0.1",
    serializersAccepted: ["serpent", "json", "marshal", "msgpack"],
    maxMessageSize: 1 << 20,
    iterStreaming: true,
    iterStreamLifetime: 5000,
    iterStreamLinger: 1000,
    ...options,
  });
  daemon.register(new FuzzTarget(), OBJECT_ID);
  return daemon;
}

export interface FeedStats {
  connections: number;
  framesSent: number;
  /** Frames the daemon's reader accepted as messages. */
  framesParsed: number;
  /** Times the daemon's reader refused input (the connection is then dropped). */
  readerErrors: number;
  replies: number;
  replyBytes: number;
  /** Connections the daemon closed itself (vs. ones the fuzzer hung up). */
  closedByDaemon: number;
  /** Replies that did not parse as Pyro4 frames: must stay 0. */
  badReplies: number;
}

export const emptyStats = (): FeedStats => ({
  connections: 0, framesSent: 0, framesParsed: 0, readerErrors: 0, replies: 0, replyBytes: 0, closedByDaemon: 0, badReplies: 0,
});

export function addStats(a: FeedStats, b: FeedStats): FeedStats {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof FeedStats)[]) out[k] += b[k];
  return out;
}

/** Just enough of net.Socket for the daemon's Connection. */
class FakeSocket extends EventEmitter {
  remoteAddress = "127.0.0.1";
  remotePort = 40000;
  remoteFamily = "IPv4";
  destroyed = false;
  byDaemon = false;
  hangingUp = false;
  private reader = new MessageReader();
  constructor(private stats: FeedStats) {
    super();
  }
  setKeepAlive() {
    return this;
  }
  setTimeout() {
    return this;
  }
  setNoDelay() {
    return this;
  }
  pause() {
    return this;
  }
  resume() {
    return this;
  }
  cork() {}
  uncork() {}
  write(b: Buffer): boolean {
    if (this.destroyed) return false;
    this.stats.replyBytes += b.length;
    try {
      this.stats.replies += this.reader.push(b).length;
    } catch {
      this.stats.badReplies++;
    }
    return true;
  }
  end(): this {
    return this;
  }
  destroySoon(): void {
    this.destroy();
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      if (!this.hangingUp) {
        this.byDaemon = true;
        this.stats.closedByDaemon++;
      }
      process.nextTick(() => this.emit("close", false));
    }
    return this;
  }
}

interface ConnInternals {
  reader: { push(b: Buffer): Message[] };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Run a wave of in-process connections: each gets its frames (one 'data' event per frame), the daemon gets a
 * few event-loop turns to answer, then connections it did not close are hung up.
 */
export async function feedInProcess(daemon: Daemon, conns: Buffer[][], stats: FeedStats): Promise<void> {
  const onConnection = (daemon as unknown as { onConnection(s: unknown): void }).onConnection.bind(daemon);
  const sockets: FakeSocket[] = [];
  for (const frames of conns) {
    const sock = new FakeSocket(stats);
    const before = daemon.connections.size;
    onConnection(sock);
    stats.connections++;
    sockets.push(sock);
    if (daemon.connections.size !== before + 1) continue;
    // count what the daemon's reader made of the input
    const conn = [...daemon.connections].pop() as unknown as ConnInternals;
    const r = conn.reader;
    const push = r.push.bind(r);
    r.push = (b: Buffer) => {
      try {
        const msgs = push(b);
        stats.framesParsed += msgs.length;
        return msgs;
      } catch (e) {
        stats.readerErrors++;
        throw e;
      }
    };
    for (const f of frames) {
      if (sock.destroyed) break;
      stats.framesSent++;
      sock.emit("data", f);
    }
  }
  for (let i = 0; i < 3; i++) await turn();
  for (const s of sockets) {
    s.hangingUp = true;
    s.destroy();
  }
  await turn();
}

/** One real TCP connection: write the frames, half-close, collect replies until the daemon closes. */
export function feedTcp(port: number, frames: Buffer[], stats: FeedStats, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const sock: Socket = connect(port, "127.0.0.1");
    const reader = new MessageReader();
    stats.connections++;
    let done = false;
    const finish = (byDaemon: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (byDaemon) stats.closedByDaemon++;
      sock.destroy();
      resolve();
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on("data", (d) => {
      stats.replyBytes += d.length;
      try {
        stats.replies += reader.push(d).length;
      } catch {
        stats.badReplies++;
      }
    });
    sock.on("error", () => {});
    sock.on("close", () => finish(true));
    sock.on("connect", () => {
      for (const f of frames) sock.write(f);
      stats.framesSent += frames.length;
      sock.end();
    });
  });
}

/** A well-behaved exchange over TCP: CONNECT then calls; returns the decoded replies. */
export function exchangeTcp(port: number, frames: Buffer[], expect: number, timeoutMs = 5000): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const reader = new MessageReader();
    const got: Message[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`only ${got.length} of ${expect} replies within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("data", (d) => {
      got.push(...reader.push(d));
      if (got.length >= expect) {
        clearTimeout(timer);
        sock.destroy();
        resolve(got);
      }
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on("connect", () => {
      for (const f of frames) sock.write(f);
    });
  });
}
