// `pyro4 check-config`: prints the effective configuration the way pyro4-check-config does, so users can
// compare a Node process's view of PYRO_* variables with Python's.
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { Config, ValueError } from "../config.js";
import { PROTOCOL_VERSION } from "../protocol/message.js";
import { VERSION, PYRO4_COMPAT_VERSION } from "../version.js";

export async function checkConfigMain(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  if (argv.includes("-h") || argv.includes("--help")) {
    out("usage: pyro4 check-config\n\nPrints the effective Pyro4 configuration (defaults plus PYRO_* environment variables).");
    return 0;
  }
  let cfg: Config;
  try {
    cfg = new Config(process.env);
  } catch (e) {
    if (e instanceof ValueError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  out(`Pyro version: ${PYRO4_COMPAT_VERSION} (pyro4 for Node.js ${VERSION})`);
  out(`Loaded from: ${dirname(dirname(fileURLToPath(import.meta.url)))}`);
  out(`Node.js version: ${process.version} (${process.platform}, ${process.arch})`);
  out(`Protocol version: ${PROTOCOL_VERSION}`);
  out("Currently active configuration settings:");
  for (const line of cfg.dumpItems()) out(line);
  return 0;
}
