// Our `pyro4 ns` command (src/cli/ns.ts) as a bench entry, so lib/procs.ts can bundle it to plain JS like the other
// bench servers: the "Name server" section then measures the real command with its real flags (-s sql:FILE, -x),
// started the same way as Python's `python3 -m Pyro4.naming`. A first argument `--pyro5` runs `pyro5 ns` instead
// (the same code with protocol 5, compared with `python3 -m Pyro5.nameserver`).
import { nsMain } from "../../src/cli/ns.js";

const pyro5 = process.argv[2] === "--pyro5";
nsMain(process.argv.slice(pyro5 ? 3 : 2), pyro5 ? { protocol: 5 } : undefined).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`pyro4 ns failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
