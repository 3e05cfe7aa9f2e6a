#!/usr/bin/env node
// The `pyro4` command: one binary with subcommands mirroring Python's pyro4-ns, pyro4-nsc,
// pyro4-test-echoserver, pyro4-httpgateway and pyro4-check-config, plus our flame-console and trace. Subcommands
// are loaded lazily so `pyro4 nsc` stays quick; src/cli/run.ts dispatches, src/cli/command.ts runs each.

import { PYRO4_COMPAT_VERSION } from "../version.js";
import { runCli, type CliCommand } from "./run.js";
import { runtimeDescription } from "../runtime.js";

const commands: Record<string, CliCommand> = {
  ns: { about: "start a name server (like pyro4-ns)", load: async () => (await import("./ns.js")).nsMain },
  nsc: { about: "name server control (like pyro4-nsc)", load: async () => (await import("./nsc.js")).nscMain },
  echoserver: {
    about: "start the test echo server (like pyro4-test-echoserver)",
    load: async () => (await import("./echoserver.js")).echoserverMain,
  },
  httpgateway: {
    about: "HTTP gateway to Pyro objects (like pyro4-httpgateway)",
    load: async () => (await import("./httpgateway.js")).httpgatewayMain,
  },
  "flame-console": {
    about: "interactive console on a Pyro4 Flame server (pyro4-flameserver)",
    load: async () => (await import("./flame-console.js")).flameConsoleMain,
  },
  "check-config": {
    about: "print the effective configuration (like pyro4-check-config)",
    load: async () => (await import("./check-config.js")).checkConfigCommand,
  },
  trace: {
    about: "decode wire trace files (PYRO4_TRACE_DIR) and print their frames",
    load: async () => (await import("./trace.js")).traceCommand,
  },
};

runCli({
  prog: "pyro4",
  protocol: 4,
  commands,
  version: (pkg) => `pyro4 ${pkg.version} (Pyro4 ${PYRO4_COMPAT_VERSION} compatible, protocol 48) on ${runtimeDescription()}`,
});
