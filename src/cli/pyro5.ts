#!/usr/bin/env node
// The `pyro5` command: `ns`, `nsc`, `echoserver`, `httpgateway` and `check-config` with the flags and key output
// lines of Python Pyro5's tools (python -m Pyro5.nameserver, Pyro5.nsc, Pyro5.utils.echoserver,
// Pyro5.utils.httpgateway, Pyro5.configure). Each is the `pyro4` command's code run with protocol 5 (the runner
// passes it), so both binaries share one implementation.

import { PYRO5_PROFILE } from "../profiles/index.js";
import { runCli, type CliCommand } from "./run.js";
import { runtimeDescription } from "../runtime.js";

// Python Pyro5 refuses to start with PYRO_* variables it does not know (or cannot cast): so do we
const checkEnv = () => PYRO5_PROFILE.checkConfig();

const commands: Record<string, CliCommand> = {
  ns: {
    about: "start a Pyro5 name server (like python -m Pyro5.nameserver)",
    before: checkEnv,
    load: async () => (await import("./ns.js")).nsMain,
  },
  nsc: { about: "Pyro5 name server control (like python -m Pyro5.nsc)", before: checkEnv, load: async () => (await import("./nsc.js")).nscMain },
  echoserver: {
    about: "start the Pyro5 test echo server (like python -m Pyro5.utils.echoserver)",
    before: checkEnv,
    load: async () => (await import("./echoserver.js")).echoserverMain,
  },
  "check-config": {
    // no checkEnv: it reports every refused PYRO_* variable itself
    about: "print the effective Pyro5 configuration (like python -m Pyro5.configure)",
    load: async () => (await import("./check-config.js")).checkConfigCommand,
  },
  configure: {
    // Python's name for the same tool (python -m Pyro5.configure)
    about: "the same as check-config (Python's name: python -m Pyro5.configure)",
    load: async () => (await import("./check-config.js")).checkConfigCommand,
  },
  httpgateway: {
    about: "start a Pyro5 HTTP gateway (like python -m Pyro5.utils.httpgateway)",
    before: checkEnv,
    load: async () => (await import("./httpgateway.js")).httpgatewayMain,
  },
};

runCli({
  prog: "pyro5",
  protocol: 5,
  commands,
  version: (pkg) => `pyro5 (${pkg.name} ${pkg.version}, Pyro5 compatible, protocol 502) on ${runtimeDescription()}`,
});
