// `npm test`: runs every *.test.ts under test/ with node's test runner. Interop tests need Debian's
// python3-pyro4; without it they are left out with a plain message, except under CI=true, where a missing
// Python Pyro4 is a failure. Ends with a line-coverage table per folder of src/ (c8 over V8's own coverage;
// `--no-coverage` or COVERAGE=0 leaves it out).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { printCoverageTable } from "./coverage-table.mjs";

const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
const ci = /^(1|true|yes)$/i.test(process.env.CI ?? "");

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

// README, examples and gateway tests run the built package (dist/): build it first when any source is newer, so a
// test never exercises a stale build (scripts/prepare.mjs is the same check `npm ci` runs).
const build = spawnSync(process.execPath, ["scripts/prepare.mjs"], { stdio: "inherit" });
if (build.status !== 0) {
  process.stderr.write("building dist/ failed: tests would run an old build\n");
  process.exit(1);
}

const probe = spawnSync(PYTHON, ["-c", "import Pyro4, serpent, msgpack, hypothesis; print(Pyro4.__version__)"], { encoding: "utf8" });
const havePython = probe.status === 0;
const argv = process.argv.slice(2);
const coverage = !argv.includes("--no-coverage") && !/^(0|false|no)$/i.test(process.env.COVERAGE ?? "");
const filter = argv.filter((a) => a !== "--no-coverage");
let files = filter.length ? filter : find("test");
if (!havePython) {
  const msg =
    `Python Pyro4 was not found (${PYTHON} -c "import Pyro4, serpent, msgpack, hypothesis" failed).\n` +
    `The interop tests need it. Install it with:\n  sudo apt-get install -y python3-pyro4 python3-msgpack python3-hypothesis\n`;
  if (ci) {
    process.stderr.write(`CI=true: interop tests are required.\n${msg}`);
    process.exit(1);
  }
  process.stderr.write(`${msg}Running the other tests only; interop tests (test/interop) are left out.\n\n`);
  files = files.filter((f) => !f.includes("interop"));
} else {
  process.stderr.write(`Python Pyro4 ${probe.stdout.trim()} found: interop tests included.\n`);
}

const args = ["--import", "tsx", "--test", "--test-reporter=spec", ...files];
const concurrency = process.env.TEST_CONCURRENCY;
if (concurrency) args.splice(2, 0, `--test-concurrency=${concurrency}`);
// V8 records coverage for every Node process the tests start (NODE_V8_COVERAGE is inherited); tsx's inline
// source maps map the test processes' coverage back to src/*.ts. Processes that run the built dist/ (CLI and
// package tests) have no source maps and are left out of the figure.
const COVERAGE_DIR = resolve("coverage");
const env = { ...process.env, PYRO4_PYTHON: PYTHON };
// raw data per run: a second `npm test` in the same checkout must not delete this one's
if (coverage) env.NODE_V8_COVERAGE = join(COVERAGE_DIR, `raw-${process.pid}`);
const r = spawnSync(process.execPath, args, { stdio: "inherit", env });
if (coverage && !existsSync(env.NODE_V8_COVERAGE)) process.stderr.write("no coverage was recorded (no test process ran)\n");
else if (coverage) {
  const c8 = spawnSync(
    process.execPath,
    ["node_modules/c8/bin/c8.js", "report", "--temp-directory", env.NODE_V8_COVERAGE, "--reports-dir", COVERAGE_DIR,
      "--reporter=json-summary", "--all", "--src", "src", "--include", "src/**/*.ts", "--extension", ".ts"],
    { encoding: "utf8" },
  );
  rmSync(env.NODE_V8_COVERAGE, { recursive: true, force: true });
  if (c8.status === 0) {
    const summary = JSON.parse(readFileSync(join(COVERAGE_DIR, "coverage-summary.json"), "utf8"));
    printCoverageTable(summary, (file) => relative(process.cwd(), file), (line) => process.stdout.write(line + "\n"));
  } else process.stderr.write(`coverage report failed (c8 exited ${c8.status}):\n${c8.stdout}${c8.stderr}\n`);
}
process.exit(r.status ?? 1);
