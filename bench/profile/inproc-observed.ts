// inproc.ts with subscribers on the pyro4 diagnostics channels, to measure what being observed costs per call
// (the unobserved figures come from inproc.ts itself). OBSERVE=calls (client:call + server:request, no-op
// handlers), frames (frame:send/receive), all (every channel; the default).
// Usage: OBSERVE=all node --import tsx bench/profile/inproc-observed.ts [inproc.ts options]
import dc from "node:diagnostics_channel";

const which = process.env.OBSERVE ?? "all";
let seen = 0;
const noop = () => {
  seen++;
};
if (which === "calls" || which === "all")
  for (const n of ["pyro4:client:call", "pyro4:server:request"])
    dc.tracingChannel(n).subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop });
if (which === "frames" || which === "all") for (const n of ["pyro4:frame:send", "pyro4:frame:receive"]) dc.subscribe(n, noop);
if (which === "all") for (const n of ["pyro4:client:connect", "pyro4:client:disconnect", "pyro4:server:connection", "pyro4:server:disconnect", "pyro4:log"]) dc.subscribe(n, noop);
process.on("exit", () => process.stderr.write(`(observed ${seen} events)\n`));
await import("./inproc.js");
