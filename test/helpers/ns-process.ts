// Runs `pyro4 ns` (our CLI through tsx) as a child process in its own process group, so fault tests can kill -9
// a whole name-server instance and start it again on the same port.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
  const proc = spawn(process.execPath, ["--import", "tsx", join(REPO, "src/cli/main.ts"), "ns", ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<void>((res) => proc.once("exit", () => res()));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, sig);
    } catch {
      // already gone
    }
  };
  const kill9 = async () => {
    if (alive()) signalGroup("SIGKILL");
    await exited;
  };
  const stop = async () => {
    if (!alive()) return;
    signalGroup("SIGTERM");
    const t = setTimeout(() => signalGroup("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      void kill9();
      reject(new Error(`pyro4 ns ${args.join(" ")} not ready; output:\n${output.join("\n")}`));
    }, timeoutMs);
    const onLine = (line: string) => {
      output.push(line);
      const m = /^URI = (PYRO:\S+)/.exec(line);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ proc, uri: m[1]!, output, kill9, stop });
      }
    };
    createInterface({ input: proc.stdout! }).on("line", onLine);
    createInterface({ input: proc.stderr! }).on("line", onLine);
    proc.once("exit", (code) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`pyro4 ns exited (${code}) before ready:\n${output.join("\n")}`));
      }
    });
  });
}
