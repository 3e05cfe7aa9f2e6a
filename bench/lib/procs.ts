// Child processes of the benchmark: servers (Python or TypeScript, each in its own process so client and server
// never share an event loop or a GIL), their RSS, and bundling of the TypeScript servers into plain JS so their
// memory figures do not include the tsx loader.
import type { ChildProcess } from "node:child_process";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnReady } from "../../test/helpers/ready-process.js";

export const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface Child {
  proc: ChildProcess;
  /** Capture of the ready line ("URI <uri>"). */
  uri: string;
  output: string[];
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
/** Kill every child we started (by its own pid) when the bench exits, even on Ctrl-C or a crash. */
function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => process.exit(130));

export function track(proc: ChildProcess): void {
  children.add(proc);
  proc.once("exit", () => children.delete(proc));
}

/** Start a server process and wait for its "URI ..." (or "URI = ...") line. */
export async function startChild(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<Child> {
  const r = await spawnReady(cmd, args, {
    // "URI <uri>" from the bench servers, "URI = <uri>" from the name server commands (ours, pyro4-ns, Pyro5's)
    ready: /^URI (?:= )?(\S+)/,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", ...env },
    cwd: BENCH_DIR,
    label: `${cmd} ${args.join(" ")}`,
    timeoutMs,
    graceMs: 2000,
    timeoutSignal: "SIGTERM",
    maxLines: 200,
    onSpawn: track,
  });
  return { proc: r.proc, uri: r.match[1]!, output: r.output, stop: () => r.stop("SIGTERM") };
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

let bundleDir: string | null = null;
process.on("exit", () => {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

/**
 * The command that runs a TypeScript entry of bench/ts in plain Node: bundled with esbuild (which tsx brings along)
 * into a temporary .mjs; falls back to running it through tsx when esbuild is unavailable.
 */
export async function nodeCommand(entry: string): Promise<{ cmd: string; args: string[]; bundled: boolean }> {
  const src = join(BENCH_DIR, "ts", entry);
  try {
    const esbuild = await import("esbuild");
    bundleDir ??= mkdtempSync(join(tmpdir(), "pyro4-bench-"));
    const out = join(bundleDir, entry.replace(/\.ts$/, ".mjs"));
    await esbuild.build({
      entryPoints: [src],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
      // optional native dependency of the name server storage: keep it a runtime import
      external: ["better-sqlite3"],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    return { cmd: process.execPath, args: [out], bundled: true };
  } catch {
    return { cmd: process.execPath, args: ["--import", "tsx", src], bundled: false };
  }
}
