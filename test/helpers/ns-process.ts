// Runs `pyro4 ns` (our CLI through tsx) as a child process in its own process group, so fault tests can kill -9
// a whole name-server instance and start it again on the same port.
import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnReady } from "./ready-process.js";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface NsProcess {
  proc: ChildProcess;
  uri: string;
  output: string[];
  /** kill -9 the process group and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (clean shutdown), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export function startNsProcess(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<NsProcess> {
  return spawnReady(process.execPath, ["--import", "tsx", join(REPO, "src/cli/main.ts"), "ns", ...args], {
    ready: /^URI = (PYRO:\S+)/,
    env: { ...process.env, ...env },
    cwd: REPO,
    label: `pyro4 ns ${args.join(" ")}`,
    timeoutMs,
    graceMs: 5000,
    group: true,
  }).then((r) => ({ proc: r.proc, uri: r.match[1]!, output: r.output, kill9: () => r.stop("SIGKILL"), stop: () => r.stop("SIGTERM") }));
}
