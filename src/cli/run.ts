// The subcommand dispatcher shared by the `pyro4` and `pyro5` binaries: usage text, `help [cmd]`, --version,
// unknown commands, and the rule that a user mistake ends in one line on stderr, never a Node stack trace.
// Each bin only supplies its name, its protocol, its version line and its table of lazily loaded commands; each
// command is a defineCommand() entry (src/cli/command.ts), which parses, prints help and reports failures.

import { createRequire } from "node:module";
import { oneLine } from "./report.js";
import type { CommandEntry, CommandIo } from "./command.js";

/** One row of a bin's command table; `load` imports the command's module only when it is run. */
export interface CliCommand {
  about: string;
  load: () => Promise<CommandEntry<CommandIo>>;
  /** Run before the command starts (pyro5: refuse PYRO_* variables Pyro5 does not know, as Python does). */
  before?: () => void;
}

/** What a bin is: its name, the protocol its commands speak, its version line, its commands. */
export interface CliBin {
  prog: string;
  protocol: 4 | 5;
  commands: Record<string, CliCommand>;
  version: (pkg: PackageInfo) => string;
}

/** package.json's name and version (../../ from both src/cli and dist/cli). */
export interface PackageInfo {
  name: string;
  version: string;
}

function usage(prog: string, commands: Record<string, CliCommand>): string {
  const lines = [`usage: ${prog} <command> [options]`, "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(14)}${c.about}`);
  lines.push("", "  help [cmd]    this text, or the options of a command", "  --version     print the version", "");
  lines.push(`Run \`${prog} help <command>\` (or \`${prog} <command> -h\`) for the options of a command.`);
  return lines.join("\n");
}

async function dispatch({ prog, protocol, commands, version }: CliBin, argv: string[]): Promise<void> {
  let [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(version(createRequire(import.meta.url)("../../package.json") as PackageInfo));
    return;
  }
  if (name === "help" && rest.length > 0) {
    // `pyro4 help nsc` is `pyro4 nsc -h`: each command prints its own (Python-compatible) help text
    name = rest[0]!;
    rest = ["-h"];
  } else if (!name || name === "-h" || name === "--help" || name === "help") {
    console.log(usage(prog, commands));
    process.exitCode = name ? 0 : 2;
    return;
  }
  // own properties only: `pyro4 constructor` is an unknown command, not Object.prototype.constructor
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) {
    console.error(`${prog}: unknown command '${name}'\n\n${usage(prog, commands)}`);
    process.exitCode = 2;
    return;
  }
  cmd.before?.();
  const code = await (await cmd.load())(rest, { protocol });
  if (code !== 0) process.exitCode = code;
}

/** Run `bin` on process.argv: pick the command from its table, report any failure as one line. */
export function runCli(bin: CliBin): void {
  const prog = bin.prog;
  // Anything that escapes a command, even asynchronously (a socket error after start-up), is one line and status 1.
  const fatal = (err: unknown): void => {
    process.stderr.write(`${prog}: error: ${oneLine(err)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  // `pyro4 nsc list | head` must end quietly, like a Unix tool, when the reader goes away.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  dispatch(bin, process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${prog}: error: ${oneLine(err)}\n`);
    process.exitCode = 1;
  });
}
