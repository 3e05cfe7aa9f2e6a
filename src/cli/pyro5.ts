#!/usr/bin/env node
// The `pyro5` command: `ns`, `nsc` and `echoserver` with the flags and key output lines of Python Pyro5's tools
// (python -m Pyro5.nameserver, Pyro5.nsc, Pyro5.utils.echoserver). Each subcommand is the `pyro4` command's code
// run with `protocol: 5`, so both binaries share one implementation (httpgateway too: Pyro5.utils.httpgateway).

import { runCli, type CliCommand } from "./run.js";

const commands: Record<string, CliCommand> = {
  ns: {
    about: "start a Pyro5 name server (like python -m Pyro5.nameserver)",
    load: async () => {
      const { nsMain } = await import("./ns.js");
      return (argv) => nsMain(argv, { protocol: 5 });
    },
  },
  nsc: {
    about: "Pyro5 name server control (like python -m Pyro5.nsc)",
    load: async () => {
      const { nscMain } = await import("./nsc.js");
      return (argv) => nscMain(argv, { protocol: 5 });
    },
  },
  echoserver: {
    about: "start the Pyro5 test echo server (like python -m Pyro5.utils.echoserver)",
    load: async () => {
      const { echoserverMain } = await import("./echoserver.js");
      return (argv) => echoserverMain(argv, { protocol: 5 });
    },
  },
  httpgateway: {
    about: "start a Pyro5 HTTP gateway (like python -m Pyro5.utils.httpgateway)",
    load: async () => {
      const { httpgatewayMain } = await import("./httpgateway.js");
      return (argv) => httpgatewayMain(argv, { protocol: 5 });
    },
  },
};

runCli(
  "pyro5",
  commands,
  (pkg) => `pyro5 (${pkg.name} ${pkg.version}, Pyro5 compatible, protocol 502) on Node ${process.versions.node}`,
);
