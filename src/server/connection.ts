// One client connection of a daemon, as a socket: a MessageReader over it, received messages queued and run
// strictly in order (the first through the CONNECT handshake in handshake.ts, the rest through the request
// handler in requests.ts), replies written whole, and the guards around that: a queue limit, write
// backpressure, the idle and per-message timers. Read and protocol errors close the connection without an
// answer (before the handshake they get a marshal-encoded CONNECTFAIL); on close, tracked resources are closed.

import type { PeerCertificate, TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { encodeFrame, encodeFrameAround, writeMessage, type Annotations, type Frame, type Payload, type Message } from "../protocol/message.js";
import { MessageReader, type ErrorWithMessage } from "../protocol/reader.js";
import type { ClientConnection, Resource } from "./context.js";
import type { DaemonCore } from "./daemon-core.js";
import { handshake, refuseUnreadable } from "./handshake.js";
import { errorCode, type ServedConnection } from "./reply.js";
import { RequestHandler } from "./requests.js";
import { debug } from "../observe/log.js";
import { frameReceive, frameSend } from "../observe/channels.js";
import { publishReceive, publishSend } from "../observe/frames.js";

let nextConnectionId = 1;

export class Connection implements ServedConnection {
  readonly id = nextConnectionId++;
  objectId: string | null = null;
  readonly peer: ClientConnection["peer"];
  readonly pyroInstances = new Map<Function, object>();
  readonly trackedResources = new Set<Resource>();
  readonly data = new Map<unknown, unknown>();
  private reader: MessageReader;
  private readonly requests: RequestHandler;
  private queue: Message[] = [];
  private messageTimer: NodeJS.Timeout | null = null;
  private pumping = false;
  private handshaken = false;
  private closed = false;
  private paused = false;
  /** Waiting for 'drain': more than writeHighWaterMark bytes of replies are unsent, so nothing is read or handled. */
  private writeBlocked = false;
  private readonly onDrain = (): void => {
    this.writeBlocked = false;
    if (this.closed) return;
    debug("connection %d: replies drained, reading again", this.id);
    if (!this.paused && !this.readFailed) this.socket.resume();
    this.pump();
  };
  private readFailed = false;
  /** Reused by write(): encoding a reply allocates its bytes only. */
  private readonly frame: Frame = { head: EMPTY_BODY, body: EMPTY_BODY };

  constructor(
    readonly socket: Socket,
    private daemon: DaemonCore<Connection>,
    private deniedReason: string | null = null,
  ) {
    this.peer = socket.remoteAddress
      ? { address: socket.remoteAddress, port: socket.remotePort, family: socket.remoteFamily }
      : { path: daemon.locationStr.startsWith("./u:") ? daemon.locationStr.slice(4) : undefined };
    this.reader = new MessageReader({ limits: daemon.limits, hmacKey: daemon.hmacKey, wire: daemon.wire });
    this.requests = new RequestHandler(this, daemon);
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", (e) => debug("connection %d socket error: %s", this.id, e.message));
    socket.on("close", () => this.onClose());
    socket.setKeepAlive(true);
    // Replies are written whole (header + payload in one writev): Nagle can only delay the tail of a large
    // reply until the client's (possibly delayed) ACK, never save a packet. Invisible on the wire otherwise.
    if (socket.remoteAddress) socket.setNoDelay(true);
    if (daemon.commTimeout > 0) {
      socket.setTimeout(daemon.commTimeout);
      socket.on("timeout", () => {
        if (!this.requests.busy) {
          debug("connection %d: idle timeout", this.id);
          this.close();
        }
      });
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  getPeerCertificate(): PeerCertificate | null {
    const s = this.socket as Partial<TLSSocket>;
    if (typeof s.getPeerCertificate !== "function") return null;
    const cert = s.getPeerCertificate();
    return cert && Object.keys(cert).length ? cert : null;
  }

  close(): void {
    if (this.messageTimer) clearTimeout(this.messageTimer);
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.socket.destroy();
  }

  /** Close after everything written so far is flushed. */
  closeAfterWrite(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.socket.end();
    this.socket.destroySoon?.();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.readFailed) return;
    let msgs: Message[];
    try {
      msgs = this.reader.push(chunk);
    } catch (e) {
      this.onReadError(e as ErrorWithMessage);
      return;
    }
    this.armMessageTimer();
    if (!msgs.length) return;
    if (frameReceive.hasSubscribers) for (const m of msgs) publishReceive("server", this.id, m);
    for (const m of msgs) this.queue.push(m);
    if (this.queue.length > 64 && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (this.reader.failure) {
      // Requests read before the bad bytes still get their answer (Pyro4's one-thread-per-connection loop):
      // the pump closes the connection once it has handled them.
      debug("connection %d: read error: %s", this.id, this.reader.failure.message);
      this.readFailed = true;
      this.socket.pause();
    }
    if (!this.pumping && !this.writeBlocked) this.pump();
  }

  /** Slowloris guard: a started message must complete within the daemon's messageTimeout. */
  private armMessageTimer(): void {
    const limit = this.daemon.messageTimeout;
    if (limit <= 0) return;
    if (this.reader.pending === 0) {
      if (this.messageTimer) {
        clearTimeout(this.messageTimer);
        this.messageTimer = null;
      }
    } else if (!this.messageTimer) {
      this.messageTimer = setTimeout(() => {
        debug("connection %d: message not complete within %d ms, closing", this.id, limit);
        this.close();
      }, limit);
      this.messageTimer.unref();
    }
  }

  private onReadError(e: ErrorWithMessage): void {
    debug("connection %d: read error: %s", this.id, e.message);
    if (!this.handshaken && !this.pumping && errorCode(e) !== "ERR_PYRO4_MESSAGE_TOO_LARGE") {
      // Pyro4 answers a bad first message with a marshal-encoded CONNECTFAIL (seq 0), then hangs up.
      this.queue.length = 0;
      refuseUnreadable(this, this.daemon, String(e.message));
      this.closeAfterWrite();
    } else if (this.pumping) {
      // Like Pyro4's one-thread-per-connection loop: requests read before the bad bytes still get their answer.
      this.readFailed = true;
      this.socket.pause();
    } else this.close();
  }

  private onClose(): void {
    if (this.messageTimer) clearTimeout(this.messageTimer);
    this.closed = true;
    this.queue.length = 0;
    this.daemon.connectionClosed(this);
    this.pyroInstances.clear();
    for (const r of this.trackedResources) {
      try {
        const p = r.close();
        if (p && typeof (p as Promise<unknown>).then === "function") (p as Promise<unknown>).then(undefined, () => {});
      } catch {
        // Pyro4 ignores errors of tracked resources on disconnect
      }
    }
    this.trackedResources.clear();
  }

  /**
   * Handle queued messages in order. Runs synchronously as long as requests complete synchronously (the common
   * case: no promise, no microtask per call); a request that returns a promise resumes the loop when it settles.
   */
  private pump(): void {
    this.pumping = true;
    try {
      while (this.queue.length && !this.closed) {
        if (this.repliesPiledUp()) return;
        const msg = this.queue.shift()!;
        if (this.paused && this.queue.length < 16) {
          this.paused = false;
          if (!this.writeBlocked) this.socket.resume();
        }
        if (!this.handshaken) {
          handshake(this, this.daemon, this.deniedReason, msg).then(
            (ok) => {
              if (ok) this.handshaken = true;
              else this.closeAfterWrite();
              this.pump();
            },
            (e: unknown) => this.pumpFailed(e),
          );
          return;
        }
        const pending = this.requests.handle(msg);
        if (pending) {
          pending.then(
            () => {
              this.daemon.requestDone();
              this.pump();
            },
            (e: unknown) => this.pumpFailed(e),
          );
          return;
        }
        this.daemon.requestDone();
      }
    } catch (e) {
      this.pumpFailed(e);
      return;
    }
    this.pumpDone();
  }

  /**
   * Write backpressure: with more unsent reply bytes than the high-water mark, stop reading and handling this
   * connection's requests until the socket drains (a client that never reads cannot make us buffer every reply).
   * The pump stays marked as running meanwhile, so new data is only queued; 'drain' restarts it.
   */
  private repliesPiledUp(): boolean {
    const hwm = this.daemon.writeHighWaterMark;
    const unsent = this.socket.writableLength;
    if (hwm <= 0 || !(unsent > hwm)) return false;
    // 'drain' comes only once a write() has returned false, i.e. above the socket's own high-water mark (16 KiB)
    if (!(unsent >= this.socket.writableHighWaterMark)) return false;
    debug("connection %d: %d bytes of replies unsent, pausing reads until drained", this.id, unsent);
    this.writeBlocked = true;
    this.socket.pause();
    this.socket.once("drain", this.onDrain);
    return true;
  }

  private pumpFailed(e: unknown): void {
    debug("connection %d: closing after error: %s", this.id, (e as Error)?.message);
    this.close();
    this.pumpDone();
  }

  private pumpDone(): void {
    this.pumping = false;
    if (this.readFailed) this.closeAfterWrite();
  }

  write(type: number, serializerId: number, seq: number, data: Payload | string, flags: number, annotations: Annotations | null, compress: boolean): boolean {
    const d = this.daemon;
    encodeFrame(this.frame, type, serializerId, seq, data, flags, annotations, d.hmacKey, compress, d.maxMessageSize, true, d.wire);
    return this.send();
  }

  writeAround(type: number, serializerId: number, seq: number, buf: Buffer, start: number, end: number, flags: number, annotations: Annotations | null, compress: boolean): boolean {
    const d = this.daemon;
    if (!encodeFrameAround(this.frame, type, serializerId, seq, buf, start, end, flags, annotations, d.hmacKey, compress, d.maxMessageSize, d.wire))
      encodeFrame(this.frame, type, serializerId, seq, buf.subarray(start, end), flags, annotations, d.hmacKey, compress, d.maxMessageSize, true, d.wire);
    return this.send();
  }

  /** Send the message encoded into this.frame; returns whether the socket (or a subscriber) still holds its buffers. */
  private send(): boolean {
    const f = this.frame;
    const head = f.head;
    const body = f.body;
    f.head = f.body = EMPTY_BODY; // the frame must not keep a reply alive
    if (this.closed) return false;
    let held = false;
    if (frameSend.hasSubscribers) {
      publishSend("server", this.id, head, body);
      held = true; // a subscriber may read the frame's bytes later
    }
    writeMessage(this.socket, head, body);
    // a write the socket could not finish at once keeps the buffers (a write queued behind others, or the kernel
    // took part of it): they are released only when the socket's pending length drops to 0
    return held || this.socket.writableLength !== 0;
  }
}

const EMPTY_BODY = Buffer.alloc(0);
