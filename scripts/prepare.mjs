// `npm run prepare` (npm ci, git installs): builds dist/ unless it is already newer than every file in src/.
// npm also runs `prepare` of a linked package on each `npx pyro4 ...` in this repository (the "pyro4": "file:."
// dev dependency that puts our own bins on the PATH), and a full tsc there cost ~15 s per command.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const built = "dist/cli/main.js";
const inputs = Math.max(newest("src"), statSync("tsconfig.build.json").mtimeMs, statSync("tsconfig.json").mtimeMs, statSync("package.json").mtimeMs);
if (existsSync(built) && statSync(built).mtimeMs > inputs) process.exit(0);
execFileSync(process.execPath, ["-e", "require('fs').rmSync('dist',{recursive:true,force:true})"], { stdio: "inherit" });
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
