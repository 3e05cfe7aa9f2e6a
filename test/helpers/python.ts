// Runs real Python Pyro4 (Debian's python3-pyro4 with /usr/bin/python3) for interop tests: one-shot scripts
// and long-running fixture servers that print a ready line.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { spawnReady } from "./ready-process.js";

export const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

/** Run a Python script file from test/fixtures (or inline code with `-c`), return stdout. Throws on failure. */
export function runPython(
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {},
): string {
  const r = spawnSync(PYTHON, args, {
    input: options.input,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...options.env },
    cwd: FIXTURES,
    encoding: "utf8",
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(`python ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  }
  return r.stdout;
}

/** Same as runPython, without blocking the event loop (needed while our own daemon serves in-process). */
export function runPythonAsync(
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...options.env },
      cwd: FIXTURES,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`python ${args.join(" ")} failed (${code ?? signal}):\n${err}\n${out}`));
    });
    child.stdin.end(options.input ?? "");
  });
}

export interface PythonServer {
  proc: ChildProcess;
  /** The first line matching the ready pattern's capture group (usually a URI). */
  ready: string;
  /** Lines printed so far (stdout and stderr). */
  output: string[];
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Start a long-running Python process and wait until a stdout/stderr line matches `readyPattern`
 * (first capture group becomes `ready`).
 */
export function startPython(
  args: string[],
  readyPattern: RegExp,
  options: { env?: Record<string, string>; timeoutMs?: number; executable?: string } = {},
): Promise<PythonServer> {
  return spawnReady(options.executable ?? PYTHON, args, {
    ready: readyPattern,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", ...options.env },
    cwd: FIXTURES,
    label: `python ${args.join(" ")}`,
    timeoutMs: options.timeoutMs ?? 20_000,
    graceMs: 3000,
  }).then((r) => ({ proc: r.proc, ready: r.match[1] ?? r.match.input, output: r.output, stop: () => r.stop("SIGTERM"), kill: r.stop }));
}
