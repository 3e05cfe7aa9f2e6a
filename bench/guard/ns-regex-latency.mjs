// Another client's lookup latency while a hostile regex runs on our name server: starts `pyro4 ns` from a
// checkout (--root, default this one) in a child process, then test/fixtures/naming_hostile_regex.py registers
// a long name, sends list(regex="(a+)+$") from one Python proxy and measures lookups from another.
// Usage: node bench/guard/ns-regex-latency.mjs [--root DIR] [--name-len 40] [--timeout 10]
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { root: { type: "string" }, "name-len": { type: "string" }, timeout: { type: "string" }, pattern: { type: "string" } },
});
const root = resolve(values.root ?? join(here, "..", ".."));
const fixture = join(here, "..", "..", "test", "fixtures", "naming_hostile_regex.py");
const python = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";

const ns = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "ns", "-n", "127.0.0.1", "-p", "0", "-x"], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
  detached: true,
});
const port = await new Promise((res, rej) => {
  createInterface({ input: ns.stdout }).on("line", (l) => {
    const m = /URI = PYRO:\S+@127\.0\.0\.1:(\d+)/.exec(l);
    if (m) res(m[1]);
  });
  ns.once("exit", (c) => rej(new Error(`name server exited (${c})`)));
});
const args = [fixture, "127.0.0.1", port, values["name-len"] ?? "40", values.timeout ?? "10"];
if (values.pattern) args.push(values.pattern);
const py = spawn(python, args, { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
py.stdout.on("data", (d) => (out += d));
await new Promise((res) => py.once("close", res));
// SIGKILL: a name server stuck in a regex (the unguarded case) never handles SIGTERM.
process.kill(-ns.pid, "SIGKILL");
const r = JSON.parse(out);
console.log(`root: ${root}`);
console.log(`hostile list(regex): ${JSON.stringify(r.hostile)}`);
console.log(`bystander lookups before: ${JSON.stringify(r.baseline)}`);
console.log(`bystander lookups during: ${JSON.stringify(r.during)}`);
if (r.bystanderErrors.length) console.log(`bystander errors: ${r.bystanderErrors.join("; ")}`);
