// What the callgrind drivers (pickle-instr.ts, calls-instr.ts) share: a driver script bundled per checkout (its
// src/ imported from that checkout), and the instruction count of one command run under valgrind's callgrind.
// The bundler is esbuild, a devDependency of its own (the version tsx uses, so one copy is installed): bundled
// plain JS runs under valgrind without a loader, whose hooks and transforms would otherwise be counted too.
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Bundle the driver text `source` as `dir`/driver`i`.mjs (plain JS: no loader under valgrind); returns its path. */
export async function bundleDriver(dir: string, i: number, source: string): Promise<string> {
  const src = join(dir, `driver${i}.ts`);
  writeFileSync(src, source);
  const out = join(dir, `driver${i}.mjs`);
  await build({ entryPoints: [src], outfile: out, bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning" });
  return out;
}

/** Instructions executed by `cmd args` under callgrind (its profile goes to `outFile`, /dev/null by default). */
export function instructions(cmd: string, args: string[], outFile = "/dev/null"): number {
  const r = spawnSync("valgrind", ["--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${outFile}`, cmd, ...args], { encoding: "utf8" });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr) ?? /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (!m) throw new Error(`no instruction count from ${cmd} ${args.join(" ")}:\n${r.stderr.slice(-800)}`);
  return Number(m[1]!.replace(/,/g, ""));
}
