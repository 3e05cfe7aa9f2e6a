// The `pyro5` commands' name-server paths against Python Pyro5's tools: `pyro5 echoserver -N -v` (start a name
// server and register there) prints Pyro5.utils.echoserver's lines and is found by a Python Pyro5 client;
// `pyro5 echoserver -n` registers with Python's Pyro5 name server; `pyro5 nsc` without -n finds the name server by
// broadcast and prints what `python -m Pyro5.nsc` prints. Loopback only: broadcasts go to 127.0.0.1 on a port
// of this test's own name server, so other name servers on the machine cannot answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnReady, type ReadyProcess } from "../helpers/ready-process.js";
import { FIXTURES, PYTHON, runPythonAsync, startPython } from "../helpers/python.js";
import { PYRO5_ENV, startPyro5NsWithBroadcast, withBroadcastOnly } from "../helpers/pyro5.js";
import { REPO } from "../helpers/ns-process.js";
import { nscMain } from "../../src/cli/nsc.js";

/** A Pyro5 run gets no Pyro4 PYRO_* settings of the parent (Pyro5 refuses unknown ones). */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...PYRO5_ENV, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" };
  for (const k of Object.keys(e)) if (k.startsWith("PYRO_")) delete e[k];
  return { ...e, ...extra };
}

function startOurs(args: string[], extra: Record<string, string>): Promise<ReadyProcess> {
  return spawnReady(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), "echoserver", ...args], {
    ready: /^echoserver running\.$/,
    env: env(extra),
    cwd: REPO,
    label: `pyro5 ${args.join(" ")}`,
    group: true,
    timeoutMs: 30_000,
  });
}

function startTheirs(args: string[], extra: Record<string, string>): Promise<ReadyProcess> {
  return spawnReady(PYTHON, ["-m", "Pyro5.utils.echoserver", ...args], {
    ready: /^echoserver running\.$/,
    env: env(extra),
    cwd: FIXTURES,
    label: `Pyro5.utils.echoserver ${args.join(" ")}`,
    timeoutMs: 30_000,
  });
}

/** A Python Pyro5 client: look `name` up through the name server at host:port and call echo on it. */
async function pythonEcho(nsPort: number, name: string): Promise<string> {
  const script = [
    "import sys",
    "from Pyro5.api import locate_ns, Proxy",
    "ns = locate_ns('127.0.0.1', int(sys.argv[1]))",
    "uri = ns.lookup(sys.argv[2])",
    "print('URI', uri)",
    "print('ECHO', Proxy(uri).echo(['ok', 42]))",
  ].join("\n");
  return runPythonAsync(["-c", script, String(nsPort), name], { env: PYRO5_ENV, timeoutMs: 20_000 });
}

const ports = (s: string) => s.replace(/:\d+\b/g, ":PORT");

test("`pyro5 echoserver -N -v` prints Pyro5.utils.echoserver's lines, and a Python Pyro5 client finds it through that name server", async () => {
  // NS_PORT 0: each side's name server takes a free port and prints it
  const ours = await startOurs(["-H", "127.0.0.1", "-N", "-v"], { PYRO_NS_PORT: "0" });
  const theirs = await startTheirs(["-H", "127.0.0.1", "-N", "-v"], { PYRO_NS_PORT: "0" });
  try {
    assert.deepEqual(ours.output.map(ports), theirs.output.map(ports));
    assert.ok(ours.output.includes("not using a broadcast server"), ours.output.join("\n"));
    const nsPort = Number(/^using name server at PYRO:Pyro\.NameServer@127\.0\.0\.1:(\d+)$/m.exec(ours.output.join("\n"))?.[1]);
    assert.ok(nsPort > 0, ours.output.join("\n"));
    const out = await pythonEcho(nsPort, "test.echoserver");
    const echoUri = /^echo uri: (PYRO:\S+)$/m.exec(ours.output.join("\n"))![1];
    assert.match(out, new RegExp(`^URI ${echoUri.replace(/[.]/g, "\\.")}$`, "m"));
    assert.match(out, /^ECHO \['ok', 42\]$/m);
  } finally {
    await Promise.all([ours.stop(), theirs.stop()]);
  }
});

test("`pyro5 echoserver -n` registers with Python's Pyro5 name server (PYRO_NS_HOST/PYRO_NS_PORT), as Pyro5's does", async () => {
  const pyns = await startPython(["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0"], /NS running on 127\.0\.0\.1:(\d+)/, {
    env: PYRO5_ENV,
  });
  const nsEnv = { PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: pyns.ready };
  try {
    const theirs = await startTheirs(["-H", "127.0.0.1", "-n"], nsEnv);
    const theirLines = theirs.output.slice();
    await theirs.stop();
    const ours = await startOurs(["-H", "127.0.0.1", "-n"], nsEnv);
    try {
      assert.deepEqual(ours.output.map(ports), theirLines.map(ports));
      const out = await pythonEcho(Number(pyns.ready), "test.echoserver");
      const echoUri = /^echo uri: (PYRO:\S+)$/m.exec(ours.output.join("\n"))![1];
      assert.match(out, new RegExp(`^URI ${echoUri.replace(/[.]/g, "\\.")}$`, "m"), "the name now points at ours");
      assert.match(out, /^ECHO \['ok', 42\]$/m);
    } finally {
      await ours.stop();
    }
  } finally {
    await pyns.stop();
  }
});

test("`pyro5 nsc` without -n finds the name server by broadcast and prints what `python -m Pyro5.nsc` prints", async () => {
  const pyns = await startPyro5NsWithBroadcast();
  try {
    // NS_PORT 1: nothing listens there, so the direct attempt fails and the broadcast must find the name server
    const bcEnv = { PYRO_BROADCAST_ADDRS: "127.0.0.1", PYRO_NS_BCPORT: String(pyns.bcport), PYRO_NS_PORT: "1" };
    // a register runs once per side, under a name of its own (the second one would find the name taken)
    const steps: [ours: string[], theirs: string[]][] = [
      [["ping"], ["ping"]],
      [["register", "bc.ours", "PYRO:a@h:1"], ["register", "bc.theirs", "PYRO:a@h:1"]],
      [["list"], ["list"]],
      [["lookup", "bc.ours"], ["lookup", "bc.theirs"]],
    ];
    for (const [args, theirArgs] of steps) {
      const theirs = await runPythonAsync(["-m", "Pyro5.nsc", ...theirArgs], { env: { ...PYRO5_ENV, ...bcEnv }, timeoutMs: 20_000 });
      let stdout = "";
      let stderr = "";
      const code = await withBroadcastOnly(pyns.bcport, () =>
        nscMain(args, { protocol: 5, out: (t) => (stdout += t), err: (t) => (stderr += t) }),
      );
      assert.equal(code, 0, `pyro5 nsc ${args.join(" ")}: ${stdout}${stderr}`);
      const mine = args[1] === theirArgs[1] ? stdout : stdout.replaceAll(args[1]!, theirArgs[1]!);
      assert.equal(mine, theirs, `pyro5 nsc ${args.join(" ")}`);
    }
  } finally {
    await pyns.server.stop();
  }
});
