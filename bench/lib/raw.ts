// Client side of the "limit" rows: ping-pong and bulk echo over bare sockets against ts/raw-server.ts, with the
// same frame sizes as a Pyro small call and the same payload sizes as the large-payload rows.
import { connect, type Socket } from "node:net";

const HEADER = 24;
const ECHO = 0xffffffff;
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * One socket doing request/response round trips; `roundTrip()` resolves when the whole reply has arrived. Reads go
 * through `onread` (the cheapest read Node offers, as in our client): small replies into one reused buffer; a
 * bulk reply into a fresh buffer of its own, which the kernel fills directly once its first read is in (the
 * least an RPC client can do: hand the caller the reply in memory of its own).
 */
export class RawConn {
  private sock!: Socket;
  private have = 0;
  private need = Number.MAX_SAFE_INTEGER;
  private done: (() => void) | null = null;
  private reply: Buffer | null = null;

  static async open(port: number): Promise<RawConn> {
    const c = new RawConn();
    await new Promise<void>((resolve, reject) => {
      c.sock = connect(
        { host: "127.0.0.1", port, noDelay: true, onread: { buffer: () => c.target(), callback: (n, buf) => c.onData(n, buf) } },
        resolve,
      );
      c.sock.once("error", reject);
    });
    return c;
  }

  private target(): Buffer {
    const r = this.reply;
    return r && this.have > 0 && this.have < r.length ? r.subarray(this.have) : READ_BUFFER;
  }

  private onData(n: number, buf: Uint8Array): boolean {
    if (this.reply && buf === READ_BUFFER) READ_BUFFER.copy(this.reply, this.have, 0, n);
    this.have += n;
    if (this.have >= this.need) {
      this.have = 0;
      this.reply = null;
      const d = this.done;
      this.done = null;
      d?.();
    }
    return true;
  }

  /** Send, then wait for `expect` reply bytes (the client knows the reply size, so no header parsing). */
  roundTrip(expect: number, frame: Buffer, payload?: Buffer): Promise<void> {
    return new Promise((resolve) => {
      this.need = expect;
      this.done = resolve;
      if (payload) {
        this.reply = Buffer.allocUnsafe(expect);
        this.sock.cork();
        this.sock.write(frame);
        this.sock.write(payload);
        this.sock.uncork();
      } else this.sock.write(frame);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function frame(payloadLen: number, replyLen: number): Buffer {
  const b = Buffer.alloc(HEADER + (replyLen === ECHO ? 0 : payloadLen), 0x62);
  b.write("PYRO", 0, "latin1");
  b.writeUInt32BE(payloadLen, 12);
  b.writeUInt32BE(replyLen, 16);
  return b;
}

export interface RawResult {
  ops: number;
  secs: number;
}

/** Open `n` sockets to the raw server (kept across warm-up and repeats: a fresh socket starts in TCP slow start). */
export function rawConnect(port: number, n: number): Promise<RawConn[]> {
  return Promise.all(Array.from({ length: n }, () => RawConn.open(port)));
}

/** Each socket doing back-to-back round trips of (request, reply) payload sizes for `ms`. */
export async function rawPingPong(cs: RawConn[], reqLen: number, resLen: number, ms: number): Promise<RawResult> {
  const f = frame(reqLen, resLen);
  const t0 = performance.now();
  const end = t0 + ms;
  let ops = 0;
  await Promise.all(
    cs.map(async (c) => {
      while (performance.now() < end) {
        await c.roundTrip(HEADER + resLen, f);
        ops++;
      }
    }),
  );
  return { ops, secs: (performance.now() - t0) / 1000 };
}

/** Echo a `size`-byte payload back and forth on one socket for `ms` (at least one round trip). */
export async function rawBulkEcho(c: RawConn, size: number, ms: number): Promise<RawResult> {
  const head = frame(size, ECHO);
  const payload = Buffer.alloc(size, 0x78);
  const t0 = performance.now();
  const end = t0 + ms;
  let ops = 0;
  do {
    await c.roundTrip(HEADER + size, head, payload);
    ops++;
  } while (performance.now() < end);
  return { ops, secs: (performance.now() - t0) / 1000 };
}
