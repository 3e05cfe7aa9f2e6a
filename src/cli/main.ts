#!/usr/bin/env node
// The `pyro4` command: one binary with subcommands mirroring Python's pyro4-ns, pyro4-nsc,
// pyro4-test-echoserver and pyro4-check-config. Subcommands are loaded lazily so `pyro4 nsc` stays quick.

import { createRequire } from "node:module";
import { PYRO4_COMPAT_VERSION } from "../version.js";

const commands: Record<string, { about: string; load: () => Promise<(argv: string[]) => Promise<number>> }> = {
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
    load: async () => (await import("./check-config.js")).checkConfigMain,
  },
  trace: {
    about: "decode wire trace files (PYRO4_TRACE_DIR) and print their frames",
    load: async () => (await import("./trace.js")).traceMain,
  },
};

function usage(): string {
  const lines = ["usage: pyro4 <command> [options]", "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(14)}${c.about}`);
  lines.push("", "  help [cmd]    this text, or the options of a command", "  --version     print the version", "");
  lines.push("Run `pyro4 help <command>` (or `pyro4 <command> -h`) for the options of a command.");
  return lines.join("\n");
}

import { oneLine } from "./report.js";

// A user mistake must never end in a Node stack trace: anything that escapes a command, even asynchronously
// (a socket error after start-up), is reported as one line and the process exits with status 1.
function fatal(err: unknown): void {
  process.stderr.write(`pyro4: error: ${oneLine(err)}\n`);
  process.exit(1);
}
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);

/** The installed package's version (package.json is the one source; ../../ from both src/cli and dist/cli). */
function version(): string {
  const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };
  return `pyro4 ${pkg.version} (Pyro4 ${PYRO4_COMPAT_VERSION} compatible, protocol 48) on Node ${process.versions.node}`;
}

// `pyro4 nsc list | head` must end quietly, like a Unix tool, when the reader goes away.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

async function main(): Promise<void> {
  let [name, ...rest] = process.argv.slice(2);
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(version());
    return;
  }
  if (name === "help" && rest.length > 0) {
    // `pyro4 help nsc` is `pyro4 nsc -h`: each command prints its own (Python-compatible) help text
    name = rest[0]!;
    rest = ["-h"];
    if (!commands[name]) {
      console.error(`pyro4: unknown command '${name}'\n\n${usage()}`);
      process.exitCode = 2;
      return;
    }
  } else if (!name || name === "-h" || name === "--help" || name === "help") {
    console.log(usage());
    process.exitCode = name ? 0 : 2;
    return;
  }
  // own properties only: `pyro4 constructor` is an unknown command, not Object.prototype.constructor
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) {
    console.error(`pyro4: unknown command '${name}'\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const run = await cmd.load();
  const code = await run(rest);
  if (code !== 0) process.exitCode = code;
}

main().catch((err: unknown) => {
  process.stderr.write(`pyro4: error: ${oneLine(err)}\n`);
  process.exitCode = 1;
});
