// Open many idle Pyro connections to a daemon (a real CONNECT handshake each, json serializer, which every daemon
// accepts) for the memory rows: RSS of a daemon holding 100 and 1,000 client connections.
import { connect, type Socket } from "node:net";
import { encodeMessageBuffer, MSG_CONNECT, MSG_CONNECTOK, FLAGS_META_ON_CONNECT } from "../../src/protocol/message.js";

export function hostPort(uri: string): { host: string; port: number } {
  const m = /@([^:@]+):(\d+)$/.exec(uri);
  if (!m) throw new Error(`cannot find host:port in ${uri}`);
  return { host: m[1]!, port: Number(m[2]) };
}

function handshake(host: string, port: number, objectId: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, noDelay: true });
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("handshake timed out"));
    }, 20_000);
    sock.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on("connect", () => {
      const data = Buffer.from(JSON.stringify({ handshake: "hello", object: objectId }), "utf8");
      sock.write(encodeMessageBuffer(MSG_CONNECT, 2, 0, data, { flags: FLAGS_META_ON_CONNECT }));
    });
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 24) return;
      sock.off("data", onData);
      clearTimeout(timer);
      const type = got.readUInt16BE(6);
      if (type === MSG_CONNECTOK) resolve(sock);
      else {
        sock.destroy();
        reject(new Error(`connection refused by daemon (message type ${type})`));
      }
    };
    sock.on("data", onData);
  });
}

/** Add connections until `sockets` holds `n`, 20 handshakes at a time (small listen backlogs). */
export async function openConnections(sockets: Socket[], uri: string, objectId: string, n: number): Promise<void> {
  const { host, port } = hostPort(uri);
  while (sockets.length < n) {
    const k = Math.min(20, n - sockets.length);
    sockets.push(...(await Promise.all(Array.from({ length: k }, () => handshake(host, port, objectId)))));
  }
}

export function closeConnections(sockets: Socket[]): void {
  for (const s of sockets.splice(0)) s.destroy();
}
