// `pyro4 flame-console <uri|host:port>`: attach stdin/stdout to a remote Python console on a Pyro4 Flame server
// (pyro4-flameserver), as Pyro4's flame.connect(...).console().interact() does in Python.

import { connectFlame } from "../client/flame.js";
import { formatUsage, type ParserSpec } from "../python/optparse.js";
import { oneLine } from "./report.js";
import { defineCommand, type CommandIo } from "./command.js";

export const flameConsoleParser: ParserSpec = {
  prog: "pyro4 flame-console",
  usage: "%prog [-k KEY] [--no-prompts] URI",
  description:
    "Open an interactive Python console on a Pyro4 Flame server (pyro4-flameserver). URI is a PYRO URI or " +
    "host:port (object Pyro.Flame), e.g. localhost:9999. The HMAC key can also come from PYRO_HMAC_KEY.",
  options: [
    { short: "k", long: "key", help: "the server's HMAC key" },
    { long: "no-prompts", dest: "noprompts", action: "store_true", default: false, help: 'do not print ">>> " / "... " prompts (for scripted input)' },
  ],
};

/** Runs the console until stdin ends or the remote console exits. */
export const flameConsoleMain = defineCommand<CommandIo>({
  parser: () => flameConsoleParser,
  output: "line",
  async run({ options, args, fail }) {
    if (args.length !== 1) fail(`${formatUsage(flameConsoleParser)}pyro4 flame-console: error: expected one URI`, 2);
    const key = (options.key as string | null) ?? process.env.PYRO_HMAC_KEY ?? null;
    try {
      const flame = await connectFlame(args[0]!, { hmacKey: key });
      try {
        const console = await flame.console();
        await console.interact(process.stdin, process.stdout, { prompts: !options.noprompts });
      } finally {
        await flame.close();
      }
      return 0;
    } catch (e) {
      return fail(`pyro4 flame-console: ${oneLine(e)}`);
    }
  },
});
