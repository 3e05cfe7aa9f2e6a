// One in-process Pyro call without sockets or the kernel, shared by inproc.ts (wall-clock ns per call) and
// observe-cost.ts (CPU time per call): a daemon Connection fed ready-made request bytes through a fake socket, and
// a ProxyCore answered with ready-made reply bytes. The modules come in as a parameter because observe-cost.ts
// loads them from another checkout's src/ (--src) to measure a baseline with the very same harness.
import { EventEmitter } from "node:events";

// `any`: the modules may be another checkout's, so they are typed only by how they are used here
type Ctor = new (...args: any[]) => any;

/** What the harness uses of src/: passed in rather than imported, see the comment at the top. */
export interface CallModules {
  ServerConnection: Ctor;
  ProxyCore: Ctor;
  ClientConnection: Ctor;
  URI: Ctor;
  encodeMessageBuffer: (type: number, serializerId: number, seq: number, data: Buffer, options?: { flags?: number }) => Buffer;
  getSerializer: (name: string) => {
    id: number;
    serializeData(value: unknown): Buffer;
    serializeCall(object: string, method: string, args: unknown[], kwargs: Record<string, unknown>): Buffer;
  };
  MSG_CONNECT: number;
  MSG_INVOKE: number;
  MSG_RESULT: number;
  FLAGS_META_ON_CONNECT: number;
  FLAGS_BATCH?: number;
}

/** Enough of a net.Socket for both Connection classes; `onWrite` sees every written buffer. */
export class FakeSocket extends EventEmitter {
  remoteAddress = "127.0.0.1";
  remotePort = 5555;
  remoteFamily = "IPv4";
  /** Every write completes at once (net.Socket: nothing queued), so the daemon may reuse what it wrote from. */
  writableLength = 0;
  onWrite: (b: Buffer) => void = () => {};
  corked = 0;
  /** Index of the write within the current cork (0 = the message header). */
  inCork = 0;
  setKeepAlive(): this { return this; }
  setNoDelay(): this { return this; }
  setTimeout(): this { return this; }
  cork(): void { this.corked++; this.inCork = 0; }
  uncork(): void { this.corked--; }
  write(b: Buffer, cb?: () => void): boolean {
    if (!this.corked) this.inCork = 0; // an uncorked write is a whole message
    this.onWrite(b);
    this.inCork++;
    if (cb) process.nextTick(cb);
    return true;
  }
  pause(): this { return this; }
  resume(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
  end(): this { return this; }
  destroy(): this { return this; }
}

/** The object both harnesses register as "bench" (exposing `ping`). */
export class Bench {
  ping(): null {
    return null;
  }
}

/**
 * A connected server-side Connection of `daemon`, and a function that feeds it one `ping` request (or a batch of
 * 100) and resolves once the reply is written: a resolved-promise wait per call, so that a synchronous and an
 * asynchronous server path are measured alike.
 */
export async function serverCall(m: CallModules, daemon: unknown, ser: string, batch: boolean): Promise<() => Promise<void>> {
  const s = m.getSerializer(ser);
  const sock = new FakeSocket();
  new m.ServerConnection(sock as never, daemon as never);
  const hello = s.serializeData({ handshake: "hello", object: "bench" });
  sock.emit("data", m.encodeMessageBuffer(m.MSG_CONNECT, s.id, 0, hello, { flags: m.FLAGS_META_ON_CONNECT }));
  await new Promise((r) => setTimeout(r, 10));
  const data = batch
    ? s.serializeCall("bench", "<batch>", Array.from({ length: 100 }, () => ["ping", [], {}]), {})
    : s.serializeCall("bench", "ping", [], {});
  const msg = m.encodeMessageBuffer(m.MSG_INVOKE, s.id, 1, data, { flags: batch ? m.FLAGS_BATCH! : 0 });
  let resolve: (() => void) | null = null;
  sock.onWrite = () => {
    if (resolve) {
      const r = resolve;
      resolve = null;
      queueMicrotask(r);
    }
  };
  return () =>
    new Promise<void>((res) => {
      resolve = res;
      sock.emit("data", msg);
    });
}

/**
 * A ProxyCore on a fake connection, and a function that makes one call through it with `call` and answers it with
 * `reply`, delivered as a socket read would be, after the request was written.
 */
export function clientCall(m: CallModules, ser: string, reply: unknown, call: (core: any) => Promise<unknown>): () => Promise<unknown> {
  const s = m.getSerializer(ser);
  const core = new m.ProxyCore("PYRO:bench@127.0.0.1:1", { serializer: ser, metadata: false });
  const sock = new FakeSocket();
  core.conn = new m.ClientConnection(sock as never, "fake", core, null, 0);
  core.connectedUri = new m.URI("PYRO:bench@127.0.0.1:1");
  const body = s.serializeData(reply);
  let pending: Buffer | null = null;
  sock.onWrite = (b) => {
    if (sock.inCork !== 0) return; // payload part
    pending = m.encodeMessageBuffer(m.MSG_RESULT, s.id, b.readUInt16BE(10), body);
  };
  return () => {
    const p = call(core);
    const r = pending!;
    pending = null;
    sock.emit("data", r);
    return p;
  };
}
