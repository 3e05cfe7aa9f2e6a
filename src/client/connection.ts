// One client socket: the incremental message reader, a reply timer, flush notifications for oneway calls and
// ref/unref bookkeeping so an idle proxy never keeps the process alive. It knows nothing about calls: every
// complete message and every failure goes to its owner (the proxy core), which runs the FIFO request queue.

// the module binding, not the global: Node 20 defines globalThis.Buffer as a getter, which optimized code
// cannot inline (a LoadGlobalIC call and the getter on every use, ~170 instructions each)
import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { ConnectionClosedError, TimeoutError } from "../errors.js";
import { writeMessage, type Message, type Payload } from "../protocol/message.js";
import { MessageReader } from "../protocol/reader.js";
import type { WireFormat } from "../protocol/wire.js";
import type { Limits } from "../limits.js";
import type { ReadRelay, ReadSink } from "../transport/relay.js";
import { clientDisconnect, frameReceive, frameSend } from "../observe/channels.js";
import { publishReceive, publishSend } from "../observe/frames.js";

export interface ConnectionOwner {
  onMessage(conn: Connection, msg: Message): void;
  /** The connection is unusable (socket error, close, protocol error, reply timeout); it is already destroyed. */
  onFailure(conn: Connection, err: Error): void;
}

/** Something waiting for its bytes to leave the process (oneway calls, release markers). */
export interface FlushWaiter {
  flushed(err: Error | null | undefined): void;
}

/** Reads of at least this many bytes into a large body go straight into it (below that, the shared buffer). */
const IN_PLACE_READ_MIN = 64 * 1024;

let nextConnectionId = 1;

export class Connection implements ReadSink {
  /** Client connection number in this process (diagnostics channels name connections by it). */
  readonly id = nextConnectionId++;
  readonly socket: Socket;
  readonly reader: MessageReader;
  /** Where we connected, as Pyro4 prints it ("('127.0.0.1', 9999)"). */
  readonly where: string;
  owner: ConnectionOwner;
  closed = false;
  private timer: NodeJS.Timeout | null = null;
  private timerMs = 0;
  private timeoutWhat = "";
  private refd = true;
  private readonly flushWaiters: FlushWaiter[] = [];

  /** `relay`: the socket was opened with it (plain TCP/unix), so its reads come from there, not 'data' events. */
  constructor(socket: Socket, where: string, owner: ConnectionOwner, hmacKey: Uint8Array | null, limits: Limits, relay: ReadRelay | null = null, wire?: WireFormat) {
    this.socket = socket;
    this.where = where;
    this.owner = owner;
    this.reader = new MessageReader({ hmacKey, limits, wire });
    if (relay) relay.attach(this);
    else socket.on("data", this.onData);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
  }

  /** Write a message in one syscall; a waiter hears when its bytes have left the process. */
  write(head: Buffer, payload: Payload, waiter: FlushWaiter | null): void {
    if (waiter) this.flushWaiters.push(waiter);
    if (frameSend.hasSubscribers) publishSend("client", this.id, head, payload);
    writeMessage(this.socket, head, payload, waiter ? this.onFlushed : undefined);
  }

  /** Mark the socket busy (keeps the event loop alive) or idle (unref'd). */
  busy(on: boolean): void {
    if (on === this.refd || this.closed) return;
    this.refd = on;
    if (on) this.socket.ref();
    else this.socket.unref();
  }

  /** Start (or restart) the inactivity timer for a reply; 0 disables it. */
  armTimer(ms: number, what: string): void {
    this.timeoutWhat = what;
    if (ms > 0) {
      if (this.timer && this.timerMs === ms) this.timer.refresh();
      else {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(this.onTimeout, ms);
        this.timer.unref();
        this.timerMs = ms;
      }
    } else this.disarm();
  }

  disarm(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** Close after pending writes are flushed; resolves when the socket is closed. */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.disarm();
    if (clientDisconnect.hasSubscribers) clientDisconnect.publish({ connectionId: this.id, location: this.where, reason: null });
    return new Promise<void>((resolve) => {
      const s = this.socket;
      // an idle connection is unref'd: ref it while closing, or a runtime whose loop only waits for ref'd
      // handles (Deno) exits with this promise pending when nothing else is scheduled
      if (!this.refd) s.ref();
      s.once("close", () => resolve());
      s.end();
      // a peer that never closes its side must not hold us: destroy once our FIN is out
      s.once("finish", () => s.destroy());
    });
  }

  destroy(reason: Error | null = null): void {
    if (this.closed) return;
    this.closed = true;
    this.disarm();
    this.socket.destroy();
    if (clientDisconnect.hasSubscribers) clientDisconnect.publish({ connectionId: this.id, location: this.where, reason });
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.destroy(err);
    this.failWaiters(err);
    this.owner.onFailure(this, err);
  }

  private failWaiters(err: Error): void {
    while (this.flushWaiters.length) this.flushWaiters.shift()!.flushed(err);
  }

  private readonly onData = (chunk: Buffer): void => this.received(chunk, chunk.length, false);

  // ReadSink (the relay of a plain socket)
  onRead(buf: Buffer, n: number): void {
    this.received(buf, n, true);
  }
  readTarget(): Buffer | null {
    return this.closed ? null : this.reader.readTarget(IN_PLACE_READ_MIN);
  }
  onReadInPlace(n: number): void {
    this.received(null, n, false);
  }

  /**
   * `chunk` null: `n` bytes were read straight into the body being assembled; else the first `n` bytes of `chunk`
   * arrived (`transient`: in the relay's buffer).
   */
  private received(chunk: Buffer | null, n: number, transient: boolean): void {
    if (this.closed) return;
    if (this.timer) this.timer.refresh();
    let msgs: Message[];
    try {
      msgs = chunk === null ? this.reader.filledInPlace(n) : transient ? this.reader.pushTransient(chunk, n) : this.reader.push(chunk);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (frameReceive.hasSubscribers) for (let i = 0; i < msgs.length; i++) publishReceive("client", this.id, msgs[i]!);
    for (let i = 0; i < msgs.length && !this.closed; i++) this.owner.onMessage(this, msgs[i]!);
    if (this.reader.failure && !this.closed) this.fail(this.reader.failure);
  }

  private readonly onFlushed = (err?: Error | null): void => {
    const w = this.flushWaiters.shift();
    if (w) w.flushed(err);
  };

  private readonly onError = (err: Error): void => {
    this.fail(new ConnectionClosedError(`connection to ${this.where} lost: ${err.message}`, { cause: err }));
  };

  private readonly onClose = (): void => {
    if (this.closed) {
      this.failWaiters(new ConnectionClosedError("connection closed before the message was sent"));
      return;
    }
    this.fail(new ConnectionClosedError(`connection to ${this.where} closed by the server`));
  };

  private readonly onTimeout = (): void => {
    this.timer = null;
    this.fail(new TimeoutError(`timeout: no reply ${this.timeoutWhat} within ${this.timerMs} ms`));
  };
}
