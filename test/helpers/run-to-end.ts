// One helper for the tests that run a command to its end and compare what it printed (our bins against Python's
// tools, usage texts against the docs): spawn, collect stdout and stderr as text, kill it if it hangs. Long-running
// children that print a ready line use ready-process.ts instead.
import { spawn } from "node:child_process";

/** A finished command: its exit code (null when a signal ended it) and everything it printed. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `cmd args` with stdin closed until it exits (SIGKILL after `timeoutMs`); rejects only when it cannot start. */
export function runToEnd(
  cmd: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
