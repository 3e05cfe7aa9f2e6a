// `npm test`: runs every *.test.ts under test/ with node's test runner. Interop tests need Debian's
// python3-pyro4; without it they are left out with a plain message, except under CI=true, where a missing
// Python Pyro4 is a failure.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

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
const filter = process.argv.slice(2);
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
const r = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, PYRO4_PYTHON: PYTHON } });
process.exit(r.status ?? 1);
