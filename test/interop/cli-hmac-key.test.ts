// `pyro4 ns` and `pyro4 nsc` take the HMAC key like Python's pyro4-ns and pyro4-nsc: -k with a deprecation
// warning, PYRO_HMAC_KEY from the environment, and both at once is an error with exit status 1 (checked against
// Python's Pyro4.naming and Pyro4.nsc). The key from the environment is the one the name server uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { PYTHON } from "../helpers/python.js";
import { nsMain } from "../../src/cli/ns.js";
import { nscMain } from "../../src/cli/nsc.js";

const BOTH = "error: don't use -k and PYRO_HMAC_KEY at the same time";

/** Run `fn` with PYRO_HMAC_KEY set to `value` (or unset), restoring the environment afterwards. */
async function withEnvKey<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PYRO_HMAC_KEY;
  if (value === undefined) delete process.env.PYRO_HMAC_KEY;
  else process.env.PYRO_HMAC_KEY = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.PYRO_HMAC_KEY;
    else process.env.PYRO_HMAC_KEY = saved;
  }
}

function python(module: string, args: string[]): { status: number | null; lastErr: string } {
  const r = spawnSync(PYTHON, ["-m", module, ...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, PYRO_HMAC_KEY: "from-env" } });
  return { status: r.status, lastErr: r.stderr.trim().split("\n").pop() ?? "" };
}

test("-k together with PYRO_HMAC_KEY: a warning, then Python's error and status 1 (ns and nsc)", async () => {
  // loopback options and an immediate stop, so that a refusal that does not happen fails the test instead of hanging it
  const stopSignal = Promise.resolve();
  for (const [module, run] of [
    ["Pyro4.naming", (argv: string[], err: string[]) => nsMain(argv, { out: () => {}, err: (l) => err.push(l), stopSignal })],
    ["Pyro4.nsc", (argv: string[], err: string[]) => nscMain(argv, { out: () => {}, err: (t) => err.push(...t.replace(/\n$/, "").split("\n")) })],
  ] as const) {
    const argv = ["-n", "127.0.0.1", "-p", module === "Pyro4.nsc" ? "1" : "0", ...(module === "Pyro4.nsc" ? [] : ["-x"]), "-k", "on-the-line"];
    if (module === "Pyro4.nsc") argv.push("list");
    const py = python(module, argv);
    assert.equal(py.status, 1, module);
    assert.equal(py.lastErr, BOTH, module);
    const err: string[] = [];
    const code = await withEnvKey("from-env", () => run(argv, err));
    assert.equal(code, py.status, module);
    assert.match(err[0]!, /^Warning: using -k to supply HMAC key on the command line is a security problem/);
    assert.equal(err.at(-1), py.lastErr);
  }
});

test("pyro4 ns: the key from PYRO_HMAC_KEY is used (no 'HMAC key not set' warning); without one, the warning", async () => {
  for (const envKey of ["from-env", undefined]) {
    const out: string[] = [];
    const err: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    const done = withEnvKey(envKey, () =>
      nsMain(["-n", "127.0.0.1", "-p", "0", "-x"], {
        out: (l) => {
          out.push(l);
          if (l.startsWith("URI = ")) stop();
        },
        err: (l) => err.push(l),
        stopSignal,
      }),
    );
    assert.equal(await done, 0, err.join("\n"));
    assert.deepEqual(err, [], "no -k: no deprecation warning");
    const warned = out.includes("Warning: HMAC key not set. Anyone can connect to this server!");
    assert.equal(warned, envKey === undefined, out.join("\n"));
  }
});
