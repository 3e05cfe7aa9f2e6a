// `pyro4 flame-console <uri|host:port>`: attach stdin/stdout to a remote Python console on a Pyro4 Flame server
// (pyro4-flameserver), as Pyro4's flame.connect(...).console().interact() does in Python.

import { parseArgs } from "node:util";
import { connectFlame } from "../client/flame.js";

const USAGE = `usage: pyro4 flame-console [-k KEY] [--no-prompts] URI

Open an interactive Python console on a Pyro4 Flame server (pyro4-flameserver).
URI is a PYRO URI or host:port (object Pyro.Flame), e.g. localhost:9999.
The HMAC key can also come from PYRO_HMAC_KEY.

options:
  -k, --key KEY   the server's HMAC key
  --no-prompts    do not print ">>> " / "... " prompts (for scripted input)
  -h, --help      show this help`;

export async function flameConsoleMain(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { key: { type: "string", short: "k" }, "no-prompts": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    process.stderr.write(`${USAGE}\npyro4 flame-console: error: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`${USAGE}\npyro4 flame-console: error: expected one URI\n`);
    return 2;
  }
  const key = parsed.values.key ?? process.env.PYRO_HMAC_KEY;
  try {
    const flame = await connectFlame(parsed.positionals[0]!, { hmacKey: key ?? null });
    try {
      const console = await flame.console();
      await console.interact(process.stdin, process.stdout, { prompts: !parsed.values["no-prompts"] });
    } finally {
      await flame.close();
    }
    return 0;
  } catch (e) {
    process.stderr.write(`pyro4 flame-console: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
