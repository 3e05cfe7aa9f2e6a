// Opens the client side of a Pyro connection (TCP over IPv4/IPv6, or a unix domain socket) with a timeout and
// an AbortSignal, and words failures the way Pyro4 does ("cannot connect to ('host', port): ...") so users
// see which address was tried and why it failed.

import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { CommunicationError, TimeoutError } from "../errors.js";
import type { ReadRelay } from "./relay.js";
import { repr } from "../python/repr.js";
import { tuple } from "../python/types.js";

export interface ConnectTarget {
  host?: string | null;
  port?: number | null;
  /** Unix domain socket path (wins over host/port). A leading NUL selects Linux's abstract namespace. */
  sockname?: string | null;
}

export interface ConnectOptions {
  /** Milliseconds; 0 or undefined = no limit. */
  timeoutMs?: number;
  signal?: AbortSignal | null;
  /** TCP_NODELAY (default true: Pyro messages are request/response and must not wait for Nagle). */
  noDelay?: boolean;
  /** TLS options (see transport/tls.ts tlsClientOptions); null/undefined = plain TCP. */
  tls?: TlsConnectionOptions | null;
  /**
   * Plain sockets only: deliver reads through this relay (Node's `onread`, one reused buffer) instead of
   * 'data' events. TLS sockets ignore it and keep their 'data' events.
   */
  relay?: ReadRelay | null;
}

/**
 * The error an aborted operation rejects with: the signal's reason, except that `AbortSignal.timeout()`'s
 * DOMException becomes our TimeoutError, so `instanceof TimeoutError` / `code === "ERR_PYRO4_TIMEOUT"` hold for both kinds
 * of timeout.
 */
export function abortReason(signal: AbortSignal): unknown {
  const r = signal.reason as { name?: string; message?: string } | undefined;
  if (r && r.name === "TimeoutError" && !(r instanceof TimeoutError))
    return new TimeoutError(`operation timed out (AbortSignal): ${r.message ?? ""}`.trim(), { cause: r });
  return r;
}

/** Pyro4 prints the connect location as a Python tuple `('host', port)` or the socket path. */
export function describeTarget(t: ConnectTarget): string {
  if (t.sockname) return t.sockname;
  return repr(tuple(t.host ?? "", t.port ?? null));
}

/** Connect; resolves with a connected socket (no data listeners attached, not unref'd). */
export function connectSocket(target: ConnectTarget, options: ConnectOptions = {}): Promise<Socket> {
  // the location's Python repr appears only in failures: formatted then, not on every connect
  const where = () => describeTarget(target);
  return new Promise<Socket>((resolve, reject) => {
    const signal = options.signal ?? null;
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    let socket: Socket;
    try {
      if (options.tls) {
        socket = target.sockname
          ? tlsConnect({ ...options.tls, path: target.sockname })
          : tlsConnect({ ...options.tls, host: target.host ?? "localhost", port: target.port ?? 0 });
      } else {
        const onread = options.relay?.onread;
        socket = target.sockname
          ? netConnect({ path: target.sockname, onread })
          : netConnect({ host: target.host ?? "localhost", port: target.port ?? 0, onread });
      }
    } catch (e) {
      reject(new CommunicationError(`cannot connect to ${where()}: ${(e as Error).message}`, { cause: e }));
      return;
    }
    // A TLS socket is usable only after the handshake, which is also where certificate errors surface.
    const readyEvent = options.tls ? "secureConnect" : "connect";
    let timer: NodeJS.Timeout | null = null;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      socket.removeListener(readyEvent, onConnect);
      socket.removeListener("error", onError);
      signal?.removeEventListener("abort", onAbort);
    };
    const onConnect = () => {
      cleanup();
      if (!target.sockname) socket.setNoDelay(options.noDelay ?? true);
      resolve(socket);
    };
    const onError = (err: Error) => {
      cleanup();
      socket.destroy();
      const code = (err as NodeJS.ErrnoException).code;
      const tlsHint = options.tls && code && /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ERR_TLS|ERR_SSL/.test(code) ? ` (TLS: ${code})` : "";
      reject(new CommunicationError(`cannot connect to ${where()}: ${err.message}${tlsHint}`, { cause: err }));
    };
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(abortReason(signal!));
    };
    socket.once(readyEvent, onConnect);
    socket.once("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (options.timeoutMs && options.timeoutMs > 0) {
      timer = setTimeout(() => {
        cleanup();
        socket.destroy();
        reject(new TimeoutError(`cannot connect to ${where()}: timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
    }
  });
}
