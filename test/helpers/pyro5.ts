// Where the vendored Python Pyro5 (the protocol 502 oracle) is: env PYRO5_PATH, else the copy in this repository
// (test/vendor/pyro5: Pyro5 5.17-dev0, unmodified, MIT; test-only, never shipped), else ../shared/vendor/pyro5.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const candidates = [process.env.PYRO5_PATH, join(root, "test", "vendor", "pyro5"), join(root, "..", "shared", "vendor", "pyro5"), join(root, "..", "..", "shared", "vendor", "pyro5")];

/** The directory holding the `Pyro5` package. Throws with instructions when it cannot be found. */
export const PYRO5_PATH: string = (() => {
  for (const c of candidates) if (c && existsSync(join(c, "Pyro5", "protocol.py"))) return c;
  throw new Error(`vendored Python Pyro5 not found (looked in ${candidates.filter(Boolean).join(", ")}); set PYRO5_PATH`);
})();

/** Environment for running Python with Pyro5 importable. */
export const PYRO5_ENV: Record<string, string> = { PYTHONPATH: PYRO5_PATH };
