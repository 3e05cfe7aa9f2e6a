// `pyro4 ns`: the name server command, with pyro4-ns's flags and console lines (`URI = PYRO:...`), so scripts
// that start pyro4-ns and scrape its output work with ours. Runs until SIGINT/SIGTERM, then shuts down cleanly.

import type { PyroProfile } from "../profiles/index.js";
import { startNameServer } from "../naming/server.js";
import type { ParserSpec } from "../python/optparse.js";
import { oneLine } from "./report.js";
import { hmacKeyFrom } from "./hmac-key.js";
import { defineCommand, type CommandIo } from "./command.js";

/** `-s`'s help: what this name server stores names in (see startNameServer's `storage`). */
export const STORAGE_HELP = "Storage to use (memory, sql:file, postgresql://...)";

// pyro4-ns's OptionParser (Pyro4/naming.py main()), option for option, so its help text is Python's; the last
// two options are our extension (pruning of dead registrations, docs/ha-nameserver.md)
export const nsParser: ParserSpec = {
  prog: "pyro4 ns",
  options: [
    { short: "n", long: "host", help: "hostname to bind server on" },
    { short: "p", long: "port", type: "int", help: "port to bind server on (0=random)" },
    { short: "u", long: "unixsocket", help: "Unix domain socket name to bind server on" },
    // Python lists dbm:file, which we refuse (with a message saying why), and lacks our postgresql:// storage: the
    // one help line that deliberately differs from pyro4-ns's (the interop tests substitute it on Python's side)
    { short: "s", long: "storage", default: "memory", help: STORAGE_HELP },
    { long: "bchost", help: 'hostname to bind broadcast server on (default is "")' },
    { long: "bcport", type: "int", help: "port to bind broadcast server on (0=random)" },
    { long: "nathost", help: "external hostname in case of NAT" },
    { long: "natport", type: "int", help: "external port in case of NAT" },
    { short: "x", long: "nobc", dest: "enablebc", action: "store_false", default: true, help: "don't start a broadcast server" },
    { short: "k", long: "key", help: "the HMAC key to use (deprecated)" },
    { long: "prune", extension: true, help: "check registered daemons every PRUNE seconds and remove dead ones (default off)" },
    { long: "prune-after", extension: true, dest: "pruneafter", type: "int", default: 3, help: "failed checks in a row before a daemon's names are removed (default 3)" },
  ],
};

// `pyro5 ns`: Pyro5's nameserver.py main() (argparse) has the same flags minus -k (Pyro5 has no HMAC); our
// --prune extension stays
export const ns5Parser: ParserSpec = {
  prog: "pyro5 ns",
  style: "argparse",
  description: "Pyro name server command line launcher.",
  options: nsParser.options.filter((o) => o.long !== "key"),
};

export interface NsMainIo extends CommandIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** Each protocol's name-server command line (HMAC aside: the profile says whether there is one). */
const PARSERS: Record<PyroProfile["name"], ParserSpec> = { Pyro4: nsParser, Pyro5: ns5Parser };

/** `pyro4 ns` / `pyro5 ns` (io.protocol 5): runs until SIGINT/SIGTERM (or io.stopSignal); returns the exit status. */
export const nsMain = defineCommand<NsMainIo>({
  parser: (profile) => PARSERS[profile.name],
  output: "line",
  async run({ profile, prog, options: o, out, err, fail, stopped }) {
    const hmac = profile.wire.hmac ? hmacKeyFrom(o.key as string | null, err) : { key: null };
    if ("error" in hmac) fail(hmac.error);
    const key = (hmac as { key: string | null }).key;
    let prune: number | null = null;
    if (o.prune != null) {
      prune = Number(o.prune);
      if (!(prune > 0) || !Number.isFinite(prune)) fail(`${prog}: error: option --prune: invalid number of seconds: '${o.prune}'`, 2);
      if (!((o.pruneafter as number) >= 1)) fail(`${prog}: error: option --prune-after: must be at least 1`, 2);
    }
    let ns;
    try {
      ns = await startNameServer({
        host: (o.host as string | null) ?? undefined,
        port: (o.port as number | null) ?? undefined,
        unixsocket: o.unixsocket as string | null,
        storage: o.storage as string,
        enableBroadcast: o.enablebc as boolean,
        bchost: o.bchost as string | null,
        bcport: o.bcport as number | null,
        ...(o.nathost != null ? { nathost: o.nathost as string, natport: (o.natport as number | null) ?? profile.config.NATPORT } : {}),
        hmacKey: key,
        prune: prune !== null ? { interval: prune, after: o.pruneafter as number } : null,
        protocol: profile.protocol,
      });
    } catch (e) {
      return fail(`${prog}: error: ${oneLine(e)}`);
    }
    if (ns.broadcastSkipped) out(ns.broadcastSkipped);
    if (ns.broadcast) out(`Broadcast server running on ${ns.broadcast.locationStr}`);
    const existing = await ns.nameserver.count();
    if (existing > 1) out(`Persistent store contains ${existing} existing registrations.`);
    out(`NS running on ${ns.daemon.locationStr} (${ns.hostip})`);
    // Pyro5 has no HMAC, so pyro5-ns prints no HMAC warning
    if (!key && profile.wire.hmac) out("Warning: HMAC key not set. Anyone can connect to this server!");
    if (prune !== null) out(`Pruning dead registrations: check every ${prune} s, remove after ${o.pruneafter} failed checks.`);
    if (ns.daemon.natLocationStr) {
      out(`internal URI = ${ns.internalUri}`);
      out(`external URI = ${ns.uri}`);
    } else {
      out(`URI = ${ns.uri}`);
    }
    await Promise.race([stopped(), ns.daemon.requestLoop()]);
    await ns.close();
    out("NS shut down.");
    return 0;
  },
});
