// Profiling driver, client side: one TS Proxy (or `--raw`: the raw-socket ping-pong of the bench's limit rows)
// running one kind of work against a server started elsewhere, for a fixed time. Prints ops/s as JSON on stdout.
// Usage: node --import tsx bench/profile/client.ts URI KIND SERIALIZER MS [ARG]
import { TsClient } from "../lib/tsclient.js";

/** Tell the driver the measured span starts/ends (it samples the server's CPU time then) and wait for its ack. */
function mark(): Promise<void> {
  process.stdout.write("MARK\n");
  return new Promise((resolve) => process.stdin.once("data", () => resolve()));
}

async function main(): Promise<void> {
  const [uri, kind, ser, msStr, argStr] = process.argv.slice(2);
  const ms = Number(msStr ?? 3000);
  const arg = Number(argStr ?? 0);
  if (kind === "concurrent") {
    const cs = Array.from({ length: arg || 8 }, () => new TsClient(uri!, ser!));
    await Promise.all(cs.map((c) => c.open()));
    await Promise.all(cs.map((c) => c.run("ping", 300)));
    await mark();
    const cpu0 = process.cpuUsage();
    const rs = await Promise.all(cs.map((c) => c.run("ping", ms)));
    const cpu = process.cpuUsage(cpu0);
    await mark();
    const total = rs.reduce((a, r) => a + r.ops, 0);
    const ops = total / Math.max(...rs.map((r) => r.secs));
    process.stdout.write(JSON.stringify({ kind, ser, n: arg, opsPerSec: ops, ops: total, cpuUser: cpu.user, cpuSys: cpu.system }) + "\n");
    await Promise.all(cs.map((c) => c.close()));
    return;
  }
  const c = new TsClient(uri!, ser!);
  await c.open();
  await c.run(kind!, Math.min(500, ms / 4), arg); // warm-up
  await mark();
  const cpu0 = process.cpuUsage();
  const r = await c.run(kind!, ms, arg);
  const cpu = process.cpuUsage(cpu0);
  await mark();
  const value = kind === "echo" ? (r.ops * arg) / r.secs / 1e6 : r.ops / r.secs;
  process.stdout.write(
    JSON.stringify({ kind, ser, value, ops: r.ops, unit: kind === "echo" ? "MB/s" : "ops/s", p50: r.p50, p99: r.p99, cpuUser: cpu.user, cpuSys: cpu.system }) + "\n",
  );
  await c.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`profile client failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
