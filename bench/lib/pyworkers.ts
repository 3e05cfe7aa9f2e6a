// A pool of long-lived Python client processes (python/bench_client.py), driven by JSON lines, so Python's start-up
// and import time is paid once and the concurrency rows can start N real Python clients at the same moment.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { PYTHON, BENCH_DIR, track } from "./procs.js";

export interface PyRun {
  ops: number;
  secs: number;
  p50?: number;
  p99?: number;
  error?: string;
}

export class PyWorker {
  private proc: ChildProcess;
  private waiting: ((v: Record<string, unknown>) => void)[] = [];
  private stderr: string[] = [];

  /** `env` selects the Python side (BENCH_PYRO=5 and a PYTHONPATH with Pyro5: a Pyro5 client). */
  constructor(readonly env: Record<string, string> = {}) {
    this.proc = spawn(PYTHON, [join(BENCH_DIR, "python", "bench_client.py")], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", ...env },
      cwd: BENCH_DIR,
      stdio: ["pipe", "pipe", "pipe"],
    });
    track(this.proc);
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      const w = this.waiting.shift();
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(line) as Record<string, unknown>;
      } catch {
        v = { error: `bad worker output: ${line}` };
      }
      w?.(v);
    });
    this.proc.stderr!.setEncoding("utf8").on("data", (d: string) => {
      if (this.stderr.length < 50) this.stderr.push(d);
    });
    this.proc.once("exit", () => {
      for (const w of this.waiting.splice(0)) w({ error: `python worker exited: ${this.stderr.join("").slice(-500)}` });
    });
  }

  send(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin!.write(JSON.stringify(cmd) + "\n");
    });
  }

  async open(uri: string, serializer: string): Promise<void> {
    const r = await this.send({ op: "open", uri, serializer });
    if (r.error) throw new Error(String(r.error));
  }

  async run(kind: string, ms: number, arg?: number, max?: number): Promise<PyRun> {
    const r = (await this.send({ op: "run", kind, ms, arg, max })) as unknown as PyRun;
    if (r.error) throw new Error(r.error);
    return r;
  }

  close(): Promise<Record<string, unknown>> {
    return this.send({ op: "close" });
  }

  quit(): void {
    if (this.proc.exitCode === null && !this.proc.stdin!.writableEnded) this.proc.stdin!.end(JSON.stringify({ op: "quit" }) + "\n");
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
  }
}

export class PyPool {
  readonly workers: PyWorker[] = [];
  /** `env` of every worker of the pool (see PyWorker). */
  constructor(readonly env: Record<string, string> = {}) {}

  /** Make sure at least `n` workers exist (started lazily: 32 Python processes cost a few seconds). */
  async ensure(n: number): Promise<PyWorker[]> {
    while (this.workers.length < n) this.workers.push(new PyWorker(this.env));
    return this.workers.slice(0, n);
  }

  quit(): void {
    for (const w of this.workers) w.quit();
  }
}

/** Replace a worker (after a timeout left it in an unknown state). */
export function replaceWorker(pool: PyPool, w: PyWorker): PyWorker {
  w.kill();
  const fresh = new PyWorker(pool.env);
  const i = pool.workers.indexOf(w);
  if (i >= 0) pool.workers[i] = fresh;
  return fresh;
}
