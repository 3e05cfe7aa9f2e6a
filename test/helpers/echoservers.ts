// Starting `pyro4 echoserver` / `pyro5 echoserver` from source for tests that compare them with Python's echo
// servers, in an environment without PYRO_* variables (Pyro5 refuses ones it does not know).
import { join } from "node:path";
import { REPO } from "./ns-process.js";
import { spawnReady, type ReadyProcess } from "./ready-process.js";

/** This process's environment without PYRO_* variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PYRO_") && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

/** Our echo server (`main` = the pyro4 bin, `pyro5` = the pyro5 bin) on 127.0.0.1, ready once it prints its URI. */
export function startOurEchoserver(bin: "main" | "pyro5"): Promise<ReadyProcess> {
  return spawnReady(process.execPath, ["--import", "tsx", join(REPO, `src/cli/${bin}.ts`), "echoserver", "-H", "127.0.0.1", "-p", "0"], {
    ready: /^echo uri: (PYRO:\S+)$/,
    env: cleanEnv(),
    cwd: REPO,
    label: `${bin} echoserver`,
    group: true,
    timeoutMs: 30_000,
    graceMs: 5000,
  });
}
