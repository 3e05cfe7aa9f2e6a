// A daemon in its own process for the kill -9 / restart tests: serves the fuzz target as "fuzz" on the given
// port and prints its URI. Usage: node --import tsx test/load/fault-server.ts <port>
import { startFuzzDaemon } from "../fuzz/harness.js";

const daemon = await startFuzzDaemon({ port: Number(process.argv[2] ?? 0) });
process.stdout.write(`READY ${daemon.uriFor("fuzz").asString()}\n`);
process.on("SIGTERM", () => void daemon.close().then(() => process.exit(0)));
