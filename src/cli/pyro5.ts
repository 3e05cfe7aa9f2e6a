#!/usr/bin/env node
// The `pyro5` command: `ns`, `nsc`, `echoserver` and `httpgateway` with the flags and key output lines of Python Pyro5's tools
// (python -m Pyro5.nameserver, Pyro5.nsc, Pyro5.utils.echoserver). Each subcommand is the `pyro4` command's code
// run with `protocol: 5`, so both binaries share one implementation (httpgateway too: Pyro5.utils.httpgateway).

import { PYRO5_PROFILE } from "../profiles/index.js";
import { runCli, type CliCommand } from "./run.js";
import { runtimeDescription } from "../runtime.js";

/** A `pyro4` command's entry point, loaded lazily and run with protocol 5. */
type Pyro4Main = (argv: string[], options: { protocol: 5 }) => Promise<number>;
function asPyro5(about: string, load: () => Promise<Pyro4Main>): CliCommand {
  return {
    about,
    load: async () => {
      // Python Pyro5 refuses to start with PYRO_* variables it does not know (or cannot cast): so do we
      PYRO5_PROFILE.checkConfig();
      const main = await load();
      return (argv) => main(argv, { protocol: 5 });
    },
  };
}

const commands: Record<string, CliCommand> = {
  ns: asPyro5("start a Pyro5 name server (like python -m Pyro5.nameserver)", async () => (await import("./ns.js")).nsMain),
  nsc: asPyro5("Pyro5 name server control (like python -m Pyro5.nsc)", async () => (await import("./nsc.js")).nscMain),
  echoserver: asPyro5(
    "start the Pyro5 test echo server (like python -m Pyro5.utils.echoserver)",
    async () => (await import("./echoserver.js")).echoserverMain,
  ),
  "check-config": {
    // not through asPyro5: it reports every refused PYRO_* variable itself
    about: "print the effective Pyro5 configuration (like python -m Pyro5.configure)",
    load: async () => (await import("./check-config.js")).checkConfig5Main,
  },
  httpgateway: asPyro5(
    "start a Pyro5 HTTP gateway (like python -m Pyro5.utils.httpgateway)",
    async () => (await import("./httpgateway.js")).httpgatewayMain,
  ),
};

runCli(
  "pyro5",
  commands,
  (pkg) => `pyro5 (${pkg.name} ${pkg.version}, Pyro5 compatible, protocol 502) on ${runtimeDescription()}`,
);
