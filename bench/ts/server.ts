// TypeScript side of the benchmark servers: our Daemon serving the same bench object as python/bench_server.py
// (`ping`, `echo`, oneway `tick` + `count`, generator `gen`), or (argument "ns") our name server with one
// registered name. Runs in its own process (bundled to plain JS by lib/procs.ts) so client and server never share
// an event loop. `--pyro5` serves Pyro5 clients (protocol 502) instead. Prints "URI <uri>" when ready.
import { Daemon } from "../../src/server/index.js";
import { startNameServer } from "../../src/naming/server.js";
import type { SerializerName } from "../../src/serializers/index.js";

const PROTOCOL: 4 | 5 = process.argv.includes("--pyro5") ? 5 : 4;
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

async function main(): Promise<void> {
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
    const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, protocol: PROTOCOL, serializersAccepted: ACCEPT as SerializerName[] });
    uri = daemon
      .register(new Bench(), "bench", { expose: ["ping", "echo", "tick", "count", "gen"], oneway: ["tick"] })
      .toString();
    close = () => daemon.close();
  }
  process.stdout.write(`URI ${uri}\n`);
  process.on("SIGTERM", () => void close().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench server failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
