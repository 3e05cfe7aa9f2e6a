// TypeScript side of the benchmark servers: our Daemon serving the same bench object as python/bench_server.py
// (`ping`, `echo`, oneway `tick` + `count`, generator `gen`), or (argument "ns") our name server with one
// registered name. Runs in its own process (bundled to plain JS by lib/procs.ts) so client and server never share
// an event loop. `--pyro5` serves Pyro5 clients (protocol 502) instead. Prints "URI <uri>" when ready.
import cluster from "node:cluster";
import { createServer, Server, type AddressInfo } from "node:net";
import { Daemon } from "../../src/server/index.js";
import { startNameServer } from "../../src/naming/server.js";
import type { SerializerName } from "../../src/serializers/index.js";

const PROTOCOL: 4 | 5 = process.argv.includes("--pyro5") ? 5 : 4;
/**
 * `--workers N` (prototype for issue 28 item 2, daemon only): N processes (node:cluster) sharing one listening
 * socket, each with its own Daemon and its own Bench instance; `--rr` lets the primary hand out connections round
 * robin instead of every worker accepting on the shared socket.
 */
const WORKERS = Number(process.argv[process.argv.indexOf("--workers") + 1] ?? 0) || 0;
if (process.argv.includes("--workers")) cluster.schedulingPolicy = process.argv.includes("--rr") ? cluster.SCHED_RR : cluster.SCHED_NONE;
// Pyro5 has no pickle
const ACCEPT = PROTOCOL === 5 ? ["serpent", "json", "marshal", "msgpack"] : ["serpent", "json", "marshal", "msgpack", "pickle"];

class Bench {
  private n = 0;
  ping(): null {
    return null;
  }
  echo(x: unknown): unknown {
    return x;
  }
  tick(): void {
    this.n++;
  }
  count(): number {
    return this.n;
  }
  *gen(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
}

if (cluster.isWorker) {
  // prototype only: the daemon listens with exclusive: true (a socket of its own); a cluster worker shares the
  // primary's listening socket instead
  const listen = Server.prototype.listen as (this: Server, ...a: unknown[]) => Server;
  Server.prototype.listen = function (this: Server, ...a: unknown[]): Server {
    if (a[0] && typeof a[0] === "object") a[0] = { ...(a[0] as object), exclusive: false };
    return listen.apply(this, a);
  } as Server["listen"];
}

/** The primary of `--workers`: forks the workers, prints the URI once all of them listen, stops them on SIGTERM. */
async function primary(): Promise<void> {
  // a port of our own for all of them (listen(0) in a worker gets it a port of its own here)
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const uris = await Promise.all(
    Array.from({ length: WORKERS }, () => {
      const w = cluster.fork({ BENCH_PORT: String(port) });
      return new Promise<string>((resolve, reject) => {
        w.on("message", (m: { uri?: string }) => m.uri && resolve(m.uri));
        w.once("exit", (code) => reject(new Error(`worker exited (${code})`)));
      });
    }),
  );
  if (new Set(uris).size !== 1) throw new Error(`workers listen on different addresses: ${uris.join(", ")}`);
  process.stdout.write(`URI ${uris[0]}\n`);
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill("SIGTERM");
    process.exit(0);
  });
}

async function main(): Promise<void> {
  if (WORKERS > 0 && cluster.isPrimary) return primary();
  let close: () => Promise<void>;
  let uri: string;
  if (process.argv[2] === "ns") {
    const ns = await startNameServer({
      host: "127.0.0.1", port: 0, enableBroadcast: false, protocol: PROTOCOL, daemonOptions: { serializersAccepted: ACCEPT as SerializerName[] },
    });
    await ns.nameserver.register("bench.object", "PYRO:bench@127.0.0.1:9999");
    uri = ns.uri.toString();
    close = () => ns.close();
  } else {
    const daemon = await Daemon.create({ host: "127.0.0.1", port: Number(process.env.BENCH_PORT ?? 0), protocol: PROTOCOL, serializersAccepted: ACCEPT as SerializerName[] });
    uri = daemon
      .register(new Bench(), "bench", { expose: ["ping", "echo", "tick", "count", "gen"], oneway: ["tick"] })
      .toString();
    close = () => daemon.close();
  }
  if (cluster.isWorker) process.send!({ uri });
  else process.stdout.write(`URI ${uri}\n`);
  process.on("SIGTERM", () => void close().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench server failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
