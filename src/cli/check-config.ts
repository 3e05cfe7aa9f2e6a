// `pyro4 check-config`: prints the effective configuration the way pyro4-check-config does, so users can
// compare a Node process's view of PYRO_* variables with Python's.
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { Config } from "../config.js";
import { PROTOCOL_VERSION } from "../protocol/message.js";
import { OptParseExit, parseOptions, type ParserSpec } from "../python/optparse.js";
import { VERSION, PYRO4_COMPAT_VERSION } from "../version.js";

// pyro4-check-config takes no options; -h and optparse's errors keep it in line with the other commands
const parser: ParserSpec = {
  prog: "pyro4 check-config",
  usage: "%prog",
  description: "Prints the effective Pyro4 configuration (defaults plus PYRO_* environment variables).",
  options: [],
};

export async function checkConfigMain(
  argv: string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = (l) => process.stderr.write(l + "\n"),
): Promise<number> {
  try {
    parseOptions(argv, parser);
  } catch (e) {
    if (!(e instanceof OptParseExit)) throw e;
    (e.toStderr ? err : out)(e.output.replace(/\n$/, ""));
    return e.status;
  }
  const cfg = new Config(process.env);
  const problems = cfg.problems();
  if (problems.length) {
    // one line per unusable variable, naming it, like the ValueError a use of that setting raises
    for (const p of problems) err(`error: ${p.error.message}`);
    return 1;
  }
  out(`Pyro version: ${PYRO4_COMPAT_VERSION} (pyro4 for Node.js ${VERSION})`);
  out(`Loaded from: ${dirname(dirname(fileURLToPath(import.meta.url)))}`);
  out(`Node.js version: ${process.version} (${process.platform}, ${process.arch})`);
  out(`Protocol version: ${PROTOCOL_VERSION}`);
  out("Currently active configuration settings:");
  for (const line of cfg.dumpItems()) out(line);
  return 0;
}
