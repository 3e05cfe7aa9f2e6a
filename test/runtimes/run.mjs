// The runtime matrix (issue 27): pyro4 as users of Node, Bun and Deno get it. Builds the package, packs it with
// `npm pack`, installs the tarball into an empty project outside the repository, then runs test/runtimes/driver.mjs
// (plain ESM importing "pyro4") under each runtime against real Python Pyro4, and prints runtime × feature.
//
//   node test/runtimes/run.mjs [--install] [--runtimes node,bun,deno] [--features prefix,...] [--out FILE.md]
//
// Runtimes: node is this process's node; bun and deno come from $BUN / $DENO (binary paths), else from PATH, else
// (--install) from the npm packages `bun` and `deno` installed into a temporary directory. A feature listed in
// unsupported() for a runtime may fail without failing the run (its cell says why); any other failure, a missing
// runtime, or a driver that does not finish exits 1. Every process is started in its own group and killed with it.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNTIMES = (opt("--runtimes") ?? "node,bun,deno").split(",");
const FEATURES = opt("--features");
const OUT = opt("--out");
const DRIVER_DEADLINE_MS = 300_000;

/**
 * What a runtime does not have, by feature-name prefix: such a feature may fail (the library must then throw a
 * clear error, which the cell shows); a pass is reported too. Keep docs/runtimes.md in step.
 */
function unsupported(column) {
  if (column === "node" || column.startsWith("node@")) {
    const [major, minor] = versions[column].replace(/^node v/, "").split(".").map(Number);
    const hasSqlite = major > 22 || (major === 22 && minor >= 13);
    return hasSqlite ? {} : { "name server: sql:": "Node < 22.13 has no node:sqlite (`npm i better-sqlite3@12`)" };
  }
  return {}; // bun, deno: everything the driver covers works (docs/runtimes.md)
}

const t00 = performance.now();
const work = mkdtempSync(join(tmpdir(), "pyro4-runtimes-"));
const log = (s) => process.stderr.write(`${s}\n`);

function run(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false", ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function which(name) {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

// ------------------------------------------------------------------------------ the package, as users install it
log("== build + npm pack + install the tarball into an empty project");
const stage = join(work, "stage");
mkdirSync(stage);
run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(stage, "dist")], ROOT);
cpSync(join(ROOT, "package.json"), join(stage, "package.json"));
cpSync(join(ROOT, "README.md"), join(stage, "README.md"));
const packed = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], stage));
const tarball = join(work, packed[0].filename);
const project = join(work, "consumer");
mkdirSync(project);
writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], project);
for (const f of ["driver.mjs", "py_helper.py", "toplevel.mjs"]) cpSync(join(ROOT, "test/runtimes", f), join(project, f));
cpSync(join(ROOT, "test/fixtures/tls_server.py"), join(project, "tls_server.py"));

// ------------------------------------------------------------------------------ certificates (openssl, on the spot)
const certs = join(work, "certs");
mkdirSync(certs);
const openssl = (args) => execFileSync("openssl", args, { cwd: certs, stdio: "pipe" });
openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ca"]);
writeFileSync(join(certs, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
for (const [name, cn] of [["server", "localhost"], ["client", "pyro4-test-client"]]) {
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-extfile", "san.ext", "-days", "2"]);
}

// ------------------------------------------------------------------------------ the runtimes
let installed = null;
function installRuntimes() {
  if (installed) return installed;
  installed = join(work, "rt");
  log("== npm install bun deno (binaries inside the packages)");
  run("npm", ["install", "--prefix", installed, "--no-save", "--no-audit", "--no-fund", "bun", "deno"], work);
  return installed;
}
function binary(name, envVar) {
  if (process.env[envVar]) return process.env[envVar];
  if (!argv.includes("--install")) {
    const found = which(name);
    if (found) return found;
  }
  return join(installRuntimes(), "node_modules/.bin", name);
}

const bin = join(project, "node_modules/pyro4/dist/cli/main.js");
const setups = {
  node: (path = process.execPath) => {
    const node = path;
    return { cmd: [node, "driver.mjs"], self: [node], cli: [node, bin], version: `node ${run(node, ["--version"], project).trim()}` };
  },
  bun: () => {
    const bun = binary("bun", "BUN");
    // `bunx --bun pyro4` (bun x): the package's bin run by bun, not by the node its shebang names
    return { cmd: [bun, "driver.mjs"], self: [bun], cli: [bun, "x", "--bun", "pyro4"], version: `bun ${run(bun, ["--version"], project).trim()}` };
  },
  deno: () => {
    const deno = binary("deno", "DENO");
    // `deno run -A npm:pyro4`: with a package.json, Deno resolves npm: specifiers from the project's node_modules
    return { cmd: [deno, "run", "-A", "driver.mjs"], self: [deno, "run", "-A"], cli: [deno, "run", "-A", "npm:pyro4"], version: run(deno, ["--version"], project).split(" ").slice(0, 2).join(" ") };
  },
};

function runDriver(name, setup) {
  return new Promise((resolveRun) => {
    const [cmd, ...args] = setup.cmd;
    const env = {
      ...process.env, PYRO4_PYTHON: PYTHON, RT_CERTS: certs, RT_RUNTIME: name.split("@")[0], NO_COLOR: "1",
      RT_SELF: JSON.stringify(setup.self), RT_CLI_ECHOSERVER: JSON.stringify(setup.cli), RT_CLI_NS: JSON.stringify(setup.cli),
      ...(FEATURES ? { RT_FEATURES: FEATURES } : {}),
    };
    const child = spawn(cmd, args, { cwd: project, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const results = [];
    let done = false;
    child.stdout.on("data", (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith("RESULT ")) {
          const r = JSON.parse(line.slice(7));
          results.push(r);
          log(`  ${name.padEnd(5)} ${r.ok ? "pass" : "FAIL"} ${String(r.ms).padStart(6)} ms  ${r.feature}${r.ok ? "" : `  -- ${r.error}`}`);
        } else if (line.startsWith("DONE ")) done = true;
      }
    });
    child.stderr.on("data", (d) => (err += d));
    const killGroup = () => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    };
    const timer = setTimeout(() => {
      err += `\n(driver killed after ${DRIVER_DEADLINE_MS} ms)`;
      killGroup();
    }, DRIVER_DEADLINE_MS);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      killGroup(); // anything the driver left behind (CLI wrappers, Python)
      resolveRun({ results, done, code, signal, stderr: err });
    });
  });
}

// ------------------------------------------------------------------------------ run and report
const matrix = {};
const versions = {};
const problems = [];
const timings = {};
for (const name of RUNTIMES) {
  let setup;
  try {
    // node@/path/to/node: another Node binary (CI's Node 24), same driver, same tarball
    setup = name.startsWith("node@") ? setups.node(name.slice(5)) : setups[name]();
  } catch (e) {
    problems.push(`${name}: not available: ${e.message.split("\n")[0]}`);
    continue;
  }
  versions[name] = setup.version;
  log(`== driver under ${setup.version}: ${setup.cmd.join(" ")}`);
  const t0 = performance.now();
  const r = await runDriver(name, setup);
  timings[name] = Math.round(performance.now() - t0);
  matrix[name] = r.results;
  if (!r.done) problems.push(`${name}: driver did not finish (exit ${r.code ?? r.signal}): ${r.stderr.trim().split("\n").slice(-5).join(" / ")}`);
}

const featureNames = [...new Set(Object.values(matrix).flat().map((r) => r.feature))];
const cols = Object.keys(matrix);
const lines = [
  `| feature | ${cols.map((c) => versions[c]).join(" | ")} |`,
  `|---|${cols.map(() => "---").join("|")}|`,
];
for (const f of featureNames) {
  const cells = cols.map((c) => {
    const r = matrix[c].find((x) => x.feature === f);
    if (!r) return "not run";
    const allowed = Object.entries(unsupported(c)).find(([prefix]) => f.startsWith(prefix));
    if (r.ok) return allowed ? "pass (listed as unsupported)" : "pass";
    if (allowed) return `not supported: ${allowed[1]} (${r.error.slice(0, 60).replace(/\|/g, "/")}...)`;
    problems.push(`${c}: ${f}: ${r.error}`);
    return `**FAIL**: ${r.error.replace(/\|/g, "/")}`;
  });
  lines.push(`| ${f} | ${cells.join(" | ")} |`);
}
const table = lines.join("\n");
console.log(`\nRuntime matrix (node test/runtimes/run.mjs ${argv.join(" ")}):\n\n${table}\n`);
console.log(`driver time per runtime (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [versions[k], v])))}; total ${Math.round((performance.now() - t00) / 1000)} s`);
if (OUT) writeFileSync(OUT, `${table}\n`);
rmSync(work, { recursive: true, force: true });
if (problems.length) {
  console.log(`\n${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
  process.exit(1);
}
console.log("all supported features pass on every runtime");
