// Reads of a plain client socket without the readable-stream machinery: Node's `onread` option hands every read
// to a callback in a buffer we choose. The client's Connection is the sink; the relay only decides where each read
// lands (a buffer shared by all relayed sockets, or a large message's own body) and keeps reads that arrive before
// the sink is attached.

/** The read buffer shared by every relayed socket (libuv reads at most this much at a time). */
const SHARED = Buffer.allocUnsafeSlow(64 * 1024);

/** Where a relayed socket's reads go. */
export interface ReadSink {
  /**
   * A read into the shared buffer: its first `n` bytes, valid only during the call (the buffer itself, not a view
   * of them: a Buffer view costs several hundred instructions, a fifth of a small reply's reading).
   */
  onRead(buf: Buffer, n: number): void;
  /** A buffer of its own the next read should go straight into (a large message's body), or null. */
  readTarget(): Buffer | null;
  /** `n` bytes were read straight into the buffer the last `readTarget()` returned. */
  onReadInPlace(n: number): void;
}

/**
 * A client socket's reads through Node's `onread` option instead of 'data' events. Small reads land in one buffer
 * shared by all relayed sockets (reads are handled one at a time, and the sink copies what it keeps): no
 * readable-stream machinery and no fresh buffer per read, a fifth of a client's CPU per small call on a loopback
 * ping-pong. Once a large message's body buffer exists, reads go straight into it (the kernel's copy is the only
 * one). Reads that arrive before a sink is attached are kept as copies.
 */
export class ReadRelay {
  private sink: ReadSink | null = null;
  private early: Buffer[] | null = null;
  readonly onread = {
    // called once when the socket starts reading, then after every read: where the next one goes
    buffer: (): Buffer => this.sink?.readTarget() ?? SHARED,
    // true: keep reading (false would pause the socket)
    callback: (nread: number, buf: Buffer): boolean => {
      if (buf !== SHARED) this.sink!.onReadInPlace(nread);
      else if (this.sink) this.sink.onRead(buf, nread);
      else (this.early ??= []).push(Buffer.from(buf.subarray(0, nread)));
      return true;
    },
  };

  attach(sink: ReadSink): void {
    this.sink = sink;
    const early = this.early;
    this.early = null;
    if (early) for (const c of early) sink.onRead(c, c.length);
  }
}
