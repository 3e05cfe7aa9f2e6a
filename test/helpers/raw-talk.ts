// Raw frames to a daemon over loopback, replies collected with our MessageReader: what the hostile-input tests
// (test/interop/daemon-robust.test.ts) and the limit tests (test/fuzz/limits.test.ts) both need to see how a
// daemon answers, or drops, bytes no well-behaved client would send.
import { connect, type Socket } from "node:net";
import { MessageReader } from "../../src/protocol/reader.js";
import type { Message } from "../../src/protocol/message.js";

export interface Talk {
  messages: Message[];
  /** True when the daemon closed the connection (rather than `waitMs` passing or `count` replies coming). */
  closed: boolean;
  ms: number;
  sock: Socket;
}

export interface TalkOptions {
  /** Give up waiting after this long (default 3000 ms). */
  waitMs?: number;
  /** Stop once this many replies came. */
  count?: number;
  /** Leave the socket open (unless the daemon closed it) for more traffic. */
  keep?: boolean;
  /** Half-close the socket after the last chunk. */
  endAfter?: boolean;
}

/**
 * Send `chunks` (a number in the list is a pause in milliseconds) and collect replies until the daemon closes,
 * `count` replies came, or `waitMs` passed. Rejects when a reply is not a valid frame.
 */
export function talk(port: number, chunks: readonly (Buffer | number)[], opts: TalkOptions = {}): Promise<Talk> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const sock = connect(port, "127.0.0.1");
    const reader = new MessageReader();
    const messages: Message[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!opts.keep || closed) sock.destroy();
      resolve({ messages, closed, ms: performance.now() - t0, sock });
    };
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 3000);
    sock.on("data", (d) => {
      try {
        messages.push(...reader.push(d));
      } catch (e) {
        reject(e);
      }
      if (opts.count !== undefined && messages.length >= opts.count) finish(false);
    });
    sock.on("close", () => finish(true));
    sock.on("error", () => {});
    const send = async (): Promise<void> => {
      for (const c of chunks) {
        if (typeof c === "number") await new Promise((r) => setTimeout(r, c));
        else if (!sock.destroyed) sock.write(c);
      }
      if (opts.endAfter) sock.end();
    };
    sock.on("connect", () => void send());
  });
}
