// A daemon in its own process for the kill -9 / restart tests: serves the fuzz target as "fuzz" on the given
// port and prints its URI. Usage: node --import tsx test/load/fault-server.ts <port>
import { startFuzzDaemon } from "../fuzz/harness.js";

const daemon = await startFuzzDaemon({ port: Number(process.argv[2] ?? 0) });
process.stdout.write(`READY ${daemon.uriFor("fuzz").asString()}\n`);
// once the daemon is closed nothing keeps the event loop alive, so the process ends by itself with code 0
process.on("SIGTERM", () => void daemon.close());
