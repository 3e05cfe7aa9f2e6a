#!/usr/bin/env node
// The `pyro5` command: `ns`, `nsc` and `echoserver` with the flags and key output lines of Python Pyro5's tools
// (python -m Pyro5.nameserver, Pyro5.nsc, Pyro5.utils.echoserver). Each subcommand is the `pyro4` command's code
// run with `protocol: 5`, so both binaries share one implementation (httpgateway too: Pyro5.utils.httpgateway).

import { createRequire } from "node:module";
import { oneLine } from "./report.js";

type Run = (argv: string[]) => Promise<number>;
const commands: Record<string, { about: string; load: () => Promise<Run> }> = {
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

function usage(): string {
  const lines = ["usage: pyro5 <command> [options]", "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(14)}${c.about}`);
  lines.push("", "  help [cmd]    this text, or the options of a command", "  --version     print the version", "");
  lines.push("Run `pyro5 help <command>` (or `pyro5 <command> -h`) for the options of a command.");
  return lines.join("\n");
}

// A user mistake must never end in a Node stack trace (see main.ts): one line, exit status 1.
function fatal(err: unknown): void {
  process.stderr.write(`pyro5: error: ${oneLine(err)}\n`);
  process.exit(1);
}
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);

function version(): string {
  const pkg = createRequire(import.meta.url)("../../package.json") as { name: string; version: string };
  return `pyro5 (${pkg.name} ${pkg.version}, Pyro5 compatible, protocol 502) on Node ${process.versions.node}`;
}

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
    name = rest[0]!;
    rest = ["-h"];
  } else if (!name || name === "-h" || name === "--help" || name === "help") {
    console.log(usage());
    process.exitCode = name ? 0 : 2;
    return;
  }
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) {
    console.error(`pyro5: unknown command '${name}'\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const code = await (await cmd.load())(rest);
  if (code !== 0) process.exitCode = code;
}

main().catch((err: unknown) => {
  process.stderr.write(`pyro5: error: ${oneLine(err)}\n`);
  process.exitCode = 1;
});
