// A fuzz daemon in a process of its own, for tests that read its memory from outside (backpressure.test.ts).
// Prints `READY <host:port>`, then answers each stdin line "mem" with `MEM {json}`: heap and RSS after a GC,
// and the bytes of replies it holds unsent over all its connections. Options come as JSON in argv[2].
import { createInterface } from "node:readline";
import { startFuzzDaemon } from "./harness.js";

const options = JSON.parse(process.argv[2] ?? "{}");
const daemon = await startFuzzDaemon(options);
const gc = (globalThis as { gc?: () => void }).gc;
process.stdout.write(`READY ${daemon.locationStr}\n`);
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "mem") return;
  gc?.();
  const m = process.memoryUsage();
  let unsent = 0;
  for (const c of daemon.connections) unsent += (c as unknown as { socket: { writableLength: number } }).socket.writableLength;
  process.stdout.write(`MEM ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, unsent, connections: daemon.connections.size })}\n`);
});
process.stdin.on("end", () => {
  void daemon.close().then(() => process.exit(0));
});
