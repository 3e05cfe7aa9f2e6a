#!/usr/bin/env node
// The `pyro4` command: one binary with subcommands mirroring Python's pyro4-ns, pyro4-nsc,
// pyro4-test-echoserver and pyro4-check-config. Subcommands are loaded lazily so `pyro4 nsc` stays quick.

const commands: Record<string, { about: string; load: () => Promise<(argv: string[]) => Promise<number>> }> = {
  ns: { about: "start a name server (like pyro4-ns)", load: async () => (await import("./ns.js")).nsMain },
  nsc: { about: "name server control (like pyro4-nsc)", load: async () => (await import("./nsc.js")).nscMain },
  echoserver: {
    about: "start the test echo server (like pyro4-test-echoserver)",
    load: async () => (await import("./echoserver.js")).echoserverMain,
  },
  "flame-console": {
    about: "interactive console on a Pyro4 Flame server (pyro4-flameserver)",
    load: async () => (await import("./flame-console.js")).flameConsoleMain,
  },
  "check-config": {
    about: "print the effective configuration (like pyro4-check-config)",
    load: async () => (await import("./check-config.js")).checkConfigMain,
  },
};

function usage(): string {
  const lines = ["usage: pyro4 <command> [options]", "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(14)}${c.about}`);
  lines.push("", "Run `pyro4 <command> -h` for the options of a command.");
  return lines.join("\n");
}

// `pyro4 nsc list | head` must end quietly, like a Unix tool, when the reader goes away.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === "-h" || name === "--help") {
    console.log(usage());
    process.exitCode = name ? 0 : 2;
    return;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`pyro4: unknown command '${name}'\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const run = await cmd.load();
  const code = await run(rest);
  if (code !== 0) process.exitCode = code;
}

main().catch((err) => {
  console.error(err instanceof Error ? `pyro4: ${err.message}` : err);
  process.exitCode = 1;
});
