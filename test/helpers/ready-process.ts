// One spawn-and-wait-for-a-ready-line helper for every long-running child of the tests and the benchmark (Python
// fixture servers, `pyro4 ns`, the bench servers): they all print a line such as "URI = PYRO:..." once they serve,
// and all need the same care (a timeout that kills, an early exit that rejects with the output so far, a stop that
// escalates to SIGKILL). Test and bench code only: src must not import it.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ReadyProcess {
  proc: ChildProcess;
  /** The match of the ready pattern on the first line that matched. */
  match: RegExpExecArray;
  /** Lines printed so far (stdout and stderr, at most `maxLines`). */
  output: string[];
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** True until the process has exited. */
  alive(): boolean;
  /** Send `signal` (to the process group when `group`), SIGKILL after `graceMs`, and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ReadyOptions {
  /** A line matching this (stdout or stderr) means ready. */
  ready: RegExp;
  /** The complete environment of the child. */
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Names the process in error messages. */
  label: string;
  timeoutMs?: number;
  /** How long `stop` waits after its signal before SIGKILL. */
  graceMs?: number;
  /** Start the child in its own process group and signal the whole group (for wrappers that start children). */
  group?: boolean;
  /** Signal sent when the ready line does not come in time. */
  timeoutSignal?: NodeJS.Signals;
  maxLines?: number;
  /** Called with the child right after spawn (e.g. to register it for cleanup at exit). */
  onSpawn?: (proc: ChildProcess) => void;
}

/** Spawn `cmd args` and resolve once a line matches `ready`; reject (the child stopped) on timeout or early exit. */
export function spawnReady(cmd: string, args: readonly string[], o: ReadyOptions): Promise<ReadyProcess> {
  const proc = spawn(cmd, args, { env: o.env, cwd: o.cwd, detached: o.group ?? false, stdio: ["ignore", "pipe", "pipe"] });
  o.onSpawn?.(proc);
  const output: string[] = [];
  const maxLines = o.maxLines ?? Infinity;
  const exited = new Promise<void>((res) => proc.once("exit", () => res()));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (o.group) process.kill(-proc.pid!, sig);
      else proc.kill(sig);
    } catch {
      // already gone
    }
  };
  const stop = async (sig: NodeJS.Signals = "SIGTERM") => {
    if (!alive()) return;
    signal(sig);
    const t = setTimeout(() => signal("SIGKILL"), o.graceMs ?? 3000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      void stop(o.timeoutSignal ?? "SIGKILL");
      reject(new Error(`${o.label} not ready in time; output:\n${output.join("\n")}`));
    }, o.timeoutMs ?? 20_000);
    const onLine = (line: string) => {
      if (output.length < maxLines) output.push(line);
      const m = o.ready.exec(line);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ proc, match: m, output, exited, alive, stop });
      }
    };
    createInterface({ input: proc.stdout! }).on("line", onLine);
    createInterface({ input: proc.stderr! }).on("line", onLine);
    proc.once("exit", (code) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`${o.label} exited (${code}) before ready:\n${output.join("\n")}`));
      }
    });
  });
}
