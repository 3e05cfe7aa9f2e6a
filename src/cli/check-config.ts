// `pyro4 check-config` and `pyro5 check-config`: print the effective configuration the way pyro4-check-config and
// `python -m Pyro5.configure` do (the protocol's items, sorted, with Python's formatting), so users can compare a Node
// process's view of the PYRO_* variables with Python's. A variable the protocol refuses is an error, as for Python.
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { Config } from "../config.js";
import { Config5 } from "../config5.js";
import { PROTOCOL_VERSION } from "../protocol/message.js";
import { PYRO5 } from "../protocol/wire.js";
import type { ParserSpec } from "../python/optparse.js";
import type { PyroProfile } from "../profiles/index.js";
import { defineCommand, type CommandIo } from "./command.js";
import { VERSION, PYRO4_COMPAT_VERSION, PYRO5_COMPAT_VERSION } from "../version.js";

/** What differs between the two commands: the configuration they read and how Python's tool heads its dump. */
interface Variant {
  parser: ParserSpec;
  read(env: NodeJS.ProcessEnv): { problems(): { error: Error }[]; dumpItems(): string[] };
  pyroVersion: string;
  protocolVersion: number;
  heading: string;
}

const PYRO4_VARIANT: Variant = {
  // pyro4-check-config takes no options; -h and optparse's errors keep it in line with the other commands
  parser: {
    prog: "pyro4 check-config",
    usage: "%prog",
    description: "Prints the effective Pyro4 configuration (defaults plus PYRO_* environment variables).",
    options: [],
  },
  read: (env) => new Config(env),
  pyroVersion: PYRO4_COMPAT_VERSION,
  protocolVersion: PROTOCOL_VERSION,
  heading: "Currently active configuration settings:",
};

const PYRO5_VARIANT: Variant = {
  // python -m Pyro5.configure reads no command line at all; ours refuses arguments with argparse's wording, as the
  // other pyro5 commands do
  parser: {
    prog: "pyro5 check-config",
    style: "argparse",
    description: "Prints the effective Pyro5 configuration (defaults plus PYRO_* environment variables), like python -m Pyro5.configure.",
    options: [],
  },
  read: (env) => new Config5(env),
  pyroVersion: PYRO5_COMPAT_VERSION,
  protocolVersion: PYRO5.version,
  heading: "Currently active global configuration settings:",
};

const VARIANTS: Record<PyroProfile["name"], Variant> = { Pyro4: PYRO4_VARIANT, Pyro5: PYRO5_VARIANT };

/** `pyro4 check-config` / `pyro5 check-config` (io.protocol 5): prints the dump, or one line per refused variable. */
export const checkConfigCommand = defineCommand<CommandIo>({
  parser: (profile) => VARIANTS[profile.name].parser,
  output: "line",
  checkConfig: false,
  async run({ profile, out, err }) {
    const v = VARIANTS[profile.name];
    const cfg = v.read(process.env);
    const problems = cfg.problems();
    if (problems.length) {
      // one line per unusable variable, naming it (Python stops at the first: listing them all saves a round of fixing)
      for (const p of problems) err(`error: ${p.error.message}`);
      return 1;
    }
    out(`Pyro version: ${v.pyroVersion} (pyro4 for Node.js ${VERSION})`);
    out(`Loaded from: ${dirname(dirname(fileURLToPath(import.meta.url)))}`);
    out(`Node.js version: ${process.version} (${process.platform}, ${process.arch})`);
    out(`Protocol version: ${v.protocolVersion}`);
    out(v.heading);
    for (const line of cfg.dumpItems()) out(line);
    return 0;
  },
});

const stdoutLine = (l: string) => void process.stdout.write(l + "\n");
const stderrLine = (l: string) => void process.stderr.write(l + "\n");

export function checkConfigMain(argv: string[], out: (line: string) => void = stdoutLine, err: (line: string) => void = stderrLine): Promise<number> {
  return checkConfigCommand(argv, { out, err });
}

export function checkConfig5Main(argv: string[], out: (line: string) => void = stdoutLine, err: (line: string) => void = stderrLine): Promise<number> {
  return checkConfigCommand(argv, { out, err, protocol: 5 });
}
