// `pyro5 check-config`: prints the effective Pyro5 configuration the way `python -m Pyro5.configure` does (Pyro5's
// dump(): its items, sorted, with Python's formatting), so users can compare a Node process's view of the PYRO_*
// variables with Python Pyro5's. A variable Pyro5 refuses is an error, as it is for Python.
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { Config5 } from "../config5.js";
import { PYRO5 } from "../protocol/wire.js";
import { OptParseExit, parseOptions, type ParserSpec } from "../python/optparse.js";
import { VERSION, PYRO5_COMPAT_VERSION } from "../version.js";

const parser: ParserSpec = {
  prog: "pyro5 check-config",
  usage: "%prog",
  description: "Prints the effective Pyro5 configuration (defaults plus PYRO_* environment variables), like python -m Pyro5.configure.",
  options: [],
};

export async function checkConfig5Main(
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
  const cfg = new Config5(process.env);
  const problems = cfg.problems();
  if (problems.length) {
    // Python stops at the first (its import raises); listing them all saves a round of fixing
    for (const p of problems) err(`error: ${p.error.message}`);
    return 1;
  }
  out(`Pyro version: ${PYRO5_COMPAT_VERSION} (pyro4 for Node.js ${VERSION})`);
  out(`Loaded from: ${dirname(dirname(fileURLToPath(import.meta.url)))}`);
  out(`Node.js version: ${process.version} (${process.platform}, ${process.arch})`);
  out(`Protocol version: ${PYRO5.version}`);
  out("Currently active global configuration settings:");
  for (const line of cfg.dumpItems()) out(line);
  return 0;
}
