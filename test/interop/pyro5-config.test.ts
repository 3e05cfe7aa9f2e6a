// Our protocol-5 side runs on Pyro5's configuration (src/config5.ts), not Pyro4's: a Python Pyro5 client with each
// of Pyro5's serializers (PYRO_SERIALIZER=serpent/json/marshal/msgpack; msgpack was refused when Pyro4's
// SERIALIZERS_ACCEPTED applied) gets the same results from `pyro5 echoserver` and `pyro5 ns` as from
// Pyro5.utils.echoserver and Pyro5.nameserver; `pyro5 check-config` prints the items `python -m Pyro5.configure`
// prints for the same environment, and refuses what Pyro5 refuses (an unknown PYRO_* variable, a bad value).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PYTHON, runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { cleanEnv } from "../helpers/echoservers.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { REPO } from "../helpers/ns-process.js";
import { spawnReady, type ReadyProcess } from "../helpers/ready-process.js";
import { Daemon } from "../../src/server/daemon.js";
import { Proxy } from "../../src/client/proxy.js";
import { config5 } from "../../src/config5.js";
import { config } from "../../src/config.js";
import { ConfigValueError } from "../../src/errors.js";

const SERIALIZERS = ["serpent", "json", "marshal", "msgpack"] as const;

/** A Pyro5 environment: this process's, minus PYRO_* variables (each test sets its own). */
function pyro5Env(extra: Record<string, string> = {}): Record<string, string> {
  return cleanEnv({ ...PYRO5_ENV, PYTHONDONTWRITEBYTECODE: "1", ...extra });
}

function startOurs(args: string[], ready: RegExp): Promise<ReadyProcess> {
  return spawnReady(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), ...args], {
    ready,
    env: pyro5Env(),
    cwd: REPO,
    label: `pyro5 ${args.join(" ")}`,
    group: true,
    timeoutMs: 30_000,
    graceMs: 5000,
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function run(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const pyConfigure = (env: Record<string, string>) => run(PYTHON, ["-m", "Pyro5.configure"], pyro5Env(env));
const ourConfigure = (env: Record<string, string>) =>
  run(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), "check-config"], pyro5Env(env));
/** The `NAME = value` lines of a configuration dump. */
const items = (out: string) => out.split("\n").filter((l) => /^[A-Z_0-9]+ = /.test(l));

let ourEcho: ReadyProcess;
let ourNs: ReadyProcess;
let pyEcho: PythonServer;
let pyNs: PythonServer;
before(async () => {
  [ourEcho, ourNs, pyEcho, pyNs] = await Promise.all([
    startOurs(["echoserver", "-H", "127.0.0.1", "-p", "0"], /^echo uri: (PYRO:\S+)$/),
    startOurs(["ns", "-n", "127.0.0.1", "-p", "0", "-x"], /^URI = PYRO:Pyro\.NameServer@127\.0\.0\.1:(\d+)$/),
    startPython(["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"], /^echo uri: (PYRO:\S+)$/, { env: pyro5Env() }),
    startPython(["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"], /NS running on 127\.0\.0\.1:(\d+)/, { env: pyro5Env() }),
  ]);
});
after(async () => {
  await Promise.all([ourEcho?.stop(), ourNs?.stop(), pyEcho?.stop(), pyNs?.stop()]);
});

for (const ser of SERIALIZERS) {
  test(`a Python Pyro5 client with PYRO_SERIALIZER=${ser} gets from \`pyro5 echoserver\` what Pyro5.utils.echoserver gives`, async () => {
    const client = (uri: string) => runPythonAsync(["pyro5_echo_client.py", uri], { env: pyro5Env({ PYRO_SERIALIZER: ser }), timeoutMs: 30_000 });
    const mine = JSON.parse((await client(ourEcho.match[1]!)).trim());
    const ref = JSON.parse((await client(pyEcho.ready)).trim());
    assert.equal(mine.serializer, ser);
    assert.deepEqual(mine.generator, ["one", "two", "three"]);
    assert.deepEqual(mine, ref);
  });

  test(`a Python Pyro5 client with PYRO_SERIALIZER=${ser} gets from \`pyro5 ns\` what Pyro5.nameserver gives`, async () => {
    // the JSON line, or the exception the client died of (Python Pyro5's marshal cannot send lookup(name,
    // return_metadata=True)'s (URI, set) result, from its name server or from ours)
    const client = (port: string) =>
      runPythonAsync(["pyro5_ns_client.py", "127.0.0.1", port], { env: pyro5Env({ PYRO_SERIALIZER: ser }), timeoutMs: 30_000 }).then(
        (out) => JSON.parse(out.trim()) as Record<string, unknown>,
        (e: Error): Record<string, unknown> => ({ died: e.message.split("\n").filter((l) => /^\w+(\.\w+)*: /.test(l)).pop() }),
      );
    const mine = await client(ourNs.match[1]!);
    const ref = await client(pyNs.ready);
    assert.equal(mine.lookup, "PYRO:one@h1:1001");
    if (ser === "marshal") {
      // Python's name server cannot marshal that (URI, set) tuple; ours writes the nested URI as a class dict, which
      // Python's client turns back into a URI (our marshal codec's documented difference)
      assert.deepEqual(ref, { died: "ValueError: unmarshallable object" });
      assert.deepEqual(mine.lookup_meta, ["PYRO:one@h1:1001", ["red", "round"]]);
    } else assert.deepEqual(mine, ref);
  });
}

test("`pyro5 check-config` prints the items `python -m Pyro5.configure` prints, for Pyro5's defaults and set variables", async () => {
  const envs: Record<string, string>[] = [
    {},
    { PYRO_COMMTIMEOUT: "2.5", PYRO_MAX_MESSAGE_SIZE: " 1_000 ", PYRO_BROADCAST_ADDRS: "10.0.0.255, <broadcast> ,", PYRO_NS_BCHOST: "0.0.0.0" },
    { PYRO_COMPRESSION: "Yes", PYRO_SSL: "on", PYRO_PREFER_IP_VERSION: "6", PYRO_NS_LOOKUP_DELAY: "inf", PYRO_LOGLEVEL: "DEBUG", PYRO_LOGFILE: "{stderr}" },
    { PYRO_SERPENT_BYTES_REPR: "1", PYRO_THREADPOOL_SIZE: "-3", PYRO_NATHOST: "", PYRO_LOGWIRE: "false", PYRO_SERIALIZER: "msgpack" },
  ];
  for (const env of envs) {
    const [py, ours] = await Promise.all([pyConfigure(env), ourConfigure(env)]);
    assert.equal(py.code, 0, py.stderr);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(items(ours.stdout).length, 39);
    assert.deepEqual(items(ours.stdout), items(py.stdout), JSON.stringify(env));
  }
});

test("a PYRO_* variable Pyro5 does not know, or a value it cannot cast, is an error at start, as in Python Pyro5", async () => {
  const cases: Record<string, string>[] = [
    { PYRO_SERIALIZERS_ACCEPTED: "serpent,msgpack" }, // a Pyro4 item Pyro5 does not have
    { PYRO_HMAC_KEY: "secret" },
    { PYRO_ONEWAY_THREADED: "1" },
    { PYRO_COMPRESSION: "maybe" },
    { PYRO_NS_PORT: "90x" },
    { PYRO_COMMTIMEOUT: "soon" },
  ];
  for (const env of cases) {
    const [py, ours, ns] = await Promise.all([
      pyConfigure(env),
      ourConfigure(env),
      run(process.execPath, ["--import", "tsx", join(REPO, "src/cli/pyro5.ts"), "ns", "-n", "127.0.0.1", "-p", "0", "-x"], pyro5Env(env)),
    ]);
    const pyError = /^ValueError: (.*)$/m.exec(py.stderr)?.[1];
    assert.equal(py.code, 1, py.stderr);
    assert.ok(pyError, py.stderr);
    assert.equal(ours.code, 1);
    assert.equal(ours.stderr.trim(), `error: ${pyError}`);
    // the tools refuse to start, in one line without a stack trace
    assert.equal(ns.code, 1);
    assert.equal(ns.stderr.trim(), `pyro5: error: ${pyError}`);
    assert.equal(ns.stdout, "");
  }
});

test("our protocol-5 objects take Pyro5's defaults: every serializer accepted, 1 GiB messages, Pyro5's SERIALIZER", async () => {
  const saved = config5.SERIALIZER;
  config5.SERIALIZER = "msgpack";
  const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, protocol: 5 });
  try {
    assert.equal(daemon.maxMessageSize, 1024 * 1024 * 1024);
    assert.deepEqual([...daemon.acceptedSerializers].sort(), [1, 2, 3, 4]);
    assert.equal(daemon.onewayThreaded, true);
    const p = new Proxy(daemon.uriFor("Pyro.Daemon"), { protocol: 5 });
    assert.equal(p.$serializer, "msgpack");
    assert.equal(await p.ping(), null);
    await p.$release();
  } finally {
    config5.SERIALIZER = saved;
    await daemon.close();
  }
  // the Pyro4 side keeps Pyro4's
  const d4 = new Daemon({ host: "127.0.0.1", port: 0 });
  try {
    // Pyro4's MAX_MESSAGE_SIZE 0 ("unlimited") leaves the default limit (src/limits.ts: 1 GiB, as Pyro5's)
    assert.equal(config.MAX_MESSAGE_SIZE, 0);
    assert.equal(d4.maxMessageSize, 1024 * 1024 * 1024);
    assert.deepEqual([...d4.acceptedSerializers].sort(), [1, 2, 3]);
  } finally {
    await d4.close();
  }
});

test("a protocol-5 object is not made while Pyro5 refuses the environment (ConfigValueError, code ERR_PYRO4_CONFIG_VALUE)", () => {
  config5.reset({ PYRO_SERIALIZERS_ACCEPTED: "json" });
  try {
    assert.throws(
      () => new Proxy("PYRO:x@127.0.0.1:1", { protocol: 5 }),
      (e: unknown) => e instanceof ConfigValueError && e.code === "ERR_PYRO4_CONFIG_VALUE" && e.message === "invalid Pyro environment config variable: PYRO_SERIALIZERS_ACCEPTED",
    );
    assert.throws(() => new Daemon({ protocol: 5 }), ConfigValueError);
    // Pyro4 ignores what it does not know
    assert.doesNotThrow(() => new Proxy("PYRO:x@127.0.0.1:1"));
  } finally {
    config5.reset(pyro5Env());
  }
  assert.equal(config5.problems().length, 0);
});
